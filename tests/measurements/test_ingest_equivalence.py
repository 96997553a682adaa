"""What ingest stores does not depend on how fast it gets there.

- **Golden digests.** A generated day of three demo mines (every station kind; KJ files with injected faults:
  gaps, calibration, a stuck sensor, a counter reset, late and duplicated files, truncated files) is ingested in
  three runs — the KJ folder; again with ``partial`` (the good records of the truncated files arrive late); the
  same readings as canonical long CSV (all duplicates) with two readings that conflict — and the stored content — readings and aligned samples sorted by key, every column bit for bit, and the
  bookkeeping rows — is hashed. The digests were recorded with the ingest code *before* its fast paths (KJ files
  read in batches, read-ahead and background Parquet writes, vectorised QA and alignment, cached registry state);
  a change of any stored bit fails here. To re-record them after a deliberate change of results, run
  ``python tests/measurements/test_ingest_equivalence.py`` and say why in the commit.
- **Paths agree.** The same files read in batches (:func:`~minegas.measurements.readers.kj.read_kj_batch`) or one
  by one give the same store; and the same readings as KJ text or as canonical long CSV give the same aligned
  samples and the same readings (but for the batch and record columns and CLOCK_JUMP, which only KJ files carry).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import sqlalchemy as sa

from minegas.measurements import ingest
from minegas.measurements.flags import QaFlag
from minegas.measurements.ingest import ingest_paths
from minegas.measurements.store import Store
from minegas.registry import db
from minegas.registry.importer import import_registry
from minegas.registry.store_models import STORE_MODELS
from minegas.synth import generate

pytestmark = pytest.mark.slow

MINES = ["990525000001", "990502000001", "990521000001"]
FAULTS = "gaps=0.01,calibration=1,stuck=1,resets=1,late=1,truncated=1,duplicates=1"
GOLDEN = {
    "readings": "374efd225cf0e7e80a49386f1582c6c98db208a42d59bddd3124a1fa249ecdb2",
    "aligned": "e67b2a960081515824008412f17b6ac40fe5b1a85cf79d45a282617e629adad8",
    "bookkeeping": "8a6ea755a8f45b248dba25336e8c163ed59cb63b273464a7b4d911ac1932f0a4",
}
"""Digests of :func:`digests` for the faulted day, recorded with the ingest before its fast paths."""

_SKIP = {"id", "commit_id", "created_at", "updated_at", "created_by", "ingested_by", "path", "source_path", "token"}


def _column_bytes(col: pa.ChunkedArray) -> bytes:
    """A column's values and validity as bytes (floats by their bit patterns: NaN and -0.0 count)."""
    arr = col.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    valid = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    if pa.types.is_floating(arr.type):
        values = np.asarray(arr.fill_null(0).to_numpy(zero_copy_only=False), np.float64).view(np.int64)
    elif pa.types.is_timestamp(arr.type) or pa.types.is_integer(arr.type):
        values = np.asarray(arr.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False), np.int64)
    else:
        return valid.tobytes() + "\x1f".join("\x00" if v is None else str(v) for v in arr.to_pylist()).encode()
    return valid.tobytes() + np.where(valid, values, 0).tobytes()


def table_digest(t: pa.Table) -> str:
    """SHA-256 of a table's schema (names and types) and every column's content, in row order."""
    h = hashlib.sha256()
    for field in t.schema:
        h.update(f"{field.name}:{field.type}\n".encode())
        h.update(_column_bytes(t.column(field.name)))
    return h.hexdigest()


def digests(store: Store) -> dict[str, str]:
    """Digests of the stored readings and aligned samples (sorted by key) and of the bookkeeping rows (without
    surrogate keys, times of day, users and paths)."""
    r = store.read("readings").sort_by([("mine_code", "ascending"), ("point_code", "ascending"),
                                        ("ts", "ascending")])
    a = store.read("aligned").sort_by([("mine_code", "ascending"), ("station_code", "ascending"),
                                       ("ts", "ascending")])
    h = hashlib.sha256()
    with store.session() as s:
        for name, model in sorted(STORE_MODELS.items()):
            cols = [c for c in model.__table__.columns if c.name not in _SKIP]
            rows = sorted(repr(tuple(row)) for row in s.execute(sa.select(*cols)))
            h.update(f"{name}:{len(rows)}\n".encode() + "\n".join(rows).encode())
    h.update(repr(sorted((f.dataset, f.mine_code, f.month, f.n_rows, f.n_bytes) for f in store.files())).encode())
    return {"readings": table_digest(r), "aligned": table_digest(a), "bookkeeping": h.hexdigest()}


def _generate(out: Path, faults: str | None) -> Path:
    generate("demo", start="2025-03-01", days=1, cadence_s=300, seed=5, out_dir=out, formats=("kj", "csv"),
             faults=faults, mines=MINES, truth=False)
    return out


