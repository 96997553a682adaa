"""The integration hot path (minegas.accounting.totals): station-day and point-day totals in one scan and one
group-by over the stored predecessor columns, checked against

- hand calculations at a CST day boundary (trapezoid: the value at midnight interpolated; hold; counters);
- the exact rational reference integrator (minegas.accounting.reference_integration.integrate_exact) on a
  generated week across a month boundary with injected faults: 1e-9 relative, seconds exact;
- months as sums of days equal the exact integral over the whole period;
- DuckDB and PySpark (local mode) give identical results (marker ``spark``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from minegas.accounting import totals as T
from minegas.accounting.reference_integration import integrate_exact
from minegas.measurements.align import ALIGNED_SCHEMA
from minegas.measurements.flags import EXCLUDE_MASK
from minegas.measurements.ingest import ingest_paths
from minegas.measurements.store import Store
from minegas.periods import CST
from minegas.registry import db
from minegas.registry.importer import import_registry
from minegas.registry.repository import point_configs_frame
from minegas.synth import generate

MINES = ["990525000001", "990502000001", "990521000001", "990524000001"]  # + counter-primary mains
START, DAYS = date(2025, 3, 28), 7   # crosses the March → April partition boundary


# --- hand calculations ------------------------------------------------------------------------------------------


def _aligned_rows(samples: list[tuple[str, float | None, int]], rule: str, max_gap_s: float = 300.0) -> pa.Table:
    """An aligned table of one station from (CST time, pure CH4 flow, flags) samples with predecessors."""
    n = len(samples)
    ts = [datetime.strptime(s, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CST) for s, _, _ in samples]
    v = [x for _, x, _ in samples]
    fl = [f for _, _, f in samples]
    cols = {f.name: pa.nulls(n, f.type) for f in ALIGNED_SCHEMA}
    cols.update({
        "mine_code": pa.array(["M"] * n), "station_code": pa.array(["S"] * n), "ts": pa.array(ts, ALIGNED_SCHEMA
                                                                                          .field("ts").type),
        "primary_point_code": pa.array(["P"] * n), "primary_measurement": pa.array(["pure_flow"] * n),
        "integration": pa.array([rule] * n), "max_gap_s": pa.array([max_gap_s] * n, pa.float64()),
        "ch4_flow_nm3_min": pa.array(v, pa.float64()), "flags": pa.array(fl, pa.uint32()),
        "prev_ts": pa.array([None, *ts[:-1]], ALIGNED_SCHEMA.field("ts").type),
        "prev_ch4_flow_nm3_min": pa.array([None, *v[:-1]], pa.float64()),
        "prev_flags": pa.array([None, *fl[:-1]], pa.uint32()),
    })
    return pa.table(cols, schema=ALIGNED_SCHEMA)


def _station_totals(tmp_path: Path, table: pa.Table, start: date, end: date) -> pa.Table:
    path = tmp_path / "a.parquet"
    pq.write_table(table, path)
    con = T.connect_duckdb()
    return T.station_day_totals(T.parquet_table(con, [str(path)]), start, end, con)


def test_trapezoid_split_at_midnight(tmp_path: Path) -> None:
    # 23:59 → 00:01 CST, 10 → 20 Nm³/min: at midnight 15; day 1: (10+15)/2 × 60 s, day 2: (15+20)/2 × 60 s
    t = _station_totals(tmp_path, _aligned_rows([("2025-03-01 23:59:00", 10.0, 0), ("2025-03-02 00:01:00", 20.0, 0)],
                                                "trapezoid"), date(2025, 3, 1), date(2025, 3, 2))
    assert t.column("ch4_flow_nm3_min_integral").to_pylist() == [750.0, 1050.0]
    assert t.column("measured_s").to_pylist() == [60.0, 60.0]
    assert t.column("missing_s").to_pylist() == [86340.0, 86340.0]
    assert t.column("ch4_nm3").to_pylist() == [12.5, 17.5]
    assert t.column("ch4_flow_nm3_min_mean").to_pylist() == [12.5, 17.5]


def test_hold_increment_gap_and_mask(tmp_path: Path) -> None:
    s = [("2025-03-01 23:59:00", 10.0, 0), ("2025-03-02 00:01:00", 20.0, 0),
         ("2025-03-02 00:11:00", 30.0, 0),          # 600 s > max_gap 300 s: a gap
         ("2025-03-02 00:12:00", 40.0, 4),          # 标校 (excluded): both segments touching it are missing
         ("2025-03-02 00:13:00", 50.0, 0)]
    hold = _station_totals(tmp_path, _aligned_rows(s, "hold"), date(2025, 3, 1), date(2025, 3, 2))
    assert hold.column("ch4_flow_nm3_min_integral").to_pylist() == [600.0, 600.0]
    assert hold.column("measured_s").to_pylist() == [60.0, 60.0]
    inc = _station_totals(tmp_path, _aligned_rows(s, "increment"), date(2025, 3, 1), date(2025, 3, 2))
    # the sample's own rate holds over the segment it ends (counter increments spread evenly)
    assert inc.column("ch4_flow_nm3_min_integral").to_pylist() == [1200.0, 1200.0]
    # a day without data is listed with nothing measured
    none = _station_totals(tmp_path, _aligned_rows(s, "hold"), date(2025, 3, 3), date(2025, 3, 3))
    assert none.num_rows == 0
    wide = _station_totals(tmp_path, _aligned_rows(s, "hold"), date(2025, 3, 1), date(2025, 3, 3))
    assert wide.column("measured_s").to_pylist() == [60.0, 60.0, 0.0]
    assert wide.column("ch4_flow_nm3_min_mean").to_pylist()[2] is None
    assert EXCLUDE_MASK & 4


# --- a generated week against the exact reference -----------------------------------------------------------------


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Store:
    root = tmp_path_factory.mktemp("week")
    generate("demo", start=START.isoformat(), days=DAYS, cadence_s=300, seed=11, out_dir=root / "synth",
             formats=("kj",), faults="gaps=0.02,calibration=2,stuck=1,resets=1,late=1", mines=MINES)
    url = f"sqlite:///{root / 'registry.sqlite'}"
    db.upgrade_to_head(url)
    with db.session_scope(url) as s:
        import_registry(s, [root / "synth" / "registry"])
    store = Store(root / "store", url)
    ingest_paths(store, [root / "synth" / "kj"])
    return store


def _day_bounds(d: date) -> tuple[float, float]:
    a = datetime(d.year, d.month, d.day, tzinfo=CST).timestamp()
    return a, a + 86400.0


def test_station_days_equal_the_exact_integrator(week: Store) -> None:
    end = START + timedelta(days=DAYS - 1)
    got = T.store_station_totals(week, f"{START}..{end}")
    aligned = week.read("aligned")
    days = [START + timedelta(days=i) for i in range(DAYS)]
    checked = 0
    for mine, station in sorted(set(zip(got.column("mine_code").to_pylist(), got.column("station_code").to_pylist(),
                                        strict=True))):
        a = aligned.filter(pc.and_(pc.equal(aligned.column("mine_code"), mine),
                                   pc.equal(aligned.column("station_code"), station))).sort_by("ts")
        rule = a.column("integration")[0].as_py()
        if rule == "increment":
            continue
        t = a.column("ts").cast(pa.int64()).to_numpy() / 1e6
        v = np.asarray(a.column("ch4_flow_nm3_min").to_numpy(zero_copy_only=False), dtype=float)
        ok = ((a.column("flags").to_numpy() & EXCLUDE_MASK) == 0) & np.isfinite(v)
        ref = integrate_exact(t, np.where(np.isfinite(v), v, 0.0), ok, [_day_bounds(d) for d in days], method=rule,
                              max_gap_s=float(a.column("max_gap_s")[0].as_py()))
        g = got.filter(pc.and_(pc.equal(got.column("mine_code"), mine), pc.equal(got.column("station_code"), station)))
        for r, integ, meas in zip(ref, g.column("ch4_flow_nm3_min_integral").to_pylist(),
                                  g.column("measured_s").to_pylist(), strict=True):
            assert Fraction(meas) == r.measured_s
            assert integ == pytest.approx(float(r.integral), rel=1e-9, abs=1e-9)
        # the week as one period equals the sum of its days (days nest exactly)
        (whole,) = integrate_exact(t, np.where(np.isfinite(v), v, 0.0), ok,
                                   [(_day_bounds(days[0])[0], _day_bounds(days[-1])[1])], method=rule,
                                   max_gap_s=float(a.column("max_gap_s")[0].as_py()))
        tot = T.aggregate_periods(g, "all")
        assert tot.column("ch4_flow_nm3_min_integral")[0].as_py() == pytest.approx(float(whole.integral), rel=1e-9)
        assert tot.column("measured_s")[0].as_py() == float(whole.measured_s)
        checked += 1
    assert checked >= 20


def test_counter_station_days_equal_the_increments(week: Store) -> None:
    """Counter stations: the day total is the sum of the counter increments, each spread evenly over its segment
    (hand recomputation from the stored counter readings, reset handling as counter_increments)."""
    end = START + timedelta(days=DAYS - 1)
    got = T.store_station_totals(week, f"{START}..{end}")
    a = week.read("aligned")
    a = a.filter(pc.equal(a.column("integration"), "increment"))
    assert a.num_rows > 0
    keys = set(zip(a.column("mine_code").to_pylist(), a.column("station_code").to_pylist(), strict=True))
    assert len(keys) == 2
    for mine, station in keys:
        s = a.filter(pc.and_(pc.equal(a.column("mine_code"), mine), pc.equal(a.column("station_code"), station)))
        s = s.sort_by("ts")
        t1 = s.column("ts").cast(pa.int64()).to_numpy() / 1e6
        t0 = s.column("prev_ts").cast(pa.int64()).fill_null(0).to_numpy() / 1e6
        rate = np.asarray(s.column("ch4_flow_nm3_min").to_numpy(zero_copy_only=False), dtype=float)
        ok = (((s.column("flags").to_numpy() & EXCLUDE_MASK) == 0)
              & ((s.column("prev_flags").fill_null(1 << 20).to_numpy() & EXCLUDE_MASK) == 0)
              & (t1 - t0 <= s.column("max_gap_s").to_numpy()) & np.isfinite(rate) & s.column("prev_ts").is_valid()
              .to_numpy(zero_copy_only=False))
        for i, d in enumerate(START + timedelta(days=k) for k in range(DAYS)):
            lo, hi = _day_bounds(d)
            overlap = np.clip(np.minimum(t1, hi) - np.maximum(t0, lo), 0, None)
            expect = float(np.sum(np.where(ok, rate * overlap, 0.0)))
            row = got.filter(pc.and_(pc.and_(pc.equal(got.column("station_code"), station),
                                             pc.equal(got.column("mine_code"), mine)), pc.equal(got.column("day"), d)))
            assert row.column("ch4_flow_nm3_min_integral")[0].as_py() == pytest.approx(expect, rel=1e-9), (mine, i)
            assert expect > 0


def test_point_days_equal_the_exact_integrator(week: Store) -> None:
    end = START + timedelta(days=DAYS - 1)
    got = T.store_point_totals(week, f"{START}..{end}")
    with week.session() as s:
        cfg = point_configs_frame(s).to_pylist()
    r = week.read("readings")
    days = [START + timedelta(days=i) for i in range(DAYS)]
    checked = 0
    for c in cfg:
        if c["quantity"] not in ("flow_mixed", "ch4_pct", "pressure") or c["mine_code"] != MINES[1]:
            continue
        x = r.filter(pc.equal(r.column("point_code"), c["point_code"])).sort_by("ts")
        t = x.column("ts").cast(pa.int64()).to_numpy() / 1e6
        v = x.column("value").to_numpy() * c["scale"] * c["unit_factor"] + (c["unit_offset"] or 0.0)
        ok = ((x.column("flags").to_numpy() & EXCLUDE_MASK) == 0) & np.isfinite(v)
        ref = integrate_exact(t, np.where(ok, v, 0.0), ok, [_day_bounds(d) for d in days], method=c["integration"],
                              max_gap_s=c["max_gap_s"])
        g = got.filter(pc.equal(got.column("point_code"), c["point_code"]))
        for rr, integ, meas in zip(ref, g.column("value_integral").to_pylist(), g.column("measured_s").to_pylist(),
                                   strict=True):
            assert Fraction(meas) == rr.measured_s
            assert integ == pytest.approx(float(rr.integral), rel=1e-9, abs=1e-6)
        checked += 1
    assert checked >= 5


def test_months_are_sums_of_days(week: Store) -> None:
    got = T.store_station_totals(week, f"{START}..{START + timedelta(days=DAYS - 1)}")
    m = T.aggregate_periods(got, "month")
    assert sorted(set(m.column("period").to_pylist())) == ["2025-03", "2025-04"]
    for station in ("H-MAIN", "R1"):
        d = got.filter(pc.and_(pc.equal(got.column("station_code"), station),
                               pc.equal(got.column("mine_code"), MINES[0])))
        mm = m.filter(pc.and_(pc.equal(m.column("station_code"), station), pc.equal(m.column("mine_code"), MINES[0])))
        assert pc.sum(mm.column("ch4_nm3")).as_py() == pytest.approx(pc.sum(d.column("ch4_nm3")).as_py(), rel=1e-12)
        assert mm.column("days").to_pylist() == [4, 3]


@pytest.mark.spark
def test_duckdb_and_pyspark_agree(week: Store) -> None:
    import ibis
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master("local[2]").appName("minegas-parity")
             .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
             .config("spark.sql.session.timeZone", "Asia/Shanghai")   # results must not depend on it
             .getOrCreate())
    try:
        con = ibis.pyspark.connect(spark)
        period = f"{START}..{START + timedelta(days=DAYS - 1)}"
        a = T.store_station_totals(week, period)
        b = T.store_station_totals(week, period, con=con)
        assert a.num_rows > 0 and a.equals(b)
        pa_ = T.store_point_totals(week, period)
        pb = T.store_point_totals(week, period, con=con)
        assert pa_.num_rows > 0 and pa_.equals(pb)
    finally:
        spark.stop()
