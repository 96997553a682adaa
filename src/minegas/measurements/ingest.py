"""Ingest: read → map → QA → dedup → commit (docs/store.md "Ingest").

:func:`ingest_paths` takes files, folders (searched recursively) and glob patterns, reads each file with
:mod:`minegas.measurements.readers`, maps its readings to the registry, sets the ingest-time QA bits and hands
them to one store :class:`~minegas.measurements.store.Transaction`: **one ingest = one commit**, whatever the
number of files, so a mine uploading every 30 s does not make a Parquet file per upload. The store merges,
deduplicates (first received wins), computes flags and predecessor columns and aligned samples, and commits.

Per file:

- already ingested (its SHA-256 is recorded as a committed batch), or the same content twice in one run →
  skipped, nothing read;
- rejected by the reader (truncated, wrong field count, bad number or time, a point code of another mine,
  undecodable bytes …) → nothing of it is stored; the rejection (file, record, field, value, fix) is reported
  and recorded as a ``rejected`` batch. With ``partial`` the good records are stored and the bad ones reported;
- readings of points the registry does not map (or of a mine it does not know) are stored, flagged
  ``UNMAPPED`` and listed by ``minegas store unmapped`` — with ``strict`` they reject the file instead (with
  ``partial``: those records);
- CDDY/AQMC point definitions update ``kj_point_def`` (latest definition time per point wins) and give the
  ``OUT_OF_RANGE`` bounds of the CDDY range;
- TJSJ, YCBJ, FZDY and FZSS files are read (so broken ones are reported) but not stored by this version.

Speed (docs/store.md "Performance"): files are hashed two at a time and read and parsed in a read-ahead thread,
a unit or two ahead of the merge — consecutive KJ CDSS files of one mine together
(:func:`~minegas.measurements.readers.kj.read_kj_batch`, one ``pyarrow.csv`` read for hundreds of small files);
the readings of consecutive files of a mine reach the transaction as one table. None of this changes what is
stored: the order of files, records and batches is the order above.

:class:`StreamingIngest` is the entry point for uploads arriving one by one: :meth:`~StreamingIngest.stage`
keeps each upload durably in ``<store>/staging`` and :meth:`~StreamingIngest.commit` ingests everything staged
as one commit (call it every few minutes).
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minegas.errors import InputError, Problem
from minegas.measurements.flags import QaFlag, QaParams
from minegas.measurements.mapping import Snapshot, load_snapshot, resolve_wide, wide_pseudo_code
from minegas.measurements.readers import read_bytes
from minegas.measurements.readers.kj import NAME_RE as KJ_NAME_RE
from minegas.measurements.readers.kj import read_kj_batch
from minegas.measurements.readers.schemas import POINT_DEFS, READINGS, ParsedFile
from minegas.measurements.store import (
    INCOMING_SCHEMA,
    BatchRecord,
    CommitResult,
    Store,
    Transaction,
    batch_id_of,
)

STORED_KINDS = {"CDSS", "AQSS", "long", "wide"}
DEFINITION_KINDS = {"CDDY", "AQMC"}
NOT_STORED_KINDS = {"TJSJ", "YCBJ", "FZDY", "FZSS"}
_KIND_ORDER = {"CDDY": 0, "AQMC": 0}
_INPUT_SUFFIXES = {".txt", ".csv", ".xml", ".parquet", ".pq"}


@dataclass
class FileOutcome:
    """What ingest did with one file.

    ``stored`` counts new readings, ``definitions`` CDDY/AQMC point definitions. ``status``: ``stored`` (all records
    kept), ``partial`` (good records kept, others rejected), ``rejected``
    (nothing kept), ``skipped`` (already ingested / same content twice), ``not_stored`` (a KJ type this version
    does not store).
    """

    path: str
    name: str
    status: str
    sha256: str = ""
    n_bytes: int = 0
    kind: str | None = None
    mine_code: str | None = None
    records: int = 0
    rejected: int = 0
    stored: int = 0
    duplicate: int = 0
    conflict: int = 0
    unmapped: int = 0
    definitions: int = 0
    message: str = ""
    problems: list[Problem] = field(default_factory=list)
    batch_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k != "problems"}
        d["problems"] = [p.__dict__ for p in self.problems]
        return d


@dataclass
class IngestReport:
    """The outcome of one ingest: one :class:`FileOutcome` per input file and the commit."""

    files: list[FileOutcome]
    commit: CommitResult | None

    @property
    def rejected(self) -> bool:
        """True if any file or record was rejected (the CLI then exits with code 2)."""
        return any(f.status == "rejected" or f.rejected for f in self.files)

    @property
    def problems(self) -> list[Problem]:
        return [p for f in self.files for p in f.problems]

    def totals(self) -> dict[str, int]:
        keys = ("records", "rejected", "stored", "duplicate", "conflict", "unmapped", "definitions")
        out = {k: sum(getattr(f, k) for f in self.files) for k in keys}
        for st in ("stored", "partial", "rejected", "skipped", "not_stored"):
            out[f"files_{st}"] = sum(1 for f in self.files if f.status == st)
        out["files"] = len(self.files)
        return out

    def as_dict(self) -> dict[str, Any]:
        c = self.commit
        return {"totals": self.totals(), "files": [f.as_dict() for f in self.files],
                "commit": None if c is None or c.token is None else {
                    "token": c.token, "files_added": c.files_added, "files_removed": c.files_removed,
                    "readings_added": c.readings_added, "aligned_partitions": c.aligned_partitions,
                    "conflicts": c.conflicts}}


# --- inputs ----------------------------------------------------------------------------------------------------


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files from files, folders (recursively: ``.txt``, ``.csv``, ``.xml``, ``.parquet``, ``.pq``; hidden files
    and folders skipped) and glob patterns; sorted within each argument, duplicates removed.

    Raises
    ------
    InputError
        For an argument that is no file or folder and matches nothing.
    """
    out: list[Path] = []
    seen: set[Path] = set()
    problems: list[Problem] = []
    for arg in paths:
        p = Path(arg)
        found: list[Path]
        if p.is_file():
            found = [p]
        elif p.is_dir():
            found = sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in _INPUT_SUFFIXES
                           and not any(part.startswith(".") for part in q.relative_to(p).parts))
        else:
            matches = sorted(Path(m) for m in glob.glob(str(arg), recursive=True))  # noqa: PTH207 — absolute patterns
            found = []
            for m in matches:
                found.extend(expand_paths([m]) if m.is_dir() else [m] if m.is_file() else [])
            if not matches:
                problems.append(Problem("no such file or folder, and no file matches the pattern", file=str(arg),
                                        fix="check the path (quote glob patterns so the shell leaves them)"))
        for f in found:
            r = f.resolve()
            if r not in seen:
                seen.add(r)
                out.append(f)
    if problems:
        raise InputError("nothing to ingest at some paths", problems)
    return out