def _store(root: Path, synth: Path) -> Store:
    root.mkdir(parents=True)
    url = f"sqlite:///{root / 'registry.sqlite'}"
    db.upgrade_to_head(url)
    with db.session_scope(url) as s:
        import_registry(s, [synth / "registry"])
    return Store(root / "store", url)


def _ingest_kj(root: Path, synth: Path) -> tuple[Store, ingest.IngestReport]:
    store = _store(root, synth)
    return store, ingest_paths(store, [synth / "kj"])


def _ingest_golden(root: Path, synth: Path) -> tuple[Store, list[ingest.IngestReport]]:
    """The three runs of the golden scenario (see the module docstring)."""
    store, first = _ingest_kj(root, synth)
    second = ingest_paths(store, [synth / "kj"], partial=True)
    long = sorted((synth / "canonical" / "long").glob("*.csv"))
    lines = long[0].read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    conflicting = []
    for line in lines[1:3]:
        row = line.split(",")
        row[head.index("value")] = f"{float(row[head.index('value')]) + 1.0:.3f}"
        conflicting.append(",".join(row))
    extra = root / "conflicts.csv"
    extra.write_text("\n".join([lines[0], *conflicting]) + "\n", encoding="utf-8")
    third = ingest_paths(store, [*long, extra])
    return store, [first, second, third]


@pytest.fixture(scope="module")
def faulted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generate(tmp_path_factory.mktemp("faulted") / "region", FAULTS)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generate(tmp_path_factory.mktemp("clean") / "region", None)


def test_stored_content_equals_the_golden_digests(faulted: Path, tmp_path: Path) -> None:
    store, (first, second, third) = _ingest_golden(tmp_path / "a", faulted)
    try:
        assert first.totals()["files_rejected"] == len(MINES)  # one truncated file per mine
        assert first.totals()["files_skipped"] == len(MINES)  # one copied file per mine
        assert second.totals()["files_partial"] == len(MINES) and second.totals()["stored"] > 0
        assert third.totals()["conflict"] == 2 and third.totals()["duplicate"] > 0
        assert 0 < third.totals()["stored"] < third.totals()["duplicate"]  # what the truncation cut off
        assert digests(store) == GOLDEN
    finally:
        store.close()


def test_batched_and_file_by_file_reading_store_the_same(faulted: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    batched, rep_b = _ingest_kj(tmp_path / "batched", faulted)
    monkeypatch.setattr(ingest, "PREFETCH_FILES", 1)  # every file its own unit: read_kj file by file
    alone, rep_a = _ingest_kj(tmp_path / "alone", faulted)
    try:
        assert digests(batched) == digests(alone)
        strip = [(f.name, f.status, f.records, f.rejected, f.stored, f.duplicate, f.conflict, f.problems)
                 for f in rep_b.files]
        assert strip == [(f.name, f.status, f.records, f.rejected, f.stored, f.duplicate, f.conflict, f.problems)
                         for f in rep_a.files]
    finally:
        batched.close()
        alone.close()


def test_kj_text_and_canonical_csv_store_the_same_samples(clean: Path, tmp_path: Path) -> None:
    kj_store, _ = _ingest_kj(tmp_path / "kj", clean)
    csv_store = _store(tmp_path / "csv", clean)
    try:
        rep = ingest_paths(csv_store, [clean / "canonical" / "long"])
        assert not rep.rejected
        a_kj, a_csv = kj_store.read("aligned"), csv_store.read("aligned")
        assert a_kj.num_rows > 0
        keys = [("mine_code", "ascending"), ("station_code", "ascending"), ("ts", "ascending")]
        assert table_digest(a_kj.sort_by(keys)) == table_digest(a_csv.sort_by(keys))
        keys = [("mine_code", "ascending"), ("point_code", "ascending"), ("ts", "ascending")]
        r_kj, r_csv = kj_store.read("readings").sort_by(keys), csv_store.read("readings").sort_by(keys)
        assert r_kj.num_rows == r_csv.num_rows > 0
        for t in (r_kj, r_csv):  # no KJ record is ahead of its file on this clean day: flags compare in full
            clock = pc.bit_wise_and(t.column("flags"), pa.scalar(int(QaFlag.CLOCK_JUMP), pa.uint32()))
            assert not pc.any(pc.not_equal(clock, pa.scalar(0, pa.uint32()))).as_py()
        same = [c for c in r_kj.column_names if c not in ("batch_id", "record_no")]
        assert table_digest(r_kj.select(same)) == table_digest(r_csv.select(same))
    finally:
        kj_store.close()
        csv_store.close()


if __name__ == "__main__":  # print the digests of the faulted day (to re-record GOLDEN deliberately)
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        synth = _generate(Path(d) / "region", FAULTS)
        store, _ = _ingest_golden(Path(d) / "store", synth)
        print(digests(store))
        store.close()
    sys.exit(0)
