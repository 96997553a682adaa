"""Benchmark of the integration hot path: point-day totals over synthetic readings (docs/conventions.md §10,
docs/mrv.md §10).

Workload: ``N`` readings of the demo region (14 mines, 267 points, 60 s cadence: ≈ 384 k readings per day) from
:func:`minegas.synth.write_fast_parquet`, turned into store readings files (sorted by point and time within each
file, with the predecessor columns ``prev_ts``/``prev_value``/``prev_flags`` across files, and 0.5 % of the
readings flagged 标校 so the QA mask matters). N = 10⁷ in the normal run; 10⁸ with ``--large`` or
``MINEGAS_BENCH_LARGE=1``; 10⁹ with ``--huge`` or ``MINEGAS_BENCH_HUGE=1`` (those stay out of CI).

- ``totals.point_days``: :func:`minegas.accounting.totals.point_day_totals` on DuckDB — the configuration join
  (canonical unit, meter changes), QA masks, the integration rule per point (trapezoid/hold/counter increments),
  the exact split at CST midnight and exact decimal sums — over every day of the data.
- baseline (a) ``bare DuckDB``: ``SELECT point_code, CST day, sum(value × prev_value) … GROUP BY`` over the same
  files (a flow × CH4-like product per row, no masks, no join, no splitting). Target: ratio ≥ 0.7.
- baseline (b) ``pandas``: the same point-day totals written as a straightforward vectorised pandas program (merge
  with the configurations, masks, both day parts, group-by), on min(N, 10⁷) rows and scaled linearly to N.
  Target: ≥ 10 × faster. Its result is checked against ours (relative 1e-9) on the rows it computed.

Peak memory: each size runs in its own spawned process; ``peak_rss_mb`` is that process's (it includes the pandas
baseline); ``extra.peak_rss_mb_after_totals`` is read right after the timed totals (data preparation + the
minegas query, before pandas runs). 10⁹ skips pandas. Run:
``python -m benchmarks.bench_totals [--quick] [--large] [--huge] [--sizes 1e9] [--out DIR]``.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from benchmarks.common import peak_rss_mb, result

TARGET_DUCKDB = {"ratio_min": 0.7}
TARGET_PANDAS = {"ratio_min": 10.0}
PANDAS_MAX_ROWS = 10_000_000
FLAG_EVERY = 199
"""Every 199th reading is flagged 标校 (KJ status 4, excluded)."""

READINGS = pa.schema([
    ("mine_code", pa.string()), ("point_code", pa.string()), ("ts", pa.timestamp("us", tz="UTC")),
    ("value", pa.float64()), ("flags", pa.uint32()), ("prev_ts", pa.timestamp("us", tz="UTC")),
    ("prev_value", pa.float64()), ("prev_flags", pa.uint32()),
])


def _registry(work: Path) -> pa.Table:
    """The demo region's point configurations (registry imported into a scratch SQLite database)."""
    from minegas.registry import db
    from minegas.registry.importer import import_registry
    from minegas.registry.repository import point_configs_frame
    from minegas.synth import generate

    generate("demo", start="2025-01-01", days=1, cadence_s=300, seed=0, out_dir=work / "reg", formats=("csv",),
             truth=False)
    url = f"sqlite:///{work / 'registry.sqlite'}"
    db.upgrade_to_head(url)
    with db.session_scope(url) as s:
        import_registry(s, [work / "reg" / "registry"])
    with db.session_scope(url) as s:
        return point_configs_frame(s)


