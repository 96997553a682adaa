"""Region model of the synthetic generator: a region definition (a parameter-set YAML file with tables) turned
into frozen dataclasses, and the derived plant layout of each mine (stations, points, units, gas links).

The demo region is ``src/minegas/data/demo/jincheng-demo.yaml`` (docs/synth.md). A region file is a parameter
set (docs/conventions.md §8): its ``parameters`` are the modelling assumptions of the generator (each with unit,
source, confidence and, for assumptions, a range) and its ``tables`` describe the region: ``regions``,
``enterprises``, ``mines``, ``drainage`` (one row per drainage system of a mine), ``shafts`` (return shafts),
``units`` (utilization units, flares) and ``meter_changes`` (dated meter replacements). Vent stacks are
implied: every drainage system gets one (放空管) that takes what no unit takes.

Layout (:func:`mine_layout`) is derived deterministically from these rows: station codes (``H-MAIN``,
``L-VENT``, ``R1``, ``GE1-IN`` …), KJ point codes (research note china-monitoring-formats §2.1:
``<煤矿编码><系统编码 2><数值类型 2><传感器类型 4><测点号 8>``), meter configurations and the gas-network links.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from minegas.errors import InputError, Problem
from minegas.paramsets import ParamSet, load_paramset
from minegas.periods import CST
from minegas.registry import vocab

DEMO_REGION_PATH = Path(__file__).resolve().parent.parent / "data" / "demo" / "jincheng-demo.yaml"
"""The demo region: a fictional Jincheng-like city (docs/synth.md)."""

CONFIG_EPOCH = datetime(2020, 1, 1, tzinfo=CST)
"""``valid_from`` of every initial point configuration and gas link written to the registry CSVs: a fixed past
time, so that registries written for different periods upsert the same rows."""

# ISO 2533:1975 standard atmosphere, troposphere: p = p0 · (1 − L·h/T0)^(g·M/(R·L)).
ISA_P0_KPA = 101.325
"""Sea-level pressure of the standard atmosphere [kPa] (ISO 2533)."""
ISA_T0_K = 288.15
"""Sea-level temperature of the standard atmosphere [K] (ISO 2533)."""
ISA_LAPSE_K_PER_M = 0.0065
"""Temperature lapse rate of the troposphere [K/m] (ISO 2533)."""
ISA_EXPONENT = 5.25588
"""g·M/(R·L) of the standard atmosphere (dimensionless; ISO 2533: 9.80665 × 0.0289644 / (8.31447 × 0.0065))."""


def barometric_kpa(elevation_m: float) -> float:
    """Mean barometric pressure at an elevation by the ISO 2533 standard atmosphere.

    Parameters
    ----------
    elevation_m : elevation above sea level [m] (valid in the troposphere, below 11 km).

    Returns
    -------
    Pressure [kPa]; ≈ 92.3 kPa at 780 m and ≈ 88.8 kPa at 1 100 m (Jincheng mines lie at ≈ 700–1 100 m).

    Reference
    ---------
    ISO 2533:1975 Standard Atmosphere, troposphere layer: ``p = p0 (1 − L h / T0)^(g M / (R L))``.
    """
    return ISA_P0_KPA * (1.0 - ISA_LAPSE_K_PER_M * elevation_m / ISA_T0_K) ** ISA_EXPONENT


# --- region definition ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionRow:
    """An administrative region (行政区划) of the region file."""

    code: str
    name_zh: str
    name_en: str | None
    level: str
    parent_code: str | None


@dataclass(frozen=True)
class EnterpriseRow:
    """A mining enterprise (煤矿企业)."""

    code: str
    name_zh: str
    name_en: str | None
    ownership: str
    region_code: str | None


@dataclass(frozen=True)
class DrainageSystem:
    """One drainage system (抽采系统) of a mine: high (高负压) or low (低负压) negative pressure.

    Attributes
    ----------
    system : ``high`` or ``low``.
    pure_nm3_min : design pure CH4 flow drained at the reference time [Nm³/min at 0 °C].
    ch4_pct : design CH4 concentration of the drained gas [vol %] (5–60 %).
    suction_kpa : design gauge pressure at the main (负压, negative) [kPa]: −10…−60 high, −5…−25 low.
    gas_temp_c : mean gas temperature in the main [°C].
    flow_meter : basis of the main's flow meters: ``working`` (工况, with gauge pressure and temperature at the
        station), ``0C`` or ``20C`` (标况 at that reference state).
    flow_unit : unit of the main's flow readings (``m³/min`` or ``m³/h``).
    pure_meter : the main also reports a pure-CH4 flow (纯瓦斯流量, 0037).
    counter : reset schedule of the main's totaliser (``none``/``daily``/``monthly``), None = no totaliser.
    counter_quantity : ``cumulative_mixed`` or ``cumulative_pure``.
    counter_unit : ``m³`` or ``万m³``.
    counter_ref : reference state of the totaliser (``0C`` or ``20C``).
    primary : the station's primary measurement (registry vocabulary).
    vent_meter : basis of the vent stack's flow meter (``working``, ``0C``, ``20C``).
    stops_per_month : expected pump maintenance stops per 30 days.
    """

    system: str
    pure_nm3_min: float
    ch4_pct: float
    suction_kpa: float
    gas_temp_c: float
    flow_meter: str
    flow_unit: str
    pure_meter: bool
    counter: str | None
    counter_quantity: str
    counter_unit: str
    counter_ref: str
    primary: str
    vent_meter: str
    stops_per_month: float

    @property
    def mixed_nm3_min(self) -> float:
        """Design mixed flow [Nm³/min] = pure / CH4 fraction."""
        return self.pure_nm3_min / (self.ch4_pct / 100.0)

    @property
    def tag(self) -> str:
        """``H`` or ``L``: the station-code prefix."""
        return "H" if self.system == "high" else "L"


@dataclass(frozen=True)
class ReturnShaft:
    """A return-air shaft (回风井) with its ventilation air methane (乏风瓦斯, VAM).

    Attributes
    ----------
    code : station code (``R1`` …).
    air_m3_min : design air flow at working conditions [m³/min] (5 000–30 000).
    ch4_pct : design CH4 concentration [vol %] (0.1–0.75).
    fan_pa : fan negative pressure at the shaft (gauge, negative) [Pa].
    air_temp_c : mean return-air temperature [°C].
    """

    code: str
    name_zh: str
    name_en: str | None
    air_m3_min: float
    ch4_pct: float
    fan_pa: float
    air_temp_c: float


@dataclass(frozen=True)
class UnitDef:
    """A sink of drained gas or VAM: utilization unit (利用装置), flare (火炬) or off-site transfer (外输).

    Attributes
    ----------
    sources : where the unit takes gas from: ``high``, ``low`` (drainage systems) and, for blending oxidisers,
        a return-shaft code (VAM).
    priority : routing order among the units of one drainage system (lower first).
    capacity_flow_nm3_min : inlet (mixed) flow capacity [Nm³/min at 0 °C].
    ch4_min_pct, ch4_max_pct : accepted inlet CH4 window [vol %]; outside it the unit takes nothing. For a
        blending oxidiser the window applies to the blend.
    inlet_meter : basis of the inlet flow meter (``working``, ``0C``, ``20C``).
    inlet_unit : unit of the inlet flow readings (``m³/min`` or ``m³/h``).
    inlet_kpa : inlet gauge pressure (positive, after the booster) [kPa], used with working meters.
    outages_per_month : expected outages per 30 days (each 2–24 h, parameter ``unit_outage_hours``).
    season : ``all`` or ``heating`` (full capacity only in the heating season, else ``offseason_frac``).
    duty_frac : fraction of days the unit is run at all (a plant that "rarely runs"); 1 = every day.
    blend_target_pct : CH4 of the blend a VAM oxidiser is run at [vol %] (RTO: 1.2 %), else None.
    product_ch4_pct, recovery_frac : enrichment (VPSA) product concentration [vol %] and CH4 recovery [0–1].
    """

    code: str
    name_zh: str
    name_en: str | None
    kind: str
    technology: str
    feeds: str
    sources: tuple[str, ...]
    priority: int
    capacity_flow_nm3_min: float
    capacity_el_kw: float | None
    capacity_heat_kw: float | None
    ch4_min_pct: float
    ch4_max_pct: float
    destruction_efficiency_frac: float | None
    heat_used: bool
    safe_transport: bool
    status: str
    commissioned_on: date | None
    inlet_meter: str
    inlet_unit: str
    inlet_kpa: float
    outages_per_month: float
    season: str
    offseason_frac: float
    duty_frac: float
    blend_target_pct: float | None
    product_ch4_pct: float | None
    recovery_frac: float | None

    @property
    def drained_sources(self) -> tuple[str, ...]:
        return tuple(s for s in self.sources if s in ("high", "low"))

    @property
    def vam_sources(self) -> tuple[str, ...]:
        return tuple(s for s in self.sources if s not in ("high", "low"))


@dataclass(frozen=True)
class MeterChange:
    """A dated meter replacement: from ``at`` the point reports in a new basis/unit/range."""

    mine_code: str
    station: str
    quantity: str
    at: datetime
    flow_meter: str
    unit: str
    range_high: float
    note: str


@dataclass(frozen=True)
class MineDef:
    """One mine of the region with its drainage systems, return shafts and units."""

    code: str
    name_zh: str
    name_en: str | None
    enterprise_code: str | None
    county_code: str
    gas_class: str
    capacity_mt_per_yr: float
    status: str
    elevation_m: float
    latitude_deg: float
    longitude_deg: float
    decline_pct_per_yr: float
    weekly_rest: bool
    case: str | None
    kj_system_model: str
    drainage: tuple[DrainageSystem, ...]
    shafts: tuple[ReturnShaft, ...]
    units: tuple[UnitDef, ...]
    meter_changes: tuple[MeterChange, ...] = ()

    @property
    def barometric_kpa(self) -> float:
        """Local barometric pressure from the elevation [kPa] (:func:`barometric_kpa`, rounded to 0.01)."""
        return round(barometric_kpa(self.elevation_m), 2)

    def system(self, name: str) -> DrainageSystem:
        for s in self.drainage:
            if s.system == name:
                return s
        raise KeyError(f"mine {self.code} has no {name} drainage system")

    def design_drained_pure_nm3_min(self) -> float:
        """Sum of the drainage systems' design pure flow [Nm³/min]."""
        return sum(s.pure_nm3_min for s in self.drainage)

    def design_vam_pure_nm3_min(self) -> float:
        """Design VAM pure CH4 [Nm³/min at 0 °C] from air flow (working, converted at the barometric pressure and
        the return-air temperature, ideal gas) × CH4 fraction."""
        out = 0.0
        for r in self.shafts:
            nm3 = r.air_m3_min * (self.barometric_kpa + r.fan_pa / 1000.0) / ISA_P0_KPA * 273.15 / (
                273.15 + r.air_temp_c)
            out += nm3 * r.ch4_pct / 100.0
        return out


