"""Reader of the KJ safety-monitoring networking text files (MT/T 1201.1-style; docs/formats.md §1).

Files ``<煤矿编码>_<TYPE>_<yyyyMMddHHmmss>.txt`` (or ``.TXT``) of the types CDDY (测点定义, 24 fields),
CDSS (测点实时, 7), TJSJ (测点统计, 12), YCBJ (测点异常, 17), FZDY (分站定义, 4–6) and FZSS (分站实时, 4).
Source of the layout: research note china-monitoring-formats §2–§3 (three independent implementations agree;
the normative text of MT/T 1201.1-2023 was not seen — field order confirmed, FZDY tail and headers of
FZDY/FZSS inferred).

Lexical rules: fields separated by ``;`` (empty allowed), the header and every record end with ``~``, the file
ends with ``||``; line breaks after ``~`` are optional (``\\n``, ``\\r\\n`` or none) and all ``\\r``/``\\n`` are
ignored; UTF-8 (BOM stripped) or GB18030; a payload written as one JSON string (a 2025 writer's quirk) is
unwrapped. Times are Beijing time by specification and are converted to UTC.

Numbering: the header is **record 0**; data record *n* is the text between the *n*-th and the (*n*+1)-th
``~`` after the header, counting empty records (which are skipped). With one record per line, record *n* is
on line *n*+1.

Fast path: a well-formed file (one record per line, or no line breaks at all) is tokenised by
``pyarrow.csv`` with every column as a string and converted column-wise (see :mod:`.convert`); any
irregularity (wrong field count, stray line break, undecodable bytes, empty records, a missing end marker)
sends the file through the exact path, which splits it in Python and locates every problem by record number.
:func:`read_kj_batch` reads many regular CDSS files of a mine with one tokeniser call and one set of conversions
(ingest uses it); what it gives per file is what :func:`read_kj` gives.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from minegas.errors import InputError, Problem
from minegas.measurements.readers import convert as cv
from minegas.measurements.readers.decode import BOM, Decoded, decode_text, has_bad
from minegas.measurements.readers.schemas import (
    EVENTS,
    EVENTS_SCHEMA,
    POINT_DEFS,
    POINT_DEFS_SCHEMA,
    READINGS,
    READINGS_SCHEMA,
    RELATION_TYPE,
    STATS,
    STATS_SCHEMA,
    SUBSTATION_DEFS,
    SUBSTATION_DEFS_SCHEMA,
    SUBSTATION_STATUS,
    SUBSTATION_STATUS_SCHEMA,
    ParsedFile,
)
from minegas.periods import CST

KINDS = ("CDDY", "CDSS", "TJSJ", "YCBJ", "FZDY", "FZSS")
"""Supported file types. The mine-pressure siblings (ZKSS, ZKYL …) and the KJ1031X legacy set are not."""

NAME_RE = re.compile(r"^(?P<mine>[^_]+)_(?P<kind>[A-Z]{2,6})_(?P<ts>\d{14})\.(?:txt|TXT)$")
"""File name ``<煤矿编码>_<TYPE>_<yyyyMMddHHmmss>.txt`` (research note §8.1)."""

RECORD_END = "~"
FILE_END = "||"
FIELD_SEP = ";"


@dataclass(frozen=True)
class Field:
    """One field of a KJ record: schema column ``key`` and the Chinese name of the format."""

    key: str
    zh: str

    @property
    def label(self) -> str:
        """How problems name the field, e.g. ``数据时间(ts)``."""
        return f"{self.zh}({self.key})"


def _fields(spec: str) -> tuple[Field, ...]:
    return tuple(Field(*item.split()) for item in spec.split(";"))


FIELDS: dict[str, tuple[Field, ...]] = {
    "CDSS": _fields("point_code 测点编码;sensor_name 传感器类型名称;location 测点安装位置;value 测点值;"
                    "unit_raw 测点数值单位;kj_status 测点状态;ts 数据时间"),
    "CDDY": _fields("point_code 测点编码;system_code 系统编码;station_code 分站编码;sensor_type_code 传感器类型;"
                    "value_type 测点数值类型;unit_raw 测点数值单位;range_high 高量程;range_low 低量程;"
                    "alarm_high 上限报警门限;alarm_high_release 上限解报门限;alarm_low 下限报警门限;"
                    "alarm_low_release 下限解报门限;cut_high 上限断电门限;restore_high 上限复电门限;"
                    "cut_low 下限断电门限;restore_low 下限复电门限;open_desc 开描述;stop_desc 停描述;"
                    "location 测点安装位置;x X坐标;y Y坐标;z Z坐标;relations_raw 传感器关联关系;def_ts 数据时间"),
    "TJSJ": _fields("point_code 测点编码;sensor_name 传感器类型名称;location 测点安装位置;unit_raw 测点数值单位;"
                    "start_ts 开始时间;end_ts 结束时间;max_value 最大值;max_ts 最大值时刻;min_value 最小值;"
                    "min_ts 最小值时刻;avg_value 平均值;data_ts 数据时间"),
    "YCBJ": _fields("point_code 测点编码;sensor_name 传感器类型名称;location 测点安装位置;unit_raw 测点数值单位;"
                    "event_type 异常类型;start_ts 异常开始时间;end_ts 异常结束时间;max_value 异常期间最大值;"
                    "max_ts 最大值时刻;min_value 异常期间最小值;min_ts 最小值时刻;avg_value 异常期间平均值;"
                    "reason 异常原因;measures 处理措施;entry_ts 录入时间;entry_user 录入人;data_ts 数据时间"),
    "FZDY": _fields("station_code 分站编码;location 分站安装位置;x X坐标;y Y坐标;z Z坐标;def_ts 数据时间"),
    "FZSS": _fields("station_code 分站编码;run_state 分站运行状态;power_state 分站供电状态;ts 数据时间"),
}
"""Field order of each type (research note §3.1–§3.6)."""

FIELD_COUNTS: dict[str, tuple[int, ...]] = {
    "CDDY": (24,), "CDSS": (7,), "TJSJ": (12,), "YCBJ": (17,), "FZDY": (4, 5, 6), "FZSS": (4,),
}

HEADER_FIELDS: dict[str, tuple[Field, ...]] = {
    "CDDY": _fields("mine_code 煤矿编码;mine_name 煤矿名称;system_model 系统型号;system_name 系统名称;"
                    "maker 生产厂家;header_date 日期;data_time 数据时间"),
    "*": _fields("mine_code 煤矿编码;mine_name 煤矿名称;data_time 数据时间"),
}
"""Header layouts: ``煤矿编码;煤矿名称;数据时间~`` and, for CDDY,
``煤矿编码;煤矿名称;系统型号;系统名称;生产厂家;<date>;数据时间~`` (research note §2; the meaning of the CDDY
``<date>`` is unknown, probably the MA certificate's validity — it is kept raw as ``header_date``)."""

FIELD_COUNT_LABEL = "字段数(field count)"
END_LABEL = "文件结束符(||)"
DECODE_LABEL = "编码(encoding)"
NAME_LABEL = "文件名(file name)"

_FIX_TIME = "write times as yyyy-MM-dd HH:mm:ss (Beijing time), e.g. 2025-03-01 10:00:25"
_FIX_FORMAT = "fields are separated by ';' and every record ends with '~'; check the exporting system"


@dataclass(frozen=True)
class KjName:
    """The parts of a KJ file name."""

    mine_code: str
    kind: str
    time: datetime
    """The name's time (Beijing) as UTC."""


def parse_kj_name(name: str) -> KjName:
    """Split ``<煤矿编码>_<TYPE>_<yyyyMMddHHmmss>.txt``.

    Raises
    ------
    InputError
        If the name does not have that form, names an unsupported type, or an impossible time.
    """
    m = NAME_RE.match(name)
    fix = "name the file <煤矿编码>_<TYPE>_<yyyyMMddHHmmss>.txt, e.g. 990000000001_CDSS_20250301100030.txt"
    if not m:
        raise InputError(f"{name}: not a KJ networking file name",
                         [Problem("the name is not <mine code>_<TYPE>_<yyyyMMddHHmmss>.txt", file=name,
                                  field=NAME_LABEL, value=name, fix=fix)])
    kind = m.group("kind")
    if kind not in KINDS:
        raise InputError(f"{name}: unsupported KJ file type {kind}",
                         [Problem(f"file type {kind} is not supported (supported: {', '.join(KINDS)})",
                                  file=name, field=NAME_LABEL, value=kind,
                                  fix="ingest only the safety-monitoring types listed")])
    ts = m.group("ts")
    try:
        local = datetime.strptime(ts, "%Y%m%d%H%M%S")
    except ValueError:
        raise InputError(f"{name}: bad time in the file name",
                         [Problem("the time in the name is not a valid yyyyMMddHHmmss", file=name,
                                  field=NAME_LABEL, value=ts, fix=fix)]) from None
    utc = (local - timedelta(seconds=cv.BEIJING_OFFSET_S)).replace(tzinfo=UTC)
    return KjName(m.group("mine"), kind, utc)


def kj_file_name(mine_code: str, kind: str, time_beijing: datetime) -> str:
    """The file name for ``kind`` at ``time_beijing`` (naive = Beijing time; aware times are converted)."""
    if time_beijing.tzinfo is not None:
        time_beijing = time_beijing.astimezone(CST).replace(tzinfo=None)
    return f"{mine_code}_{kind}_{time_beijing:%Y%m%d%H%M%S}.txt"


def format_kj(header: list[str], records: list[list[str]], *, line_break: str = "\r\n") -> str:
    """Write a KJ networking file's text: header and records joined by ``;``, each ended by ``~`` and
    ``line_break`` (``""`` for a one-line file), then ``||``.

    Fields are written as given; no field may contain ``;`` or ``~`` (ValueError).
    """
    def seg(fields: list[str]) -> str:
        for f in fields:
            if FIELD_SEP in f or RECORD_END in f:
                raise ValueError(f"field {f!r} contains ';' or '~'")
        return FIELD_SEP.join(fields) + RECORD_END + line_break

    return seg(header) + "".join(seg(r) for r in records) + FILE_END


# --- header -------------------------------------------------------------------------------------------------


@dataclass
class _Header:
    fields: dict[str, str]
    data_time: datetime


def _parse_header(text: str, kjn: KjName, name: str, mine_code: str | None) -> tuple[_Header | None,
                                                                                      list[Problem]]:
    problems: list[Problem] = []
    raw = text.strip("\r\n\t \ufeff")
    parts = raw.split(FIELD_SEP)
    layout = HEADER_FIELDS["CDDY" if kjn.kind == "CDDY" else "*"]
    if len(parts) != len(layout):
        other = HEADER_FIELDS["*" if kjn.kind == "CDDY" else "CDDY"]
        if len(parts) == len(other):
            msg = (f"the header has the layout of {'non-CDDY' if kjn.kind == 'CDDY' else 'CDDY'} files "
                   f"({len(parts)} fields), but the file name says {kjn.kind}")
            fix = "the file type in the name must match the content; rename the file or re-export it"
        else:
            msg = f"a {kjn.kind} header has {len(layout)} fields, this one has {len(parts)}"
            fix = ("the header is 煤矿编码;煤矿名称;数据时间~ (CDDY: 煤矿编码;煤矿名称;系统型号;系统名称;生产厂家;"
                   "<date>;数据时间~)")
        problems.append(Problem(msg, file=name, line=0, field=FIELD_COUNT_LABEL, value=cv.preview(raw), fix=fix))
        return None, problems
    fields = {f.key: p for f, p in zip(layout, parts, strict=True)}
    mine = fields["mine_code"].strip()
    fields["mine_code"] = mine
    mine_label = layout[0].label
    if has_bad(raw):
        problems.append(Problem("the header contains bytes that are neither UTF-8 nor GB18030", file=name, line=0,
                                field=DECODE_LABEL, value=cv.preview(raw),
                                fix="re-export the file as UTF-8"))
        return None, problems
    if not mine:
        problems.append(Problem("the header has no mine code", file=name, line=0, field=mine_label, value=mine,
                                fix="the first header field is the mine code (煤矿编码)"))
    elif mine != kjn.mine_code:
        problems.append(Problem(f"the header's mine code {mine} differs from the file name's {kjn.mine_code}",
                                file=name, line=0, field=mine_label, value=mine,
                                fix="the file name and header must name the same mine; re-export the file"))
    elif mine_code is not None and mine != mine_code:
        problems.append(Problem(f"the file is for mine {mine}, but mine {mine_code} was asked for", file=name,
                                line=0, field=mine_label, value=mine,
                                fix="ingest the file under its own mine, or check the file's origin"))
    t = cv.parse_beijing_scalar(fields["data_time"])
    if t is None:
        problems.append(Problem("the header's data time is not yyyy-MM-dd HH:mm:ss", file=name, line=0,
                                field=layout[-1].label, value=cv.preview(fields["data_time"]), fix=_FIX_TIME))
    if problems or t is None:
        return None, problems
    return _Header(fields, t.as_py()), problems


def _raise_header(name: str, problems: list[Problem]) -> None:
    raise InputError(f"{name}: bad header, file rejected", problems)


# --- fast path ----------------------------------------------------------------------------------------------


def _read_strings(buf: pa.Buffer, names: list[str]) -> pa.Table:
    """All columns as strings; a row with another field count raises ArrowInvalid (→ exact path)."""
    return pacsv.read_csv(
        pa.BufferReader(buf),
        read_options=pacsv.ReadOptions(column_names=names, use_threads=True),
        parse_options=pacsv.ParseOptions(delimiter=FIELD_SEP, quote_char=False, escape_char=False,
                                         double_quote=False, newlines_in_values=False,
                                         ignore_empty_lines=False),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                             strings_can_be_null=False, quoted_strings_can_be_null=False,
                                             check_utf8=True),
    )


