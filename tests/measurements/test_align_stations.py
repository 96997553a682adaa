"""Aligned station samples against hand calculations: conversion to 0 °C / 101.325 kPa from working (gauge
pressure + the mine's barometric 87.9 kPa), 20 °C and 0 °C meters (ideal gas, docs/conventions.md §1); a m³/h
meter; stale and excluded components; the primary measurement counts and the other is a cross-check; counters
integrate by increments across a daily reset."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pyarrow.compute as pc
import pytest
from store_helpers import BAROMETRIC_KPA, REGISTRY_DATA, cdss, local, make_store

from minegas.measurements.flags import EXCLUDE_MASK, QaFlag
from minegas.measurements.ingest import ingest_paths
from minegas.measurements.store import Store

M = "990000000001"
STATIONS = [
    [M, "S-W", "工况测站", "working-basis station", "drainage_branch", "high", "mixed_flow_x_ch4", ""],
    [M, "S-20", "20度测站", "20 °C station", "drainage_branch", "high", "mixed_flow_x_ch4", ""],
    [M, "S-0", "纯量测站", "pure-flow station", "drainage_branch", "high", "pure_flow", ""],
    [M, "S-CUM", "累计测站", "counter station", "drainage_branch", "low", "cumulative_pure", ""],
]
POINTS = [[M, code, st, q, "", ""] for code, st, q in (
    ("W-FLOW", "S-W", "flow_mixed"), ("W-CH4", "S-W", "ch4_pct"), ("W-P", "S-W", "pressure"),
    ("W-T", "S-W", "temperature"), ("A-FLOW", "S-20", "flow_mixed"), ("A-CH4", "S-20", "ch4_pct"),
    ("Z-PURE", "S-0", "flow_pure"), ("Z-MIX", "S-0", "flow_mixed"), ("Z-CH4", "S-0", "ch4_pct"),
    ("C-CUM", "S-CUM", "cumulative_pure"))]
CONFIGS = [[M, code, "2024-01-01", "", unit, basis, ref, pk, "300", "", reset, "", "", "", "1"]
           for code, unit, basis, ref, pk, reset in (
               ("W-FLOW", "m³/min", "working", "", "", ""), ("W-CH4", "%", "", "", "", ""),
               ("W-P", "kPa", "", "", "gauge", ""), ("W-T", "°C", "", "", "", ""),
               ("A-FLOW", "m³/h", "reference", "20C", "", ""), ("A-CH4", "%", "", "", "", ""),
               ("Z-PURE", "Nm³/min", "reference", "0C", "", ""), ("Z-MIX", "Nm³/min", "reference", "0C", "", ""),
               ("Z-CH4", "%", "", "", "", ""), ("C-CUM", "m³", "reference", "0C", "", "daily"))]


def _append(path: Path, rows: list[list[str]]) -> None:
    with path.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    reg = tmp_path / "registry"
    shutil.copytree(REGISTRY_DATA, reg)
    _append(reg / "stations.csv", STATIONS)
    _append(reg / "points.csv", POINTS)
    _append(reg / "point_configs.csv", CONFIGS)
    s = make_store(tmp_path, registry_dir=reg)
    yield s
    s.close()


def _aligned(store: Store, station: str) -> list[dict]:  # type: ignore[type-arg]
    a = store.read("aligned")
    return a.filter(pc.equal(a.column("station_code"), station)).sort_by("ts").to_pylist()


T0 = local("2025-03-10 10:00:00")
T1 = local("2025-03-10 10:01:00")
T2 = local("2025-03-10 10:07:00")


def test_working_meter_with_gauge_pressure(store: Store, tmp_path: Path) -> None:
    f = cdss(tmp_path / "in", T2, [
        ("W-FLOW", "100", 0, T0), ("W-CH4", "40", 0, T0), ("W-P", "-30", 0, T0), ("W-T", "25", 0, T0),
        ("W-FLOW", "110", 0, T1), ("W-P", "-31", 0, T1), ("W-T", "25.5", 0, T1),   # CH4 as of T0 (60 s old)
        ("W-FLOW", "120", 0, T2), ("W-P", "-32", 0, T2), ("W-T", "26", 0, T2),     # CH4 420 s old > 300 s
    ])
    ingest_paths(store, [f])
    s0, s1, s2 = _aligned(store, "S-W")
    p_abs = BAROMETRIC_KPA - 30.0                                   # 负压 is a negative gauge pressure
    mixed0 = 100.0 * (p_abs / 101.325) * (273.15 / (273.15 + 25.0))  # V0 = Vw · p/p0 · T0/T
    assert s0["p_abs_kpa"] == pytest.approx(57.9) and s0["t_c"] == 25.0
    assert s0["flow_mixed_nm3_min"] == pytest.approx(mixed0, rel=1e-12)
    assert s0["ch4_flow_nm3_min"] == pytest.approx(mixed0 * 0.40, rel=1e-12)
    mixed1 = 110.0 * ((BAROMETRIC_KPA - 31.0) / 101.325) * (273.15 / 298.65)
    assert s1["ch4_pct"] == 40.0 and s1["ch4_flow_nm3_min"] == pytest.approx(mixed1 * 0.40, rel=1e-12)
    assert s0["flags"] == 0 and s1["flags"] == 0
    assert s2["flags"] & QaFlag.STALE_COMPONENT and s2["flags"] & EXCLUDE_MASK
    assert s1["prev_ts"] == s0["ts"] and s1["prev_ch4_flow_nm3_min"] == s0["ch4_flow_nm3_min"]
    assert s2["prev_flags"] == 0


def test_working_meter_without_temperature_is_stale(store: Store, tmp_path: Path) -> None:
    f = cdss(tmp_path / "in", T0, [("W-FLOW", "100", 0, T0), ("W-CH4", "40", 0, T0), ("W-P", "-30", 0, T0)])
    ingest_paths(store, [f])
    (s,) = _aligned(store, "S-W")
    assert s["flags"] & QaFlag.STALE_COMPONENT and s["ch4_flow_nm3_min"] is None


def test_reference_meters_and_units(store: Store, tmp_path: Path) -> None:
    f = cdss(tmp_path / "in", T0, [
        ("A-FLOW", "6000", 0, T0), ("A-CH4", "50", 0, T0),                        # 6000 m³/h @20 °C
        ("Z-PURE", "30", 0, T0), ("Z-MIX", "62", 0, T0), ("Z-CH4", "50", 0, T0),   # 0 °C meters
    ])
    ingest_paths(store, [f])
    (a,) = _aligned(store, "S-20")
    assert a["flow_mixed_m3_min"] == pytest.approx(100.0)                          # m³/h ÷ 60, as measured
    assert a["flow_mixed_nm3_min"] == pytest.approx(100.0 * 273.15 / 293.15, rel=1e-12)
    assert a["ch4_flow_nm3_min"] == pytest.approx(50.0 * 273.15 / 293.15, rel=1e-12)
    (z,) = _aligned(store, "S-0")
    # primary = pure flow (30); the mixed flow × CH4 (31) is a cross-check, never added
    assert z["ch4_flow_nm3_min"] == 30.0 and z["xcheck_ch4_flow_nm3_min"] == pytest.approx(31.0)
    assert z["flow_pure_m3_min"] == 30.0 and z["flow_mixed_nm3_min"] == 62.0
    assert z["primary_point_code"] == "Z-PURE" and z["flags"] == 0


def test_excluded_component_excludes_the_sample(store: Store, tmp_path: Path) -> None:
    f = cdss(tmp_path / "in", T0, [("A-FLOW", "6000", 0, T0), ("A-CH4", "50", 4, T0)])   # CH4 标校
    ingest_paths(store, [f])
    (a,) = _aligned(store, "S-20")
    assert a["flags"] & QaFlag.KJ_CALIBRATION and a["flags"] & EXCLUDE_MASK


def test_counter_increments_across_daily_reset(store: Store, tmp_path: Path) -> None:
    ts = [local("2025-03-10 23:58:00"), local("2025-03-10 23:59:00"), local("2025-03-11 00:00:00"),
          local("2025-03-11 00:01:00")]
    f = cdss(tmp_path / "in", ts[-1], [("C-CUM", v, 0, t) for v, t in zip(("1000", "1010", "3", "13"), ts,
                                                                             strict=True)])
    ingest_paths(store, [f])
    rows = _aligned(store, "S-CUM")
    assert [r["integration"] for r in rows] == ["increment"] * 4
    assert [r["counter_inc_m3"] for r in rows] == [None, 10.0, 3.0, 10.0]   # reset: restart from zero
    assert [r["ch4_flow_nm3_min"] for r in rows] == [None, 10.0, 3.0, 10.0]  # m³ per 1-min segment, 0 °C
    assert rows[2]["flags"] & QaFlag.COUNTER_RESET and not rows[2]["flags"] & EXCLUDE_MASK


def test_zero_flow_needs_no_components(store: Store, tmp_path: Path) -> None:
    """A stopped unit: flow 0 with the pressure sensor out of its range and no temperature — the sample is 0, not
    missing time."""
    f = cdss(tmp_path / "in", T0, [("W-FLOW", "0", 0, T0), ("W-CH4", "12", 0, T0), ("W-P", "-30", 0, T0),
                                   ("W-FLOW", "5", 0, T1), ("W-P", "-30", 0, T1)])
    ingest_paths(store, [f])
    s0, s1 = _aligned(store, "S-W")
    assert s0["flags"] == 0 and s0["ch4_flow_nm3_min"] == 0.0 and s0["flow_mixed_nm3_min"] == 0.0
    assert s1["flags"] & QaFlag.STALE_COMPONENT and s1["ch4_flow_nm3_min"] is None    # flowing: needs T
