"""Pure parts of minegas.utilization.sources: hourly integration of aligned station samples (hand-computed vectors,
conservation against the MRV reference integrator, an independent oracle for counter stations, fuzzing) and the
design point of registry units (hand arithmetic from the catalog's efficiencies and seed 003 §4.4.2)."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minegas.accounting.reference_integration import integrate
from minegas.errors import InputError
from minegas.measurements.flags import EXCLUDE_MASK, QaFlag
from minegas.registry.repository import UnitInfo
from minegas.utilization.catalog import technology
from minegas.utilization.sources import HOURS_COLUMNS, design_point, station_hours

T0 = 1_740_758_400.0          # 2025-03-01 00:00 CST as UTC epoch seconds
CAL = int(QaFlag.KJ_CALIBRATION)


def aligned(t_rel: list[float], pure: list[float], mixed: list[float] | None = None, flags: list[int] | None = None,
            rule: str | list[str] = "trapezoid", max_gap: float | list[float] = 3600.0, station: str = "S"
            ) -> pa.Table:
    n = len(t_rel)
    ts_us = [round((T0 + t) * 1e6) for t in t_rel]
    return pa.table({
        "station_code": pa.array([station] * n),
        "ts": pa.array(ts_us, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
        "integration": pa.array(rule if isinstance(rule, list) else [rule] * n),
        "max_gap_s": pa.array(max_gap if isinstance(max_gap, list) else [max_gap] * n, pa.float64()),
        "flags": pa.array(flags or [0] * n, pa.uint32()),
        "ch4_flow_nm3_min": pa.array(pure, pa.float64()),
        "flow_mixed_nm3_min": pa.array(mixed if mixed is not None else [100.0] * n, pa.float64()),
    })


def hours(tab: pa.Table, n: int = 2, step: int = 3600) -> dict[str, np.ndarray]:
    h = station_hours(tab, T0, T0 + n * step, step)
    assert list(h.columns) == list(HOURS_COLUMNS)
    return {c: h[c].to_numpy() for c in h.columns if c not in ("station", "period")}


def test_trapezoid_split_at_the_hour_by_hand() -> None:
    # 0 → 60 Nm³/min over the first 30 min, 60 for an hour, back to 0 over the last 30 min
    h = hours(aligned([0, 1800, 5400, 7200], [0, 60, 60, 0]))
    # hour 1: (0+60)/2·1800 + 60·1800 = 162 000 Nm³/min·s = 2 700 Nm³; mean 45 Nm³/min; hour 2 the mirror image
    assert h["ch4_nm3"] == pytest.approx([2700.0, 2700.0], rel=1e-15)
    assert h["ch4_nm3_min"] == pytest.approx([45.0, 45.0], rel=1e-15)
    assert h["covered_s"] == pytest.approx([3600.0, 3600.0])
    assert h["mixed_nm3"] == pytest.approx([6000.0, 6000.0])          # 100 Nm³/min × 60 min
    assert h["ch4_pct"] == pytest.approx([45.0, 45.0], abs=1e-9)      # 100 × 162 000 / 360 000
    assert list(h["samples"]) == [2, 1]                             # 7200 s is the span's (open) end


def test_excluded_sample_and_long_gap_are_missing_time() -> None:
    # the calibration flag (标校, excluded) on the 5400 s sample removes both segments touching it
    h = hours(aligned([0, 1800, 5400, 7200], [0, 60, 60, 0], flags=[0, 0, CAL, 0]))
    assert h["ch4_nm3"] == pytest.approx([54000.0 / 60.0, 0.0])
    assert h["covered_s"] == pytest.approx([1800.0, 0.0])
    assert h["ch4_nm3_min"][0] == pytest.approx(30.0)
    assert math.isnan(h["ch4_nm3_min"][1]) and math.isnan(h["ch4_pct"][1])
    # a segment longer than max_gap_s is a gap as well
    h = hours(aligned([0, 1800, 5400, 7200], [0, 60, 60, 0], max_gap=1800.0))
    assert h["covered_s"] == pytest.approx([1800.0, 1800.0])
    assert h["ch4_nm3"] == pytest.approx([900.0, 900.0])


def test_hold_and_samples_before_the_span() -> None:
    # hold: the earlier value holds; the sample 600 s before the span closes the first segment
    h = hours(aligned([-600, 3000, 7200], [10, 20, 30], rule="hold", max_gap=7200.0))
    assert h["ch4_nm3"] * 60 == pytest.approx([10 * 3000 + 20 * 600, 20 * 3600])
    assert h["covered_s"] == pytest.approx([3600.0, 3600.0])


def test_counter_increments_hold_over_the_segment_they_end() -> None:
    # a counter's rate belongs to (t[i−1], t[i]]: 10, 20 in hour 1; 30, 40 in hour 2
    nan = float("nan")
    h = hours(aligned([0, 1800, 3600, 5400, 7200], [nan, 10, 20, 30, 40], rule="increment"))
    assert h["ch4_nm3"] * 60 == pytest.approx([10 * 1800 + 20 * 1800, 30 * 1800 + 40 * 1800])
    assert h["covered_s"] == pytest.approx([3600.0, 3600.0])
    # a missing rate with good flags loses its own segment only (the engine needs only the ending rate)
    h = hours(aligned([0, 1800, 3600, 5400, 7200], [nan, 10, nan, 30, 40], rule="increment"))
    assert h["ch4_nm3"] * 60 == pytest.approx([10 * 1800, 30 * 1800 + 40 * 1800])
    assert h["covered_s"] == pytest.approx([1800.0, 3600.0])
    # an excluded flag removes both segments touching the sample (both ends must pass the QA mask)
    h = hours(aligned([0, 1800, 3600, 5400, 7200], [nan, 10, 20, 30, 40], flags=[0, 0, 0, CAL, 0],
                      rule="increment"))
    assert h["ch4_nm3"] * 60 == pytest.approx([10 * 1800 + 20 * 1800, 0.0])


def test_configuration_change_inside_the_series() -> None:
    # max_gap 3600 s for the segments ending at the first three rows, 600 s after: the 1800 s segments ending at
    # the last two rows are then gaps, the one ending at row 3 is not
    h = hours(aligned([0, 1800, 3600, 5400, 7200], [6, 6, 6, 6, 6], max_gap=[3600, 3600, 3600, 600, 600]))
    assert h["covered_s"] == pytest.approx([3600.0, 0.0])
    h = hours(aligned([0, 1800, 3600, 5400, 7200], [6, 6, 6, 6, 6], rule=["trapezoid"] * 3 + ["hold"] * 2))
    assert h["ch4_nm3"] == pytest.approx([360.0, 360.0])


def test_whole_seconds_and_duplicates() -> None:
    # the engine takes whole seconds; two samples in the same second: the first counts
    h = hours(aligned([0.0, 1800.4, 1800.9, 3600.0], [6, 6, 600, 6]), n=1)
    assert h["covered_s"] == pytest.approx([3600.0]) and h["ch4_nm3"] == pytest.approx([360.0])


def test_bad_span_and_columns() -> None:
    tab = aligned([0, 3600], [1, 1])
    with pytest.raises(InputError, match="whole number"):
        station_hours(tab, T0, T0 + 5000)
    with pytest.raises(InputError, match="lack columns"):
        station_hours(tab.drop_columns(["max_gap_s"]), T0, T0 + 3600)
    empty = station_hours(tab.slice(0, 0), T0, T0 + 3600)
    assert empty.empty and list(empty.columns) == list(HOURS_COLUMNS)


series = st.integers(2, 40).flatmap(lambda n: st.tuples(
    st.lists(st.integers(1, 2400), min_size=n, max_size=n),
    st.lists(st.one_of(st.floats(0, 500, allow_nan=False), st.just(math.nan)), min_size=n, max_size=n),
    st.lists(st.sampled_from([0, 0, 0, 1, CAL, int(QaFlag.SPIKE)]), min_size=n, max_size=n),
    st.sampled_from(["trapezoid", "hold", "increment"]),
    st.sampled_from([600.0, 1800.0, 86400.0]),
    st.integers(-3000, 3000)))


@given(series)
def test_hours_conserve_the_period_integral(case: tuple) -> None:
    """Hours add up to the whole span: the reference integrator over [start, end) (trapezoid/hold), and an
    independent segment loop for counters (a segment counts when both ends pass the QA mask and its ending rate
    is present — the engine's rule for ``increment`` rows, minegas.accounting.totals._segment_parts)."""
    steps, vals, flags, rule, gap, offset = case
    t = np.cumsum(np.asarray(steps, dtype=float)) + offset
    n_h = 3
    h = station_hours(aligned(list(t), vals, flags=flags, rule=rule, max_gap=gap), T0, T0 + n_h * 3600)
    got, got_s = float(h["ch4_nm3"].sum() * 60), float(h["covered_s"].sum())
    ok = (np.asarray(flags) & EXCLUDE_MASK) == 0
    if rule == "increment":
        want = want_s = 0.0
        for i in range(1, len(t)):
            if ok[i - 1] and ok[i] and math.isfinite(vals[i]) and t[i] - t[i - 1] <= gap:
                lo, hi = max(t[i - 1], 0.0), min(t[i], n_h * 3600.0)
                if hi > lo:
                    want += vals[i] * (hi - lo)
                    want_s += hi - lo
    else:
        ref = integrate(t, vals, ok, [(0.0, n_h * 3600.0)], method=rule, max_gap_s=gap)[0]
        want, want_s = ref.integral, ref.measured_s
    assert got == pytest.approx(want, rel=1e-9, abs=1e-6)
    assert got_s == pytest.approx(want_s, abs=1e-6)
    assert (h["covered_s"] <= 3600 + 1e-9).all() and (h["ch4_nm3"] >= -1e-9).all()


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(-7200, 14400),
                          st.one_of(st.floats(allow_nan=True, allow_infinity=False, width=32), st.none()),
                          st.integers(0, 2**17), st.sampled_from(["trapezoid", "hold", "increment"])),
                max_size=60))
