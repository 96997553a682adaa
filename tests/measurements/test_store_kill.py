"""Killing ingest at any moment (SIGKILL) leaves the store and the registry consistent: ingest subprocesses are
killed at random times in a loop; after each kill the store holds exactly the readings of the files whose batch is
recorded as committed, the manifest's files all exist and ``store gc`` removes every orphan. A final uninterrupted
run completes the store."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from store_helpers import keyset

from minegas.measurements.ingest import ingest_paths
from minegas.measurements.readers import READINGS, read_path
from minegas.measurements.store import Store
from minegas.registry import db
from minegas.registry.importer import import_registry
from minegas.registry.store_models import IngestBatch, StorePointMonth
from minegas.synth import generate

pytestmark = pytest.mark.slow

ITERATIONS = int(os.environ.get("MINEGAS_KILL_ITERATIONS", "6"))
"""Kill iterations (a few in CI; raise it locally for a longer soak)."""
CHILD = """
import sys
from minegas.measurements.ingest import ingest_paths
from minegas.measurements.store import Store
store = Store(sys.argv[1], sys.argv[2])
print("start", flush=True)
ingest_paths(store, sys.argv[3:])
print("done", flush=True)
"""


def _expected(store: Store) -> set[tuple[str, str, int]]:
    """Readings of every file recorded as a committed batch (read again from the source files)."""
    with store.session() as s:
        paths = list(s.scalars(sa.select(IngestBatch.source_path).where(IngestBatch.status == "committed")))
    keys: set[tuple[str, str, int]] = set()
    for p in paths:
        r = read_path(p).tables.get(READINGS)
        if r is not None:
            keys |= keyset(r)
    return keys


def _check(store: Store) -> None:
    stored = store.read("readings")
    assert keyset(stored) == _expected(store)
    assert stored.num_rows == len(keyset(stored))                       # (mine, point, ts) unique
    for f in store.files():
        assert (store.root / f.path).is_file()
    with store.session() as s:
        n = s.execute(sa.select(sa.func.sum(StorePointMonth.n_readings))).scalar() or 0
    assert n == stored.num_rows                                         # per-point tails agree with the files
    store.gc()
    on_disk = sorted(p.relative_to(store.root).as_posix() for d in ("readings", "aligned")
                     if (store.root / d).exists() for p in (store.root / d).rglob("*") if p.is_file())
    assert on_disk == sorted(f.path for f in store.files())


def test_sigkill_at_random_moments(tmp_path: Path) -> None:
    synth = tmp_path / "synth"
    generate("demo", start="2025-03-29", days=max(4, ITERATIONS), cadence_s=30, seed=5, out_dir=synth,
             formats=("kj",), faults="gaps=0.01,late=1,duplicates=1", mines=["990525000001"])
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    db.upgrade_to_head(url)
    with db.session_scope(url) as s:
        import_registry(s, [synth / "registry"])
    store = Store(tmp_path / "store", url)
    folders = sorted((synth / "kj").iterdir())
    rng = random.Random(20250301)
    outcomes: list[tuple[str, int]] = []
    duration = 2.0          # seconds an uninterrupted child needs after its imports (updated as we go)
    k = 0
    try:
        for _ in range(ITERATIONS):
            folder = folders[k % len(folders)]
            proc = subprocess.Popen([sys.executable, "-c", CHILD, str(store.root), url, str(folder)],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "start"           # imports done: ingest is running
            t0 = time.monotonic()
            time.sleep(rng.uniform(0.3, 1.1) * duration)              # most kills land in read/merge/write/commit
            proc.send_signal(signal.SIGKILL)
            out, _ = proc.communicate(timeout=60)
            orphans = len(list(store.root.rglob("*.parquet"))) - len(store.files())
            if "done" in out:
                duration = time.monotonic() - t0
                outcomes.append(("completed", orphans))
                k += 1
            else:
                outcomes.append(("killed", orphans))
            _check(store)
        ingest_paths(store, [synth / "kj"])                            # an uninterrupted run finishes the job
        _check(store)
        led = pa.concat_tables([pq.read_table(p) for p in (synth / "ledger" / "readings").glob("*.parquet")])
        assert store.stats()["readings"] == sum(led.column("stored").to_pylist())
    finally:
        store.close()
    assert any(o == "killed" for o, _ in outcomes), outcomes
