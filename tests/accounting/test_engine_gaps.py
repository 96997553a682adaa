"""Gap rules in the engine (minegas.accounting.totals with a substituting rule) against the exact oracle.

The oracle is minegas.accounting.reference_integration.integrate_exact (rational arithmetic) with the same
GapRule (minegas.accounting.gaps): for every CST day, the engine's integral agrees to 1e-9 relative and its
seconds measured / substituted / missing are exact — on hand-made series (multi-day gaps, leading and trailing
gaps, excluded samples, non-numeric values, pauses longer than max_gap), on hypothesis-generated series, and on a
store where a gap is still open when the period ends (closed from a later partition).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from engine_helpers import aligned_table, day_bounds, epoch_s, ok_mask
from engine_helpers import engine_days as _engine_days
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from store_helpers import MINE, cdss, local, make_store

from minegas.accounting import totals as T
from minegas.accounting.gaps import GapRule
from minegas.accounting.reference_integration import integrate_exact
from minegas.measurements.ingest import ingest_paths
from minegas.periods import CST

RULES = [GapRule("exclude"), GapRule("epa_98_325"), GapRule("epa_98_325", trailing="last_before"),
         GapRule("conservative"), GapRule("conservative", direction="reduction")]
D0 = date(2025, 3, 1)
T0 = datetime(2025, 3, 1, tzinfo=CST).timestamp()


def engine_days(tmp_path: Path, table: pa.Table, days: int, rule: GapRule) -> pa.Table:
    return _engine_days(tmp_path, table, D0, days, rule)


def assert_matches_oracle(got: pa.Table, ts_s: list[float], values: list[float], flags: list[int], rule: GapRule,
                          method: str, max_gap_s: float, days: int) -> None:
    v = np.asarray(values, dtype=float)
    ok = ok_mask(np.asarray(flags), v)
    ref = integrate_exact(ts_s, np.where(ok, v, 0.0), ok, [day_bounds(D0 + timedelta(days=k)) for k in range(days)],
                          method=method, max_gap_s=max_gap_s, gap_rule=rule)
    for k, r in enumerate(ref):
        assert Fraction(got.column("measured_s")[k].as_py()) == r.measured_s, (k, "measured")
        assert Fraction(got.column("substituted_s")[k].as_py()) == r.substituted_s, (k, "substituted")
        assert Fraction(got.column("missing_s")[k].as_py()) == r.missing_s, (k, "missing")
        assert got.column("ch4_flow_nm3_min_integral")[k].as_py() == pytest.approx(float(r.integral), rel=1e-9,
                                                                                  abs=1e-6), k
        assert got.column("ch4_flow_nm3_min_substituted_integral")[k].as_py() == pytest.approx(
            float(r.integral_substituted), rel=1e-9, abs=1e-6), k


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.name}-{r.trailing}-{r.direction}")
@pytest.mark.parametrize("method", ["trapezoid", "hold"])
def test_hand_series_every_rule(tmp_path: Path, rule: GapRule, method: str) -> None:
    # a leading excluded sample (标校), a non-numeric value, a pause of almost two days (a multi-day gap), a
    # trailing excluded sample, samples across CST midnight
    ts = [T0 + 3600, T0 + 3900, T0 + 4200, T0 + 4500, T0 + 2 * 86400 + 100, T0 + 2 * 86400 + 400,
          T0 + 3 * 86400 - 150, T0 + 3 * 86400 + 150, T0 + 3 * 86400 + 400]
    v = [10.0, 20.0, np.nan, 40.0, 50.0, 60.0, 65.0, 75.0, 70.0]
    fl = [4, 0, 1024, 0, 0, 0, 0, 0, 4]
    got = engine_days(tmp_path, aligned_table(ts, v, fl, method), 4, rule)
    assert_matches_oracle(got, ts, v, fl, rule, method, 300.0, 4)
    if rule.name == "exclude":
        assert got.column("substituted_s").to_pylist() == [0.0] * 4


def test_epa_rule_by_hand(tmp_path: Path) -> None:
    """40 CFR 98.325 by hand: 10 Nm³/min, then a 15-min gap (excluded sample), then 20 Nm³/min: the gap is filled
    with (10 + 20)/2 = 15 for 900 s; the research-note vector [0.50, –, –, 0.54] → 0.52 is the same rule."""
    ts = [T0 + 600, T0 + 900, T0 + 1200, T0 + 1500, T0 + 1800]
    v = [10.0, 10.0, 99.0, 20.0, 20.0]
    fl = [0, 0, 4, 0, 0]
    got = engine_days(tmp_path, aligned_table(ts, v, fl, "trapezoid", max_gap_s=300.0), 1, GapRule("epa_98_325"))
    # measured: 600→900 (10×300) and 1500→1800 (20×300); substituted 900→1500 at 15: 600 s × 15
    assert got.column("ch4_flow_nm3_min_integral")[0].as_py() == 3000.0 + 6000.0 + 9000.0
    assert got.column("measured_s")[0].as_py() == 600.0 and got.column("substituted_s")[0].as_py() == 600.0
    assert got.column("missing_s")[0].as_py() == 86400.0 - 1200.0
    assert got.column("ch4_substituted_nm3")[0].as_py() == 9000.0 / 60.0


# found in CI: a gap open at the period end is closed by a sample more than a day after it (beyond the scanned
# window) — the table API must look ahead in the table, not treat the gap as trailing
_CI_TS = [1740758460.0, 1740758520.0, 1740848520.0, 1740848580.0, 1740848640.0, 1740848700.0, 1740938700.0,
          1740938760.0, 1740938820.0, 1740938880.0, 1740938940.0, 1740939000.0, 1740939060.0, 1740939120.0,
          1740939180.0, 1740939240.0, 1740939300.0, 1740939360.0, 1741029360.0, 1741029420.0, 1741029480.0,
          1741029540.0, 1741029600.0, 1741029660.0, 1741119660.0, 1741209660.0, 1741209720.0, 1741299720.0,
          1741299780.0, 1741299840.0, 1741299900.0]
_CI_V = [0.0] * 24 + [606.0 / 7.0, np.nan, np.nan, 0.0, 0.0, 0.0, 0.0]
_CI_FL = [0] * 25 + [1024, 1024, 0, 0, 0, 0]


@st.composite
def series(draw: st.DrawFn) -> tuple[list[float], list[float], list[int]]:
    n = draw(st.integers(2, 40))
    steps = draw(st.lists(st.sampled_from([60, 120, 300, 301, 900, 7200, 90000]), min_size=n, max_size=n))
    start = draw(st.integers(-3600, 86400))
    ts = (T0 + start + np.cumsum(steps)).tolist()
    vals = [float(x) for x in draw(st.lists(st.integers(0, 5000), min_size=n, max_size=n))]
    kinds = draw(st.lists(st.sampled_from([0, 0, 0, 0, 4, 1024, 512]), min_size=n, max_size=n))
    vals = [np.nan if k == 1024 else x / 7.0 for x, k in zip(vals, kinds, strict=True)]
    return ts, vals, kinds


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(series(), st.sampled_from(RULES), st.sampled_from(["trapezoid", "hold"]))
@example((_CI_TS, _CI_V, _CI_FL), GapRule("epa_98_325", trailing="last_before"), "trapezoid")
def test_random_series_equal_the_oracle(tmp_path: Path, s: tuple[list[float], list[float], list[int]],
                                        rule: GapRule, method: str) -> None:
    ts, v, fl = s
    days = 5
    got = engine_days(tmp_path, aligned_table(ts, v, fl, method), days, rule)
    if got.num_rows == 0:   # every sample outside the window
        return
    assert_matches_oracle(got, ts, v, fl, rule, method, 300.0, days)
    # the seconds always add up to the day
    tot = np.asarray(got.column("measured_s")) + np.asarray(got.column("substituted_s")) + np.asarray(
        got.column("missing_s"))
    assert tot.tolist() == [86400.0] * days


# --- a store: a gap still open when the period ends ------------------------------------------------------------

GE_CH4, GE_FLOW = "GE1-CH4", "GE1-FLOW"   # tests/data/registry: station GE-IN, flow at 0 °C, CH4 %


@pytest.fixture(scope="module")
def open_gap_store(tmp_path_factory: pytest.TempPathFactory):
    """GE-IN from 2025-03-30 to 2025-04-03 at 5 min: CH4 calibrating (标校, excluded) from 03-31 20:00 CST to
    04-01 03:00 and silent from 04-02 00:00 to 04-02 12:00 (a gap across the month boundary and a silence)."""
    root = tmp_path_factory.mktemp("opengap")
    store = make_store(root)
    t = local("2025-03-30 00:00:00")
    rows = []
    cal0, cal1 = local("2025-03-31 20:00:00"), local("2025-04-01 03:00:00")
    quiet0, quiet1 = local("2025-04-02 00:00:00"), local("2025-04-02 12:00:00")
    k = 0
    while t < local("2025-04-04 00:00:00"):
        if not (quiet0 <= t < quiet1):
            status = 4 if cal0 <= t < cal1 else 0
            rows.append((GE_FLOW, f"{30 + 5 * np.sin(k / 17):.3f}", 0, t))
            rows.append((GE_CH4, f"{40 + 3 * np.cos(k / 11):.2f}", status, t))
        t += timedelta(minutes=5)
        k += 1
    day = local("2025-03-30 00:00:00")
    while day < local("2025-04-04 00:00:00"):
        nxt = day + timedelta(days=1)
        part = [r for r in rows if day <= r[3] < nxt]
        cdss(root / "kj", nxt - timedelta(seconds=1), part)
        day = nxt
    report = ingest_paths(store, [root / "kj"])
    assert not report.rejected
    yield store
    store.close()


@pytest.mark.parametrize("period", ["2025-03", "2025-03-30..2025-03-31", "2025-04-01", "2025-04-01..2025-04-02"])
@pytest.mark.parametrize("rule", RULES[1:], ids=lambda r: f"{r.name}-{r.trailing}-{r.direction}")
def test_store_gap_open_at_period_end(open_gap_store, period: str, rule: GapRule) -> None:
    got = T.store_station_totals(open_gap_store, period, gap_rule=rule)
    a = open_gap_store.read("aligned").sort_by("ts")
    a = a.filter(pa.compute.equal(a.column("station_code"), "GE-IN"))
    ts = epoch_s(a.column("ts")).tolist()
    v = np.asarray(a.column("ch4_flow_nm3_min").to_numpy(zero_copy_only=False), dtype=float)
    fl = a.column("flags").to_numpy().tolist()
    start, end = T.period_days(period)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    ok = ok_mask(np.asarray(fl), v)
    ref = integrate_exact(ts, np.where(ok, v, 0.0), ok, [day_bounds(d) for d in days], method="trapezoid",
                          max_gap_s=300.0, gap_rule=rule)
    g = got.filter(pa.compute.equal(got.column("station_code"), "GE-IN"))
    assert g.num_rows == len(days)
    for k, r in enumerate(ref):
        assert Fraction(g.column("measured_s")[k].as_py()) == r.measured_s
        assert Fraction(g.column("substituted_s")[k].as_py()) == r.substituted_s
        assert g.column("ch4_flow_nm3_min_integral")[k].as_py() == pytest.approx(float(r.integral), rel=1e-9)
    if period == "2025-03":
        # the calibration gap runs past the month's end, from the last good sample at 19:55 CST: its March part
        # (4 h 5 min) is substituted with values closed from the April partition
        assert g.column("substituted_s").to_pylist()[-1] == 4 * 3600.0 + 300.0


@pytest.mark.parametrize("rule", RULES[1:3], ids=lambda r: f"{r.name}-{r.trailing}")
def test_store_point_gap_open_at_period_end(open_gap_store, rule: GapRule) -> None:
    got = T.store_point_totals(open_gap_store, "2025-03", gap_rule=rule)
    r = open_gap_store.read("readings")
    r = r.filter(pa.compute.equal(r.column("point_code"), GE_CH4)).sort_by("ts")
    ts = epoch_s(r.column("ts")).tolist()
    v = np.asarray(r.column("value").to_numpy(zero_copy_only=False), dtype=float)
    ok = ok_mask(r.column("flags").to_numpy(), v)
    days = [date(2025, 3, d) for d in range(1, 32)]
    ref = integrate_exact(ts, np.where(ok, v, 0.0), ok, [day_bounds(d) for d in days], max_gap_s=300.0,
                          gap_rule=rule)
    g = got.filter(pa.compute.equal(got.column("point_code"), GE_CH4))
    for k, rr in enumerate(ref):
        assert Fraction(g.column("substituted_s")[k].as_py()) == rr.substituted_s
        assert Fraction(g.column("measured_s")[k].as_py()) == rr.measured_s
        assert g.column("value_integral")[k].as_py() == pytest.approx(float(rr.integral), rel=1e-9, abs=1e-6)
    assert g.column("substituted_s").to_pylist()[-1] == 4 * 3600.0 + 300.0   # from 19:55 CST (last good)
    assert MINE == "990000000001"


def test_gap_listing_matches_the_totals(open_gap_store) -> None:
    """Every substituted gap listed (数据替代记录) with its window, values around it and substitute; the listed
    seconds add up to the totals' substituted seconds, per station value and per point."""
    rule = GapRule("epa_98_325")
    pieces = T.store_gap_pieces(open_gap_store, "2025-03-30..2025-04-02", "aligned", gap_rule=rule)
    days = T.store_station_totals(open_gap_store, "2025-03-30..2025-04-02", gap_rule=rule)
    for param in ("ch4_flow_nm3_min", "ch4_pct"):
        p = pieces.filter(pa.compute.and_(pa.compute.equal(pieces.column("station_code"), "GE-IN"),
                                          pa.compute.equal(pieces.column("parameter"), param)))
        d = days.filter(pa.compute.equal(days.column("station_code"), "GE-IN"))
        assert sum(p.column("seconds").to_pylist()) == sum(d.column(f"{param}_substituted_s").to_pylist())
    p = pieces.filter(pa.compute.equal(pieces.column("parameter"), "ch4_flow_nm3_min")).to_pylist()
    cal = [x for x in p if x["gap_start"] == local("2025-03-31 19:55:00")]
    assert len(cal) == 1 and cal[0]["gap_end"] == local("2025-04-01 03:00:00")
    assert cal[0]["value"] == (cal[0]["before"] + cal[0]["after"]) / 2   # 40 CFR 98.325
    quiet = [x for x in p if x["gap_start"] == local("2025-04-01 23:55:00")]
    assert len(quiet) == 1 and quiet[0]["gap_end"] == local("2025-04-02 12:00:00") and quiet[0]["prev_flags"] == 0
    pts = T.store_gap_pieces(open_gap_store, "2025-03", "readings", gap_rule=rule)
    ch4 = pts.filter(pa.compute.equal(pts.column("point_code"), GE_CH4))
    assert ch4.num_rows == 1 and ch4.column("seconds")[0].as_py() == 4 * 3600.0 + 300.0
    assert ch4.column("prev_flags")[0].as_py() & 4   # the reason: 标校 (calibration)
    with pytest.raises(Exception, match="substitutes nothing"):
        T.store_gap_pieces(open_gap_store, "2025-03", "readings", gap_rule="exclude")


