"""Reader of the legacy Shanxi DB14/T 671.1-2012 XML files (docs/formats.md §2).

Shape (research note china-monitoring-formats §3.8 and sample §6.6)::

    <root code="DB14/T 671.1-2012"><head cs_mine_code="…" cs_data_time="yyyy-MM-dd HH:mm:ss"/>
      <data ss_station_code="…" ss_transducer_code="…" …/> …</root>

Supported tables: **AQMC** (模拟量定义, analog point definitions → ``point_defs``; attribute set confirmed by a
real sample) and **AQSS** (30 s real-time values → ``readings``; attribute set from a table definition,
inferred). The kind is told by the ``data`` attributes (and must agree with an ``AQMC``/``AQSS`` token in the
file name, if there is one). AQCS, AQKJ, AQFZ and AQKC are rejected as unsupported: their attribute sets
were not available to us.

Times (``cs_data_time``) are Beijing time → UTC. AQSS rows carry no time of their own: every row gets the
head's time. ``ss_transducer_state`` goes to ``kj_status``; that DB14 state codes use the MT/T 1201.1 bitmask
is **unverified**. DB14 writes ``0.00`` for thresholds that are not set (research note §3.1); the reader keeps
the 0.0 (it does not guess), so QA must treat DB14 zero thresholds as "possibly not set".

Safety: parsed with the standard library's ``xml.etree`` (defusedxml is not available); any ``DOCTYPE`` or
``ENTITY`` declaration is rejected before parsing, which rules out entity-expansion and external-entity
attacks. Record numbers: head = record 0, the *n*-th ``data`` element = record *n*; XML syntax errors report
the text line in ``Problem.line``.
"""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minegas.errors import InputError, Problem
from minegas.measurements.readers import convert as cv
from minegas.measurements.readers.decode import decode_text
from minegas.measurements.readers.schemas import (
    POINT_DEFS,
    POINT_DEFS_SCHEMA,
    READINGS,
    READINGS_SCHEMA,
    RELATION_TYPE,
    ParsedFile,
)

AQMC_ATTRS: dict[str, str] = {
    "ss_station_code": "station_code", "ss_transducer_code": "point_code",
    "ss_transducer_type": "sensor_type_code", "ss_transducer_name": "sensor_name",
    "ss_analog_unit": "unit_raw", "ss_transducer_point": "location", "ss_gisnode_code": "gis_node_code",
    "ss_analog_lower": "range_low", "ss_analog_high": "range_high", "ss_analog_alarmlow": "alarm_low",
    "ss_analog_alarmhigh": "alarm_high", "ss_analog_pofflow": "cut_low", "ss_analog_poffhigh": "cut_high",
    "ss_analog_ponlow": "restore_low", "ss_analog_ponhigh": "restore_high",
    "ss_poffarea_code": "power_cut_area_code",
}
"""AQMC attribute → POINT_DEFS column (research note §3.8)."""

AQSS_ATTRS = ("ss_station_code", "ss_transducer_code", "ss_analog_value", "ss_switching_value",
              "ss_transducer_state")
"""AQSS attributes (research note §3.8, from a Hive table definition)."""

AQMC_NUMBERS = ("range_low", "range_high", "alarm_low", "alarm_high", "cut_low", "cut_high", "restore_low",
                "restore_high")
UNSUPPORTED = ("AQCS", "AQKJ", "AQFZ", "AQKC")
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_FIX_TIME = "write cs_data_time as yyyy-MM-dd HH:mm:ss (Beijing time)"


def _reject(name: str, message: str, **where: object) -> InputError:
    return InputError(f"{name}: {message}", [Problem(message, file=name, **where)])  # type: ignore[arg-type]


def _kind_from_name(name: str) -> str | None:
    tokens = set(re.split(r"[^A-Za-z]+", name.upper()))
    for k in ("AQMC", "AQSS", *UNSUPPORTED):
        if k in tokens:
            return k
    return None