@dataclass(frozen=True)
class Region:
    """A synthetic region: its source parameter set, administrative regions, enterprises and mines."""

    id: str
    path: str
    paramset: ParamSet
    regions: tuple[RegionRow, ...]
    enterprises: tuple[EnterpriseRow, ...]
    mines: tuple[MineDef, ...]

    def param(self, name: str) -> Any:
        """Value of a modelling parameter of the region file (unit and source in the file)."""
        return self.paramset.value(name)

    def mine(self, code: str) -> MineDef:
        for m in self.mines:
            if m.code == code:
                return m
        raise InputError("unknown mine", [Problem(f"region {self.id} has no mine {code!r}", field="mines",
                                                  value=code, fix="use one of " + ", ".join(self.mine_codes))])

    @property
    def mine_codes(self) -> tuple[str, ...]:
        return tuple(m.code for m in self.mines)

    def select(self, codes: list[str] | tuple[str, ...] | None) -> Region:
        """The same region restricted to the given mine codes (None or empty = all). Unknown codes are rejected."""
        if not codes:
            return self
        unknown = [c for c in codes if c not in self.mine_codes]
        if unknown:
            raise InputError("unknown mine code", [
                Problem(f"region {self.id} has no mine {c!r}", field="mines", value=c,
                        fix="use one of " + ", ".join(self.mine_codes)) for c in unknown])
        keep = set(codes)
        return Region(self.id, self.path, self.paramset, self.regions, self.enterprises,
                      tuple(m for m in self.mines if m.code in keep))


