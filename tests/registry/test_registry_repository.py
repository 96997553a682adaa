"""Read API (minegas.registry.repository) on the fixture mine 990000000001."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import pytest
from registry_helpers import MINE, REGISTRY_DATA, write_rows

from minegas.errors import InputError
from minegas.registry import db
from minegas.registry import repository as repo
from minegas.registry.importer import import_registry

CST = timezone(timedelta(hours=8))


@pytest.fixture
def url(sqlite_url: str) -> str:
    with db.session_scope(sqlite_url) as s:
        import_registry(s, [REGISTRY_DATA])
    return sqlite_url


def test_point_configs_frame(url: str) -> None:
    with db.session_scope(url) as s:
        t = repo.point_configs_frame(s)
    assert t.schema == repo.POINT_CONFIG_SCHEMA
    assert t.num_rows == 18
    rows = t.to_pylist()
    by = {(r["point_code"], r["valid_from"]): r for r in rows}
    t0 = datetime(2023, 12, 31, 16, tzinfo=UTC)   # 2024-01-01 00:00 CST
    t1 = datetime(2024, 12, 31, 16, tzinfo=UTC)   # 2025-01-01 00:00 CST
    old = by[("99000000000102MN003600000204", t0)]
    assert (old["unit"], old["flow_basis"], old["ref_state"], old["valid_to"]) == ("m³/h", "working", None, t1)
    assert old["unit_factor"] == 1 / 60 and old["canonical_unit"] == "m³/min"
    assert (old["station_code"], old["station_role"], old["drainage_system"], old["primary_measurement"]) == \
        ("DRN-H", "drainage_main", "high", "mixed_flow_x_ch4")
    new = by[("99000000000102MN003600000204", t1)]
    assert (new["unit_factor"], new["flow_basis"], new["ref_state"], new["valid_to"]) == \
        (1.0, "reference", "20C", None)
    p = by[("99000000000102MN002500000203", t0)]
    assert (p["quantity"], p["pressure_kind"], p["barometric_kpa"], p["range_low"], p["range_high"]) == \
        ("pressure", "gauge", 87.9, -100.0, 0.0)
    cum = by[("99000000000102LJ300200000206", t0)]
    assert (cum["counter_reset"], cum["counter_max"], cum["max_gap_s"]) == ("none", 99999999.0, 3600.0)
    assert by[("GE1-MWH", t0)]["unit_factor"] == 1000.0
    state = by[("99000000000101KG101000000104", t0)]
    assert state["unit"] is None and state["unit_factor"] is None and state["canonical_unit"] is None
    laser = by[("99000000000101MN004300000111", t0)]
    assert laser["station_code"] is None and laser["station_role"] is None  # not attached to a station
    assert t.column("valid_from").type == pa.timestamp("us", tz="UTC")
    # sorted by mine, point, valid_from
    keys = [(r["mine_code"], r["point_code"], r["valid_from"]) for r in rows]
    assert keys == sorted(keys)


def test_point_configs_frame_mine_filter(url: str) -> None:
    with db.session_scope(url) as s:
        assert repo.point_configs_frame(s, [MINE]).equals(repo.point_configs_frame(s))
        with pytest.raises(InputError, match="unknown mine"):
            repo.point_configs_frame(s, ["123"])


def test_empty_frame_has_schema(sqlite_url: str) -> None:
    with db.session_scope(sqlite_url) as s:
        t = repo.point_configs_frame(s)
    assert t.num_rows == 0 and t.schema == repo.POINT_CONFIG_SCHEMA


def test_mine_and_mines(url: str) -> None:
    with db.session_scope(url) as s:
        m = repo.mine(s, MINE)
        assert repo.mines(s) == [m]
        with pytest.raises(InputError) as ei:
            repo.mine(s, "990000000002")
    assert (m.county_code, m.city_code, m.province_code) == ("140521", "140500", "140000")
    assert (m.enterprise_code, m.gas_class, m.capacity_mt_per_yr, m.barometric_kpa) == ("E99001", "high", 3.0, 87.9)
    assert ei.value.exit_code == 2 and ei.value.problems[0].value == "990000000002"


def test_stations_points_units(url: str) -> None:
    with db.session_scope(url) as s:
        sts = {x.code: x for x in repo.stations(s, MINE)}
        pts = repo.points(s, MINE)
        uns = {u.code: u for u in repo.units(s, MINE)}
    assert set(sts) == {"DRN-H", "PUMP-OUT", "GE-IN", "VENT-1", "RET-1"}
    assert (sts["GE-IN"].role, sts["GE-IN"].unit_code) == ("unit_inlet", "GE1")
    assert sts["RET-1"].primary_measurement == "air_flow_x_ch4"
    assert len(pts) == 17 and pts == sorted(pts, key=lambda p: p.code)
    assert {p.code: p.kj_sensor_type for p in pts}["99000000000102MN002200000201"] == "0022"
    ge = uns["GE1"]
    assert (ge.kind, ge.technology, ge.capacity_el_kw, ge.ch4_min_pct, ge.heat_used, ge.commissioned_on) == \
        ("utilization", "gas-engine", 2000.0, 25.0, True, date(2019, 5, 1))
    assert uns["V1"].safe_transport is False


def test_topology(url: str, tmp_path: Path) -> None:
    f = tmp_path / "gas_links.csv"
    write_rows(f, [["mine_code", "from_station_code", "to_station_code", "to_unit_code", "valid_from", "valid_to"],
                   [MINE, "DRN-H", "VENT-1", "", "2024-01-01", "2024-06-01"]])
    with db.session_scope(url) as s:
        import_registry(s, [f])
    with db.session_scope(url) as s:
        every = repo.topology(s, MINE)
        before = repo.topology(s, MINE, at=datetime(2023, 12, 31, 23, 59, tzinfo=CST))
        last = repo.topology(s, MINE, at=datetime(2024, 5, 31, 23, 59, 59, tzinfo=CST))
        after = repo.topology(s, MINE, at=datetime(2024, 6, 1, 0, 0, tzinfo=CST))  # valid_to is exclusive
        with pytest.raises(ValueError, match="aware"):
            repo.topology(s, MINE, at=datetime(2024, 6, 1))
    assert len(every) == 6 and before == []
    assert ("DRN-H", "VENT-1") in {(g.from_station_code, g.to_station_code) for g in last}
    assert ("DRN-H", "VENT-1") not in {(g.from_station_code, g.to_station_code) for g in after}
    assert len(after) == 5
    ge = [g for g in every if g.to_unit_code == "GE1"]
    assert len(ge) == 1 and ge[0].from_station_code == "GE-IN" and ge[0].to_station_code is None


def test_coal_production(url: str) -> None:
    with db.session_scope(url) as s:
        every = repo.coal_production(s, MINE)
        some = repo.coal_production(s, MINE, ["2025-04", "2025-02"])
    assert [(r.month, r.production_t) for r in every] == [("2025-01", 250000.0), ("2025-02", 230000.0),
                                                          ("2025-03", 262500.0)]
    assert [(r.month, r.production_t) for r in some] == [("2025-02", 230000.0)]  # 2025-04 has no record


def test_calibration_status(url: str, tmp_path: Path) -> None:
    with db.session_scope(url) as s:
        on = {c.point_code: c for c in repo.calibration_status(s, MINE, date(2025, 3, 1))}
        due_day = {c.point_code: c for c in repo.calibration_status(s, MINE, date(2024, 12, 1))}
        day_after = {c.point_code: c for c in repo.calibration_status(s, MINE, date(2024, 12, 2))}
        early = {c.point_code: c for c in repo.calibration_status(s, MINE, date(2024, 5, 31))}
    assert len(on) == 17
    shaft = on["99000000000101MN000100000101"]          # next due 2024-12-01
    assert (shaft.status, shaft.overdue, shaft.next_due) == ("overdue", True, date(2024, 12, 1))
    assert on["99000000000102MN002200000201"].status == "ok"
    assert on["99000000000102MN002500000203"].status == "failed"
    flow = on["99000000000102MN003600000204"]
    assert (flow.status, flow.last_kind, flow.certificate) == ("ok", "replacement", "REP-2024-003")
    assert on["GE1-CH4"].status == "none" and on["GE1-CH4"].overdue is False
    assert due_day["99000000000101MN000100000101"].overdue is False    # due that day: not yet overdue
    assert day_after["99000000000101MN000100000101"].overdue is True
    assert early["99000000000101MN000100000101"].status == "none"      # calibrated after that date
    # same day, two records: a failed one wins (conservative)
    f = tmp_path / "calibrations.csv"
    write_rows(f, [["mine_code", "point_code", "performed_on", "kind", "result"],
                   [MINE, "99000000000102MN002200000201", "2025-01-10", "verification", "fail"]])
    with db.session_scope(url) as s:
        import_registry(s, [f])
    with db.session_scope(url) as s:
        st = {c.point_code: c for c in repo.calibration_status(s, MINE, date(2025, 3, 1))}
    assert st["99000000000102MN002200000201"].status == "failed"
