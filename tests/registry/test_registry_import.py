"""Registry import: the fixture mine, idempotent upsert, round trip, every rejection case, xlsx, fuzzing."""

from __future__ import annotations

import filecmp
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from registry_helpers import (
    MINE,
    REGISTRY_DATA,
    append_row,
    drop_column,
    read_rows,
    row_counts,
    set_cell,
    snapshot,
    write_rows,
)

from minegas.errors import InputError, Problem
from minegas.registry import db
from minegas.registry.exporter import export_registry, format_value
from minegas.registry.importer import DB_LOCATION, TABLES, find_overlaps, import_registry
from minegas.registry.models import Mine, PointConfig

EXPECTED_ROWS = {"region": 3, "enterprise": 1, "mine": 1, "unit": 3, "station": 5, "point": 17,
                 "point_config": 18, "gas_link": 5, "coal_production": 3, "calibration": 4}
"""Data rows of each file in tests/data/registry (counted by hand)."""


def _import(url: str, *paths: Path | str, dry_run: bool = False) -> Any:
    with db.session_scope(url) as s:
        return import_registry(s, list(paths), dry_run=dry_run)


def _reject(url: str, *paths: Path | str) -> list[Problem]:
    with pytest.raises(InputError) as ei:
        _import(url, *paths)
    assert ei.value.exit_code == 2
    return ei.value.problems


def _find(problems: list[Problem], file: str, line: int | None, fld: str) -> Problem:
    for p in problems:
        if p.file == file and p.line == line and p.field == fld:
            return p
    raise AssertionError(f"no problem at {file}:{line} field {fld!r}; got:\n" + "\n".join(map(str, problems)))


# --- accepted imports -----------------------------------------------------------------------------------------


def test_import_fixture_counts(sqlite_url: str) -> None:
    summary = _import(sqlite_url, REGISTRY_DATA)
    assert {k: c.inserted for k, c in summary.counts.items()} == EXPECTED_ROWS
    assert all(c.updated == 0 and c.unchanged == 0 for c in summary.counts.values())
    assert row_counts(sqlite_url) == EXPECTED_ROWS


def test_defaults_and_normalisation_stored(sqlite_url: str) -> None:
    _import(sqlite_url, REGISTRY_DATA)
    with db.session_scope(sqlite_url) as s:
        cfgs = {(c.point.code, c.valid_from): c for c in s.scalars(sa.select(PointConfig))}
        t0 = datetime(2023, 12, 31, 16, 0, tzinfo=UTC)  # 2024-01-01 00:00 China Standard Time
        laser = cfgs[("99000000000101MN004300000111", t0)]  # max_gap_s, integration, scale left empty
        assert (laser.max_gap_s, laser.integration, laser.scale) == (300.0, "trapezoid", 1.0)
        assert laser.unit == "%" and laser.unit_factor == 1.0
        old = cfgs[("99000000000102MN003600000204", t0)]
        assert (old.unit, old.unit_factor) == ("m³/h", 1 / 60)
        assert old.valid_to == datetime(2024, 12, 31, 16, 0, tzinfo=UTC)
        assert cfgs[("GE1-MWH", t0)].unit_factor == 1000.0
        assert cfgs[("GE1-CH4", t0)].unit == "%"                 # full-width ％
        assert cfgs[("99000000000102MN002300000202", t0)].unit == "°C"  # ℃
        cum = cfgs[("99000000000102LJ300200000206", t0)]
        assert (cum.counter_reset, cum.counter_max) == ("none", 99999999.0)
        state = cfgs[("99000000000101KG101000000104", t0)]
        assert state.unit is None and state.unit_factor is None and state.integration == "hold"
        m = s.scalars(sa.select(Mine)).one()
        assert (m.county.code, m.enterprise.code, m.barometric_kpa, m.flooded) == ("140521", "E99001", 87.9, None)


def test_reimport_is_idempotent(sqlite_url: str) -> None:
    _import(sqlite_url, REGISTRY_DATA)
    before = snapshot(sqlite_url)
    summary = _import(sqlite_url, REGISTRY_DATA)
    assert {k: c.unchanged for k, c in summary.counts.items()} == EXPECTED_ROWS
    assert not summary.changed
    assert snapshot(sqlite_url) == before  # not even updated_at moved


