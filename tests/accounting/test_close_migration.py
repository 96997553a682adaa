"""Migration 0003_close (period_close, restatement): up, down to 0002_store (close tables gone, store and registry
kept) and up again, on SQLite and PostgreSQL; the constraints that keep a closed record unique and restatements
numbered."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from minegas.registry import db
from minegas.registry.close_models import CLOSE_MODELS, PeriodCloseRecord, RestatementRecord
from minegas.registry.store_models import STORE_MODELS

CLOSE_TABLES = set(CLOSE_MODELS)


def _tables(url: str) -> set[str]:
    e = db.make_engine(url)
    try:
        return set(sa.inspect(e).get_table_names())
    finally:
        e.dispose()


def _frozen(**kw: object) -> dict[str, object]:
    base: dict[str, object] = dict(
        methodology_id="CN-NDRC-2015-COAL", methodology_version="2015", gwp_set="SAR", gwp_horizon=100,
        gap_rule="exclude", density_name="cn-2015", ref_state="0C", co2e_convention="gross",
        software_version="0.1.0", paramsets_json="[]", figures_json="{}", inputs_json="{}",
        figures_sha256="a" * 64, inputs_sha256="b" * 64, content_sha256="c" * 64)
    base.update(kw)
    return base


def _close_row(label: str = "2025-03") -> PeriodCloseRecord:
    t = datetime(2025, 3, 1, tzinfo=UTC)
    return PeriodCloseRecord(mine_code="990000000001", period_label=label, period_start=t,
                             period_end=datetime(2025, 4, 1, tzinfo=UTC), closed_by="v", closed_at=t, **_frozen())


def _up_down(url: str) -> None:
    db.upgrade_to_head(url)
    assert db.current_revision(url) == db.head_revision()
    assert CLOSE_TABLES <= _tables(url)
    db.downgrade(url, "0002_store")
    tables = _tables(url)
    assert not (CLOSE_TABLES & tables)
    assert set(STORE_MODELS) <= tables and {"mine", "point"} <= tables
    db.upgrade_to_head(url)
    assert CLOSE_TABLES <= _tables(url)


def _constraints(url: str) -> None:
    with db.session_scope(url) as s:
        row = _close_row()
        s.add(row)
        s.flush()
        s.add(RestatementRecord(close_id=row.id, restatement_no=1, restated_by="v",
                                restated_at=datetime(2025, 4, 2, tzinfo=UTC), reason="late data",
                                previous_sha256="c" * 64, diff_json="{}", **_frozen(content_sha256="d" * 64)))
    with pytest.raises(IntegrityError), db.session_scope(url) as s:     # one close per mine and period
        s.add(_close_row())
    with pytest.raises(IntegrityError), db.session_scope(url) as s:     # restatement numbers are unique
        cid = s.scalar(sa.select(PeriodCloseRecord.id))
        s.add(RestatementRecord(close_id=cid, restatement_no=1, restated_by="w", restated_at=datetime.now(UTC),
                                reason="again", previous_sha256="c" * 64, diff_json="{}", **_frozen()))
    with pytest.raises(IntegrityError), db.session_scope(url) as s:     # and start at 1
        cid = s.scalar(sa.select(PeriodCloseRecord.id))
        s.add(RestatementRecord(close_id=cid, restatement_no=0, restated_by="w", restated_at=datetime.now(UTC),
                                reason="zero", previous_sha256="c" * 64, diff_json="{}", **_frozen()))
    with pytest.raises(IntegrityError), db.session_scope(url) as s:     # no restatement of a missing close
        s.add(RestatementRecord(close_id=999, restatement_no=1, restated_by="w", restated_at=datetime.now(UTC),
                                reason="orphan", previous_sha256="c" * 64, diff_json="{}", **_frozen()))
    with pytest.raises(IntegrityError), db.session_scope(url) as s:     # known CO2e conventions only
        s.add(PeriodCloseRecord(mine_code="x", period_label="2025", period_start=datetime(2025, 1, 1, tzinfo=UTC),
                                period_end=datetime(2026, 1, 1, tzinfo=UTC), closed_by="v",
                                closed_at=datetime.now(UTC), **_frozen(co2e_convention="cheap")))
    with db.session_scope(url) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(RestatementRecord)) == 1
        r = s.scalars(sa.select(PeriodCloseRecord)).one()
        assert r.closed_at == datetime(2025, 3, 1, tzinfo=UTC) and r.closed_at.tzinfo is not None


def test_close_migration_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    _up_down(url)
    _constraints(url)


@pytest.mark.postgres
def test_close_migration_postgres(pg_url: str) -> None:
    _up_down(pg_url)
    _constraints(pg_url)
