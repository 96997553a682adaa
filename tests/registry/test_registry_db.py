"""Engines, sessions, time columns and migrations (up, down to base, up again) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from registry_helpers import REGISTRY_DATA, row_counts

from minegas.errors import ConfigError
from minegas.registry import db
from minegas.registry.models import Base, Region

REGISTRY_TABLES = {"region", "enterprise", "mine", "unit", "station", "point", "point_config", "gas_link",
                   "coal_production", "calibration"}


def _tables(url: str) -> set[str]:
    e = db.make_engine(url)
    try:
        return set(sa.inspect(e).get_table_names())
    finally:
        e.dispose()


def _schema_diff(url: str) -> list[object]:
    e = db.make_engine(url)
    try:
        with e.connect() as c:
            return list(compare_metadata(MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata))
    finally:
        e.dispose()


def _up_down_up(url: str) -> None:
    assert db.current_revision(url) is None
    head = db.head_revision()
    assert db.upgrade_to_head(url) == head
    assert db.current_revision(url) == head
    assert REGISTRY_TABLES <= _tables(url)
    assert _schema_diff(url) == []          # the migrations build exactly the models
    assert db.upgrade_to_head(url) == head  # idempotent
    assert db.downgrade(url, "base") is None
    assert db.current_revision(url) is None
    assert not (REGISTRY_TABLES & _tables(url))
    assert db.upgrade_to_head(url) == head
    assert _schema_diff(url) == []


def test_migrations_up_down_sqlite(tmp_path: Path) -> None:
    _up_down_up(f"sqlite:///{tmp_path / 'r.sqlite'}")


@pytest.mark.postgres
def test_migrations_up_down_postgres(pg_url: str) -> None:
    _up_down_up(pg_url)


@pytest.mark.postgres
def test_postgres_column_comments_and_timestamptz(pg_url: str) -> None:
    db.upgrade_to_head(pg_url)
    e = db.make_engine(pg_url)
    try:
        insp = sa.inspect(e)
        cols = {c["name"]: c for c in insp.get_columns("mine")}
        assert "kPa" in cols["barometric_kpa"]["comment"]
        assert insp.get_table_comment("point")["text"] == "monitoring points (测点)"
        pc = {c["name"]: c for c in insp.get_columns("point_config")}
        assert pc["valid_from"]["type"].timezone is True
    finally:
        e.dispose()


def test_downgrade_keeps_nothing_and_upgrade_works_with_data(tmp_path: Path) -> None:
    """Down to base with rows stored (foreign keys between them) succeeds and removes the tables."""
    from minegas.registry.importer import import_registry

    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    db.upgrade_to_head(url)
    with db.session_scope(url) as s:
        import_registry(s, [REGISTRY_DATA])
    assert row_counts(url)["point_config"] == 18
    db.downgrade(url, "base")
    assert not (REGISTRY_TABLES & _tables(url))
    db.upgrade_to_head(url)
    assert sum(row_counts(url).values()) == 0


def test_make_engine_sqlite_pragmas(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'dir' / 'r.sqlite'}"
    e = db.make_engine(url)  # creates the parent folder
    try:
        with e.connect() as c:
            assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        e.dispose()
    assert (tmp_path / "sub" / "dir").is_dir()


def test_foreign_keys_enforced_on_sqlite(sqlite_url: str) -> None:
    with pytest.raises(sa.exc.IntegrityError), db.session_scope(sqlite_url) as s:
        s.execute(sa.text("INSERT INTO region (code, name_zh, level, parent_id) VALUES ('x', 'x', 'county', 999)"))


def test_check_constraint_rejects_unknown_enum(sqlite_url: str) -> None:
    with pytest.raises(sa.exc.IntegrityError), db.session_scope(sqlite_url) as s:
        s.add(Region(code="1", name_zh="x", level="village"))


def test_memory_url_shares_one_database() -> None:
    e = db.make_engine("sqlite://")
    try:
        db.upgrade_to_head(e)
        with db.session_scope(e) as s:
            s.add(Region(code="140000", name_zh="山西省", level="province"))
        with db.session_scope(e) as s:
            assert s.scalars(sa.select(Region.code)).all() == ["140000"]
    finally:
        e.dispose()


def test_session_scope_rolls_back_on_error(sqlite_url: str) -> None:
    with pytest.raises(RuntimeError), db.session_scope(sqlite_url) as s:
        s.add(Region(code="140000", name_zh="山西省", level="province"))
        s.flush()
        raise RuntimeError("boom")
    assert row_counts(sqlite_url)["region"] == 0


def test_utc_datetime_roundtrip_and_naive_refused(sqlite_url: str) -> None:
    cst = timezone(timedelta(hours=8))
    t = datetime(2025, 3, 1, 8, 0, tzinfo=cst)
    with db.session_scope(sqlite_url) as s:
        r = Region(code="140000", name_zh="山西省", level="province", created_at=t, updated_at=t)
        s.add(r)
    with db.session_scope(sqlite_url) as s:
        got = s.scalars(sa.select(Region.created_at)).one()
    assert got.tzinfo is not None and got.utcoffset() == timedelta(0)
    assert got == datetime(2025, 3, 1, 0, 0, tzinfo=UTC)  # 08:00 CST = 00:00 UTC
    with pytest.raises(sa.exc.StatementError, match="naive"), db.session_scope(sqlite_url) as s:
        s.add(Region(code="140500", name_zh="晋城市", level="city", created_at=datetime(2025, 3, 1)))
        s.flush()


def test_timestamps_default_to_now_utc(sqlite_url: str) -> None:
    before = datetime.now(UTC)
    with db.session_scope(sqlite_url) as s:
        s.add(Region(code="140000", name_zh="山西省", level="province"))
    with db.session_scope(sqlite_url) as s:
        r = s.scalars(sa.select(Region)).one()
    assert before - timedelta(seconds=1) <= r.created_at <= datetime.now(UTC)
    assert r.updated_at.tzinfo is not None


def test_bad_url_is_config_error() -> None:
    with pytest.raises(ConfigError, match="bad registry database URL"):
        db.make_engine("not a url")
    with pytest.raises(ConfigError, match="cannot create a database engine"):
        db.make_engine("nosuchdialect://x/y")


def test_is_initialised_never_creates_a_file(tmp_path: Path) -> None:
    p = tmp_path / "none.sqlite"
    assert db.is_initialised(f"sqlite:///{p}") is False
    assert not p.exists()
    db.upgrade_to_head(f"sqlite:///{p}")
    assert db.is_initialised(f"sqlite:///{p}") is True


def test_init_home_migrates(minegas_home: Path) -> None:
    """`minegas init` (services.home.init_home) calls upgrade_to_head and reports the revision."""
    from minegas.services.home import init_home

    info = init_home()
    assert info["schema_revision"] == db.head_revision()
    assert (minegas_home / "registry.sqlite").exists()
    assert init_home()["schema_revision"] == db.head_revision()  # idempotent