def _store_readings(src: Path, out: Path, rows_per_file: int) -> list[str]:
    """Canonical long readings → store readings files (sorted by point and time per file, predecessor columns
    carried across files, every FLAG_EVERY-th reading flagged 标校). Bounded memory: one row group at a time."""
    from minegas.measurements.mapping import point_runs

    pf = pq.ParquetFile(src)
    last: dict[str, tuple[int, float, int]] = {}
    paths: list[str] = []
    writer: pq.ParquetWriter | None = None
    in_file = 0
    k0 = 0
    for rg in range(pf.num_row_groups):
        t = pf.read_row_group(rg, columns=["mine_code", "point_code", "ts", "value"])
        n = t.num_rows
        flags = np.where((np.arange(k0, k0 + n) % FLAG_EVERY) == 0, 4, 0).astype(np.uint32)
        k0 += n
        t = t.append_column("flags", pa.array(flags))
        t = t.take(pc.sort_indices(t, [("point_code", "ascending"), ("ts", "ascending")]))
        ts = t.column("ts").cast(pa.int64()).to_numpy()
        v = t.column("value").to_numpy()
        fl = t.column("flags").to_numpy()
        starts, codes = point_runs(t.column("point_code"))
        p_ts, p_v, p_fl = np.empty(n, np.int64), np.empty(n), np.empty(n, np.uint32)
        p_ts[1:], p_v[1:], p_fl[1:] = ts[:-1], v[:-1], fl[:-1]
        has = np.ones(n, bool)
        for i, code in enumerate(codes):
            j, e = int(starts[i]), int(starts[i + 1]) - 1
            prev = last.get(code)
            if prev is None:
                has[j] = False
            else:
                p_ts[j], p_v[j], p_fl[j] = prev
            last[code] = (int(ts[e]), float(v[e]), int(fl[e]))
        tab = pa.table({
            "mine_code": t.column("mine_code"), "point_code": t.column("point_code"), "ts": t.column("ts"),
            "value": t.column("value"), "flags": t.column("flags"),
            "prev_ts": pa.array(np.where(has, p_ts, 0), pa.int64(), mask=~has).cast(pa.timestamp("us", tz="UTC")),
            "prev_value": pa.array(p_v, pa.float64(), mask=~has), "prev_flags": pa.array(p_fl, mask=~has),
        }, schema=READINGS)
        if writer is None or in_file >= rows_per_file:
            if writer is not None:
                writer.close()
            path = out / f"part-{len(paths):05d}.parquet"
            paths.append(str(path))
            writer = pq.ParquetWriter(path, READINGS, compression="zstd", compression_level=1)
            in_file = 0
        writer.write_table(tab, row_group_size=262_144)
        in_file += n
    if writer is not None:
        writer.close()
    return paths


