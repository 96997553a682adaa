"""Reader of minegas's own canonical monitoring shapes, CSV and Parquet (docs/formats.md §3).

**Long** (any quantity, any resolution — drainage, power and heat meters, oxidiser-outlet CH4 at 1 s):
columns ``point_code``, ``ts``, ``value`` and optionally ``status``, ``unit``, ``mine_code``.

**Wide** (one row per station and time): ``station_code``, ``ts``, ``ch4_pct``, one or more flow columns
whose name says the basis (``flow_m3_min`` = as the meter reports it, basis from the registry;
``flow_m3_min_work``, ``flow_nm3_min``, ``flow_m3_min_20c``), ``pressure_kpa``, ``temperature_c``, and
optionally ``cumulative_m3`` (or ``cumulative_m3_work``/``cumulative_nm3``/``cumulative_m3_20c``), ``status``,
``mine_code``. Each non-empty cell becomes one reading keyed by (``station_code``, ``quantity`` = column name)
with ``point_code`` null; the ingest step resolves the registry point. Empty cells mean "not measured" and
produce no reading.

CSV: UTF-8 (BOM allowed) or GB18030 (what Excel writes on Chinese Windows), comma-separated, standard double
quotes, one record per line, column names case-insensitive. Leading ``#`` lines may declare
``# mine: <code>`` and ``# timezone: Asia/Shanghai`` (or ``+08:00``). Parquet: the same columns, ``ts`` as a
timestamp with time zone (or text), the declarations as schema metadata keys ``mine`` and ``timezone``.

Times: ISO 8601 with offset (``2025-03-01T10:00:25+08:00``, ``…Z``); a time without offset is rejected
(field ``ts``) unless a time zone is declared (header line, metadata or the ``timezone`` argument). The mine
comes from the ``mine_code`` column, else the declaration, else the ``mine_code`` argument; a row whose
``mine_code`` differs from a declared mine is rejected.

Record numbers: CSV rows are numbered by their physical line (comment and header lines count); Parquet rows
1, 2, ….
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from minegas.errors import InputError, Problem
from minegas.measurements.readers import convert as cv
from minegas.measurements.readers.decode import BAD_CHAR, BOM, decode_text
from minegas.measurements.readers.schemas import READINGS, READINGS_SCHEMA, ParsedFile

LONG_REQUIRED = ("point_code", "ts", "value")
LONG_OPTIONAL = ("status", "unit", "mine_code")
WIDE_FLOWS = ("flow_m3_min", "flow_m3_min_work", "flow_nm3_min", "flow_m3_min_20c")
WIDE_CUMULATIVES = ("cumulative_m3", "cumulative_m3_work", "cumulative_nm3", "cumulative_m3_20c")
WIDE_REQUIRED = ("station_code", "ts", "ch4_pct", "pressure_kpa", "temperature_c")
WIDE_OPTIONAL = ("status", "mine_code", *WIDE_CUMULATIVES)
WIDE_QUANTITIES = ("ch4_pct", *WIDE_FLOWS, "pressure_kpa", "temperature_c", *WIDE_CUMULATIVES)
WIDE_UNITS: dict[str, str] = {
    "ch4_pct": "%", "flow_m3_min": "m3/min", "flow_m3_min_work": "m3/min (working)",
    "flow_nm3_min": "Nm3/min (0 °C, 101.325 kPa)", "flow_m3_min_20c": "m3/min (20 °C, 101.325 kPa)",
    "pressure_kpa": "kPa", "temperature_c": "°C", "cumulative_m3": "m3", "cumulative_m3_work": "m3 (working)",
    "cumulative_nm3": "Nm3 (0 °C, 101.325 kPa)", "cumulative_m3_20c": "m3 (20 °C, 101.325 kPa)",
}
"""``unit_raw`` of wide readings: the unit the column name declares (docs/conventions.md §1 and §5)."""

_META = re.compile(r"^#\s*([A-Za-z_]+)\s*:\s*(.*?)\s*$")
_FIX_TS = ("write ts with its UTC offset (2025-03-01T10:00:25+08:00), or declare the zone with a "
           "'# timezone: Asia/Shanghai' line (Parquet: metadata key 'timezone') or the timezone option")
FIELD_COUNT_LABEL = "字段数(field count)"


@dataclass
class _Context:
    name: str
    mine: str | None
    tz: cv.TimeZone | None
    meta: dict[str, str]


def _fatal(name: str, message: str, **where: object) -> InputError:
    return InputError(f"{name}: {message}", [Problem(message, file=name, **where)])  # type: ignore[arg-type]


def _context(name: str, meta: dict[str, str], mine_code: str | None, timezone: str | None,
             meta_line: dict[str, int]) -> _Context:
    """Resolve the declared mine and time zone (declaration vs argument must agree)."""
    mine = meta.get("mine") or None
    if mine and mine_code and mine != mine_code:
        raise _fatal(name, f"the file declares mine {mine}, but mine {mine_code} was asked for",
                     line=meta_line.get("mine"), field="mine", value=mine,
                     fix="ingest the file under its own mine")
    tz: cv.TimeZone | None = None
    for text, where in ((meta.get("timezone"), meta_line.get("timezone")), (timezone, None)):
        if not text:
            continue
        try:
            z = cv.parse_timezone(text)
        except ValueError as exc:
            raise _fatal(name, str(exc), line=where, field="timezone", value=text,
                         fix="use an IANA zone such as Asia/Shanghai or an offset such as +08:00") from None
        if tz is not None and not tz.same_as(z):
            raise _fatal(name, f"the file declares time zone {tz.name}, but {z.name} was asked for",
                         line=meta_line.get("timezone"), field="timezone", value=text,
                         fix="drop one of the two declarations")
        tz = tz or z
    return _Context(name, mine or mine_code, tz, meta)


def _shape(name: str, columns: list[str], header_line: int | None) -> str:
    cols = set(columns)
    if len(cols) != len(columns):
        dup = sorted({c for c in columns if columns.count(c) > 1})
        raise _fatal(name, f"duplicate columns {dup}", line=header_line, field="columns", value=",".join(columns),
                     fix="name every column once")
    if "point_code" in cols and "station_code" in cols:
        raise _fatal(name, "a file has either point_code (long) or station_code (wide), not both",
                     line=header_line, field="columns", value=",".join(columns),
                     fix="split the file into a long and a wide file")
    required: tuple[str, ...]
    if "point_code" in cols:
        kind, required, allowed = "long", LONG_REQUIRED, set(LONG_REQUIRED + LONG_OPTIONAL)
    elif "station_code" in cols:
        kind, required, allowed = "wide", WIDE_REQUIRED, set(WIDE_REQUIRED + WIDE_OPTIONAL + WIDE_FLOWS)
    else:
        raise _fatal(name, "no point_code (long) or station_code (wide) column", line=header_line,
                     field="columns", value=",".join(columns),
                     fix="long: point_code,ts,value[,status,unit,mine_code]; wide: station_code,ts,ch4_pct,"
                         "flow_m3_min,pressure_kpa,temperature_c[,cumulative_m3,status,mine_code]")
    missing = [c for c in required if c not in cols]
    if kind == "wide" and not cols & set(WIDE_FLOWS):
        missing.append("|".join(WIDE_FLOWS))
    unknown = [c for c in columns if c not in allowed]
    if missing or unknown:
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unknown {', '.join(unknown)}"] if unknown else [])
        raise _fatal(name, f"{kind} file: {'; '.join(parts)}", line=header_line, field="columns",
                     value=",".join(columns), fix=f"{kind} columns are {', '.join(sorted(allowed))}")
    return kind


# --- column conversions shared by CSV and Parquet ------------------------------------------------------------


def _is_text(col: cv.ArrowCol) -> bool:
    t = col.type
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_dictionary(t)
                or pa.types.is_null(t))


def _text(col: cv.ArrowCol) -> cv.ArrowCol:
    if not (pa.types.is_string(col.type)):
        col = pc.cast(col, pa.string())
    return cv.fill_empty(col)


def _ts(col: cv.ArrowCol, ctx: _Context, sink: cv.Sink) -> cv.ArrowCol:
    if pa.types.is_timestamp(col.type):
        if col.type.tz is None:
            if ctx.tz is None:
                raise _fatal(ctx.name, "column ts is a timestamp without time zone", field="ts", fix=_FIX_TS)
            naive = pc.cast(col, pa.timestamp("us"), safe=False)
            if isinstance(naive, pa.ChunkedArray):
                naive = naive.combine_chunks()
            out = ctx.tz.to_utc(naive)
        else:
            out = pc.cast(col, cv.TS, safe=False)
        sink.check(pc.is_null(out), field="ts", values=None,
                   message="the time is missing, or does not exist / is ambiguous in the declared zone", fix=_FIX_TS)
        return out
    if not _is_text(col):
        raise _fatal(ctx.name, f"column ts has type {col.type}; expected a timestamp or text", field="ts",
                     fix=_FIX_TS)
    text = _text(col)
    ts, no_zone, bad = cv.parse_iso(text, ctx.tz)
    sink.check(no_zone, field="ts", values=text, message="the time has no UTC offset and no time zone is declared",
               fix=_FIX_TS)
    sink.check(bad, field="ts", values=text, message="not an ISO 8601 time YYYY-MM-DDThh:mm[:ss[.ffffff]][±hh:mm]",
               fix=_FIX_TS)
    return ts


def _values(col: cv.ArrowCol, *, empty_mask: bool = False) -> tuple[cv.ArrowCol, cv.ArrowCol, cv.ArrowCol | None]:
    """(value, value_raw, 'cell is empty' mask if asked) for a text or numeric column."""
    if _is_text(col):
        text = _text(col)
        v, raw = cv.parse_values(text)
        return v, raw, (pc.equal(pc.utf8_trim_whitespace(text), "") if empty_mask else None)
    if not (pa.types.is_floating(col.type) or pa.types.is_integer(col.type) or pa.types.is_decimal(col.type)):
        raise TypeError(str(col.type))
    f = pc.cast(col, pa.float64())
    ok = pc.fill_null(pc.and_(pc.is_finite(f), pc.not_equal(f, cv.SENTINEL)), False)
    raw = pc.if_else(ok, pa.scalar(None, pa.string()), pc.fill_null(pc.cast(f, pa.string()), ""))
    return pc.if_else(ok, f, np.nan), raw, pc.is_null(col)


def _status(col: cv.ArrowCol | None, n: int, sink: cv.Sink) -> cv.ArrowCol:
    if col is None:
        return pa.repeat(pa.scalar(0, pa.uint16()), n)
    if _is_text(col):
        text = _text(col)
        st, bad = cv.parse_status(text, empty_is_zero=True)
        sink.check(bad, field="status", values=text, message="the status is not an integer 0–255 (KJ 测点状态 bitmask)",
                   fix="write the status as an integer 0–255, or leave it empty for 0")
        return st
    if not pa.types.is_integer(col.type):
        raise _fatal(sink.file, f"column status has type {col.type}; expected integers", field="status",
                     fix="write the status as an integer 0–255")
    v = pc.fill_null(pc.cast(col, pa.int64()), 0)
    bad = pc.or_(pc.less(v, 0), pc.greater(v, 255))
    sink.check(bad, field="status", values=v, message="the status is outside 0–255",
               fix="write the status as an integer 0–255")
    return pc.cast(pc.if_else(bad, 0, v), pa.uint16())


def _mines(col: cv.ArrowCol | None, n: int, ctx: _Context, sink: cv.Sink) -> cv.ArrowCol:
    if col is None:
        if ctx.mine is None:
            raise _fatal(ctx.name, "the mine is unknown", field="mine_code",
                         fix="add a mine_code column, a '# mine: <code>' line, or pass the mine code")
        return cv.constant(ctx.mine, n)
    m = cv.trim(_text(col))
    empty = pc.equal(m, "")
    if ctx.mine is None:
        sink.check(empty, field="mine_code", values=None, message="the mine code is empty",
                   fix="fill mine_code, or declare the mine with a '# mine: <code>' line")
        return m
    sink.check(pc.and_(pc.invert(empty), pc.not_equal(m, ctx.mine)), field="mine_code", values=m,
               message=f"the row's mine differs from the declared mine {ctx.mine}",
               fix="fix the row or the declaration")
    return pc.if_else(empty, ctx.mine, m)


def _build(kind: str, cols: dict[str, cv.ArrowCol], rec: np.ndarray, ctx: _Context, sink: cv.Sink) -> pa.Table:
    n = len(rec)
    rec_arr = pa.array(rec, pa.int32())
    mine = _mines(cols.get("mine_code"), n, ctx, sink)
    ts = _ts(cols["ts"], ctx, sink)
    status = _status(cols.get("status"), n, sink)
    if kind == "long":
        codes = cv.trim(_text(cols["point_code"]))
        sink.check(pc.equal(codes, ""), field="point_code", values=None, message="the point code is empty",
                   fix="every row needs a point_code")
        value, raw, _ = _values(cols["value"])
        unit = cv.null_if_empty(cv.trim(_text(cols["unit"]))) if "unit" in cols else pa.nulls(n, pa.string())
        nul = pa.nulls(n, pa.string())
        table = pa.Table.from_arrays([mine, codes, nul, nul, ts, value, raw, status, unit, nul, nul, rec_arr],
                                     schema=READINGS_SCHEMA)
        return sink.keep(table)
    stations = cv.trim(_text(cols["station_code"]))
    sink.check(pc.equal(stations, ""), field="station_code", values=None, message="the station code is empty",
               fix="every row needs a station_code")
    keep = pa.array(~sink.bad)
    parts: list[pa.Table] = []
    order: list[int] = []
    quantities = [q for q in WIDE_QUANTITIES if q in cols]
    for qi, q in enumerate(quantities):
        value, raw, empty = _values(cols[q], empty_mask=True)
        mask = pc.and_(keep, pc.invert(empty))
        nul = pa.nulls(n, pa.string())
        t = pa.Table.from_arrays([mine, nul, stations, cv.constant(q, n), ts, value, raw, status,
                                  cv.constant(WIDE_UNITS[q], n), nul, nul, rec_arr], schema=READINGS_SCHEMA)
        t = t.filter(mask)
        parts.append(t)
        order.extend([qi] * t.num_rows)
    table = pa.concat_tables(parts) if parts else READINGS_SCHEMA.empty_table()
    if table.num_rows:
        idx = np.lexsort((np.asarray(order), table.column("record_no").to_numpy()))
        table = table.take(pa.array(idx))
    return table


def _finish(fmt: str, kind: str, table: pa.Table, ctx: _Context, sink: cv.Sink, data: bytes, sha: cv.Sha256,
            partial: bool, encoding: str | None, n_records: int) -> ParsedFile:
    problems = sink.problems
    if problems and not partial:
        raise InputError(f"{ctx.name}: {sink.n_rejected} row(s) rejected, file not read "
                         f"(use partial mode to keep the good rows)", problems)
    mines = pc.unique(table.column("mine_code")).to_pylist() if table.num_rows else [ctx.mine]
    return ParsedFile(name=ctx.name, format=fmt, kind=kind, mine_code=mines[0] if len(mines) == 1 else None,
                      mine_name=None, file_time=None, name_time=None, header=dict(ctx.meta),
                      tables={READINGS: table}, problems=problems, n_bytes=len(data),
                      sha256=sha.hexdigest(), encoding=encoding, records_total=n_records,
                      records_rejected=sink.n_rejected)


# --- CSV ----------------------------------------------------------------------------------------------------


def _preamble(buf: bytes, name: str) -> tuple[dict[str, str], dict[str, int], list[str], int, int] | None:
    """(meta, meta line numbers, column names, header line number, body offset) from UTF-8 bytes; None if
    the leading lines are not valid UTF-8 or there is no header line.

    Raises
    ------
    InputError
        If the header line is not valid CSV.
    """
    meta: dict[str, str] = {}
    where: dict[str, int] = {}
    pos, line = 0, 0
    while pos < len(buf):
        nl = buf.find(b"\n", pos)
        end = len(buf) if nl < 0 else nl + 1
        line += 1
        try:
            text = buf[pos:end].decode("utf-8").strip()
        except UnicodeDecodeError:
            return None
        pos = end
        if not text:
            continue
        if text.startswith("#"):
            m = _META.match(text)
            if m:
                key = m.group(1).lower()
                meta[key] = m.group(2)
                where[key] = line
            continue
        try:
            names = next(csv.reader([text], strict=True))
        except csv.Error as exc:
            raise _fatal(name, f"the header line is not valid CSV ({exc})", line=line, field="columns",
                         value=cv.preview(text), fix="one line of comma-separated column names") from None
        return meta, where, [c.strip().lower() for c in names], line, pos
    return None


def _read_csv_strings(body: pa.Buffer, names: list[str]) -> pa.Table:
    """All columns as strings; a row with another field count raises ArrowInvalid (→ exact path)."""
    return pacsv.read_csv(
        pa.BufferReader(body),
        read_options=pacsv.ReadOptions(column_names=names, use_threads=True),
        parse_options=pacsv.ParseOptions(delimiter=",", quote_char='"', double_quote=True, escape_char=False,
                                         newlines_in_values=False, ignore_empty_lines=False),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                             strings_can_be_null=False, quoted_strings_can_be_null=False,
                                             check_utf8=True),
    )


def _exact_rows(text: str, names: list[str], first_line: int, name: str, bad_lines: set[int]
                ) -> tuple[dict[str, pa.Array], np.ndarray, list[Problem], int]:
    """Split the body line by line with the csv module (the slow, exact path)."""
    rows: list[list[str]] = []
    recs: list[int] = []
    problems: list[Problem] = []
    rejected = 0
    for k, line in enumerate(text.split("\n")):
        ln = first_line + k
        line = line.removesuffix("\r")
        if ln in bad_lines:
            problems.append(Problem("undecodable bytes (neither UTF-8 nor GB18030)", file=name, line=ln,
                                    field="encoding", value=cv.preview(BAD_CHAR.sub("?", line)),
                                    fix="save the file as UTF-8"))
            rejected += 1
            continue
        if not line.strip():
            continue
        try:
            fields = next(csv.reader([line], strict=True))
        except (csv.Error, StopIteration) as exc:
            problems.append(Problem(f"bad CSV quoting ({exc})", file=name, line=ln, field=FIELD_COUNT_LABEL,
                                    value=cv.preview(line), fix="quote fields with \"…\" and double inner quotes"))
            rejected += 1
            continue
        if len(fields) != len(names):
            if all(not f.strip() for f in fields):
                continue
            problems.append(Problem(f"the row has {len(fields)} fields, the header {len(names)}", file=name,
                                    line=ln, field=FIELD_COUNT_LABEL, value=cv.preview(line),
                                    fix="every row has one value per header column (empty allowed)"))
            rejected += 1
            continue
        rows.append(fields)
        recs.append(ln)
    cols = {n: pa.array([r[j] for r in rows], pa.string()) for j, n in enumerate(names)}
    return cols, np.asarray(recs, dtype=np.int32), problems, rejected


def read_canonical_csv(data: bytes, name: str, *, partial: bool = False, timezone: str | None = None,
                       mine_code: str | None = None) -> ParsedFile:
    """Read a canonical long or wide CSV file (see the module docstring and docs/formats.md §3).

    Parameters
    ----------
    data, name : raw bytes and file name (for problems).
    partial : keep the good rows and list the problems instead of raising.
    timezone : zone of times written without offset (must agree with a ``# timezone:`` line).
    mine_code : mine of rows without ``mine_code`` (must agree with a ``# mine:`` line).

    Returns
    -------
    ParsedFile
        kind ``long`` or ``wide``; ``readings`` table.

    Raises
    ------
    InputError
        Bad header or declarations (always), bad rows (unless ``partial``).
    """
    sha = cv.Sha256(data)
    bom = data.startswith(BOM)
    buf = data[len(BOM):] if bom else data
    encoding = "utf-8-sig" if bom else "utf-8"
    pre = _preamble(buf, name)
    table = None
    if pre is not None:
        meta, where, names, header_line, off = pre
        if buf.find(b"\r", off) >= 0 and buf.count(b"\r", off) != buf.count(b"\r\n", off):
            table = None        # a lone CR: pyarrow would end a row there; the exact path reports it
        else:
            try:
                table = _read_csv_strings(pa.py_buffer(buf).slice(off), names) if off < len(buf) else None
                if table is None:
                    table = pa.table({n: pa.array([], pa.string()) for n in names})
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                table = None
    bad_lines: set[int] = set()
    text = None
    if table is None:
        dec = decode_text(data)
        encoding = dec.encoding
        text = dec.text
        if dec.n_bad:
            bad_lines = {text.count("\n", 0, m.start()) + 1 for m in BAD_CHAR.finditer(text)}
        pre = _preamble(BAD_CHAR.sub("\ufffd", text).encode("utf-8"), name)
        if pre is None:
            raise _fatal(name, "no header line (column names)", line=1, field="columns",
                         fix="the first line that is not a '#' comment names the columns")
        meta, where, names, header_line, off = pre
        if header_line in bad_lines or any(ln in bad_lines for ln in where.values()):
            raise _fatal(name, "undecodable bytes in the header", line=header_line, field="encoding",
                         fix="save the file as UTF-8")
    kind = _shape(name, names, header_line)
    ctx = _context(name, meta, mine_code, timezone, where)
    if text is None:
        assert table is not None
        rec = np.arange(header_line + 1, header_line + 1 + table.num_rows, dtype=np.int32)
        cols: dict[str, cv.ArrowCol] = {n: table.column(n) for n in names}
        # an empty line is read as a row of empty strings (a line of blanks has the wrong field count and
        # takes the exact path): drop those rows silently
        if table.num_rows and pc.any(pc.equal(cols[names[0]], "")).as_py():
            blank = pc.equal(cols[names[0]], "")
            for n in names[1:]:
                blank = pc.and_(blank, pc.equal(cols[n], ""))
            mask = ~cv.to_numpy_bool(blank)
            rec = rec[mask]
            cols = {n: pc.filter(c, pa.array(mask)) for n, c in cols.items()}
        pre_problems: list[Problem] = []
        pre_rejected = 0
    else:
        body_start = header_line + 1
        body = text.split("\n", header_line)[-1] if text.count("\n") >= header_line else ""
        cols_exact, rec, pre_problems, pre_rejected = _exact_rows(body, names, body_start, name, bad_lines)
        cols = dict(cols_exact)
    sink = cv.Sink(name, rec)
    for p in pre_problems:
        sink.add(p, rejects_record=False)
    sink.extra_rejected = pre_rejected
    out = _build(kind, cols, rec, ctx, sink)
    return _finish("csv", kind, out, ctx, sink, data, sha, partial, encoding, len(rec) + pre_rejected)


# --- Parquet ------------------------------------------------------------------------------------------------


def read_canonical_parquet(data: bytes, name: str, *, partial: bool = False, timezone: str | None = None,
                           mine_code: str | None = None) -> ParsedFile:
    """Read a canonical long or wide Parquet file (same columns as CSV; ``ts`` a timestamp with zone or text;
    declarations as schema metadata ``mine`` and ``timezone``). Parameters as :func:`read_canonical_csv`.

    Timestamps finer than 1 µs are truncated to µs.
    """
    sha = cv.Sha256(data)
    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError, UnicodeDecodeError, ValueError) as exc:
        raise _fatal(name, f"not a readable Parquet file ({exc})", field="file",
                     fix="write the file with a Parquet library, or use CSV") from None
    try:
        meta_raw = table.schema.metadata or {}
        meta: dict[str, str] = {}
        for k, v in meta_raw.items():
            key = k.decode("utf-8", "replace").lower()
            if key in ("mine", "timezone"):
                meta[key] = v.decode("utf-8", "replace").strip()
        names = [c.strip().lower() for c in table.column_names]
        kind = _shape(name, names, None)
        ctx = _context(name, meta, mine_code, timezone, {})
        rec = np.arange(1, table.num_rows + 1, dtype=np.int32)
        sink = cv.Sink(name, rec)
        cols = {n: table.column(i) for i, n in enumerate(names)}
        for n, c in cols.items():
            if pa.types.is_dictionary(c.type):
                cols[n] = pc.cast(c, c.type.value_type)
        out = _build(kind, cols, rec, ctx, sink)
    except TypeError as exc:
        raise _fatal(name, f"a value column has type {exc}; expected numbers or text", field="value",
                     fix="store values as float64 (or text)") from None
    except (pa.ArrowException, UnicodeDecodeError, ValueError) as exc:
        raise _fatal(name, f"the Parquet file cannot be converted ({exc})", field="file",
                     fix="write the columns with the documented names and types (docs/formats.md §3)") from None
    return _finish("parquet", kind, out, ctx, sink, data, sha, partial, None, table.num_rows)
