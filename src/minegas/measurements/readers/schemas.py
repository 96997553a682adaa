"""Output schemas of the monitoring-file readers and the :class:`ParsedFile` result (docs/formats.md §5).

Every reader returns Arrow tables with exactly these schemas (same column order and types), whatever the
source format. Times are UTC (``timestamp[us, tz=UTC]``, docs/conventions.md §4); ``record_no`` locates the
row in its source file (KJ text files: ``~``-terminated record number, the header is record 0; CSV: physical
line number; Parquet: 1-based row number; DB14 XML: 1-based ``data`` element number).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa

from minegas.errors import Problem

TS = pa.timestamp("us", tz="UTC")
"""The one time type of every table."""

READINGS_SCHEMA = pa.schema([
    pa.field("mine_code", pa.string(), nullable=False),
    pa.field("point_code", pa.string()),
    pa.field("station_code", pa.string()),
    pa.field("quantity", pa.string()),
    pa.field("ts", TS, nullable=False),
    pa.field("value", pa.float64(), nullable=False),
    pa.field("value_raw", pa.string()),
    pa.field("kj_status", pa.uint16(), nullable=False),
    pa.field("unit_raw", pa.string()),
    pa.field("sensor_name", pa.string()),
    pa.field("location", pa.string()),
    pa.field("record_no", pa.int32(), nullable=False),
])
"""One row per reading (CDSS, DB14 AQSS, canonical long and wide files).

- ``point_code``: the source's point code (KJ 测点编码, DB14 ss_transducer_code, canonical long
  ``point_code``); null for canonical wide files, whose rows are keyed by (``station_code``, ``quantity``).
- ``station_code``: DB14 ss_station_code, canonical wide ``station_code``; null for KJ CDSS (the point's
  substation is in CDDY).
- ``quantity``: canonical wide files only: the column name the value came from (``ch4_pct``,
  ``flow_m3_min`` …); null elsewhere (the registry maps points to quantities).
- ``value``: float64, **NaN** when the raw text is empty, not a finite number, or the sentinel -9999;
  ``value_raw`` then keeps the text as received (``""`` for an empty field). ``value_raw`` is null when the value
  parsed cleanly.
- ``kj_status``: MT/T 1201.1 测点状态 bitmask (0–255) as received; 0 when the format has none.
- ``unit_raw``, ``sensor_name`` (KJ 传感器类型名称, the Chinese name, not a code), ``location`` (测点安装位置):
  as received, null when empty.
"""

RELATION_TYPE = pa.list_(pa.struct([
    pa.field("kind", pa.string()),
    pa.field("point_code", pa.string()),
    pa.field("name", pa.string()),
]))
"""Parsed CDDY sensor relations (传感器关联关系): relation code (B/G/K/H/Z/D/T), related point, name."""

POINT_DEFS_SCHEMA = pa.schema([
    pa.field("mine_code", pa.string(), nullable=False),
    pa.field("point_code", pa.string(), nullable=False),
    pa.field("system_code", pa.string()),
    pa.field("station_code", pa.string()),
    pa.field("sensor_type_code", pa.string()),
    pa.field("value_type", pa.string()),
    pa.field("unit_raw", pa.string()),
    pa.field("range_high", pa.float64()),
    pa.field("range_low", pa.float64()),
    pa.field("alarm_high", pa.float64()),
    pa.field("alarm_high_release", pa.float64()),
    pa.field("alarm_low", pa.float64()),
    pa.field("alarm_low_release", pa.float64()),
    pa.field("cut_high", pa.float64()),
    pa.field("restore_high", pa.float64()),
    pa.field("cut_low", pa.float64()),
    pa.field("restore_low", pa.float64()),
    pa.field("open_desc", pa.string()),
    pa.field("stop_desc", pa.string()),
    pa.field("location", pa.string()),
    pa.field("x", pa.float64()),
    pa.field("y", pa.float64()),
    pa.field("z", pa.float64()),
    pa.field("relations_raw", pa.string()),
    pa.field("relations", RELATION_TYPE),
    pa.field("def_ts", TS, nullable=False),
    pa.field("sensor_name", pa.string()),
    pa.field("gis_node_code", pa.string()),
    pa.field("power_cut_area_code", pa.string()),
    pa.field("raw_extra", pa.string()),
    pa.field("record_no", pa.int32(), nullable=False),
])
"""Point definitions: KJ CDDY (all 24 fields) and DB14 AQMC.

