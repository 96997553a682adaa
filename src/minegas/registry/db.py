"""Registry database: engines, sessions and schema migrations (Alembic, shipped inside the package).

SQLite is the default (``sqlite:///<MINEGAS_HOME>/registry.sqlite``, see :func:`minegas.settings.get_settings`);
PostgreSQL is used through a ``postgresql+psycopg://…`` URL. The same models and migrations serve both.

Migrations run programmatically from a URL: no ``alembic.ini`` is looked up in the working directory; the
script location is ``minegas/registry/migrations`` inside the installed package.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from minegas.errors import ConfigError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
"""The Alembic script directory shipped with the package."""


def _is_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """Create an engine for a registry URL.

    SQLite: foreign keys are switched on for every connection, file databases use write-ahead logging (WAL)
    and a 30 s busy timeout, and the parent folder of the file is created. An in-memory SQLite URL
    (``sqlite://``) gets a single shared connection so that migrations and sessions see the same database.

    Raises
    ------
    ConfigError
        If the URL cannot be parsed or names a driver that is not installed.
    """
    try:
        u = make_url(url)
    except Exception as exc:  # any parse failure is a configuration problem
        raise ConfigError(f"bad registry database URL: {exc} — fix: set MINEGAS_DATABASE_URL to e.g. "
                          "sqlite:///path/registry.sqlite or postgresql+psycopg://user:pw@host:5432/db") from None
    is_sqlite = u.get_backend_name() == "sqlite"
    if is_sqlite:
        if _is_memory(u):
            kwargs.setdefault("poolclass", StaticPool)
            kwargs.setdefault("connect_args", {"check_same_thread": False})
        else:
            Path(str(u.database)).expanduser().parent.mkdir(parents=True, exist_ok=True)
            kwargs.setdefault("connect_args", {"timeout": 30})
    try:
        engine = sa.create_engine(u, **kwargs)
    except Exception as exc:  # a missing driver or a bad option is a configuration problem
        raise ConfigError(f"cannot create a database engine for {u.render_as_string(hide_password=True)}: "
                          f"{exc}") from None
    if is_sqlite:
        memory = _is_memory(u)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if not memory:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

    return engine


@contextmanager
def _engine_for(url_or_engine: str | URL | Engine) -> Iterator[Engine]:
    if isinstance(url_or_engine, Engine):
        yield url_or_engine
        return
    engine = make_engine(url_or_engine)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def session_scope(url_or_engine: str | URL | Engine) -> Iterator[Session]:
    """A session in one transaction: committed when the block ends, rolled back on any exception.

    Parameters
    ----------
    url_or_engine : a registry URL (an engine is created and disposed around the block) or an engine.

    Objects stay usable after the commit (``expire_on_commit=False``).
    """
    with _engine_for(url_or_engine) as engine:
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        session = factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


def _alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _url_string(url_or_engine: str | URL | Engine) -> str:
    if isinstance(url_or_engine, Engine):
        return url_or_engine.url.render_as_string(hide_password=False)
    return make_url(url_or_engine).render_as_string(hide_password=False)


def _run(url_or_engine: str | URL | Engine, fn: Any, revision: str) -> str | None:
    """Run an Alembic command on one connection in one transaction (SQLite: foreign keys off meanwhile, so
    batch migrations can rebuild referenced tables; the result is checked with ``PRAGMA foreign_key_check``)."""
    url = _url_string(url_or_engine)
    cfg = _alembic_config(url)
    with _engine_for(url_or_engine) as engine, engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            cfg.attributes["connection"] = conn
            fn(cfg, revision)
            if sqlite:
                bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if bad:
                    conn.rollback()
                    raise ConfigError(f"migration to {revision} would break foreign keys: {bad[:5]}")
            conn.commit()
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_to_head(database_url: str | URL | Engine) -> str:
    """Create or migrate the registry schema to the latest revision; idempotent.

    Returns
    -------
    The revision id now current (the head).
    """
    rev = _run(database_url, command.upgrade, "head")
    if rev is None:  # pragma: no cover — alembic always stamps after an upgrade
        raise ConfigError("registry migration did not record a revision")
    return rev


def downgrade(database_url: str | URL | Engine, revision: str) -> str | None:
    """Migrate the registry schema down to ``revision`` (``"base"`` drops every registry table).

    Returns
    -------
    The revision id now current (None at base).
    """
    return _run(database_url, command.downgrade, revision)


def current_revision(database_url: str | URL | Engine) -> str | None:
    """The schema revision of the database, or None if it has never been migrated."""
    with _engine_for(database_url) as engine, engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """The newest schema revision shipped with this version of minegas."""
    head = ScriptDirectory.from_config(_alembic_config("sqlite://")).get_current_head()
    if head is None:  # pragma: no cover — the package always ships at least one revision
        raise ConfigError("no registry migrations found")
    return head


def is_initialised(database_url: str | URL) -> bool:
    """True if the database exists and is at the head revision (never creates a SQLite file)."""
    u = make_url(database_url)
    if u.get_backend_name() == "sqlite" and not _is_memory(u) and not Path(str(u.database)).expanduser().exists():
        return False
    return current_revision(u) == head_revision()