# --- loading ------------------------------------------------------------------------------------------------

_REQUIRED_TABLES = ("regions", "enterprises", "mines", "drainage", "shafts", "units")

_REQUIRED_PARAMS = (
    "t_ref", "night_shift_level", "day_shift_level", "evening_shift_level", "shift_ramp_min",
    "weekly_rest_level", "prod_coupling_high", "prod_coupling_low", "prod_coupling_vam",
    "drainage_variation_frac", "air_leak_variation_frac", "air_leak_variation_low_frac", "vam_variation_frac", "production_variation_frac",
    "knot_fast_s", "knot_slow_s", "stop_hours_min", "stop_hours_max", "stop_ch4_floor_pct", "stop_ch4_tau_min",
    "stop_loss_to_vam_frac", "unit_outage_hours_min", "unit_outage_hours_max", "noise_ch4_rel",
    "noise_vam_abs_pct", "noise_flow_rel", "noise_air_rel", "noise_p_kpa", "noise_fan_pa", "noise_t_c",
    "air_temp_monthly_c", "heating_season_start", "heating_season_end", "ch4_calibration_interval_d",
    "production_month_frac_min", "production_month_frac_max", "vam_intake_max_frac", "ch4_min_drained_pct",
    "ch4_max_drained_pct", "vam_min_pct", "vam_max_pct",
)


class _Rows:
    """Reads one table's rows with located problems (``file``, ``tables.<name>[row]``, column)."""

    def __init__(self, ps: ParamSet, name: str, origin: str, problems: list[Problem]) -> None:
        self.name = name
        self.origin = origin
        self.problems = problems
        self.rows: list[dict[str, Any]] = list(ps.tables[name].rows) if name in ps.tables else []

    def where(self, i: int, col: str) -> dict[str, Any]:
        return {"file": self.origin, "field": f"tables.{self.name}[{i + 1}].{col}"}

    def bad(self, i: int, col: str, msg: str, value: Any, fix: str) -> None:
        self.problems.append(Problem(msg, value=None if value is None else str(value), fix=fix,
                                     **self.where(i, col)))

    def get(self, i: int, col: str, kind: str, required: bool = True, default: Any = None,
            choices: tuple[str, ...] | None = None, lo: float | None = None, hi: float | None = None) -> Any:
        row = self.rows[i]
        v = row.get(col)
        if v is None or (isinstance(v, str) and v.strip() == ""):
            if required:
                self.bad(i, col, "missing value", None, f"fill in {col}")
            return default
        try:
            if kind == "str":
                out: Any = str(v)
            elif kind == "float":
                if isinstance(v, bool):
                    raise ValueError("a yes/no value is not a number")
                out = float(v)
                if not math.isfinite(out):
                    raise ValueError("not finite")
            elif kind == "int":
                out = int(v)
            elif kind == "bool":
                if not isinstance(v, bool):
                    raise ValueError("not true/false")
                out = v
            elif kind == "date":
                out = v if isinstance(v, date) else date.fromisoformat(str(v))
            elif kind == "datetime":
                out = v if isinstance(v, datetime) else datetime.fromisoformat(str(v))
                if out.tzinfo is None:
                    self.bad(i, col, "date-time without UTC offset", v, "add +08:00")
                    return default
            else:  # pragma: no cover - programming error
                raise AssertionError(kind)
        except (TypeError, ValueError) as exc:
            self.bad(i, col, f"not a valid {kind} ({exc})", v, f"write a {kind}")
            return default
        if choices is not None and out not in choices:
            self.bad(i, col, "unknown value", v, "use one of " + ", ".join(choices))
            return default
        if lo is not None and out < lo:
            self.bad(i, col, f"below the minimum {lo:g}", v, f"use a value ≥ {lo:g}")
        if hi is not None and out > hi:
            self.bad(i, col, f"above the maximum {hi:g}", v, f"use a value ≤ {hi:g}")
        return out


_METERS = ("working", "0C", "20C")
_FLOW_UNITS = ("m³/min", "m³/h")


def _parse_drainage(t: _Rows, i: int, p: Any) -> DrainageSystem:
    system = t.get(i, "system", "str", choices=("high", "low"))
    lo_kpa, hi_kpa = (-60.0, -10.0) if system == "high" else (-25.0, -5.0)
    counter = t.get(i, "counter", "str", required=False, choices=vocab.COUNTER_RESETS)
    return DrainageSystem(
        system=system or "high",
        pure_nm3_min=t.get(i, "pure_nm3_min", "float", lo=0.1, hi=1000.0) or 1.0,
        ch4_pct=t.get(i, "ch4_pct", "float", lo=float(p("ch4_min_drained_pct")),
                      hi=float(p("ch4_max_drained_pct"))) or 10.0,
        suction_kpa=t.get(i, "suction_kpa", "float", lo=lo_kpa, hi=hi_kpa) or lo_kpa / 2,
        gas_temp_c=t.get(i, "gas_temp_c", "float", lo=-10.0, hi=50.0) or 15.0,
        flow_meter=t.get(i, "flow_meter", "str", choices=_METERS) or "0C",
        flow_unit=t.get(i, "flow_unit", "str", required=False, default="m³/min", choices=_FLOW_UNITS),
        pure_meter=t.get(i, "pure_meter", "bool", required=False, default=False),
        counter=counter,
        counter_quantity=t.get(i, "counter_quantity", "str", required=False, default="cumulative_mixed",
                               choices=vocab.CUMULATIVE_QUANTITIES),
        counter_unit=t.get(i, "counter_unit", "str", required=False, default="m³", choices=("m³", "万m³")),
        counter_ref=t.get(i, "counter_ref", "str", required=False, default="20C", choices=("0C", "20C")),
        primary=t.get(i, "primary", "str", required=False, default="mixed_flow_x_ch4",
                      choices=("pure_flow", "mixed_flow_x_ch4", "cumulative_pure", "cumulative_mixed")),
        vent_meter=t.get(i, "vent_meter", "str", required=False, default="20C", choices=_METERS),
        stops_per_month=t.get(i, "stops_per_month", "float", required=False, default=1.0, lo=0.0, hi=30.0),
    )


