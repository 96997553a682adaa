"""SQLAlchemy models of the measurement store's bookkeeping (docs/store.md, docs/architecture.md "Measurement store").

The Parquet files under ``<store>/readings`` and ``<store>/aligned`` hold the data; these tables hold the truth
about them, committed in **one transaction per store commit**:

- ``store_commit`` — one row per commit (ingest, rebuild, compaction): its token (part of every file name it
  wrote), kind, who and when;
- ``ingest_batch`` — one row per ingested (or rejected) input file: source, bytes, SHA-256, record counts,
  when and by whom. ``batch_id`` (derived from the SHA-256) is what the ``batch_id`` column of the readings
  files refers to;
- ``store_file`` — **the manifest**: the Parquet files that exist, per dataset, mine and CST month. A file that is
  not listed here does not exist (``minegas store gc`` deletes such orphans);
- ``store_point_month`` / ``store_station_month`` — per partition and point (station): counts and the last
  reading (aligned sample), so that predecessor columns are computed across partition boundaries without
  scanning earlier partitions;
- ``reading_conflict`` — readings that repeated a stored (point, time) with a different value (the duplicate rule:
  first received wins; docs/store.md);
- ``kj_point_def`` — KJ CDDY (and DB14 AQMC) point definitions as received, the latest per point.

Mine and point codes are plain strings, not foreign keys: readings of mines and points not (yet) in the registry
are stored too (flag ``UNMAPPED``). The models share :class:`minegas.registry.models.Base` so that one set of
Alembic migrations builds both (migration ``0002_store``).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minegas.registry.models import Base, UTCDateTime, _in, _Stamped

DATASETS = ("readings", "aligned")
"""Datasets of the store: raw readings (+ predecessor columns) and aligned station samples."""

COMMIT_KINDS = ("ingest", "rebuild", "compact")
BATCH_STATUSES = ("committed", "rejected")
"""``committed``: the file's good records are in the store; ``rejected``: nothing of it was stored."""


class StoreCommit(_Stamped, Base):
    """One store commit: a group of Parquet files and registry rows that became visible together."""

    __tablename__ = "store_commit"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", COMMIT_KINDS), name="kind"),
        {"comment": "measurement-store commits (one transaction each)"},
    )

    token: Mapped[str] = mapped_column(sa.String(32), unique=True, nullable=False,
                                       comment="commit token, part of the names of the files it wrote")
    kind: Mapped[str] = mapped_column(sa.String(16), nullable=False, comment="ingest | rebuild | compact")
    created_by: Mapped[str | None] = mapped_column(sa.String(200), comment="user (or service) that committed")
    n_batches: Mapped[int] = mapped_column(sa.Integer, nullable=False, comment="input files recorded")
    n_files_added: Mapped[int] = mapped_column(sa.Integer, nullable=False, comment="Parquet files added")
    n_files_removed: Mapped[int] = mapped_column(sa.Integer, nullable=False, comment="Parquet files replaced")
    note: Mapped[str | None] = mapped_column(sa.Text, comment="free text (e.g. the command line)")


class IngestBatch(_Stamped, Base):
    """One input file (a batch) offered to ingest: content hash, counts, outcome."""

    __tablename__ = "ingest_batch"
    __table_args__ = (
        sa.CheckConstraint(_in("status", BATCH_STATUSES), name="status"),
        sa.Index("ux_ingest_batch_sha256_committed", "sha256", unique=True,
                 sqlite_where=sa.text("status = 'committed'"), postgresql_where=sa.text("status = 'committed'")),
        sa.Index("ux_ingest_batch_batch_id_committed", "batch_id", unique=True,
                 sqlite_where=sa.text("status = 'committed'"), postgresql_where=sa.text("status = 'committed'")),
        {"comment": "ingested input files (batches): source, bytes, SHA-256, record counts"},
    )

    batch_id: Mapped[int] = mapped_column(sa.BigInteger, nullable=False,
                                          comment="batch id of the readings (first 63 bits of the SHA-256)")
    commit_id: Mapped[int] = mapped_column(sa.ForeignKey("store_commit.id"), index=True, nullable=False,
                                           comment="commit that recorded the batch")
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False, comment="committed | rejected")
    source_path: Mapped[str] = mapped_column(sa.String(1000), nullable=False, comment="path as given to ingest")
    file_name: Mapped[str] = mapped_column(sa.String(300), nullable=False, comment="base name of the file")
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False, comment="SHA-256 of the bytes (hex)")
    n_bytes: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, comment="size [bytes]")
    format: Mapped[str | None] = mapped_column(sa.String(16), comment="kj | db14 | csv | parquet")
    kind: Mapped[str | None] = mapped_column(sa.String(8), comment="CDSS, CDDY, AQSS, long, wide …")
    mine_code: Mapped[str | None] = mapped_column(sa.String(64), index=True, comment="mine of the file")
    file_time: Mapped[datetime | None] = mapped_column(UTCDateTime, comment="data time of the file header [UTC]")
    records_total: Mapped[int] = mapped_column(sa.Integer, nullable=False, comment="records in the file")
    records_rejected: Mapped[int] = mapped_column(sa.Integer, nullable=False,
                                                  comment="records rejected (with --partial; all when rejected)")
    records_stored: Mapped[int] = mapped_column(sa.Integer, nullable=False,
                                                comment="new readings (or definitions) stored")
    records_duplicate: Mapped[int] = mapped_column(sa.Integer, nullable=False,
                                                   comment="readings identical to a stored one (dropped)")
    records_conflict: Mapped[int] = mapped_column(sa.Integer, nullable=False,
                                                  comment="readings differing from a stored one (not stored)")
    records_unmapped: Mapped[int] = mapped_column(sa.Integer, nullable=False,
                                                  comment="stored readings of points not mapped in the registry")
    partial: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, comment="ingested with --partial")
    ingested_by: Mapped[str | None] = mapped_column(sa.String(200), comment="user that ran the ingest")
    message: Mapped[str | None] = mapped_column(sa.Text, comment="rejection summary / notes")