@dataclass(frozen=True)
class _Body:
    """Where the records of a regular file are: ``data[start:end]`` (ends with the last record's ``~``)."""

    header: _Header
    start: int
    end: int
    breaks: bool
    n_rec: int


def _fast_body(data: bytes, kjn: KjName, name: str, mine_code: str | None) -> _Body | None:
    """The checks of the fast path before tokenising: a UTF-8 header that parses, the end marker, the records'
    region. None when anything is irregular (→ exact path)."""
    start = len(BOM) if data.startswith(BOM) else 0
    first = data[start:start + 64].lstrip()
    if first.startswith(b'"'):
        return None
    hdr_end = data.find(b"~", start)
    if hdr_end < 0:
        return None
    try:
        header_text = data[start:hdr_end].decode("utf-8")
    except UnicodeDecodeError:
        return None
    last = data.rfind(b"~")
    if data[last + 1:].strip() != b"||":
        return None
    header, _ = _parse_header(header_text, kjn, name, mine_code)
    if header is None:
        return None
    s = hdr_end + 1
    if last < s:
        return _Body(header, s, s, False, 0)
    while s <= last and data[s] in (10, 13):      # line break after the header
        s += 1
    breaks = data.find(b"\n", s, last) >= 0 or data.find(b"\r", s, last) >= 0
    if breaks:
        return _Body(header, s, last + 1, True, data.count(b"~", s, last + 1))
    region = data[s:last + 1]
    if region.startswith(b"~") or b"~~" in region:
        return None
    return _Body(header, s, last + 1, False, region.count(b"~"))