def _parse_shaft(t: _Rows, i: int, p: Any) -> ReturnShaft:
    return ReturnShaft(
        code=t.get(i, "code", "str") or "R?",
        name_zh=t.get(i, "name_zh", "str") or "",
        name_en=t.get(i, "name_en", "str", required=False),
        air_m3_min=t.get(i, "air_m3_min", "float", lo=5000.0, hi=30000.0) or 5000.0,
        ch4_pct=t.get(i, "ch4_pct", "float", lo=float(p("vam_min_pct")), hi=float(p("vam_max_pct"))) or 0.2,
        fan_pa=t.get(i, "fan_pa", "float", lo=-6000.0, hi=-200.0) or -2000.0,
        air_temp_c=t.get(i, "air_temp_c", "float", lo=-10.0, hi=40.0) or 18.0,
    )


def _parse_unit(t: _Rows, i: int) -> UnitDef:
    kind = t.get(i, "kind", "str", choices=("utilization", "flare", "offsite_transfer"))
    tech = t.get(i, "technology", "str", choices=tuple(vocab.TECHNOLOGIES))
    if kind and tech and tech not in vocab.KIND_TECHNOLOGIES.get(kind, ()):
        t.bad(i, "technology", f"technology does not fit a unit of kind {kind!r}", tech,
              "use one of " + ", ".join(vocab.KIND_TECHNOLOGIES.get(kind, ())))
    src_text = t.get(i, "sources", "str") or ""
    sources = tuple(s.strip() for s in src_text.split("+") if s.strip())
    if not sources:
        t.bad(i, "sources", "no source", src_text, "write high, low, high+low or high+low+R1")
    lo = t.get(i, "ch4_min_pct", "float", lo=0.0, hi=100.0) or 0.0
    hi = t.get(i, "ch4_max_pct", "float", lo=0.0, hi=100.0) or 100.0
    if lo > hi:
        t.bad(i, "ch4_min_pct", "CH4 window minimum above the maximum", lo, "make ch4_min_pct ≤ ch4_max_pct")
    return UnitDef(
        code=t.get(i, "code", "str") or "U?",
        name_zh=t.get(i, "name_zh", "str") or "",
        name_en=t.get(i, "name_en", "str", required=False),
        kind=kind or "utilization",
        technology=tech or "gas-engine",
        feeds=t.get(i, "feeds", "str", choices=vocab.FEEDS) or "drained",
        sources=sources,
        priority=t.get(i, "priority", "int", required=False, default=1),
        capacity_flow_nm3_min=t.get(i, "capacity_flow_nm3_min", "float", lo=0.1) or 1.0,
        capacity_el_kw=t.get(i, "capacity_el_kw", "float", required=False, lo=0.0),
        capacity_heat_kw=t.get(i, "capacity_heat_kw", "float", required=False, lo=0.0),
        ch4_min_pct=lo,
        ch4_max_pct=hi,
        destruction_efficiency_frac=t.get(i, "destruction_efficiency_frac", "float", required=False, lo=0.0,
                                          hi=1.0),
        heat_used=t.get(i, "heat_used", "bool", required=False, default=False),
        safe_transport=t.get(i, "safe_transport", "bool", required=False, default=False),
        status=t.get(i, "status", "str", required=False, default="operating", choices=vocab.UNIT_STATUSES),
        commissioned_on=t.get(i, "commissioned_on", "date", required=False),
        inlet_meter=t.get(i, "inlet_meter", "str", required=False, default="0C", choices=_METERS),
        inlet_unit=t.get(i, "inlet_unit", "str", required=False, default="m³/min", choices=_FLOW_UNITS),
        inlet_kpa=t.get(i, "inlet_kpa", "float", required=False, default=8.0, lo=0.5, hi=50.0),
        outages_per_month=t.get(i, "outages_per_month", "float", required=False, default=1.0, lo=0.0, hi=30.0),
        season=t.get(i, "season", "str", required=False, default="all", choices=("all", "heating")),
        offseason_frac=t.get(i, "offseason_frac", "float", required=False, default=0.0, lo=0.0, hi=1.0),
        duty_frac=t.get(i, "duty_frac", "float", required=False, default=1.0, lo=0.0, hi=1.0),
        blend_target_pct=t.get(i, "blend_target_pct", "float", required=False, lo=0.1, hi=5.0),
        product_ch4_pct=t.get(i, "product_ch4_pct", "float", required=False, lo=1.0, hi=100.0),
        recovery_frac=t.get(i, "recovery_frac", "float", required=False, lo=0.0, hi=1.0),
    )


