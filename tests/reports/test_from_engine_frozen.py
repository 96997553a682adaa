"""Frozen figures become a report again (report_from_dict), and the close status a report shows
(period_close_of, restatement_diffs) — minegas.reports.from_engine without the engine."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import pytest

from minegas.accounting.close import CloseState, Version, diff_figures, flatten_figures
from minegas.errors import InputError
from minegas.reports import example_report
from minegas.reports.from_engine import (
    MrvSettings,
    period_close_of,
    report_from_dict,
    restatement_diffs,
)
from minegas.reports.model import PeriodClose


def test_report_round_trips_through_json() -> None:
    r = example_report("zh")
    back = report_from_dict(json.loads(r.to_json()))
    assert back == r
    assert back.check() == []
    en = report_from_dict(json.loads(r.to_json()), lang="en")
    assert en.meta.language == "en" and en.balance == r.balance


def test_missing_header_fields_are_filled_and_close_status_replaced() -> None:
    d = example_report("zh").to_dict()
    del d["meta"]["language"], d["meta"]["generated_at"], d["appendix"]["period_close"]
    at = datetime(2025, 4, 2, 8, 0, tzinfo=UTC)
    r = report_from_dict(d, lang="en", generated_at=at, period_close=PeriodClose("closed", at))
    assert r.meta.language == "en" and r.meta.generated_at == at
    assert r.appendix.period_close == PeriodClose("closed", at)
    assert report_from_dict(d).appendix.period_close.status == "open"


def test_not_a_report_is_an_input_error() -> None:
    with pytest.raises(InputError):
        report_from_dict({"meta": {"mine_code": "x"}})
    d = example_report("zh").to_dict()
    d["meta"]["period_start"] = "2025-03-01T00:00:00"
    with pytest.raises(InputError, match="offset"):
        report_from_dict(d)


def _version(no: int, report: dict, diff: dict | None = None, reason: str = "") -> Version:
    return Version(no, "verifier", datetime(2025, 4, 1 + no, tzinfo=UTC), reason, f"{no:064x}",
                   None if no == 0 else f"{no - 1:064x}", "a" * 64, "b" * 64, {}, "0.1.0", report,
                   {"hashed": {"batches": []}}, diff)


def test_close_status_open_closed_restated_with_diffs() -> None:
    r = example_report("zh")
    old = r.to_dict()
    b = r.balance
    # restatement: 10 000 Nm³ more vented on the high-suction system (late vent-stack data), residual down
    vent_h = dataclasses.replace(b.vented[0], pure_ch4_nm3=b.vented[0].pure_ch4_nm3 + 10_000.0)
    new_b = dataclasses.replace(b, vented=(vent_h, *b.vented[1:]))
    new = dataclasses.replace(r, balance=new_b).to_dict()
    figs = diff_figures(flatten_figures(old), flatten_figures(new))
    diff = {"figures": [f.as_dict() for f in figs], "inputs": {}, "settings": []}
    assert period_close_of(None) == PeriodClose("open")
    closed = CloseState("990521000001", "2025-03-01..2025-03-07", (_version(0, old),))
    pc = period_close_of(closed)
    assert (pc.status, pc.restatement_no, pc.diffs) == ("closed", 0, ())
    assert pc.closed_at == datetime(2025, 4, 1, tzinfo=UTC)
    restated = CloseState("990521000001", "2025-03-01..2025-03-07",
                          (_version(0, old), _version(1, new, diff, "迟到数据 late data")))
    pc = period_close_of(restated)
    assert (pc.status, pc.restatement_no, pc.reason_zh) == ("restated", 1, "迟到数据 late data")
    by_key = {d.quantity: d for d in pc.diffs}
    vent = by_key["balance.vented_nm3"]
    assert (vent.previous, vent.current, vent.delta) == pytest.approx((105_320.0, 115_320.0, 10_000.0))
    assert vent.label_zh == "放空量" and vent.unit == "Nm³"
    assert by_key["balance.vented.VENT-H.pure_ch4_nm3"].delta == pytest.approx(10_000.0)
    # rates are shown in %
    rate = by_key.get("balance.utilization_rate_drained_frac")
    assert rate is None  # used and drained did not change
    # the report with this close status passes the model's checks (a restated period has number ≥ 1)
    assert dataclasses.replace(r, appendix=dataclasses.replace(r.appendix, period_close=pc)).check() == []


def test_restatement_diffs_show_rates_in_percent_and_skip_text() -> None:
    diff = {"figures": [
        {"key": "balance.utilization_rate_drained_frac", "old": 0.5, "new": 0.55, "delta": 0.05, "pct": 10.0},
        {"key": "findings.X.2025", "old": "a", "new": "b", "delta": None, "pct": None},
        {"key": "daily.2025-03-01.H.vented_nm3", "old": 1.0, "new": 2.0, "delta": 1.0, "pct": 100.0},
        {"key": "points.H-MAIN.pure_ch4_nm3", "old": None, "new": 5.0, "delta": 5.0, "pct": None}]}
    rows = restatement_diffs(diff)
    assert [r.quantity for r in rows] == ["balance.utilization_rate_drained_frac", "points.H-MAIN.pure_ch4_nm3"]
    assert (rows[0].previous, rows[0].current) == pytest.approx((50.0, 55.0)) and rows[0].unit == "%"
    assert (rows[1].previous, rows[1].current) == (0.0, 5.0)


def test_settings_validation() -> None:
    s = MrvSettings.make("cn-2015", "AR6", 20, gap_rule="epa_98_325")
    assert (s.gwp_set, s.gwp_horizon, s.gap_rule) == ("AR6", 20, "epa_98_325")
    with pytest.raises(InputError) as e:
        MrvSettings.make(gwp_set="AR7", gap_rule="guess", co2e_convention="cheap")
    fields = {p.field for p in e.value.problems}
    assert fields == {"gwp", "gap_rule", "co2e_convention"}
    with pytest.raises(InputError):
        MrvSettings.make(gwp_set="SAR", horizon=20)  # SAR defines no 20-year GWP
    assert s.override(gwp_set="SAR", horizon=100).gap_rule == "epa_98_325"