def read_db14(data: bytes, name: str, *, partial: bool = False, mine_code: str | None = None,
              timezone: str | None = None) -> ParsedFile:
    """Read one DB14/T 671.1 XML file (AQMC or AQSS).

    Parameters
    ----------
    data, name : raw bytes and file name (used in problems; may name the table, e.g. ``…_AQSS_….xml``).
    partial : keep the good ``data`` elements and list the problems instead of raising.
    mine_code : when given, ``cs_mine_code`` must equal it.
    timezone : DB14 times are Beijing time; a different declared zone is rejected.

    Returns
    -------
    ParsedFile
        ``point_defs`` (AQMC) or ``readings`` (AQSS).

    Raises
    ------
    InputError
        Not well-formed XML, a DOCTYPE/ENTITY, no head, bad head time, unsupported table, and — unless
        ``partial`` — bad ``data`` elements.
    """
    if timezone is not None:
        try:
            tz = cv.parse_timezone(timezone)
        except ValueError as exc:
            raise _reject(name, str(exc), field="timezone", value=timezone) from None
        if not tz.same_as(cv.BEIJING):
            raise _reject(name, f"DB14 files are Beijing time; {timezone!r} was declared", field="timezone",
                          value=timezone, fix="do not pass a time zone for DB14 files")
    dec = decode_text(data)
    if dec.n_bad:
        off = dec.bad[0][1]
        raise _reject(name, f"undecodable bytes at byte offset {off} (neither UTF-8 nor GB18030)",
                      field="encoding", fix="re-export the file as UTF-8")
    text = dec.text
    if _DTD.search(text):
        raise _reject(name, "DOCTYPE/ENTITY declarations are not accepted in DB14 files", field="XML",
                      fix="remove the DOCTYPE; DB14 files do not use one")
    body = _DECL.sub("", text, count=1)
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        line, col = exc.position
        raise _reject(name, f"not well-formed XML (line {line}, column {col})", line=line, field="XML",
                      fix="re-export the file; check that it is complete") from None
    if root.tag != "root":
        raise _reject(name, f"the root element is <{root.tag}>, expected <root>", line=0, field="root",
                      value=root.tag, fix="this is not a DB14/T 671.1 file")
    head = root.find("head")
    if head is None:
        raise _reject(name, "no <head> element", line=0, field="head", fix="DB14 files start with <head .../>")
    mine = (head.get("cs_mine_code") or "").strip()
    if not mine:
        raise _reject(name, "the head has no cs_mine_code", line=0, field="cs_mine_code", value=mine,
                      fix="write the mine code in <head cs_mine_code=...>")
    if mine_code is not None and mine != mine_code:
        raise _reject(name, f"the file is for mine {mine}, but mine {mine_code} was asked for", line=0,
                      field="cs_mine_code", value=mine, fix="ingest the file under its own mine")
    t_raw = head.get("cs_data_time") or ""
    t = cv.parse_beijing_scalar(t_raw)
    if t is None:
        raise _reject(name, "cs_data_time is not yyyy-MM-dd HH:mm:ss", line=0, field="cs_data_time",
                      value=t_raw, fix=_FIX_TIME)
    file_time = t.as_py()
    rows = root.findall("data")
    attrs = set().union(*(r.attrib for r in rows)) if rows else set()
    by_content = "AQSS" if attrs & {"ss_analog_value", "ss_switching_value", "ss_transducer_state"} else (
        "AQMC" if attrs & {"ss_transducer_type", "ss_analog_high", "ss_analog_lower"} else None)
    by_name = _kind_from_name(name)
    if by_name in UNSUPPORTED:
        raise _reject(name, f"DB14 table {by_name} is not supported (only AQMC and AQSS)", field="table",
                      value=by_name, fix="ingest the AQMC and AQSS files")
    if by_content and by_name and by_content != by_name:
        raise _reject(name, f"the file name says {by_name} but the data are {by_content}", field="table",
                      value=by_name, fix="rename the file or re-export it")
    kind = by_content or by_name
    if kind is None:
        raise _reject(name, "cannot tell the DB14 table (AQMC or AQSS) from the data or the file name",
                      field="table", fix="put AQMC or AQSS in the file name")
    header = {f"root.{k}": v for k, v in root.attrib.items()} | {f"head.{k}": v for k, v in head.attrib.items()}
    rec = np.arange(1, len(rows) + 1, dtype=np.int32)
    sink = cv.Sink(name, rec)
    if kind == "AQSS":
        table, tname = _aqss(rows, rec, sink, mine, file_time), READINGS
    else:
        table, tname = _aqmc(rows, rec, sink, mine, file_time), POINT_DEFS
    table = sink.keep(table)
    problems = sink.problems
    if problems and not partial:
        raise InputError(f"{name}: {sink.n_rejected} data element(s) rejected, file not read", problems)
    return ParsedFile(name=name, format="db14", kind=kind, mine_code=mine, mine_name=None, file_time=file_time,
                      name_time=None, header=header, tables={tname: table}, problems=problems,
                      n_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), encoding=dec.encoding,
                      records_total=len(rows), records_rejected=sink.n_rejected)


