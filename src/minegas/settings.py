"""Where minegas keeps its data, from the environment.

- ``MINEGAS_HOME``: the data home (registry database + measurement store). Default:
  ``$XDG_DATA_HOME/minegas``, else ``~/.local/share/minegas``. ``make demo`` uses ``./var/demo``.
- ``MINEGAS_DATABASE_URL``: SQLAlchemy URL of the registry. Default: SQLite file ``<home>/registry.sqlite``.
  PostgreSQL: ``postgresql+psycopg://user:password@host:5432/dbname``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def default_home() -> Path:
    """The documented default data home when ``MINEGAS_HOME`` is not set."""
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "minegas"


@dataclass(frozen=True)
class Settings:
    """Resolved locations. Build with :func:`get_settings` (reads the environment each call)."""

    home: Path
    database_url: str

    @property
    def store_dir(self) -> Path:
        """Root of the Parquet measurement store."""
        return self.home / "store"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"


def get_settings(home: str | Path | None = None, database_url: str | None = None) -> Settings:
    """Resolve settings: explicit arguments, then environment variables, then defaults."""
    h = Path(home) if home is not None else Path(os.environ.get("MINEGAS_HOME") or default_home())
    h = h.expanduser().resolve()
    url = database_url or os.environ.get("MINEGAS_DATABASE_URL") or f"sqlite:///{h / 'registry.sqlite'}"
    return Settings(home=h, database_url=url)