def _fast(data: bytes, kjn: KjName, name: str, mine_code: str | None
          ) -> tuple[_Header, dict[str, pa.ChunkedArray], int] | None:
    """Tokenise a regular file with pyarrow.csv; None when anything is irregular (→ exact path)."""
    body = _fast_body(data, kjn, name, mine_code)
    if body is None:
        return None
    header = body.header
    names = [f.key for f in FIELDS[kjn.kind]]
    if body.end <= body.start:
        return header, {n: pa.chunked_array([], pa.string()) for n in names}, 0
    s, last, n_rec = body.start, body.end - 1, body.n_rec
    try:
        if body.breaks:
            table = _read_strings(pa.py_buffer(data).slice(s, last + 1 - s), names)
            if table.num_rows != n_rec:
                return None
            tail_col = table.column(names[-1])
            if n_rec and not pc.all(pc.ends_with(tail_col, RECORD_END)).as_py():
                return None
            table = table.set_column(len(names) - 1, names[-1], pc.utf8_slice_codeunits(tail_col, 0, -1))
        else:
            region = data[s:last + 1]
            table = _read_strings(pa.py_buffer(region.replace(b"~", b"\n")), names)
            if table.num_rows != n_rec:
                return None
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return header, {n: table.column(n) for n in names}, n_rec


