"""Fixtures of the registry tests: the fictional mine 990000000001 (tests/data/registry), databases, CSV edits.

The fixture mine matches the synthetic KJ samples of research note china-monitoring-formats §6 (points
99000000000101MN000100000101 … 99000000000102LJ300200000206): a high-suction drainage main, a pump outlet, a
return-air shaft, a gas-engine plant inlet and a vent stack.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from registry_helpers import REGISTRY_DATA

from minegas.registry import db


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A writable copy of tests/data/registry."""
    d = tmp_path / "registry_in"
    shutil.copytree(REGISTRY_DATA, d)
    return d


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated, empty SQLite registry."""
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    db.upgrade_to_head(url)
    return url


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[sa.Engine]:
    e = db.make_engine(sqlite_url)
    yield e
    e.dispose()
