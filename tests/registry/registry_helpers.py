"""Helpers of the registry tests: CSV edits and database snapshots."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import sqlalchemy as sa

from minegas.registry import db
from minegas.registry.importer import TABLES

REGISTRY_DATA = Path(__file__).resolve().parent.parent / "data" / "registry"
MINE = "990000000001"


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def set_cell(path: Path, line: int, column: str, value: str) -> None:
    """Set one cell of a CSV file (``line`` is the 1-based file line; the header is line 1)."""
    rows = read_rows(path)
    rows[line - 1][rows[0].index(column)] = value
    write_rows(path, rows)


def append_row(path: Path, values: dict[str, str]) -> int:
    """Append a row (columns not given stay empty); returns its line number."""
    rows = read_rows(path)
    rows.append([values.get(c, "") for c in rows[0]])
    write_rows(path, rows)
    return len(rows)


def drop_column(path: Path, column: str) -> None:
    rows = read_rows(path)
    i = rows[0].index(column)
    write_rows(path, [r[:i] + r[i + 1:] for r in rows])


def row_counts(url_or_engine: str | sa.Engine) -> dict[str, int]:
    """Rows per registry table."""
    e = url_or_engine if isinstance(url_or_engine, sa.Engine) else db.make_engine(url_or_engine)
    try:
        with e.connect() as c:
            return {t.name: c.execute(sa.select(sa.func.count()).select_from(t.model.__table__)).scalar_one()
                    for t in TABLES}
    finally:
        if not isinstance(url_or_engine, sa.Engine):
            e.dispose()


def snapshot(url_or_engine: str | sa.Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every stored row of every table, including ids and time stamps (to prove nothing changed)."""
    e = url_or_engine if isinstance(url_or_engine, sa.Engine) else db.make_engine(url_or_engine)
    try:
        with e.connect() as c:
            return {t.name: [tuple(r) for r in c.execute(sa.select(t.model.__table__).order_by(sa.text("id")))]
                    for t in TABLES}
    finally:
        if not isinstance(url_or_engine, sa.Engine):
            e.dispose()