# --- exact path ---------------------------------------------------------------------------------------------


@dataclass
class _Tokens:
    header: _Header
    columns: dict[str, pa.Array]
    record_no: np.ndarray
    problems: list[Problem]
    rejected: int
    encoding: str


def _unwrap_json(text: str, name: str) -> str:
    """The 2025 writer's quirk: the whole payload as one JSON string literal (research note §2)."""
    s = text.strip()
    if not s.startswith('"'):
        return text
    closed = len(s) >= 2 and s.endswith('"') and not s.endswith('\\"')
    # a truncated quoted payload lacks the closing quote (and maybe cuts an escape): close it so that the
    # complete records survive and the missing '||' is reported as truncation
    candidates = [s] if closed else [s[:len(s) - k] + '"' for k in range(6) if len(s) - k >= 1]
    error = "no closing quote"
    for c in candidates:
        try:
            inner = json.loads(c, strict=False)
        except json.JSONDecodeError as exc:
            error = exc.msg
            continue
        if isinstance(inner, str):
            return inner.lstrip("\ufeff")
    raise InputError(f"{name}: payload is quoted but not a valid JSON string",
                     [Problem(f"the file starts with '\"' but is not a JSON string ({error})", file=name, line=0,
                              field=DECODE_LABEL, value=cv.preview(s[:80]), fix="send the plain text file")])


def _exact(dec: Decoded, kjn: KjName, name: str, mine_code: str | None) -> _Tokens:
    text = _unwrap_json(dec.text, name)
    offsets = {dec.record_of(ci): off for ci, off in reversed(dec.bad)} if text is dec.text else {}
    hdr_end = text.find(RECORD_END)
    if hdr_end < 0:
        msg = "the file is empty" if not text.strip() else "the header is not terminated by '~'"
        raise InputError(f"{name}: no header, file rejected",
                         [Problem(msg + " (truncated or not a KJ file)", file=name, line=0, field=END_LABEL,
                                  value=cv.preview(text[:80]), fix="re-send the complete file")])
    header, hproblems = _parse_header(text[:hdr_end], kjn, name, mine_code)
    if header is None:
        if 0 in offsets:
            hproblems.insert(0, Problem(f"undecodable bytes at byte offset {offsets[0]}", file=name, line=0,
                                        field=DECODE_LABEL, fix="re-export the file as UTF-8"))
        _raise_header(name, hproblems)
    assert header is not None
    last = text.rfind(RECORD_END)
    region = text[hdr_end + 1:last + 1] if last > hdr_end else ""
    tail = text[last + 1:]
    problems: list[Problem] = []
    rejected = 0
    segments = region.replace("\r", "").replace("\n", "").split(RECORD_END)[:-1] if region else []
    n_rec = len(segments)
    # --- the tail: end marker, truncation, text after the end marker
    t = tail.strip()
    if t != FILE_END:
        frag = t
        line = n_rec + 1 if frag else max(n_rec, 0)
        if frag.startswith(FILE_END):
            msg, fix = "text after the end marker '||'", "the file must end with '||'; remove what follows it"
        elif FILE_END in frag:
            msg, fix = ("the last record is not terminated by '~' before '||'",
                        "every record ends with '~'; re-export the file")
        else:
            msg = ("the file ends without the end marker '||' (truncated or still being written)")
            fix = "wait until the upload is complete, or re-send the file"
        if frag:
            rejected += 1
        problems.append(Problem(msg, file=name, line=line, field=END_LABEL, value=cv.preview(frag) or None,
                                fix=fix))
    # --- the records
    fields = FIELDS[kjn.kind]
    counts = FIELD_COUNTS[kjn.kind]
    rows: list[list[str]] = []
    recnos: list[int] = []
    for i, seg in enumerate(segments, start=1):
        if not seg.strip(" \t"):
            continue
        parts = seg.split(FIELD_SEP)
        if has_bad(seg):
            where = next((f.label for f, p in zip(fields, parts, strict=False) if has_bad(p)), DECODE_LABEL)
            off = offsets.get(i)
            at = f" at byte offset {off}" if off is not None else ""
            problems.append(Problem(f"undecodable bytes{at} (neither UTF-8 nor GB18030)", file=name, line=i,
                                    field=where, value=cv.preview(seg),
                                    fix="re-export the file as UTF-8"))
            rejected += 1
            continue
        if len(parts) not in counts:
            want = "–".join(str(c) for c in (counts[0], counts[-1])) if len(counts) > 1 else str(counts[0])
            problems.append(Problem(f"a {kjn.kind} record has {want} fields, this one has {len(parts)}",
                                    file=name, line=i, field=FIELD_COUNT_LABEL, value=cv.preview(seg),
                                    fix=_FIX_FORMAT))
            rejected += 1
            continue
        rows.append(parts)
        recnos.append(i)
    if kjn.kind == "FZDY":
        rows = [_normalise_fzdy(r) for r in rows]
    names = [f.key for f in fields]
    columns = {n: pa.array([r[j] for r in rows], pa.string()) for j, n in enumerate(names)}
    return _Tokens(header, columns, np.asarray(recnos, dtype=np.int32), problems, rejected, dec.encoding)


_TIME_SHAPE = re.compile(r"^\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\s*$")


