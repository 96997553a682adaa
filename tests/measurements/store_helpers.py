"""Helpers of the store, ingest, alignment and totals tests.

The registry fixture is tests/data/registry (the fictional mine 990000000001 of research note
china-monitoring-formats §6), the KJ samples tests/data/kj (the §6 samples, verbatim). :func:`cdss` writes small
KJ CDSS files with :func:`minegas.measurements.readers.kj.format_kj`, so test inputs go through the real reader.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import sqlalchemy as sa

from minegas.measurements.mapping import Snapshot, load_snapshot
from minegas.measurements.readers.kj import format_kj, kj_file_name
from minegas.measurements.store import Store
from minegas.periods import CST
from minegas.registry import db
from minegas.registry.importer import import_registry
from minegas.registry.store_models import STORE_MODELS

DATA = Path(__file__).resolve().parents[1] / "data"
REGISTRY_DATA = DATA / "registry"
KJ_DATA = DATA / "kj"
MINE = "990000000001"
MINE_NAME = "示例煤矿(虚构)"

# points of the fixture registry (tests/data/registry/points.csv)
RET_CH4 = "99000000000101MN000100000101"
RET_AIR = "99000000000101MN001900000103"
DRN_CH4 = "99000000000102MN002200000201"
DRN_T = "99000000000102MN002300000202"
DRN_P = "99000000000102MN002500000203"
DRN_FLOW = "99000000000102MN003600000204"
DRN_PURE = "99000000000102MN003700000205"
DRN_CUM = "99000000000102LJ300200000206"
T2_CH4 = "99000000000101MN004300000111"  # registered, no station
BAROMETRIC_KPA = 87.9  # tests/data/registry/mines.csv


def make_store(tmp_path: Path, *, registry: bool = True, registry_dir: Path | None = None) -> Store:
    """A migrated SQLite registry (with the fixture registry imported) and an empty store under ``tmp_path``."""
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    db.upgrade_to_head(url)
    if registry:
        with db.session_scope(url) as s:
            import_registry(s, [registry_dir or REGISTRY_DATA])
    return Store(tmp_path / "store", url)


def snapshot(store: Store) -> Snapshot:
    with store.session() as s:
        return load_snapshot(s)


def reset_store(store: Store) -> None:
    """Empty the store: its tables and files (the registry stays)."""
    with store.session() as s:
        for name in reversed(list(STORE_MODELS)):
            s.execute(sa.delete(STORE_MODELS[name]))
    for sub in ("readings", "aligned", "staging"):
        shutil.rmtree(store.root / sub, ignore_errors=True)


def local(text: str) -> datetime:
    """A Beijing-time 'yyyy-MM-dd HH:mm:ss' as an aware datetime."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CST)


def kj_time(t: datetime) -> str:
    return t.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S")


def cdss(folder: Path, file_time: datetime, rows: Iterable[tuple[str, str, int | str, datetime]], *,
         mine: str = MINE, name_time: datetime | None = None) -> Path:
    """Write a KJ CDSS file: rows of (point code, value text, status, time). Returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    recs = [[p, "传感器", "位置", v, "", str(s), kj_time(t)] for p, v, s, t in rows]
    text = format_kj([mine, MINE_NAME, kj_time(file_time)], recs)
    path = folder / kj_file_name(mine, "CDSS", (name_time or file_time).astimezone(CST).replace(tzinfo=None))
    path.write_text(text, encoding="utf-8")
    return path


def series(start: datetime, step_s: int, n: int) -> list[datetime]:
    return [start + timedelta(seconds=step_s * i) for i in range(n)]


def keyset(t: pa.Table) -> set[tuple[str, str, int]]:
    """(mine, point, ts µs) of a readings table."""
    return set(zip(t.column("mine_code").to_pylist(), t.column("point_code").to_pylist(),
                   t.column("ts").cast(pa.int64()).to_pylist(), strict=True))


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)  # type: ignore[misc]
