"""The registry: regions, enterprises, mines, measurement stations, monitoring points and their configurations,
utilization units, the gas network, coal production and meter calibrations (SQLAlchemy 2 + Alembic).

- :mod:`minegas.registry.db` — engines, sessions, migrations (``upgrade_to_head``, ``downgrade``,
  ``current_revision``, ``make_engine``, ``session_scope``).
- :mod:`minegas.registry.models` — the tables.
- :mod:`minegas.registry.vocab` — enumerations and the unit table.
- :mod:`minegas.registry.importer` / :mod:`minegas.registry.exporter` — CSV / Excel import (upsert) and export.
- :mod:`minegas.registry.repository` — the read API other modules use (plain dataclasses and Arrow tables).

File formats and schema: docs/registry.md.
"""