def _normalise_fzdy(parts: list[str]) -> list[str]:
    """FZDY records have 4–6 fields: code; location; coordinates…; [time]. The last field is the data time
    when it has the shape of a time (``dddd-dd-dd dd:dd:dd``), else there is no time and the header's is
    used (``""`` here). The coordinates in between are X, Y, Z in order. Result: 6 fields."""
    code, loc, rest = parts[0], parts[1], parts[2:]
    if len(parts) == 6 or (rest and _TIME_SHAPE.match(rest[-1])):
        coords, t = rest[:-1], rest[-1]
    else:
        coords, t = rest, ""
    coords = [*coords, "", "", ""][:3]
    return [code, loc, *coords, t]


# --- typed tables -------------------------------------------------------------------------------------------


def _label(kind: str, key: str) -> str:
    for f in FIELDS[kind]:
        if f.key == key:
            return f.label
    return key


class _Builder:
    """Column conversions for one file with problem collection."""

    def __init__(self, kind: str, cols: dict[str, pa.Array | pa.ChunkedArray], sink: cv.Sink, mine: str,
                 file_time: datetime) -> None:
        self.kind, self.cols, self.sink, self.mine, self.file_time = kind, cols, sink, mine, file_time
        self.n = len(sink.record_no)
        self.raw_extra: dict[str, pa.Array | pa.ChunkedArray] = {}

    def code(self, key: str, *, point: bool) -> pa.Array | pa.ChunkedArray:
        c = cv.trim(self.cols[key])
        label = _label(self.kind, key)
        self.sink.check(pc.equal(c, ""), field=label, values=None, message="the code is empty",
                        fix="every record needs its point/substation code")
        if point:
            self.sink.check(cv.foreign_mine_mask(c, self.mine), field=label, values=c,
                            message=f"the point code belongs to another mine than the header's {self.mine}",
                            fix="send each mine's points in that mine's own file")
        return c

    def text(self, key: str) -> pa.Array | pa.ChunkedArray:
        return cv.null_if_empty(self.cols[key])

    def unit(self, key: str) -> pa.Array | pa.ChunkedArray:
        return cv.null_if_empty(cv.trim(self.cols[key]))

    def number(self, key: str) -> pa.Array | pa.ChunkedArray:
        v, raw = cv.parse_optional_numbers(self.cols[key])
        self.raw_extra[key] = raw
        return v

    def time(self, key: str, *, required: bool) -> pa.Array | pa.ChunkedArray:
        ts, bad = cv.parse_beijing(self.cols[key], required=required)
        self.sink.check(bad, field=_label(self.kind, key), values=self.cols[key],
                        message="not a time yyyy-MM-dd HH:mm:ss" + ("" if required else " (or empty)"),
                        fix=_FIX_TIME)
        return ts

    def raw_extra_column(self) -> pa.Array:
        return _json_column(self.raw_extra, self.n)


def _json_column(raws: dict[str, pa.Array | pa.ChunkedArray], n: int) -> pa.Array:
    """A JSON-object text column of the non-null entries of ``raws`` per row (null when none)."""
    live = {k: v for k, v in raws.items() if v.null_count < len(v)}
    if not live:
        return pa.nulls(n, pa.string())
    lists = {k: v.to_pylist() for k, v in live.items()}
    out: list[str | None] = []
    for i in range(n):
        d = {k: vals[i] for k, vals in lists.items() if vals[i] is not None}
        out.append(json.dumps(d, ensure_ascii=False, sort_keys=True) if d else None)
    return pa.array(out, pa.string())


def parse_relations(text: str | None) -> list[dict[str, str | None]]:
    """Parse a CDDY relation field (传感器关联关系): groups separated by ``◇``, items by ``:``, each item
    ``<rel>-<point code>[-<name>]`` with rel ∈ B/G/K/H/Z/D/T (research note §3.1 and §4.6, inferred from one
    parser). Tolerant: anything that does not fit is kept as far as it goes; never raises."""
    if not text:
        return []
    out: list[dict[str, str | None]] = []
    for group in text.split("◇"):
        for item in group.split(":"):
            item = item.strip()
            if not item:
                continue
            parts = item.split("-", 2)
            out.append({"kind": parts[0].strip() or None,
                        "point_code": parts[1].strip() if len(parts) > 1 and parts[1].strip() else None,
                        "name": parts[2].strip() if len(parts) > 2 and parts[2].strip() else None})
    return out


def _build_cdss(b: _Builder, rec: pa.Array) -> pa.Table:
    codes = b.code("point_code", point=True)
    status, bad_status = cv.parse_status(b.cols["kj_status"])
    b.sink.check(bad_status, field=_label("CDSS", "kj_status"), values=b.cols["kj_status"],
                 message="the status is not a bitmask 0–255 (测点状态: 0 正常, 1 报警, 2 断电, 4 标校 …)",
                 fix="write the status as an integer 0–255")
    ts = b.time("ts", required=True)
    value, raw = cv.parse_values(b.cols["value"])
    n = b.n
    return pa.Table.from_arrays([
        cv.constant(b.mine, n), codes, pa.nulls(n, pa.string()), pa.nulls(n, pa.string()), ts, value, raw,
        status, b.unit("unit_raw"), b.text("sensor_name"), b.text("location"), rec,
    ], schema=READINGS_SCHEMA)