def _sha256_file(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    n = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            n += len(chunk)
    return h.hexdigest(), n


def _sha256_files(files: list[Path]) -> dict[Path, tuple[str, int]]:
    """SHA-256 and size of every file, two at a time (hashlib and file reads release the GIL)."""
    if len(files) < 4:
        return {p: _sha256_file(p) for p in files}
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="minegas-hash") as pool:
        return dict(zip(files, pool.map(_sha256_file, files), strict=True))


Loaded = tuple[int, ParsedFile | InputError | OSError]
"""A file as read ahead: its size [bytes] and what its reader made of it (or the error reading it)."""

PREFETCH_FILES = 512
"""At most this many KJ CDSS files of one mine are read together (:func:`read_kj_batch`)."""
PREFETCH_BYTES = 48 << 20
"""…and at most this many bytes."""
PREFETCH_UNITS = 2
"""Units (a group of KJ files, or one other file) read ahead of the one being ingested."""


class _ReadAhead:
    """Reads and parses the files to ingest in a background thread, in order, a unit or two ahead of ingest.

    Consecutive KJ CDSS files of one mine form one unit, parsed together by
    :func:`~minegas.measurements.readers.kj.read_kj_batch` (the same results as file by file); every other file
    is a unit of its own. Parsing is pure, so reading ahead changes nothing but the time it takes."""

    def __init__(self, paths: list[Path], *, partial: bool, timezone: str | None) -> None:
        self.partial, self.timezone = partial, timezone
        self.units: deque[list[Path]] = deque()
        unit: list[Path] = []
        size = 0
        unit_mine: str | None = None
        for p in paths:
            m = KJ_NAME_RE.match(p.name)
            mine = m.group("mine") if m is not None and m.group("kind") == "CDSS" else None
            try:
                n = p.stat().st_size
            except OSError:
                n = 0
            if unit and (mine is None or mine != unit_mine or len(unit) >= PREFETCH_FILES
                         or size + n > PREFETCH_BYTES):
                self.units.append(unit)
                unit, size = [], 0
            unit.append(p)
            size += n
            unit_mine = mine
            if mine is None:
                self.units.append(unit)
                unit, size, unit_mine = [], 0, None
        if unit:
            self.units.append(unit)
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="minegas-read")
        self.pending: deque[tuple[list[Path], Future[list[Loaded]]]] = deque()
        self.ready: deque[tuple[Path, Loaded]] = deque()
        self._fill()

    def _fill(self) -> None:
        while self.units and len(self.pending) < PREFETCH_UNITS:
            unit = self.units.popleft()
            self.pending.append((unit, self.pool.submit(self._load, unit)))

    def _load(self, unit: list[Path]) -> list[Loaded]:
        datas: list[bytes | OSError] = []
        for p in unit:
            try:
                datas.append(p.read_bytes())
            except OSError as exc:
                datas.append(exc)
        if len(unit) > 1 and all(isinstance(d, bytes) for d in datas):
            items = [(d, p.name) for d, p in zip(datas, unit, strict=True) if isinstance(d, bytes)]
            parsed = read_kj_batch(items, partial=self.partial, timezone=self.timezone)
            return [(len(d), r) for (d, _), r in zip(items, parsed, strict=True)]
        out: list[Loaded] = []
        for d, p in zip(datas, unit, strict=True):
            if isinstance(d, OSError):
                out.append((0, d))
                continue
            try:
                out.append((len(d), read_bytes(d, p.name, partial=self.partial, timezone=self.timezone)))
            except InputError as exc:
                out.append((len(d), exc))
        return out

    def next(self, path: Path) -> Loaded:
        """What the next file (``path``) holds; the files must be asked for in the order given."""
        if not self.ready:
            unit, fut = self.pending.popleft()
            self.ready.extend(zip(unit, fut.result(), strict=True))
            self._fill()
        p, loaded = self.ready.popleft()
        assert p == path, (p, path)
        return loaded

    def close(self) -> None:
        """Stop reading ahead (waits for the unit being read)."""
        self.units.clear()
        for _, fut in self.pending:
            fut.cancel()
        self.pool.shutdown(wait=True)


