"""The data home: registry database + measurement store, created by ``minegas init``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import make_url

from minegas.settings import Settings, get_settings


def init_home(settings: Settings | None = None) -> dict[str, Any]:
    """Create the data home, migrate the registry to the latest schema, create the store folders.

    Idempotent: running it again on an initialised home changes nothing.
    """
    from minegas.registry.db import upgrade_to_head

    s = settings or get_settings()
    s.home.mkdir(parents=True, exist_ok=True)
    s.store_dir.mkdir(parents=True, exist_ok=True)
    rev = upgrade_to_head(s.database_url)
    return {
        "home": s.home,
        "database_url_redacted": make_url(s.database_url).render_as_string(hide_password=True),
        "store_dir": s.store_dir,
        "schema_revision": rev,
    }
