"""The report model: the example's figures against hand calculations, the consistency checks, JSON.

Hand calculations are in the docstring of minegas/reports/example.py; the figures below are recomputed here
from the example's invented daily inputs, not read back from the model.
"""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minegas.errors import InputError
from minegas.reports import BalanceLine, DailyRow, MineBalance, MrvReport, example_report
from minegas.reports.model import SCHEMA, CalibrationRow, PeriodClose, sort_points

RHO_CN_2015_T_PER_NM3 = 7.17 / 1e4  # NDRC 2015 guideline: 7.17 t CH4 per 10⁴ Nm³ (docs/conventions.md §2)


@pytest.fixture
def rep() -> MrvReport:
    return example_report("zh")


def test_example_is_consistent_and_labelled(rep: MrvReport) -> None:
    assert rep.check() == []
    assert rep.validate() is rep
    assert rep.meta.example is True
    assert rep.meta.language == "zh"
    assert example_report("en").meta.language == "en"


def test_example_balance_by_hand(rep: MrvReport) -> None:
    b = rep.balance
    # drained: high 7 × 172 800 (the daily deviations sum to 0) + low 7 × 43 200
    assert b.drained_nm3 == 1_209_600 + 302_400 == 1_512_000
    # used: GE1 6 × 151 200 + 113 400 (6-h outage), LCE1 7 × 37 440, PIPE1 7 × 17 280
    assert b.utilized_nm3 == 6 * 151_200 + 113_400 + 7 * 37_440 == 1_282_680
    assert b.transferred_nm3 == 7 * 17_280 == 120_960
    assert b.used_nm3 == 1_403_640
    assert b.flared_nm3 == 0
    assert b.residual_nm3 == (360 + 340 + 350 + 330 + 370 + 350 + 340) + (90 + 80 + 90 + 70 + 100 + 90 + 80) == 3_040
    assert b.vented_nm3 == 1_512_000 - 1_403_640 - 3_040 == 105_320
    assert b.closure_nm3 == 0.0
    assert b.vam_liberated_nm3 == 1_980_720
    assert b.vam_liberated_nm3 == pytest.approx(7 * (25_000 * 0.0045 * 1440) + 7 * (20_000 * 0.0042 * 1440))
    assert b.vam_released_nm3 == b.vam_liberated_nm3
    assert b.liberated_nm3 == 3_492_720
    assert b.utilization_rate_drained_frac == pytest.approx(1_403_640 / 1_512_000, rel=1e-15)
    assert round((b.utilization_rate_drained_frac or 0.0) * 100, 2) == 92.83
    assert b.drainage_rate_frac == pytest.approx(1 / 2.31, rel=1e-12)  # 3 492 720 / 1 512 000 = 2.31
    assert b.utilization_rate_liberated_frac == pytest.approx(1_403_640 / 3_492_720) == pytest.approx(0.401876, abs=1e-6)


def test_example_masses_and_co2e_by_hand(rep: MrvReport) -> None:
    b = rep.balance
    assert b.drained_t == pytest.approx(1_512_000 * RHO_CN_2015_T_PER_NM3, rel=1e-12) == pytest.approx(1084.104)
    assert b.emitted_underground_nm3 == 1_980_720 + 105_320 + 3_040 == 2_089_080
    assert b.emitted_underground_t == pytest.approx(1497.87036, rel=1e-12)
    assert b.post_mining_ch4_t == pytest.approx(96_000 * 2.01 / 1000)  # 2.01 kg/t, outburst mine (NDRC 2015)
    assert b.emitted_ch4_t == pytest.approx(1690.83036, rel=1e-12)
    gross = b.co2e_headline("gross")
    assert gross is not None and gross.co2e_t == pytest.approx(1690.83036 * 21, rel=1e-12)  # SAR GWP 21
    assert b.destroyed_nm3 == pytest.approx(1_020_600 * 0.995 + 262_080 * 0.98 + 120_960)
    net = b.co2e_headline("net")
    assert net is not None and net.co2e_t == pytest.approx(1_393_295.4 * RHO_CN_2015_T_PER_NM3 * (21 - 44 / 16))


