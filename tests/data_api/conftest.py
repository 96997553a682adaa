"""Fixtures for the reference-data tests: the shipped reference sets and (when available) the seed texts.

The seed documents are kept in tests/data/seeds (or the directory named by ``MINEGAS_SEEDS_DIR``); the quote
tests fail in CI if they are missing and skip elsewhere.
"""

from __future__ import annotations

import os

import pytest

from data_api.refdata_common import SEEDS_DIR, squash
from minegas import data


@pytest.fixture(scope="session")
def ref() -> data.Catalog:
    """The reference sets of this package (``data/reference/`` only), independent of other folders' files."""
    return data.Catalog(data.data_dir() / "reference")


@pytest.fixture(scope="session")
def seeds() -> dict[str, str]:
    """Seed number ('000', '001', '003') → whitespace-free text; skips when the seed files are not available."""
    files = sorted(SEEDS_DIR.glob("00[013]_*.txt")) if SEEDS_DIR.is_dir() else []
    if len(files) != 3:
        msg = f"seed documents not found in {SEEDS_DIR} (set MINEGAS_SEEDS_DIR)"
        if os.environ.get("MINEGAS_CI") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    return {f.name[:3]: squash(f.read_text(encoding="utf-8")) for f in files}


@pytest.fixture
def reference_only(monkeypatch: pytest.MonkeyPatch) -> data.Catalog:
    """Point the module-level API (and so the CLI) at the reference sets only."""
    cat = data.Catalog(data.data_dir() / "reference")
    monkeypatch.setattr(data, "_default", cat)
    return cat