class StoreFile(_Stamped, Base):
    """The manifest: one row per Parquet file that exists in the store."""

    __tablename__ = "store_file"
    __table_args__ = (
        sa.CheckConstraint(_in("dataset", DATASETS), name="dataset"),
        sa.Index("ix_store_file_partition", "dataset", "mine_code", "month"),
        {"comment": "manifest of the measurement store: the Parquet files that exist"},
    )

    commit_id: Mapped[int] = mapped_column(sa.ForeignKey("store_commit.id"), index=True, nullable=False,
                                           comment="commit that added the file")
    dataset: Mapped[str] = mapped_column(sa.String(16), nullable=False, comment="readings | aligned")
    mine_code: Mapped[str] = mapped_column(sa.String(64), nullable=False, comment="mine (partition)")
    month: Mapped[str] = mapped_column(sa.String(7), nullable=False, comment="month YYYY-MM (CST, partition)")
    path: Mapped[str] = mapped_column(sa.String(500), unique=True, nullable=False,
                                      comment="path relative to the store root")
    n_rows: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, comment="rows in the file")
    n_bytes: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, comment="file size [bytes]")
    min_ts: Mapped[datetime | None] = mapped_column(UTCDateTime, comment="earliest ts in the file [UTC]")
    max_ts: Mapped[datetime | None] = mapped_column(UTCDateTime, comment="latest ts in the file [UTC]")


class StorePointMonth(_Stamped, Base):
    """Per readings partition and point: counts and the last reading (for predecessor columns)."""

    __tablename__ = "store_point_month"
    __table_args__ = (
        sa.UniqueConstraint("mine_code", "point_code", "month"),
        {"comment": "per point and CST month: stored readings and the last one"},
    )

    mine_code: Mapped[str] = mapped_column(sa.String(64), nullable=False, comment="mine")
    point_code: Mapped[str] = mapped_column(sa.String(128), nullable=False, comment="point code as received")
    month: Mapped[str] = mapped_column(sa.String(7), nullable=False, comment="month YYYY-MM (CST)")
    n_readings: Mapped[int] = mapped_column(sa.Integer, nullable=False, comment="readings stored")
    n_unmapped: Mapped[int] = mapped_column(sa.Integer, nullable=False, comment="of which flagged UNMAPPED")
    first_ts: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, comment="first reading [UTC]")
    last_ts: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, comment="last reading [UTC]")
    last_value: Mapped[float | None] = mapped_column(sa.Double, comment="raw value of the last reading "
                                                                        "(null: not numeric)")
    last_flags: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, comment="QA flags of the last reading")


class StoreStationMonth(_Stamped, Base):
    """Per aligned partition and station: counts and the last aligned sample (for predecessor columns)."""

    __tablename__ = "store_station_month"
    __table_args__ = (
        sa.UniqueConstraint("mine_code", "station_code", "month"),
        {"comment": "per station and CST month: aligned samples and the last one"},
    )

    mine_code: Mapped[str] = mapped_column(sa.String(64), nullable=False, comment="mine")
    station_code: Mapped[str] = mapped_column(sa.String(64), nullable=False, comment="station")
    month: Mapped[str] = mapped_column(sa.String(7), nullable=False, comment="month YYYY-MM (CST)")
    n_samples: Mapped[int] = mapped_column(sa.Integer, nullable=False, comment="aligned samples stored")
    first_ts: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, comment="first sample [UTC]")
    last_ts: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, comment="last sample [UTC]")
    last_ch4_flow_nm3_min: Mapped[float | None] = mapped_column(
        sa.Double, comment="pure CH4 flow of the last sample [Nm³/min at 0 °C]")
    last_flow_mixed_nm3_min: Mapped[float | None] = mapped_column(
        sa.Double, comment="mixed flow of the last sample [Nm³/min at 0 °C]")
    last_ch4_pct: Mapped[float | None] = mapped_column(sa.Double, comment="CH4 of the last sample [vol %]")
    last_flags: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, comment="QA flags of the last sample")