def test_utilization_rate_reproduces_seed_000() -> None:
    """Seed 000 (晋城规划 2022, §1.2.3): 2021 drained 20.7亿 m³, used 12.35亿 m³, utilization 59.66 %."""
    ln = BalanceLine("X", "x", "x", 20.7e8, 20.7e8 * RHO_CN_2015_T_PER_NM3)
    used = BalanceLine("U", "u", "u", 12.35e8, 12.35e8 * RHO_CN_2015_T_PER_NM3)
    b = MineBalance((ln,), (used,), (), (), (), 8.35e8, 0.0, (), (), 0.0, 0.0, 0.0, 0.0, 0.0)
    assert round((b.utilization_rate_drained_frac or 0.0) * 100, 2) == 59.66
    assert b.drainage_rate_frac == 1.0  # no VAM given
    empty = MineBalance((), (), (), (), (), 0.0, 0.0, (), (), 0.0, 0.0, 0.0, 0.0, 0.0)
    assert empty.utilization_rate_drained_frac is None and empty.drainage_rate_frac is None


def test_daily_rows_add_up_to_balance(rep: MrvReport) -> None:
    assert math.fsum(d.pure_ch4_nm3 for d in rep.daily) == rep.balance.drained_nm3
    assert math.fsum(d.utilized_nm3 for d in rep.daily) == rep.balance.used_nm3
    assert math.fsum(d.vented_nm3 for d in rep.daily) == rep.balance.vented_nm3
    assert math.fsum(d.residual_nm3 for d in rep.daily) == rep.balance.residual_nm3
    day4 = next(d for d in rep.daily if d.day == date(2025, 3, 4) and d.station_code == "H-MAIN")
    assert day4.vented_nm3 == 170_800 - 113_400 - 17_280 - 330 == 39_790
    assert day4.utilization_rate_frac == pytest.approx((113_400 + 17_280) / 170_800)
    totals = rep.day_totals()
    assert [t.day for t in totals] == [date(2025, 3, d) for d in range(1, 8)]
    assert math.fsum(t.pure_ch4_nm3 for t in totals) == 1_512_000


def test_point_seconds_add_up(rep: MrvReport) -> None:
    for p in rep.points:
        assert p.measured_s + p.substituted_s + p.missing_s == 7 * 86_400
    lv = next(p for p in rep.points if p.station_code == "L-VENT")
    assert lv.missing_s == 900 and lv.coverage_frac == pytest.approx(1 - 900 / 604_800)
    assert lv.flags_text("zh") == "非数值 ×15" and lv.flags_text("en") == "not numeric ×15"
    roles = [p.station_role for p in rep.points]
    assert roles == sorted(roles, key=["drainage_main", "unit_inlet", "unit_outlet", "flare_inlet", "vent_stack",
                                       "return_shaft", "other"].index)
    assert sort_points(list(reversed(rep.points))) == rep.points


# --------------------------------------------------------------------------------------------------------------
# consistency checks: each corruption is found and located


def _fields(r: MrvReport) -> list[str]:
    return [p.field or "" for p in r.check()]


def test_check_finds_unclosed_balance(rep: MrvReport) -> None:
    bad = dataclasses.replace(rep, balance=dataclasses.replace(rep.balance, residual_nm3=3_100.0,
                                                               residual_t=3_100.0 * RHO_CN_2015_T_PER_NM3))
    problems = bad.check()
    assert any(p.field == "balance" and "does not close" in p.message for p in problems)
    with pytest.raises(InputError, match="does not close"):
        bad.validate()


def test_check_finds_mass_not_following_density(rep: MrvReport) -> None:
    p0 = dataclasses.replace(rep.points[0], ch4_t=rep.points[0].ch4_t * 1.001)
    bad = dataclasses.replace(rep, points=(p0, *rep.points[1:]))
    assert any(f.startswith("points[0]") and f.endswith(".ch4_t") for f in _fields(bad))


def test_check_finds_seconds_not_adding_up(rep: MrvReport) -> None:
    p0 = dataclasses.replace(rep.points[0], missing_s=60.0)
    bad = dataclasses.replace(rep, points=(p0, *rep.points[1:]))
    msgs = [p.message for p in bad.check()]
    assert any("not the period's 604800 s" in m for m in msgs)


def test_check_finds_daily_mismatch(rep: MrvReport) -> None:
    d0 = dataclasses.replace(rep.daily[0], vented_nm3=rep.daily[0].vented_nm3 + 100.0)
    bad = dataclasses.replace(rep, daily=(d0, *rep.daily[1:]))
    assert any("daily report's vented" in p.message for p in bad.check())