def _build_cddy(b: _Builder, rec: pa.Array) -> pa.Table:
    codes = b.code("point_code", point=True)
    nums = {k: b.number(k) for k in ("range_high", "range_low", "alarm_high", "alarm_high_release", "alarm_low",
                                     "alarm_low_release", "cut_high", "restore_high", "cut_low", "restore_low",
                                     "x", "y", "z")}
    rel_raw = b.text("relations_raw")
    relations = pa.array([parse_relations(t) for t in rel_raw.to_pylist()], RELATION_TYPE)
    n = b.n
    cols = {
        "mine_code": cv.constant(b.mine, n), "point_code": codes,
        "system_code": cv.null_if_empty(cv.trim(b.cols["system_code"])),
        "station_code": cv.null_if_empty(cv.trim(b.cols["station_code"])),
        "sensor_type_code": cv.null_if_empty(cv.trim(b.cols["sensor_type_code"])),
        "value_type": cv.null_if_empty(cv.trim(b.cols["value_type"])),
        "unit_raw": b.unit("unit_raw"), **nums,
        "open_desc": b.text("open_desc"), "stop_desc": b.text("stop_desc"), "location": b.text("location"),
        "relations_raw": rel_raw, "relations": relations, "def_ts": b.time("def_ts", required=True),
        "sensor_name": pa.nulls(n, pa.string()), "gis_node_code": pa.nulls(n, pa.string()),
        "power_cut_area_code": pa.nulls(n, pa.string()), "raw_extra": b.raw_extra_column(), "record_no": rec,
    }
    return pa.Table.from_arrays([cols[f.name] for f in POINT_DEFS_SCHEMA], schema=POINT_DEFS_SCHEMA)


def _build_tjsj(b: _Builder, rec: pa.Array) -> pa.Table:
    n = b.n
    cols = {
        "mine_code": cv.constant(b.mine, n), "point_code": b.code("point_code", point=True),
        "sensor_name": b.text("sensor_name"), "location": b.text("location"), "unit_raw": b.unit("unit_raw"),
        "start_ts": b.time("start_ts", required=True), "end_ts": b.time("end_ts", required=True),
        "max_value": b.number("max_value"), "max_ts": b.time("max_ts", required=False),
        "min_value": b.number("min_value"), "min_ts": b.time("min_ts", required=False),
        "avg_value": b.number("avg_value"), "data_ts": b.time("data_ts", required=True),
    }
    cols["raw_extra"] = b.raw_extra_column()
    cols["record_no"] = rec
    return pa.Table.from_arrays([cols[f.name] for f in STATS_SCHEMA], schema=STATS_SCHEMA)


def _build_ycbj(b: _Builder, rec: pa.Array) -> pa.Table:
    n = b.n
    et = cv.trim(b.cols["event_type"])
    b.sink.check(pc.equal(et, ""), field=_label("YCBJ", "event_type"), values=None,
                 message="the event type is empty", fix="write the 3-digit abnormal type (001–010)")
    cols = {
        "mine_code": cv.constant(b.mine, n), "point_code": b.code("point_code", point=True),
        "sensor_name": b.text("sensor_name"), "location": b.text("location"), "unit_raw": b.unit("unit_raw"),
        "event_type": et, "start_ts": b.time("start_ts", required=True),
        "end_ts": b.time("end_ts", required=False),
        "max_value": b.number("max_value"), "max_ts": b.time("max_ts", required=False),
        "min_value": b.number("min_value"), "min_ts": b.time("min_ts", required=False),
        "avg_value": b.number("avg_value"), "reason": b.text("reason"), "measures": b.text("measures"),
        "entry_ts": b.time("entry_ts", required=False), "entry_user": b.text("entry_user"),
        "data_ts": b.time("data_ts", required=True),
    }
    cols["raw_extra"] = b.raw_extra_column()
    cols["record_no"] = rec
    return pa.Table.from_arrays([cols[f.name] for f in EVENTS_SCHEMA], schema=EVENTS_SCHEMA)


def _build_fzdy(b: _Builder, rec: pa.Array) -> pa.Table:
    n = b.n
    ts = b.time("def_ts", required=False)
    ts = pc.fill_null(ts, pa.scalar(b.file_time, cv.TS)) if n else ts
    cols = {
        "mine_code": cv.constant(b.mine, n), "station_code": b.code("station_code", point=False),
        "location": b.text("location"), "x": b.number("x"), "y": b.number("y"), "z": b.number("z"),
        "def_ts": ts,
    }
    cols["raw_extra"] = b.raw_extra_column()
    cols["record_no"] = rec
    return pa.Table.from_arrays([cols[f.name] for f in SUBSTATION_DEFS_SCHEMA], schema=SUBSTATION_DEFS_SCHEMA)


def _build_fzss(b: _Builder, rec: pa.Array) -> pa.Table:
    n = b.n
    cols = {
        "mine_code": cv.constant(b.mine, n), "station_code": b.code("station_code", point=False),
        "run_state": cv.null_if_empty(cv.trim(b.cols["run_state"])),
        "power_state": cv.null_if_empty(cv.trim(b.cols["power_state"])),
        "ts": b.time("ts", required=True), "record_no": rec,
    }
    return pa.Table.from_arrays([cols[f.name] for f in SUBSTATION_STATUS_SCHEMA],
                                schema=SUBSTATION_STATUS_SCHEMA)


_BUILDERS = {
    "CDSS": (READINGS, _build_cdss), "CDDY": (POINT_DEFS, _build_cddy), "TJSJ": (STATS, _build_tjsj),
    "YCBJ": (EVENTS, _build_ycbj), "FZDY": (SUBSTATION_DEFS, _build_fzdy), "FZSS": (SUBSTATION_STATUS, _build_fzss),
}


