"""Import the registry from CSV files, folders of CSV files or an Excel workbook (upsert by natural key).

Input files are named after the tables (``regions.csv``, ``enterprises.csv``, ``mines.csv``, ``stations.csv``,
``points.csv``, ``point_configs.csv``, ``units.csv``, ``gas_links.csv``, ``coal_production.csv``,
``calibrations.csv``); a workbook has sheets of those names (without ``.csv``). The column layout of each file is
:data:`TABLES` (documented in docs/registry.md, generated from the same specs by :func:`columns_markdown`).

Rules (docs/registry.md):

- UTF-8 CSV with or without BOM, header row = column names, empty cell = null. Columns whose header starts with
  ``#`` are comments and ignored. A column left out of the header keeps the stored value of existing rows and
  takes its default on new rows; a *required* column may not be left out.
- Date-times are ISO 8601 with a UTC offset; a plain date means 00:00 China Standard Time; a date-time without
  offset is rejected (fix: add ``+08:00``).
- Rows are upserted by natural key: re-importing the same files changes nothing. Rows in the database that
  the files do not mention are left alone (import never deletes).
- Every problem of every file is collected first and reported as ``file:line: field 'x': message (got 'v') —
  fix: …`` (:class:`minegas.errors.InputError`); with any problem nothing is written (one transaction).
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from minegas.errors import InputError, Problem
from minegas.periods import CST
from minegas.registry import models, vocab

# --- column and table specifications ------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of an import file.

    Attributes
    ----------
    name : header name (also the ORM attribute for plain columns).
    kind : ``code`` | ``text`` | ``enum`` | ``float`` | ``bool`` | ``date`` | ``datetime`` | ``month`` |
        ``unit`` | ``sensor``.
    required : the column must be in the header and the cell may not be empty.
    choices : allowed values of an ``enum``.
    default : value used for an empty cell, and for new rows when the column is left out.
    unit : unit of a number (documentation).
    doc : meaning (documentation, also used in messages).
    lo, hi : inclusive bounds of a number; ``lo_open`` makes the lower bound exclusive; ``nonzero`` forbids 0.
    ref : True for a column that only carries (part of) a reference to another table.
    """

    name: str
    kind: str
    required: bool = False
    choices: tuple[str, ...] = ()
    default: Any = None
    unit: str = ""
    doc: str = ""
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    nonzero: bool = False
    ref: bool = False


@dataclass(frozen=True)
class Ref:
    """A reference to another table: ORM relationship ``rel`` to ``table`` by the natural key held in ``cols``.

    The reference is null when the last column of ``cols`` is empty.
    """

    rel: str
    table: str
    cols: tuple[str, ...]


@dataclass(frozen=True)
class TableSpec:
    """Import/export layout of one registry table."""

    name: str
    file: str
    model: type[models.Base]
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    refs: tuple[Ref, ...] = ()
    label: tuple[str, str] = ("", "")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


C = Column
_MINE_REF = C("mine_code", "code", True, doc="mine code (mines.csv)", ref=True)

TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "region", "regions", models.Region, ("code",),
        (
            C("code", "code", True, doc="region code, e.g. the 6-digit administrative division code (GB/T 2260)"),
            C("name_zh", "text", True, doc="name in Chinese"),
            C("name_en", "text", doc="name in English"),
            C("level", "enum", True, vocab.REGION_LEVELS, doc="administrative level"),
            C("parent_code", "code", doc="code of the enclosing region (a higher level)", ref=True),
        ),
        (Ref("parent", "region", ("parent_code",)),),
        ("行政区划", "regions"),
    ),
    TableSpec(
        "enterprise", "enterprises", models.Enterprise, ("code",),
        (
            C("code", "code", True, doc="enterprise code"),
            C("name_zh", "text", True, doc="name in Chinese"),
            C("name_en", "text", doc="name in English"),
            C("ownership", "enum", True, vocab.OWNERSHIPS, doc="ownership"),
            C("region_code", "code", doc="region of registration (regions.csv)", ref=True),
        ),
        (Ref("region", "region", ("region_code",)),),
        ("企业", "enterprises"),
    ),
    TableSpec(
        "mine", "mines", models.Mine, ("code",),
        (
            C("code", "code", True, doc="煤矿编码, the mine code of the KJ monitoring files (usually 12 digits)"),
            C("name_zh", "text", True, doc="name in Chinese"),
            C("name_en", "text", doc="name in English"),
            C("enterprise_code", "code", doc="owning enterprise (enterprises.csv)", ref=True),
            C("county_code", "code", True, doc="county the mine lies in (regions.csv, level county)", ref=True),
            C("gas_class", "enum", True, vocab.GAS_CLASSES, doc="高瓦斯 / 突出 / 低瓦斯"),
            C("mining_method", "enum", True, vocab.MINING_METHODS, doc="井工 / 露天"),
            C("capacity_mt_per_yr", "float", unit="Mt/yr", doc="approved production capacity", lo=0),
            C("status", "enum", True, vocab.MINE_STATUSES, doc="operating status"),
            C("latitude_deg", "float", unit="°", doc="latitude (WGS 84)", lo=-90, hi=90),
            C("longitude_deg", "float", unit="°", doc="longitude (WGS 84)", lo=-180, hi=180),
            C("elevation_m", "float", unit="m", doc="surface elevation", lo=-500, hi=9000),
            C("barometric_kpa", "float", unit="kPa", lo=50, hi=110,
              doc="local barometric pressure, turns gauge pressure into absolute (about 101 at sea level, "
                  "about 88 at 1 200 m)"),
            C("relative_emission_m3_per_t", "float", unit="m³/t", doc="相对瓦斯涌出量 (relative gas emission)",
              lo=0),
            C("absolute_emission_m3_min", "float", unit="m³/min", doc="绝对瓦斯涌出量 (absolute gas emission)",
              lo=0),
            C("closed_on", "date", doc="date of closure"),
            C("flooded", "bool", doc="closed mine is flooded"),
        ),
        (Ref("enterprise", "enterprise", ("enterprise_code",)), Ref("county", "region", ("county_code",))),
        ("煤矿", "mines"),
    ),
    TableSpec(
        "unit", "units", models.Unit, ("mine_code", "code"),
        (
            _MINE_REF,
            C("code", "code", True, doc="unit code, unique within the mine"),
            C("name_zh", "text", True, doc="name in Chinese"),
            C("name_en", "text", doc="name in English"),
            C("kind", "enum", True, vocab.UNIT_KINDS, doc="利用 / 火炬 / 放空 / 外输"),
            C("technology", "enum", True, tuple(vocab.TECHNOLOGIES), doc="technology catalog key"),
            C("capacity_el_kw", "float", unit="kW", doc="electric capacity", lo=0),
            C("capacity_heat_kw", "float", unit="kW", doc="heat capacity", lo=0),
            C("capacity_flow_nm3_min", "float", unit="Nm³/min", lo=0,
              doc="inlet gas (mixed) flow capacity at 0 °C, 101.325 kPa"),
            C("ch4_min_pct", "float", unit="%", doc="lowest accepted inlet CH4 concentration", lo=0, hi=100),
            C("ch4_max_pct", "float", unit="%", doc="highest accepted inlet CH4 concentration", lo=0, hi=100),
            C("destruction_efficiency_frac", "float", unit="0–1", doc="CH4 destruction efficiency", lo=0, hi=1),
            C("heat_used", "bool", default=False, doc="recovered heat is used"),
            C("safe_transport", "bool", default=False,
              doc="safe-conveyance equipment: flame arresters, explosion suppression, water seals"),
            C("feeds", "enum", True, vocab.FEEDS, doc="抽采瓦斯 / 乏风 / 混合"),
            C("commissioned_on", "date", doc="commissioning date"),
            C("status", "enum", True, vocab.UNIT_STATUSES, doc="operating status"),
        ),
        (Ref("mine", "mine", ("mine_code",)),),
        ("利用装置", "units"),
    ),
    TableSpec(
        "station", "stations", models.Station, ("mine_code", "code"),
        (
            _MINE_REF,
            C("code", "code", True, doc="station code, unique within the mine"),
            C("name_zh", "text", True, doc="name in Chinese"),
            C("name_en", "text", doc="name in English"),
            C("role", "enum", True, vocab.STATION_ROLES, doc="role in the gas network"),
            C("drainage_system", "enum", True, vocab.DRAINAGE_SYSTEMS, doc="高负压 / 低负压 / none"),
            C("primary_measurement", "enum", True, vocab.PRIMARY_MEASUREMENTS,
              doc="the measurement that counts; the others are cross-checks"),
            C("unit_code", "code", doc="unit served (units.csv); required for unit_inlet, unit_outlet, "
                                       "flare_inlet", ref=True),
        ),
        (Ref("mine", "mine", ("mine_code",)), Ref("unit", "unit", ("mine_code", "unit_code"))),
        ("测站", "stations"),
    ),
    TableSpec(
        "point", "points", models.Point, ("mine_code", "code"),
        (
            _MINE_REF,
            C("code", "code", True, doc="point code (KJ 测点编码), unique within the mine"),
            C("station_code", "code", doc="station (stations.csv); empty = registered, not attached", ref=True),
            C("quantity", "enum", True, vocab.QUANTITIES, doc="what the point measures"),
            C("name_zh", "text", doc="name / installation place (测点安装位置)"),
            C("kj_sensor_type", "sensor", doc="KJ sensor type code (传感器类型), 4 digits, e.g. 0022"),
        ),
        (Ref("mine", "mine", ("mine_code",)), Ref("station", "station", ("mine_code", "station_code"))),
        ("测点", "points"),
    ),
    TableSpec(
        "point_config", "point_configs", models.PointConfig, ("mine_code", "point_code", "valid_from"),
        (
            C("mine_code", "code", True, doc="mine code", ref=True),
            C("point_code", "code", True, doc="point (points.csv)", ref=True),
            C("valid_from", "datetime", True, doc="start of validity (inclusive)"),
            C("valid_to", "datetime", doc="end of validity (exclusive); empty = open"),
            C("unit", "unit", doc="unit of the readings (required except for state points)"),
            C("flow_basis", "enum", choices=vocab.FLOW_BASES,
              doc="工况 working or 标况 reference; required for flows, cumulatives and air_flow"),
            C("ref_state", "enum", choices=vocab.REF_STATES, doc="reference state; required iff flow_basis = "
                                                                 "reference"),
            C("pressure_kind", "enum", choices=vocab.PRESSURE_KINDS, doc="required for pressure points"),
            C("max_gap_s", "float", default=300.0, unit="s", lo=0, lo_open=True, hi=86400,
              doc="longest interval integrated across (≤ 1 day: a segment may cross at most one day boundary)"),
            C("integration", "enum", choices=vocab.INTEGRATIONS, default="trapezoid",
              doc="integration between readings"),
            C("counter_reset", "enum", choices=vocab.COUNTER_RESETS,
              doc="when the counter resets by design (cumulatives; default none)"),
            C("counter_max", "float", unit="as unit", lo=0, lo_open=True, doc="counter rollover value (cumulatives)"),
            C("range_low", "float", unit="as unit", doc="instrument range low"),
            C("range_high", "float", unit="as unit", doc="instrument range high"),
            C("scale", "float", default=1.0, nonzero=True, doc="multiplier applied to raw readings"),
        ),
        (Ref("point", "point", ("mine_code", "point_code")),),
        ("测点配置", "point configs"),
    ),
    TableSpec(
        "gas_link", "gas_links", models.GasLink,
        ("mine_code", "from_station_code", "to_station_code", "to_unit_code", "valid_from"),
        (
            _MINE_REF,
            C("from_station_code", "code", True, doc="upstream station", ref=True),
            C("to_station_code", "code", doc="downstream station (give this or to_unit_code)", ref=True),
            C("to_unit_code", "code", doc="downstream unit (give this or to_station_code)", ref=True),
            C("valid_from", "datetime", True, doc="start of validity (inclusive)"),
            C("valid_to", "datetime", doc="end of validity (exclusive); empty = open"),
        ),
        (Ref("mine", "mine", ("mine_code",)), Ref("from_station", "station", ("mine_code", "from_station_code")),
         Ref("to_station", "station", ("mine_code", "to_station_code")),
         Ref("to_unit", "unit", ("mine_code", "to_unit_code"))),
        ("管网连接", "gas links"),
    ),
    TableSpec(
        "coal_production", "coal_production", models.CoalProduction, ("mine_code", "month"),
        (
            _MINE_REF,
            C("month", "month", True, doc="month YYYY-MM (China Standard Time)"),
            C("production_t", "float", True, unit="t", doc="raw coal produced", lo=0),
            C("source", "text", doc="where the figure comes from"),
        ),
        (Ref("mine", "mine", ("mine_code",)),),
        ("原煤产量", "coal production"),
    ),
    TableSpec(
        "calibration", "calibrations", models.Calibration, ("mine_code", "point_code", "performed_on", "kind"),
        (
            C("mine_code", "code", True, doc="mine code", ref=True),
            C("point_code", "code", True, doc="point (points.csv)", ref=True),
            C("performed_on", "date", True, doc="date performed"),
            C("kind", "enum", True, vocab.CALIBRATION_KINDS, doc="校准 / 检定 / 调零调校 / 更换"),
            C("result", "enum", True, vocab.CALIBRATION_RESULTS, doc="合格 / 不合格 / 已调整"),
            C("certificate", "text", doc="certificate number"),
            C("next_due", "date", doc="next calibration due"),
            C("performed_by", "text", doc="who performed it"),
            C("note", "text", doc="free text"),
        ),
        (Ref("point", "point", ("mine_code", "point_code")),),
        ("校准记录", "calibrations"),
    ),
)
"""Import/export layout of every table, in dependency order."""

