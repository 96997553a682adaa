"""Fast path for benchmarks: N readings of a synthetic region straight into one canonical long Parquet file
(docs/formats.md §3: ``mine_code, point_code, ts, value, status, unit``), in row groups of ``chunk_rows`` so that
memory stays bounded whatever N (10⁷–10⁸ rows).

The readings are those of :class:`~minegas.synth.signals.MineSimulator` (same physics, noise and determinism as
:func:`~minegas.synth.generate.generate`), without faults, KJ files or ledger. Days are generated one after the
other from ``start``, all mines of a day before the next day; within a mine-day rows are ordered by point, then
time. The last block is cut so that exactly ``n_readings`` rows are written.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from minegas.errors import InputError, Problem
from minegas.synth.canonical import LONG_SCHEMA
from minegas.synth.generate import _config_matrices, parse_time
from minegas.synth.model import Region, load_region, mine_layout
from minegas.synth.signals import MineSimulator, cst_day, epoch_s


def write_fast_parquet(path: str | Path, n_readings: int, *, region: str | Path | Region = "demo", seed: int = 0,
                       cadence_s: int = 60, start: str | date | datetime = "2025-01-01",
                       chunk_rows: int = 2_000_000, mines: list[str] | None = None,
                       noise: bool = True) -> dict[str, Any]:
    """Write exactly ``n_readings`` canonical long readings to ``path`` (atomically: temp file + rename).

    Parameters
    ----------
    path : the Parquet file to write.
    n_readings : number of rows (≥ 1).
    region, seed, cadence_s, start, mines, noise : as :func:`~minegas.synth.generate.generate`.
    chunk_rows : rows per Parquet row group (bounds memory).

    Returns
    -------
    ``{"path", "rows", "bytes", "days", "first_ts", "last_day"}``.
    """
    if n_readings < 1 or chunk_rows < 1:
        raise InputError("bad fast-path request", [Problem("n_readings and chunk_rows must be ≥ 1",
                                                           field="n_readings", value=str(n_readings))])
    if not 1 <= cadence_s <= 300:
        raise InputError("bad fast-path request", [Problem("cadence must be 1–300 s", field="cadence_s",
                                                           value=str(cadence_s))])
    reg = region if isinstance(region, Region) else load_region(region)
    reg = reg.select(mines)
    layouts = [mine_layout(m) for m in reg.mines]
    sims = [MineSimulator(reg, la, seed, cadence_s, noise) for la in layouts]
    units = [sorted({c.unit for c in la.configs}) for la in layouts]
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    day = cst_day(epoch_s(parse_time(start, "start")))
    first_day = day
    written = 0
    buf: list[pa.Table] = []
    buffered = 0
    writer = pq.ParquetWriter(tmp, LONG_SCHEMA)
    try:
        while written + buffered < n_readings:
            for la, sim, ut in zip(layouts, sims, units, strict=True):
                res = sim.day(day)
                n_pts, n = res.clean.shape
                u_idx, _ = _config_matrices(la, res.ts, ut)
                codes = np.asarray([p.code for p in la.points], dtype=object)
                t = pa.table({
                    "mine_code": pa.array(np.full(n_pts * n, la.mine.code, dtype=object), pa.string()),
                    "point_code": pa.array(np.repeat(codes, n), pa.string()),
                    "ts": pa.array(np.tile(res.ts, n_pts) * 1_000_000, pa.timestamp("us", tz="UTC")),
                    "value": res.clean.ravel(),
                    "status": pa.array(np.zeros(n_pts * n, dtype=np.uint16)),
                    "unit": pa.array(np.asarray(ut, dtype=object)[u_idx.ravel()], pa.string()),
                }, schema=LONG_SCHEMA)
                need = n_readings - written - buffered
                if t.num_rows > need:
                    t = t.slice(0, need)
                buf.append(t)
                buffered += t.num_rows
                while buffered >= chunk_rows or (written + buffered == n_readings and buffered):
                    whole = pa.concat_tables(buf)
                    k = min(chunk_rows, whole.num_rows)
                    writer.write_table(whole.slice(0, k), row_group_size=k)
                    written += k
                    rest = whole.slice(k)
                    buf = [rest] if rest.num_rows else []
                    buffered = rest.num_rows
                if written + buffered >= n_readings and not buffered:
                    break
            day += 1
        writer.close()
        tmp.replace(out)
    except BaseException:
        writer.close()
        tmp.unlink(missing_ok=True)
        raise
    return {"path": str(out), "rows": written, "bytes": out.stat().st_size, "days": day - first_day,
            "first_day": first_day}
