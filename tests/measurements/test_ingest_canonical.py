"""Canonical long and wide files (docs/formats.md §3): long readings are stored under their point codes; a wide
column resolves to the one registry point of its station whose quantity, basis and unit fit — anything else is
stored under ``<station>/<column>``, flagged UNMAPPED and listed with the reason (never guessed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_helpers import DRN_CH4, DRN_FLOW, MINE, make_store, snapshot

from minegas.measurements.flags import QaFlag
from minegas.measurements.ingest import ingest_paths
from minegas.measurements.mapping import resolve_wide
from minegas.measurements.store import Store


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = make_store(tmp_path)
    yield s
    s.close()


def test_long_csv(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "long.csv"
    f.write_text(f"# mine: {MINE}\npoint_code,ts,value,status\n"
                 f"{DRN_CH4},2025-03-01T10:00:00+08:00,31.5,0\n{DRN_CH4},2025-03-01T10:01:00+08:00,,4\n",
                 encoding="utf-8")
    rep = ingest_paths(store, [f])
    assert not rep.rejected and rep.files[0].kind == "long" and rep.files[0].stored == 2
    rows = store.read("readings").to_pylist()
    assert rows[0]["value"] == 31.5 and rows[1]["flags"] & QaFlag.NOT_NUMERIC
    assert rows[1]["flags"] & QaFlag.KJ_CALIBRATION and rows[1]["prev_value"] == 31.5


def test_wide_columns_resolve_or_stay_unmapped(store: Store, tmp_path: Path) -> None:
    snap = snapshot(store)
    assert resolve_wide(snap, MINE, "GE-IN", "flow_nm3_min") == ("GE1-FLOW", "")
    assert resolve_wide(snap, MINE, "GE-IN", "ch4_pct") == ("GE1-CH4", "")
    p, why = resolve_wide(snap, MINE, "GE-IN", "flow_m3_min_work")       # GE1-FLOW is a 0 °C meter
    assert p is None and "basis" in why
    p, why = resolve_wide(snap, MINE, "DRN-H", "flow_m3_min")            # configured in m³/h until 2025
    assert p is None and "m³/h" in why
    assert resolve_wide(snap, MINE, "GE-IN", "pressure_kpa")[0] is None  # the station has no pressure point
    f = tmp_path / "wide.csv"
    f.write_text(f"# mine: {MINE}\nstation_code,ts,ch4_pct,flow_nm3_min,pressure_kpa,temperature_c\n"
                 "GE-IN,2025-03-01T10:00:00+08:00,35.2,40.1,,\n"
                 "GE-IN,2025-03-01T10:01:00+08:00,35.0,40.3,5.1,\n", encoding="utf-8")
    rep = ingest_paths(store, [f])
    assert rep.files[0].kind == "wide" and rep.files[0].stored == 5 and rep.files[0].unmapped == 1
    pts = sorted({r["point_code"] for r in store.read("readings").to_pylist()})
    assert pts == ["GE-IN/pressure_kpa", "GE1-CH4", "GE1-FLOW"]
    (u,) = store.unmapped(snap)
    assert u["point_code"] == "GE-IN/pressure_kpa" and "wide" in u["reason"]
    # the resolved readings make aligned samples of the plant inlet: 40.1 Nm³/min × 35.2 %
    a = store.read("aligned").to_pylist()
    assert [r["station_code"] for r in a] == ["GE-IN", "GE-IN"]
    assert a[0]["ch4_flow_nm3_min"] == pytest.approx(40.1 * 0.352, rel=1e-12)
    assert DRN_FLOW not in pts