def dedup_events(table: pa.Table) -> pa.Table:
    """Keep one YCBJ event per (point_code, start_ts, event_type): the row with an end time if any, then the
    latest ``data_ts``, then the highest ``record_no`` (research note §3.4 and §8.6: the same event is re-sent,
    first without and later with its end time). Rows keep their original order.

    Works on any table with the :data:`EVENTS_SCHEMA` columns (e.g. several files concatenated).
    """
    if table.num_rows < 2:
        return table
    pos = pa.array(np.arange(table.num_rows, dtype=np.int64))
    work = table.select(["point_code", "start_ts", "event_type", "data_ts", "record_no"]).append_column(
        "has_end", pc.is_valid(table.column("end_ts"))).append_column("pos", pos)
    order = pc.sort_indices(work, sort_keys=[
        ("point_code", "ascending"), ("start_ts", "ascending"), ("event_type", "ascending"),
        ("has_end", "descending"), ("data_ts", "descending"), ("record_no", "descending"), ("pos", "descending")])
    s = work.take(order)
    # a row starts a new group if any key differs from the previous row
    differs = np.zeros(s.num_rows - 1, dtype=bool)
    for key in ("point_code", "start_ts", "event_type"):
        col = s.column(key).combine_chunks()
        differs |= ~cv.to_numpy_bool(pc.equal(col.slice(1), col.slice(0, len(col) - 1)))
    first = np.concatenate([[True], differs])
    kept = np.sort(s.column("pos").to_numpy()[first])
    return table.take(pa.array(kept))


# --- entry point --------------------------------------------------------------------------------------------


def read_kj(data: bytes, name: str, *, partial: bool = False, mine_code: str | None = None,
            timezone: str | None = None) -> ParsedFile:
    """Read one KJ networking file.

    Parameters
    ----------
    data : the raw bytes of the file.
    name : its file name ``<煤矿编码>_<TYPE>_<yyyyMMddHHmmss>.txt`` (decides the type; used in problems).
    partial : False: any problem rejects the whole file (InputError). True: records with problems are
        dropped and listed in :attr:`ParsedFile.problems`; file-level problems (name, header, encoding of the
        header, JSON quirk) still raise.
    mine_code : when given, the file must be for this mine.
    timezone : KJ files are Beijing time by specification; a different declared zone is rejected.

    Returns
    -------
    ParsedFile
        ``tables`` holds ``readings`` (CDSS), ``point_defs`` (CDDY), ``stats`` (TJSJ), ``events`` (YCBJ,
        deduplicated), ``substation_defs`` (FZDY) or ``substation_status`` (FZSS).

    Raises
    ------
    InputError
        With located problems (file, record number, field, raw value, fix).
    """
    kjn = parse_kj_name(name)
    if timezone is not None:
        try:
            tz = cv.parse_timezone(timezone)
        except ValueError as exc:
            raise InputError(f"{name}: bad time zone", [Problem(str(exc), field="timezone", value=timezone)]) from None
        if not tz.same_as(cv.BEIJING):
            raise InputError(f"{name}: KJ files are Beijing time", [Problem(
                f"KJ networking files are in Beijing time (UTC+8) by specification; {timezone!r} was declared",
                file=name, field="timezone", value=timezone, fix="do not pass a time zone for KJ files")])
    sha = cv.Sha256(data)
    fast = _fast(data, kjn, name, mine_code) if kjn.kind != "FZDY" else None
    encoding = "utf-8-sig" if data.startswith(BOM) else "utf-8"
    dec: Decoded | None = None
    if fast is None and kjn.kind != "FZDY":
        # GB18030 or the JSON quirk: decode once, then the fast path on the UTF-8 text
        dec = decode_text(data)
        if dec.n_bad == 0:
            text = _unwrap_json(dec.text, name)
            if text is not dec.text or dec.encoding == "gb18030":
                fast = _fast(text.encode("utf-8"), kjn, name, mine_code)
                encoding = dec.encoding
    if fast is not None:
        header, columns, n = fast
        rec_np = np.arange(1, n + 1, dtype=np.int32)
        pre: list[Problem] = []
        pre_rejected = 0
    else:
        tok = _exact(dec if dec is not None else decode_text(data), kjn, name, mine_code)
        header, columns, rec_np = tok.header, dict(tok.columns), tok.record_no
        pre, pre_rejected, encoding = tok.problems, tok.rejected, tok.encoding
    sink = cv.Sink(name, rec_np)
    for p in pre:
        sink.add(p, rejects_record=False)
    sink.extra_rejected = pre_rejected
    mine = header.fields["mine_code"]
    table_name, build = _BUILDERS[kjn.kind]
    b = _Builder(kjn.kind, columns, sink, mine, header.data_time)
    table = sink.keep(build(b, pa.array(rec_np, pa.int32())))
    if kjn.kind == "YCBJ":
        table = dedup_events(table)
    problems = sink.problems
    if problems and not partial:
        raise InputError(f"{name}: {sink.n_rejected} record(s) rejected, file not read "
                         f"(use partial mode to keep the good records)", problems)
    return ParsedFile(
        name=name, format="kj", kind=kjn.kind, mine_code=mine, mine_name=header.fields.get("mine_name"),
        file_time=header.data_time, name_time=kjn.time, header=dict(header.fields), tables={table_name: table},
        problems=problems, n_bytes=len(data), sha256=sha.hexdigest(), encoding=encoding,
        records_total=len(rec_np) + pre_rejected, records_rejected=sink.n_rejected)


# --- several files at once ------------------------------------------------------------------------------------

BATCH_MAX_BYTES = 64 << 20
"""Bytes of CDSS records tokenised in one go by :func:`read_kj_batch`."""


