"""Readers of monitoring files: pure parsing from bytes to Arrow tables (docs/formats.md).

Formats:

- KJ networking text files ``<mine>_<TYPE>_<yyyyMMddHHmmss>.txt`` (MT/T 1201.1-style; CDDY, CDSS, TJSJ,
  YCBJ, FZDY, FZSS) — :mod:`.kj`;
- Shanxi DB14/T 671.1 XML (AQMC, AQSS) — :mod:`.db14`;
- minegas canonical long/wide CSV and Parquet — :mod:`.canonical`.

All readers return a :class:`~.schemas.ParsedFile` whose tables follow the schemas in :mod:`.schemas`
(:data:`READINGS_SCHEMA` for every reading). Readers never write anything; the store and the ``ingest``
command build on them.
"""

from __future__ import annotations

from pathlib import Path

from minegas.errors import InputError, Problem
from minegas.measurements.readers.canonical import read_canonical_csv, read_canonical_parquet
from minegas.measurements.readers.db14 import read_db14
from minegas.measurements.readers.kj import NAME_RE as KJ_NAME_RE
from minegas.measurements.readers.kj import dedup_events, parse_kj_name, read_kj
from minegas.measurements.readers.schemas import (
    EVENTS,
    EVENTS_SCHEMA,
    POINT_DEFS,
    POINT_DEFS_SCHEMA,
    READINGS,
    READINGS_SCHEMA,
    STATS,
    STATS_SCHEMA,
    SUBSTATION_DEFS,
    SUBSTATION_DEFS_SCHEMA,
    SUBSTATION_STATUS,
    SUBSTATION_STATUS_SCHEMA,
    TABLE_SCHEMAS,
    ParsedFile,
)

__all__ = [
    "EVENTS", "EVENTS_SCHEMA", "POINT_DEFS", "POINT_DEFS_SCHEMA", "READINGS", "READINGS_SCHEMA", "STATS",
    "STATS_SCHEMA", "SUBSTATION_DEFS", "SUBSTATION_DEFS_SCHEMA", "SUBSTATION_STATUS", "SUBSTATION_STATUS_SCHEMA",
    "TABLE_SCHEMAS", "ParsedFile", "dedup_events", "detect_format", "parse_kj_name", "read_bytes",
    "read_canonical_csv", "read_canonical_parquet", "read_db14", "read_kj", "read_path",
]

PARQUET_MAGIC = b"PAR1"


def detect_format(data: bytes, name: str) -> str:
    """Which reader handles a file: ``kj``, ``db14``, ``csv`` or ``parquet``.

    By name first (the KJ name pattern; ``.xml``; ``.csv``; ``.parquet``/``.pq``), then by content (Parquet
    magic bytes, an XML start, a CSV header naming ``point_code`` or ``station_code``).

    Raises
    ------
    InputError
        When nothing fits — including a KJ-looking file whose name does not follow
        ``<mine>_<TYPE>_<yyyyMMddHHmmss>.txt`` (the name carries the file type).
    """
    if KJ_NAME_RE.match(name):
        return "kj"
    suffix = Path(name).suffix.lower()
    if suffix == ".xml":
        return "db14"
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if data[:4] == PARQUET_MAGIC:
        return "parquet"
    if head.startswith(b"<?xml") or head.startswith(b"<root"):
        return "db14"
    first = b""
    for line in head.splitlines():
        if line.strip() and not line.lstrip().startswith(b"#"):
            first = line.lower()
            break
    if b"," in first and (b"point_code" in first or b"station_code" in first):
        return "csv"
    if b"~" in head and b";" in head:
        raise InputError(f"{name}: looks like a KJ networking file but the name does not say its type", [Problem(
            "KJ file names carry the mine code, the file type and the time", file=name, field="文件名(file name)",
            value=name, fix="rename it <煤矿编码>_<TYPE>_<yyyyMMddHHmmss>.txt, e.g. "
                            "990000000001_CDSS_20250301100030.txt")])
    raise InputError(f"{name}: unknown file format", [Problem(
        "not a KJ networking file, DB14 XML, canonical CSV or Parquet", file=name, field="format",
        fix="see docs/formats.md for the accepted formats")])


def read_bytes(data: bytes, name: str, *, partial: bool = False, timezone: str | None = None,
               mine_code: str | None = None) -> ParsedFile:
    """Parse ``data`` (the content of a file called ``name``) with the right reader.

    Parameters
    ----------
    data : raw bytes.
    name : the file's base name (decides KJ types; appears in problems).
    partial : keep the good records and return the problems instead of raising (``ingest --partial``).
        File-level problems (name, header, declarations, unreadable structure) always raise.
    timezone : zone for times without offset (canonical files); KJ/DB14 files are Beijing time and only
        accept an equivalent zone.
    mine_code : the expected mine (KJ/DB14: must match the header; canonical: default for rows without
        ``mine_code``).

    Returns
    -------
    ParsedFile

    Raises
    ------
    InputError
        Every rejection, located (file, record/line, field, raw value, fix).
    """
    fmt = detect_format(data, name)
    if fmt == "kj":
        return read_kj(data, name, partial=partial, mine_code=mine_code, timezone=timezone)
    if fmt == "db14":
        return read_db14(data, name, partial=partial, mine_code=mine_code, timezone=timezone)
    if fmt == "csv":
        return read_canonical_csv(data, name, partial=partial, timezone=timezone, mine_code=mine_code)
    return read_canonical_parquet(data, name, partial=partial, timezone=timezone, mine_code=mine_code)


def read_path(path: str | Path, *, partial: bool = False, timezone: str | None = None,
              mine_code: str | None = None) -> ParsedFile:
    """Read one monitoring file from disk (see :func:`read_bytes`); problems name the file's base name.

    Raises
    ------
    InputError
        As :func:`read_bytes`; also when the path is not a readable file.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{p}: cannot read", [Problem(f"cannot read the file ({exc.strerror})", file=str(p),
                                                       fix="check the path and permissions")]) from None
    return read_bytes(data, p.name, partial=partial, timezone=timezone, mine_code=mine_code)