def _sort_key(p: Path) -> tuple[int, str, str, str]:
    """Definitions first, then by mine (KJ name), then by path (first received = first in this order)."""
    m = KJ_NAME_RE.match(p.name)
    if m:
        return (_KIND_ORDER.get(m.group("kind"), 1), m.group("mine"), str(p.parent), p.name)
    return (1, "~", str(p.parent), p.name)


# --- mapping and ingest-time QA --------------------------------------------------------------------------------


def _unmapped_mask(snap: Snapshot, mine: str, codes: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """True for readings whose point has no registry configuration with a station (at any time), or whose mine is
    not in the registry."""
    if mine not in snap.mines:
        return np.ones(len(codes), dtype=bool)
    mc = snap.mine_configs(mine)
    uniq = pc.unique(codes).to_pylist()
    bad = [u for u in uniq if u not in mc.by_point
           or all(mc.station_code[k] is None for k in mc.by_point[u])]
    if not bad:
        return np.zeros(len(codes), dtype=bool)
    return np.asarray(pc.is_in(codes, pa.array(bad, pa.string())).to_numpy(zero_copy_only=False), dtype=bool)


def _resolve_points(t: pa.Table, snap: Snapshot, mine: str) -> pa.Array | pa.ChunkedArray:
    """Point codes of readings: as received, or for canonical wide rows (station, column) resolved via the
    registry (unresolved: ``<station>/<column>``)."""
    received = t.column("point_code")
    if received.null_count == 0:
        return received
    codes = received.combine_chunks()
    st = t.column("station_code").to_pylist()
    qu = t.column("quantity").to_pylist()
    cache: dict[tuple[str, str], str] = {}
    out = codes.to_pylist()
    for i, c in enumerate(out):
        if c is not None:
            continue
        key = (st[i] or "", qu[i] or "")
        if key not in cache:
            p, _ = resolve_wide(snap, mine, key[0], key[1])
            cache[key] = p if p is not None else wide_pseudo_code(*key)
        out[i] = cache[key]
    return pa.array(out, pa.string())


@dataclass(frozen=True)
class _Queued:
    """A file's readings of one mine, waiting to be handed to the transaction (:func:`_incoming`)."""

    mine: str
    readings: pa.Table
    points: pa.Array | pa.ChunkedArray
    batch_id: int
    file_time_s: float | None


_INCOMING_COLUMNS = ["ts", "value", "value_raw", "kj_status", "record_no"]


def _incoming(files: list[_Queued], qa: QaParams) -> pa.Table:
    """Readings of consecutive files in the store's incoming shape (rows in file order), with the ingest-time bit
    CLOCK_JUMP: a record more than ``clock_ahead_s`` after its own file's time. One set of column operations for
    all the files; row by row the same as file by file."""
    counts = np.asarray([q.readings.num_rows for q in files], dtype=np.int64)
    base = pa.concat_tables([q.readings.select(_INCOMING_COLUMNS) for q in files])
    points = pa.chunked_array([c for q in files for c in (
        q.points.chunks if isinstance(q.points, pa.ChunkedArray) else [q.points])], pa.string())
    n = base.num_rows
    flags = np.zeros(n, dtype=np.uint32)
    timed = [q.file_time_s is not None for q in files]
    if n and any(timed):
        limits = np.asarray([np.inf if q.file_time_s is None else q.file_time_s + qa.clock_ahead_s for q in files])
        ts_s = np.asarray(base.column("ts").cast(pa.int64()).to_numpy(zero_copy_only=False), np.int64) / 1e6
        flags |= np.where(ts_s > np.repeat(limits, counts), np.uint32(QaFlag.CLOCK_JUMP), 0).astype(np.uint32)
    batch = np.repeat(np.asarray([q.batch_id for q in files], dtype=np.int64), counts)
    return pa.Table.from_arrays([
        points, base.column("ts"), base.column("value"), base.column("value_raw"), base.column("kj_status"),
        pa.array(flags, pa.uint32()), pa.array(batch, pa.int64()), base.column("record_no"),
    ], schema=INCOMING_SCHEMA)


def _hand_over(txn: Transaction, queue: list[_Queued], qa: QaParams) -> None:
    """Give the queued readings to the transaction: one table per run of consecutive files of a mine (the same
    rows in the same order as file by file), then empty the queue."""
    i = 0
    while i < len(queue):
        j = i + 1
        while j < len(queue) and queue[j].mine == queue[i].mine:
            j += 1
        txn.add_readings(queue[i].mine, _incoming(queue[i:j], qa))
        i = j
    queue.clear()


def _strict_problems(name: str, t: pa.Table, mask: np.ndarray, mine: str, snap: Snapshot) -> list[Problem]:
    """One problem per unmapped point (its first record) for ``strict`` ingest."""
    sub = t.filter(pa.array(mask))
    codes = sub.column("point_code").to_pylist()
    recs = sub.column("record_no").to_pylist()
    first: dict[str, int] = {}
    for c, r in zip(codes, recs, strict=True):
        if c not in first:
            first[c] = r
    known_mine = mine in snap.mines
    return [Problem(("the mine is not in the registry" if not known_mine else
                     "the point is not mapped in the registry") + f" ({sum(1 for c in codes if c == code)} records)",
                    file=name, line=rec, field="测点编码(point_code)", value=code,
                    fix=("add the mine to mines.csv and import it" if not known_mine else
                         "add the point and its configuration to points.csv / point_configs.csv") +
                        ", or ingest without --strict (the readings are then stored as unmapped)")
            for code, rec in first.items()]


# --- the service -----------------------------------------------------------------------------------------------


def ingest_paths(store: Store, paths: Iterable[str | Path], *, partial: bool = False, strict: bool = False,
                 by: str | None = None, snapshot: Snapshot | None = None, qa: QaParams | None = None,
                 progress: Callable[[FileOutcome], None] | None = None, note: str | None = None,
                 display_names: dict[Path, str] | None = None, timezone: str | None = None) -> IngestReport:
    """Ingest files, folders and globs into the store in one commit.

    Parameters
    ----------
    store : the measurement store.
    paths : files, folders (recursive) and glob patterns.
    partial : keep the good records of damaged files (the bad ones are reported).
    strict : reject readings of points (mines) the registry does not map instead of storing them as unmapped.
    by : user recorded with the batches (default: the OS user).
    snapshot : registry snapshot (default: read from the store's database).
    qa : QA detector thresholds.
    progress : called after each file with its outcome.
    note : recorded with the commit (e.g. the command line).
    display_names : path → name to record as the source (staged uploads keep their original name).
    timezone : zone of times without offset in canonical files (docs/formats.md §3.3); KJ/DB14 files are Beijing
        time and accept only an equivalent zone.

    Returns
    -------
    IngestReport. Rejections are reported in it, not raised (``report.rejected``).

    Raises
    ------
    InputError
        When a path matches nothing (before anything is read).
    """
    files = expand_paths(paths)
    files.sort(key=_sort_key)
    if snapshot is None:
        with store.session() as s:
            snapshot = load_snapshot(s, qa)
    elif qa is not None:
        snapshot.qa = qa
    qa_ = snapshot.qa
    hashes = _sha256_files(files)
    outcomes: list[FileOutcome] = []
    with store.lock():
        store.write_manifest_json()  # heal a manifest.json left stale by an interrupted run
        committed = store.committed_shas([h for h, _ in hashes.values()])
        rejected_before = store.rejected_shas([h for h, _ in hashes.values()])
        txn = store.begin(snapshot, "ingest", by=by, note=note)
        reader: _ReadAhead | None = None
        try:
            seen: dict[str, str] = {}
            plan: list[tuple[Path, FileOutcome, bool]] = []  # (file, outcome, to read)
            for path in files:
                sha, size = hashes[path]
                source = display_names.get(path, str(path)) if display_names else str(path)
                out = FileOutcome(source, path.name, "stored", sha, size, batch_id=batch_id_of(sha))
                if sha in committed:
                    out.status, out.message = "skipped", "already ingested (same SHA-256)"
                elif sha in seen:
                    out.status, out.message = "skipped", f"same content as {seen[sha]}"
                else:
                    seen[sha] = source
                plan.append((path, out, out.status != "skipped"))
            reader = _ReadAhead([p for p, _, read in plan if read], partial=partial, timezone=timezone)
            queue: list[_Queued] = []
            current_mine: str | None = None
            for path, out, read in plan:
                m = KJ_NAME_RE.match(path.name)
                file_mine = m.group("mine") if m else None
                if current_mine is not None and file_mine != current_mine:
                    _hand_over(txn, queue, qa_)
                    txn.flush(current_mine)  # bound memory: one mine's new readings at a time
                current_mine = file_mine
                if read:
                    _ingest_one(txn, path, out, partial=partial, strict=strict, snap=snapshot, qa=qa_,
                                record_rejection=out.sha256 not in rejected_before, timezone=timezone,
                                loaded=reader.next(path), queue=queue)
                if file_mine is None:
                    _hand_over(txn, queue, qa_)
                    txn.flush()  # canonical/DB14 files: the mine is known only after reading; keep memory bounded
                outcomes.append(out)
                if progress is not None:
                    progress(out)
            reader.close()
            _hand_over(txn, queue, qa_)
            result = txn.commit()
        except BaseException:
            if reader is not None:
                reader.close()
            txn.abort()
            raise
    counts = {b.batch_id: b for b in txn.batches}
    for o in outcomes:
        b = counts.get(o.batch_id) if o.batch_id is not None else None
        if b is not None and b.status == "committed" and o.status in ("stored", "partial"):
            if b.kind not in DEFINITION_KINDS:
                o.stored, o.duplicate, o.conflict, o.unmapped = (b.records_stored, b.records_duplicate,
                                                                  b.records_conflict, b.records_unmapped)
    return IngestReport(outcomes, result if result.token else None)


def _ingest_one(txn: Transaction, path: Path, out: FileOutcome, *, partial: bool, strict: bool, snap: Snapshot,
                qa: QaParams, record_rejection: bool, timezone: str | None = None, loaded: Loaded | None = None,
                queue: list[_Queued] | None = None) -> None:
    """Read one file (or take what :class:`_ReadAhead` read) and queue what it holds (or record its rejection).

    Readings go to ``queue`` (handed to the transaction by :func:`_hand_over`), or straight to the transaction."""
    assert out.batch_id is not None
    if loaded is None:
        data = path.read_bytes()
        try:
            loaded = (len(data), read_bytes(data, path.name, partial=partial, timezone=timezone))
        except InputError as exc:
            loaded = (len(data), exc)
    n_bytes, parsed = loaded
    if isinstance(parsed, OSError):
        raise parsed
    record = BatchRecord(out.batch_id, "committed", out.path, path.name, out.sha256, n_bytes, partial=partial)
    if isinstance(parsed, InputError):
        _reject(txn, out, record, parsed.problems or [Problem(parsed.summary, file=path.name)], parsed.summary,
                record_rejection)
        return
    if parsed.sha256 and parsed.sha256 != out.sha256:  # the file changed between hashing and reading
        out.sha256, out.n_bytes, out.batch_id = parsed.sha256, n_bytes, batch_id_of(parsed.sha256)
        record.sha256, record.n_bytes, record.batch_id = out.sha256, out.n_bytes, out.batch_id
    out.kind, out.mine_code = parsed.kind, parsed.mine_code
    record.format, record.kind, record.mine_code, record.file_time = (parsed.format, parsed.kind, parsed.mine_code,
                                                                      parsed.file_time)
    out.records, out.rejected = parsed.records_total, parsed.records_rejected
    out.problems = list(parsed.problems)
    if parsed.kind in NOT_STORED_KINDS:
        out.status, out.message = "not_stored", f"{parsed.kind} files are read but not stored by this version"
        return
    if parsed.kind in DEFINITION_KINDS:
        defs = parsed.tables[POINT_DEFS]
        n = txn.add_point_defs(defs, out.batch_id)
        for row in defs.select(["mine_code", "point_code", "range_low", "range_high"]).to_pylist():
            snap.kj_ranges[(row["mine_code"], row["point_code"])] = (
                row["range_low"] if row["range_low"] is None or np.isfinite(row["range_low"]) else None,
                row["range_high"] if row["range_high"] is None or np.isfinite(row["range_high"]) else None)
        out.definitions = n
        record.records_stored = n
        _finish(txn, out, record)
        return
    readings = parsed.tables.get(READINGS)
    if readings is None:  # pragma: no cover — every stored kind has readings
        out.status, out.message = "not_stored", f"{parsed.kind}: nothing to store"
        return
    if not readings.num_rows:
        mines: list[str] = []
    elif parsed.format == "kj" and parsed.mine_code is not None:
        mines = [parsed.mine_code]  # a KJ file's readings are all of its header's mine
    else:
        mines = pc.unique(readings.column("mine_code")).to_pylist()
    queued: list[_Queued] = []
    strict_problems: list[Problem] = []
    dropped = 0
    for mine in mines:
        t = readings.filter(pc.equal(readings.column("mine_code"), mine)) if len(mines) > 1 else readings
        points = _resolve_points(t, snap, mine)
        if strict:
            mask = _unmapped_mask(snap, mine, points)
            if mask.any():
                strict_problems.extend(_strict_problems(path.name, t.set_column(
                    t.schema.get_field_index("point_code"), "point_code", points), mask, mine, snap))
                dropped += int(mask.sum())
                keep = pa.array(~mask)
                t, points = t.filter(keep), points.filter(keep)
        ft = parsed.file_time.timestamp() if parsed.file_time is not None else None
        queued.append(_Queued(mine, t, points, out.batch_id, ft))
    if strict_problems:
        out.problems.extend(strict_problems)
        if not partial:
            _reject(txn, out, record, out.problems, f"{path.name}: readings of unmapped points (--strict)",
                    record_rejection)
            return
        out.rejected += dropped
    if queue is None:
        _hand_over(txn, queued, qa)
    else:
        queue.extend(queued)
    _finish(txn, out, record)


def _finish(txn: Transaction, out: FileOutcome, record: BatchRecord) -> None:
    record.records_total, record.records_rejected = out.records, out.rejected
    if out.rejected:
        out.status = "partial"
        record.message = f"{out.rejected} record(s) rejected (partial): " + "; ".join(
            str(p) for p in out.problems[:5])
    txn.add_batch(record)


def _reject(txn: Transaction, out: FileOutcome, record: BatchRecord, problems: list[Problem], summary: str,
            record_it: bool) -> None:
    out.status = "rejected"
    out.problems = list(problems)
    out.message = summary
    out.rejected = out.records
    record.status = "rejected"
    record.records_total, record.records_rejected = out.records, out.rejected
    record.message = summary + ("\n" + "\n".join(str(p) for p in problems[:20]) if problems else "")
    if record_it:
        txn.add_batch(record)


# --- streaming -------------------------------------------------------------------------------------------------


class StreamingIngest:
    """Uploads arriving one by one, committed in groups.

    :meth:`stage` writes each upload durably into ``<store>/staging/<sha16>/<name>`` (temp + rename; staging the
    same bytes twice is a no-op) and returns at once; :meth:`commit` ingests everything staged as **one** commit
    and removes what it recorded (stored, skipped or rejected). A crash between the two loses nothing: staged
    files are committed by the next call.
    """

    def __init__(self, store: Store, *, partial: bool = False, strict: bool = False, by: str | None = None
                 ) -> None:
        self.store, self.partial, self.strict, self.by = store, partial, strict, by
        self.dir = store.root / "staging"

    def stage(self, data: bytes, name: str) -> Path:
        """Keep one upload (its file name decides the format, as for files). Returns the staged path."""
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise InputError("bad upload name", [Problem("the name must be a plain file name", field="name",
                                                         value=name, fix="e.g. 990000000001_CDSS_20250301100030.txt")])
        sha = hashlib.sha256(data).hexdigest()
        d = self.dir / sha[:16]
        target = d / name
        if target.exists():
            return target
        d.mkdir(parents=True, exist_ok=True)
        tmp = d / f".{name}.tmp-{os.getpid()}"
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(target)
        return target

    def staged(self) -> list[Path]:
        """Staged uploads not yet committed (oldest first)."""
        if not self.dir.exists():
            return []
        files = [p for p in self.dir.glob("*/*") if p.is_file() and not p.name.startswith(".")]
        return sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name))

    def commit(self, snapshot: Snapshot | None = None) -> IngestReport:
        """Ingest every staged upload in one commit; staged files are removed once recorded."""
        files = self.staged()
        if not files:
            return IngestReport([], None)
        report = ingest_paths(self.store, files, partial=self.partial, strict=self.strict, by=self.by,
                              snapshot=snapshot, note="streaming commit",
                              display_names={p: f"staging:{p.name}" for p in files})
        for p in files:
            shutil.rmtree(p.parent, ignore_errors=True)
        return report
