"""Alembic environment of the minegas registry.

Run programmatically by :mod:`minegas.registry.db` (``upgrade_to_head``, ``downgrade``), which passes an open
connection in ``config.attributes["connection"]``. Without one (e.g. the ``alembic`` command with a config whose
``sqlalchemy.url`` is set) an engine is made from that URL. ``render_as_batch`` is on for SQLite, whose
``ALTER TABLE`` cannot change columns or constraints in place.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from minegas.registry.models import Base

config = context.config
target_metadata = Base.metadata


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it (``alembic upgrade --sql``)."""
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=bool(url and url.startswith("sqlite")))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    from minegas.registry.db import make_engine

    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection and no sqlalchemy.url given to the minegas migrations")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            _configure_and_run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