def _day_range(paths: list[str]) -> tuple[date, date]:
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    lo, hi = con.execute(f"SELECT min(epoch(ts)), max(epoch(ts)) FROM read_parquet({paths!r})").fetchone()  # type: ignore[misc]
    a = date(1970, 1, 1) + timedelta(days=int((lo + 8 * 3600) // 86400))
    b = date(1970, 1, 1) + timedelta(days=int((hi + 8 * 3600) // 86400))
    return a, b


def _minegas(paths: list[str], frame: pa.Table, a: date, b: date, threads: int) -> pa.Table:
    from minegas.accounting.totals import configs_table, connect_duckdb, parquet_table, point_day_totals

    con = connect_duckdb(threads)
    return point_day_totals(parquet_table(con, paths), configs_table(con, frame), a, b, con)


def _bare_duckdb(paths: list[str], threads: int) -> Any:
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET threads TO {threads}")
    return con.execute(
        "SELECT point_code, (floor(epoch(ts))::BIGINT + 28800) // 86400 AS d, sum(value * prev_value) "
        f"FROM read_parquet({paths!r}) GROUP BY 1, 2").fetchall()


def _pandas(paths: list[str], frame: pa.Table, max_rows: int) -> tuple[Any, int]:
    """Point-day totals in vectorised pandas (exclude rule: the same semantics as the SQL)."""
    import pandas as pd

    from minegas.measurements.flags import EXCLUDE_MASK as EXCLUDE

    tables, n = [], 0
    for p in paths:
        t = pq.read_table(p)
        tables.append(t.slice(0, max_rows - n))
        n += tables[-1].num_rows
        if n >= max_rows:
            break
    df = pa.concat_tables(tables).to_pandas()
    f = frame.filter(pc.is_valid(frame.column("unit_factor"))).to_pandas()
    vfa = frame.filter(pc.is_valid(frame.column("unit_factor"))).column("valid_from").cast(pa.int64())
    f["vf"] = np.asarray(vfa.to_numpy(), dtype=np.int64) // 1_000_000
    vt = frame.filter(pc.is_valid(frame.column("unit_factor"))).column("valid_to").cast(pa.int64())
    f["vt"] = np.asarray(vt.fill_null(np.iinfo(np.int64).max // 2).to_numpy(), dtype=np.int64) // 1_000_000
    f["unit_offset"] = f["unit_offset"].fillna(0.0)
    counter = f["quantity"].isin(["cumulative_mixed", "cumulative_pure"])
    f["rule"] = np.where(counter, "increment", f["integration"])
    f["cmax"] = f["counter_max"] * f["scale"] * f["unit_factor"]
    tm = df["ts"].astype("int64") // 1_000_000
    pm = df["prev_ts"].astype("int64") // 1_000_000
    df = df.assign(tm=tm, pm=pm.where(df["prev_ts"].notna()))
    m = df.merge(f[["mine_code", "point_code", "vf", "vt", "scale", "unit_factor", "unit_offset", "max_gap_s",
                    "rule", "cmax"]], on=["mine_code", "point_code"])
    m = m[(m["tm"] >= m["vf"]) & (m["tm"] < m["vt"])]
    k = m["scale"] * m["unit_factor"]
    v = m["value"] * k + m["unit_offset"]
    pv = m["prev_value"] * k + m["unit_offset"]
    dt = (m["tm"] - m["pm"]).astype(float)
    inc = np.where(v >= pv, v - pv, np.where(m["cmax"].notna() & (pv >= 0.9 * m["cmax"]), m["cmax"] - pv + v, v))
    is_inc = m["rule"].to_numpy() == "increment"
    with np.errstate(invalid="ignore", divide="ignore"):
        v = np.where(is_inc, inc / np.where(dt > 0, dt, np.nan), v)
    fl = m["flags"].to_numpy(dtype=np.int64)
    pfl = m["prev_flags"].fillna(0).to_numpy(dtype=np.int64)
    ok = (m["prev_ts"].notna().to_numpy() & ((fl & EXCLUDE) == 0) & ((pfl & EXCLUDE) == 0)
          & (dt.to_numpy() <= m["max_gap_s"].to_numpy()) & ~np.isnan(v) & (is_inc | ~np.isnan(pv.to_numpy())))
    day = (m["tm"].to_numpy() + 28800) // 86400
    b = day * 86400 - 28800
    pmv = m["pm"].to_numpy()
    tmv = m["tm"].to_numpy()
    cross = pmv < b
    own_s = (tmv - np.maximum(pmv, b)).astype(float)
    prev_s = (b - pmv).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = (b - pmv) / (tmv - pmv)
    pvv = pv.to_numpy()
    vb = pvv + (v - pvv) * frac
    trap = m["rule"].to_numpy() == "trapezoid"
    own = np.where(trap, np.where(cross, (vb + v) / 2 * own_s, (pvv + v) / 2 * own_s),
                   np.where(is_inc, v * own_s, pvv * own_s))
    prv = np.where(trap, (pvv + vb) / 2 * prev_s, np.where(is_inc, v * prev_s, pvv * prev_s))
    own = np.where(ok, own, 0.0)
    prv = np.where(ok & cross, prv, 0.0)
    a1 = pd.DataFrame({"point_code": m["point_code"].to_numpy(), "day": day, "area": own,
                       "s": np.where(ok, own_s, 0.0)})
    a2 = pd.DataFrame({"point_code": m["point_code"].to_numpy(), "day": day - 1, "area": prv,
                       "s": np.where(ok & cross, prev_s, 0.0)})[cross]
    g = pd.concat([a1, a2]).groupby(["point_code", "day"], sort=False)[["area", "s"]].sum()
    return g, len(df)


def _one(n: int, work: Path, threads: int, pandas: bool) -> list[dict[str, Any]]:
    from minegas.synth import write_fast_parquet

    frame = _registry(work)
    t0 = time.perf_counter()
    fast = work / "fast.parquet"
    write_fast_parquet(fast, n, cadence_s=60, start="2025-01-01", chunk_rows=2_000_000)
    data = work / "readings"
    data.mkdir()
    paths = _store_readings(fast, data, rows_per_file=20_000_000)
    fast.unlink()
    prep_s = time.perf_counter() - t0
    nbytes = sum(Path(p).stat().st_size for p in paths)
    a, b = _day_range(paths)
    runs = 3 if n <= 10_000_000 else 1
    best, out = float("inf"), None
    for _ in range(runs):
        t1 = time.perf_counter()
        out = _minegas(paths, frame, a, b, threads)
        best = min(best, time.perf_counter() - t1)
    rss_after = peak_rss_mb()
    assert out is not None
    bare = float("inf")
    for _ in range(runs):
        t1 = time.perf_counter()
        _bare_duckdb(paths, threads)
        bare = min(bare, time.perf_counter() - t1)
    work_desc = {"readings": n, "files": len(paths), "bytes": nbytes, "days": (b - a).days + 1,
                 "point_days": out.num_rows, "threads": threads, "cadence_s": 60, "points": 267}
    recs = [result(
        "totals.point_days", workload=work_desc, seconds=round(best, 4),
        baseline_name="bare DuckDB: sum(value × prev_value) group by point and CST day over the same files",
        baseline_seconds=round(bare, 4), throughput=(round(n / best), "readings/s"), target=TARGET_DUCKDB,
        notes="minegas point-day totals on DuckDB (configuration join, canonical units, QA masks, trapezoid/hold/"
              "counter rules, exact CST-midnight split, exact decimal sums) vs a bare product-sum group-by",
        extra={"prep_seconds": round(prep_s, 2), "peak_rss_mb_after_totals": round(rss_after, 1)})]
    if pandas:
        m_rows = min(n, PANDAS_MAX_ROWS)
        t1 = time.perf_counter()
        g, rows = _pandas(paths, frame, m_rows)
        pd_s = time.perf_counter() - t1
        scaled = pd_s * n / rows
        # the two agree on the points and days pandas saw (its last day may be cut by the row limit)
        mine = {(r["point_code"], (r["day"] - date(1970, 1, 1)).days): r["value_integral"] for r in
                out.select(["point_code", "day", "value_integral"]).to_pylist()}
        checked = worst = 0
        last_day = int(g.index.get_level_values("day").max())
        for (p, d), area in g["area"].items():
            if d >= last_day - 1 or (p, d) not in mine:
                continue
            ref = mine[(p, d)]
            worst = max(worst, abs(area - ref) / max(abs(ref), 1e-9))
            checked += 1
        recs.append(result(
            "totals.point_days_vs_pandas", workload={**work_desc, "pandas_rows": rows}, seconds=round(best, 4),
            baseline_name=f"vectorised pandas point-day totals on {rows:,} rows, scaled linearly to {n:,}",
            baseline_seconds=round(scaled, 4), throughput=(round(n / best), "readings/s"), target=TARGET_PANDAS,
            notes="same semantics (exclude rule); pandas result compared with minegas on every full point-day",
            extra={"pandas_seconds_measured": round(pd_s, 3), "compared_point_days": checked,
                   "max_rel_difference": worst}))
    return recs


def _child(n: int, threads: int, pandas: bool, queue: Any) -> None:
    """One size in a fresh process, so that peak memory is per size."""
    with tempfile.TemporaryDirectory(prefix="minegas-bench-totals-") as d:
        queue.put(_one(n, Path(d), threads, pandas))


def run(quick: bool, *, large: bool | None = None, huge: bool | None = None,
        sizes: list[int] | None = None) -> list[dict[str, Any]]:
    """The benchmark records (``quick``: 10⁶ readings). Each size runs in its own spawned process."""
    import multiprocessing

    large = bool(os.environ.get("MINEGAS_BENCH_LARGE")) if large is None else large
    huge = bool(os.environ.get("MINEGAS_BENCH_HUGE")) if huge is None else huge
    threads = os.cpu_count() or 2
    if sizes is None:
        sizes = [1_000_000] if quick else [10_000_000]
        if large:
            sizes.append(100_000_000)
        if huge:
            sizes.append(1_000_000_000)
    ctx = multiprocessing.get_context("spawn")
    out: list[dict[str, Any]] = []
    for n in sizes:
        q = ctx.Queue()
        proc = ctx.Process(target=_child, args=(n, threads, n <= 100_000_000, q))
        proc.start()
        recs = q.get()
        proc.join()
        if n != sizes[0] or n > 10_000_000:
            for r in recs:
                r["benchmark"] = f"{r['benchmark']}.{n:.0e}".replace("+", "")
        out += recs
    return out


if __name__ == "__main__":  # pragma: no cover
    import argparse
    import json

    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--large", action="store_true", help="also 10⁸ readings")
    ap.add_argument("--huge", action="store_true", help="also 10⁹ readings (hours; ≈ 10 GB of temporary files)")
    ap.add_argument("--sizes", type=float, nargs="*", default=None, help="run exactly these sizes, e.g. 1e9")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes] if args.sizes else None
    for r in run(args.quick, large=args.large or None, huge=args.huge or None, sizes=sizes):
        text = json.dumps(r, ensure_ascii=False)
        print(text)
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"{r['benchmark']}.json").write_text(text + "\n", encoding="utf-8")
