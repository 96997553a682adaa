"""Writers of minegas's canonical long and wide monitoring files (docs/formats.md §3), CSV and Parquet.

- long (one row per reading): ``mine_code, point_code, ts, value, status, unit``;
- wide (one row per station and sample time): ``station_code, ts, ch4_pct, flow_m3_min_work, flow_nm3_min,
  flow_m3_min_20c, pressure_kpa, temperature_c, cumulative_nm3, cumulative_m3_20c, status, mine_code``. The flow
  goes into the column of its meter's basis (working / 0 °C / 20 °C), in m³/min (m³/h readings ÷ 60); pressure in
  kPa (fan pressure in Pa ÷ 1000); totalisers in m³ (万m³ × 10⁴). A station's pure-flow point has no wide
  column and is only in the long files. ``status`` is the OR of the KJ status of the row's readings (a
  calibrating CH4 sensor marks its whole row). Empty cells: not measured or not sent.

Times: CSV ``2025-03-01T10:00:25+08:00``; Parquet ``timestamp[us, tz=UTC]``. One file per mine and CST month:
``canonical/long/<mine>_<YYYYMM>.csv|parquet`` and ``canonical/wide/…``.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from minegas.synth.signals import CST_OFFSET_S

LONG_SCHEMA = pa.schema([
    pa.field("mine_code", pa.string(), nullable=False),
    pa.field("point_code", pa.string(), nullable=False),
    pa.field("ts", pa.timestamp("us", tz="UTC"), nullable=False),
    pa.field("value", pa.float64(), nullable=False),
    pa.field("status", pa.uint16(), nullable=False),
    pa.field("unit", pa.string(), nullable=False),
])
"""Canonical long Parquet schema written by the generator."""

WIDE_COLUMNS = ("station_code", "ts", "ch4_pct", "flow_m3_min_work", "flow_nm3_min", "flow_m3_min_20c",
                "pressure_kpa", "temperature_c", "cumulative_nm3", "cumulative_m3_20c", "status", "mine_code")
"""Canonical wide columns written by the generator (a subset of what the reader accepts)."""

WIDE_SCHEMA = pa.schema([
    pa.field("station_code", pa.string(), nullable=False),
    pa.field("ts", pa.timestamp("us", tz="UTC"), nullable=False),
    *[pa.field(c, pa.float64()) for c in WIDE_COLUMNS[2:10]],
    pa.field("status", pa.uint16(), nullable=False),
    pa.field("mine_code", pa.string(), nullable=False),
])

FLOW_COLUMN = {"working": "flow_m3_min_work", "0C": "flow_nm3_min", "20C": "flow_m3_min_20c"}
"""Wide flow column of a meter basis."""
COUNTER_COLUMN = {"0C": "cumulative_nm3", "20C": "cumulative_m3_20c"}


def iso_cst(ts: npt.NDArray[np.int64]) -> pl.Series:
    """``yyyy-mm-ddTHH:MM:SS+08:00`` of UTC epoch seconds."""
    s = pl.from_epoch(pl.Series("ts", ts + CST_OFFSET_S), time_unit="s").dt.strftime("%Y-%m-%dT%H:%M:%S")
    return s + "+08:00"


class MonthlyWriter:
    """Appends day blocks to one CSV and/or Parquet file per (kind, CST month) of one mine.

    Files are opened lazily and closed by :meth:`close`; CSV gets its header once.
    """

    def __init__(self, root: Path, mine_code: str, kind: str, csv: bool, parquet: bool, schema: pa.Schema) -> None:
        self.root = root / "canonical" / kind
        self.mine = mine_code
        self.csv = csv
        self.parquet = parquet
        self.schema = schema
        self._csv: dict[str, IO[bytes]] = {}
        self._pq: dict[str, pq.ParquetWriter] = {}
        self.paths: list[Path] = []

    def append(self, month: str, table: pa.Table, csv_frame: pl.DataFrame) -> None:
        """Append one block (``table`` for Parquet, ``csv_frame`` with text times for CSV)."""
        if table.num_rows == 0:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        stem = f"{self.mine}_{month.replace('-', '')}"
        if self.parquet:
            w = self._pq.get(month)
            if w is None:
                path = self.root / f"{stem}.parquet"
                strings = [f.name for f in self.schema if pa.types.is_string(f.type)]
                w = pq.ParquetWriter(path, self.schema, compression="zstd", use_dictionary=strings)
                self._pq[month] = w
                self.paths.append(path)
            w.write_table(table.cast(self.schema))
        if self.csv:
            f = self._csv.get(month)
            header = f is None
            if f is None:
                path = self.root / f"{stem}.csv"
                f = path.open("wb")
                self._csv[month] = f
                self.paths.append(path)
            csv_frame.write_csv(f, include_header=header)

    def close(self) -> None:
        for w in self._pq.values():
            w.close()
        for f in self._csv.values():
            f.close()
        self._pq.clear()
        self._csv.clear()
