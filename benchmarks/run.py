"""Run the benchmarks: ``python -m benchmarks.run [--quick] [--only NAME] [--out DIR]``.

Each benchmark module runs in its own subprocess so that peak-memory figures are per benchmark. Results are printed
as JSON and written to ``<out>/<benchmark>.json``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import benchmarks


def modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_"))


def run_one(name: str, quick: bool) -> list[dict]:
    mod = importlib.import_module(f"benchmarks.{name}")
    return mod.run(quick)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small workloads (for smoke tests)")
    ap.add_argument("--only", action="append", default=[], help="run only these modules (bench_xxx)")
    ap.add_argument("--out", type=Path, default=Path("var/bench"))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        print(json.dumps(run_one(a.child, a.quick)))
        return 0
    a.out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for name in modules():
        if a.only and name not in a.only:
            continue
        cmd = [sys.executable, "-m", "benchmarks.run", "--child", name] + (["--quick"] if a.quick else [])
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            failed += 1
            print(f"# {name} failed:\n{proc.stderr[-4000:]}", file=sys.stderr)
            continue
        for rec in json.loads(proc.stdout.strip().splitlines()[-1]):
            (a.out / f"{rec['benchmark']}.json").write_text(json.dumps(rec, indent=2, ensure_ascii=False) + "\n")
            print(json.dumps(rec, ensure_ascii=False))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