def parse_region(ps: ParamSet, origin: str) -> Region:
    """Build a :class:`Region` from a validated parameter set (see the module docstring for the tables).

    Raises
    ------
    InputError
        Listing every problem: missing tables or parameters, unknown codes, values outside their plausible
        range (drainage CH4 5–60 %, VAM 0.1–0.75 % at 5 000–30 000 m³/min, suction −10…−60 kPa high and
        −5…−25 kPa low), unit sources that do not exist, low-gas mines above the low-gas limits.
    """
    problems: list[Problem] = []
    for name in _REQUIRED_TABLES:
        if name not in ps.tables:
            problems.append(Problem("missing table", file=origin, field=f"tables.{name}",
                                    fix="add the table (docs/synth.md, region file)"))
    for name in _REQUIRED_PARAMS:
        if name not in ps.parameters:
            problems.append(Problem("missing parameter", file=origin, field=f"parameters.{name}",
                                    fix="add it (see the demo region file)"))
    if problems:
        raise InputError(f"{origin}: not a synthetic region", problems)
    p = ps.value

    tr = _Rows(ps, "regions", origin, problems)
    regions = tuple(RegionRow(
        code=tr.get(i, "code", "str") or "", name_zh=tr.get(i, "name_zh", "str") or "",
        name_en=tr.get(i, "name_en", "str", required=False),
        level=tr.get(i, "level", "str", choices=vocab.REGION_LEVELS) or "county",
        parent_code=tr.get(i, "parent_code", "str", required=False)) for i in range(len(tr.rows)))
    region_codes = {r.code for r in regions}
    for i, r in enumerate(regions):
        if r.parent_code is not None and r.parent_code not in region_codes:
            tr.bad(i, "parent_code", "unknown region", r.parent_code, "add the parent region first")

    te = _Rows(ps, "enterprises", origin, problems)
    enterprises = tuple(EnterpriseRow(
        code=te.get(i, "code", "str") or "", name_zh=te.get(i, "name_zh", "str") or "",
        name_en=te.get(i, "name_en", "str", required=False),
        ownership=te.get(i, "ownership", "str", choices=vocab.OWNERSHIPS) or "other",
        region_code=te.get(i, "region_code", "str", required=False)) for i in range(len(te.rows)))
    ent_codes = {e.code for e in enterprises}

    by_mine: dict[str, dict[str, list[Any]]] = {}

    def _mine_rows(table: str) -> _Rows:
        t = _Rows(ps, table, origin, problems)
        for i in range(len(t.rows)):
            mc = t.get(i, "mine_code", "str")
            by_mine.setdefault(str(mc), {}).setdefault(table, []).append((t, i))
        return t

    _mine_rows("drainage")
    _mine_rows("shafts")
    _mine_rows("units")
    _mine_rows("meter_changes")

    tm = _Rows(ps, "mines", origin, problems)
    mines: list[MineDef] = []
    seen: set[str] = set()
    for i in range(len(tm.rows)):
        code = tm.get(i, "code", "str") or ""
        if code in seen:
            tm.bad(i, "code", "duplicate mine code", code, "give every mine its own code")
        seen.add(code)
        if not code.startswith("99"):
            tm.bad(i, "code", "synthetic mine codes must start with 99 (never a real 煤矿编码)", code,
                   "prefix the code with 99")
        county = tm.get(i, "county_code", "str") or ""
        if county not in region_codes:
            tm.bad(i, "county_code", "unknown region", county, "add the county to the regions table")
        ent = tm.get(i, "enterprise_code", "str", required=False)
        if ent is not None and ent not in ent_codes:
            tm.bad(i, "enterprise_code", "unknown enterprise", ent, "add it to the enterprises table")
        rows = by_mine.get(code, {})
        drainage = tuple(_parse_drainage(t, j, p) for t, j in rows.get("drainage", []))
        shafts = tuple(_parse_shaft(t, j, p) for t, j in rows.get("shafts", []))
        units = tuple(_parse_unit(t, j) for t, j in rows.get("units", []))
        changes = tuple(MeterChange(
            mine_code=code, station=t.get(j, "station", "str") or "", quantity=t.get(j, "quantity", "str",
                                                                                    choices=("flow_mixed",)) or "",
            at=t.get(j, "at", "datetime") or CONFIG_EPOCH,
            flow_meter=t.get(j, "flow_meter", "str", choices=_METERS) or "0C",
            unit=t.get(j, "unit", "str", choices=_FLOW_UNITS) or "m³/min",
            range_high=t.get(j, "range_high", "float", lo=1.0) or 1.0,
            note=t.get(j, "note", "str", required=False, default="")) for t, j in rows.get("meter_changes", []))
        m = MineDef(
            code=code, name_zh=tm.get(i, "name_zh", "str") or "", name_en=tm.get(i, "name_en", "str", False),
            enterprise_code=ent, county_code=county,
            gas_class=tm.get(i, "gas_class", "str", choices=vocab.GAS_CLASSES) or "low",
            capacity_mt_per_yr=tm.get(i, "capacity_mt_per_yr", "float", lo=0.1, hi=20.0) or 1.0,
            status=tm.get(i, "status", "str", required=False, default="producing", choices=vocab.MINE_STATUSES),
            elevation_m=tm.get(i, "elevation_m", "float", lo=-400.0, hi=5000.0) or 0.0,
            latitude_deg=tm.get(i, "latitude_deg", "float", lo=-90.0, hi=90.0) or 0.0,
            longitude_deg=tm.get(i, "longitude_deg", "float", lo=-180.0, hi=180.0) or 0.0,
            decline_pct_per_yr=tm.get(i, "decline_pct_per_yr", "float", lo=0.0, hi=50.0) or 0.0,
            weekly_rest=tm.get(i, "weekly_rest", "bool", required=False, default=False),
            case=tm.get(i, "case", "str", required=False),
            kj_system_model=tm.get(i, "kj_system_model", "str", required=False, default="KJ000X"),
            drainage=drainage, shafts=shafts, units=units, meter_changes=changes,
        )
        _check_mine(m, tm, i)
        mines.append(m)
    for mc, tables in by_mine.items():
        if mc not in seen:
            for lst in tables.values():
                for t, j in lst:
                    t.bad(j, "mine_code", "unknown mine", mc, "add the mine to the mines table")
    if problems:
        raise InputError(f"{origin}: invalid synthetic region", problems)
    return Region(id=ps.id, path=origin, paramset=ps, regions=regions, enterprises=enterprises,
                  mines=tuple(mines))