def test_fuzz_station_hours(rows: list) -> None:
    """Arbitrary stations, times, values (NaN, negative, missing) and flags: no crash, sane shapes."""
    unique: dict[tuple[int, int], tuple] = {}
    for r in rows:
        unique.setdefault((r[0], r[1]), r)
    rows = list(unique.values())
    tab = pa.table({
        "station_code": pa.array([f"S{r[0]}" for r in rows], pa.string()),
        "ts": pa.array([round((T0 + r[1]) * 1e6) for r in rows], pa.int64()).cast(pa.timestamp("us", tz="UTC")),
        "integration": pa.array([r[4] for r in rows], pa.string()),
        "max_gap_s": pa.array([900.0] * len(rows), pa.float64()),
        "flags": pa.array([r[3] for r in rows], pa.uint32()),
        "ch4_flow_nm3_min": pa.array([r[2] for r in rows], pa.float64()),
        "flow_mixed_nm3_min": pa.array([r[2] for r in rows], pa.float64()),
    })
    h = station_hours(tab, T0, T0 + 2 * 3600)
    assert len(h) == 2 * len({r[0] for r in rows})
    assert ((h["covered_s"] >= 0) & (h["covered_s"] <= 3600 + 1e-9)).all()


# --- design point ------------------------------------------------------------------------------------------------