@pytest.mark.parametrize("rule", [GapRule("epa_98_325"), GapRule("epa_98_325", trailing="last_before"),
                                  GapRule("conservative")])
def test_gap_open_at_period_end_closes_beyond_the_window(tmp_path: Path, rule: GapRule) -> None:
    """10 Nm³/min until 10:00 on day 1, bad samples, then 30 Nm³/min three days later (outside the two-day period and
    its one-day scan margin): 98.325 fills from 10:00 to the period end with (10 + 30)/2 = 20 whatever the trailing
    option (the gap is not trailing: a value after it exists); conservative (emission) fills with max = 30."""
    ts = [T0 + 36000 - 300, T0 + 36000, T0 + 40000, T0 + 2 * 86400 + 500, T0 + 5 * 86400, T0 + 5 * 86400 + 300]
    v = [10.0, 10.0, np.nan, np.nan, 30.0, 30.0]
    fl = [0, 0, 1024, 1024, 0, 0]
    got = _engine_days(tmp_path, aligned_table(ts, v, fl, "trapezoid"), D0, 2, rule)
    fill = 30.0 if rule.name == "conservative" else 20.0
    assert got.column("ch4_flow_nm3_min_integral").to_pylist() == [10.0 * 300 + fill * 50400, fill * 86400]
    assert got.column("substituted_s").to_pylist() == [50400.0, 86400.0]
    assert_matches_oracle(got, ts, v, fl, rule, "trapezoid", 300.0, 2)
