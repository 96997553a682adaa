"""Compliance findings on crafted series: GB 21522-2024 rolling 24 h and calendar days (thresholds just above /
below, the 20 °C vs 0 °C flip, effective dates, venting, coverage), GB 21522-2008, Safety Regulations, explosive
inlets, dilution, utilisation targets and the CCER revocation rule. Every expected figure is worked out in the
comments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from minegas.accounting import compliance as cp
from minegas.accounting.methods.gb21522 import Gb21522_2024
from minegas.errors import InputError
from minegas.periods import CST

D1 = datetime(2025, 6, 10, tzinfo=CST)  # a CST midnight after the 2025-04-01 effective date for new mines


def minute_series(start: datetime, days: float, f, name: str = "", **kw) -> cp.Series:
    """1-min samples from ``start`` for ``days`` days, closing sample included; value = f(minute index)."""
    n = round(days * 1440)
    m = np.arange(n + 1)
    return cp.Series(start.timestamp() + m * 60.0, np.array([f(int(k)) for k in m], dtype=float), name=name,
                     method="hold", **kw)


def const(x: float):
    return lambda m: x


def at(d: datetime, minutes: int) -> datetime:
    return d + timedelta(minutes=minutes)


# ------------------------------------------------------------------------------------------------ GB 21522-2024

def test_rolling_burst_caught_that_no_calendar_day_shows():
    # CH4 10 % throughout; pure flow 4 Nm³/min except 14 from D1 12:00 to D2 12:00 (hold).
    # Calendar days: (12 h × 4 + 12 h × 14)/24 = 9 Nm³/min = 9.657 m³/min at 20 °C < 10 → no day violation.
    # A 24-h window ending at e holds H hours of 14: mean 4 + 10 H/24 ≥ 9.31776 (10 m³/min at 20 °C in Nm³/min)
    # ⇔ H ≥ 12.7626 h: window ends from D2 00:46 to D2 23:14 (H = 24 − (e − 12:00) on the way out).
    conc = minute_series(D1, 2, const(10.0), "ch4")
    flow = minute_series(D1, 2, lambda m: 14.0 if 720 <= m < 2160 else 4.0, "q")
    a = cp.check_gb21522_2024(conc, flow, mine_status="new", outlet="泵站A")
    assert a.n_rolling_windows == 1441  # window ends D2 00:00 … D3 00:00
    assert [d.violation for d in a.days] == [False, False]
    assert a.days[0].pure_flow_nm3_min == pytest.approx(9.0)
    assert a.days[0].banned is False and a.days[0].coverage_frac == 1.0
    viol = [f for f in a.findings if f.rule_id == "GB21522-2024.no-venting"]
    assert len(viol) == 1
    f = viol[0]
    assert f.severity == "violation" and f.evidence["basis"] == "rolling_24h"
    assert f.window_end == at(D1, 1440 + 23 * 60 + 14)
    assert f.window_start == at(D1, 46)
    assert f.evidence["n_windows"] == (23 * 60 + 14) - 46 + 1
    assert f.evidence["pure_flow_nm3_min_max"] == pytest.approx(14.0)
    # 0 °C would need H ≥ 14.4 h (D2 02:24 … 21:36): the edges are reference-state sensitive
    assert f.evidence["state_sensitive"] is True
    assert a.n_rolling_violations == f.evidence["n_windows"]
    assert "GB 21522-2024" in f.message_zh and "GB 21522-2024" in f.message_en


def test_rolling_burst_with_0c_reference_warns_about_the_edges():
    conc = minute_series(D1, 2, const(10.0))
    flow = minute_series(D1, 2, lambda m: 14.0 if 720 <= m < 2160 else 4.0)
    a = cp.check_gb21522_2024(conc, flow, mine_status="new", params=Gb21522_2024(flow_ref_state="0C"))
    (v,) = [f for f in a.findings if f.rule_id == "GB21522-2024.no-venting"]
    # H ≥ 14.4 h: first end D2 02:24, last end D2 21:36
    assert v.evidence["first_window_end"] == at(D1, 1440 + 144).astimezone(UTC).isoformat()
    assert v.window_start == at(D1, 144) and v.window_end == at(D1, 1440 + 21 * 60 + 36)
    warn = [f for f in a.findings if f.rule_id == "GB21522-2024.no-venting.reference-state"]
    assert len(warn) == 2 and all(w.severity == "warning" for w in warn)
    assert warn[0].window_end == at(D1, 1440 + 143) and warn[1].window_end == at(D1, 1440 + 23 * 60 + 14)


def test_calendar_day_flip_20c_vs_0c():
    # 9 % CH4 at 9.5 Nm³/min all day: 9.5 × 293.15/273.15 = 10.196 m³/min at 20 °C → banned; 9.5 < 10 at 0 °C
    conc, flow = minute_series(D1, 1, const(9.0)), minute_series(D1, 1, const(9.5))
    a = cp.check_gb21522_2024(conc, flow, mine_status="new")
    (day,) = a.days
    assert day.violation and day.banned and day.banned_20c and not day.banned_0c
    assert day.pure_flow_rule_m3_min == pytest.approx(10.1956, abs=1e-4)
    cal = [f for f in a.findings if f.evidence.get("basis") == "calendar_day"]
    assert len(cal) == 1 and cal[0].evidence["state_sensitive"] is True
    assert cal[0].window_start == D1 and cal[0].window_end == at(D1, 1440)
    assert "参比状态敏感" in cal[0].message_zh
    b = cp.check_gb21522_2024(conc, flow, mine_status="new", params=Gb21522_2024(flow_ref_state="0C"))
    assert not b.days[0].violation and b.days[0].violation_other_state
    assert {f.severity for f in b.findings} == {"warning"}


@pytest.mark.parametrize(("hi", "lo", "mean", "violation"), [(8.2, 7.9, 8.05, True), (8.1, 7.8, 7.95, False)])
def test_concentration_just_above_and_below(hi, lo, mean, violation):
    # 12 h at `hi` then 12 h at `lo` (hold) → time-weighted mean (hi + lo)/2; 20 Nm³/min pure flow
    conc = minute_series(D1, 1, lambda m: hi if m < 720 else lo)
    flow = minute_series(D1, 1, const(20.0))
    a = cp.check_gb21522_2024(conc, flow, mine_status="new", rolling=False)
    assert a.days[0].ch4_pct == pytest.approx(mean)
    assert a.days[0].violation is violation
    assert bool(a.findings) is violation


def test_flow_just_above_and_below_at_20c():
    # threshold 9.31776 Nm³/min: 9.32 → banned, 9.315 → not
    conc = minute_series(D1, 1, const(12.0))
    assert cp.check_gb21522_2024(conc, minute_series(D1, 1, const(9.32)), mine_status="new").days[0].violation
    assert not cp.check_gb21522_2024(conc, minute_series(D1, 1, const(9.315)), mine_status="new").days[0].violation


@pytest.mark.parametrize(("start", "status", "expected"), [
    (datetime(2025, 3, 10, tzinfo=CST), "new", False),       # before 2025-04-01
    (datetime(2026, 6, 10, tzinfo=CST), "existing", False),  # existing mines from 2027-04
    (datetime(2027, 6, 10, tzinfo=CST), "existing", True),
])
def test_effective_dates(start, status, expected):
    conc, flow = minute_series(start, 1, const(20.0)), minute_series(start, 1, const(30.0))
    a = cp.check_gb21522_2024(conc, flow, mine_status=status)
    assert any(f.severity == "violation" for f in a.findings) is expected
    assert a.days[0].applicable is expected


def test_day_straddling_the_effective_date_is_judged_from_midnight():
    start = datetime(2025, 3, 31, tzinfo=CST)
    conc, flow = minute_series(start, 2, const(20.0)), minute_series(start, 2, const(30.0))
    a = cp.check_gb21522_2024(conc, flow, mine_status="new")
    assert [d.violation for d in a.days] == [False, True]
    rolling = [f for f in a.findings if f.evidence.get("basis") == "rolling_24h"]
    # the first rolling window fully inside the effective period ends 2025-04-02 00:00
    assert rolling[0].window_start == datetime(2025, 4, 1, tzinfo=CST)


def test_venting_series_decides():
    conc, flow = minute_series(D1, 1, const(20.0)), minute_series(D1, 1, const(30.0))
    none = cp.check_gb21522_2024(conc, flow, mine_status="new", vented_ch4_flow_nm3_min=minute_series(D1, 1, const(0)))
    assert not none.findings and none.days[0].banned and not none.days[0].violation
    small = cp.check_gb21522_2024(conc, flow, mine_status="new", vent_tolerance_nm3_min=1.0,
                                  vented_ch4_flow_nm3_min=minute_series(D1, 1, const(0.5)))
    assert not small.findings
    vented = cp.check_gb21522_2024(conc, flow, mine_status="new",
                                   vented_ch4_flow_nm3_min=minute_series(D1, 1, const(2.0)))
    assert vented.days[0].violation and vented.days[0].vented_nm3_min == pytest.approx(2.0)


def test_insufficient_coverage_gives_data_quality_not_a_verdict():
    # 10 of 24 h missing (NaN) → coverage 14/24 = 0.583 < 0.75
    conc = minute_series(D1, 1, lambda m: np.nan if 300 <= m < 900 else 20.0)
    flow = minute_series(D1, 1, const(30.0))
    a = cp.check_gb21522_2024(conc, flow, mine_status="new")
    assert a.days[0].banned is None and not a.days[0].violation
    assert a.days[0].coverage_frac == pytest.approx(14 / 24, abs=1e-3)
    (f,) = [f for f in a.findings if f.severity == "data_quality"]
    assert f.rule_id == "GB21522-2024.data-coverage"
    # with a lower coverage requirement the day is judged
    assert cp.check_gb21522_2024(conc, flow, mine_status="new", min_coverage_frac=0.5).days[0].violation


# ------------------------------------------------------------------------------------------------ GB 21522-2008

def test_gb21522_2008():
    start = datetime(2020, 5, 1, tzinfo=CST)
    high, low = minute_series(start, 1, const(35.0)), minute_series(start, 1, const(25.0))
    a = cp.check_gb21522_2008(high)
    assert a.days[0].violation and a.findings[0].rule_id == "GB21522-2008.no-venting"
    assert not cp.check_gb21522_2008(low).findings
    assert cp.check_gb21522_2008(low, origin="surface_cbm").days[0].violation
    # a new mine is under GB 21522-2024 from 2025-04-01, so 2008 no longer applies to it in 2026
    later = minute_series(datetime(2026, 5, 1, tzinfo=CST), 1, const(35.0))
    assert not cp.check_gb21522_2008(later, mine_status="new").findings
    assert cp.check_gb21522_2008(later, mine_status="existing").findings
    # vented nothing → no violation
    assert not cp.check_gb21522_2008(high, vented_ch4_flow_nm3_min=minute_series(start, 1, const(0.0))).findings


# ------------------------------------------------------------------------------------------------ safety rules

def test_direct_combustion_below_30_needs_approval():
    # 20 % for minutes 100–109 (10 samples, 9 min), 35 % otherwise
    inlet = minute_series(D1, 0.5, lambda m: 20.0 if 100 <= m < 110 else 35.0, "boiler-in")
    (f,) = cp.check_direct_combustion(inlet, unit="锅炉1")
    assert f.severity == "approval_required" and f.rule_id == "CMSR.direct-combustion"
    assert f.window_start == at(D1, 100) and f.window_end == at(D1, 109)
    assert f.evidence["value_min"] == 20.0 and f.evidence["n_samples"] == 10
    assert cp.check_direct_combustion(inlet, unit="b", approved=True)[0].severity == "info"
    assert not cp.check_direct_combustion(inlet, unit="b", min_duration_s=600)
    running = np.zeros(inlet.t_s.size, dtype=bool)
    assert not cp.check_direct_combustion(inlet, unit="b", running=running)


def test_dry_drainage_below_25():
    pump = minute_series(D1, 0.1, lambda m: 22.0 if m < 30 else 40.0)
    (f,) = cp.check_dry_drainage(pump, pump="干式泵", dry_type=True)
    assert f.rule_id == "CMSR.dry-drainage" and f.window_end == at(D1, 29)
    assert not cp.check_dry_drainage(pump, pump="水环泵", dry_type=False)


def test_explosive_inlet_and_qa_mask():
    # 3 % → 5.0 % (inside, limit included) for minutes 10–19, with a flagged sample at minute 15
    vals = lambda m: 5.0 if 10 <= m < 20 else 3.0  # noqa: E731
    s = minute_series(D1, 0.05, vals)
    ok = np.ones(s.t_s.size, dtype=bool)
    ok[15] = False
    s2 = cp.Series(s.t_s, s.value, ok, method="hold")
    assert len(cp.check_explosive_inlet(s, unit="RTO")) == 1
    found = cp.check_explosive_inlet(s2, unit="RTO")
    assert [(f.window_start, f.window_end) for f in found] == [(at(D1, 10), at(D1, 14)), (at(D1, 16), at(D1, 19))]
    assert all(f.severity == "safety" for f in found)
    assert not cp.check_explosive_inlet(minute_series(D1, 0.05, const(4.9)), unit="RTO")
    # a unit with a safe-transport system (thermal island, porous-media boiler): the same windows, recorded as info
    safe = cp.check_explosive_inlet(s2, unit="TI1", safe_transport=True)
    assert [(f.window_start, f.window_end) for f in safe] == [(f.window_start, f.window_end) for f in found]
    assert all(f.severity == "info" and f.evidence["safe_transport"] for f in safe)
    assert "safe-transport" in safe[0].message_en and "安全输送" in safe[0].message_zh


# ------------------------------------------------------------------------------------------------ dilution

def test_dilution_detected_with_implied_air():
    # pump 20 % at 10 Nm³/min pure (50 mixed); stack 10 % with the same pure CH4 (100 mixed) → 50 Nm³/min air
    pump_c, stack_c = minute_series(D1, 0.25, const(20.0)), minute_series(D1, 0.25, const(10.0))
    pump_q, stack_q = minute_series(D1, 0.25, const(10.0)), minute_series(D1, 0.25, const(10.0))
    out = cp.check_dilution(pump_c, stack_c, pump_ch4_flow_nm3_min=pump_q, stack_ch4_flow_nm3_min=stack_q,
                            outlet="放空管")
    (f,) = out
    assert f.rule_id == "SX-2022.no-dilution" and f.severity == "violation"
    assert f.evidence["implied_air_added_nm3_min_mean"] == pytest.approx(50.0)
    assert f.evidence["n_windows"] == 6 and f.window_start == D1 and f.window_end == at(D1, 360)


def test_dilution_tolerances_and_metering():
    pump_c = minute_series(D1, 0.25, const(20.0))
    # 0.5-point drop is within the 1-point tolerance
    assert not cp.check_dilution(pump_c, minute_series(D1, 0.25, const(19.5)))
    # concentration drop but the stack carries 40 % less pure CH4 → a metering finding, not dilution
    out = cp.check_dilution(pump_c, minute_series(D1, 0.25, const(10.0)),
                            pump_ch4_flow_nm3_min=minute_series(D1, 0.25, const(10.0)),
                            stack_ch4_flow_nm3_min=minute_series(D1, 0.25, const(6.0)))
    assert [f.severity for f in out] == ["data_quality"]
    # without flow series the concentration test alone decides
    assert cp.check_dilution(pump_c, minute_series(D1, 0.25, const(10.0)))[0].severity == "violation"


# ------------------------------------------------------------------------------------------------ targets

def test_utilization_targets():
    a, b = datetime(2025, 1, 1, tzinfo=CST), datetime(2026, 1, 1, tzinfo=CST)
    # Jincheng plan 2025 (seed 000): 10.12 + 2.88 = 13.0亿 m³ used of 22亿 drained = 59.1 % < 60 %
    (f,) = cp.check_utilization_target(22e8, 13.0e8, cp.JINCHENG_UNDERGROUND, window_start=a, window_end=b,
                                       scope="晋城市")
    assert f.severity == "warning" and f.evidence["rate_frac"] == pytest.approx(0.590909, abs=1e-6)
    assert not cp.check_utilization_target(22e8, 13.2e8, cp.JINCHENG_UNDERGROUND, window_start=a, window_end=b)
    # Shanxi 2020 utilisation ≈ 45 % (seed 003) against the 50 % 2025 target
    assert cp.check_utilization_target(100.0, 45.0, cp.SHANXI_2025, window_start=a, window_end=b)
    assert cp.check_utilization_target(100.0, 101.0, cp.SHANXI_2025, window_start=a,
                                       window_end=b)[0].severity == "data_quality"
    assert cp.utilization_rate(0.0, 0.0) is None
    with pytest.raises(InputError):
        cp.utilization_rate(-1.0, 0.0)


# ------------------------------------------------------------------------------------------------ CCER revocation

def test_ccer_revocation_daily():
    # inlet 101 vs pump outlet 100 Nm³/min for a day: 145 440 > 144 000 Nm³ → triggered
    inlet, pump = minute_series(D1, 1, const(101.0)), minute_series(D1, 1, const(100.0))
    r = cp.check_ccer_revocation(inlet, pump, project="伏岩")
    (w,) = r.windows
    assert w.inlet_nm3 == pytest.approx(145_440.0) and w.pump_outlet_nm3 == pytest.approx(144_000.0)
    assert w.triggered and r.findings[0].rule_id == "CCER-10-001.revocation"
    assert r.findings[0].evidence["excess_frac"] == pytest.approx(0.01)
    assert not cp.check_ccer_revocation(inlet, pump, tolerance_frac=0.02).findings
    assert not cp.check_ccer_revocation(pump, inlet).findings


def test_series_validation():
    with pytest.raises(InputError):
        cp.Series(np.array([0.0, 0.0]), np.array([1.0, 1.0]))
    with pytest.raises(InputError):
        cp.Series(np.array([0.0, 1.0]), np.array([1.0, 1.0]), np.array([True]))


def test_calendar_windows_are_cst_days():
    s, e = cp.calendar_windows(D1.timestamp(), at(D1, 1440).timestamp())
    assert s.tolist() == [D1.timestamp()] and e.tolist() == [at(D1, 1440).timestamp()]
    s2, _ = cp.calendar_windows(at(D1, 30).timestamp(), at(D1, 1500).timestamp(), 3600.0)
    assert s2.size == 25 and s2[0] == D1.timestamp()
    with pytest.raises(InputError):
        cp.calendar_windows(0.0, 1.0, 7000.0)


def test_findings_are_json_serialisable():
    import json

    conc = minute_series(D1, 2, const(10.0))
    flow = minute_series(D1, 2, lambda m: 14.0 if 720 <= m < 2160 else 4.0)
    fs = cp.check_gb21522_2024(conc, flow, mine_status="new", params=Gb21522_2024(flow_ref_state="0C")).findings
    fs += cp.check_dilution(minute_series(D1, 0.25, const(20.0)), minute_series(D1, 0.25, const(10.0)),
                            pump_ch4_flow_nm3_min=minute_series(D1, 0.25, const(10.0)),
                            stack_ch4_flow_nm3_min=minute_series(D1, 0.25, const(10.0)))
    fs += cp.check_explosive_inlet(minute_series(D1, 0.05, const(9.0)), unit="RTO")
    fs += cp.check_ccer_revocation(minute_series(D1, 1, const(2.0)), minute_series(D1, 1, const(1.0))).findings
    assert len(fs) >= 5
    for f in fs:
        json.dumps(f.evidence, ensure_ascii=False, allow_nan=False)
        assert f.window_start <= f.window_end and f.window_start.tzinfo is not None
        assert f.message_zh and f.message_en and f.clause