def unit(**kw: object) -> UnitInfo:
    base: dict[str, object] = dict(
        mine_code="990000000001", code="U1", name_zh="装置", name_en=None, kind="utilization", technology="rto-vam",
        capacity_el_kw=None, capacity_heat_kw=None, capacity_flow_nm3_min=9000.0, ch4_min_pct=0.2,
        ch4_max_pct=1.2, destruction_efficiency_frac=0.98, heat_used=True, safe_transport=False, feeds="blend",
        commissioned_on=None, status="operating")
    base.update(kw)
    return UnitInfo(**base)  # type: ignore[arg-type]


def test_design_point_of_a_vam_oxidiser_is_the_top_of_its_window() -> None:
    # 伏岩 (seed 003 §4.4.2): 6 × 90 000 Nm³/h = 9 000 Nm³/min at 1.2 % = 108 Nm³/min CH4 (表11: × 8 000 h = 5 184万)
    d, basis = design_point(unit(capacity_el_kw=15000.0), technology("rto-vam"))
    assert d.design_ch4_nm3_min == pytest.approx(108.0) and (d.ch4_min_pct, d.ch4_max_pct) == (0.2, 1.2)
    assert "top of the window" in basis and d.safe_transport is False
    assert d.design_ch4_nm3_min * 60 * 8000 == pytest.approx(5184e4)
    d, basis = design_point(unit(), technology("rto-vam"), design_ch4_pct=1.0)
    assert d.design_ch4_nm3_min == pytest.approx(90.0) and "given" in basis


