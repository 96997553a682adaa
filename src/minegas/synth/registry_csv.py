"""Registry CSV files of a synthetic region, in the import format of docs/registry.md (``minegas registry
import``): ``regions.csv``, ``enterprises.csv``, ``mines.csv``, ``units.csv``, ``stations.csv``, ``points.csv``,
``point_configs.csv``, ``gas_links.csv``, ``coal_production.csv``, ``calibrations.csv``.

UTF-8 without BOM, header row = column names (the column lists below are exactly those of docs/registry.md; a
test compares them with the importer's table specifications), empty cell = null, date-times ISO 8601 with
``+08:00``, booleans ``true``/``false``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from minegas.periods import CST
from minegas.synth.model import CONFIG_EPOCH, MineLayout, Region
from minegas.synth.signals import rng, stable_key

COLUMNS: dict[str, tuple[str, ...]] = {
    "regions": ("code", "name_zh", "name_en", "level", "parent_code"),
    "enterprises": ("code", "name_zh", "name_en", "ownership", "region_code"),
    "mines": ("code", "name_zh", "name_en", "enterprise_code", "county_code", "gas_class", "mining_method",
              "capacity_mt_per_yr", "status", "latitude_deg", "longitude_deg", "elevation_m", "barometric_kpa",
              "relative_emission_m3_per_t", "absolute_emission_m3_min", "closed_on", "flooded"),
    "units": ("mine_code", "code", "name_zh", "name_en", "kind", "technology", "capacity_el_kw", "capacity_heat_kw",
              "capacity_flow_nm3_min", "ch4_min_pct", "ch4_max_pct", "destruction_efficiency_frac", "heat_used",
              "safe_transport", "feeds", "commissioned_on", "status"),
    "stations": ("mine_code", "code", "name_zh", "name_en", "role", "drainage_system", "primary_measurement",
                 "unit_code"),
    "points": ("mine_code", "code", "station_code", "quantity", "name_zh", "kj_sensor_type"),
    "point_configs": ("mine_code", "point_code", "valid_from", "valid_to", "unit", "flow_basis", "ref_state",
                      "pressure_kind", "max_gap_s", "integration", "counter_reset", "counter_max", "range_low",
                      "range_high", "scale"),
    "gas_links": ("mine_code", "from_station_code", "to_station_code", "to_unit_code", "valid_from", "valid_to"),
    "coal_production": ("mine_code", "month", "production_t", "source"),
    "calibrations": ("mine_code", "point_code", "performed_on", "kind", "result", "certificate", "next_due",
                     "performed_by", "note"),
}
"""File name (without ``.csv``) → columns, in the order of docs/registry.md."""

SOURCE = "minegas synth (synthetic demo data)"


@dataclass(frozen=True)
class CalibrationEvent:
    """A sensor calibration (标校) window that the generator injected: becomes a calibration record."""

    mine_code: str
    point_code: str
    start_s: int
    end_s: int
    gas_value: float


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, datetime):
        return v.astimezone(CST).isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def render(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    """CSV text (``\\n`` line ends) of ``rows`` with the given header."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in columns])
    return buf.getvalue()


def _cst_date(ts_s: int) -> date:
    """The China-Standard-Time calendar date of a UTC epoch second."""
    return datetime.fromtimestamp(ts_s, CST).date()


def months_of(start_s: int, end_s: int) -> list[str]:
    """CST months ``YYYY-MM`` touched by ``[start_s, end_s)``."""
    out: list[str] = []
    d = datetime.fromtimestamp(start_s, CST)
    last = datetime.fromtimestamp(end_s - 1, CST)
    y, m = d.year, d.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _flow_basis(meter: str | None) -> tuple[str | None, str | None]:
    if meter is None:
        return None, None
    if meter == "working":
        return "working", None
    return "reference", meter