def test_update_changes_only_that_row(sqlite_url: str, data_dir: Path) -> None:
    _import(sqlite_url, data_dir)
    before = snapshot(sqlite_url)
    set_cell(data_dir / "mines.csv", 2, "name_zh", "示例煤矿二号(虚构)")
    summary = _import(sqlite_url, data_dir)
    assert (summary.counts["mine"].updated, summary.counts["mine"].unchanged) == (1, 0)
    assert sum(c.updated for c in summary.counts.values()) == 1
    after = snapshot(sqlite_url)
    assert {k for k in after if after[k] != before[k]} == {"mine"}
    with db.session_scope(sqlite_url) as s:
        m = s.scalars(sa.select(Mine)).one()
        assert m.name_zh == "示例煤矿二号(虚构)"
        assert m.updated_at > m.created_at


def test_left_out_optional_column_keeps_stored_value(sqlite_url: str, tmp_path: Path) -> None:
    _import(sqlite_url, REGISTRY_DATA)
    f = tmp_path / "mines.csv"
    write_rows(f, [["code", "name_zh", "county_code", "gas_class", "mining_method", "status", "barometric_kpa"],
                   [MINE, "示例煤矿(虚构)", "140521", "high", "underground", "producing", "88.1"]])
    summary = _import(sqlite_url, f)
    assert summary.counts["mine"].updated == 1
    with db.session_scope(sqlite_url) as s:
        m = s.scalars(sa.select(Mine)).one()
        assert (m.barometric_kpa, m.capacity_mt_per_yr, m.enterprise.code) == (88.1, 3.0, "E99001")


def test_references_to_rows_already_stored(sqlite_url: str, tmp_path: Path) -> None:
    """A later import may refer to mines/points registered by an earlier one."""
    _import(sqlite_url, REGISTRY_DATA)
    f = tmp_path / "coal_production.csv"
    write_rows(f, [["mine_code", "month", "production_t", "source"], [MINE, "2025-04", "255000", ""]])
    summary = _import(sqlite_url, f)
    assert summary.counts["coal_production"].inserted == 1
    assert row_counts(sqlite_url)["coal_production"] == 4


def test_dry_run_writes_nothing(sqlite_url: str) -> None:
    summary = _import(sqlite_url, REGISTRY_DATA, dry_run=True)
    assert summary.dry_run and summary.counts["point"].inserted == 17
    assert sum(row_counts(sqlite_url).values()) == 0


def test_comment_columns_and_blank_rows_ignored(sqlite_url: str, data_dir: Path) -> None:
    f = data_dir / "coal_production.csv"
    rows = read_rows(f)
    write_rows(f, [[*rows[0], "# 备注"], *[[*r, "note"] for r in rows[1:]], ["", "", "", "", ""]])
    assert _import(sqlite_url, data_dir).counts["coal_production"].inserted == 3


def test_header_only_files_import(sqlite_url: str, tmp_path: Path) -> None:
    d = tmp_path / "empty"
    d.mkdir()
    for t in TABLES:
        write_rows(d / f"{t.file}.csv", [list(t.column_names)])
    assert not _import(sqlite_url, d).changed


def test_files_given_one_by_one_in_any_order(sqlite_url: str) -> None:
    files = sorted(REGISTRY_DATA.glob("*.csv"), reverse=True)
    assert {k: c.inserted for k, c in _import(sqlite_url, *files).counts.items()} == EXPECTED_ROWS


# --- round trip -----------------------------------------------------------------------------------------------


def _export(url: str, out: Path) -> list[Path]:
    with db.session_scope(url) as s:
        return export_registry(s, out)


