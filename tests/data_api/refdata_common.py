"""Constants and helpers shared by the reference-data tests."""

from __future__ import annotations

import os
import re
from pathlib import Path

SEEDS_DIR = Path(os.environ.get("MINEGAS_SEEDS_DIR", Path(__file__).resolve().parents[1] / "data" / "seeds"))
"""Where the seed documents are: tests/data/seeds (a copy kept in the repository), or MINEGAS_SEEDS_DIR."""

REFERENCE_IDS = frozenset({
    "reference.jincheng.baseline-2021",
    "reference.jincheng.cluster-targets",
    "reference.shanxi.mine-classes-2019",
    "reference.technology.concentration-windows",
    "reference.national.context",
    "reference.seeds.contradictions",
})
"""The parameter sets in src/minegas/data/reference/."""


def squash(text: str) -> str:
    """Remove all whitespace (the seeds' line breaks and spacing are layout, not content)."""
    return re.sub(r"\s+", "", text)
