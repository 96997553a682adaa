"""The main job on embedded defaults (``minegas demo``, ``make demo``).

Builds the demo region — a fictional Jincheng-like city (docs/synth.md) — in the data home: generates a month of
its monitoring data with the synthetic generator (KJ networking files and the registry files that describe the
mines), imports the registry, loads the reference data from the seeds, and returns a summary for the CLI to print.
Every step is idempotent: a second run on the same data home reuses the generated input (same parameters → same
bytes) and the registry import changes nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minegas import data
from minegas.periods import parse_period
from minegas.registry import repository
from minegas.registry.db import session_scope, upgrade_to_head
from minegas.registry.importer import ImportSummary, import_registry
from minegas.settings import Settings, get_settings

DEMO_PERIOD = "2025-03"
"""The month the demo generates and accounts (CST)."""

DEMO_CADENCE_S = 300
"""Sampling interval of the demo's generated monitoring data [s] (5 min keeps the demo's input ≈ 0.5 GB)."""

DEMO_SEED = 20250301
DEMO_FAULTS = "gaps=0.002,calibration=1,stuck=1,resets=1,late=1,truncated=1,duplicates=1"
"""A few of every fault type, so the demo shows QA flags, rejections and substitutions."""


@dataclass
class DemoResult:
    """What the demo built, for the CLI to render (no I/O here beyond what ``run_demo`` did)."""

    home: Path
    database_url: str
    schema_revision: str
    period: str
    input_dir: Path
    generated: dict[str, Any]
    registry_import: ImportSummary
    mines: list[repository.MineInfo]
    counts: dict[str, int]
    units_by_technology: dict[str, int]
    reference: dict[str, Any]
    steps: list[str] = field(default_factory=list)


def _generate_input(settings: Settings, period: str, cadence_s: int, seed: int,
                    progress: Callable[[str], None]) -> tuple[Path, dict[str, Any]]:
    """Generate the demo month into ``<home>/inputs/demo-<period>`` unless an identical generation is there."""
    from minegas.synth import generate

    p = parse_period(period)
    out = settings.home / "inputs" / f"demo-{p.label}"
    manifest_path = out / "synth.json"
    want = {"seed": seed, "cadence_s": cadence_s, "start": p.start.isoformat(), "end": p.end.isoformat(),
            "faults": None}
    if manifest_path.exists():
        have = json.loads(manifest_path.read_text(encoding="utf-8"))
        if all(have.get(k) == v for k, v in want.items() if v is not None):
            progress(f"reusing generated input {out}")
            return out, have
    progress(f"generating {p.label} of the demo region at {cadence_s} s …")
    res = generate("demo", start=p.start, end=p.end, cadence_s=cadence_s, seed=seed, faults=DEMO_FAULTS,
                   out_dir=out, formats=("kj",), truth=True)
    return out, res.manifest


def _reference_highlights() -> dict[str, Any]:
    """A few figures of the reference data, each with its parameter-set id (read from the data files)."""
    base = "reference.jincheng.baseline-2021"
    sets = data.list_paramsets()
    by_kind = Counter(s.kind for s in sets)
    out: dict[str, Any] = {"paramsets": len(sets), "by_kind": dict(by_kind), "notes": len(data.notes())}
    targets = "reference.jincheng.cluster-targets"
    picks = [
        (base, "coal_mines_count", "晋城煤矿数量(2021) Jincheng coal mines"),
        (base, "underground_drained_2021_yi_m3", "井下瓦斯抽采量(2021) underground gas drained"),
        (base, "underground_used_2021_yi_m3", "瓦斯利用量(2021) drained gas used"),
        (base, "underground_utilization_2021_pct", "瓦斯利用率(2021) utilization rate"),
        (targets, "total_output_value_2025_yi_yuan", "产业集群产值目标 2025 cluster output target"),
        (targets, "total_output_value_2030_yi_yuan", "产业集群产值目标 2030 cluster output target"),
    ]
    figures = []
    for set_id, name, text in picks:
        ps = data.load(set_id)
        p = ps.param(name)
        figures.append({"set": set_id, "name": name, "label": text, "value": p.value, "unit": p.unit,
                        "citation": ps.citation(name)})
    out["figures"] = figures
    return out


def run_demo(settings: Settings | None = None, *, period: str = DEMO_PERIOD, cadence_s: int = DEMO_CADENCE_S,
             seed: int = DEMO_SEED, progress: Callable[[str], None] | None = None) -> DemoResult:
    """Build the demo region in the data home and return a summary.

    Parameters
    ----------
    settings : data home and registry URL (default: from the environment, see :mod:`minegas.settings`).
    period : the month to generate (CST), e.g. ``2025-03``.
    cadence_s : sampling interval of the generated data [s].
    seed : generator seed.
    progress : called with a short message at each step.
    """
    say = progress or (lambda _m: None)
    s = settings or get_settings()
    s.home.mkdir(parents=True, exist_ok=True)
    s.store_dir.mkdir(parents=True, exist_ok=True)
    rev = upgrade_to_head(s.database_url)
    input_dir, manifest = _generate_input(s, period, cadence_s, seed, say)
    say("importing the demo region's registry files …")
    with session_scope(s.database_url) as session:
        summary = import_registry(session, [input_dir / "registry"])
    with session_scope(s.database_url) as session:
        mines = [m for m in repository.mines(session) if m.code in {x["mine_code"] for x in manifest["mines"]}]
        n_st = n_pt = 0
        techs: Counter[str] = Counter()
        for m in mines:
            n_st += len(repository.stations(session, m.code))
            n_pt += len(repository.points(session, m.code))
            techs.update(u.technology for u in repository.units(session, m.code))
    say("loading reference data …")
    ref = _reference_highlights()
    return DemoResult(
        home=s.home, database_url=s.database_url, schema_revision=rev, period=parse_period(period).label,
        input_dir=input_dir, generated=manifest, registry_import=summary, mines=mines,
        counts={"mines": len(mines), "stations": n_st, "points": n_pt, "units": sum(techs.values())},
        units_by_technology=dict(sorted(techs.items())), reference=ref,
    )