def test_check_finds_daily_outside_period_and_duplicates(rep: MrvReport) -> None:
    d_out = dataclasses.replace(rep.daily[0], day=date(2025, 3, 8))
    bad = dataclasses.replace(rep, daily=(d_out, *rep.daily[1:]))
    assert any(f.endswith(".day") for f in _fields(bad))
    dup = dataclasses.replace(rep, daily=(rep.daily[0], *rep.daily))
    assert any("duplicate day/station" in p.message for p in dup.check())


def test_check_finds_bad_hash_and_counts(rep: MrvReport) -> None:
    b0 = dataclasses.replace(rep.appendix.batches[0], sha256="ABC", records_rejected=-1)
    app = dataclasses.replace(rep.appendix, batches=(b0, *rep.appendix.batches[1:]))
    fields = _fields(dataclasses.replace(rep, appendix=app))
    assert any(f.endswith(".sha256") for f in fields)
    assert any(f.endswith(".records_rejected") for f in fields)


def test_check_finds_meta_problems(rep: MrvReport) -> None:
    naive = dataclasses.replace(rep.meta, period_start=datetime(2025, 3, 1))  # no UTC offset
    assert "meta.period_start" in _fields(dataclasses.replace(rep, meta=naive))
    # a 20 °C density with 0 °C volumes is a methodology error, reported as a problem
    wrong_density = dataclasses.replace(rep.meta, density_name="ipcc-2006")
    assert "meta.density_name" in _fields(dataclasses.replace(rep, meta=wrong_density))
    # SAR defines no 20-year GWP
    sar20 = dataclasses.replace(rep.meta, gwp_horizon=20)
    assert "meta.gwp_set" in _fields(dataclasses.replace(rep, meta=sar20))
    assert "meta.gap_rule" in _fields(dataclasses.replace(rep, meta=dataclasses.replace(rep.meta, gap_rule="x")))


def test_check_finds_wrong_co2e(rep: MrvReport) -> None:
    c0 = dataclasses.replace(rep.balance.co2e[0], co2e_t=rep.balance.co2e[0].co2e_t * 1.01)
    bal = dataclasses.replace(rep.balance, co2e=(c0, *rep.balance.co2e[1:]))
    assert any("does not follow the gross convention" in p.message
               for p in dataclasses.replace(rep, balance=bal).check())
    c1 = dataclasses.replace(rep.balance.co2e[0], gwp_set="AR6")
    bal = dataclasses.replace(rep.balance, co2e=(c1, *rep.balance.co2e[1:]))
    assert any("one GWP set per report" in (p.fix or "") for p in dataclasses.replace(rep, balance=bal).check())


def test_check_finds_bad_close_flags_and_substitutions(rep: MrvReport) -> None:
    app = dataclasses.replace(rep.appendix, period_close=PeriodClose("restated", rep.appendix.period_close.closed_at,
                                                                      0))
    assert "appendix.period_close.restatement_no" in _fields(dataclasses.replace(rep, appendix=app))
    p0 = dataclasses.replace(rep.points[0], flags=(("NO_SUCH_FLAG", 1),))
    assert any(f.endswith(".flags") for f in _fields(dataclasses.replace(rep, points=(p0, *rep.points[1:]))))
    s0 = dataclasses.replace(rep.substitutions[0], seconds=1e6)
    assert any(f.endswith(".seconds") for f in _fields(dataclasses.replace(rep, substitutions=(s0,))))
    cal = dataclasses.replace(rep.appendix.calibrations[0], status="bad")  # type: ignore[arg-type]
    app = dataclasses.replace(rep.appendix, calibrations=(cal,))
    assert any(f.endswith(".status") for f in _fields(dataclasses.replace(rep, appendix=app)))


def test_calibration_row_from_registry_status() -> None:
    @dataclasses.dataclass
    class Status:  # the attributes of minegas.registry.repository.CalibrationStatus
        mine_code: str = "M"
        point_code: str = "P1"
        quantity: str = "ch4_pct"
        last_performed_on: date | None = date(2025, 1, 1)
        last_kind: str | None = "calibration"
        last_result: str | None = "pass"
        certificate: str | None = "C-1"
        next_due: date | None = date(2025, 1, 16)
        overdue: bool = True
        status: str = "overdue"

    row = CalibrationRow.from_status(Status())
    assert (row.point_code, row.next_due, row.overdue, row.status) == ("P1", date(2025, 1, 16), True, "overdue")


# --------------------------------------------------------------------------------------------------------------
# properties


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1e7, allow_nan=False), min_size=1, max_size=4),
       st.lists(st.floats(0, 1e7, allow_nan=False), min_size=0, max_size=4),
       st.floats(0, 1e6, allow_nan=False), st.floats(1e-4, 1e-1))
