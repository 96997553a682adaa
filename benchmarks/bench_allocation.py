"""Benchmark of the regional allocation MILP (docs/conventions.md §10).

Workload: :func:`minegas.utilization.allocation.synthetic_scenario` — 100 sources × 50 units × 365 daily steps,
each source linked to 3 compatible units (sparse), every unit with a minimum load (on/off binaries), 10 gas
holders (storage balance links the days) and 5 monthly contract minimums (link the days of each month), objective
``max_profit``, relative MIP gap 1 %, 2 threads. The model cannot be solved day by day.

Reported: model size (rows, columns, non-zeros, integers), MIP gap reached, build and solve seconds, and how the
solve time grows with the number of steps (30 / 90 / 365). Baseline in the same run: the LP relaxation of the same
365-step model (HiGHS, integrality dropped) — the ratio says how much the on/off decisions cost.
Target: MILP solve ≤ 60 s on 2 cores. ``quick``: 20 × 10 × (10 / 20 / 30 steps).

Run: ``python -m benchmarks.run --only bench_allocation``.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from benchmarks.common import result
from minegas.utilization.allocation import build_model, solve_model, synthetic_scenario
from minegas.utilization.lp import solve

THREADS = 2
GAP = 0.01


def _one(n_src: int, n_units: int, steps: int) -> dict[str, Any]:
    sc = synthetic_scenario(n_sources=n_src, n_units=n_units, steps=steps, seed=7)
    sc = sc.model_copy(update={"mip_rel_gap": GAP, "threads": THREADS})
    t0 = time.perf_counter()
    m = build_model(sc)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    res, _ = solve_model(m, duals=False)
    t_solve = time.perf_counter() - t0
    linking = (f"{len(sc.storage)} gas holders + {sum(1 for u in sc.units if u.contracts)} units with monthly "
               "contracts")
    return {"steps": steps, "sources": n_src, "units": n_units, "links": len(sc.links), "linking": linking,
            "size": m.size,
            "build_s": round(t_build, 3), "solve_s": round(t_solve, 3), "status": res.status,
            "mip_gap": res.mip_gap, "objective": res.objective, "model": m}


def run(quick: bool) -> list[dict[str, Any]]:
    n_src, n_units, ladder = (20, 10, (10, 20, 30)) if quick else (100, 50, (30, 90, 365))
    scaling = [_one(n_src, n_units, s) for s in ladder]
    main = scaling[-1]
    m = main.pop("model")
    for r in scaling:
        r.pop("model", None)
    t0 = time.perf_counter()
    lp = solve(m.c, m.a, m.row_lo, m.row_hi, m.col_lo, m.col_hi, maximize=m.maximize, threads=THREADS,
               feasibility_tol=1e-7)
    t_lp = time.perf_counter() - t0
    steps = np.array([r["steps"] for r in scaling], dtype=float)
    secs = np.array([r["solve_s"] for r in scaling], dtype=float)
    growth = float(np.polyfit(np.log(steps), np.log(np.maximum(secs, 1e-3)), 1)[0]) if len(steps) > 1 else None
    lp_bound_gap = (lp.objective - main["objective"]) / abs(lp.objective) if lp.optimal and lp.objective else None
    return [result(
        "allocation.milp",
        workload={"sources": n_src, "units": n_units, "steps": main["steps"], "links": main["links"],
                  "step_hours": 24, "linking": main["linking"], "mip_rel_gap": GAP,
                  "threads": THREADS, **main["size"]},
        seconds=main["solve_s"], baseline_name="LP relaxation of the same model (HiGHS)", baseline_seconds=t_lp,
        throughput=(main["size"]["cols"] / main["solve_s"] if main["solve_s"] > 0 else 0.0, "columns/s"),
        target={"seconds_max": 60.0},
        notes="solve time excludes the dual (fixed-binary LP) pass; growth exponent = slope of log(time) vs "
              "log(steps)",
        extra={"status": main["status"], "mip_gap": main["mip_gap"], "build_seconds": main["build_s"],
               "lp_relaxation_gap": lp_bound_gap, "scaling": scaling, "time_growth_exponent": growth})]


if __name__ == "__main__":  # pragma: no cover
    import json
    import sys

    print(json.dumps(run("--quick" in sys.argv), indent=2, default=str))
