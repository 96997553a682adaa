"""The store's tables come with migration 0002_store: up, down to 0001 (store tables gone, registry kept) and up
again, on SQLite and PostgreSQL; an ingest commit works on PostgreSQL too."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from store_helpers import KJ_DATA, REGISTRY_DATA

from minegas.measurements.ingest import ingest_paths
from minegas.measurements.store import Store
from minegas.registry import db
from minegas.registry.importer import import_registry
from minegas.registry.store_models import STORE_MODELS

STORE_TABLES = set(STORE_MODELS)


def _tables(url: str) -> set[str]:
    e = db.make_engine(url)
    try:
        return set(sa.inspect(e).get_table_names())
    finally:
        e.dispose()


def _up_down(url: str) -> None:
    db.upgrade_to_head(url)
    assert db.current_revision(url) == db.head_revision()
    assert STORE_TABLES <= _tables(url)
    db.downgrade(url, "0001")
    tables = _tables(url)
    assert not (STORE_TABLES & tables) and {"mine", "point", "point_config"} <= tables
    db.upgrade_to_head(url)
    assert STORE_TABLES <= _tables(url)


def test_migration_sqlite(tmp_path: Path) -> None:
    _up_down(f"sqlite:///{tmp_path / 'r.sqlite'}")


@pytest.mark.postgres
def test_migration_and_ingest_postgres(pg_url: str, tmp_path: Path) -> None:
    _up_down(pg_url)
    with db.session_scope(pg_url) as s:
        import_registry(s, [REGISTRY_DATA])
    folder = tmp_path / "in"
    shutil.copytree(KJ_DATA, folder)
    store = Store(tmp_path / "store", pg_url)
    try:
        rep = ingest_paths(store, [folder])
        assert not rep.rejected
        st = store.stats()
        assert st["readings"] == 12 and st["batches"] == 4 and st["aligned_samples"] == 2
        assert ingest_paths(store, [folder]).commit is None and store.stats() == st
    finally:
        store.close()