def read_kj_batch(files: Sequence[tuple[bytes, str]], *, partial: bool = False, mine_code: str | None = None,
                  timezone: str | None = None) -> list[ParsedFile | InputError]:
    """Read several KJ files: for each, what :func:`read_kj` returns — or the :class:`InputError` it raises.

    Regular CDSS files (the fast path's shape: a UTF-8 header, one record per line) of one mine are tokenised
    together by one ``pyarrow.csv`` read and converted by one set of column operations, which removes most of the
    fixed cost per small file. Every other file, and every file with a record problem, is read alone by
    :func:`read_kj`, so results, problems and counts are those of :func:`read_kj` file by file.

    Parameters
    ----------
    files : (raw bytes, file name) of each file, in any order.
    partial, mine_code, timezone : as :func:`read_kj`.

    Returns
    -------
    One entry per file, in the order given.
    """
    out: list[ParsedFile | InputError | None] = [None] * len(files)

    def alone(i: int) -> None:
        data, name = files[i]
        try:
            out[i] = read_kj(data, name, partial=partial, mine_code=mine_code, timezone=timezone)
        except InputError as exc:
            out[i] = exc

    together = timezone is None
    if timezone is not None:
        with contextlib.suppress(ValueError):
            together = cv.parse_timezone(timezone).same_as(cv.BEIJING)
    group: list[tuple[int, KjName, _Body]] = []
    size = 0
    for i, (data, name) in enumerate(files):
        body: _Body | None = None
        kjn: KjName | None = None
        m = NAME_RE.match(name)
        if together and m is not None and m.group("kind") == "CDSS":
            try:
                kjn = parse_kj_name(name)
            except InputError:
                kjn = None
            body = _fast_body(data, kjn, name, mine_code) if kjn is not None else None
            if body is not None and not _one_record_per_line(data, body):
                body = None
        if body is None or kjn is None:
            alone(i)
            continue
        if group and (group[0][2].header.fields["mine_code"] != body.header.fields["mine_code"]
                      or size + body.end - body.start > BATCH_MAX_BYTES):
            _read_group(files, group, out, partial)
            group, size = [], 0
        group.append((i, kjn, body))
        size += body.end - body.start
    if group:
        _read_group(files, group, out, partial)
    for i, got in enumerate(out):
        if got is None:
            alone(i)
    return [got for got in out if got is not None]


def _one_record_per_line(data: bytes, body: _Body) -> bool:
    """The records region has line breaks (``\\n`` or ``\\r\\n``, no lone ``\\r``) and as many lines as records."""
    if not body.breaks or body.n_rec == 0:
        return False
    s, e = body.start, body.end
    cr = data.count(b"\r", s, e)
    if cr and cr != data.count(b"\r\n", s, e):
        return False
    return data.count(b"\n", s, e) + 1 == body.n_rec


def _tokenise_group(files: Sequence[tuple[bytes, str]], group: list[tuple[int, KjName, _Body]], names: list[str]
                    ) -> list[tuple[list[tuple[int, KjName, _Body]], pa.Table]]:
    """One ``pyarrow.csv`` read of the group's records; a group that does not tokenise is split in halves (the
    files that do not tokenise on their own are left out: they are read alone)."""
    joined = b"\n".join(memoryview(files[i][0])[b.start:b.end] for i, _, b in group)
    try:
        table = _read_strings(pa.py_buffer(joined), names)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        table = None
    if table is not None and table.num_rows == sum(b.n_rec for _, _, b in group):
        return [(group, table)]
    if len(group) == 1:
        return []
    h = len(group) // 2
    return _tokenise_group(files, group[:h], names) + _tokenise_group(files, group[h:], names)


def _read_group(files: Sequence[tuple[bytes, str]], group: list[tuple[int, KjName, _Body]],
                out: list[ParsedFile | InputError | None], partial: bool) -> None:
    """Fill ``out`` for the files of a group (regular CDSS files of one mine) that convert without a problem."""
    names = [f.key for f in FIELDS["CDSS"]]
    for sub, table in _tokenise_group(files, group, names):
        counts = np.asarray([b.n_rec for _, _, b in sub], dtype=np.int64)
        offsets = np.r_[0, np.cumsum(counts)[:-1]]
        tail_col = table.column(names[-1])
        tail_ok = np.logical_and.reduceat(cv.to_numpy_bool(pc.ends_with(tail_col, RECORD_END)), offsets)
        table = table.set_column(len(names) - 1, names[-1], pc.utf8_slice_codeunits(tail_col, 0, -1))
        rec_np = (np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(offsets, counts) + 1).astype(np.int32)
        header = sub[0][2].header
        mine = header.fields["mine_code"]
        sink = cv.Sink(files[sub[0][0]][1], rec_np)
        b = _Builder("CDSS", {n: table.column(n) for n in names}, sink, mine, header.data_time)
        readings = _build_cdss(b, pa.array(rec_np, pa.int32()))
        bad = np.logical_or.reduceat(sink.bad, offsets) if sink.bad.any() else np.zeros(len(sub), dtype=bool)
        for k, (i, kjn, body) in enumerate(sub):
            if bad[k] or not tail_ok[k]:
                continue  # read alone: read_kj finds and reports what is wrong
            data, name = files[i]
            out[i] = ParsedFile(
                name=name, format="kj", kind="CDSS", mine_code=mine, mine_name=body.header.fields.get("mine_name"),
                file_time=body.header.data_time, name_time=kjn.time, header=dict(body.header.fields),
                tables={READINGS: readings.slice(int(offsets[k]), int(counts[k]))}, problems=[],
                n_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(),
                encoding="utf-8-sig" if data.startswith(BOM) else "utf-8", records_total=body.n_rec,
                records_rejected=0)
