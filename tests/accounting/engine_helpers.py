"""Helpers of the MRV engine tests (tests/accounting/test_engine_*, test_balance_*, test_runs_*, test_mrv_cli_*).

The store fixtures reuse tests/measurements/store_helpers.py (fixture registry of the fictional mine 990000000001,
KJ writer). Generated regions come from :func:`minegas.synth.generate`.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from minegas.accounting import totals as T
from minegas.accounting.gaps import GapRule
from minegas.measurements.align import ALIGNED_SCHEMA, NO_TS, good_mask, prev_good
from minegas.measurements.flags import EXCLUDE_MASK, QaParams
from minegas.measurements.ingest import ingest_paths
from minegas.measurements.store import Store
from minegas.periods import CST
from minegas.registry import db
from minegas.registry.importer import import_registry

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "measurements"))


NOISE_FREE_QA = QaParams(flatline_min_s=float("inf"), spike_k=float("inf"))
"""QA thresholds for noise-free synthetic data: units running at capacity read exactly constant values, which the
stuck-sensor (FLATLINE) detector rightly flags on real meters, and a unit starting is a step with nothing around
it, which the SPIKE detector (robust scale 0 on exact data) flags; noise-free data are not real meters."""


def build_store(root: Path, synth_dir: Path, qa: QaParams | None = None) -> Store:
    """Migrate a SQLite registry under ``root``, import the generated registry, ingest the KJ files."""
    url = f"sqlite:///{root / 'registry.sqlite'}"
    db.upgrade_to_head(url)
    with db.session_scope(url) as s:
        import_registry(s, [synth_dir / "registry"])
    store = Store(root / "store", url)
    report = ingest_paths(store, [synth_dir / "kj"], qa=qa)
    assert report.commit is not None and report.commit.readings_added > 0
    return store


def day_bounds(d: date) -> tuple[float, float]:
    """A CST day as UTC epoch seconds [start, end)."""
    a = datetime(d.year, d.month, d.day, tzinfo=CST).timestamp()
    return a, a + 86400.0


def ok_mask(flags: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Quality-assured samples (the reference integrator's semantics)."""
    return ((np.asarray(flags, dtype=np.int64) & EXCLUDE_MASK) == 0) & np.isfinite(values)


def epoch_s(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Timestamps as float UTC epoch seconds."""
    return np.asarray(col.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64) / 1e6


def aligned_table(ts_s: list[float] | np.ndarray, values: list[float] | np.ndarray, flags: list[int] | np.ndarray,
                  rule: str = "trapezoid", max_gap_s: float = 300.0, station: str = "S") -> pa.Table:
    """One station's aligned samples with predecessor and prev_good columns (prev_good from the pure function)."""
    n = len(ts_s)
    ts_us = np.round(np.asarray(ts_s, dtype=float) * 1e6).astype(np.int64)
    v = np.asarray(values, dtype=float)
    fl = np.asarray(flags, dtype=np.uint32)
    g_ts, g_v = prev_good(ts_us, v, good_mask(fl, v), np.array([0, n], np.int64), [None])
    ts_type = ALIGNED_SCHEMA.field("ts").type
    cols = {f.name: pa.nulls(n, f.type) for f in ALIGNED_SCHEMA}
    cols.update({
        "mine_code": pa.array(["M"] * n), "station_code": pa.array([station] * n),
        "ts": pa.array(ts_us).cast(ts_type), "primary_point_code": pa.array(["P"] * n),
        "primary_measurement": pa.array(["pure_flow"] * n), "integration": pa.array([rule] * n),
        "max_gap_s": pa.array([max_gap_s] * n, pa.float64()),
        "ch4_flow_nm3_min": pa.array(v, mask=~np.isfinite(v)), "flags": pa.array(fl),
        "prev_ts": pa.array([None, *ts_us[:-1].tolist()], pa.int64()).cast(ts_type),
        "prev_ch4_flow_nm3_min": pa.array([np.nan, *v[:-1]], pa.float64(),
                                          mask=np.r_[True, ~np.isfinite(v[:-1])]),
        "prev_flags": pa.array([None, *fl[:-1].tolist()], pa.uint32()),
        "prev_good_ts_ch4_flow_nm3_min": pa.array(g_ts, mask=g_ts == NO_TS).cast(ts_type),
        "prev_good_ch4_flow_nm3_min": pa.array(g_v, mask=~np.isfinite(g_v)),
    })
    return pa.table(cols, schema=ALIGNED_SCHEMA)


def engine_days(tmp_path: Path, table: pa.Table, start: date, days: int, rule: GapRule | str = "exclude",
                name: str = "a.parquet") -> pa.Table:
    """Station-day totals of an aligned table (written to Parquet, read by DuckDB) over ``days`` CST days."""
    from datetime import timedelta

    path = tmp_path / name
    pq.write_table(table, path)
    con = T.connect_duckdb()
    return T.station_day_totals(T.parquet_table(con, [str(path)]), start, start + timedelta(days=days - 1), con,
                                gap_rule=rule)
