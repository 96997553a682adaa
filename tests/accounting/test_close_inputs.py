"""The inputs a period close freezes (minegas.accounting.close.collect_inputs) on a real store: the fixture mine
990000000001 (tests/data/registry) with KJ files written through the real reader and ingest."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from minegas.accounting.close import collect_inputs, diff_inputs, hash_of
from minegas.measurements.ingest import ingest_paths
from minegas.measurements.mapping import load_snapshot
from minegas.measurements.readers.kj import format_kj, kj_file_name
from minegas.measurements.store import Store
from minegas.periods import CST
from minegas.registry import db
from minegas.registry.importer import import_registry
from minegas.registry.models import Mine, Unit

DATA = Path(__file__).resolve().parents[1] / "data"
MINE = "990000000001"
DRN_CH4 = "99000000000102MN002200000201"
DRN_FLOW = "99000000000102MN003600000204"


def _cdss(folder: Path, file_time: datetime, rows: list[tuple[str, str, datetime]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    fmt = "%Y-%m-%d %H:%M:%S"
    recs = [[p, "传感器", "位置", v, "", "0", t.astimezone(CST).strftime(fmt)] for p, v, t in rows]
    text = format_kj([MINE, "示例煤矿(虚构)", file_time.astimezone(CST).strftime(fmt)], recs)
    path = folder / kj_file_name(MINE, "CDSS", file_time.astimezone(CST).replace(tzinfo=None))
    path.write_text(text, encoding="utf-8")
    return path


def _rows(start: datetime, n: int, step_s: int = 60) -> list[tuple[str, str, datetime]]:
    out = []
    for i in range(n):
        t = start + timedelta(seconds=i * step_s)
        out += [(DRN_CH4, f"{32 + (i % 5) * 0.1:.2f}", t), (DRN_FLOW, f"{150 + i % 7:.2f}", t)]
    return out


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    db.upgrade_to_head(url)
    with db.session_scope(url) as s:
        import_registry(s, [DATA / "registry"])
    st = Store(tmp_path / "store", url)
    yield st
    st.close()


def _ingest(store: Store, *paths: Path) -> None:
    rep = ingest_paths(store, list(paths))
    assert not rep.rejected, rep.problems


def test_inputs_list_the_batches_with_their_sha256_and_digest_the_rows(store: Store, tmp_path: Path) -> None:
    t0 = datetime(2025, 3, 1, 10, 0, tzinfo=CST)
    f1 = _cdss(tmp_path / "in", t0 + timedelta(hours=1), _rows(t0, 60))
    f2 = _cdss(tmp_path / "in", t0 + timedelta(hours=2), _rows(t0 + timedelta(hours=1), 60))
    other_day = _cdss(tmp_path / "in2", datetime(2025, 3, 3, 1, tzinfo=CST),
                      _rows(datetime(2025, 3, 3, 0, 0, tzinfo=CST), 30))
    _ingest(store, f1, f2, other_day)
    inp = collect_inputs(store, MINE, "2025-03-01")
    h = inp["hashed"]
    shas = {hashlib.sha256(p.read_bytes()).hexdigest(): p for p in (f1, f2)}
    assert {b["sha256"] for b in h["batches"]} == set(shas)                  # not the 3 March file
    b = next(x for x in h["batches"] if x["file_name"] == f1.name)
    assert (b["bytes"], b["records_total"], b["records_rejected"]) == (f1.stat().st_size, 120, 0)
    assert h["readings"]["rows"] == 240 and len(h["readings"]["sha256"]) == 64
    assert h["aligned"]["rows"] == 120                                        # DRN-H samples (its flow point)
    assert h["registry"]["sha256"] == hash_of(h["registry"]["snapshot"])
    snap = h["registry"]["snapshot"]
    assert snap["units"]["GE1"]["destruction_efficiency_frac"] == 0.98
    assert snap["coal_production"] == {"2025-03": 262500.0}
    assert snap["stations"]["GE-IN"] == {"role": "unit_inlet", "drainage_system": "high",
                                         "primary_measurement": "mixed_flow_x_ch4", "unit_code": "GE1"}
    assert inp["store_files"] and all(f["month"] == "2025-03" for f in inp["store_files"])
    # the whole month holds all three files
    assert len(collect_inputs(store, MINE, "2025-03")["hashed"]["batches"]) == 3


def test_compaction_changes_files_not_the_hashed_inputs(store: Store, tmp_path: Path) -> None:
    t0 = datetime(2025, 3, 1, 10, 0, tzinfo=CST)
    _ingest(store, _cdss(tmp_path / "a", t0 + timedelta(hours=1), _rows(t0, 60)))
    _ingest(store, _cdss(tmp_path / "b", t0 + timedelta(hours=2), _rows(t0 + timedelta(hours=1), 60)))
    before = collect_inputs(store, MINE, "2025-03")
    assert len([f for f in before["store_files"] if f["dataset"] == "readings"]) == 2   # appended
    with store.session() as s:
        snap = load_snapshot(s)
    store.compact(snap)
    after = collect_inputs(store, MINE, "2025-03")
    assert len([f for f in after["store_files"] if f["dataset"] == "readings"]) == 1
    assert after["store_files"] != before["store_files"]
    assert hash_of(after["hashed"]) == hash_of(before["hashed"])


def test_late_data_and_registry_corrections_change_the_hashed_inputs(store: Store, tmp_path: Path) -> None:
    t0 = datetime(2025, 3, 1, 10, 0, tzinfo=CST)
    _ingest(store, _cdss(tmp_path / "a", t0 + timedelta(hours=2), _rows(t0, 30) + _rows(t0 + timedelta(hours=1),
                                                                                         30)))
    before = collect_inputs(store, MINE, "2025-03")
    late = _cdss(tmp_path / "late", t0 + timedelta(hours=3), _rows(t0 + timedelta(minutes=30), 30))
    _ingest(store, late)
    after = collect_inputs(store, MINE, "2025-03")
    d = diff_inputs(before, after)
    assert [b["file_name"] for b in d["batches_added"]] == [late.name] and d["batches_removed"] == []
    assert d["readings"] == {"old_rows": 120, "new_rows": 180, "changed": True}
    assert d["aligned"]["changed"] and d["registry"] == {}
    # a registry correction: the engine's destruction efficiency and the mine's barometric pressure
    with store.session() as s:
        s.execute(sa.update(Unit).where(Unit.code == "GE1").values(destruction_efficiency_frac=0.995))
        s.execute(sa.update(Mine).where(Mine.code == MINE).values(barometric_kpa=88.4))
    again = collect_inputs(store, MINE, "2025-03")
    d2 = diff_inputs(after, again)
    assert d2["registry"] == {"mine": {"changed": ["barometric_kpa"]}, "units": {"changed": ["GE1"]},
                              "point_configs": d2["registry"]["point_configs"]}
    # point_configs carry the mine's barometric pressure (their conversion input): every one changed
    assert d2["registry"]["point_configs"]["changed"]
    assert not d2["batches_added"] and not d2["readings"]["changed"]


def test_empty_period_has_empty_inputs(store: Store) -> None:
    inp = collect_inputs(store, MINE, "2025-02")
    assert inp["hashed"]["batches"] == [] and inp["hashed"]["readings"]["rows"] == 0
    assert inp["store_files"] == []


def test_copy_of_store_gives_the_same_inputs(store: Store, tmp_path: Path) -> None:
    """Digests depend on content only: the same data ingested into another store hash the same."""
    t0 = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    f = _cdss(tmp_path / "a", t0 + timedelta(hours=1), _rows(t0, 40))
    _ingest(store, f)
    other_root = tmp_path / "other"
    other_root.mkdir()
    shutil.copy(f, other_root / f.name)
    url = f"sqlite:///{tmp_path / 'other.sqlite'}"
    db.upgrade_to_head(url)
    with db.session_scope(url) as s:
        import_registry(s, [DATA / "registry"])
    other = Store(tmp_path / "other_store", url)
    try:
        _ingest(other, other_root / f.name)
        a, b = collect_inputs(store, MINE, "2025-03"), collect_inputs(other, MINE, "2025-03")
        assert hash_of(a["hashed"]["readings"]) == hash_of(b["hashed"]["readings"])
        assert hash_of(a["hashed"]["aligned"]) == hash_of(b["hashed"]["aligned"])
        assert [x["sha256"] for x in a["hashed"]["batches"]] == [x["sha256"] for x in b["hashed"]["batches"]]
    finally:
        other.close()
