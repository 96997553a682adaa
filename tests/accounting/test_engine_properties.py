"""Property tests of the engine's totals (hypothesis), on the DuckDB engine:

- splitting a series anywhere leaves the totals unchanged: (a) a period split at any day boundary — the sum of
  the parts equals the whole (days nest exactly into months); (b) a sample inserted anywhere on the signal's own
  line (trapezoid) or step (hold) changes no total; (c) storing the series in two commits split anywhere gives
  the same totals as one commit (the predecessor and prev_good columns cross the split);
- a constant signal gives value × span;
- totals scale with the flow (× 2^k exactly);
- the seconds measured + substituted + missing add up to each day.
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pytest
from engine_helpers import aligned_table, engine_days
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_helpers import MINE, local, make_store, snapshot

from minegas.accounting import totals as T
from minegas.measurements.store import INCOMING_SCHEMA
from minegas.periods import CST

D0 = date(2025, 3, 1)
T0 = datetime(2025, 3, 1, tzinfo=CST).timestamp()
RULES = ["exclude", "epa_98_325", "conservative"]
SETTINGS = settings(max_examples=15, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@st.composite
def signals(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(3, 30))
    steps = draw(st.lists(st.sampled_from([60, 180, 300, 600, 3600]), min_size=n, max_size=n))
    t = T0 + 600 + np.cumsum(steps).astype(float)
    v = np.array(draw(st.lists(st.integers(0, 4000), min_size=n, max_size=n)), dtype=float) / 8.0
    fl = np.array(draw(st.lists(st.sampled_from([0, 0, 0, 4]), min_size=n, max_size=n)), dtype=np.uint32)
    return t, v, fl


def _days_total(tab, col: str = "ch4_flow_nm3_min_integral") -> float:
    return float(pc.sum(tab.column(col)).as_py() or 0.0)


@SETTINGS
@given(signals(), st.sampled_from(RULES), st.sampled_from(["trapezoid", "hold"]), st.data())
def test_inserting_a_sample_on_the_signal_changes_nothing(tmp_path: Path, s, rule: str, method: str,
                                                          data: st.DataObject) -> None:
    t, v, fl = s
    i = data.draw(st.integers(0, len(t) - 2))
    fl = fl.copy()
    fl[i] = fl[i + 1] = 0                      # a measured segment …
    t = t.copy()
    t[i + 1:] += 300.0 - (t[i + 1] - t[i])     # … of 300 s
    tm = t[i] + 150.0                          # a new sample in its middle, on its line (or step): exact
    vm = v[i] if method == "hold" else (v[i] + v[i + 1]) / 2.0
    t2, v2, f2 = np.insert(t, i + 1, tm), np.insert(v, i + 1, vm), np.insert(fl, i + 1, 0)
    a = engine_days(tmp_path, aligned_table(t, v, fl, method), D0, 2, rule, "a.parquet")
    b = engine_days(tmp_path, aligned_table(t2, v2, f2, method), D0, 2, rule, "b.parquet")
    assert a.column("measured_s").equals(b.column("measured_s"))
    assert a.column("substituted_s").equals(b.column("substituted_s"))
    for x, y in zip(a.column("ch4_flow_nm3_min_integral").to_pylist(),
                    b.column("ch4_flow_nm3_min_integral").to_pylist(), strict=True):
        assert y == pytest.approx(x, rel=1e-12, abs=1e-6)


@SETTINGS
@given(signals(), st.sampled_from(RULES), st.integers(1, 3))
def test_period_split_at_any_day_leaves_totals_unchanged(tmp_path: Path, s, rule: str, k: int) -> None:
    t, v, fl = s
    t = t + np.arange(len(t)) * 20_000.0   # spread the series over several days
    days = 5
    whole = engine_days(tmp_path, aligned_table(t, v, fl), D0, days, rule, "w.parquet")
    first = engine_days(tmp_path, aligned_table(t, v, fl), D0, k, rule, "w.parquet")
    con = T.connect_duckdb()
    rest = T.station_day_totals(T.parquet_table(con, [str(tmp_path / "w.parquet")]), D0 + timedelta(days=k),
                                D0 + timedelta(days=days - 1), con, gap_rule=rule)
    for col in ("ch4_flow_nm3_min_integral", "measured_s", "substituted_s"):   # (an empty part has no rows)
        assert _days_total(first, col) + _days_total(rest, col) == pytest.approx(_days_total(whole, col),
                                                                                   rel=1e-12, abs=1e-9)
    agg = T.aggregate_periods(whole, "all")
    assert agg.column("ch4_flow_nm3_min_integral")[0].as_py() == pytest.approx(_days_total(whole), rel=1e-12)
    tot = (np.asarray(whole.column("measured_s")) + np.asarray(whole.column("substituted_s"))
           + np.asarray(whole.column("missing_s")))
    assert tot.tolist() == [86400.0] * days


@pytest.mark.parametrize("method", ["trapezoid", "hold"])
@pytest.mark.parametrize("value", [0.0, 1.0, 12.375, 1234.5])
def test_constant_signal_gives_value_times_span(tmp_path: Path, method: str, value: float) -> None:
    t = T0 + np.arange(0, 2 * 86400 + 1, 300, dtype=float)       # midnight to midnight, two days
    tab = engine_days(tmp_path, aligned_table(t, np.full(t.size, value), np.zeros(t.size)), D0, 2)
    assert tab.column("ch4_flow_nm3_min_integral").to_pylist() == [value * 86400.0] * 2
    assert tab.column("measured_s").to_pylist() == [86400.0, 86400.0]
    assert tab.column("ch4_nm3").to_pylist() == [value * 1440.0] * 2   # Nm³/min × 1440 min
    # with a gap in the middle filled by 98.325, the constant still gives value × span
    fl = np.zeros(t.size)
    fl[100:120] = 4
    sub = engine_days(tmp_path, aligned_table(t, np.full(t.size, value), fl), D0, 2, "epa_98_325", "s.parquet")
    assert sub.column("ch4_flow_nm3_min_integral").to_pylist() == [value * 86400.0] * 2
    assert sum(sub.column("substituted_s").to_pylist()) == 21 * 300.0


@SETTINGS
@given(signals(), st.sampled_from(RULES), st.integers(-3, 6))
def test_totals_scale_with_the_flow(tmp_path: Path, s, rule: str, k: int) -> None:
    t, v, fl = s
    a = engine_days(tmp_path, aligned_table(t, v, fl), D0, 2, rule, "a.parquet")
    b = engine_days(tmp_path, aligned_table(t, v * 2.0 ** k, fl), D0, 2, rule, "b.parquet")
    assert a.column("measured_s").equals(b.column("measured_s"))
    for x, y in zip(a.column("ch4_flow_nm3_min_integral").to_pylist(),
                    b.column("ch4_flow_nm3_min_integral").to_pylist(), strict=True):
        assert y == pytest.approx(x * 2.0 ** k, rel=1e-12, abs=2e-9 * 2.0 ** max(k, 0))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 46), st.sampled_from(RULES))
def test_two_commits_split_anywhere_equal_one(split: int, rule: str) -> None:
    """A series of the fixture mine's GE-IN station (flow at 0 °C, CH4) across a month boundary, with excluded
    samples, stored in one commit or in two split at any sample: identical station and point totals."""
    import pyarrow as pa

    base = local("2025-03-31 21:00:00")
    rows = []
    for i in range(48):
        ts = int((base + timedelta(minutes=5 * i)).timestamp()) * 1_000_000
        status = 4 if 20 <= i < 26 else 0
        rows.append(("GE1-FLOW", ts, 30.0 + (i % 5), 0))
        rows.append(("GE1-CH4", ts, 40.0 + (i % 3), status))

    def incoming(rs: list[tuple[str, int, float, int]], batch: int) -> pa.Table:
        n = len(rs)
        return pa.Table.from_pydict({
            "point_code": [r[0] for r in rs],
            "ts": pa.array([r[1] for r in rs], pa.int64()).cast(pa.timestamp("us", tz="UTC")),
            "value": [r[2] for r in rs], "value_raw": pa.nulls(n, pa.string()),
            "kj_status": pa.array([r[3] for r in rs], pa.uint16()), "flags": pa.array([0] * n, pa.uint32()),
            "batch_id": pa.array([batch] * n, pa.int64()), "record_no": pa.array(range(1, n + 1), pa.int32()),
        }, schema=INCOMING_SCHEMA)

    results = []
    for parts in ([rows], [rows[:2 * split], rows[2 * split:]]):
        with tempfile.TemporaryDirectory() as d:
            store = make_store(Path(d))
            try:
                snap = snapshot(store)
                for j, part in enumerate(parts):
                    with store.lock():
                        txn = store.begin(snap)
                        txn.add_readings(MINE, incoming(part, j + 1))
                        txn.commit()
                results.append((T.store_station_totals(store, "2025-03-31..2025-04-01", gap_rule=rule),
                                T.store_point_totals(store, "2025-03-31..2025-04-01", gap_rule=rule)))
            finally:
                store.close()
    assert results[0][0].equals(results[1][0])
    assert results[0][1].equals(results[1][1])