SPECS: dict[str, TableSpec] = {t.name: t for t in TABLES}
SPEC_BY_FILE: dict[str, TableSpec] = {t.file: t for t in TABLES}
TABLE_ORDER: dict[str, int] = {t.name: i for i, t in enumerate(TABLES)}

DB_LOCATION = "registry database"
"""``Problem.file`` of problems found in rows already stored (not in the imported files)."""

# --- natural keys and records ---------------------------------------------------------------------------------

Key = tuple[Any, ...]


def record_of(spec: TableSpec, obj: Any, keys: dict[Any, Key] | None = None) -> dict[str, Any]:
    """The file-shaped record (codes instead of ids) of a stored row.

    ``keys`` (object → natural key) caches the keys of referenced rows; pass one dict when converting many rows,
    referenced tables first.
    """
    rec: dict[str, Any] = {}
    for c in spec.columns:
        if not c.ref:
            rec[c.name] = getattr(obj, c.name)
    for r in spec.refs:
        target = getattr(obj, r.rel)
        if target is None:
            rec.setdefault(r.cols[-1], None)
            for col in r.cols[:-1]:
                rec.setdefault(col, None)
            continue
        tkey = keys.get(target) if keys is not None else None
        if tkey is None:
            tkey = key_of(SPECS[r.table], record_of(SPECS[r.table], target, keys))
            if keys is not None:
                keys[target] = tkey
        for col, v in zip(r.cols, tkey, strict=True):
            rec[col] = v
    return {c.name: rec.get(c.name) for c in spec.columns}


def key_of(spec: TableSpec, rec: dict[str, Any]) -> Key:
    """Natural key of a record (datetimes in UTC)."""
    return tuple(rec.get(k) for k in spec.key)


def describe_key(spec: TableSpec, key: Key) -> str:
    """``mine_code=…, code=…`` text of a natural key."""
    return ", ".join(f"{k}={_text(v)}" for k, v in zip(spec.key, key, strict=True) if v is not None)


def _text(v: Any) -> str:
    if isinstance(v, datetime):
        return v.astimezone(CST).isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


# --- reading files --------------------------------------------------------------------------------------------


@dataclass
class Sheet:
    """The raw rows of one table from one source (a CSV file or one workbook sheet)."""

    spec: TableSpec
    label: str
    header: list[str]
    rows: list[tuple[int, list[Any]]]  # (line number, cells)


class _Bad(Exception):
    def __init__(self, message: str, fix: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


def _table_files_help() -> str:
    return ", ".join(t.file + ".csv" for t in TABLES)


def read_sources(paths: Sequence[str | Path], problems: list[Problem]) -> list[Sheet]:
    """Read CSV files, folders of CSV files and .xlsx workbooks into :class:`Sheet` objects.

    Unreadable inputs are added to ``problems``.
    """
    sheets: list[Sheet] = []
    for p in paths:
        path = Path(p)
        label = str(p)
        if path.is_dir():
            found = sorted(f for f in path.iterdir() if f.suffix.lower() == ".csv" and f.stem in SPEC_BY_FILE)
            if not found:
                problems.append(Problem("folder holds none of the registry files", file=label,
                                        fix=f"put files named {_table_files_help()} in it"))
            for f in found:
                sheets.extend(_read_csv(f, str(path / f.name), problems))
        elif not path.exists():
            problems.append(Problem("no such file or folder", file=label, fix="check the path"))
        elif path.suffix.lower() == ".xlsx":
            sheets.extend(_read_xlsx(path, label, problems))
        elif path.suffix.lower() == ".csv":
            if path.stem not in SPEC_BY_FILE:
                problems.append(Problem("file name is not a registry table", file=label, value=path.name,
                                        fix=f"name it one of {_table_files_help()}"))
                continue
            sheets.extend(_read_csv(path, label, problems))
        else:
            problems.append(Problem("not a CSV file, folder or .xlsx workbook", file=label,
                                    fix="give registry CSV files, a folder of them, or an .xlsx workbook"))
    return sheets


def _read_csv(path: Path, label: str, problems: list[Problem]) -> list[Sheet]:
    spec = SPEC_BY_FILE[path.stem]
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(f"cannot read the file ({exc.strerror})", file=label, fix="check the file"))
        return []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem("file is not UTF-8 text", file=label, line=line,
                                fix="save it as 'CSV UTF-8 (逗号分隔)' (Excel) or re-encode it to UTF-8"))
        return []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows: list[tuple[int, list[Any]]] = []
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if header is None:
                header = [h.strip() for h in cells]
                continue
            if all(not c.strip() for c in cells):
                continue
            rows.append((line, list(cells)))
    except csv.Error as exc:
        problems.append(Problem(f"CSV syntax error ({exc})", file=label, line=reader.line_num,
                                fix="check quotes and separators on that line"))
        return []
    if header is None or not any(header):
        problems.append(Problem("empty file (no header row)", file=label, line=1,
                                fix=f"the first line must name the columns: {', '.join(spec.column_names)}"))
        return []
    return [Sheet(spec, label, header, rows)]


