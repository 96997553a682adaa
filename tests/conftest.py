"""Shared fixtures: isolated data homes and a throw-away PostgreSQL database per test session.

PostgreSQL tests use ``MINEGAS_TEST_PG_URL`` (set by ``make test`` from scripts/pg-test-server.sh). When it is
missing they are skipped locally, but **fail** in CI (``MINEGAS_CI=1``): the PostgreSQL tests are never skipped
in CI.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

IN_CI = os.environ.get("MINEGAS_CI") == "1"

# Property tests: no per-example deadline (shared CI machines stall); in CI the search is derandomized so a
# run is reproducible from the commit alone, while local runs keep exploring fresh examples and remember
# failures in .hypothesis/.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile("ci" if IN_CI else os.environ.get("HYPOTHESIS_PROFILE", "dev"))
DATA_DIR = Path(__file__).parent / "data"


@pytest.fixture
def minegas_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty data home; MINEGAS_HOME points at it and MINEGAS_DATABASE_URL is unset."""
    home = tmp_path / "home"
    monkeypatch.setenv("MINEGAS_HOME", str(home))
    monkeypatch.delenv("MINEGAS_DATABASE_URL", raising=False)
    return home


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """URL of the test PostgreSQL server's base database (skip locally / fail in CI when absent)."""
    url = os.environ.get("MINEGAS_TEST_PG_URL")
    if not url:
        msg = "MINEGAS_TEST_PG_URL is not set (run the tests through `make test`)"
        if IN_CI:
            pytest.fail(msg + " — PostgreSQL tests must run in CI")
        pytest.skip(msg)
    return url


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A brand-new, empty PostgreSQL database for one test; dropped afterwards."""
    import sqlalchemy as sa

    base = sa.engine.make_url(pg_server_url)
    name = f"minegas_t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        if IN_CI:
            pytest.fail(f"cannot create a PostgreSQL test database: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
