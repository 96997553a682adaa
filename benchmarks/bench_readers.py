"""Benchmark of the monitoring-file readers (docs/conventions.md §10).

Generates N CDSS records (1e6; 1e5 with ``quick``) — 1 000 points reporting every 30 s — once as a KJ
networking file (``~`` + CRLF record ends, UTF-8) and once as the equivalent canonical long CSV, then times
:func:`minegas.measurements.readers.read_path` on each against a bare ``pyarrow.csv.read_csv`` of the same
file (type inference on, no validation) as the baseline. Best of three runs each.

Run: ``python -m benchmarks.bench_readers [--quick] [--out DIR]``.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from benchmarks.common import best_of, result, standalone
from minegas.measurements.readers import read_path

MINE = "990000000001"
N_POINTS = 1000
TARGET = {"ratio_min": 0.3}
REPEATS = 3


def _points() -> list[tuple[str, str, str, str]]:
    kinds = [("0022", "管道瓦斯", "%CH4"), ("0036", "混合瓦斯流量", "m³/min"), ("0025", "管道压力", "kPa"),
             ("0023", "管道温度", "℃"), ("0001", "环境瓦斯", "%CH4")]
    out = []
    for i in range(N_POINTS):
        code, name, unit = kinds[i % len(kinds)]
        out.append((f"{MINE}02MN{code}{i:08d}", name, f"{i // 5 + 1}号抽采钻场{name}", unit))
    return out


def generate(n: int, directory: Path) -> tuple[Path, Path]:
    """Write the KJ CDSS file and the canonical long CSV with the same ``n`` readings."""
    rng = np.random.default_rng(20250301)
    values = rng.uniform(-50.0, 400.0, n).round(2)
    status = np.where(rng.random(n) < 0.01, 4, 0)
    pts = _points()
    t0 = datetime(2025, 3, 1, 0, 0, 0)
    stamps: list[tuple[str, str]] = []
    n_times = (n + N_POINTS - 1) // N_POINTS
    for k in range(n_times):
        s = k * 30
        local = f"2025-03-{1 + s // 86400:02d} {s // 3600 % 24:02d}:{s // 60 % 60:02d}:{s % 60:02d}"
        stamps.append((local, local.replace(" ", "T") + "+08:00"))
    kj_lines = [f"{MINE};示例煤矿(虚构);{t0:%Y-%m-%d %H:%M:%S}~\r\n"]
    csv_lines = [f"# mine: {MINE}\n", "point_code,ts,value,status,unit\n"]
    for i in range(n):
        code, name, loc, unit = pts[i % N_POINTS]
        local, iso = stamps[i // N_POINTS]
        v, st = values[i], status[i]
        kj_lines.append(f"{code};{name};{loc};{v:.2f};{unit};{st};{local}~\r\n")
        csv_lines.append(f"{code},{iso},{v:.2f},{st},{unit}\n")
    kj_lines.append("||")
    kj = directory / f"{MINE}_CDSS_20250301000000.txt"
    kj.write_bytes("".join(kj_lines).encode("utf-8"))
    long = directory / "readings_long.csv"
    long.write_bytes("".join(csv_lines).encode("utf-8"))
    return kj, long


def _baseline_kj(path: Path) -> pa.Table:
    names = ["point_code", "sensor_name", "location", "value", "unit", "status", "ts"]
    return pacsv.read_csv(path, read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
                          parse_options=pacsv.ParseOptions(delimiter=";", invalid_row_handler=lambda r: "skip"))


def _baseline_csv(path: Path) -> pa.Table:
    return pacsv.read_csv(path, read_options=pacsv.ReadOptions(skip_rows=1))


def _result(name: str, n: int, path: Path, seconds: float, base_name: str, base_s: float, notes: str
            ) -> dict[str, Any]:
    return result(name, workload={"records": n, "bytes": path.stat().st_size}, seconds=round(seconds, 4),
                  baseline_name=base_name, baseline_seconds=round(base_s, 4),
                  throughput=(round(n / seconds), "records/s"), target=TARGET, notes=notes)


def run(quick: bool) -> list[dict[str, Any]]:
    """Run the reader benchmarks; ``quick`` uses 1e5 records instead of 1e6."""
    n = 100_000 if quick else 1_000_000
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="minegas-bench-") as d:
        kj, long = generate(n, Path(d))
        s, parsed = best_of(lambda: read_path(kj), REPEATS)
        assert parsed.readings.num_rows == n, parsed.readings.num_rows
        b, base = best_of(lambda: _baseline_kj(kj), REPEATS)
        assert base.num_rows == n
        out.append(_result("readers.kj.cdss", n, kj, s, "pyarrow.csv.read_csv of the same bytes (';', inferred "
                           "types)", b, "read_path: name check, header, UTF-8 check, pyarrow tokenising, strict "
                           "times→UTC, numbers, status, mine-prefix check; best of 3"))
        s, parsed = best_of(lambda: read_path(long), REPEATS)
        assert parsed.readings.num_rows == n, parsed.readings.num_rows
        b, base = best_of(lambda: _baseline_csv(long), REPEATS)
        assert base.num_rows == n
        out.append(_result("readers.canonical.long_csv", n, long, s, "pyarrow.csv.read_csv of the same bytes "
                           "(inferred types)", b, "read_path: declarations, ISO times with offset→UTC, numbers, "
                           "status; best of 3"))
    return out


if __name__ == "__main__":
    sys.exit(standalone(run))