def test_design_point_from_electric_and_heat_capacity() -> None:
    ge = technology("gas-engine")
    d, basis = design_point(unit(technology="gas-engine", capacity_flow_nm3_min=70.0, ch4_min_pct=25.0,
                                 ch4_max_pct=100.0, capacity_el_kw=6000.0), ge)
    # 6 000 kW = 6 000 kJ/s; CH4 LHV 35.8 MJ/Nm³ → 6000 × 60 / (35 800 × η_el) Nm³/min
    pure = 6000.0 * 60.0 / (35800.0 * ge.eff_el_frac)
    assert d.design_ch4_nm3_min == pytest.approx(pure, rel=1e-12) and "electric capacity" in basis
    bo = technology("boiler")
    d, basis = design_point(unit(technology="boiler", capacity_flow_nm3_min=13.0, ch4_min_pct=30.0,
                                 ch4_max_pct=100.0, capacity_heat_kw=2800.0), bo)
    pure = 2800.0 * 60.0 / (35800.0 * bo.eff_heat_frac)
    assert d.design_ch4_nm3_min == pytest.approx(min(pure, 13.0), rel=1e-12) and "heat capacity" in basis
    # a nameplate larger than the gas the inlet can carry is capped at the window top
    d, basis = design_point(unit(technology="gas-engine", capacity_flow_nm3_min=10.0, ch4_min_pct=25.0,
                                 ch4_max_pct=100.0, capacity_el_kw=60000.0), ge)
    assert d.design_ch4_pct == 100.0 and "capped" in basis


def test_design_point_from_the_catalog_and_failures() -> None:
    pm = technology("porous-media-boiler")
    d, basis = design_point(unit(technology="porous-media-boiler", capacity_flow_nm3_min=56.0, ch4_min_pct=5.0,
                                 ch4_max_pct=12.0), pm)
    if pm.ch4_design_pct is not None:
        assert d.design_ch4_pct == min(max(pm.ch4_design_pct, 5.0), 12.0) and "catalog design" in basis
    with pytest.raises(InputError, match="no inlet capacity"):
        design_point(unit(capacity_flow_nm3_min=None), technology("rto-vam"))
    with pytest.raises(InputError, match="no CH4 window"):
        design_point(unit(ch4_min_pct=None), None)
    with pytest.raises(InputError, match="design concentration unknown") as ei:
        design_point(unit(technology="gas-engine", ch4_min_pct=25.0, ch4_max_pct=100.0), None)
    assert "--design-ch4-pct" in str(ei.value)
    with pytest.raises(InputError, match="bad design concentration"):
        design_point(unit(), None, design_ch4_pct=0.0)


# --- sources and feeds from registry records (pure assembly) ------------------------------------------------------