def registry_tables(region: Region, layouts: list[MineLayout], seed: int, start_s: int, end_s: int,
                    calibrations: list[CalibrationEvent], cadence_s: int) -> dict[str, list[dict[str, Any]]]:
    """Rows of every registry file for the given mines.

    Coal production: one row per mine and CST month touched by the period, ``capacity / 12 × f`` with ``f``
    uniform in [``production_month_frac_min``, ``production_month_frac_max``] from a generator seeded by
    (seed, mine, month). Calibrations: for each CH4 point the last routine calibration before the period (every
    ``ch4_calibration_interval_d`` days), for each flow meter the last yearly verification (one meter of the
    region deliberately overdue), plus one record per injected calibration window.
    """
    p = region.param
    mines_set = {la.mine.code for la in layouts}
    ent_used = {la.mine.enterprise_code for la in layouts}
    county_used = {la.mine.county_code for la in layouts}
    region_by_code = {r.code: r for r in region.regions}
    needed: set[str] = set()
    starts = county_used | {e.region_code for e in region.enterprises if e.code in ent_used and e.region_code}
    for first in starts:
        cur: str | None = first
        while cur is not None and cur not in needed:
            needed.add(cur)
            cur = region_by_code[cur].parent_code if cur in region_by_code else None
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in COLUMNS}
    for r in region.regions:
        if r.code in needed:
            out["regions"].append(vars(r).copy())
    for e in region.enterprises:
        if e.code in ent_used:
            out["enterprises"].append(vars(e).copy())
    months = months_of(start_s, end_s)
    interval = int(p("ch4_calibration_interval_d"))
    start_day = _cst_date(start_s)
    overdue_done = False
    for la in layouts:
        m = la.mine
        total = m.design_drained_pure_nm3_min() + m.design_vam_pure_nm3_min()
        out["mines"].append({
            "code": m.code, "name_zh": m.name_zh, "name_en": m.name_en, "enterprise_code": m.enterprise_code,
            "county_code": m.county_code, "gas_class": m.gas_class, "mining_method": "underground",
            "capacity_mt_per_yr": m.capacity_mt_per_yr, "status": m.status, "latitude_deg": m.latitude_deg,
            "longitude_deg": m.longitude_deg, "elevation_m": m.elevation_m, "barometric_kpa": m.barometric_kpa,
            "relative_emission_m3_per_t": round(total * 525_600.0 / (m.capacity_mt_per_yr * 1e6), 2),
            "absolute_emission_m3_min": round(total, 2), "closed_on": None, "flooded": None})
        for u in la.units:
            out["units"].append({
                "mine_code": m.code, "code": u.code, "name_zh": u.name_zh, "name_en": u.name_en, "kind": u.kind,
                "technology": u.technology, "capacity_el_kw": u.capacity_el_kw, "capacity_heat_kw": u.capacity_heat_kw,
                "capacity_flow_nm3_min": None if u.kind == "vent_stack" else u.capacity_flow_nm3_min,
                "ch4_min_pct": None if u.kind == "vent_stack" else u.ch4_min_pct,
                "ch4_max_pct": None if u.kind == "vent_stack" else u.ch4_max_pct,
                "destruction_efficiency_frac": u.destruction_efficiency_frac, "heat_used": u.heat_used,
                "safe_transport": u.safe_transport, "feeds": u.feeds, "commissioned_on": u.commissioned_on,
                "status": u.status})
        for s in la.stations:
            out["stations"].append({
                "mine_code": m.code, "code": s.code, "name_zh": s.name_zh, "name_en": s.name_en, "role": s.role,
                "drainage_system": s.drainage_system, "primary_measurement": s.primary_measurement,
                "unit_code": s.unit_code})
        for pt in la.points:
            out["points"].append({"mine_code": m.code, "code": pt.code, "station_code": pt.station,
                                  "quantity": pt.quantity, "name_zh": pt.location, "kj_sensor_type": pt.sensor_type})
        for cfg in la.configs:
            basis, ref = _flow_basis(cfg.meter)
            out["point_configs"].append({
                "mine_code": m.code, "point_code": cfg.point_code, "valid_from": cfg.valid_from,
                "valid_to": cfg.valid_to, "unit": cfg.unit, "flow_basis": basis, "ref_state": ref,
                "pressure_kind": cfg.pressure_kind, "max_gap_s": float(max(300, 5 * cadence_s)),
                "integration": "trapezoid", "counter_reset": cfg.counter_reset, "counter_max": None,
                "range_low": cfg.range_low, "range_high": cfg.range_high, "scale": 1.0})
        for lk in la.links:
            out["gas_links"].append({"mine_code": m.code, "from_station_code": lk.from_station,
                                     "to_station_code": lk.to_station, "to_unit_code": lk.to_unit,
                                     "valid_from": CONFIG_EPOCH, "valid_to": None})
        mk = stable_key(m.code)
        for month in months:
            g = rng(seed, mk, stable_key("production/" + month))
            f = g.uniform(float(p("production_month_frac_min")), float(p("production_month_frac_max")))
            out["coal_production"].append({"mine_code": m.code, "month": month,
                                           "production_t": round(m.capacity_mt_per_yr * 1e6 / 12.0 * f, 0),
                                           "source": SOURCE})
        g = rng(seed, mk, stable_key("calibration-history"))
        for pt in la.points:
            if pt.signal == "ch4":
                done = start_day - timedelta(days=int(g.integers(1, interval)))
                out["calibrations"].append({
                    "mine_code": m.code, "point_code": pt.code, "performed_on": done, "kind": "calibration",
                    "result": "pass", "certificate": None, "next_due": done + timedelta(days=interval),
                    "performed_by": "矿井监测监控队(示例)", "note": "routine 标校 (synthetic)"})
            elif pt.signal in ("flow", "pure", "air", "counter"):
                done = start_day - timedelta(days=int(g.integers(30, 330)))
                due = done + timedelta(days=365)
                note = "yearly verification (synthetic)"
                if not overdue_done and pt.signal == "flow":
                    done = start_day - timedelta(days=400)
                    due = done + timedelta(days=365)
                    note = "yearly verification — deliberately overdue (synthetic)"
                    overdue_done = True
                out["calibrations"].append({
                    "mine_code": m.code, "point_code": pt.code, "performed_on": done, "kind": "verification",
                    "result": "pass", "certificate": f"JD-{m.code[-4:]}-{stable_key(pt.code) % 100000:05d}",
                    "next_due": due, "performed_by": "计量检定机构(示例)", "note": note})
    seen: set[tuple[str, str, date]] = set()
    for ev in sorted(calibrations, key=lambda e: (e.mine_code, e.point_code, e.start_s)):
        if ev.mine_code not in mines_set:
            continue
        day = _cst_date(ev.start_s)
        key = (ev.mine_code, ev.point_code, day)
        if key in seen:
            continue
        seen.add(key)
        # a routine record on the same day and kind would clash with the unique key; drop it
        out["calibrations"] = [r for r in out["calibrations"] if not (
            r["mine_code"] == ev.mine_code and r["point_code"] == ev.point_code and r["performed_on"] == day
            and r["kind"] == "calibration")]
        t0 = datetime.fromtimestamp(ev.start_s, CST)
        t1 = datetime.fromtimestamp(ev.end_s, CST)
        out["calibrations"].append({
            "mine_code": ev.mine_code, "point_code": ev.point_code, "performed_on": day, "kind": "calibration",
            "result": "pass", "certificate": None, "next_due": day + timedelta(days=interval),
            "performed_by": "矿井监测监控队(示例)",
            "note": f"标校 {t0:%H:%M}–{t1:%H:%M} with {ev.gas_value:g} % CH4 calibration gas (synthetic fault)"})
    return out


def write_registry(out: Path, tables: dict[str, list[dict[str, Any]]]) -> list[Path]:
    """Write the registry CSV files into folder ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, cols in COLUMNS.items():
        p = out / f"{name}.csv"
        p.write_text(render(tables[name], cols), encoding="utf-8")
        paths.append(p)
    return paths
