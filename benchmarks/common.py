"""Helpers shared by the benchmarks: timing, peak memory, and the result record of docs/conventions.md §10."""

from __future__ import annotations

import os
import platform
import resource
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from minegas import __version__


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far [MB] (Linux ru_maxrss is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def best_of(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Run ``fn`` ``repeat`` times; return (fastest wall seconds, last result)."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": sys.version.split()[0], "platform": platform.platform()}


def result(name: str, *, workload: dict[str, Any], seconds: float, baseline_name: str, baseline_seconds: float,
           throughput: tuple[float, str] | None = None, target: dict[str, float] | None = None,
           notes: str = "", extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build one benchmark record. ``ratio`` = baseline_seconds / seconds (higher is better for us).

    ``target`` may hold ``ratio_min`` (ratio must be at least this) and/or ``seconds_max``.
    """
    ratio = baseline_seconds / seconds if seconds > 0 else float("inf")
    met = None
    if target:
        met = True
        if "ratio_min" in target:
            met = met and ratio >= target["ratio_min"]
        if "seconds_max" in target:
            met = met and seconds <= target["seconds_max"]
    rec: dict[str, Any] = {
        "benchmark": name,
        "minegas_version": __version__,
        "timestamp_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "workload": workload,
        "seconds": seconds,
        "baseline": {"name": baseline_name, "seconds": baseline_seconds},
        "ratio": ratio,
        "ratio_meaning": "baseline_seconds / seconds (higher is better)",
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "target": target or {},
        "target_met": met,
        "notes": notes,
    }
    if throughput:
        rec["throughput"] = {"value": throughput[0], "unit": throughput[1]}
    if extra:
        rec.update(extra)
    return rec


def standalone(run: Callable[[bool], list[dict[str, Any]]], argv: list[str] | None = None) -> int:
    """``python -m benchmarks.bench_x [--quick] [--out DIR]``: run one benchmark module on its own and print (and
    optionally write) its JSON records, the same records ``benchmarks.run`` collects."""
    import argparse
    import json
    from pathlib import Path

    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", type=Path, default=None, help="directory for <benchmark>.json files")
    args = ap.parse_args(argv)
    for r in run(args.quick):
        text = json.dumps(r, ensure_ascii=False)
        print(text)
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"{r['benchmark']}.json").write_text(text + "\n", encoding="utf-8")
    return 0