class ReadingConflict(_Stamped, Base):
    """A reading whose (point, time) was already stored with a different value: not stored, recorded here."""

    __tablename__ = "reading_conflict"
    __table_args__ = (
        sa.Index("ix_reading_conflict_point", "mine_code", "point_code", "ts"),
        {"comment": "duplicate (point, time) readings with a different value (first received wins)"},
    )

    mine_code: Mapped[str] = mapped_column(sa.String(64), nullable=False, comment="mine")
    point_code: Mapped[str] = mapped_column(sa.String(128), nullable=False, comment="point code")
    ts: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, comment="reading time [UTC]")
    kept_value: Mapped[float | None] = mapped_column(sa.Double, comment="value kept in the store (raw)")
    kept_value_raw: Mapped[str | None] = mapped_column(sa.String(200), comment="kept raw text when not numeric")
    kept_kj_status: Mapped[int] = mapped_column(sa.Integer, nullable=False, comment="kept KJ status")
    kept_batch_id: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, comment="batch of the kept reading")
    other_value: Mapped[float | None] = mapped_column(sa.Double, comment="value not stored (raw)")
    other_value_raw: Mapped[str | None] = mapped_column(sa.String(200), comment="its raw text when not numeric")
    other_kj_status: Mapped[int] = mapped_column(sa.Integer, nullable=False, comment="its KJ status")
    other_batch_id: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, comment="batch that carried it")
    other_record_no: Mapped[int] = mapped_column(sa.Integer, nullable=False, comment="its record number")


class KjPointDef(_Stamped, Base):
    """A KJ CDDY (or DB14 AQMC) point definition as received; the latest definition time per point wins."""

    __tablename__ = "kj_point_def"
    __table_args__ = (
        sa.UniqueConstraint("mine_code", "point_code"),
        {"comment": "KJ point definitions (CDDY 测点定义) as received, latest per point"},
    )

    mine_code: Mapped[str] = mapped_column(sa.String(64), nullable=False, comment="煤矿编码")
    point_code: Mapped[str] = mapped_column(sa.String(128), nullable=False, comment="测点编码")
    system_code: Mapped[str | None] = mapped_column(sa.String(16), comment="系统编码")
    station_code: Mapped[str | None] = mapped_column(sa.String(64), comment="分站编码")
    sensor_type_code: Mapped[str | None] = mapped_column(sa.String(16), comment="传感器类型")
    value_type: Mapped[str | None] = mapped_column(sa.String(16), comment="测点数值类型 (MN, LJ, KG …)")
    unit_raw: Mapped[str | None] = mapped_column(sa.String(32), comment="测点数值单位 as received")
    range_low: Mapped[float | None] = mapped_column(sa.Double, comment="低量程 [unit_raw]")
    range_high: Mapped[float | None] = mapped_column(sa.Double, comment="高量程 [unit_raw]")
    alarm_high: Mapped[float | None] = mapped_column(sa.Double, comment="上限报警门限 [unit_raw]")
    alarm_low: Mapped[float | None] = mapped_column(sa.Double, comment="下限报警门限 [unit_raw]")
    cut_high: Mapped[float | None] = mapped_column(sa.Double, comment="上限断电门限 [unit_raw]")
    cut_low: Mapped[float | None] = mapped_column(sa.Double, comment="下限断电门限 [unit_raw]")
    location: Mapped[str | None] = mapped_column(sa.String(300), comment="测点安装位置")
    sensor_name: Mapped[str | None] = mapped_column(sa.String(200), comment="sensor name (DB14)")
    relations_raw: Mapped[str | None] = mapped_column(sa.Text, comment="传感器关联关系 as received")
    raw_extra: Mapped[str | None] = mapped_column(sa.Text, comment="other fields as received (JSON)")
    def_ts: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, comment="definition time [UTC]")
    batch_id: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, comment="batch that carried it")


STORE_MODELS: dict[str, type[Base]] = {
    "store_commit": StoreCommit,
    "ingest_batch": IngestBatch,
    "store_file": StoreFile,
    "store_point_month": StorePointMonth,
    "store_station_month": StoreStationMonth,
    "reading_conflict": ReadingConflict,
    "kj_point_def": KjPointDef,
}
"""Table name → model of the store's tables (dependency order)."""