def _col(rows: list[ET.Element], attr: str) -> pa.Array:
    return pa.array([r.get(attr, "") for r in rows], pa.string())


def _aqss(rows: list[ET.Element], rec: np.ndarray, sink: cv.Sink, mine: str, file_time: object) -> pa.Table:
    n = len(rows)
    codes = cv.trim(_col(rows, "ss_transducer_code"))
    sink.check(pc.equal(codes, ""), field="ss_transducer_code", values=None, message="the point code is empty",
               fix="every data element needs ss_transducer_code")
    analog, switching = _col(rows, "ss_analog_value"), _col(rows, "ss_switching_value")
    raw = pc.if_else(pc.equal(pc.utf8_trim_whitespace(analog), ""), switching, analog)
    value, value_raw = cv.parse_values(raw)
    state = _col(rows, "ss_transducer_state")
    status, bad = cv.parse_status(state)
    sink.check(bad, field="ss_transducer_state", values=state, message="the state is not an integer 0–255",
               fix="write ss_transducer_state as an integer")
    ts = pa.repeat(pa.scalar(file_time, cv.TS), n)
    return pa.Table.from_arrays([
        cv.constant(mine, n), codes, cv.null_if_empty(cv.trim(_col(rows, "ss_station_code"))),
        pa.nulls(n, pa.string()), ts, value, value_raw, status, pa.nulls(n, pa.string()),
        pa.nulls(n, pa.string()), pa.nulls(n, pa.string()), pa.array(rec, pa.int32()),
    ], schema=READINGS_SCHEMA)


def _aqmc(rows: list[ET.Element], rec: np.ndarray, sink: cv.Sink, mine: str, file_time: object) -> pa.Table:
    n = len(rows)
    cols: dict[str, pa.Array] = {}
    raws: dict[str, pa.Array] = {}
    for attr, key in AQMC_ATTRS.items():
        a = _col(rows, attr)
        if key in AQMC_NUMBERS:
            v, raw = cv.parse_optional_numbers(a)
            cols[key], raws[key] = v, raw
        elif key in ("station_code", "point_code", "sensor_type_code", "gis_node_code", "power_cut_area_code",
                     "unit_raw"):
            cols[key] = cv.null_if_empty(cv.trim(a))
        else:
            cols[key] = cv.null_if_empty(a)
    codes = cv.fill_empty(cols["point_code"])
    sink.check(pc.equal(codes, ""), field="ss_transducer_code", values=None, message="the point code is empty",
               fix="every data element needs ss_transducer_code")
    unknown: list[str | None] = []
    for r in rows:
        extra = {k: v for k, v in r.attrib.items() if k not in AQMC_ATTRS}
        unknown.append(json.dumps(extra, ensure_ascii=False, sort_keys=True) if extra else None)
    extra_col = _merge_json(pa.array(unknown, pa.string()), raws, n)
    full = {
        "mine_code": cv.constant(mine, n), "point_code": codes, "system_code": pa.nulls(n, pa.string()),
        "value_type": cv.constant("MN", n),
        "alarm_high_release": pa.nulls(n, pa.float64()), "alarm_low_release": pa.nulls(n, pa.float64()),
        "open_desc": pa.nulls(n, pa.string()), "stop_desc": pa.nulls(n, pa.string()),
        "x": pa.nulls(n, pa.float64()), "y": pa.nulls(n, pa.float64()), "z": pa.nulls(n, pa.float64()),
        "relations_raw": pa.nulls(n, pa.string()), "relations": pa.array([[] for _ in range(n)], RELATION_TYPE),
        "def_ts": pa.repeat(pa.scalar(file_time, cv.TS), n), "raw_extra": extra_col,
        "record_no": pa.array(rec, pa.int32()), **cols,
    }
    full["point_code"] = codes
    return pa.Table.from_arrays([full[f.name] for f in POINT_DEFS_SCHEMA], schema=POINT_DEFS_SCHEMA)


def _merge_json(base: pa.Array, raws: dict[str, pa.Array], n: int) -> pa.Array:
    """Per row: the JSON object ``base`` plus the non-null ``raws`` entries."""
    live = {k: v.to_pylist() for k, v in raws.items() if v.null_count < len(v)}
    if not live:
        return base
    out: list[str | None] = []
    for i, b in enumerate(base.to_pylist()):
        d = json.loads(b) if b else {}
        d.update({k: vals[i] for k, vals in live.items() if vals[i] is not None})
        out.append(json.dumps(d, ensure_ascii=False, sort_keys=True) if d else None)
    return pa.array(out, pa.string())
