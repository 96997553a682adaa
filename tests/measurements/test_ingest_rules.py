"""Ingest rules: unmapped points stored and listed (``strict`` rejects them), the duplicate rule (first received
wins; identical → dropped; different → conflict recorded + DUPLICATE_CONFLICT), idempotent re-ingest, located
rejections (nothing of a rejected file stored; ``partial`` keeps the good records), ingest-time and registry QA
flags (CLOCK_JUMP, OUT_OF_RANGE from the registry and from CDDY, IMPOSSIBLE, NOT_NUMERIC, COUNTER_RESET)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.compute as pc
import pytest
import sqlalchemy as sa
from store_helpers import (
    DRN_CH4,
    DRN_CUM,
    DRN_FLOW,
    DRN_P,
    KJ_DATA,
    MINE,
    cdss,
    local,
    make_store,
    series,
    snapshot,
)

from minegas.measurements.flags import QaFlag
from minegas.measurements.ingest import ingest_paths
from minegas.measurements.store import Store, batch_id_of
from minegas.registry.store_models import IngestBatch, ReadingConflict

UNKNOWN = "99000000000102MN009900000999"
T0 = local("2025-03-01 10:00:00")


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = make_store(tmp_path)
    yield s
    s.close()


def _values(store: Store, point: str) -> list[tuple[int, float, int]]:
    r = store.read("readings")
    r = r.filter(pc.equal(r.column("point_code"), point))
    return list(zip(r.column("ts").cast("int64").to_pylist(), r.column("value").to_pylist(),
                    r.column("flags").to_pylist(), strict=True))


# --- unmapped and strict --------------------------------------------------------------------------------------


def test_unmapped_points_are_stored_and_listed(store: Store, tmp_path: Path) -> None:
    f = cdss(tmp_path / "in", T0, [(DRN_CH4, "30.1", 0, T0), (UNKNOWN, "7.5", 0, T0)])
    rep = ingest_paths(store, [f])
    assert not rep.rejected
    assert rep.files[0].stored == 2 and rep.files[0].unmapped == 1
    ((_, v, fl),) = _values(store, UNKNOWN)
    assert v == 7.5 and fl & QaFlag.UNMAPPED
    ((_, _, fl_ok),) = _values(store, DRN_CH4)
    assert not fl_ok & QaFlag.UNMAPPED
    (u,) = store.unmapped(snapshot(store))
    assert (u["mine_code"], u["point_code"], u["readings"]) == (MINE, UNKNOWN, 1)
    assert u["reason"] == "point not in the registry (or without configuration)"


def test_strict_rejects_the_file_with_unmapped_points(store: Store, tmp_path: Path) -> None:
    f = cdss(tmp_path / "in", T0, [(DRN_CH4, "30.1", 0, T0), (UNKNOWN, "7.5", 0, T0)])
    rep = ingest_paths(store, [f], strict=True)
    assert rep.rejected and rep.files[0].status == "rejected"
    (p,) = rep.files[0].problems
    assert (p.file, p.line, p.value) == (f.name, 2, UNKNOWN) and "point_code" in (p.field or "")
    assert store.stats()["readings"] == 0 and store.stats()["batches"] == 0
    # strict + partial: the mapped record is stored, the unmapped one reported
    rep2 = ingest_paths(store, [f], strict=True, partial=True)
    assert rep2.files[0].status == "partial" and rep2.files[0].rejected == 1
    assert store.stats()["readings"] == 1 and _values(store, UNKNOWN) == []


def test_mine_not_in_registry_is_stored_unless_strict(tmp_path: Path) -> None:
    store = make_store(tmp_path, registry=False)
    try:
        f = cdss(tmp_path / "in", T0, [(DRN_CH4, "30.1", 0, T0)])
        assert ingest_paths(store, [f], strict=True).files[0].status == "rejected"
        rep = ingest_paths(store, [f])
        assert rep.files[0].status == "stored" and rep.files[0].unmapped == 1
        assert store.unmapped(snapshot(store))[0]["reason"] == "mine not in the registry"
    finally:
        store.close()


# --- duplicates -----------------------------------------------------------------------------------------------


def test_duplicate_rule_across_runs(store: Store, tmp_path: Path) -> None:
    a = cdss(tmp_path / "a", T0, [(DRN_CH4, "30.0", 0, T0), (DRN_FLOW, "150", 0, T0)])
    first = ingest_paths(store, [a]).files[0]
    # another file (new name) repeating one reading identically and contradicting another
    b = cdss(tmp_path / "b", T0, [(DRN_CH4, "30.0", 0, T0), (DRN_FLOW, "151", 0, T0)],
             name_time=local("2025-03-01 10:00:01"))
    rep = ingest_paths(store, [b])
    fo = rep.files[0]
    assert (fo.stored, fo.duplicate, fo.conflict) == (0, 1, 1)
    assert [v for _, v, _ in _values(store, DRN_CH4)] == [30.0]
    ((_, v, fl),) = _values(store, DRN_FLOW)
    assert v == 150.0 and fl & QaFlag.DUPLICATE_CONFLICT          # first received wins, kept reading flagged
    with store.session() as s:
        (c,) = s.scalars(sa.select(ReadingConflict)).all()
    assert (c.point_code, c.kept_value, c.other_value) == (DRN_FLOW, 150.0, 151.0)
    assert c.kept_batch_id == batch_id_of(first.sha256) and c.other_batch_id == batch_id_of(fo.sha256)
    assert c.other_record_no == 2 and c.ts == T0
    assert store.stats()["readings"] == 2 and store.stats()["conflicts"] == 1


def test_duplicates_within_one_run_and_one_file(store: Store, tmp_path: Path) -> None:
    t1 = local("2025-03-01 10:01:00")
    # within one file: the first record wins
    a = cdss(tmp_path / "in", T0, [(DRN_CH4, "30.0", 0, T0), (DRN_CH4, "30.0", 0, T0), (DRN_CH4, "31.0", 0, T0)])
    # a second file of the same run (later in path order) repeats T0 and adds t1
    b = cdss(tmp_path / "in", t1, [(DRN_CH4, "29.0", 0, T0), (DRN_CH4, "30.5", 0, t1)])
    rep = ingest_paths(store, [tmp_path / "in"])
    fa, fb = rep.files
    assert (fa.stored, fa.duplicate, fa.conflict) == (1, 1, 1)
    assert (fb.stored, fb.duplicate, fb.conflict) == (1, 0, 1)
    vals = _values(store, DRN_CH4)
    assert [v for _, v, _ in vals] == [30.0, 30.5]
    assert vals[0][2] & QaFlag.DUPLICATE_CONFLICT and not vals[1][2] & QaFlag.DUPLICATE_CONFLICT
    assert b.name > a.name


def test_reingest_changes_nothing(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(KJ_DATA, folder)
    cdss(folder, T0, [(DRN_CH4, "30.0", 0, T0)], name_time=local("2025-03-01 10:00:01"))
    ingest_paths(store, [folder])
    before, files_before = store.stats(), [f.path for f in store.files()]
    rep = ingest_paths(store, [folder])
    assert rep.commit is None and all(f.status in ("skipped", "not_stored") for f in rep.files)
    assert store.stats() == before and [f.path for f in store.files()] == files_before
    # a copy under another name with the same bytes: skipped by content hash
    shutil.copy(folder / "990000000001_CDSS_20250301100030.txt", tmp_path / "990000000001_CDSS_20250301100031.txt")
    rep = ingest_paths(store, [tmp_path / "990000000001_CDSS_20250301100031.txt"])
    assert rep.files[0].status == "skipped" and store.stats() == before


# --- rejections -----------------------------------------------------------------------------------------------


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("damage", "field", "line"), [
    ("truncate", "文件结束符(||)", 3),
    ("fields", "字段数(field count)", 2),
    ("time", "数据时间(ts)", 2),
    ("status", "测点状态(kj_status)", 2),
    ("foreign", "测点编码(point_code)", 2),
    ("bytes", "测点安装位置(location)", 2),  # undecodable bytes, located in the field that holds them
])
def test_rejected_file_stores_nothing_partial_keeps_the_rest(store: Store, tmp_path: Path, damage: str, field: str,
                                                             line: int) -> None:
    rows = [(DRN_CH4, "30.0", 0, T0), (DRN_CH4, "30.2", 0, local("2025-03-01 10:01:00")),
            (DRN_CH4, "30.4", 0, local("2025-03-01 10:02:00"))]
    f = cdss(tmp_path / "in", T0, rows)
    text = _text(f)
    lines = text.split("\n")
    if damage == "truncate":
        data = text[:text.rindex("30.4") + 2].encode("utf-8")
    elif damage == "fields":
        lines[2] = lines[2].replace(";位置;", ";位置;extra;")
        data = "\n".join(lines).encode("utf-8")
    elif damage == "time":
        lines[2] = lines[2].replace("2025-03-01 10:01:00", "2025-03-01 25:01:00")
        data = "\n".join(lines).encode("utf-8")
    elif damage == "status":
        lines[2] = lines[2].replace(";0;2025", ";x;2025")
        data = "\n".join(lines).encode("utf-8")
    elif damage == "foreign":
        lines[2] = lines[2].replace(DRN_CH4, "880000000001" + DRN_CH4[12:])
        data = "\n".join(lines).encode("utf-8")
    else:
        data = "\n".join(lines).encode("utf-8").replace("位置".encode(), b"\xff\xfe", 2)
        data = data.replace(b"\xff\xfe", "位置".encode(), 1)  # only the second record is damaged
    f.write_bytes(data)
    rep = ingest_paths(store, [f])
    fo = rep.files[0]
    assert rep.rejected and fo.status == "rejected"
    p = next(p for p in fo.problems if p.field == field)
    assert p.file == f.name and p.line == line and p.value is not None and p.fix
    assert store.stats()["readings"] == 0
    with store.session() as s:
        (b,) = s.scalars(sa.select(IngestBatch)).all()
    assert b.status == "rejected" and b.sha256 == fo.sha256
    rep2 = ingest_paths(store, [f], partial=True)
    assert rep2.files[0].status == "partial" and rep2.files[0].stored == 2
    assert len(_values(store, DRN_CH4)) == 2
    # the rejection is recorded once, the partial ingest as a committed batch
    assert store.stats()["rejected_files"] == 1 and store.stats()["batches"] == 1


def test_not_numeric_values_are_stored_flagged(store: Store, tmp_path: Path) -> None:
    f = cdss(tmp_path / "in", T0, [(DRN_CH4, "abc", 0, T0), (DRN_P, "-9999", 0, T0)])
    rep = ingest_paths(store, [f])
    assert not rep.rejected
    r = store.read("readings").to_pylist()
    assert {x["point_code"]: x["value_raw"] for x in r} == {DRN_CH4: "abc", DRN_P: "-9999"}
    assert all(x["flags"] & QaFlag.NOT_NUMERIC and x["value"] != x["value"] for x in r)


# --- QA flags -------------------------------------------------------------------------------------------------


def test_registry_and_cddy_ranges_impossible_and_clock_jump(store: Store, tmp_path: Path) -> None:
    ingest_paths(store, [KJ_DATA / "990000000001_CDDY_20250301080000.txt"])
    t_future = local("2025-03-01 10:10:00")       # 10 min after the file time (default tolerance 5 min)
    f = cdss(tmp_path / "in", T0, [
        (DRN_CH4, "101", 0, T0),                 # > 100 % CH4: impossible and outside the range 0–100
        (DRN_P, "5", 0, T0),                     # registry range −100…0 kPa and CDDY range −100…0
        (DRN_FLOW, "450", 8, T0),                # CDDY range 0–400 m³/min; KJ status 8 超量程
        (DRN_CH4, "30", 0, t_future),            # from the future: clock jump
    ])
    ingest_paths(store, [f])
    fl = {(x["point_code"], x["value"]): x["flags"] for x in store.read("readings").to_pylist()}
    assert fl[(DRN_CH4, 101.0)] & QaFlag.IMPOSSIBLE and fl[(DRN_CH4, 101.0)] & QaFlag.OUT_OF_RANGE
    assert fl[(DRN_P, 5.0)] & QaFlag.OUT_OF_RANGE and not fl[(DRN_P, 5.0)] & QaFlag.IMPOSSIBLE
    assert fl[(DRN_FLOW, 450.0)] & QaFlag.OUT_OF_RANGE and fl[(DRN_FLOW, 450.0)] & QaFlag.KJ_OVER_RANGE
    assert fl[(DRN_CH4, 30.0)] == QaFlag.CLOCK_JUMP


def test_counter_reset_flag(store: Store, tmp_path: Path) -> None:
    """A totaliser that goes down was reset (or swapped): COUNTER_RESET on the reading after the drop; the
    integration handles it (not excluded)."""
    ts = series(T0, 60, 5)
    vals = ["1000", "1010", "1020", "5", "15"]
    f = cdss(tmp_path / "in", ts[-1], [(DRN_CUM, v, 0, t) for v, t in zip(vals, ts, strict=True)])
    ingest_paths(store, [f])
    flags = [fl for _, _, fl in _values(store, DRN_CUM)]
    assert [bool(x & QaFlag.COUNTER_RESET) for x in flags] == [False, False, False, True, False]
