"""Every KJ sample of research note china-monitoring-formats §6 (tests/data/kj) goes through ingest; the CDSS
sample's readings, flags and aligned station samples are checked against hand calculations with the fixture
registry (tests/data/registry: barometric 87.9 kPa; DRN-H flow meter 20 °C reference since 2025-01-01)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from store_helpers import (
    BAROMETRIC_KPA,
    DRN_CH4,
    DRN_FLOW,
    DRN_P,
    DRN_T,
    KJ_DATA,
    MINE,
    RET_AIR,
    T2_CH4,
    make_store,
    snapshot,
)

from minegas.measurements.flags import QaFlag
from minegas.measurements.ingest import ingest_paths

SAMPLES = sorted(p.name for p in KJ_DATA.glob("990000000001_*.txt"))


@pytest.fixture
def ingested(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = make_store(tmp_path)
    folder = tmp_path / "in"
    shutil.copytree(KJ_DATA, folder)
    rep = ingest_paths(store, [folder])
    yield store, rep
    store.close()


def test_every_kj_sample_is_read(ingested) -> None:  # type: ignore[no-untyped-def]
    store, rep = ingested
    by_name = {f.name: f for f in rep.files}
    assert set(SAMPLES) <= set(by_name)
    assert not rep.rejected
    assert by_name["990000000001_CDSS_20250301100030.txt"].status == "stored"
    assert by_name["990000000001_CDSS_20250301100030.txt"].stored == 11
    assert by_name["990000000001_CDDY_20250301080000.txt"].definitions == 10
    for kind in ("TJSJ", "YCBJ", "FZDY", "FZSS"):
        (f,) = [f for f in rep.files if f"_{kind}_" in f.name]
        assert f.status == "not_stored"
    # the DB14 samples are of mine 990000001, which is not in the registry: stored raw, flagged unmapped
    aqss = by_name["db14_AQSS_20250301100030.xml"]
    assert aqss.status == "stored" and aqss.stored == 1 and aqss.unmapped == 1
    st = store.stats()
    assert st["point_defs"] == 10 + 1  # CDDY + AQMC
    assert st["readings"] == 11 + 1 and st["unmapped_readings"] == 1 + 1  # AQSS + T2 (no station)
    assert st["batches"] == sum(1 for f in rep.files if f.status in ("stored", "partial"))
    unm = {(u["mine_code"], u["point_code"]): u for u in store.unmapped(snapshot(store))}
    assert unm[("990000001", "003A01")]["reason"] == "mine not in the registry"
    assert unm[(MINE, T2_CH4)]["reason"] == "point not attached to a station"
    assert unm[("990000001", "003A01")]["cddy"]["unit"] == "%CH4"


def test_cdss_sample_values_and_flags(ingested) -> None:  # type: ignore[no-untyped-def]
    store, _ = ingested
    r = store.read("readings")
    cdss = r.filter(pc.equal(r.column("batch_id"), r.filter(pc.equal(r.column("point_code"), DRN_FLOW))
                             .column("batch_id")[0]))
    vals = dict(zip(cdss.column("point_code").to_pylist(), cdss.column("value").to_pylist(), strict=True))
    assert vals[DRN_FLOW] == 152.30 and vals[DRN_CH4] == 32.50 and vals[DRN_P] == -28.4
    flags = dict(zip(cdss.column("point_code").to_pylist(), cdss.column("flags").to_pylist(), strict=True))
    # 2101 回风巷 T2: status 4 (标校) and not attached to a station
    assert flags[T2_CH4] & QaFlag.KJ_CALIBRATION and flags[T2_CH4] & QaFlag.UNMAPPED
    assert flags[DRN_FLOW] == 0 and flags[DRN_CH4] == 0
    # readings are sorted by (point, ts) and carry no predecessor (first readings)
    codes = cdss.column("point_code").to_pylist()
    assert codes == sorted(codes)


def test_aligned_drainage_main_by_hand(ingested) -> None:  # type: ignore[no-untyped-def]
    """DRN-H: mixed flow 152.30 m³/min at 20 °C × CH4 32.50 %. 20 °C → 0 °C at equal pressure is the ideal-gas
    ratio 273.15 / 293.15 (docs/conventions.md §1)."""
    store, _ = ingested
    a = store.read("aligned")
    (row,) = a.filter(pc.equal(a.column("station_code"), "DRN-H")).to_pylist()
    mixed = 152.30 * 273.15 / 293.15
    assert row["flow_mixed_nm3_min"] == pytest.approx(mixed, rel=1e-12)
    assert row["ch4_flow_nm3_min"] == pytest.approx(mixed * 0.3250, rel=1e-12)
    assert row["xcheck_ch4_flow_nm3_min"] == pytest.approx(49.50 * 273.15 / 293.15, rel=1e-12)
    assert row["p_abs_kpa"] == pytest.approx(BAROMETRIC_KPA - 28.4)   # gauge 负压 + barometric
    assert row["t_c"] == 18.6 and row["ch4_pct"] == 32.50
    assert row["flags"] == 0 and row["prev_ts"] is None
    assert row["primary_point_code"] == DRN_FLOW and row["integration"] == "trapezoid"


def test_aligned_return_shaft_without_pt_is_stale(ingested) -> None:  # type: ignore[no-untyped-def]
    """RET-1's air flow is a working-basis meter, but the station has no pressure or temperature point: the sample
    cannot be converted and is flagged STALE_COMPONENT (never guessed)."""
    store, _ = ingested
    a = store.read("aligned")
    (row,) = a.filter(pc.equal(a.column("station_code"), "RET-1")).to_pylist()
    assert row["primary_point_code"] == RET_AIR
    assert row["flags"] & QaFlag.STALE_COMPONENT
    assert row["ch4_flow_nm3_min"] is None and row["flow_mixed_m3_min"] == 15200
    assert row["ch4_pct"] == 0.32


def test_cddy_definitions_stored(ingested) -> None:  # type: ignore[no-untyped-def]
    store, _ = ingested
    from minegas.registry.store_models import KjPointDef

    with store.session() as s:
        d = {x.point_code: x for x in s.query(KjPointDef).all()}
    assert d[DRN_P].range_low == -100.0 and d[DRN_P].range_high == 0.0 and d[DRN_P].unit_raw == "kPa"
    assert d[DRN_T].value_type == "MN" and d[DRN_T].sensor_type_code == "0023"
    snap = snapshot(store)
    assert snap.kj_ranges[(MINE, DRN_P)] == (-100.0, 0.0)


def test_manifest_and_layout(ingested) -> None:  # type: ignore[no-untyped-def]
    store, _ = ingested
    m = store.manifest()
    paths = sorted(f["path"] for f in m["datasets"]["readings"])
    token = m["last_commit"]["token"]
    assert [re.sub(r"-\d{5}\.parquet$", "", p) for p in paths] == [
        f"readings/mine={MINE}/month=2025-03/part-{token}", f"readings/mine=990000001/month=2025-03/part-{token}"]
    assert json.loads((store.root / "manifest.json").read_text(encoding="utf-8")) == m
    t = store.read("readings")
    assert t.schema.field("ts").type == pa.timestamp("us", tz="UTC")
    # each file is sorted by (point_code, ts) and readings of the partition are unique per (point, ts)
    for p in paths:
        f = pq.read_table(store.root / p)
        keys = list(zip(f.column("point_code").to_pylist(), f.column("ts").cast(pa.int64()).to_pylist(), strict=True))
        assert keys == sorted(set(keys))