def test_balance_closure_property(drained: list[float], used: list[float], vented: float, rel_err: float) -> None:
    """A balance whose residual is drained − outflows passes; moving the residual by more than the tolerance
    (1 ppm of the largest term) fails."""
    rep = example_report("zh")
    rho = RHO_CN_2015_T_PER_NM3

    def lines(vals: list[float]) -> tuple[BalanceLine, ...]:
        return tuple(BalanceLine(f"L{i}", "x", "x", v, v * rho) for i, v in enumerate(vals))

    residual = math.fsum(drained) - math.fsum(used) - vented
    bal = dataclasses.replace(rep.balance, drained=lines(drained), utilized=lines(used), vented=lines([vented]),
                              transferred=(), flared=(), residual_nm3=residual, residual_t=residual * rho, co2e=())
    ok = dataclasses.replace(rep, balance=bal, daily=())
    assert not [p for p in ok.check() if p.field == "balance"]
    scale = max([*drained, *used, vented, abs(residual), 1.0])
    off = residual + rel_err * scale
    bad = dataclasses.replace(ok, balance=dataclasses.replace(bal, residual_nm3=off, residual_t=off * rho))
    assert [p for p in bad.check() if p.field == "balance"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 7), st.sampled_from(["A", "B", "C"]), st.floats(0, 1e6),
                          st.floats(0, 1e6)), max_size=20, unique_by=lambda x: (x[0], x[1])))
def test_day_totals_conserve(rows: list[tuple[int, str, float, float]]) -> None:
    """Summing the daily report by day conserves every column."""
    rep = example_report("zh")
    daily = tuple(DailyRow(date(2025, 3, d), s, s, s, p * 2, p, 50.0, u, 0.0, 0.0) for d, s, p, u in rows)
    totals = dataclasses.replace(rep, daily=daily).day_totals()
    assert len(totals) == len({d for d, *_ in rows})
    assert math.fsum(t.pure_ch4_nm3 for t in totals) == pytest.approx(math.fsum(r[2] for r in rows), rel=1e-12)
    assert math.fsum(t.utilized_nm3 for t in totals) == pytest.approx(math.fsum(r[3] for r in rows), rel=1e-12)


# --------------------------------------------------------------------------------------------------------------
# JSON and names


def test_to_dict_is_json_with_derived_figures(rep: MrvReport) -> None:
    d = json.loads(rep.to_json())
    assert d["schema"] == SCHEMA
    assert d["meta"]["period_start"] == "2025-03-01T00:00:00+08:00"
    assert d["meta"]["density_kg_m3"] == 0.717 and d["meta"]["gwp_value"] == 21.0
    der = d["balance"]["derived"]
    assert der["drained_nm3"] == 1_512_000 and der["closure_nm3"] == 0
    assert der["utilization_rate_drained_frac"] == pytest.approx(0.928333, abs=1e-6)
    assert d["findings"][0]["rule_id"] == "GB21522-2008.no-venting"
    assert d["findings"][0]["evidence"]["vented_nm3"] == 65_600
    assert len(d["appendix"]["batches"]) == 7 and len(d["appendix"]["batches"][0]["sha256"]) == 64
    assert d["daily"][0]["utilization_rate_frac"] == pytest.approx(168_480 / 174_000)
    assert d["appendix"]["period_close"]["diffs"][0]["quantity"] == "vam_liberated_nm3"


def test_file_stem(rep: MrvReport) -> None:
    assert rep.file_stem() == "990521000001_2025-03-01--2025-03-07_zh"
    assert rep.file_stem("en") == "990521000001_2025-03-01--2025-03-07_en"
    odd = dataclasses.replace(rep, meta=dataclasses.replace(rep.meta, mine_code="A/B C", period_label="2025-03"))
    assert odd.file_stem() == "A_B_C_2025-03_zh"


def test_with_language_rejects_unknown(rep: MrvReport) -> None:
    with pytest.raises(InputError, match="unsupported report language"):
        rep.with_language("fr")  # type: ignore[arg-type]


def test_every_registry_role_has_a_report_role_and_labels() -> None:
    from minegas.i18n import LABELS
    from minegas.registry.vocab import STATION_ROLES as REGISTRY_ROLES
    from minegas.reports.model import STATION_ROLES

    assert set(REGISTRY_ROLES) <= set(STATION_ROLES)
    for role in STATION_ROLES:
        zh, en = LABELS[f"report.role.{role}"]
        assert zh and en and zh != en