def _check_mine(m: MineDef, tm: _Rows, i: int) -> None:
    """Cross-table checks of one mine (drainage systems, shafts, unit sources, low-gas limits)."""
    systems = [s.system for s in m.drainage]
    if not systems:
        tm.bad(i, "code", "mine has no drainage system", m.code, "add a row to the drainage table")
    if len(set(systems)) != len(systems):
        tm.bad(i, "code", "a drainage system is listed twice", m.code, "one row per system (high, low)")
    if not 1 <= len(m.shafts) <= 3:
        tm.bad(i, "code", "a mine needs 1–3 return shafts", len(m.shafts), "add or remove rows in shafts")
    shaft_codes = {r.code for r in m.shafts}
    unit_codes: set[str] = set()
    for u in m.units:
        if u.code in unit_codes or u.code.startswith("VENT"):
            tm.bad(i, "code", f"unit code {u.code!r} repeated or reserved (VENT-* are the implied vent stacks)",
                   u.code, "rename the unit")
        unit_codes.add(u.code)
        for s in u.sources:
            if s in ("high", "low"):
                if s not in systems:
                    tm.bad(i, "code", f"unit {u.code} takes gas from a {s} system the mine does not have", s,
                           "fix the unit's sources")
            elif s not in shaft_codes:
                tm.bad(i, "code", f"unit {u.code} takes VAM from an unknown shaft", s, "fix the unit's sources")
            elif u.blend_target_pct is None:
                tm.bad(i, "code", f"unit {u.code} takes VAM but has no blend_target_pct", s,
                       "give blend_target_pct (e.g. 1.2 for an RTO)")
        if u.technology == "vpsa" and (u.product_ch4_pct is None or u.recovery_frac is None):
            tm.bad(i, "code", f"VPSA unit {u.code} needs product_ch4_pct and recovery_frac", u.code,
                   "fill both in")
    for c in m.meter_changes:
        if c.station not in {f"{s.tag}-MAIN" for s in m.drainage}:
            tm.bad(i, "code", f"meter change on unknown station {c.station!r}", c.station,
                   "meter changes apply to H-MAIN or L-MAIN")
    if m.gas_class == "low":
        # 煤矿瓦斯等级鉴定办法 (2018): a low-gas mine has relative emission ≤ 10 m³/t and absolute ≤ 40 m³/min
        # (from memory, unverified; docs/synth.md).
        total = m.design_drained_pure_nm3_min() + m.design_vam_pure_nm3_min()
        rel = total * 525_600.0 / (m.capacity_mt_per_yr * 1e6)
        if total > 40.0 or rel > 10.0:
            tm.bad(i, "gas_class", f"design emission {total:.1f} m³/min, {rel:.1f} m³/t exceeds the low-gas "
                   "limits (≤ 40 m³/min and ≤ 10 m³/t)", m.gas_class, "classify the mine high or lower its gas")


def load_region(region: str | Path = "demo") -> Region:
    """Load a region: ``"demo"`` (the built-in Jincheng-like demo region) or the path of a region YAML file.

    Raises
    ------
    InputError
        If the file is missing, not a valid parameter set, or not a valid region (every problem listed).
    """
    if isinstance(region, str) and region == "demo":
        return _load_cached(str(DEMO_REGION_PATH))
    path = Path(region)
    if not path.is_file():
        raise InputError("region not found", [Problem("no such file", file=str(path), field="--region",
                                                      fix="give 'demo' or the path of a region YAML file")])
    return _load_cached(str(path.resolve()))


@cache
def _load_cached(path: str) -> Region:
    ps = load_paramset(path)
    return parse_region(ps, path)


# --- layout: stations, points, links --------------------------------------------------------------------------


@dataclass(frozen=True)
class PointDef:
    """A monitoring point (测点) of the synthetic plant.

    Attributes
    ----------
    code : KJ point code (测点编码).
    station : station code.
    quantity : registry quantity (``ch4_pct``, ``flow_mixed`` …).
    signal : which simulated signal it reports: ``ch4``, ``flow``, ``pure``, ``p``, ``t``, ``counter``, ``air``,
        ``fan``.
    sensor_type, sensor_name : KJ 传感器类型 code and its Chinese name (CDSS field 1).
    kj_system : KJ 系统编码 (``01`` safety monitoring, ``02`` drainage).
    value_type : ``MN`` (analog) or ``LJ`` (cumulative).
    unit : unit string of the readings (as in CDDY/CDSS and the registry).
    meter : ``working``, ``0C`` or ``20C`` for flows and cumulatives; None otherwise.
    pressure_kind : ``gauge`` for pressure points, else None.
    counter_reset : ``none``/``daily``/``monthly`` for cumulatives, else None.
    range_low, range_high : instrument range in ``unit``.
    decimals : resolution of the sent value (decimal places).
    location : 测点安装位置 (CDSS field 2, registry ``name_zh``).
    substation : KJ 分站编码.
    """

    code: str
    station: str
    quantity: str
    signal: str
    sensor_type: str
    sensor_name: str
    kj_system: str
    value_type: str
    unit: str
    meter: str | None
    pressure_kind: str | None
    counter_reset: str | None
    range_low: float | None
    range_high: float | None
    decimals: int
    location: str
    substation: str
    alarm: tuple[str, str, str, str] = ("", "", "", "")


@dataclass(frozen=True)
class StationDef:
    """A measurement station (测站).

    ``kind`` says how it is simulated: ``main`` (drainage main), ``vent`` (vent stack), ``inlet`` (unit inlet
    fed by a drainage system ``source``), ``vam_inlet`` (oxidiser inlet fed by shaft ``source``), ``outlet``
    (enrichment product), ``shaft`` (return shaft).
    """

    code: str
    name_zh: str
    name_en: str
    role: str
    drainage_system: str
    primary_measurement: str
    unit_code: str | None
    kind: str
    source: str | None
    meter: str
    flow_unit: str


@dataclass(frozen=True)
class LinkDef:
    """A gas-network edge: station → station or station → unit."""

    from_station: str
    to_station: str | None
    to_unit: str | None


@dataclass(frozen=True)
class MineLayout:
    """Derived plant of one mine: stations, points (in a fixed order), all units (incl. vent stacks), links."""

    mine: MineDef
    stations: tuple[StationDef, ...]
    points: tuple[PointDef, ...]
    units: tuple[UnitDef, ...]
    links: tuple[LinkDef, ...]
    configs: tuple[PointConfigDef, ...] = field(default=())

    def station(self, code: str) -> StationDef:
        for s in self.stations:
            if s.code == code:
                return s
        raise KeyError(code)

    def points_of(self, station: str) -> tuple[PointDef, ...]:
        return tuple(p for p in self.points if p.station == station)


