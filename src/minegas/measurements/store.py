"""The measurement store: Parquet partitions, the manifest, commits, predecessor columns, copy-on-write,
compaction and garbage collection (docs/store.md; docs/architecture.md "Measurement store"; docs/conventions.md §7).

Layout under the store root (``<MINEGAS_HOME>/store``)::

    readings/mine=<code>/month=<YYYY-MM>/part-<commit token>-<n>.parquet    raw readings + predecessor columns
    aligned/mine=<code>/month=<YYYY-MM>/part-<commit token>-<n>.parquet     aligned station samples
    manifest.json                                                           the manifest, rewritten after commits
    .lock                                                                   advisory lock of writers (flock)

Months are CST months (docs/conventions.md §4). Rows of a file are sorted by (point_code, ts) (aligned: by
(station_code, ts)).

**Commit point.** A :class:`Transaction` writes its Parquet files first, each under a new unique name (temp file
+ ``os.replace``), then records everything in *one* registry transaction: the commit, the ingest batches, the
new file list of every touched partition (``store_file``, the manifest), the per-partition point and station
tails, duplicate conflicts and CDDY definitions. A file not in ``store_file`` does not exist; a SIGKILL at any
moment leaves either the old or the new state (plus orphan files that ``gc`` deletes). Files replaced by a commit
are deleted after it. The Parquet files are encoded and written by a writer thread while the transaction goes on
with the next partitions (at most :data:`MAX_PENDING_WRITES` queued); reading a file back waits for its write,
and the commit waits for every write before it records anything.

**Append or copy-on-write.** New readings of a partition are merged with the stored ones; the duplicate rule
(first received wins) drops repeats and records conflicts; predecessor columns and QA flags are recomputed for
the whole partition (:func:`minegas.measurements.mapping.compute_flags`). If no stored row changed and every new
reading of each point is later than the point's last stored one, the new rows go into one new file (append);
otherwise the partition is rewritten into one file (copy-on-write). A partition with more than
``compact_threshold`` files is compacted. Late data that changes a point's last reading of a month also refreshes
the next partition holding that point (its first predecessor), so predecessors are right across partition
boundaries whatever the arrival order.
"""

from __future__ import annotations

import contextlib
import fcntl
import getpass
import json
import os
import secrets
from collections import OrderedDict
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import Session

from minegas.errors import ConfigError, MinegasError
from minegas.measurements.align import (
    ALIGNED_SCHEMA,
    NO_TS,
    STATION_GOOD_COLUMNS,
    GoodTail,
    PointTail,
    StationTail,
    build_aligned,
    good_mask,
    good_tail_at,
    good_tails_of,
    prev_good,
    station_tails_of,
)
from minegas.measurements.flags import QaFlag
from minegas.measurements.mapping import CST_OFFSET_US, Snapshot, compute_flags
from minegas.registry.store_models import (
    IngestBatch,
    KjPointDef,
    ReadingConflict,
    StoreCommit,
    StoreFile,
    StorePointMonth,
    StoreStationMonth,
)

TS = pa.timestamp("us", tz="UTC")
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
U32 = npt.NDArray[np.uint32]

READINGS_FILE_SCHEMA = pa.schema([
    pa.field("mine_code", pa.string(), nullable=False),
    pa.field("point_code", pa.string(), nullable=False),
    pa.field("ts", TS, nullable=False),
    pa.field("value", pa.float64(), nullable=False),
    pa.field("value_raw", pa.string()),
    pa.field("kj_status", pa.uint16(), nullable=False),
    pa.field("flags", pa.uint32(), nullable=False),
    pa.field("batch_id", pa.int64(), nullable=False),
    pa.field("record_no", pa.int32(), nullable=False),
    pa.field("prev_ts", TS),
    pa.field("prev_value", pa.float64()),
    pa.field("prev_flags", pa.uint32()),
    pa.field("prev_good_ts", TS),
    pa.field("prev_good_value", pa.float64()),
])
"""Readings files (``readings/mine=…/month=…/``), sorted by (point_code, ts); (point_code, ts) unique per mine.

``value`` is the raw reading as received (NaN when not numeric, ``value_raw`` then keeps the text); ``kj_status``
the KJ status bitmask; ``flags`` the QA flags (docs/conventions.md §6); ``batch_id`` the ingest batch
(``ingest_batch.batch_id``) and ``record_no`` the record in its file. ``prev_ts``/``prev_value``/``prev_flags``:
the previous stored reading of the same point, across files, partitions and batches (null for the first).
``prev_good_ts``/``prev_good_value``: the last earlier reading of the point that is quality-assured (no
``EXCLUDE_MASK`` bit, numeric), across partitions; when there is none yet, the point's first reading time and null
(:func:`minegas.measurements.align.prev_good`) — what gap substitution needs (the value *before* a gap)."""

READING_GOOD_COLUMNS = {"value": ("prev_good_ts", "prev_good_value")}
"""Readings value column → its ``prev_good`` columns."""

INCOMING_SCHEMA = pa.schema([
    pa.field("point_code", pa.string(), nullable=False),
    pa.field("ts", TS, nullable=False),
    pa.field("value", pa.float64(), nullable=False),
    pa.field("value_raw", pa.string()),
    pa.field("kj_status", pa.uint16(), nullable=False),
    pa.field("flags", pa.uint32(), nullable=False),
    pa.field("batch_id", pa.int64(), nullable=False),
    pa.field("record_no", pa.int32(), nullable=False),
])
"""New readings handed to :meth:`Transaction.add_readings` (rows in arrival order; ``flags`` holds the bits known
only at ingest: CLOCK_JUMP)."""

DATASETS = ("readings", "aligned")
MANIFEST_FORMAT = "minegas-store-manifest/1"
DEFAULT_COMPACT_THRESHOLD = 16
ROW_GROUP_SIZE = 262_144
_PARQUET_OPTS: dict[str, Any] = {"compression": "zstd", "compression_level": 1, "row_group_size": ROW_GROUP_SIZE}
_DICTIONARY_COLUMNS = {
    "readings": ["mine_code", "point_code", "value_raw"],
    "aligned": ["mine_code", "station_code", "primary_point_code", "primary_measurement", "integration"],
}
"""Dictionary-encoded columns (the codes); numbers and times are plain-encoded (smaller and faster here)."""
MAX_PENDING_WRITES = 4
"""Parquet files a transaction may have queued for its background writer before it waits (bounds memory)."""
CACHE_MAX_ROWS = 2_000_000
"""Rows of partitions of the mine being merged that a transaction keeps in memory after writing them (so the
aligned build and later merges of the same partition in the same transaction need not read them back)."""


class ConcurrentCommitError(MinegasError):
    """Another writer changed a partition this commit read; nothing was committed (retry)."""


@dataclass(frozen=True)
class FileEntry:
    """One Parquet file of the manifest. ``path`` is relative to the store root (POSIX separators)."""

    dataset: str
    mine_code: str
    month: str
    path: str
    n_rows: int
    n_bytes: int
    min_ts: datetime | None
    max_ts: datetime | None

    def as_dict(self, root: Path | None = None) -> dict[str, Any]:
        d: dict[str, Any] = {"dataset": self.dataset, "mine_code": self.mine_code, "month": self.month,
                             "path": self.path, "rows": self.n_rows, "bytes": self.n_bytes,
                             "min_ts": self.min_ts.isoformat() if self.min_ts else None,
                             "max_ts": self.max_ts.isoformat() if self.max_ts else None}
        if root is not None:
            d["abs_path"] = str(root / self.path)
        return d


@dataclass(frozen=True)
class PointMonth:
    """Per partition and point: readings, of them unmapped, first and last time [µs], the last reading."""

    n: int
    n_unmapped: int
    first_us: int
    tail: PointTail


@dataclass(frozen=True)
class StationMonth:
    """Per aligned partition and station: samples, first time [µs], the last sample."""

    n: int
    first_us: int
    tail: StationTail


@dataclass(frozen=True)
class _Committed:
    """A mine's committed bookkeeping as a transaction first read it (rows of ``store_point_month`` and
    ``store_station_month`` with their columns as attributes)."""

    files: list[FileEntry]
    point_months: list[Any]
    station_months: list[Any]


@dataclass
class BatchRecord:
    """An input file offered to ingest, as recorded in ``ingest_batch``."""

    batch_id: int
    status: str
    source_path: str
    file_name: str
    sha256: str
    n_bytes: int
    format: str | None = None
    kind: str | None = None
    mine_code: str | None = None
    file_time: datetime | None = None
    records_total: int = 0
    records_rejected: int = 0
    records_stored: int = 0
    records_duplicate: int = 0
    records_conflict: int = 0
    records_unmapped: int = 0
    partial: bool = False
    message: str | None = None


