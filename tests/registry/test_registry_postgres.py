"""The same import, round trip and rejection on PostgreSQL (marker ``postgres``; required in CI)."""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import pytest
from registry_helpers import MINE, REGISTRY_DATA, row_counts, set_cell, snapshot

from minegas.errors import InputError
from minegas.registry import db
from minegas.registry import repository as repo
from minegas.registry.exporter import export_registry
from minegas.registry.importer import import_registry

pytestmark = pytest.mark.postgres


def _import(url: str, path: Path) -> dict[str, tuple[int, int, int]]:
    with db.session_scope(url) as s:
        summary = import_registry(s, [path])
    return {k: (c.inserted, c.updated, c.unchanged) for k, c in summary.counts.items()}


def test_import_round_trip_and_parity_with_sqlite(pg_url: str, tmp_path: Path) -> None:
    db.upgrade_to_head(pg_url)
    first = _import(pg_url, REGISTRY_DATA)
    assert first["point_config"] == (18, 0, 0) and first["point"] == (17, 0, 0)
    before = snapshot(pg_url)
    again = _import(pg_url, REGISTRY_DATA)
    assert all(ins == 0 and upd == 0 for ins, upd, _ in again.values())
    assert snapshot(pg_url) == before
    with db.session_scope(pg_url) as s:
        export_registry(s, tmp_path / "pg")
        frame_pg = repo.point_configs_frame(s)
        m = repo.mine(s, MINE)
    sqlite_url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    db.upgrade_to_head(sqlite_url)
    _import(sqlite_url, REGISTRY_DATA)
    with db.session_scope(sqlite_url) as s:
        export_registry(s, tmp_path / "sqlite")
        frame_sqlite = repo.point_configs_frame(s)
    assert not filecmp.dircmp(tmp_path / "pg", tmp_path / "sqlite").diff_files  # byte-identical exports
    assert frame_pg.equals(frame_sqlite)
    assert m.province_code == "140000"


def test_rejection_changes_nothing(pg_url: str, tmp_path: Path) -> None:
    db.upgrade_to_head(pg_url)
    _import(pg_url, REGISTRY_DATA)
    before = snapshot(pg_url)
    d = tmp_path / "in"
    shutil.copytree(REGISTRY_DATA, d)
    set_cell(d / "mines.csv", 2, "name_zh", "改名(虚构)")
    set_cell(d / "point_configs.csv", 7, "range_high", "120")
    with pytest.raises(InputError) as ei:
        _import(pg_url, d)
    assert any(p.file == str(d / "point_configs.csv") and p.line == 7 and p.field == "range_high"
               for p in ei.value.problems)
    assert snapshot(pg_url) == before
    assert row_counts(pg_url)["mine"] == 1