def _read_xlsx(path: Path, label: str, problems: list[Problem]) -> list[Sheet]:
    import zipfile

    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        problems.append(Problem(f"cannot open the workbook ({type(exc).__name__}: {exc})", file=label,
                                fix="save it as an Excel .xlsx workbook"))
        return []
    out: list[Sheet] = []
    try:
        for ws in wb.worksheets:
            spec = SPEC_BY_FILE.get(ws.title.strip())
            if spec is None:
                continue
            slabel = f"{label}[{ws.title}]"
            header: list[str] | None = None
            rows: list[tuple[int, list[Any]]] = []
            for i, values in enumerate(ws.iter_rows(values_only=True), start=1):
                cells = list(values)
                if header is None:
                    header = ["" if v is None else str(v).strip() for v in cells]
                    continue
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
                    continue
                rows.append((i, cells))
            if header is None or not any(header):
                problems.append(Problem("empty sheet (no header row)", file=slabel, line=1,
                                        fix=f"row 1 must name the columns: {', '.join(spec.column_names)}"))
                continue
            while header and not header[-1]:
                header.pop()
            out.append(Sheet(spec, slabel, header, rows))
    finally:
        wb.close()
    if not out:
        problems.append(Problem("workbook has none of the registry sheets", file=label,
                                fix="name the sheets " + ", ".join(t.file for t in TABLES)))
    return out


# --- parsing cells --------------------------------------------------------------------------------------------

_CODE = re.compile(r"[^\s/\\]+")
_MINE_CODE_FORBIDDEN = re.compile(r"[_=]")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_SENSOR = re.compile(r"\d{1,4}")
_TRUE = {"true", "1", "yes", "y", "t", "是", "真"}
_FALSE = {"false", "0", "no", "n", "f", "否", "假"}

_NAIVE_FIX = ("add the UTC offset, e.g. 2025-03-01T08:00:00+08:00 (China Standard Time), or give a plain date "
              "(YYYY-MM-DD = 00:00 China Standard Time)")


def _is_empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _cell_text(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime):
        return raw.isoformat(sep=" ")
    return str(raw).strip()


def _cst_midnight(d: date) -> datetime:
    return datetime.combine(d, time(0), CST).astimezone(UTC)


def _parse_float(raw: Any, col: Column) -> float:
    if isinstance(raw, bool):
        raise _Bad("not a number", "write a number")
    if isinstance(raw, int | float):
        v = float(raw)
    else:
        s = str(raw).strip()
        try:
            v = float(s)
        except ValueError:
            fix = "write a plain number with '.' as decimal point"
            if "," in s or "，" in s:
                fix += " and no thousands separators"
            raise _Bad("not a number", fix + (f" (unit: {col.unit})" if col.unit else "")) from None
    if not math.isfinite(v):
        raise _Bad("not a finite number", "write a finite number")
    if col.nonzero and v == 0:
        raise _Bad("must not be 0", "write a non-zero number")
    if col.lo is not None and (v <= col.lo if col.lo_open else v < col.lo):
        raise _Bad(f"must be {'>' if col.lo_open else '≥'} {col.lo:g}" + (f" {col.unit}" if col.unit else ""),
                   _range_fix(col))
    if col.hi is not None and v > col.hi:
        raise _Bad(f"must be ≤ {col.hi:g}" + (f" {col.unit}" if col.unit else ""), _range_fix(col))
    return v


def _range_fix(col: Column) -> str:
    lo = "" if col.lo is None else f"{col.lo:g}"
    hi = "" if col.hi is None else f"{col.hi:g}"
    if lo and hi:
        return f"give a value from {lo} to {hi}" + (f" {col.unit}" if col.unit else "")
    return f"give a value {'above' if col.lo_open else 'from'} {lo}" + (f" {col.unit}" if col.unit else "")


def _parse_date(raw: Any) -> date:
    if isinstance(raw, datetime):
        if raw.time() != time(0):
            raise _Bad("a date was expected, not a date-time", "write the date as YYYY-MM-DD")
        return raw.date()
    if isinstance(raw, date):
        return raw
    s = _cell_text(raw)
    if not _DATE.fullmatch(s):
        raise _Bad("not a date", "write the date as YYYY-MM-DD, e.g. 2025-03-01")
    try:
        return date.fromisoformat(s)
    except ValueError:
        raise _Bad("not a calendar date", "write an existing date as YYYY-MM-DD") from None


def _parse_datetime(raw: Any) -> datetime:
    """Aware UTC datetime from an ISO 8601 text with offset, a plain date (00:00 CST) or an Excel cell."""
    if isinstance(raw, datetime):
        if raw.tzinfo is not None:
            return raw.astimezone(UTC)
        if raw.time() == time(0):
            return _cst_midnight(raw.date())
        raise _Bad("date-time without UTC offset (Excel date-times cannot carry one)",
                   "format the cell as text and " + _NAIVE_FIX)
    if isinstance(raw, date):
        return _cst_midnight(raw)
    s = _cell_text(raw)
    if _DATE.fullmatch(s):
        try:
            return _cst_midnight(date.fromisoformat(s))
        except ValueError:
            raise _Bad("not a calendar date", "write an existing date as YYYY-MM-DD") from None
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        raise _Bad("not an ISO 8601 date-time", "write e.g. 2025-03-01T08:00:00+08:00 or 2025-03-01") from None
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise _Bad("date-time without UTC offset", _NAIVE_FIX)
    return dt.astimezone(UTC)


def _parse_month(raw: Any) -> str:
    if isinstance(raw, datetime | date):
        if raw.day != 1 or (isinstance(raw, datetime) and raw.time() != time(0)):
            raise _Bad("a month was expected, not a date", "write the month as YYYY-MM (format the cell as text)")
        return f"{raw.year:04d}-{raw.month:02d}"
    s = _cell_text(raw)
    m = _MONTH.fullmatch(s)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise _Bad("not a month", "write the month as YYYY-MM, e.g. 2025-03")
    return s


def _parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    s = _cell_text(raw).lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise _Bad("not a yes/no value", "write true or false (also accepted: yes/no, 1/0, 是/否)")