@dataclass
class BatchCounts:
    """Outcome of a batch's readings in the merge."""

    stored: int = 0
    duplicate: int = 0
    conflict: int = 0
    unmapped: int = 0


@dataclass
class CommitResult:
    """What a commit did."""

    token: str | None
    files_added: int = 0
    files_removed: int = 0
    partitions: list[tuple[str, str, str]] = field(default_factory=list)
    readings_added: int = 0
    aligned_partitions: int = 0
    conflicts: int = 0


def batch_id_of(sha256_hex: str) -> int:
    """The batch id of a file: the first 63 bits of its SHA-256 (positive int64; equal content, equal id)."""
    return int(sha256_hex[:16], 16) & ((1 << 63) - 1)


def month_of_us(ts_us: I64) -> npt.NDArray[np.str_]:
    """CST month label ``YYYY-MM`` of UTC epoch-µs times (labels computed once per distinct day)."""
    day = (np.asarray(ts_us, dtype=np.int64) + CST_OFFSET_US) // (86_400 * 1_000_000)
    uniq, inv = np.unique(day, return_inverse=True)
    labels = np.datetime_as_string(uniq.astype("datetime64[D]").astype("datetime64[M]"), unit="M")
    return labels[inv]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _us(dt: datetime | None) -> int:
    if dt is None:
        return NO_TS
    return (dt - _EPOCH) // timedelta(microseconds=1)


def _dt(us: int) -> datetime:
    s, r = divmod(int(us), 1_000_000)
    return datetime.fromtimestamp(s, UTC).replace(microsecond=r)


def _ts_np(col: pa.ChunkedArray | pa.Array) -> I64:
    return np.asarray(col.cast(TS).cast(pa.int64()).fill_null(NO_TS).to_numpy(zero_copy_only=False), np.int64)


def _f64(col: pa.ChunkedArray | pa.Array) -> F64:
    return np.asarray(col.cast(pa.float64()).fill_null(np.nan).to_numpy(zero_copy_only=False), np.float64)


def _u32(col: pa.ChunkedArray | pa.Array) -> U32:
    return np.asarray(col.cast(pa.uint32()).fill_null(0).to_numpy(zero_copy_only=False), np.uint32)


def _i64(col: pa.ChunkedArray | pa.Array) -> I64:
    return np.asarray(col.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False), np.int64)


def _nan_eq(a: F64, b: F64) -> npt.NDArray[np.bool_]:
    return (a == b) | (np.isnan(a) & np.isnan(b))


def _nan_if_none(x: float | None) -> float:
    return np.nan if x is None else float(x)


def _none_if_nan(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def _sorted_rank(col: pa.ChunkedArray | pa.Array) -> I64:
    """Rank of each string in the sorted list of distinct values (a sort key equivalent to the string)."""
    return _rank_and_names(col)[0]


def _rank_and_names(col: pa.ChunkedArray | pa.Array) -> tuple[I64, list[str]]:
    """:func:`_sorted_rank` and the sorted distinct values (``names[rank]`` is each row's string)."""
    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if pa.types.is_dictionary(col.type):
        col = col.cast(pa.string())
    enc = pc.dictionary_encode(col)
    order = np.asarray(pc.sort_indices(enc.dictionary).to_numpy(), dtype=np.int64)
    rank_of_dict = np.empty(len(order), dtype=np.int64)
    rank_of_dict[order] = np.arange(len(order))
    names = enc.dictionary.take(pa.array(order)).to_pylist()
    return rank_of_dict[np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)], names