@dataclass(frozen=True)
class PointConfigDef:
    """One validity interval of a point's meter configuration (registry ``point_configs``)."""

    point_code: str
    valid_from: datetime
    valid_to: datetime | None
    unit: str
    meter: str | None
    pressure_kind: str | None
    counter_reset: str | None
    range_low: float | None
    range_high: float | None


_SENSOR_NAMES = {
    "0001": "环境瓦斯", "0003": "环境温度", "0006": "负压", "0019": "风量", "0022": "管道瓦斯",
    "0023": "管道温度", "0025": "管道压力", "0036": "混合瓦斯流量", "0037": "纯瓦斯流量", "0040": "管道流量",
    "0055": "瓦斯日累计纯量", "0056": "瓦斯月累计纯量", "3002": "瓦斯抽放量",
}
"""Chinese names of the KJ sensor-type codes used here (research note china-monitoring-formats §4.3)."""

_SYS_ZH = {"high": "高负压", "low": "低负压"}
_SYS_EN = {"high": "high-suction", "low": "low-suction"}


def _nice_ceil(x: float) -> float:
    """Round a range bound up to 1, 2 or 5 × 10ⁿ."""
    if x <= 0:
        return 1.0
    e = 10.0 ** math.floor(math.log10(x))
    for f in (1.0, 2.0, 5.0, 10.0):
        if f * e >= x:
            return f * e
    return 10.0 * e  # pragma: no cover


def _flow_factor(unit: str) -> float:
    return 60.0 if unit == "m³/h" else 1.0


def mine_layout(m: MineDef) -> MineLayout:
    """Derive the stations, points, units (with implied vent stacks), links and meter configurations of a mine.

    The order of stations and points is fixed (drainage systems high then low: main, vent, unit inlets; then
    return shafts), so point codes and the KJ record order are stable.
    """
    stations: list[StationDef] = []
    points: list[PointDef] = []
    links: list[LinkDef] = []
    units: list[UnitDef] = list(m.units)
    st_no = 0

    def add_point(station: StationDef, quantity: str, signal: str, sensor: str, unit: str, *, meter: str | None = None,
                  pressure_kind: str | None = None, counter_reset: str | None = None, lo: float | None = None,
                  hi: float | None = None, decimals: int = 2, kj_system: str = "02", value_type: str = "MN",
                  location: str = "", alarm: tuple[str, str, str, str] = ("", "", "", "")) -> None:
        n = sum(1 for p in points if p.station == station.code) + 1
        code = f"{m.code}{kj_system}{value_type}{sensor}{st_no:05d}{n:03d}"
        substation = f"{m.code}{(1 if kj_system == '01' else 7):02d}{st_no:03d}"
        points.append(PointDef(code, station.code, quantity, signal, sensor, _SENSOR_NAMES[sensor], kj_system,
                               value_type, unit, meter, pressure_kind, counter_reset, lo, hi, decimals,
                               location or station.name_zh, substation, alarm))

    def flow_points(st: StationDef, design_nm3_min: float, with_pt: bool, *, p_lo: float, p_hi: float,
                    ch4_alarm: tuple[str, str, str, str] = ("", "", "", "")) -> None:
        add_point(st, "ch4_pct", "ch4", "0022", "%CH4", lo=0.0, hi=100.0, location=st.name_zh + "甲烷",
                  alarm=ch4_alarm)
        fu = st.flow_unit
        hi = _nice_ceil(2.5 * design_nm3_min * 1.35 * _flow_factor(fu))
        add_point(st, "flow_mixed", "flow", "0036", fu, meter=st.meter, lo=0.0, hi=hi,
                  location=st.name_zh + "混合流量")
        if with_pt:
            add_point(st, "pressure", "p", "0025", "kPa", pressure_kind="gauge", lo=p_lo, hi=p_hi, decimals=1,
                      location=st.name_zh + ("负压" if p_hi <= 0 else "压力"))
            add_point(st, "temperature", "t", "0023", "℃", lo=0.0, hi=100.0, decimals=1,
                      location=st.name_zh + "温度")

    for s in m.drainage:
        st_no += 1
        main = StationDef(f"{s.tag}-MAIN", f"地面泵站{_SYS_ZH[s.system]}总管", f"{_SYS_EN[s.system]} drainage main",
                          "drainage_main", s.system, s.primary, None, "main", s.system, s.flow_meter, s.flow_unit)
        stations.append(main)
        flow_points(main, s.mixed_nm3_min, True, p_lo=-100.0, p_hi=0.0,
                    ch4_alarm=("", "", "", "") if s.system == "low" else ("", "", "25.00", "26.00"))
        if s.pure_meter:
            hi = _nice_ceil(2.5 * s.pure_nm3_min * 1.35 * _flow_factor(s.flow_unit))
            add_point(main, "flow_pure", "pure", "0037", s.flow_unit, meter=s.flow_meter, lo=0.0, hi=hi,
                      location=main.name_zh + "纯流量")
        if s.counter is not None:
            sensor = "3002"
            if s.counter_quantity == "cumulative_pure" and s.counter == "daily":
                sensor = "0055"
            elif s.counter_quantity == "cumulative_pure" and s.counter == "monthly":
                sensor = "0056"
            add_point(main, s.counter_quantity, "counter", sensor, s.counter_unit, meter=s.counter_ref,
                      counter_reset=s.counter, decimals=1 if s.counter_unit == "m³" else 4, value_type="LJ",
                      location=main.name_zh + ("累计纯量" if s.counter_quantity == "cumulative_pure" else "累计抽放量"))
        # units fed by this system (in priority order), then the vent stack
        fed = sorted((u for u in m.units if s.system in u.drained_sources), key=lambda u: (u.priority, u.code))
        for u in fed:
            st_no += 1
            multi = len(u.sources) > 1
            code = f"{u.code}-IN-{s.tag}" if multi else f"{u.code}-IN"
            role = "flare_inlet" if u.kind == "flare" else "unit_inlet"
            inlet = StationDef(code, f"{u.name_zh}{_SYS_ZH[s.system] if multi else ''}进气",
                               f"{u.name_en or u.code} inlet" + (f" ({_SYS_EN[s.system]})" if multi else ""),
                               role, s.system, "mixed_flow_x_ch4", u.code, "inlet", s.system, u.inlet_meter,
                               u.inlet_unit)
            stations.append(inlet)
            design = min(u.capacity_flow_nm3_min, s.mixed_nm3_min)
            flow_points(inlet, design, u.inlet_meter == "working", p_lo=0.0, p_hi=50.0)
            links.append(LinkDef(main.code, inlet.code, None))
            links.append(LinkDef(inlet.code, None, u.code))
            if u.technology == "vpsa":
                st_no += 1
                out = StationDef(f"{u.code}-OUT", f"{u.name_zh}产品气", f"{u.name_en or u.code} product gas",
                                 "unit_outlet", s.system, "mixed_flow_x_ch4", u.code, "outlet", s.system, "0C",
                                 u.inlet_unit)
                stations.append(out)
                flow_points(out, design * 0.5, False, p_lo=0.0, p_hi=50.0)
        st_no += 1
        vent_unit = UnitDef(
            code=f"VENT-{s.tag}", name_zh=f"{_SYS_ZH[s.system]}放空管", name_en=f"{_SYS_EN[s.system]} vent stack",
            kind="vent_stack", technology="vent", feeds="drained", sources=(s.system,), priority=999,
            capacity_flow_nm3_min=1e9, capacity_el_kw=None, capacity_heat_kw=None, ch4_min_pct=0.0,
            ch4_max_pct=100.0, destruction_efficiency_frac=0.0, heat_used=False, safe_transport=False,
            status="operating", commissioned_on=None, inlet_meter=s.vent_meter, inlet_unit="m³/min",
            inlet_kpa=1.0, outages_per_month=0.0, season="all", offseason_frac=1.0, duty_frac=1.0,
            blend_target_pct=None, product_ch4_pct=None, recovery_frac=None)
        units.append(vent_unit)
        vent = StationDef(f"{s.tag}-VENT", f"{_SYS_ZH[s.system]}放空管", f"{_SYS_EN[s.system]} vent stack",
                          "vent_stack", s.system, "mixed_flow_x_ch4", None, "vent", s.system, s.vent_meter, "m³/min")
        stations.append(vent)
        flow_points(vent, s.mixed_nm3_min, s.vent_meter == "working", p_lo=0.0, p_hi=20.0)
        links.append(LinkDef(main.code, vent.code, None))
        links.append(LinkDef(vent.code, None, vent_unit.code))
    for r in m.shafts:
        st_no += 1
        sh = StationDef(r.code, r.name_zh, r.name_en or r.code, "return_shaft", "none", "air_flow_x_ch4", None,
                        "shaft", r.code, "working", "m³/min")
        stations.append(sh)
        add_point(sh, "ch4_pct", "ch4", "0001", "%CH4", lo=0.0, hi=4.0, kj_system="01",
                  location=r.name_zh + "甲烷", alarm=("0.75", "0.70", "", ""))
        add_point(sh, "air_flow", "air", "0019", "m³/min", meter="working", lo=0.0,
                  hi=_nice_ceil(r.air_m3_min * 1.5), decimals=0, kj_system="01", location=r.name_zh + "风量")
        add_point(sh, "temperature", "t", "0003", "℃", lo=-40.0, hi=60.0, decimals=1, kj_system="01",
                  location=r.name_zh + "温度")
        add_point(sh, "pressure", "fan", "0006", "Pa", pressure_kind="gauge", lo=-6000.0, hi=0.0, decimals=0,
                  kj_system="01", location=r.name_zh + "负压")
        for u in m.units:
            if r.code in u.vam_sources:
                st_no += 1
                vi = StationDef(f"{u.code}-IN-{r.code}", f"{u.name_zh}乏风进气", f"{u.name_en or u.code} VAM inlet",
                                "unit_inlet", "none", "air_flow_x_ch4", u.code, "vam_inlet", r.code, "20C", "m³/h")
                stations.append(vi)
                add_point(vi, "ch4_pct", "ch4", "0022", "%CH4", lo=0.0, hi=4.0, location=vi.name_zh + "甲烷")
                add_point(vi, "air_flow", "air", "0040", "m³/h", meter="20C", lo=0.0,
                          hi=_nice_ceil(u.capacity_flow_nm3_min * 60.0 * 1.2), decimals=0,
                          location=vi.name_zh + "流量")
                links.append(LinkDef(sh.code, vi.code, None))
                links.append(LinkDef(vi.code, None, u.code))
    layout = MineLayout(m, tuple(stations), tuple(points), tuple(units), tuple(links))
    return MineLayout(m, layout.stations, layout.points, layout.units, layout.links, _configs(layout))


