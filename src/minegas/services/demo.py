"""The main job on embedded defaults (``minegas demo``, ``make demo``).

Builds the demo region — a fictional Jincheng-like city (docs/synth.md) — in the data home: generates a month of
its monitoring data with the synthetic generator (KJ networking files and the registry files that describe the
mines), imports the registry, ingests the month into the measurement store, computes every mine's methane balance
(docs/mrv.md; China 2015 guideline, GWP SAR) and runs the compliance checks, loads the reference data from the
seeds, and returns a summary for the CLI to print. Every step is idempotent: a second run on the same data home
reuses the generated input (same parameters → same bytes), the registry import changes nothing and the ingest
skips the files it already stored.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minegas import data
from minegas.accounting.balance import MineBalance
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
    ingest: dict[str, int] = field(default_factory=dict)
    balances: dict[str, MineBalance] = field(default_factory=dict)
    findings: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per mine: findings per rule id (GB 21522-2024 judged as a what-if, see :func:`_mrv`)."""
    truth: dict[str, dict[str, float]] = field(default_factory=dict)
    """Per mine: the generator's physical totals of the month (synth.json) to show next to the balance."""
    reports: dict[str, Path] = field(default_factory=dict)
    """Reports written (:func:`_reports`): ``xlsx``/``pdf`` of :data:`DEMO_REPORT_MINE`, ``region_xlsx``/``region_json``."""
    report_note: str = ""
    """Why a report format was not written (e.g. no CJK font for the Chinese PDF)."""
    design_checks: list[dict[str, Any]] = field(default_factory=list)
    """Design vs actual of the demo's case units (:data:`DEMO_DESIGN_CHECKS`) from the measured gas
    (:meth:`minegas.utilization.sources.MineGas.unit_check`)."""


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
    ingest, balances, findings, checks = _mrv(s, input_dir, [m.code for m in mines], parse_period(period).label, say)
    reports, report_note = _reports(s, [m.code for m in mines], parse_period(period).label, say)
    say("loading reference data …")
    ref = _reference_highlights()
    truth = {m["mine_code"]: {k: float(m[k]) for k in ("drained_nm3", "used_nm3", "flared_nm3", "vented_nm3",
                                                        "vam_nm3", "utilization_pct")}
             for m in manifest.get("mines", [])}
    return DemoResult(
        home=s.home, database_url=s.database_url, schema_revision=rev, period=parse_period(period).label,
        input_dir=input_dir, generated=manifest, registry_import=summary, mines=mines,
        counts={"mines": len(mines), "stations": n_st, "points": n_pt, "units": sum(techs.values())},
        units_by_technology=dict(sorted(techs.items())), reference=ref, ingest=ingest, balances=balances,
        findings=findings, truth=truth, reports=reports, report_note=report_note, design_checks=checks,
    )


DEMO_DESIGN_CHECKS: tuple[tuple[str, str, str], ...] = (
    ("990522000001", "RTO1", "seed 003 case 4 (伏岩): the RTO plant ran at about 1/6 of design for lack of gas"),
)
"""(mine, unit, published figure) whose design-vs-actual check the demo prints."""


def _design_checks(store: Any, mines: list[str], period: str) -> list[dict[str, Any]]:
    """Design vs actual of :data:`DEMO_DESIGN_CHECKS` from the store (docs/utilization.md)."""
    from minegas.utilization.sources import load_mine_gas

    out: list[dict[str, Any]] = []
    for mine, unit, published in DEMO_DESIGN_CHECKS:
        if mine not in mines:
            continue
        c = load_mine_gas(mine, period, store=store).unit_check(unit)
        out.append({"mine_code": mine, "unit_code": unit, "name_zh": c.name_zh, "technology": c.technology,
                    "design_ch4_nm3_min": c.design.design_ch4_nm3_min, "supported_frac": c.supported_frac,
                    "intake_frac": c.intake_frac,
                    "potential_frac": c.potential.supported_frac if c.potential else None,
                    "binding": c.actual.binding, "published": published})
    return out


def _mrv(settings: Settings, input_dir: Path, mines: list[str], period: str, say: Callable[[str], None]
         ) -> tuple[dict[str, int], dict[str, MineBalance], dict[str, dict[str, int]], list[dict[str, Any]]]:
    """Ingest the generated KJ files (one commit; already stored files are skipped), then the balances (China
    2015 guideline, GWP SAR) and compliance findings of every demo mine. GB 21522-2024 binds new mines only from
    2025-04-01 (existing 2027-04): in the demo month it is judged as a what-if, so the findings show what it would
    ban."""
    from minegas.accounting import balance as B
    from minegas.accounting import runs as R
    from minegas.measurements.ingest import ingest_paths
    from minegas.measurements.store import Store

    store = Store(settings.store_dir, settings.database_url)
    try:
        say("ingesting the generated KJ files into the measurement store …")
        rep = ingest_paths(store, [input_dir / "kj"])
        t = rep.totals()
        ingest = {"files": t["files"], "stored_files": t["files_stored"] + t["files_partial"],
                  "skipped_files": t["files_skipped"], "rejected_files": t["files_rejected"],
                  "readings_stored": t["stored"], "store_readings": int(store.stats()["readings"])}
        say("computing the methane balances …")
        balances = B.mine_balances(store, period, mine_codes=mines, methodology="cn-2015", gwp_set="SAR")
        say("running the compliance checks …")
        findings = {m: R.check(store, m, period, what_if_2024=True, balance=balances[m]).counts() for m in mines}
        say("checking design vs actual of the case units …")
        checks = _design_checks(store, mines, period)
    finally:
        store.close()
    return ingest, balances, findings, checks


DEMO_REPORT_MINE = "990521000001"
"""The demo mine whose MRV report the demo writes (青岚煤矿(示例): two drainage systems, gas engines, an off-site
pipeline, low-concentration engines, two return shafts)."""


def _reports(settings: Settings, mines: list[str], period: str, say: Callable[[str], None]
             ) -> tuple[dict[str, Path], str]:
    """Write the MRV report of :data:`DEMO_REPORT_MINE` (Chinese PDF and the bilingual Excel workbook) and the
    region summary into ``<home>/reports`` (docs/reports.md). Without a CJK font the PDF is left out (the note
    says why) and the Excel files are still written."""
    from minegas.errors import ConfigError
    from minegas.measurements.store import Store
    from minegas.reports.from_engine import write_mrv_report, write_region_summary

    if DEMO_REPORT_MINE not in mines:
        return {}, f"mine {DEMO_REPORT_MINE} is not in the demo region"
    note = ""
    store = Store(settings.store_dir, settings.database_url)
    try:
        say(f"writing the MRV report of {DEMO_REPORT_MINE} and the region summary …")
        try:
            out = write_mrv_report(DEMO_REPORT_MINE, period, settings.reports_dir, formats=("xlsx", "pdf"), lang="zh",
                                   store=store)
        except ConfigError as exc:  # no CJK font: the PDF cannot be printed
            note = str(exc)
            out = write_mrv_report(DEMO_REPORT_MINE, period, settings.reports_dir, formats=("xlsx",), lang="zh",
                                   store=store)
        summary = write_region_summary(period, settings.reports_dir, mines, store=store,
                                       title=f"演示区域汇总 demo region summary · {period}")
    finally:
        store.close()
    return {**out, **{f"region_{k}": v for k, v in summary.items()}}, note