def _parse_enum(raw: Any, col: Column) -> str:
    s = _cell_text(raw)
    if s in col.choices:
        return s
    close = difflib.get_close_matches(s, col.choices, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    raise _Bad("unknown value", hint + "use one of " + ", ".join(col.choices))


def _parse_code(raw: Any, col: Column, spec: TableSpec, max_len: int | None) -> str:
    s = _cell_text(raw)
    if not _CODE.fullmatch(s):
        raise _Bad("a code may not contain spaces, '/' or '\\'", "write the code without them")
    if max_len is not None and len(s) > max_len:
        raise _Bad(f"code longer than {max_len} characters", f"shorten it to at most {max_len} characters")
    is_mine_code = (spec.name == "mine" and col.name == "code") or col.name == "mine_code"
    if is_mine_code and _MINE_CODE_FORBIDDEN.search(s):
        raise _Bad("a mine code may not contain '_' or '=' (it is used in file and folder names)",
                   "use the 煤矿编码 of the monitoring files")
    return s


def _parse_text(raw: Any, max_len: int | None) -> str:
    s = _cell_text(raw)
    if max_len is not None and len(s) > max_len:
        raise _Bad(f"text longer than {max_len} characters", f"shorten it to at most {max_len} characters")
    return s


def _parse_unit(raw: Any) -> str:
    try:
        return vocab.lookup_unit(_cell_text(raw)).spelling
    except vocab.UnitError as exc:
        raise _Bad(str(exc), exc.fix) from None


def _parse_sensor(raw: Any) -> str:
    s = _cell_text(raw)
    if not _SENSOR.fullmatch(s):
        raise _Bad("not a KJ sensor type code", "write the 4-digit code, e.g. 0022 (管道瓦斯)")
    return s.zfill(4)


def _max_len(spec: TableSpec, col: Column) -> int | None:
    if col.ref:
        return None
    t = spec.model.__table__.c[col.name].type
    return getattr(t, "length", None)


def parse_cell(spec: TableSpec, col: Column, raw: Any) -> Any:
    """Parse one non-empty cell of ``col`` (raises ``_Bad`` with message and fix)."""
    k = col.kind
    if k == "code":
        return _parse_code(raw, col, spec, _max_len(spec, col))
    if k == "text":
        return _parse_text(raw, _max_len(spec, col))
    if k == "enum":
        return _parse_enum(raw, col)
    if k == "float":
        return _parse_float(raw, col)
    if k == "bool":
        return _parse_bool(raw)
    if k == "date":
        return _parse_date(raw)
    if k == "datetime":
        return _parse_datetime(raw)
    if k == "month":
        return _parse_month(raw)
    if k == "unit":
        return _parse_unit(raw)
    if k == "sensor":
        return _parse_sensor(raw)
    raise AssertionError(f"unknown column kind {k!r}")  # pragma: no cover


# --- parsed rows ----------------------------------------------------------------------------------------------


@dataclass
class Row:
    """One parsed input row."""

    spec: TableSpec
    file: str
    line: int
    values: dict[str, Any]
    raw: dict[str, Any]
    bad: set[str] = field(default_factory=set)


def parse_sheet(sheet: Sheet, problems: list[Problem]) -> list[Row]:
    """Check the header and parse every row of one sheet; problems go to ``problems``."""
    spec = sheet.spec
    names = set(spec.column_names)
    index: dict[str, int] = {}
    for i, h in enumerate(sheet.header):
        if h.startswith("#"):
            continue
        if not h:
            if any(i < len(cells) and not _is_empty(cells[i]) for _, cells in sheet.rows):
                problems.append(Problem("column without a name holds values", file=sheet.label, line=1,
                                        field=f"column {i + 1}", fix="name the column or delete it"))
            continue
        if h not in names:
            close = difflib.get_close_matches(h, spec.column_names, n=1)
            problems.append(Problem("unknown column", file=sheet.label, line=1, field=h,
                                    fix=(f"did you mean '{close[0]}'? " if close else "")
                                    + "columns are " + ", ".join(spec.column_names)
                                    + " (start a header with # to keep a comment column)"))
            continue
        if h in index:
            problems.append(Problem("column appears twice", file=sheet.label, line=1, field=h,
                                    fix="keep one column of that name"))
            continue
        index[h] = i
    missing_key = False
    for c in spec.columns:
        if c.required and c.name not in index:
            problems.append(Problem("required column missing", file=sheet.label, line=1, field=c.name,
                                    fix=f"add a column '{c.name}' ({c.doc}) to the header row"))
            missing_key = missing_key or c.name in spec.key
    rows: list[Row] = []
    width = len(sheet.header)
    for line, cells in sheet.rows:
        if len(cells) > width and any(not _is_empty(c) for c in cells[width:]):
            problems.append(Problem(f"row has {len(cells)} cells but the header names {width} columns",
                                    file=sheet.label, line=line,
                                    fix="remove the extra cells or quote cells that contain commas"))
            continue
        row = Row(spec, sheet.label, line, {}, {})
        for name, i in index.items():
            col = spec.column(name)
            raw = cells[i] if i < len(cells) else None
            row.raw[name] = raw
            if _is_empty(raw):
                if col.required:
                    row.bad.add(name)
                    problems.append(Problem("required value is empty", file=sheet.label, line=line, field=name,
                                            fix=f"fill in {name} ({col.doc})"))
                row.values[name] = col.default
                continue
            try:
                row.values[name] = parse_cell(spec, col, raw)
            except _Bad as exc:
                row.bad.add(name)
                problems.append(Problem(exc.message, file=sheet.label, line=line, field=name,
                                        value=_cell_text(raw), fix=exc.fix))
        if missing_key:
            continue
        rows.append(row)
    return rows


# --- merged view and validation -------------------------------------------------------------------------------


@dataclass
class Entry:
    """One row of the merged view: stored values overlaid with the imported ones."""

    spec: TableSpec
    record: dict[str, Any]
    stored: dict[str, Any] | None = None
    obj: Any = None
    row: Row | None = None

    @property
    def status(self) -> str:
        if self.row is None:
            return "stored"
        if self.obj is None:
            return "inserted"
        return "unchanged" if self.record == self.stored else "updated"


class Checker:
    """Collects problems about one entry, located at its input row (or at the stored row)."""

    def __init__(self, entry: Entry, problems: list[Problem]) -> None:
        self.e = entry
        self.problems = problems

    def add(self, fld: str, message: str, fix: str | None = None) -> None:
        e = self.e
        if e.row is not None:
            if fld in e.row.bad:
                return  # already reported when the cell was parsed
            raw = e.row.raw.get(fld, e.record.get(fld))
            value = None if _is_empty(raw) else _cell_text(raw) if fld in e.row.raw else _text(raw)
            self.problems.append(Problem(message, file=e.row.file, line=e.row.line, field=fld, value=value,
                                         fix=fix))
        else:
            v = e.record.get(fld)
            key = describe_key(e.spec, key_of(e.spec, e.record))
            self.problems.append(Problem(f"stored {e.spec.name} ({key}): {message}", file=DB_LOCATION, field=fld,
                                         value=None if v is None else _text(v), fix=fix))

    def where(self) -> str:
        e = self.e
        if e.row is not None:
            return f"{e.row.file}:{e.row.line}"
        return f"{DB_LOCATION} ({describe_key(e.spec, key_of(e.spec, e.record))})"


@dataclass
class View:
    """The merged view of every table: natural key → :class:`Entry`."""

    tables: dict[str, dict[Key, Entry]]

    def get(self, table: str, key: Key) -> Entry | None:
        return self.tables[table].get(key)


def _load_stored(session: Session) -> View:
    tables: dict[str, dict[Key, Entry]] = {}
    keys: dict[Any, Key] = {}
    for spec in TABLES:
        objs = session.scalars(sa.select(spec.model).order_by(spec.model.__table__.c["id"])).all()
        tables[spec.name] = {}
        for obj in objs:
            rec = record_of(spec, obj, keys)
            key = keys[obj] = key_of(spec, rec)
            tables[spec.name][key] = Entry(spec, dict(rec), dict(rec), obj)
    return View(tables)


def _overlay(view: View, rows: list[Row], problems: list[Problem]) -> None:
    for row in sorted(rows, key=lambda r: TABLE_ORDER[r.spec.name]):
        spec = row.spec
        if any(k in row.bad for k in spec.key):
            continue
        rec_key = tuple(row.values.get(k) for k in spec.key)
        entry = view.tables[spec.name].get(rec_key)
        if entry is not None and entry.row is not None:
            first = entry.row
            problems.append(Problem(f"duplicate {spec.name} ({describe_key(spec, rec_key)}), "
                                    f"also at {first.file}:{first.line}",
                                    file=row.file, line=row.line, field=spec.key[-1],
                                    value=_text(rec_key[-1]) if rec_key[-1] is not None else None,
                                    fix="keep one row per key"))
            continue
        if entry is None:
            rec = {c.name: c.default for c in spec.columns}
            rec.update(row.values)
            view.tables[spec.name][rec_key] = Entry(spec, rec, None, None, row)
        else:
            entry.record.update(row.values)
            entry.row = row


def _check_refs(view: View, e: Entry, ck: Checker) -> None:
    spec, rec = e.spec, e.record
    mine_reported = False
    for r in spec.refs:
        if rec.get(r.cols[-1]) is None:
            continue
        tkey = tuple(rec.get(c) for c in r.cols)
        if any(v is None for v in tkey):
            continue
        if r.cols[0] == "mine_code" and len(r.cols) > 1 and view.get("mine", (rec["mine_code"],)) is None:
            if not mine_reported and not any(x.table == "mine" for x in spec.refs):
                ck.add("mine_code", "unknown mine", "add the mine to mines.csv or correct the code")
            mine_reported = True
            continue
        if view.get(r.table, tkey) is None:
            tspec = SPECS[r.table]
            ck.add(r.cols[-1], f"unknown {r.table.replace('_', ' ')}",
                   f"add it to {tspec.file}.csv or correct the code")


def _ref(view: View, e: Entry, table: str, cols: tuple[str, ...]) -> Entry | None:
    tkey = tuple(e.record.get(c) for c in cols)
    if any(v is None for v in tkey):
        return None
    return view.get(table, tkey)


def _check_region(view: View, e: Entry, ck: Checker) -> None:
    rec = e.record
    parent = _ref(view, e, "region", ("parent_code",))
    if parent is None or rec.get("level") not in vocab.REGION_LEVEL_RANK:
        return
    if parent.record.get("level") in vocab.REGION_LEVEL_RANK and \
            vocab.REGION_LEVEL_RANK[parent.record["level"]] >= vocab.REGION_LEVEL_RANK[rec["level"]]:
        ck.add("parent_code", f"parent region is a {parent.record['level']}, not above a {rec['level']}",
               "give the code of the enclosing region of a higher level")
        return
    seen = {rec["code"]}
    cur: Entry | None = parent
    while cur is not None:
        code = cur.record["code"]
        if code in seen:
            ck.add("parent_code", "regions form a cycle", "check the parent codes")
            return
        seen.add(code)
        cur = _ref(view, cur, "region", ("parent_code",))


def _check_mine(view: View, e: Entry, ck: Checker) -> None:
    county = _ref(view, e, "region", ("county_code",))
    if county is not None and county.record.get("level") != "county":
        ck.add("county_code", f"region is a {county.record.get('level')}, not a county",
               "give the code of the county (县/市/区) the mine lies in")


def _check_unit(view: View, e: Entry, ck: Checker) -> None:
    rec = e.record
    kind, tech = rec.get("kind"), rec.get("technology")
    if kind in vocab.KIND_TECHNOLOGIES and tech in vocab.TECHNOLOGIES and tech not in vocab.KIND_TECHNOLOGIES[kind]:
        ck.add("technology", f"technology does not fit a unit of kind {kind!r}",
               "use one of " + ", ".join(vocab.KIND_TECHNOLOGIES[kind]))
    lo, hi = rec.get("ch4_min_pct"), rec.get("ch4_max_pct")
    if lo is not None and hi is not None and lo > hi:
        ck.add("ch4_min_pct", f"CH4 window minimum {lo:g} % is above the maximum {hi:g} %",
               "make ch4_min_pct ≤ ch4_max_pct (both within 0–100 %)")


def _check_station(view: View, e: Entry, ck: Checker) -> None:
    rec = e.record
    role = rec.get("role")
    if role in vocab.UNIT_ROLES and rec.get("unit_code") is None:
        ck.add("unit_code", f"a station with role {role} must name its unit", "fill in unit_code (units.csv)")
        return
    unit = _ref(view, e, "unit", ("mine_code", "unit_code"))
    if role == "flare_inlet" and unit is not None and unit.record.get("kind") != "flare":
        ck.add("unit_code", f"unit is a {unit.record.get('kind')}, not a flare",
               "give the code of a unit of kind flare, or change the role")


def _check_point_config(view: View, e: Entry, ck: Checker) -> None:
    rec = e.record
    point = _ref(view, e, "point", ("mine_code", "point_code"))
    vf, vt = rec.get("valid_from"), rec.get("valid_to")
    if vf is not None and vt is not None and vt <= vf:
        ck.add("valid_to", "validity ends before it starts", "make valid_to later than valid_from")
    if point is None:
        return
    q = point.record.get("quantity")
    if q not in vocab.QUANTITIES:
        return
    factor, offset = 1.0, 0.0
    unit = rec.get("unit")
    if q == "state":
        if unit is not None:
            ck.add("unit", "a state point takes no unit", "leave unit empty")
    elif unit is None:
        ck.add("unit", f"unit is required for a {q} point", "fill in the unit of the readings, e.g. "
               + {"ch4_pct": "%CH4", "pressure": "kPa", "temperature": "℃"}.get(q, "m³/min"))
    else:
        try:
            nu = vocab.normalise_unit(unit, q)
            factor, offset = nu.factor, nu.offset
        except vocab.UnitError as exc:
            ck.add("unit", str(exc), exc.fix)
    fb = rec.get("flow_basis")
    if q in vocab.FLOW_QUANTITIES:
        if fb is None:
            ck.add("flow_basis", f"flow_basis is required for a {q} point",
                   "write working (工况, line conditions) or reference (标况)")
        elif fb == "working" and unit == "Nm³/min":
            ck.add("flow_basis", "unit Nm³/min is a reference-state flow but flow_basis is working",
                   "set flow_basis = reference with its ref_state, or use unit m³/min")
    elif fb is not None:
        ck.add("flow_basis", f"a {q} point takes no flow_basis", "leave flow_basis empty")
    rs = rec.get("ref_state")
    if fb == "reference" and rs is None:
        ck.add("ref_state", "ref_state is required when flow_basis = reference", "write 0C, 20C or 60F")
    elif fb != "reference" and rs is not None:
        ck.add("ref_state", "ref_state only applies when flow_basis = reference", "leave ref_state empty")
    pk = rec.get("pressure_kind")
    if q == "pressure":
        if pk is None:
            ck.add("pressure_kind", "pressure_kind is required for a pressure point",
                   "write absolute or gauge (负压 is a negative gauge pressure)")
        elif pk == "gauge":
            mine = view.get("mine", (rec.get("mine_code"),))
            if mine is not None and mine.record.get("barometric_kpa") is None:
                ck.add("pressure_kind", "a gauge pressure needs the mine's barometric_kpa, which is empty",
                       f"fill in barometric_kpa of mine {rec.get('mine_code')} in mines.csv")
    elif pk is not None:
        ck.add("pressure_kind", f"a {q} point takes no pressure_kind", "leave pressure_kind empty")
    if q in vocab.CUMULATIVE_QUANTITIES:
        if rec.get("counter_reset") is None:
            if e.row is not None:
                rec["counter_reset"] = "none"
            else:
                ck.add("counter_reset", "counter_reset is required for a cumulative point",
                       "add this configuration to point_configs.csv with counter_reset none, daily or monthly")
    else:
        for f in ("counter_reset", "counter_max"):
            if rec.get(f) is not None:
                ck.add(f, f"a {q} point takes no {f} (only cumulatives)", f"leave {f} empty")
    lo, hi = rec.get("range_low"), rec.get("range_high")
    if lo is not None and hi is not None and lo >= hi:
        ck.add("range_high", f"range high {hi:g} is not above range low {lo:g}", "make range_low < range_high")
    if q == "ch4_pct":
        for f, v in (("range_low", lo), ("range_high", hi)):
            if v is not None and not -1e-9 <= v * factor + offset <= 100 + 1e-9:
                ck.add(f, f"CH4 range outside 0–100 % ({v:g} {unit or ''} = {v * factor + offset:g} %)",
                       "give the instrument range within 0–100 %")


def _check_gas_link(view: View, e: Entry, ck: Checker) -> None:
    rec = e.record
    ts, tu = rec.get("to_station_code"), rec.get("to_unit_code")
    bad = e.row is not None and ({"to_station_code", "to_unit_code"} & e.row.bad)
    if not bad and (ts is None) == (tu is None):
        which = "both" if ts is not None else "neither"
        ck.add("to_station_code", f"{which} of to_station_code and to_unit_code given",
               "give exactly one target: a downstream station or a unit")
    if ts is not None and ts == rec.get("from_station_code"):
        ck.add("to_station_code", "a link from a station to itself", "give the downstream station")
    vf, vt = rec.get("valid_from"), rec.get("valid_to")
    if vf is not None and vt is not None and vt <= vf:
        ck.add("valid_to", "validity ends before it starts", "make valid_to later than valid_from")


def _check_calibration(view: View, e: Entry, ck: Checker) -> None:
    rec = e.record
    po, nd = rec.get("performed_on"), rec.get("next_due")
    if po is not None and nd is not None and nd < po:
        ck.add("next_due", "next due date is before the calibration date", "check next_due")


_CHECKS: dict[str, Callable[[View, Entry, Checker], None]] = {
    "region": _check_region,
    "mine": _check_mine,
    "unit": _check_unit,
    "station": _check_station,
    "point_config": _check_point_config,
    "gas_link": _check_gas_link,
    "calibration": _check_calibration,
}


def find_overlaps(intervals: Iterable[tuple[datetime, datetime | None, int]]) -> list[tuple[int, int]]:
    """Pairs of ids of overlapping half-open intervals ``[start, end)`` (``end`` None = open).

    Sorted by start, each interval is compared with the earlier one that reaches furthest; every interval that
    overlaps any earlier one is reported once, paired with that earlier interval. The result is empty iff no
    two intervals overlap.
    """
    items = sorted(intervals, key=lambda t: (t[0], t[2]))
    out: list[tuple[int, int]] = []
    reach: datetime | None = None
    reach_id: int | None = None
    open_ended = False
    for start, end, ident in items:
        if reach_id is not None and (open_ended or (reach is not None and start < reach)):
            out.append((reach_id, ident))
        if end is None:
            if not open_ended:
                open_ended, reach_id = True, ident
        elif not open_ended and (reach is None or end > reach):
            reach, reach_id = end, ident
    return out


def _check_overlaps(view: View, table: str, group_cols: tuple[str, ...], what: str, within: str,
                    problems: list[Problem]) -> None:
    groups: dict[Key, list[Entry]] = defaultdict(list)
    for e in view.tables[table].values():
        if e.record.get("valid_from") is None:
            continue
        groups[tuple(e.record.get(c) for c in group_cols)].append(e)
    for members in groups.values():
        if len(members) < 2:
            continue
        pairs = find_overlaps((m.record["valid_from"], m.record.get("valid_to"), i) for i, m in enumerate(members))
        for a, b in pairs:
            ea, eb = members[a], members[b]
            # report at the imported row (the later one if both are imported)
            target, other = (eb, ea) if eb.row is not None or ea.row is None else (ea, eb)
            o = other.record
            span = f"{_text(o['valid_from'])} – {_text(o['valid_to']) if o.get('valid_to') else 'open'}"
            Checker(target, problems).add(
                "valid_from", f"validity overlaps another {what} of the same {within}"
                              f" ({span}, {Checker(other, problems).where()})",
                "make the intervals meet without overlap: end the earlier one (valid_to) where the next begins")


def validate(view: View, problems: list[Problem]) -> None:
    """Check references and cross-field rules on every entry of the merged view."""
    for spec in TABLES:
        check = _CHECKS.get(spec.name)
        for e in view.tables[spec.name].values():
            ck = Checker(e, problems)
            _check_refs(view, e, ck)
            if check is not None:
                check(view, e, ck)
    _check_overlaps(view, "point_config", ("mine_code", "point_code"), "configuration", "point", problems)
    _check_overlaps(view, "gas_link", ("mine_code", "from_station_code", "to_station_code", "to_unit_code"),
                    "link", "edge (from and to)", problems)


# --- applying -------------------------------------------------------------------------------------------------


@dataclass
class TableCounts:
    """Rows of one table in an import."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged


@dataclass
class ImportSummary:
    """What an import did (or, with ``dry_run``, would do), per table in dependency order."""

    counts: dict[str, TableCounts]
    dry_run: bool
    sources: list[str]

    @property
    def changed(self) -> bool:
        return any(c.inserted or c.updated for c in self.counts.values())


def _derive(spec: TableSpec, obj: Any, view: View, rec: dict[str, Any]) -> None:
    """Set the derived columns of a point configuration: unit factor and offset to the canonical unit."""
    point = view.get("point", (rec["mine_code"], rec["point_code"]))
    assert point is not None and obj is not None
    q = point.record["quantity"]
    factor: float | None = None
    offset: float | None = None
    if rec.get("unit") is not None and q != "state":
        nu = vocab.normalise_unit(rec["unit"], q)
        factor, offset = nu.factor, nu.offset
    if obj.unit_factor != factor:
        obj.unit_factor = factor
    if obj.unit_offset != offset:
        obj.unit_offset = offset


def _apply(session: Session, view: View) -> None:
    todo: list[Entry] = []
    for spec in TABLES:
        for e in view.tables[spec.name].values():
            if e.status not in ("inserted", "updated"):
                continue
            if e.obj is None:
                e.obj = spec.model()
                session.add(e.obj)
            for c in spec.columns:
                if not c.ref and getattr(e.obj, c.name) != e.record[c.name]:
                    setattr(e.obj, c.name, e.record[c.name])
            todo.append(e)
    for e in todo:
        for r in e.spec.refs:
            target = _ref(view, e, r.table, r.cols) if e.record.get(r.cols[-1]) is not None else None
            tobj = None if target is None else target.obj
            if getattr(e.obj, r.rel) is not tobj:
                setattr(e.obj, r.rel, tobj)
    # derived columns of every configuration (a point's quantity may have changed under a stored config)
    for e in view.tables["point_config"].values():
        _derive(e.spec, e.obj, view, e.record)
    session.flush()


def import_registry(session: Session, paths: Sequence[str | Path], *, dry_run: bool = False) -> ImportSummary:
    """Validate and upsert registry files into the database of ``session``.

    Parameters
    ----------
    session : an open session; the caller commits (e.g. :func:`minegas.registry.db.session_scope`).
    paths : CSV files named after the tables, folders of them, or .xlsx workbooks.
    dry_run : validate and count only; write nothing.

    Returns
    -------
    ImportSummary with rows inserted / updated / unchanged per table.

    Raises
    ------
    InputError
        With every problem found (``file:line: field 'x': message (got 'v') — fix: …``); nothing is written.
    """
    problems: list[Problem] = []
    sheets = read_sources(paths, problems)
    rows: list[Row] = []
    for sh in sheets:
        rows.extend(parse_sheet(sh, problems))
    view = _load_stored(session)
    _overlay(view, rows, problems)
    validate(view, problems)
    if problems:
        problems.sort(key=lambda p: (p.file or "", p.line or 0))
        raise InputError(f"registry import rejected: {len(problems)} problem(s); nothing was imported", problems)
    counts = {spec.name: TableCounts() for spec in TABLES}
    for spec in TABLES:
        for e in view.tables[spec.name].values():
            st = e.status
            if st != "stored":
                setattr(counts[spec.name], st, getattr(counts[spec.name], st) + 1)
    if not dry_run:
        _apply(session, view)
    return ImportSummary(counts, dry_run, [str(p) for p in paths])


# --- documentation --------------------------------------------------------------------------------------------

_KIND_DOC = {
    "code": "code", "text": "text", "enum": "one of", "float": "number", "bool": "true/false", "date": "date",
    "datetime": "date-time", "month": "YYYY-MM", "unit": "unit", "sensor": "4 digits",
}


def columns_markdown(spec: TableSpec) -> str:
    """The Markdown table of one file's columns (used in docs/registry.md; a test keeps them in sync)."""
    lines = ["| column | type | unit | required | meaning |", "|---|---|---|---|---|"]
    for c in spec.columns:
        typ = _KIND_DOC[c.kind]
        if c.kind == "enum":
            typ = "one of " + " \\| ".join(f"`{v}`" for v in c.choices)
        req = "yes" if c.required else ("no (default " + _doc_default(c.default) + ")" if c.default is not None
                                        else "no")
        lines.append(f"| `{c.name}` | {typ} | {c.unit} | {req} | {c.doc} |")
    return "\n".join(lines)


def _doc_default(v: Any) -> str:
    if isinstance(v, bool):
        return "false" if not v else "true"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
