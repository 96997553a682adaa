"""Export the registry in the shapes the importer reads: a folder of CSV files or one .xlsx workbook.

Rows are sorted by natural key and values written canonically (numbers without exponent or trailing zeros,
date-times ISO 8601 in China Standard Time with ``+08:00``, booleans ``true``/``false``), so that
export → import into an empty database → export gives byte-identical CSV files.
CSV files are UTF-8 with BOM (so Excel opens the Chinese text correctly). Every file is written to a temporary
file and moved into place (``os.replace``).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from minegas.errors import InputError, Problem
from minegas.periods import CST
from minegas.registry.importer import TABLES, TableSpec, key_of, record_of


def format_value(v: Any) -> str:
    """Canonical text of a value in an export file (empty string for null)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return np.format_float_positional(v, trim="-")
    if isinstance(v, datetime):
        return v.astimezone(CST).isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def _sort_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((0, "") if v is None else (1, v) for v in key)


def table_records(session: Session, spec: TableSpec, keys: dict[Any, Any] | None = None) -> list[dict[str, Any]]:
    """Records of one table, file-shaped (codes instead of ids), sorted by natural key.

    ``keys`` caches natural keys of referenced rows across calls (see :func:`record_of`).
    """
    objs = session.scalars(sa.select(spec.model)).all()
    keys = {} if keys is None else keys
    recs = [record_of(spec, o, keys) for o in objs]
    recs.sort(key=lambda r: _sort_key(key_of(spec, r)))
    return recs


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def csv_bytes(spec: TableSpec, records: list[dict[str, Any]]) -> bytes:
    """One table as CSV bytes (UTF-8 with BOM, CRLF line ends, header = column names)."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(spec.column_names)
    for r in records:
        w.writerow([format_value(r[c]) for c in spec.column_names])
    return buf.getvalue().encode("utf-8-sig")


def export_registry(session: Session, out: str | Path) -> list[Path]:
    """Write every registry table to ``out``: a folder (one CSV per table) or a ``.xlsx`` workbook.

    Returns
    -------
    The files written.

    Raises
    ------
    InputError
        If ``out`` is an existing file that is not an .xlsx workbook.
    """
    target = Path(out)
    if target.suffix.lower() == ".xlsx":
        _write_xlsx(session, target)
        return [target]
    if target.exists() and not target.is_dir():
        raise InputError("cannot export there", [Problem("exists and is not a folder", file=str(target),
                                                         fix="give a folder, or a file name ending in .xlsx")])
    written = []
    keys: dict[Any, Any] = {}
    for spec in TABLES:
        p = target / f"{spec.file}.csv"
        _atomic_write(p, csv_bytes(spec, table_records(session, spec, keys)))
        written.append(p)
    return written


def _write_xlsx(session: Session, target: Path) -> None:
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    keys: dict[Any, Any] = {}
    for spec in TABLES:
        ws = wb.create_sheet(spec.file)
        ws.append(list(spec.column_names))
        for cell in ws[1]:
            cell.font = bold
        kinds = [c.kind for c in spec.columns]
        for r in table_records(session, spec, keys):
            row: list[Any] = []
            for c, kind in zip(spec.column_names, kinds, strict=True):
                v = r[c]
                if v is None:
                    row.append(None)
                elif kind in ("float", "bool", "date"):
                    row.append(v)  # numbers, booleans and dates as native Excel cells
                else:
                    row.append(format_value(v))  # codes, date-times with offset, months: text
            ws.append(row)
        for j, (name, kind) in enumerate(zip(spec.column_names, kinds, strict=True), start=1):
            letter = ws.cell(row=1, column=j).column_letter
            ws.column_dimensions[letter].width = max(10, min(40, len(name) + 4))
            fmt = "yyyy-mm-dd" if kind == "date" else ("General" if kind in ("float", "bool") else "@")
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = fmt
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    _atomic_write(target, buf.getvalue())
