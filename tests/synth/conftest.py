"""Shared fixtures of the synthetic-generator tests: the demo region and one generated month with faults."""

from __future__ import annotations

from pathlib import Path

import pytest

from minegas.synth import GenerationResult, Region, generate, load_region

MONTH_MINES = ("990525000001", "990522000001", "990581000001", "990521000003")
"""The three seed-case mines and one low-gas mine."""

MONTH_FAULTS = "gaps=0.01,calibration=2,stuck=1,resets=1,late=2,truncated=1,duplicates=2"


@pytest.fixture(scope="session")
def demo() -> Region:
    return load_region("demo")


@pytest.fixture(scope="session")
def month_run(tmp_path_factory: pytest.TempPathFactory) -> GenerationResult:
    """March 2025 at 300 s for four mines with every fault type, KJ (with TJSJ) and canonical CSV/Parquet."""
    out = tmp_path_factory.mktemp("synth") / "month"
    return generate("demo", "2025-03-01", "2025-04-01", 300, 7, MONTH_FAULTS, out,
                    ("kj", "tjsj", "csv", "parquet"), mines=MONTH_MINES)


@pytest.fixture(scope="session")
def month_out(month_run: GenerationResult) -> Path:
    return month_run.out_dir