def _counts_by(values: I64, mask: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """``(value, count)`` of ``values[mask]``, ascending by value — what ``np.unique(values[mask],
    return_counts=True)`` gives, counted over the runs of equal values (batch ids come in long runs)."""
    if not mask.any():
        return []
    change = np.flatnonzero(values[1:] != values[:-1]) + 1
    if len(change) > 4096:
        u, c = np.unique(values[mask], return_counts=True)
        return list(zip(u.tolist(), c.tolist(), strict=True))
    starts = np.r_[0, change]
    acc: dict[int, int] = {}
    for v, c in zip(values[starts].tolist(), np.add.reduceat(mask.astype(np.int64), starts).tolist(), strict=True):
        if c:
            acc[v] = acc.get(v, 0) + c
    return sorted(acc.items())


def _month_groups(ts_us: I64) -> list[tuple[str, npt.NDArray[np.bool_] | None]]:
    """CST months (``YYYY-MM``) of UTC epoch-µs times, ascending, each with its row mask (None: every row) —
    the months of :func:`month_of_us`, labelled once per day of the time span."""
    if len(ts_us) == 0:
        return []
    day = (np.asarray(ts_us, dtype=np.int64) + CST_OFFSET_US) // (86_400 * 1_000_000)
    lo, hi = int(day.min()), int(day.max())
    if hi - lo > 200_000:  # absurd spans (clock errors): label the distinct days only
        months = month_of_us(ts_us)
        labels = sorted(set(months.tolist()))
        return [(mo, months == mo) for mo in labels] if len(labels) > 1 else [(labels[0], None)]
    month_of_day = np.arange(lo, hi + 1).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    first, last = int(month_of_day[0]), int(month_of_day[-1])
    if first == last:
        return [(_month_label(first), None)]
    row_month = month_of_day[day - lo]
    present = np.unique(month_of_day[np.bincount(day - lo) > 0])
    return sorted(((_month_label(int(m)), row_month == m) for m in present.tolist()), key=lambda x: x[0])


def _month_label(month_index: int) -> str:
    return str(np.datetime_as_string(np.datetime64(month_index, "M"), unit="M"))


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_parquet(d: Path, name: str, table: pa.Table, dataset: str) -> int:
    """Write one Parquet file durably under its final name (temp file, fsync, rename, fsync of the folder);
    returns its size [bytes]. Runs in the transaction's writer thread (pyarrow encodes without the GIL)."""
    tmp = d / f".{name}.tmp"
    pq.write_table(table, tmp, use_dictionary=_DICTIONARY_COLUMNS[dataset], **_PARQUET_OPTS)
    with tmp.open("rb+") as fh:
        os.fsync(fh.fileno())
    tmp.replace(d / name)
    _fsync_dir(d)
    return (d / name).stat().st_size


# --- the store ------------------------------------------------------------------------------------------------


class Store:
    """The measurement store at ``root`` with its manifest in the registry database.

    Parameters
    ----------
    root : the store folder (created when missing).
    database : registry URL or engine (the manifest tables come with the registry migrations).
    compact_threshold : a partition with more files than this is compacted into one at the next commit.
    """

    def __init__(self, root: str | Path, database: str | URL | Engine, *,
                 compact_threshold: int = DEFAULT_COMPACT_THRESHOLD) -> None:
        from minegas.registry.db import make_engine

        self.root = Path(root).expanduser().resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self._own_engine = not isinstance(database, Engine)
        self.engine: Engine = make_engine(database) if not isinstance(database, Engine) else database
        self.compact_threshold = compact_threshold

    @classmethod
    def open(cls, home: str | Path | None = None, database_url: str | None = None, *, migrate: bool = True
             ) -> Store:
        """The store of the data home (``MINEGAS_HOME``/``MINEGAS_DATABASE_URL``), migrating the registry schema
        to the latest revision when ``migrate`` (as ``minegas init`` does)."""
        from minegas.registry.db import is_initialised, upgrade_to_head
        from minegas.settings import get_settings

        s = get_settings(home, database_url)
        if migrate:
            s.home.mkdir(parents=True, exist_ok=True)
            upgrade_to_head(s.database_url)
        elif not is_initialised(s.database_url):
            raise ConfigError("the registry database is not initialised — fix: run `minegas init`")
        return cls(s.store_dir, s.database_url)

    def close(self) -> None:
        """Dispose of the engine (when the store created it)."""
        if self._own_engine:
            self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- sessions and locking -----------------------------------------------------------------------------------

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A registry session in one transaction (commit on success)."""
        from minegas.registry.db import session_scope

        with session_scope(self.engine) as s:
            yield s

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Exclusive advisory lock of the store (``<root>/.lock``, flock): writers and ``gc`` hold it. Released by
        the kernel if the process dies."""
        fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def begin(self, snapshot: Snapshot, kind: str = "ingest", *, by: str | None = None, note: str | None = None
              ) -> Transaction:
        """Start a transaction (call under :meth:`lock`)."""
        return Transaction(self, snapshot, kind, by=by, note=note)

    # --- manifest -------------------------------------------------------------------------------------------

    def files(self, dataset: str | None = None, mine_codes: list[str] | None = None,
              months: list[str] | None = None) -> list[FileEntry]:
        """Files of the manifest, sorted by (dataset, mine, month, path)."""
        q = sa.select(StoreFile)
        if dataset is not None:
            q = q.where(StoreFile.dataset == dataset)
        if mine_codes is not None:
            q = q.where(StoreFile.mine_code.in_(sorted(set(mine_codes))))
        if months is not None:
            q = q.where(StoreFile.month.in_(sorted(set(months))))
        q = q.order_by(StoreFile.dataset, StoreFile.mine_code, StoreFile.month, StoreFile.path)
        with self.session() as s:
            return [FileEntry(f.dataset, f.mine_code, f.month, f.path, f.n_rows, f.n_bytes, f.min_ts, f.max_ts)
                    for f in s.scalars(q)]

    def paths(self, dataset: str, mine_codes: list[str] | None = None, months: list[str] | None = None
              ) -> list[str]:
        """Absolute paths of a dataset's files (for DuckDB, Spark or any Parquet reader)."""
        return [str(self.root / f.path) for f in self.files(dataset, mine_codes, months)]

    def read_files(self, files: list[FileEntry], columns: list[str] | None = None) -> pa.Table:
        """Concatenate files (each sorted; their concatenation is not). No files: an empty readings table."""
        if not files:
            t = READINGS_FILE_SCHEMA.empty_table()
            return t.select(columns) if columns else t
        tables = [pq.read_table(self.root / f.path, columns=columns) for f in files]
        # permissive: partitions written before a column was added (e.g. prev_good_*) read with nulls there
        return pa.concat_tables(tables, promote_options="permissive") if len(tables) > 1 else tables[0]

    def read(self, dataset: str, mine_codes: list[str] | None = None, months: list[str] | None = None,
             columns: list[str] | None = None) -> pa.Table:
        """Rows of a dataset (optionally of some mines and months) as one Arrow table."""
        fs = self.files(dataset, mine_codes, months)
        if not fs:
            t = (READINGS_FILE_SCHEMA if dataset == "readings" else ALIGNED_SCHEMA).empty_table()
            return t.select(columns) if columns else t
        return self.read_files(fs, columns)

    def committed_shas(self, shas: list[str]) -> set[str]:
        """Those of ``shas`` already recorded as committed batches."""
        out: set[str] = set()
        uniq = sorted(set(shas))
        with self.session() as s:
            for i in range(0, len(uniq), 500):
                chunk = uniq[i:i + 500]
                out.update(s.scalars(sa.select(IngestBatch.sha256).where(
                    IngestBatch.status == "committed", IngestBatch.sha256.in_(chunk))))
        return out

    def rejected_shas(self, shas: list[str]) -> set[str]:
        """Those of ``shas`` already recorded as rejected (they are not recorded twice)."""
        out: set[str] = set()
        uniq = sorted(set(shas))
        with self.session() as s:
            for i in range(0, len(uniq), 500):
                chunk = uniq[i:i + 500]
                out.update(s.scalars(sa.select(IngestBatch.sha256).where(
                    IngestBatch.status == "rejected", IngestBatch.sha256.in_(chunk))))
        return out

    def manifest(self) -> dict[str, Any]:
        """The manifest as a JSON-ready dict (also written to ``<root>/manifest.json`` after each commit)."""
        files = self.files()
        with self.session() as s:
            last = s.execute(sa.select(StoreCommit.token, StoreCommit.created_at)
                             .order_by(StoreCommit.id.desc()).limit(1)).first()
        return {
            "format": MANIFEST_FORMAT,
            "root": str(self.root),
            "last_commit": {"token": last[0], "at": last[1].isoformat()} if last else None,
            "datasets": {ds: [f.as_dict(self.root) for f in files if f.dataset == ds] for ds in DATASETS},
            "layout": {"readings": "readings/mine=<code>/month=<YYYY-MM>/*.parquet",
                       "aligned": "aligned/mine=<code>/month=<YYYY-MM>/*.parquet"},
        }

    def write_manifest_json(self) -> Path:
        """Rewrite ``<root>/manifest.json`` from the manifest table (temp + rename)."""
        path = self.root / "manifest.json"
        tmp = self.root / f".manifest.json.tmp-{os.getpid()}"
        tmp.write_text(json.dumps(self.manifest(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        tmp.replace(path)
        return path

    # --- reports --------------------------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Counts of the store: ``readings``, ``points``, ``batches`` and more (see docs/store.md)."""
        with self.session() as s:
            def scalar(q: Any) -> int:
                v = s.execute(q).scalar()
                return int(v or 0)

            files = s.execute(sa.select(StoreFile.dataset, sa.func.count(), sa.func.sum(StoreFile.n_rows),
                                        sa.func.sum(StoreFile.n_bytes)).group_by(StoreFile.dataset)).all()
            by_ds = {d: (int(n), int(r or 0), int(b or 0)) for d, n, r, b in files}
            points = scalar(sa.select(sa.func.count()).select_from(
                sa.select(StorePointMonth.mine_code, StorePointMonth.point_code).distinct().subquery()))
            unmapped_points = scalar(sa.select(sa.func.count()).select_from(
                sa.select(StorePointMonth.mine_code, StorePointMonth.point_code)
                .where(StorePointMonth.n_unmapped > 0).distinct().subquery()))
            stations = scalar(sa.select(sa.func.count()).select_from(
                sa.select(StoreStationMonth.mine_code, StoreStationMonth.station_code).distinct().subquery()))
            return {
                "readings": by_ds.get("readings", (0, 0, 0))[1],
                "points": points,
                "batches": scalar(sa.select(sa.func.count()).select_from(IngestBatch)
                                  .where(IngestBatch.status == "committed")),
                "rejected_files": scalar(sa.select(sa.func.count(sa.distinct(IngestBatch.sha256)))
                                         .where(IngestBatch.status == "rejected")),
                "mines": scalar(sa.select(sa.func.count(sa.distinct(StorePointMonth.mine_code)))),
                "partitions": scalar(sa.select(sa.func.count()).select_from(
                    sa.select(StoreFile.mine_code, StoreFile.month).where(StoreFile.dataset == "readings")
                    .distinct().subquery())),
                "files": by_ds.get("readings", (0, 0, 0))[0],
                "bytes": by_ds.get("readings", (0, 0, 0))[2],
                "unmapped_readings": scalar(sa.select(sa.func.sum(StorePointMonth.n_unmapped))),
                "unmapped_points": unmapped_points,
                "conflicts": scalar(sa.select(sa.func.count()).select_from(ReadingConflict)),
                "point_defs": scalar(sa.select(sa.func.count()).select_from(KjPointDef)),
                "aligned_samples": by_ds.get("aligned", (0, 0, 0))[1],
                "aligned_files": by_ds.get("aligned", (0, 0, 0))[0],
                "stations": stations,
            }

    def unmapped(self, snapshot: Snapshot | None = None) -> list[dict[str, Any]]:
        """Points with readings flagged UNMAPPED, per (mine, point): counts, time span, months, the reason
        (with a snapshot of the current registry) and the CDDY definition when one was received."""
        with self.session() as s:
            rows = s.execute(
                sa.select(StorePointMonth.mine_code, StorePointMonth.point_code,
                          sa.func.sum(StorePointMonth.n_unmapped), sa.func.min(StorePointMonth.first_ts),
                          sa.func.max(StorePointMonth.last_ts), sa.func.count())
                .where(StorePointMonth.n_unmapped > 0)
                .group_by(StorePointMonth.mine_code, StorePointMonth.point_code)
                .order_by(StorePointMonth.mine_code, StorePointMonth.point_code)).all()
            defs = {(d.mine_code, d.point_code): d for d in s.scalars(sa.select(KjPointDef))}
            out = []
            for mine, point, n, first, last, months in rows:
                d = defs.get((mine, point))
                reason = None
                if snapshot is not None:
                    if mine not in snapshot.mines:
                        reason = "mine not in the registry"
                    elif "/" in point:
                        reason = "canonical wide column not resolved to a registry point"
                    elif not snapshot.known_point(mine, point):
                        reason = "point not in the registry (or without configuration)"
                    else:
                        mc = snapshot.mine_configs(mine)
                        st = {mc.station_code[k] for k in mc.by_point.get(point, [])}
                        reason = ("point not attached to a station" if st <= {None}
                                  else "readings outside the point's configuration intervals")
                out.append({"mine_code": mine, "point_code": point, "readings": int(n or 0),
                            "first_ts": first.isoformat() if first else None,
                            "last_ts": last.isoformat() if last else None, "months": int(months),
                            "reason": reason,
                            "cddy": None if d is None else {"sensor_type_code": d.sensor_type_code,
                                                            "value_type": d.value_type, "unit": d.unit_raw,
                                                            "location": d.location, "station_code": d.station_code}})
            return out

    # --- maintenance ----------------------------------------------------------------------------------------

    def gc(self, *, dry_run: bool = False) -> dict[str, Any]:
        """Delete orphans: Parquet files under ``readings/`` and ``aligned/`` not in the manifest, temporary files
        of interrupted writes, and empty partition folders. Holds the store lock (no writer runs meanwhile).

        Returns
        -------
        ``{"deleted": [relative paths], "bytes": freed bytes, "dry_run": bool}``.
        """
        with self.lock():
            self.write_manifest_json()  # also heals a manifest.json left stale by a kill after a commit
            listed = {f.path for f in self.files()}
            deleted: list[str] = []
            freed = 0
            for ds in DATASETS:
                base = self.root / ds
                if not base.exists():
                    continue
                for p in sorted(base.rglob("*")):
                    if not p.is_file():
                        continue
                    rel = p.relative_to(self.root).as_posix()
                    if rel in listed:
                        continue
                    freed += p.stat().st_size
                    deleted.append(rel)
                    if not dry_run:
                        p.unlink()
            for p in self.root.glob(".manifest.json.tmp-*"):
                deleted.append(p.name)
                if not dry_run:
                    p.unlink()
            if not dry_run:
                for ds in DATASETS:
                    base = self.root / ds
                    if base.exists():
                        for d in sorted((x for x in base.rglob("*") if x.is_dir()), key=lambda x: -len(x.parts)):
                            with contextlib.suppress(OSError):
                                d.rmdir()
            return {"deleted": deleted, "bytes": freed, "dry_run": dry_run}

    def compact(self, snapshot: Snapshot, *, by: str | None = None, threshold: int = 1) -> CommitResult:
        """Merge every partition with more than ``threshold`` files into one file (one commit)."""
        with self.lock():
            txn = self.begin(snapshot, "compact", by=by)
            try:
                parts: dict[tuple[str, str, str], int] = {}
                for f in self.files():
                    key = (f.dataset, f.mine_code, f.month)
                    parts[key] = parts.get(key, 0) + 1
                for (ds, mine, month), n in sorted(parts.items()):
                    if n > threshold:
                        txn.compact_partition(ds, mine, month)
                return txn.commit()
            except BaseException:
                txn.abort()
                raise

    def rebuild(self, snapshot: Snapshot, *, by: str | None = None, mine_codes: list[str] | None = None,
                progress: Any = None) -> CommitResult:
        """Recompute QA flags, predecessor columns and aligned samples of every partition from the raw readings
        with the current registry (after a registry change). One commit; partitions whose rows do not change are
        not rewritten, aligned partitions always are."""
        with self.lock():
            txn = self.begin(snapshot, "rebuild", by=by)
            try:
                mines = sorted({f.mine_code for f in self.files("readings")} | {
                    f.mine_code for f in self.files("aligned")})
                if mine_codes is not None:
                    mines = [m for m in mines if m in set(mine_codes)]
                for mine in mines:
                    txn.refresh_mine(mine)
                    if progress is not None:
                        progress(mine)
                return txn.commit()
            except BaseException:
                txn.abort()
                raise


# --- transactions ---------------------------------------------------------------------------------------------


class Transaction:
    """Files written now, made visible together by :meth:`commit` (one registry transaction)."""

    def __init__(self, store: Store, snapshot: Snapshot, kind: str, *, by: str | None = None,
                 note: str | None = None) -> None:
        self.store, self.snap, self.kind, self.note = store, snapshot, kind, note
        self.by = by or _user()
        self.token = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}{secrets.token_hex(3)}"
        self._n = 0
        self.base: dict[tuple[str, str, str], list[FileEntry]] = {}
        self.pending: dict[tuple[str, str, str], list[FileEntry]] = {}
        self.written: set[str] = set()
        self._writes: dict[str, Future[int]] = {}
        self._writer: ThreadPoolExecutor | None = None
        self._cache: OrderedDict[tuple[str, str, str], tuple[tuple[str, ...], pa.Table]] = OrderedDict()
        self._committed_of: dict[str, _Committed] = {}
        self.point_months: dict[tuple[str, str], dict[str, PointMonth]] = {}
        self.station_months: dict[tuple[str, str], dict[str, StationMonth]] = {}
        self.point_goods: dict[tuple[str, str], dict[str, GoodTail]] = {}
        self.station_goods: dict[tuple[str, str], dict[str, dict[str, GoodTail]]] = {}
        self.batches: list[BatchRecord] = []
        self.counts: dict[int, BatchCounts] = {}
        self.conflicts: list[dict[str, Any]] = []
        self.point_defs: dict[tuple[str, str], dict[str, Any]] = {}
        self._incoming: dict[str, list[pa.Table]] = {}
        self._arrival = 0
        self._readings_changed: dict[str, set[str]] = {}
        self.result = CommitResult(self.token)

    # --- partition state (pending overrides the manifest) ------------------------------------------------------

    def partition_files(self, dataset: str, mine: str, month: str) -> list[FileEntry]:
        key = (dataset, mine, month)
        if key in self.pending:
            return self.pending[key]
        if key not in self.base:
            self.base[key] = [f for f in self._committed(mine).files if f.dataset == dataset and f.month == month]
        return self.base[key]

    def _committed(self, mine: str) -> _Committed:
        """The registry's committed bookkeeping of a mine (manifest files, point and station months), read once per
        transaction in one session (writers hold the store lock, and nothing is recorded before the commit)."""
        got = self._committed_of.get(mine)
        if got is None:
            with self.store.session() as s:
                files = [FileEntry(f.dataset, f.mine_code, f.month, f.path, f.n_rows, f.n_bytes, f.min_ts, f.max_ts)
                         for f in s.execute(sa.select(StoreFile.__table__).where(StoreFile.mine_code == mine)
                                            .order_by(StoreFile.dataset, StoreFile.month, StoreFile.path))]
                points = list(s.execute(sa.select(StorePointMonth.__table__)
                                        .where(StorePointMonth.mine_code == mine)))
                stations = list(s.execute(sa.select(StoreStationMonth.__table__)
                                          .where(StoreStationMonth.mine_code == mine)))
            got = self._committed_of[mine] = _Committed(files, points, stations)
        return got

    def _read(self, dataset: str, mine: str, month: str) -> pa.Table | None:
        """A partition's rows sorted by (key, ts) — files are sorted each, their concatenation is not."""
        files = self.partition_files(dataset, mine, month)
        if not files:
            return None
        cached = self._cache.get((dataset, mine, month))
        if cached is not None and cached[0] == tuple(f.path for f in files):
            return cached[1]
        self._wait_written(files)
        t = self.store.read_files(files)
        if len(files) > 1:
            key = "point_code" if dataset == "readings" else "station_code"
            t = t.take(pa.array(np.lexsort((_ts_np(t.column("ts")), _sorted_rank(t.column(key))))))
        return t

    def _read_columns(self, dataset: str, mine: str, month: str, columns: list[str]) -> pa.Table | None:
        """The columns of a partition that its files have (files written before a column existed lack it)."""
        files = self.partition_files(dataset, mine, month)
        if not files:
            return None
        cached = self._cache.get((dataset, mine, month))
        if cached is not None and cached[0] == tuple(f.path for f in files):
            return cached[1].select([c for c in columns if c in cached[1].column_names])
        self._wait_written(files)
        have = set(pq.read_schema(self.store.root / files[0].path).names)
        return self.store.read_files(files, [c for c in columns if c in have])

    def _set_partition(self, dataset: str, mine: str, month: str, files: list[FileEntry]) -> None:
        key = (dataset, mine, month)
        old = self.partition_files(dataset, mine, month)
        keep = {f.path for f in files}
        for f in old:  # files written by this transaction and dropped again never became visible: delete now
            if f.path in self.written and f.path not in keep:
                self._wait_written([f], check=False)
                with contextlib.suppress(OSError):
                    (self.store.root / f.path).unlink()
                self.written.discard(f.path)
        self.pending[key] = list(files)

    def _write(self, dataset: str, mine: str, month: str, table: pa.Table) -> FileEntry:
        """Write one file under a new unique name (temp file, fsync, rename) in the background writer thread.

        The returned entry's ``n_bytes`` is -1 until the write has finished (:meth:`_finish_writes`); reads of
        the file in this transaction wait for it."""
        self._n += 1
        rel_dir = Path(dataset) / f"mine={mine}" / f"month={month}"
        d = self.store.root / rel_dir
        d.mkdir(parents=True, exist_ok=True)
        name = f"part-{self.token}-{self._n:05d}.parquet"
        rel = (rel_dir / name).as_posix()
        self.written.add(rel)
        mm = pc.min_max(table.column("ts").cast(pa.int64())).as_py() if table.num_rows else None
        pending = [f for f in self._writes.values() if not f.done()]
        if len(pending) >= MAX_PENDING_WRITES:
            pending[0].result()
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="minegas-store-writer")
        self._writes[rel] = self._writer.submit(_write_parquet, d, name, table, dataset)
        return FileEntry(dataset, mine, month, rel, table.num_rows, -1,
                         _dt(int(mm["min"])) if mm else None, _dt(int(mm["max"])) if mm else None)

    def _wait_written(self, files: list[FileEntry], *, check: bool = True) -> None:
        """Wait until this transaction's writes of ``files`` have finished (raising their error if ``check``)."""
        for f in files:
            fut = self._writes.get(f.path)
            if fut is not None:
                try:
                    fut.result()
                except Exception:
                    if check:
                        raise

    def _finish_writes(self, *, check: bool = True) -> dict[str, int]:
        """Wait for every background write; returns path → size [bytes]. Raises the first write error (after
        all writes have ended) when ``check``."""
        sizes: dict[str, int] = {}
        error: BaseException | None = None
        for rel, fut in self._writes.items():
            try:
                sizes[rel] = fut.result()
            except Exception as exc:  # the file may be half-written: it stays in `written` to be deleted
                error = error or exc
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None
        self._writes.clear()
        if error is not None and check:
            raise error
        return sizes

    def _remember(self, dataset: str, mine: str, month: str, table: pa.Table) -> None:
        """Keep a partition's full content just written (its current file list as the key of validity)."""
        key = (dataset, mine, month)
        self._cache.pop(key, None)
        self._cache[key] = (tuple(f.path for f in self.partition_files(dataset, mine, month)), table)
        while sum(t.num_rows for _, t in self._cache.values()) > CACHE_MAX_ROWS and len(self._cache) > 1:
            self._cache.popitem(last=False)

    def _forget_others(self, mine: str) -> None:
        """Drop the cached partitions of every other mine (the cache follows the mine being merged)."""
        for key in [k for k in self._cache if k[1] != mine]:
            del self._cache[key]

    def months_of(self, mine: str) -> list[str]:
        """Months with stored readings of a mine (manifest ∪ pending)."""
        months = {f.month for f in self._committed(mine).files if f.dataset == "readings"}
        for (ds, m, month), files in self.pending.items():
            if ds == "readings" and m == mine:
                if files:
                    months.add(month)
                else:
                    months.discard(month)
        return sorted(months)

    def _point_months_db(self, mine: str, before: str | None = None, after: str | None = None,
                         points: list[str] | None = None) -> list[Any]:
        rows = [r for r in self._committed(mine).point_months
                if (before is None or r.month < before) and (after is None or r.month > after)]
        if points is not None:
            ps = set(points)
            rows = [r for r in rows if r.point_code in ps]
        return rows

    def point_tails_before(self, mine: str, month: str) -> dict[str, PointTail]:
        """Last stored reading of each point of the mine in a month before ``month`` (pending-aware)."""
        return {p: t for p, (_, t) in self._point_tails_with_month(mine, month).items()}

    def point_good_tails_before(self, mine: str, month: str, months: dict[str, str] | None = None
                                ) -> dict[str, GoodTail]:
        """Per point with earlier readings: its last quality-assured reading before ``month`` (time, raw value),
        or (its first reading, NaN) — read from the last row of the partition that holds the point's tail."""
        if months is None:
            months = {p: mo for p, (mo, _) in self._point_tails_with_month(mine, month).items()}
        out: dict[str, GoodTail] = {}
        by_month: dict[str, set[str]] = {}
        for p, mo in months.items():
            mem = self.point_goods.get((mine, mo))
            if mem is not None and p in mem:
                out[p] = mem[p]
            else:
                by_month.setdefault(mo, set()).add(p)
        for mo, pts in sorted(by_month.items()):
            t = self._read_columns("readings", mine, mo, ["point_code", "ts", "value", "flags", "prev_good_ts",
                                                          "prev_good_value"])
            if t is None:
                continue
            t = t.filter(pc.is_in(t.column("point_code").cast(pa.string()), pa.array(sorted(pts), pa.string())))
            for p, cols in good_tails_of(t, "point_code", READING_GOOD_COLUMNS).items():
                out[p] = cols["value"]
        return out

    def _point_tails_with_month(self, mine: str, month: str) -> dict[str, tuple[str, PointTail]]:
        best: dict[str, tuple[str, PointTail]] = {}
        pending_months = {mo for (m, mo) in self.point_months if m == mine}
        for r in self._point_months_db(mine, before=month):
            if r.month in pending_months:
                continue
            if r.point_code not in best or best[r.point_code][0] < r.month:
                best[r.point_code] = (r.month, PointTail(_us(r.last_ts), np.nan if r.last_value is None
                                                         else float(r.last_value), int(r.last_flags)))
        for (m, mo), pts in self.point_months.items():
            if m != mine or mo >= month:
                continue
            for p, pm in pts.items():
                if p not in best or best[p][0] < mo:
                    best[p] = (mo, pm.tail)
        return best

    def station_tails_before(self, mine: str, month: str) -> dict[str, StationTail]:
        """Last aligned sample of each station of the mine in a month before ``month`` (pending-aware)."""
        return {c: t for c, (_, t) in self._station_tails_with_month(mine, month).items()}

    def station_good_tails_before(self, mine: str, month: str) -> dict[str, dict[str, GoodTail]]:
        """Per station with earlier samples: the :data:`~minegas.measurements.align.GoodTail` of each integrated
        column before ``month``, from the last row of the aligned partition holding the station's tail."""
        out: dict[str, dict[str, GoodTail]] = {}
        by_month: dict[str, set[str]] = {}
        for code, (mo, _) in self._station_tails_with_month(mine, month).items():
            mem = self.station_goods.get((mine, mo))
            if mem is not None and code in mem:
                out[code] = mem[code]
            else:
                by_month.setdefault(mo, set()).add(code)
        cols = ["station_code", "ts", "flags", *STATION_GOOD_COLUMNS,
                *(c for pair in STATION_GOOD_COLUMNS.values() for c in pair)]
        for mo, codes in sorted(by_month.items()):
            t = self._read_columns("aligned", mine, mo, cols)
            if t is None:
                continue
            t = t.filter(pc.is_in(t.column("station_code").cast(pa.string()), pa.array(sorted(codes), pa.string())))
            out.update(good_tails_of(t, "station_code", STATION_GOOD_COLUMNS))
        return out

    def _station_tails_with_month(self, mine: str, month: str) -> dict[str, tuple[str, StationTail]]:
        best: dict[str, tuple[str, StationTail]] = {}
        pending_months = {mo for (m, mo) in self.station_months if m == mine}
        rows = [r for r in self._committed(mine).station_months if r.month < month]
        for r in rows:
            if r.month in pending_months:
                continue
            if r.station_code not in best or best[r.station_code][0] < r.month:
                best[r.station_code] = (r.month, StationTail(_us(r.last_ts), _nan_if_none(r.last_ch4_flow_nm3_min),
                                                             _nan_if_none(r.last_flow_mixed_nm3_min),
                                                             _nan_if_none(r.last_ch4_pct),
                                                             int(r.last_flags)))
        for (m, mo), sts in self.station_months.items():
            if m != mine or mo >= month:
                continue
            for code, sm in sts.items():
                if code not in best or best[code][0] < mo:
                    best[code] = (mo, sm.tail)
        return best

    def _point_months_of(self, mine: str, month: str) -> dict[str, PointMonth]:
        key = (mine, month)
        if key in self.point_months:
            return self.point_months[key]
        rows = [r for r in self._committed(mine).point_months if r.month == month]
        return {r.point_code: PointMonth(r.n_readings, r.n_unmapped, _us(r.first_ts), PointTail(
            _us(r.last_ts), np.nan if r.last_value is None else float(r.last_value), int(r.last_flags)))
            for r in rows}

    def _next_months(self, mine: str, month: str, points: list[str]) -> set[str]:
        """For each point, the first later month holding it (pending-aware)."""
        if not points:
            return set()
        nxt: dict[str, str] = {}
        pending_months = {mo for (m, mo) in self.point_months if m == mine}
        for r in self._point_months_db(mine, after=month, points=points):
            if r.month in pending_months:
                continue
            if r.point_code not in nxt or r.month < nxt[r.point_code]:
                nxt[r.point_code] = r.month
        ps = set(points)
        for (m, mo), pts in self.point_months.items():
            if m != mine or mo <= month:
                continue
            for p in ps & set(pts):
                if p not in nxt or mo < nxt[p]:
                    nxt[p] = mo
        return set(nxt.values())

    # --- adding data -----------------------------------------------------------------------------------------

    def add_batch(self, record: BatchRecord) -> None:
        """Record an input file (its counts are filled in from the merge at commit)."""
        self.batches.append(record)

    def add_readings(self, mine: str, table: pa.Table) -> None:
        """Queue new readings of a mine (:data:`INCOMING_SCHEMA`, in arrival order). They are merged when
        :meth:`flush` is called for the mine (or at commit)."""
        if table.num_rows == 0:
            return
        t = table.select(INCOMING_SCHEMA.names)
        if not t.schema.equals(INCOMING_SCHEMA):
            t = t.cast(INCOMING_SCHEMA)
        arrival = pa.array(np.arange(self._arrival, self._arrival + t.num_rows, dtype=np.int64))
        self._arrival += t.num_rows
        self._incoming.setdefault(mine, []).append(t.append_column("arrival", arrival))

    def add_point_defs(self, table: pa.Table, batch_id: int) -> int:
        """Queue CDDY/AQMC point definitions (POINT_DEFS_SCHEMA); the latest ``def_ts`` per point wins (also
        against the stored one, at commit). Returns the number of definitions queued."""
        cols = ("mine_code", "point_code", "system_code", "station_code", "sensor_type_code", "value_type",
                "unit_raw", "range_low", "range_high", "alarm_high", "alarm_low", "cut_high", "cut_low", "location",
                "sensor_name", "relations_raw", "raw_extra", "def_ts")
        n = 0
        for row in table.select(list(cols)).to_pylist():
            key = (row["mine_code"], row["point_code"])
            row = {k: (_none_if_nan(v) if isinstance(v, float) else v) for k, v in row.items()}
            row["batch_id"] = batch_id
            old = self.point_defs.get(key)
            if old is None or old["def_ts"] <= row["def_ts"]:
                self.point_defs[key] = row
            n += 1
        return n

    def flush(self, mine: str | None = None) -> None:
        """Merge the queued readings of ``mine`` (all mines when None) into their partitions: files are written
        now, made visible at :meth:`commit`. Bounds memory to one mine's new data and touched partitions."""
        mines = [mine] if mine is not None else sorted(self._incoming)
        for m in mines:
            parts = self._incoming.pop(m, None)
            if not parts:
                continue
            new = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
            self._merge_mine(m, new)

    # --- merging ---------------------------------------------------------------------------------------------

    def _merge_mine(self, mine: str, new: pa.Table) -> None:
        by_month: dict[str, pa.Table] = {}
        for mo, mask in _month_groups(_ts_np(new.column("ts"))):
            by_month[mo] = new if mask is None else new.filter(pa.array(mask))
        self._process_months(mine, by_month)

    def refresh_mine(self, mine: str) -> None:
        """Recompute flags, predecessors and aligned samples of every partition of a mine (rebuild)."""
        months = self.months_of(mine)
        self._process_months(mine, dict.fromkeys(months), force_aligned=True)
        # aligned partitions without readings any more
        for f in self.store.files("aligned", [mine]):
            if f.month not in months:
                self._set_partition("aligned", mine, f.month, [])
                self.station_months[(mine, f.month)] = {}

    def _process_months(self, mine: str, by_month: dict[str, pa.Table | None], force_aligned: bool = False
                        ) -> None:
        self._forget_others(mine)
        todo = set(by_month)
        done: set[str] = set()
        aligned_todo: set[str] = set(by_month) if force_aligned else set()
        while todo:
            mo = min(todo)
            todo.discard(mo)
            if mo in done:
                continue
            done.add(mo)
            changed_tails, wrote = self._merge_month(mine, mo, by_month.get(mo))
            if wrote:
                aligned_todo.add(mo)
                self._readings_changed.setdefault(mine, set()).add(mo)
            if changed_tails:
                nxt = self._next_months(mine, mo, changed_tails)
                todo |= {n for n in nxt if n not in done}
                # the next readings month may hold samples whose components come from this month's tails
                later = [m for m in self.months_of(mine) if m > mo]
                if later:
                    aligned_todo.add(later[0])
        # aligned samples of the touched months, cascading while station tails change
        while aligned_todo:
            mo = min(aligned_todo)
            aligned_todo.discard(mo)
            if self._rebuild_aligned(mine, mo):
                later = [m for m in self.months_of(mine) if m > mo]
                if later:
                    aligned_todo.add(later[0])

    def _merge_month(self, mine: str, month: str, new: pa.Table | None) -> tuple[list[str], bool]:
        """Merge new rows into one readings partition (or just refresh it when ``new`` is None).

        Returns
        -------
        (points whose last reading of the month changed, whether the partition was written).
        """
        existing = self._read("readings", mine, month)
        n_old = 0 if existing is None else existing.num_rows
        cols = ["point_code", "ts", "value", "value_raw", "kj_status", "flags", "batch_id", "record_no"]
        parts: list[pa.Table] = []
        if existing is not None and n_old:
            parts.append(existing.select(cols).cast(INCOMING_SCHEMA).append_column(
                "arrival", pa.array(np.full(n_old, -1, dtype=np.int64))))
        n_new = 0 if new is None else new.num_rows
        if new is not None and n_new:
            parts.append(new.select([*cols, "arrival"]))
        if not parts:
            return [], False
        comb = pa.concat_tables(parts).combine_chunks() if len(parts) > 1 else parts[0].combine_chunks()
        rank, names = _rank_and_names(comb.column("point_code"))
        ts = _ts_np(comb.column("ts"))
        arrival = _i64(comb.column("arrival"))
        order = np.lexsort((arrival, ts, rank))
        r_s, t_s = rank[order], ts[order]
        n = len(order)
        dup = np.zeros(n, dtype=bool)
        if n > 1:
            dup[1:] = (r_s[1:] == r_s[:-1]) & (t_s[1:] == t_s[:-1])
        value = _f64(comb.column("value"))
        kjs = _i64(comb.column("kj_status"))
        batch = _i64(comb.column("batch_id"))
        sticky = _u32(comb.column("flags"))
        is_new = arrival >= 0
        conflict_kept = np.zeros(len(comb), dtype=bool)
        if dup.any():
            vraw = comb.column("value_raw").to_numpy(zero_copy_only=False)
            pos = np.arange(n)
            winner_pos = np.maximum.accumulate(np.where(~dup, pos, 0))
            other = order[dup]
            kept = order[winner_pos[dup]]
            same = (_nan_eq(value[other], value[kept]) & (kjs[other] == kjs[kept])
                    & ((~np.isnan(value[other])) | (vraw[other] == vraw[kept])))
            diff_other, diff_kept = other[~same], kept[~same]
            conflict_kept[diff_kept] = True
            for b, c in zip(*np.unique(batch[other[same & is_new[other]]], return_counts=True), strict=True):
                self.counts.setdefault(int(b), BatchCounts()).duplicate += int(c)
            for b, c in zip(*np.unique(batch[diff_other[is_new[diff_other]]], return_counts=True), strict=True):
                self.counts.setdefault(int(b), BatchCounts()).conflict += int(c)
            if diff_other.size:
                pcode = comb.column("point_code").to_numpy(zero_copy_only=False)
                rec = _i64(comb.column("record_no"))
                for o, k in zip(diff_other.tolist(), diff_kept.tolist(), strict=True):
                    if not is_new[o]:
                        continue
                    self.conflicts.append({
                        "mine_code": mine, "point_code": str(pcode[o]), "ts": _dt(int(ts[o])),
                        "kept_value": _none_if_nan(value[k]), "kept_value_raw": vraw[k],
                        "kept_kj_status": int(kjs[k]), "kept_batch_id": int(batch[k]),
                        "other_value": _none_if_nan(value[o]), "other_value_raw": vraw[o],
                        "other_kj_status": int(kjs[o]), "other_batch_id": int(batch[o]),
                        "other_record_no": int(rec[o])})
        keep_idx = order[~dup]
        sticky = sticky | np.where(conflict_kept, np.uint32(QaFlag.DUPLICATE_CONFLICT), 0).astype(np.uint32)
        T = comb.take(pa.array(keep_idx))
        k_new = is_new[keep_idx]
        k_ts = ts[keep_idx]
        k_val = value[keep_idx]
        k_rank = rank[keep_idx]
        m = len(keep_idx)
        starts = np.r_[0, np.flatnonzero(k_rank[1:] != k_rank[:-1]) + 1, m].astype(np.int64) if m else np.zeros(
            1, np.int64)
        codes = [names[r] for r in k_rank[starts[:-1]].tolist()]
        first = np.zeros(m, dtype=bool)
        first[starts[:-1]] = True
        # predecessors: previous row of the same point, the first from earlier partitions
        tail_months = self._point_tails_with_month(mine, month)
        tails = {p_: t for p_, (_, t) in tail_months.items()}
        prev_ts = np.empty(m, np.int64)
        prev_val = np.empty(m)
        if m:
            prev_ts[1:] = k_ts[:-1]
            prev_val[1:] = k_val[:-1]
        prev_tail_fl = np.zeros(m, np.uint32)
        has_prev = ~first
        for i, code in enumerate(codes):
            j = int(starts[i])
            tl = tails.get(code)
            if tl is None:
                prev_ts[j], prev_val[j] = NO_TS, np.nan
            else:
                prev_ts[j], prev_val[j], prev_tail_fl[j] = tl.ts_us, tl.value, tl.flags
                has_prev[j] = True
        flags = compute_flags(mine, T.column("point_code"), k_ts, k_val, kjs[keep_idx],
                              np.where(has_prev, prev_val, np.nan), sticky[keep_idx], self.snap, runs=(starts, codes))
        prev_fl = np.empty(m, np.uint32)
        if m:
            prev_fl[1:] = flags[:-1]
        prev_fl[first] = prev_tail_fl[first]
        # last quality-assured reading before each row (gap substitution), the first from earlier partitions
        in_run = set(codes)
        good_before = self.point_good_tails_before(
            mine, month, {p_: mo for p_, (mo, _) in tail_months.items() if p_ in in_run})
        run_tails: list[GoodTail | None] = [
            (good_before.get(code, (tails[code].ts_us, np.nan)) if code in tails else None) for code in codes]
        ok_rows = good_mask(flags, k_val)
        pg_ts, pg_v = prev_good(k_ts, k_val, ok_rows, starts, run_tails)
        # stored rows unchanged?
        old_rows = ~k_new
        unchanged = True
        if existing is not None and n_old and old_rows.any():
            src = keep_idx[old_rows]  # < n_old: indices into existing (it came first in comb)
            ex_fl = _u32(existing.column("flags"))[src]
            ex_pts = _ts_np(existing.column("prev_ts"))[src]
            ex_pv = _f64(existing.column("prev_value"))[src]
            ex_pf = _u32(existing.column("prev_flags"))[src]
            nf, npt_, npv, npf = flags[old_rows], np.where(has_prev, prev_ts, NO_TS)[old_rows], \
                np.where(has_prev, prev_val, np.nan)[old_rows], np.where(has_prev, prev_fl, 0)[old_rows]
            unchanged = bool(np.array_equal(ex_fl, nf) and np.array_equal(ex_pts, npt_)
                             and np.all(_nan_eq(ex_pv, npv)) and np.array_equal(ex_pf, npf))
            if unchanged and {"prev_good_ts", "prev_good_value"} <= set(existing.column_names):
                unchanged = bool(np.array_equal(_ts_np(existing.column("prev_good_ts"))[src], pg_ts[old_rows])
                                 and np.all(_nan_eq(_f64(existing.column("prev_good_value"))[src], pg_v[old_rows])))
            else:
                unchanged = False  # written before the prev_good columns existed: rewrite the partition
        appendable = True
        if m > 1:
            same_point = np.ones(m, dtype=bool)
            same_point[0] = False
            same_point[starts[1:-1]] = False
            back = np.zeros(m, dtype=bool)
            back[1:] = k_new[:-1] & ~k_new[1:] & same_point[1:]
            appendable = not back.any()
        n_added = int(k_new.sum())
        # batch counts of stored rows (counted in arrival order, where each batch's rows are one run)
        stored_c = np.zeros(len(comb), dtype=bool)
        stored_c[keep_idx[k_new]] = True
        for b, c in _counts_by(batch, stored_c):
            self.counts.setdefault(int(b), BatchCounts()).stored += int(c)
        unm_c = np.zeros(len(comb), dtype=bool)
        unm_c[keep_idx] = k_new & ((flags & np.uint32(QaFlag.UNMAPPED)) != 0)
        for b, c in _counts_by(batch, unm_c):
            self.counts.setdefault(int(b), BatchCounts()).unmapped += int(c)
        # tails of this month
        old_pm = self._point_months_of(mine, month)
        unmapped_all = (flags & np.uint32(QaFlag.UNMAPPED)) != 0
        new_pm: dict[str, PointMonth] = {}
        for i, code in enumerate(codes):
            a, b = int(starts[i]), int(starts[i + 1])
            new_pm[code] = PointMonth(b - a, int(unmapped_all[a:b].sum()), int(k_ts[a]),
                                      PointTail(int(k_ts[b - 1]), float(k_val[b - 1]), int(flags[b - 1])))
        changed_tails = [p for p, pm in new_pm.items()
                         if p not in old_pm or old_pm[p].tail.ts_us != pm.tail.ts_us
                         or old_pm[p].tail.flags != pm.tail.flags
                         or not _nan_eq(np.array([old_pm[p].tail.value]), np.array([pm.tail.value]))[0]]
        # quality-assured tails: a change (late data making an earlier reading good or bad) moves the next
        # partition's prev_good columns even when the last reading stays the same
        new_good: dict[str, GoodTail] = {}
        for i, code in enumerate(codes):
            j = int(starts[i + 1]) - 1
            new_good[code] = good_tail_at(int(k_ts[j]), float(k_val[j]), bool(ok_rows[j]), int(pg_ts[j]),
                                          float(pg_v[j]))
        old_good = self.point_goods.get((mine, month))
        if old_good is None:
            old_good = ({} if existing is None else
                        {p_: c["value"] for p_, c in good_tails_of(existing, "point_code", READING_GOOD_COLUMNS).items()})
        changed_tails += [p_ for p_, g in new_good.items() if p_ not in changed_tails and not _same_good(
            old_good.get(p_), g)]
        self.point_goods[(mine, month)] = new_good
        if unchanged and n_added == 0:
            if new_pm != old_pm:
                self.point_months[(mine, month)] = new_pm
            return changed_tails, False
        out = pa.Table.from_arrays([
            pa.repeat(pa.scalar(mine, pa.string()), m),
            T.column("point_code").cast(pa.string()),
            T.column("ts"),
            T.column("value"),
            T.column("value_raw"),
            T.column("kj_status"),
            pa.array(flags, pa.uint32()),
            T.column("batch_id"),
            T.column("record_no"),
            pa.array(np.where(has_prev, prev_ts, 0), pa.int64(), mask=~has_prev).cast(TS),
            pa.array(prev_val, pa.float64(), mask=~has_prev),
            pa.array(prev_fl, pa.uint32(), mask=~has_prev),
            pa.array(pg_ts, pa.int64(), mask=pg_ts == NO_TS).cast(TS),
            pa.array(pg_v, pa.float64(), mask=~np.isfinite(pg_v)),
        ], schema=READINGS_FILE_SCHEMA)
        files = self.partition_files("readings", mine, month)
        if unchanged and appendable and existing is not None and len(files) < self.store.compact_threshold:
            entry = self._write("readings", mine, month, out.filter(pa.array(k_new)))
            self._set_partition("readings", mine, month, [*files, entry])
        else:
            entry = self._write("readings", mine, month, out)
            self._set_partition("readings", mine, month, [entry])
        self._remember("readings", mine, month, out)
        self.point_months[(mine, month)] = new_pm
        self.result.readings_added += n_added
        return changed_tails, True

    def _rebuild_aligned(self, mine: str, month: str) -> bool:
        """Rebuild one aligned partition from its readings; True when a station's last sample changed."""
        readings = self._read("readings", mine, month)
        old = self.station_months.get((mine, month))
        if old is None:
            rows = [r for r in self._committed(mine).station_months if r.month == month]
            old = {r.station_code: StationMonth(r.n_samples, _us(r.first_ts), StationTail(
                _us(r.last_ts), _nan_if_none(r.last_ch4_flow_nm3_min), _nan_if_none(r.last_flow_mixed_nm3_min),
                _nan_if_none(r.last_ch4_pct), int(r.last_flags))) for r in rows}
        old_good = self.station_goods.get((mine, month))
        if old_good is None:
            cols = ["station_code", "ts", "flags", *STATION_GOOD_COLUMNS,
                    *(c for pair in STATION_GOOD_COLUMNS.values() for c in pair)]
            old_t = self._read_columns("aligned", mine, month, cols)
            old_good = {} if old_t is None else good_tails_of(old_t, "station_code", STATION_GOOD_COLUMNS)
        if readings is None or readings.num_rows == 0:
            table = ALIGNED_SCHEMA.empty_table()
        else:
            table = build_aligned(readings, mine, self.snap, self.point_tails_before(mine, month),
                                  self.station_tails_before(mine, month),
                                  self.station_good_tails_before(mine, month))
        if table.num_rows:
            entry = self._write("aligned", mine, month, table)
            self._set_partition("aligned", mine, month, [entry])
        else:
            self._set_partition("aligned", mine, month, [])
        new = {code: StationMonth(n, first, tail) for code, (n, first, _, tail) in station_tails_of(table).items()}
        self.station_months[(mine, month)] = new
        new_good = good_tails_of(table, "station_code", STATION_GOOD_COLUMNS)
        self.station_goods[(mine, month)] = new_good
        self.result.aligned_partitions += 1
        good_changed = any(not _same_good(old_good.get(code, {}).get(c), g.get(c))
                           for code, g in new_good.items() for c in STATION_GOOD_COLUMNS) or bool(
            set(old_good) - set(new_good))

        def key(sm: StationMonth) -> tuple[Any, ...]:
            t = sm.tail
            return (t.ts_us, t.flags, *(None if not np.isfinite(x) else x
                                        for x in (t.ch4_flow_nm3_min, t.flow_mixed_nm3_min, t.ch4_pct)))

        return good_changed or {k: key(v) for k, v in new.items()} != {k: key(v) for k, v in old.items()}

    def compact_partition(self, dataset: str, mine: str, month: str) -> None:
        """Merge a partition's files into one (rows re-sorted; content unchanged)."""
        t = self._read(dataset, mine, month)
        if t is None:
            return
        keys = [("point_code", "ascending")] if dataset == "readings" else [("station_code", "ascending")]
        t = t.sort_by([*keys, ("ts", "ascending")])
        entry = self._write(dataset, mine, month, t)
        self._set_partition(dataset, mine, month, [entry])

    # --- commit ----------------------------------------------------------------------------------------------

    def commit(self) -> CommitResult:
        """Make everything visible in one registry transaction; then delete replaced files and rewrite
        ``manifest.json``. Nothing to record → no commit (``token`` None)."""
        self.flush()
        self._cache.clear()
        sizes = self._finish_writes()
        for pkey, files in self.pending.items():
            self.pending[pkey] = [f if f.path not in sizes else FileEntry(
                f.dataset, f.mine_code, f.month, f.path, f.n_rows, sizes[f.path], f.min_ts, f.max_ts) for f in files]
        for b in self.batches:
            c = self.counts.get(b.batch_id)
            if c is not None and b.status == "committed" and b.kind not in ("CDDY", "AQMC"):
                b.records_stored, b.records_duplicate = c.stored, c.duplicate
                b.records_conflict, b.records_unmapped = c.conflict, c.unmapped
        changed = {k: v for k, v in self.pending.items()
                   if [f.path for f in v] != [f.path for f in self.base.get(k, [])] or k not in self.base}
        if not (changed or self.batches or self.point_defs or self.conflicts or self.point_months
                or self.station_months):
            self.abort()
            self.result.token = None
            return self.result
        removed: list[str] = []
        try:
            with self.store.session() as s:
                commit = StoreCommit(token=self.token, kind=self.kind, created_by=self.by,
                                     n_batches=len(self.batches), n_files_added=0, n_files_removed=0,
                                     note=self.note)
                s.add(commit)
                s.flush()
                added = 0
                file_rows: list[dict[str, Any]] = []
                for (ds, mine, month), files in sorted(changed.items()):
                    current = sorted(s.scalars(sa.select(StoreFile.path).where(
                        StoreFile.dataset == ds, StoreFile.mine_code == mine, StoreFile.month == month)))
                    base = sorted(f.path for f in self.base.get((ds, mine, month), []))
                    if current != base:
                        raise ConcurrentCommitError(
                            f"partition {ds}/mine={mine}/month={month} was changed by another writer during this "
                            "commit; nothing was committed — fix: run the command again")
                    new_paths = {f.path for f in files}
                    removed.extend(p for p in current if p not in new_paths)
                    s.execute(sa.delete(StoreFile).where(StoreFile.dataset == ds, StoreFile.mine_code == mine,
                                                         StoreFile.month == month, StoreFile.path.not_in(new_paths)))
                    for f in files:
                        if f.path in current:
                            continue
                        added += 1
                        file_rows.append(dict(commit_id=commit.id, dataset=ds, mine_code=mine, month=month,
                                              path=f.path, n_rows=f.n_rows, n_bytes=f.n_bytes, min_ts=f.min_ts,
                                              max_ts=f.max_ts))
                # rows are inserted in bulk (one executemany per table), in the order the objects were added before
                _insert(s, StoreFile, file_rows)
                pm_rows: list[dict[str, Any]] = []
                for (mine, month), pts in sorted(self.point_months.items()):
                    s.execute(sa.delete(StorePointMonth).where(StorePointMonth.mine_code == mine,
                                                               StorePointMonth.month == month))
                    pm_rows += [dict(
                        mine_code=mine, point_code=p, month=month, n_readings=pm.n, n_unmapped=pm.n_unmapped,
                        first_ts=_dt(pm.first_us), last_ts=_dt(pm.tail.ts_us), last_value=_none_if_nan(pm.tail.value),
                        last_flags=pm.tail.flags) for p, pm in sorted(pts.items())]
                _insert(s, StorePointMonth, pm_rows)
                sm_rows: list[dict[str, Any]] = []
                for (mine, month), sts in sorted(self.station_months.items()):
                    s.execute(sa.delete(StoreStationMonth).where(StoreStationMonth.mine_code == mine,
                                                                 StoreStationMonth.month == month))
                    sm_rows += [dict(
                        mine_code=mine, station_code=code, month=month, n_samples=sm.n, first_ts=_dt(sm.first_us),
                        last_ts=_dt(sm.tail.ts_us), last_ch4_flow_nm3_min=_none_if_nan(sm.tail.ch4_flow_nm3_min),
                        last_flow_mixed_nm3_min=_none_if_nan(sm.tail.flow_mixed_nm3_min),
                        last_ch4_pct=_none_if_nan(sm.tail.ch4_pct), last_flags=sm.tail.flags)
                        for code, sm in sorted(sts.items())]
                _insert(s, StoreStationMonth, sm_rows)
                _insert(s, IngestBatch, [dict(
                    batch_id=b.batch_id, commit_id=commit.id, status=b.status, source_path=b.source_path[:1000],
                    file_name=b.file_name[:300], sha256=b.sha256, n_bytes=b.n_bytes, format=b.format, kind=b.kind,
                    mine_code=b.mine_code, file_time=b.file_time, records_total=b.records_total,
                    records_rejected=b.records_rejected, records_stored=b.records_stored,
                    records_duplicate=b.records_duplicate, records_conflict=b.records_conflict,
                    records_unmapped=b.records_unmapped, partial=b.partial, ingested_by=self.by,
                    message=b.message) for b in self.batches])
                _insert(s, ReadingConflict, list(self.conflicts))
                if self.point_defs:
                    stored = {(d.mine_code, d.point_code): d for d in s.scalars(sa.select(KjPointDef).where(
                        KjPointDef.mine_code.in_(sorted({k[0] for k in self.point_defs}))))}
                    new_defs: list[dict[str, Any]] = []
                    for key, row in sorted(self.point_defs.items()):
                        old = stored.get(key)
                        if old is None:
                            new_defs.append(row)
                        elif old.def_ts <= row["def_ts"]:
                            for k2, v in row.items():
                                setattr(old, k2, v)
                    _insert(s, KjPointDef, new_defs)
                commit.n_files_added = added
                commit.n_files_removed = len(removed)
        except BaseException:
            self.abort()
            raise
        self.result.files_added = sum(1 for v in changed.values() for f in v if f.path in self.written)
        self.result.files_removed = len(removed)
        self.result.partitions = sorted(changed)
        self.result.conflicts = len(self.conflicts)
        self.written.clear()
        for rel in removed:
            with contextlib.suppress(OSError):
                (self.store.root / rel).unlink()
        self.store.write_manifest_json()
        return self.result

    def abort(self) -> None:
        """Delete the files this transaction wrote (they never became visible)."""
        self._cache.clear()
        self._finish_writes(check=False)
        for rel in sorted(self.written):
            with contextlib.suppress(OSError):
                (self.store.root / rel).unlink()
        self.written.clear()


def _insert(s: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Insert rows of a store model in one executemany (column defaults such as ``created_at`` apply)."""
    if rows:
        s.execute(sa.insert(model), rows)


def _same_good(a: GoodTail | None, b: GoodTail | None) -> bool:
    """Two good tails are equal (NaN values compare equal)."""
    if a is None or b is None:
        return a is b
    return a[0] == b[0] and (a[1] == b[1] or (np.isnan(a[1]) and np.isnan(b[1])))


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user database entry (containers)
        return str(os.getuid())