def test_round_trip_csv_identical(sqlite_url: str, tmp_path: Path) -> None:
    _import(sqlite_url, REGISTRY_DATA)
    a, b = tmp_path / "a", tmp_path / "b"
    files = _export(sqlite_url, a)
    assert sorted(p.name for p in files) == sorted(f"{t.file}.csv" for t in TABLES)
    url2 = f"sqlite:///{tmp_path / 'second.sqlite'}"
    db.upgrade_to_head(url2)
    assert {k: c.inserted for k, c in _import(url2, a).counts.items()} == EXPECTED_ROWS
    _export(url2, b)
    for p in files:
        assert p.read_bytes() == (b / p.name).read_bytes(), p.name
    assert (a / "mines.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # BOM for Excel
    # exporting again from the first database gives the same bytes (sorted, canonical)
    c = tmp_path / "c"
    _export(sqlite_url, c)
    assert not filecmp.dircmp(a, c).diff_files


def test_round_trip_xlsx(sqlite_url: str, tmp_path: Path) -> None:
    _import(sqlite_url, REGISTRY_DATA)
    book = tmp_path / "registry.xlsx"
    assert _export(sqlite_url, book) == [book]
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == [t.file for t in TABLES]
    assert wb["mines"]["A2"].value == MINE and wb["mines"]["A2"].data_type == "s"  # codes stay text
    url2 = f"sqlite:///{tmp_path / 'second.sqlite'}"
    db.upgrade_to_head(url2)
    assert {k: c.inserted for k, c in _import(url2, book).counts.items()} == EXPECTED_ROWS
    _export(sqlite_url, tmp_path / "a")
    _export(url2, tmp_path / "b")
    assert not filecmp.dircmp(tmp_path / "a", tmp_path / "b").diff_files
    assert not _import(url2, book).changed


def test_xlsx_with_excel_typed_cells(sqlite_url: str, tmp_path: Path) -> None:
    """Excel turns codes into numbers, dates into date cells and 0022 into 22; the importer copes."""
    _import(sqlite_url, REGISTRY_DATA)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "points"
    ws.append(["mine_code", "code", "station_code", "quantity", "name_zh", "kj_sensor_type"])
    ws.append([990000000001, 12345, "DRN-H", "ch4_pct", "新测点", 22])
    ws2 = wb.create_sheet("point_configs")
    ws2.append(["mine_code", "point_code", "valid_from", "unit"])
    ws2.append([990000000001, 12345, datetime(2025, 3, 1), "%CH4"])
    ws3 = wb.create_sheet("README")
    ws3.append(["this sheet is ignored"])
    book = tmp_path / "book.xlsx"
    wb.save(book)
    summary = _import(sqlite_url, book)
    assert (summary.counts["point"].inserted, summary.counts["point_config"].inserted) == (1, 1)
    with db.session_scope(sqlite_url) as s:
        c = s.scalars(sa.select(PointConfig).where(PointConfig.valid_from
                                                   == datetime(2025, 2, 28, 16, 0, tzinfo=UTC))).one()
        assert c.point.code == "12345" and c.point.kj_sensor_type == "0022"


def test_xlsx_rejection_is_located_by_sheet_and_row(sqlite_url: str, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "regions"
    ws.append(["code", "name_zh", "name_en", "level", "parent_code"])
    ws.append(["140000", "山西省", "Shanxi", "province", None])
    ws.append(["140500", "晋城市", "Jincheng", "prefecture", "140000"])
    ws2 = wb.create_sheet("point_configs")
    ws2.append(["mine_code", "point_code", "valid_from"])
    ws2.append([MINE, "X", datetime(2025, 3, 1, 8, 0)])
    book = tmp_path / "book.xlsx"
    wb.save(book)
    problems = _reject(sqlite_url, book)
    p = _find(problems, f"{book}[regions]", 3, "level")
    assert p.message == "unknown value" and p.value == "prefecture"
    p2 = _find(problems, f"{book}[point_configs]", 2, "valid_from")
    assert "without UTC offset" in p2.message and "+08:00" in (p2.fix or "")
    assert sum(row_counts(sqlite_url).values()) == 0


# --- rejections -----------------------------------------------------------------------------------------------

Edit = Callable[[Path], int | None]


def cell(file: str, line: int, column: str, value: str) -> Edit:
    def f(d: Path) -> None:
        set_cell(d / file, line, column, value)
    return f


def add(file: str, values: dict[str, str]) -> Edit:
    def f(d: Path) -> int:
        return append_row(d / file, values)
    return f


def duplicate_line(file: str, line: int) -> Edit:
    def f(d: Path) -> int:
        rows = read_rows(d / file)
        rows.append(list(rows[line - 1]))
        write_rows(d / file, rows)
        return len(rows)
    return f


def drop(file: str, column: str) -> Edit:
    def f(d: Path) -> None:
        drop_column(d / file, column)
    return f


def add_column(file: str, column: str) -> Edit:
    def f(d: Path) -> None:
        rows = read_rows(d / file)
        write_rows(d / file, [[*rows[0], column], *[[*r, "x"] for r in rows[1:]]])
    return f


L = -1  # "the line the edit appended"

REJECTIONS: list[tuple[str, list[Edit], str, int, str, str]] = [
    # id, edits, file, line, field, message contains
    ("unknown-mine", [cell("stations.csv", 2, "mine_code", "990000000009")], "stations.csv", 2, "mine_code",
     "unknown mine"),
    ("unknown-mine-config", [cell("point_configs.csv", 7, "mine_code", "990000000009")], "point_configs.csv", 7,
     "mine_code", "unknown mine"),
    ("unknown-station", [cell("points.csv", 7, "station_code", "NOPE")], "points.csv", 7, "station_code",
     "unknown station"),
    ("unknown-from-station", [cell("gas_links.csv", 2, "from_station_code", "NOPE")], "gas_links.csv", 2,
     "from_station_code", "unknown station"),
    ("unknown-point-config", [cell("point_configs.csv", 7, "point_code", "NOPE")], "point_configs.csv", 7,
     "point_code", "unknown point"),
    ("unknown-point-calibration", [cell("calibrations.csv", 3, "point_code", "NOPE")], "calibrations.csv", 3,
     "point_code", "unknown point"),
    ("unknown-unit-station", [cell("stations.csv", 4, "unit_code", "GE9")], "stations.csv", 4, "unit_code",
     "unknown unit"),
    ("unknown-unit-link", [cell("gas_links.csv", 4, "to_unit_code", "GE9")], "gas_links.csv", 4, "to_unit_code",
     "unknown unit"),
    ("unknown-county", [cell("mines.csv", 2, "county_code", "149999")], "mines.csv", 2, "county_code",
     "unknown region"),
    ("unknown-region", [cell("enterprises.csv", 2, "region_code", "149999")], "enterprises.csv", 2,
     "region_code", "unknown region"),
    ("unknown-parent", [cell("regions.csv", 3, "parent_code", "149999")], "regions.csv", 3, "parent_code",
     "unknown region"),
    ("unknown-enterprise", [cell("mines.csv", 2, "enterprise_code", "E0")], "mines.csv", 2, "enterprise_code",
     "unknown enterprise"),
    ("enum-gas-class", [cell("mines.csv", 2, "gas_class", "medium")], "mines.csv", 2, "gas_class",
     "unknown value"),
    ("enum-role", [cell("stations.csv", 2, "role", "drainage main")], "stations.csv", 2, "role", "unknown value"),
    ("enum-technology", [cell("units.csv", 2, "technology", "gas-engines")], "units.csv", 2, "technology",
     "unknown value"),
    ("enum-flow-basis", [cell("point_configs.csv", 11, "flow_basis", "standard")], "point_configs.csv", 11,
     "flow_basis", "unknown value"),
    ("unit-not-understood", [cell("point_configs.csv", 7, "unit", "vol%")], "point_configs.csv", 7, "unit",
     "unit not understood"),
    ("unit-wrong-dimension", [cell("point_configs.csv", 7, "unit", "kPa")], "point_configs.csv", 7, "unit",
     "does not fit quantity"),
    ("unit-on-state-point", [cell("point_configs.csv", 5, "unit", "%")], "point_configs.csv", 5, "unit",
     "takes no unit"),
    ("ch4-window-above-100", [cell("units.csv", 2, "ch4_max_pct", "120")], "units.csv", 2, "ch4_max_pct",
     "must be ≤ 100"),
    ("ch4-window-negative", [cell("units.csv", 2, "ch4_min_pct", "-1")], "units.csv", 2, "ch4_min_pct",
     "must be ≥ 0"),
    ("ch4-window-min-above-max", [cell("units.csv", 2, "ch4_min_pct", "60"), cell("units.csv", 2, "ch4_max_pct",
                                                                                 "50")],
     "units.csv", 2, "ch4_min_pct", "above the maximum"),
    ("ch4-range-above-100", [cell("point_configs.csv", 7, "range_high", "120")], "point_configs.csv", 7,
     "range_high", "CH4 range outside 0–100"),
    ("ch4-range-negative", [cell("point_configs.csv", 2, "range_low", "-5")], "point_configs.csv", 2,
     "range_low", "CH4 range outside 0–100"),
    ("range-low-above-high", [cell("point_configs.csv", 3, "range_low", "20")], "point_configs.csv", 3,
     "range_high", "not above range low"),
    ("overlap-in-import", [add("point_configs.csv", {"mine_code": MINE, "point_code": "99000000000102MN002200000201",
                                                     "valid_from": "2024-06-01", "unit": "%"})],
     "point_configs.csv", L, "valid_from", "validity overlaps another configuration"),
    ("overlap-open-interval", [cell("point_configs.csv", 10, "valid_to", "")], "point_configs.csv", 11,
     "valid_from", "validity overlaps another configuration"),
    ("validity-reversed", [cell("point_configs.csv", 10, "valid_to", "2023-01-01")], "point_configs.csv", 10,
     "valid_to", "ends before it starts"),
    ("link-both-targets", [cell("gas_links.csv", 2, "to_unit_code", "GE1")], "gas_links.csv", 2,
     "to_station_code", "both of to_station_code and to_unit_code"),
    ("link-no-target", [cell("gas_links.csv", 4, "to_unit_code", "")], "gas_links.csv", 4, "to_station_code",
     "neither of to_station_code and to_unit_code"),
    ("link-to-itself", [cell("gas_links.csv", 2, "to_station_code", "DRN-H")], "gas_links.csv", 2,
     "to_station_code", "to itself"),
    ("link-overlap", [add("gas_links.csv", {"mine_code": MINE, "from_station_code": "DRN-H",
                                            "to_station_code": "PUMP-OUT", "valid_from": "2024-05-01"})],
     "gas_links.csv", L, "valid_from", "validity overlaps another link"),
    ("bad-number", [cell("mines.csv", 2, "capacity_mt_per_yr", "3,5")], "mines.csv", 2, "capacity_mt_per_yr",
     "not a number"),
    ("bad-calendar-date", [cell("units.csv", 2, "commissioned_on", "2019-13-01")], "units.csv", 2,
     "commissioned_on", "not a calendar date"),
    ("bad-date-format", [cell("units.csv", 2, "commissioned_on", "01/05/2019")], "units.csv", 2,
     "commissioned_on", "not a date"),
    ("naive-datetime", [cell("point_configs.csv", 2, "valid_from", "2024-01-01 08:00:00")], "point_configs.csv",
     2, "valid_from", "without UTC offset"),
    ("bad-datetime", [cell("point_configs.csv", 2, "valid_from", "2024-01-01T25:00+08:00")], "point_configs.csv",
     2, "valid_from", "not an ISO 8601 date-time"),
    ("bad-month", [cell("coal_production.csv", 2, "month", "2025-13")], "coal_production.csv", 2, "month",
     "not a month"),
    ("negative-production", [cell("coal_production.csv", 2, "production_t", "-1")], "coal_production.csv", 2,
     "production_t", "must be ≥ 0"),
    ("bad-bool", [cell("units.csv", 2, "heat_used", "maybe")], "units.csv", 2, "heat_used", "not a yes/no value"),
    ("bad-sensor-type", [cell("points.csv", 2, "kj_sensor_type", "22a")], "points.csv", 2, "kj_sensor_type",
     "not a KJ sensor type code"),
    ("code-with-space", [cell("points.csv", 13, "code", "PO CH4")], "points.csv", 13, "code",
     "may not contain spaces"),
    ("mine-code-underscore", [cell("mines.csv", 2, "code", "9900_01")], "mines.csv", 2, "code",
     "may not contain '_'"),
    ("duplicate-key", [duplicate_line("points.csv", 7)], "points.csv", L, "code", "duplicate point"),
    ("duplicate-config", [duplicate_line("point_configs.csv", 11)], "point_configs.csv", L, "valid_from",
     "duplicate point_config"),
    ("required-value-empty", [cell("mines.csv", 2, "name_zh", "")], "mines.csv", 2, "name_zh",
     "required value is empty"),
    ("required-column-missing", [drop("points.csv", "quantity")], "points.csv", 1, "quantity",
     "required column missing"),
    ("unknown-column", [add_column("mines.csv", "gas_clas")], "mines.csv", 1, "gas_clas", "unknown column"),
    ("flare-inlet-not-flare", [cell("stations.csv", 4, "role", "flare_inlet")], "stations.csv", 4, "unit_code",
     "not a flare"),
    ("unit-inlet-without-unit", [cell("stations.csv", 4, "unit_code", "")], "stations.csv", 4, "unit_code",
     "must name its unit"),
    ("technology-kind-mismatch", [cell("units.csv", 3, "technology", "gas-engine")], "units.csv", 3,
     "technology", "does not fit a unit of kind 'vent_stack'"),
    ("county-is-a-city", [cell("mines.csv", 2, "county_code", "140500")], "mines.csv", 2, "county_code",
     "not a county"),
    ("parent-lower-level", [cell("regions.csv", 3, "parent_code", "140521")], "regions.csv", 3, "parent_code",
     "parent region is a county"),
    ("flow-basis-missing", [cell("point_configs.csv", 12, "flow_basis", ""),
                            cell("point_configs.csv", 12, "ref_state", "")], "point_configs.csv", 12,
     "flow_basis", "flow_basis is required"),
    ("flow-basis-on-temperature", [cell("point_configs.csv", 8, "flow_basis", "working")], "point_configs.csv", 8,
     "flow_basis", "takes no flow_basis"),
    ("ref-state-missing", [cell("point_configs.csv", 12, "ref_state", "")], "point_configs.csv", 12, "ref_state",
     "ref_state is required"),
    ("ref-state-on-working", [cell("point_configs.csv", 4, "ref_state", "0C")], "point_configs.csv", 4,
     "ref_state", "only applies when flow_basis = reference"),
    ("nm3-working", [cell("point_configs.csv", 16, "flow_basis", "working"),
                     cell("point_configs.csv", 16, "ref_state", "")], "point_configs.csv", 16, "flow_basis",
     "Nm³/min is a reference-state flow"),
    ("pressure-kind-missing", [cell("point_configs.csv", 9, "pressure_kind", "")], "point_configs.csv", 9,
     "pressure_kind", "pressure_kind is required"),
    ("gauge-without-barometric", [cell("mines.csv", 2, "barometric_kpa", "")], "point_configs.csv", 9,
     "pressure_kind", "barometric_kpa"),
    ("barometric-in-hpa", [cell("mines.csv", 2, "barometric_kpa", "879")], "mines.csv", 2, "barometric_kpa",
     "must be ≤ 110"),
    ("counter-reset-non-cumulative", [cell("point_configs.csv", 7, "counter_reset", "daily")],
     "point_configs.csv", 7, "counter_reset", "takes no counter_reset"),
    ("scale-zero", [cell("point_configs.csv", 2, "scale", "0")], "point_configs.csv", 2, "scale", "must not be 0"),
    ("max-gap-zero", [cell("point_configs.csv", 2, "max_gap_s", "0")], "point_configs.csv", 2, "max_gap_s",
     "must be > 0"),
    ("max-gap-over-a-day", [cell("point_configs.csv", 2, "max_gap_s", "90000")], "point_configs.csv", 2,
     "max_gap_s", "must be ≤ 86400"),
    ("next-due-before", [cell("calibrations.csv", 2, "next_due", "2024-01-01")], "calibrations.csv", 2,
     "next_due", "before the calibration date"),
]


@pytest.mark.parametrize(("edits", "file", "line", "fld", "message"), [r[1:] for r in REJECTIONS],
                         ids=[r[0] for r in REJECTIONS])
def test_rejection(sqlite_url: str, data_dir: Path, edits: list[Edit], file: str, line: int, fld: str,
                   message: str) -> None:
    appended = None
    for e in edits:
        appended = e(data_dir) or appended
    problems = _reject(sqlite_url, data_dir)
    want_line = appended if line == L else line
    p = _find(problems, str(data_dir / file), want_line, fld)
    assert message in p.message, str(p)
    assert p.fix, "every problem says how to fix it"
    assert sum(row_counts(sqlite_url).values()) == 0  # nothing imported


def test_problem_rendering(sqlite_url: str, data_dir: Path) -> None:
    set_cell(data_dir / "mines.csv", 2, "gas_class", "medium")
    with pytest.raises(InputError) as ei:
        _import(sqlite_url, data_dir)
    text = str(ei.value)
    assert f"{data_dir / 'mines.csv'}:2, field 'gas_class': unknown value (got 'medium') — fix: " in text
    assert "use one of high, outburst, low" in text
    assert "nothing was imported" in text


def test_all_problems_are_collected(sqlite_url: str, data_dir: Path) -> None:
    set_cell(data_dir / "mines.csv", 2, "gas_class", "medium")
    set_cell(data_dir / "units.csv", 2, "ch4_max_pct", "120")
    set_cell(data_dir / "point_configs.csv", 7, "unit", "vol%")
    set_cell(data_dir / "coal_production.csv", 3, "month", "2025/02")
    problems = _reject(sqlite_url, data_dir)
    fields = {(Path(p.file or "").name, p.line, p.field) for p in problems}
    assert {("mines.csv", 2, "gas_class"), ("units.csv", 2, "ch4_max_pct"), ("point_configs.csv", 7, "unit"),
            ("coal_production.csv", 3, "month")} <= fields
    assert len(problems) == 4  # and no follow-on noise


def test_enum_fix_suggests_close_match(sqlite_url: str, data_dir: Path) -> None:
    set_cell(data_dir / "stations.csv", 2, "role", "drainage main")
    p = _find(_reject(sqlite_url, data_dir), str(data_dir / "stations.csv"), 2, "role")
    assert (p.fix or "").startswith("did you mean 'drainage_main'?")


def test_overlap_with_stored_config(sqlite_url: str, tmp_path: Path) -> None:
    _import(sqlite_url, REGISTRY_DATA)
    before = snapshot(sqlite_url)
    f = tmp_path / "point_configs.csv"
    write_rows(f, [["mine_code", "point_code", "valid_from", "valid_to", "unit", "flow_basis"],
                   [MINE, "99000000000102MN003600000204", "2024-06-01T00:00:00+08:00",
                    "2024-07-01T00:00:00+08:00", "m3/min", "working"]])
    p = _find(_reject(sqlite_url, f), str(f), 2, "valid_from")
    assert "overlaps another configuration of the same point" in p.message
    assert DB_LOCATION in p.message  # the other interval is the stored one
    assert snapshot(sqlite_url) == before


def test_adjacent_intervals_do_not_overlap(sqlite_url: str, tmp_path: Path) -> None:
    """Half-open validity: a new config starting exactly where the stored one ends is accepted."""
    _import(sqlite_url, REGISTRY_DATA)
    f = tmp_path / "point_configs.csv"
    write_rows(f, [["mine_code", "point_code", "valid_from", "valid_to", "unit"],
                   [MINE, "99000000000102MN002200000201", "2024-01-01", "2025-03-01", "%CH4"],
                   [MINE, "99000000000102MN002200000201", "2025-03-01T00:00:00+08:00", "", "%CH4"]])
    summary = _import(sqlite_url, f)
    assert (summary.counts["point_config"].updated, summary.counts["point_config"].inserted) == (1, 1)


def test_change_that_breaks_stored_rows_is_rejected(sqlite_url: str, tmp_path: Path) -> None:
    """Changing a point's quantity is checked against its stored configurations."""
    _import(sqlite_url, REGISTRY_DATA)
    before = snapshot(sqlite_url)
    f = tmp_path / "points.csv"
    write_rows(f, [["mine_code", "code", "quantity"], [MINE, "99000000000102MN003600000204", "temperature"]])
    problems = _reject(sqlite_url, f)
    stored = [p for p in problems if p.file == DB_LOCATION]
    assert {p.field for p in stored} >= {"unit", "flow_basis"}
    assert all("99000000000102MN003600000204" in p.message for p in stored)
    assert snapshot(sqlite_url) == before


def test_rejected_import_changes_nothing_on_a_filled_registry(sqlite_url: str, data_dir: Path) -> None:
    _import(sqlite_url, data_dir)
    before = snapshot(sqlite_url)
    set_cell(data_dir / "mines.csv", 2, "name_zh", "改名(虚构)")                  # a valid update …
    append_row(data_dir / "coal_production.csv", {"mine_code": MINE, "month": "2025-04",
                                                  "production_t": "1"})          # … a valid insert …
    set_cell(data_dir / "units.csv", 3, "status", "broken")                       # … and one bad cell
    _reject(sqlite_url, data_dir)
    assert snapshot(sqlite_url) == before


def test_not_utf8(sqlite_url: str, tmp_path: Path) -> None:
    f = tmp_path / "regions.csv"
    f.write_bytes("code,name_zh,name_en,level,parent_code\n140000,山西省,,province,\n".encode("gbk"))
    p = _find(_reject(sqlite_url, f), str(f), 2, None)  # type: ignore[arg-type]
    assert p.message == "file is not UTF-8 text" and "CSV UTF-8" in (p.fix or "")


@pytest.mark.parametrize(("name", "message"), [("foo.csv", "file name is not a registry table"),
                                                ("mines.txt", "not a CSV file"),
                                                ("missing.csv", "no such file")])
def test_bad_inputs(sqlite_url: str, tmp_path: Path, name: str, message: str) -> None:
    f = tmp_path / name
    if name != "missing.csv":
        f.write_text("a,b\n", encoding="utf-8")
    problems = _reject(sqlite_url, f)
    assert any(message in p.message and p.file == str(f) for p in problems)


def test_empty_folder_and_empty_file(sqlite_url: str, tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    assert "none of the registry files" in _reject(sqlite_url, tmp_path / "d")[0].message
    f = tmp_path / "mines.csv"
    f.write_text("", encoding="utf-8")
    assert _reject(sqlite_url, f)[0].message.startswith("empty file")


def test_extra_cells_beyond_header(sqlite_url: str, tmp_path: Path) -> None:
    f = tmp_path / "regions.csv"
    f.write_text("code,name_zh,name_en,level,parent_code\n140000,山西省,Shanxi,province,,oops\n", encoding="utf-8")
    p = _find(_reject(sqlite_url, f), str(f), 2, None)  # type: ignore[arg-type]
    assert "cells" in p.message


def test_multiline_quoted_cell_keeps_line_numbers(sqlite_url: str, tmp_path: Path) -> None:
    f = tmp_path / "regions.csv"
    f.write_text('code,name_zh,name_en,level,parent_code\n140000,"山西\n省",Shanxi,province,\n'
                 '140500,晋城市,Jincheng,town,140000\n', encoding="utf-8")
    _find(_reject(sqlite_url, f), str(f), 4, "level")


# --- properties -----------------------------------------------------------------------------------------------

_T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _brute_overlap(iv: list[tuple[datetime, datetime | None, int]]) -> bool:
    far = datetime(9999, 1, 1, tzinfo=UTC)
    return any(a[0] < (b[1] or far) and b[0] < (a[1] or far) for i, a in enumerate(iv) for b in iv[i + 1:])


@given(st.lists(st.tuples(st.integers(0, 50), st.one_of(st.none(), st.integers(1, 20))), max_size=8))
def test_find_overlaps_matches_brute_force(spec: list[tuple[int, int | None]]) -> None:
    iv = [(_T0 + timedelta(hours=s), None if d is None else _T0 + timedelta(hours=s + d), i)
          for i, (s, d) in enumerate(spec)]
    pairs = find_overlaps(iv)
    assert bool(pairs) == _brute_overlap(iv)
    by_id = {i[2]: i for i in iv}
    for a, b in pairs:
        assert _brute_overlap([by_id[a], by_id[b]])  # every reported pair really overlaps
    # every interval that overlaps an earlier-starting one is reported exactly once
    assert len({b for _, b in pairs}) == len(pairs)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_export_format_round_trips(x: float) -> None:
    s = format_value(x)
    assert "e" not in s.lower()
    assert float(s) == x


_MEM: dict[str, sa.Engine] = {}


def _memory_engine() -> sa.Engine:
    if "e" not in _MEM:
        e = db.make_engine("sqlite://")
        db.upgrade_to_head(e)
        with db.session_scope(e) as s:
            import_registry(s, [REGISTRY_DATA])
        _MEM["e"] = e
    return _MEM["e"]


def _import_text(tmp: Path, name: str, content: str | bytes) -> None:
    f = tmp / name
    if isinstance(content, bytes):
        f.write_bytes(content)
    else:
        f.write_text(content, encoding="utf-8", newline="")
    e = _memory_engine()
    try:
        with db.session_scope(e) as s:
            import_registry(s, [f], dry_run=True)
    except InputError as exc:
        assert exc.problems and all(isinstance(p, Problem) for p in exc.problems)
        str(exc)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from([t.file for t in TABLES]), st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_fuzz_whole_files(tmp_path: Path, table: str, content: str | bytes) -> None:
    """Arbitrary file contents are either accepted or rejected with located problems — never a crash."""
    _import_text(tmp_path, f"{table}.csv", content)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["point_configs", "units", "mines", "gas_links", "calibrations", "stations", "points",
                        "coal_production", "regions", "enterprises"]),
       st.integers(0, 30), st.text(max_size=40))
def test_fuzz_cells(tmp_path: Path, table: str, col: int, value: str) -> None:
    """Any value in any cell of a valid file: accepted or rejected with problems, never a crash."""
    rows = read_rows(REGISTRY_DATA / f"{table}.csv")
    j = col % len(rows[0])
    rows[1][j] = value
    d = tmp_path / "fuzz"
    d.mkdir(exist_ok=True)
    write_rows(d / f"{table}.csv", rows)
    _import_text(d, f"{table}.csv", (d / f"{table}.csv").read_text(encoding="utf-8"))


def test_dates_are_cst(sqlite_url: str) -> None:
    """A plain date in valid_from is 00:00 China Standard Time (= 16:00 UTC the day before)."""
    _import(sqlite_url, REGISTRY_DATA)
    with db.session_scope(sqlite_url) as s:
        starts = set(s.scalars(sa.select(PointConfig.valid_from)))
    assert datetime(2023, 12, 31, 16, tzinfo=UTC) in starts
    assert datetime(2024, 12, 31, 16, tzinfo=UTC) in starts  # 2025-01-01T00:00:00+08:00 given explicitly