def _configs(layout: MineLayout) -> tuple[PointConfigDef, ...]:
    """Meter configuration intervals of every point: one open interval from :data:`CONFIG_EPOCH`, split at each
    dated meter change of the point's station."""
    out: list[PointConfigDef] = []
    for p in layout.points:
        changes = sorted((c for c in layout.mine.meter_changes if c.station == p.station and c.quantity == p.quantity),
                         key=lambda c: c.at)
        start: datetime = CONFIG_EPOCH
        unit, meter, hi = p.unit, p.meter, p.range_high
        for c in changes:
            out.append(PointConfigDef(p.code, start, c.at, unit, meter, p.pressure_kind, p.counter_reset,
                                      p.range_low, hi))
            start, unit, meter, hi = c.at, c.unit, c.flow_meter, c.range_high
        out.append(PointConfigDef(p.code, start, None, unit, meter, p.pressure_kind, p.counter_reset, p.range_low,
                                  hi))
    return tuple(out)


def config_at(layout: MineLayout, point_code: str, at: datetime) -> PointConfigDef:
    """The configuration of a point valid at ``at``."""
    for c in layout.configs:
        if c.point_code == point_code and c.valid_from <= at and (c.valid_to is None or at < c.valid_to):
            return c
    raise KeyError(f"no configuration of {point_code} at {at.isoformat()}")


def to_utc(d: datetime) -> datetime:
    """An aware datetime in UTC."""
    return d.astimezone(UTC)
