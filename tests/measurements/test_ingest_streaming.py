"""Streaming entry point: a mine uploading every 30 s does not make one Parquet file per upload — uploads are
staged durably and committed together; staging is idempotent and survives a restart."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from store_helpers import DRN_CH4, DRN_FLOW, cdss, local, make_store

from minegas.errors import InputError
from minegas.measurements.ingest import StreamingIngest
from minegas.measurements.store import Store

T0 = local("2025-03-05 08:00:00")


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = make_store(tmp_path)
    yield s
    s.close()


def _uploads(tmp_path: Path, n: int, start: int = 0) -> list[Path]:
    out = []
    for i in range(start, start + n):
        t = T0 + timedelta(seconds=30 * i)
        out.append(cdss(tmp_path / "uploads", t, [(DRN_CH4, f"{30 + i % 5}.0", 0, t), (DRN_FLOW, "150", 0, t)]))
    return out


def test_staged_uploads_commit_as_one_file_per_partition(store: Store, tmp_path: Path) -> None:
    s = StreamingIngest(store)
    for p in _uploads(tmp_path, 40):
        s.stage(p.read_bytes(), p.name)
    assert len(s.staged()) == 40 and store.stats()["readings"] == 0
    rep = s.commit()
    assert not rep.rejected and rep.totals()["stored"] == 80
    assert len(store.files("readings")) == 1 and len(store.files("aligned")) == 1
    assert s.staged() == [] and store.stats()["batches"] == 40
    # the next 40 uploads append one file (all later than what is stored)
    for p in _uploads(tmp_path, 40, start=40):
        s.stage(p.read_bytes(), p.name)
    s.commit()
    assert [f.n_rows for f in store.files("readings")] == [80, 80]
    assert store.stats()["readings"] == 160


def test_staging_is_idempotent_and_survives_a_restart(store: Store, tmp_path: Path) -> None:
    (p,) = _uploads(tmp_path, 1)
    a = StreamingIngest(store)
    first = a.stage(p.read_bytes(), p.name)
    assert a.stage(p.read_bytes(), p.name) == first and len(a.staged()) == 1
    # a new process (nothing in memory) commits what was staged
    rep = StreamingIngest(store).commit()
    assert rep.totals()["stored"] == 2 and StreamingIngest(store).staged() == []
    # the same upload again: recorded already, nothing added
    a.stage(p.read_bytes(), p.name)
    rep = a.commit()
    assert rep.files[0].status == "skipped" and store.stats()["readings"] == 2
    assert StreamingIngest(store).commit().files == []


def test_bad_upload_name(store: Store) -> None:
    with pytest.raises(InputError):
        StreamingIngest(store).stage(b"x", "../evil.txt")