def test_feeds_of_a_small_network() -> None:
    """Two mains share a header into one unit; an engine inlet is not linked (attributed by its drainage system);
    a shaft feeds an oxidiser and releases the rest."""
    from datetime import UTC, datetime

    import pandas as pd

    from minegas.periods import parse_period
    from minegas.registry.repository import GasLinkInfo, MineInfo, StationInfo
    from minegas.utilization.sources import assemble

    m = "990000000001"
    mine = MineInfo(m, "示例", None, None, None, "140521", "城区", None, None, "high", "underground", None,
                    "producing", None, None, None, None, None, None, None, None)
    st = [StationInfo(m, "H", "高负压总管", None, "drainage_main", "high", "mixed_flow_x_ch4", None),
          StationInfo(m, "L", "低负压总管", None, "drainage_main", "low", "mixed_flow_x_ch4", None),
          StationInfo(m, "HDR", "汇管", None, "unit_inlet", "high", "mixed_flow_x_ch4", "U2"),
          StationInfo(m, "GIN", "发电进气", None, "unit_inlet", "high", "mixed_flow_x_ch4", "GE1"),
          StationInfo(m, "VENT", "放空", None, "vent_stack", "high", "mixed_flow_x_ch4", None),
          StationInfo(m, "R", "回风井", None, "return_shaft", "none", "air_flow_x_ch4", None),
          StationInfo(m, "RIN", "乏风进气", None, "unit_inlet", "none", "air_flow_x_ch4", "OX")]
    us = [unit(code="U2", technology="low-conc-gas-engine", capacity_flow_nm3_min=100.0, ch4_min_pct=9.0,
               ch4_max_pct=30.0, feeds="drained"),
          unit(code="GE1", technology="gas-engine", capacity_flow_nm3_min=50.0, ch4_min_pct=25.0,
               ch4_max_pct=100.0, feeds="drained", capacity_el_kw=2000.0),
          unit(code="VH", kind="vent_stack", technology="vent", capacity_flow_nm3_min=None, feeds="drained"),
          unit(code="OX", technology="rto-vam")]
    t0 = datetime(2020, 1, 1, tzinfo=UTC)
    links = [GasLinkInfo(m, a, b, c, t0, None) for a, b, c in (
        ("H", "HDR", None), ("L", "HDR", None), ("HDR", None, "U2"), ("H", "VENT", None), ("VENT", None, "VH"),
        ("R", "RIN", None), ("RIN", None, "OX"))]
    ch4 = {"H": 100.0, "L": 50.0, "HDR": 60.0, "GIN": 30.0, "VENT": 5.0, "R": 200.0, "RIN": 20.0}
    totals = pd.DataFrame({"station_code": list(ch4), "ch4_nm3": list(ch4.values()),
                           "mixed_nm3": [v * 3 for v in ch4.values()], "flow_mixed_nm3_min_mean": 3.0,
                           "ch4_flow_nm3_min_mean": 1.0, "coverage_frac": 1.0, "measured_s": 7200.0})
    per = pd.to_datetime([T0, T0 + 3600], unit="s", utc=True)
    hrs = pd.concat([pd.DataFrame({"station": c, "period": per, "flow_nm3_min": 3.0, "ch4_nm3_min": 1.0,
                                   "ch4_pct": 100 / 3, "samples": 12, "covered_s": 3600.0, "ch4_nm3": v / 2,
                                   "mixed_nm3": 1.5 * v}) for c, v in ch4.items()], ignore_index=True)
    g = assemble(mine, parse_period("2025-03-01"), st, us, links, totals, hrs)
    src = {s.station_code: s for s in g.sources}
    assert {k: v.kind for k, v in src.items()} == {"H": "drained", "L": "drained", "R": "vam"}
    fh = {f.target: f for f in src["H"].feeds}
    assert fh["GE1"].stations == ("GIN",) and fh["GE1"].share_frac == pytest.approx(0.3)
    assert fh["VH"].kind == "vent_stack" and fh["VH"].share_frac == pytest.approx(0.05)
    assert fh["U2"].share_frac is None and "unmetered" not in fh          # the header is shared with L
    assert [(f.target, f.share_frac) for f in src["L"].feeds] == [("U2", None)]
    fr = {f.target: f for f in src["R"].feeds}
    assert fr["OX"].share_frac == pytest.approx(0.1) and fr["atmosphere"].ch4_nm3 == pytest.approx(180.0)
    assert src["H"].ch4_pct == pytest.approx(100 / 3) and src["H"].as_source().kind == "drained"
    assert g.inlet_stations("U2") == ["HDR"] and g.inlet_stations("GE1") == ["GIN"]
    with pytest.raises(InputError, match="no inlet capacity"):
        g.unit_check("VH")
    with pytest.raises(InputError, match="unknown station"):
        g.profile("NOPE")