Numbers (ranges, thresholds, coordinates) are float64: **null** when the field is empty ("not set"), NaN when
the text is not a finite number or is -9999 (the text is then kept in ``raw_extra``). ``sensor_name``,
``gis_node_code`` and ``power_cut_area_code`` exist in DB14 AQMC only. ``raw_extra`` is a JSON object (text)
of source fields that have no typed column or whose number did not parse, null when there are none.
"""

STATS_SCHEMA = pa.schema([
    pa.field("mine_code", pa.string(), nullable=False),
    pa.field("point_code", pa.string(), nullable=False),
    pa.field("sensor_name", pa.string()),
    pa.field("location", pa.string()),
    pa.field("unit_raw", pa.string()),
    pa.field("start_ts", TS, nullable=False),
    pa.field("end_ts", TS, nullable=False),
    pa.field("max_value", pa.float64()),
    pa.field("max_ts", TS),
    pa.field("min_value", pa.float64()),
    pa.field("min_ts", TS),
    pa.field("avg_value", pa.float64()),
    pa.field("data_ts", TS, nullable=False),
    pa.field("raw_extra", pa.string()),
    pa.field("record_no", pa.int32(), nullable=False),
])
"""Interval statistics (KJ TJSJ 测点统计). Number rule as in :data:`POINT_DEFS_SCHEMA`."""

EVENTS_SCHEMA = pa.schema([
    pa.field("mine_code", pa.string(), nullable=False),
    pa.field("point_code", pa.string(), nullable=False),
    pa.field("sensor_name", pa.string()),
    pa.field("location", pa.string()),
    pa.field("unit_raw", pa.string()),
    pa.field("event_type", pa.string(), nullable=False),
    pa.field("start_ts", TS, nullable=False),
    pa.field("end_ts", TS),
    pa.field("max_value", pa.float64()),
    pa.field("max_ts", TS),
    pa.field("min_value", pa.float64()),
    pa.field("min_ts", TS),
    pa.field("avg_value", pa.float64()),
    pa.field("reason", pa.string()),
    pa.field("measures", pa.string()),
    pa.field("entry_ts", TS),
    pa.field("entry_user", pa.string()),
    pa.field("data_ts", TS, nullable=False),
    pa.field("raw_extra", pa.string()),
    pa.field("record_no", pa.int32(), nullable=False),
])
"""Abnormal events (KJ YCBJ 测点异常/报警), deduplicated on (point_code, start_ts, event_type), see
:func:`minegas.measurements.readers.kj.dedup_events`. ``end_ts`` is null while the event is ongoing."""

SUBSTATION_DEFS_SCHEMA = pa.schema([
    pa.field("mine_code", pa.string(), nullable=False),
    pa.field("station_code", pa.string(), nullable=False),
    pa.field("location", pa.string()),
    pa.field("x", pa.float64()),
    pa.field("y", pa.float64()),
    pa.field("z", pa.float64()),
    pa.field("def_ts", TS, nullable=False),
    pa.field("raw_extra", pa.string()),
    pa.field("record_no", pa.int32(), nullable=False),
])
"""Substation definitions (KJ FZDY 分站定义)."""

SUBSTATION_STATUS_SCHEMA = pa.schema([
    pa.field("mine_code", pa.string(), nullable=False),
    pa.field("station_code", pa.string(), nullable=False),
    pa.field("run_state", pa.string()),
    pa.field("power_state", pa.string()),
    pa.field("ts", TS, nullable=False),
    pa.field("record_no", pa.int32(), nullable=False),
])
"""Substation states (KJ FZSS 分站实时). Codes are kept raw: the power-state tables of the sources conflict
(:data:`minegas.measurements.readers.codes.SUBSTATION_POWER_STATES`)."""

READINGS = "readings"
POINT_DEFS = "point_defs"
STATS = "stats"
EVENTS = "events"
SUBSTATION_DEFS = "substation_defs"
SUBSTATION_STATUS = "substation_status"

TABLE_SCHEMAS: dict[str, pa.Schema] = {
    READINGS: READINGS_SCHEMA,
    POINT_DEFS: POINT_DEFS_SCHEMA,
    STATS: STATS_SCHEMA,
    EVENTS: EVENTS_SCHEMA,
    SUBSTATION_DEFS: SUBSTATION_DEFS_SCHEMA,
    SUBSTATION_STATUS: SUBSTATION_STATUS_SCHEMA,
}
"""Table name (key of :attr:`ParsedFile.tables`) → schema."""


@dataclass
class ParsedFile:
    """What a reader made of one input file.

    Attributes
    ----------
    name : the file name used in problems (``Problem.file``).
    format : ``"kj"`` (networking text file), ``"db14"`` (DB14/T 671.1 XML), ``"csv"`` or ``"parquet"``
        (canonical shapes).
    kind : ``CDDY``, ``CDSS``, ``TJSJ``, ``YCBJ``, ``FZDY``, ``FZSS`` (kj); ``AQMC``, ``AQSS`` (db14);
        ``long``, ``wide`` (canonical).
    mine_code : the file's mine (KJ/DB14 header; canonical: the single mine of all rows, else None).
    mine_name : KJ header 煤矿名称 (None for other formats).
    file_time : the header's data time (KJ 数据时间, DB14 cs_data_time) in UTC; None for canonical files.
    name_time : the time in the KJ file name (``yyyyMMddHHmmss``, Beijing time) in UTC; else None.
    header : the raw header fields (KJ: ``mine_code``, ``mine_name``, ``data_time``, and for CDDY
        ``system_model``, ``system_name``, ``maker``, ``header_date``; DB14: the ``root`` and ``head``
        attributes; canonical: the ``# key: value`` lines).
    tables : table name (see :data:`TABLE_SCHEMAS`) → Arrow table with that schema. Only the tables the
        kind produces are present.
    problems : located problems of rejected records (``partial=True`` only; otherwise the reader raises).
        At most 1000 are listed plus one summary line; ``records_rejected`` has the true count.
    n_bytes, sha256 : size and SHA-256 (hex) of the raw bytes as read.
    encoding : ``utf-8``, ``utf-8-sig`` (with BOM) or ``gb18030`` for text formats; None for Parquet.
    records_total : records found in the file (excluding the header and empty records).
    records_rejected : records dropped because of a problem.
    """

    name: str
    format: str
    kind: str
    mine_code: str | None
    mine_name: str | None
    file_time: datetime | None
    name_time: datetime | None
    header: dict[str, str]
    tables: dict[str, pa.Table]
    problems: list[Problem] = field(default_factory=list)
    n_bytes: int = 0
    sha256: str = ""
    encoding: str | None = None
    records_total: int = 0
    records_rejected: int = 0

    @property
    def readings(self) -> pa.Table:
        """The ``readings`` table (KeyError when the kind has none; test with ``READINGS in tables``)."""
        if READINGS not in self.tables:
            raise KeyError(f"{self.kind} files have no readings table (tables: {', '.join(self.tables)})")
        return self.tables[READINGS]
