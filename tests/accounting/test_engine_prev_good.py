"""The stored "last quality-assured value" columns (``prev_good_*``) that gap substitution needs.

Random readings of the fixture mine across a CST month boundary, with random excluded readings (KJ 标校 status,
non-numeric values), committed in random batches in random order (late data, repeats): the readings' and the
aligned samples' ``prev_good`` columns equal an independent recomputation (sort, walk back to the last
quality-assured row), and an incremental store equals one built in a single commit.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from engine_helpers import ok_mask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_helpers import DRN_CH4, DRN_FLOW, DRN_P, DRN_T, MINE, local, make_store, reset_store, snapshot

from minegas.measurements.align import GOOD_COLUMNS, NO_TS, good_mask, prev_good
from minegas.measurements.store import INCOMING_SCHEMA, Store

POINTS = (DRN_CH4, DRN_FLOW, DRN_P, DRN_T)
START = local("2025-02-28 21:00:00")  # three hours before the March partition (CST)


def _incoming(rows: list[tuple[str, int, float, int]], batch: int) -> pa.Table:
    n = len(rows)
    return pa.Table.from_pydict({
        "point_code": [r[0] for r in rows],
        "ts": pa.array([r[1] for r in rows], pa.int64()).cast(pa.timestamp("us", tz="UTC")),
        "value": [r[2] for r in rows],
        "value_raw": pa.array(["-9999" if np.isnan(r[2]) else None for r in rows], pa.string()),
        "kj_status": pa.array([r[3] for r in rows], pa.uint16()), "flags": pa.array([0] * n, pa.uint32()),
        "batch_id": pa.array([batch] * n, pa.int64()), "record_no": pa.array(list(range(1, n + 1)), pa.int32()),
    }, schema=INCOMING_SCHEMA)


def _commit(store: Store, batches: list[pa.Table]) -> None:
    snap = snapshot(store)
    for b in batches:
        with store.lock():
            txn = store.begin(snap)
            txn.add_readings(MINE, b)
            txn.commit()


def _expected(keys: list[str], ts: np.ndarray, values: np.ndarray, ok: np.ndarray) -> tuple[list, list]:
    """Walk back to the last ok row of the same key (independent of the vectorised code)."""
    exp_ts: list[int | None] = []
    exp_v: list[float | None] = []
    for i in range(len(keys)):
        j = i - 1
        while j >= 0 and keys[j] == keys[i] and not ok[j]:
            j -= 1
        if j >= 0 and keys[j] == keys[i]:
            exp_ts.append(int(ts[j]))
            exp_v.append(float(values[j]))
        elif i > 0 and keys[i - 1] == keys[i]:   # earlier rows, none ok: the series' first row, no value
            k = i
            while k > 0 and keys[k - 1] == keys[i]:
                k -= 1
            exp_ts.append(int(ts[k]))
            exp_v.append(None)
        else:
            exp_ts.append(None)
            exp_v.append(None)
    return exp_ts, exp_v


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[tuple[str, int, float, int]], list[list[int]]]:
    base_us = int(START.timestamp()) * 1_000_000
    rows: list[tuple[str, int, float, int]] = []
    for p in POINTS:
        n = draw(st.integers(1, 20))
        steps = draw(st.lists(st.integers(60, 1800), min_size=n, max_size=n))
        t = base_us + np.cumsum(steps).astype(np.int64) * 1_000_000
        for a in t.tolist():
            kind = draw(st.sampled_from(["ok", "ok", "ok", "cal", "nan"]))
            v = round(draw(st.floats(1, 60, allow_nan=False)), 2)
            if p == DRN_P:
                v = -v / 2
            rows.append((p, int(a), float("nan") if kind == "nan" else v, 4 if kind == "cal" else 0))
    order = draw(st.permutations(range(len(rows))))
    k = draw(st.integers(1, 5))
    cuts = sorted(draw(st.lists(st.integers(0, len(rows)), min_size=k - 1, max_size=k - 1)))
    groups = [list(order[a:b]) for a, b in zip([0, *cuts], [*cuts, len(rows)], strict=True)]
    groups.append(draw(st.lists(st.sampled_from(range(len(rows))), max_size=4)))
    return rows, [g for g in groups if g]


def _sorted(t: pa.Table, keys: tuple[str, ...]) -> pa.Table:
    return t.sort_by([(k, "ascending") for k in keys])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_prev_good_columns_whatever_the_arrival_order(scenario: tuple[list, list[list[int]]]) -> None:
    rows, groups = scenario
    with tempfile.TemporaryDirectory() as d:
        store = make_store(Path(d))
        try:
            _commit(store, [_incoming([rows[i] for i in g], batch=j + 1) for j, g in enumerate(groups)])
            inc_r = _sorted(store.read("readings"), ("point_code", "ts"))
            inc_a = _sorted(store.read("aligned"), ("station_code", "ts"))
            reset_store(store)
            _commit(store, [_incoming(rows, batch=1)])
            ref_r = _sorted(store.read("readings"), ("point_code", "ts"))
            ref_a = _sorted(store.read("aligned"), ("station_code", "ts"))
        finally:
            store.close()
    good_r = ["point_code", "ts", "flags", "prev_good_ts", "prev_good_value"]
    assert inc_r.select(good_r).equals(ref_r.select(good_r))
    assert inc_a.equals(ref_a)
    # readings: independent recomputation
    keys = inc_r.column("point_code").to_pylist()
    ts = inc_r.column("ts").cast(pa.int64()).to_numpy()
    v = np.asarray(inc_r.column("value").to_numpy(zero_copy_only=False), dtype=float)
    ok = ok_mask(inc_r.column("flags").to_numpy(), v)
    exp_ts, exp_v = _expected(keys, ts, v, ok)
    assert inc_r.column("prev_good_ts").cast(pa.int64()).to_pylist() == exp_ts
    assert inc_r.column("prev_good_value").to_pylist() == exp_v
    # aligned samples: per integrated column
    if inc_a.num_rows:
        skeys = inc_a.column("station_code").to_pylist()
        ats = inc_a.column("ts").cast(pa.int64()).to_numpy()
        for c in GOOD_COLUMNS:
            av = np.asarray(inc_a.column(c).to_numpy(zero_copy_only=False), dtype=float)
            aok = ok_mask(inc_a.column("flags").to_numpy(), av)
            e_ts, e_v = _expected(skeys, ats, av, aok)
            assert inc_a.column(f"prev_good_ts_{c}").cast(pa.int64()).to_pylist() == e_ts, c
            assert inc_a.column(f"prev_good_{c}").to_pylist() == e_v, c


def test_prev_good_pure_function_by_hand() -> None:
    # rows of two keys: A: ok, bad, bad, ok ; B (earlier tail: last good at t=5 value 7.0): bad, ok
    ts = np.array([10, 20, 30, 40, 50, 60], np.int64)
    v = np.array([1.0, 2.0, np.nan, 4.0, 5.0, 6.0])
    flags = np.array([0, 4, 0, 0, 128, 0], np.uint32)
    ok = good_mask(flags, v)
    assert ok.tolist() == [True, False, False, True, False, True]
    g_ts, g_v = prev_good(ts, v, ok, np.array([0, 4, 6], np.int64), [None, (5, 7.0)])
    assert g_ts.tolist() == [NO_TS, 10, 10, 10, 5, 5]
    assert g_v[1:4].tolist() == [1.0, 1.0, 1.0] and g_v[4:].tolist() == [7.0, 7.0] and np.isnan(g_v[0])
    # a new series whose first rows are bad: the gap starts at its first sample, no value before it
    g_ts, g_v = prev_good(ts[:3], np.array([np.nan, np.nan, 3.0]), np.array([False, False, True]),
                          np.array([0, 3], np.int64), [None])
    assert g_ts.tolist() == [NO_TS, 10, 10] and np.isnan(g_v).all()


@pytest.mark.parametrize("n", [0, 1])
def test_prev_good_tiny(n: int) -> None:
    g_ts, g_v = prev_good(np.arange(n, dtype=np.int64), np.ones(n), np.ones(n, bool), np.array([0, n], np.int64)
                          if n else np.array([0], np.int64), [None] if n else [])
    assert g_ts.tolist() == [NO_TS] * n and np.isnan(g_v).all()
