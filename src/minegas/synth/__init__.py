"""Deterministic synthetic regions for the demo, tests and benchmarks (docs/synth.md).

- :func:`load_region` — the demo region (``"demo"``, a fictional Jincheng-like city) or a region YAML file;
- :func:`mine_layout` — a mine's derived stations, KJ points, units and gas links;
- :class:`MineSimulator` — vectorised day-by-day signals of one mine (physical truth and meter readings);
- :func:`generate` — a region for any period and cadence, written as KJ files, canonical CSV/Parquet and registry
  CSVs, with injected faults (:class:`FaultSpec`) and a ground-truth ledger;
- :func:`write_fast_parquet` — N readings straight to canonical Parquet for benchmarks.
"""

from minegas.synth.fast import write_fast_parquet
from minegas.synth.faults import FaultSpec
from minegas.synth.generate import FORMATS, GenerationResult, MineSummary, generate
from minegas.synth.kj import KJStyle
from minegas.synth.model import DEMO_REGION_PATH, MineLayout, Region, barometric_kpa, load_region, mine_layout
from minegas.synth.signals import MineSimulator

__all__ = [
    "DEMO_REGION_PATH", "FORMATS", "FaultSpec", "GenerationResult", "KJStyle", "MineLayout", "MineSimulator",
    "MineSummary", "Region", "barometric_kpa", "generate", "load_region", "mine_layout", "write_fast_parquet",
]
