"""Predecessor columns, flags and aligned samples are right whatever the arrival order: random readings across a
CST month boundary, split into random batches committed in random order (late data, overlaps, repeats), end up
exactly like one from-scratch commit — and prev_* equal an independent recomputation (sort by point and time,
take the previous row). Also: append fast path vs copy-on-write, and compaction."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_helpers import DRN_CH4, DRN_CUM, DRN_FLOW, MINE, local, make_store, reset_store, snapshot

from minegas.measurements.store import INCOMING_SCHEMA, Store

POINTS = (DRN_CH4, DRN_FLOW, DRN_CUM, "UNMAPPED-POINT-1")
START = local("2025-02-28 20:00:00")  # four hours before the March partition starts (CST)


def _incoming(rows: list[tuple[str, int, float]], batch: int) -> pa.Table:
    n = len(rows)
    return pa.Table.from_pydict({
        "point_code": [r[0] for r in rows],
        "ts": pa.array([r[1] for r in rows], pa.int64()).cast(pa.timestamp("us", tz="UTC")),
        "value": [r[2] for r in rows], "value_raw": pa.nulls(n, pa.string()),
        "kj_status": pa.array([0] * n, pa.uint16()), "flags": pa.array([0] * n, pa.uint32()),
        "batch_id": pa.array([batch] * n, pa.int64()), "record_no": pa.array(list(range(1, n + 1)), pa.int32()),
    }, schema=INCOMING_SCHEMA)


def us(t: datetime) -> int:
    """UTC epoch microseconds of an aware time."""
    return int(t.timestamp()) * 1_000_000


def _commit(store: Store, batches: list[pa.Table]) -> None:
    snap = snapshot(store)
    for b in batches:
        with store.lock():
            txn = store.begin(snap)
            txn.add_readings(MINE, b)
            txn.commit()


def _sorted(t: pa.Table, keys: tuple[str, ...]) -> pa.Table:
    return t.sort_by([(k, "ascending") for k in keys])


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[tuple[str, int, float]], list[list[int]]]:
    base_us = int(START.timestamp()) * 1_000_000
    rows: list[tuple[str, int, float]] = []
    for p in POINTS:
        n = draw(st.integers(1, 25))
        steps = draw(st.lists(st.integers(1, 3600), min_size=n, max_size=n))
        t = base_us + np.cumsum(steps).astype(np.int64) * 1_000_000 * draw(st.sampled_from([1, 3]))
        vals = draw(st.lists(st.floats(0, 100, allow_nan=False).map(lambda x: round(x, 2)), min_size=n,
                             max_size=n))
        rows += [(p, int(a), v) for a, v in zip(t, vals, strict=True)]
    order = draw(st.permutations(range(len(rows))))
    k = draw(st.integers(1, 6))
    cuts = sorted(draw(st.lists(st.integers(0, len(rows)), min_size=k - 1, max_size=k - 1)))
    groups = [list(order[a:b]) for a, b in zip([0, *cuts], [*cuts, len(rows)], strict=True)]
    # repeats: some readings sent again in a later batch (identical: must be dropped)
    rep = draw(st.lists(st.sampled_from(range(len(rows))), max_size=5))
    groups.append(rep)
    return rows, [g for g in groups if g]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_incremental_equals_from_scratch(scenario: tuple[list[tuple[str, int, float]], list[list[int]]]) -> None:
    rows, groups = scenario
    with tempfile.TemporaryDirectory() as d:
        store = make_store(Path(d))
        try:
            _commit(store, [_incoming([rows[i] for i in g], batch=j + 1) for j, g in enumerate(groups)])
            inc_r = _sorted(store.read("readings"), ("point_code", "ts"))
            inc_a = _sorted(store.read("aligned"), ("station_code", "ts"))
            inc_stats = store.stats()
            reset_store(store)
            _commit(store, [_incoming(rows, batch=1)])
            ref_r = _sorted(store.read("readings"), ("point_code", "ts"))
            ref_a = _sorted(store.read("aligned"), ("station_code", "ts"))
        finally:
            store.close()
    cols = ["mine_code", "point_code", "ts", "value", "flags", "prev_ts", "prev_value", "prev_flags"]
    assert inc_r.select(cols).equals(ref_r.select(cols))
    assert inc_a.equals(ref_a)
    assert inc_stats["readings"] == len({(p, t) for p, t, _ in rows})
    # independent recomputation of the predecessor columns
    uniq = sorted({(p, t): v for p, t, v in rows}.items())
    exp_prev_ts: list[int | None] = []
    exp_prev_v: list[float | None] = []
    for i, ((p, _), _) in enumerate(uniq):
        if i and uniq[i - 1][0][0] == p:
            exp_prev_ts.append(uniq[i - 1][0][1])
            exp_prev_v.append(uniq[i - 1][1])
        else:
            exp_prev_ts.append(None)
            exp_prev_v.append(None)
    assert inc_r.column("prev_ts").cast(pa.int64()).to_pylist() == exp_prev_ts
    assert inc_r.column("prev_value").to_pylist() == exp_prev_v
    fl, pfl = inc_r.column("flags").to_pylist(), inc_r.column("prev_flags").to_pylist()
    assert [pfl[i] for i in range(len(uniq)) if exp_prev_ts[i] is not None] == [
        fl[i - 1] for i in range(len(uniq)) if exp_prev_ts[i] is not None]


def test_append_then_copy_on_write_then_compaction(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    try:
        store.compact_threshold = 4
        us = int(local("2025-03-02 00:00:00").timestamp()) * 1_000_000
        step = 60_000_000

        def rows(a: int, b: int) -> list[tuple[str, int, float]]:
            return [(DRN_CH4, us + i * step, 30.0 + (i % 7) * 0.1) for i in range(a, b)]

        _commit(store, [_incoming(rows(10, 20), 1)])
        _commit(store, [_incoming(rows(20, 30), 2)])              # later than everything stored: append
        files = store.files("readings")
        assert len(files) == 2 and [f.n_rows for f in files] == [10, 10]
        _commit(store, [_incoming(rows(0, 10), 3)])               # earlier: the partition is rewritten
        files = store.files("readings")
        assert len(files) == 1 and files[0].n_rows == 30
        for j in range(3):                                         # appends until the threshold …
            _commit(store, [_incoming(rows(30 + 5 * j, 35 + 5 * j), 4 + j)])
        assert len(store.files("readings")) == 4
        _commit(store, [_incoming(rows(45, 50), 9)])              # … then the partition is compacted
        (f,) = store.files("readings")
        assert f.n_rows == 50
        r = store.read("readings")
        assert r.column("prev_ts").cast(pa.int64()).to_pylist() == [None] + [us + i * step for i in range(49)]
        # every replaced file was deleted: the folder holds exactly the manifest's files
        on_disk = sorted(p.relative_to(store.root).as_posix() for p in (store.root / "readings").rglob("*.parquet"))
        assert on_disk == [f.path]
        assert store.gc()["deleted"] == []
    finally:
        store.close()


def test_late_reading_fixes_next_partition(tmp_path: Path) -> None:
    """A reading arriving late at the end of February becomes the predecessor of the first March reading, which
    lives in another partition (rewritten); a counter reset across the boundary is flagged there."""
    store = make_store(tmp_path)
    try:
        mar = local("2025-03-01 00:00:30")
        feb = local("2025-02-28 23:50:00")
        _commit(store, [_incoming([(DRN_CUM, us(feb - timedelta(hours=1)), 500.0), (DRN_CUM, us(mar), 100.0)], 1)])
        r = store.read("readings", months=["2025-03"]).to_pylist()[0]
        assert r["prev_ts"] == feb - timedelta(hours=1) and r["prev_value"] == 500.0
        _commit(store, [_incoming([(DRN_CUM, us(feb), 50.0)], 2)])
        r = store.read("readings", months=["2025-03"]).to_pylist()[0]
        assert r["prev_ts"] == feb and r["prev_value"] == 50.0 and r["flags"] == 0   # 50 → 100: no reset
        feb_rows = store.read("readings", months=["2025-02"])
        assert pc.max(feb_rows.column("flags")).as_py() & 16384                         # 500 → 50: reset
    finally:
        store.close()


def test_late_component_updates_aligned_samples_of_the_next_month(tmp_path: Path) -> None:
    """DRN-H's first March sample takes CH4 as of its time from the last February reading (within max_gap 300 s).
    When that February reading arrives late, the March aligned partition is rebuilt although no March reading
    changed."""
    store = make_store(tmp_path)
    try:
        mar = local("2025-03-01 00:01:00")
        _commit(store, [_incoming([(DRN_FLOW, us(mar), 100.0)], 1)])
        (a,) = store.read("aligned", months=["2025-03"]).to_pylist()
        assert a["ch4_pct"] is None and a["flags"] & 65536                 # no CH4 yet: stale component
        _commit(store, [_incoming([(DRN_CH4, us(local("2025-02-28 23:58:00")), 40.0)], 2)])
        (a,) = store.read("aligned", months=["2025-03"]).to_pylist()
        assert a["ch4_pct"] == 40.0 and a["flags"] == 0
        assert a["ch4_flow_nm3_min"] == pytest.approx(100.0 * 273.15 / 293.15 * 0.40, rel=1e-12)  # 20 °C meter
    finally:
        store.close()
