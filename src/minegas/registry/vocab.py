"""Controlled vocabularies of the registry and the unit table of point configurations.

Every enumerated registry column is a plain string checked against one tuple here (by the importer, with a
located message) and by a CHECK constraint in the database. Labels are (中文, English) pairs for tables and
reports.

The unit table (:data:`UNITS`, :func:`normalise_unit`) turns the unit strings found in monitoring systems and
meter documentation (``%CH4``, ``m3/min``, ``万m³``, ``℃`` …; research note china-monitoring-formats §4.8) into
one canonical spelling plus the exact linear map to the canonical unit of the point's quantity::

    value_in_canonical_unit = value_in_unit × factor + offset

(``offset`` is non-zero only for K → °C). Factors are exact rational numbers (:class:`fractions.Fraction`) turned
into floats once, so e.g. kWh → GJ is exactly 0.0036.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction

# --- enumerations ---------------------------------------------------------------------------------------------

REGION_LEVELS: tuple[str, ...] = ("province", "city", "county")
"""Administrative level of a region (省 / 市 / 县(市、区))."""

REGION_LEVEL_RANK = {"province": 0, "city": 1, "county": 2}
"""A region's parent must have a lower rank (a county sits under a city or a province)."""

OWNERSHIPS: tuple[str, ...] = ("central-soe", "provincial-soe", "municipal-soe", "private", "foreign", "other")
"""Enterprise ownership (央企 / 省属国企 / 市属国企 / 民营 / 外资 / 其他)."""

GAS_CLASSES: tuple[str, ...] = ("high", "outburst", "low")
"""Mine gas classification (高瓦斯 / 煤与瓦斯突出 / 低瓦斯)."""

MINING_METHODS: tuple[str, ...] = ("underground", "surface")
"""井工 / 露天."""

MINE_STATUSES: tuple[str, ...] = ("producing", "construction", "suspended", "closed", "abandoned")
"""生产 / 在建 / 停产 / 关闭 / 废弃."""

STATION_ROLES: tuple[str, ...] = (
    "drainage_main", "drainage_branch", "pump_outlet", "return_shaft", "unit_inlet", "unit_outlet",
    "flare_inlet", "vent_stack", "transfer_out", "safety_conveyance_inlet",
)
"""Role of a measurement station (测站) in the gas network."""

UNIT_ROLES: tuple[str, ...] = ("unit_inlet", "unit_outlet", "flare_inlet")
"""Station roles that belong to one unit: a station with one of these roles must name its ``unit_code``."""

DRAINAGE_SYSTEMS: tuple[str, ...] = ("high", "low", "none")
"""Drainage system of a station: high-suction (高负压), low-suction (低负压) or none."""

PRIMARY_MEASUREMENTS: tuple[str, ...] = (
    "pure_flow", "mixed_flow_x_ch4", "cumulative_pure", "cumulative_mixed", "air_flow_x_ch4",
)
"""Which measurement of a station counts; the others are cross-checks (nothing is counted twice)."""

QUANTITIES: tuple[str, ...] = (
    "ch4_pct", "flow_mixed", "flow_pure", "pressure", "temperature", "cumulative_mixed", "cumulative_pure",
    "air_flow", "wind_speed", "power_kw", "energy_kwh", "heat_kw", "heat_gj", "outlet_ch4_ppm", "co_ppm",
    "state",
)
"""What a monitoring point (测点) measures."""

FLOW_QUANTITIES: tuple[str, ...] = ("flow_mixed", "flow_pure", "cumulative_mixed", "cumulative_pure", "air_flow")
"""Quantities whose configuration must say ``flow_basis`` (working or reference state)."""

CUMULATIVE_QUANTITIES: tuple[str, ...] = ("cumulative_mixed", "cumulative_pure")
"""Totaliser (累计量) quantities: they take ``counter_reset`` and ``counter_max``."""

FLOW_BASES: tuple[str, ...] = ("working", "reference")
"""工况 (line conditions) or a reference state (标况)."""

REF_STATES: tuple[str, ...] = ("0C", "20C", "60F")
"""Reference-state names of docs/conventions.md §1 (minegas.physics.states.REF_STATES)."""

PRESSURE_KINDS: tuple[str, ...] = ("absolute", "gauge")
"""Absolute pressure, or gauge pressure relative to the local barometric pressure (负压 is negative gauge)."""

INTEGRATIONS: tuple[str, ...] = ("trapezoid", "hold")
"""How a rate is integrated between two readings: trapezoid rule, or hold the earlier value (step)."""

COUNTER_RESETS: tuple[str, ...] = ("none", "daily", "monthly")
"""When a cumulative counter returns to zero by design (日累计 / 月累计)."""

UNIT_KINDS: tuple[str, ...] = ("utilization", "flare", "vent_stack", "offsite_transfer")
"""Every sink of gas: utilization unit (利用装置), flare (火炬), vent stack (放空管), off-site transfer (外输)."""

FEEDS: tuple[str, ...] = ("drained", "vam", "blend")
"""What a unit burns: drained gas (抽采瓦斯), ventilation air methane (乏风, VAM) or a blend."""

UNIT_STATUSES: tuple[str, ...] = ("operating", "construction", "standby", "retired")
"""运行 / 在建 / 备用 / 退役."""

CALIBRATION_KINDS: tuple[str, ...] = ("calibration", "verification", "zero-span", "replacement")
"""校准 / 检定 / 调零调校 / 更换."""

CALIBRATION_RESULTS: tuple[str, ...] = ("pass", "fail", "adjusted")
"""合格 / 不合格 / 已调整."""

TECHNOLOGIES: dict[str, tuple[str, str]] = {
    "gas-engine": ("瓦斯发电机组", "gas engine"),
    "low-conc-gas-engine": ("低浓度瓦斯发电机组", "low-concentration gas engine"),
    "gas-turbine": ("燃气轮机", "gas turbine"),
    "lean-burn-turbine": ("贫燃燃气轮机", "lean-burn gas turbine"),
    "boiler": ("瓦斯锅炉", "gas boiler"),
    "civil-gas": ("民用燃气", "residential gas supply"),
    "industrial-fuel": ("工业燃料", "industrial fuel"),
    "cng": ("压缩天然气(CNG)", "compressed natural gas (CNG)"),
    "lng": ("液化天然气(LNG)", "liquefied natural gas (LNG)"),
    "pipeline": ("管道输送", "pipeline"),
    "thermal-island": ("蓄热氧化热岛", "thermal island (regenerative oxidation)"),
    "porous-media-boiler": ("多孔介质燃烧锅炉", "porous-media combustion boiler"),
    "rto-vam": ("乏风蓄热氧化(RTO)", "regenerative thermal oxidiser for VAM"),
    "catalytic-oxidation": ("催化氧化", "catalytic oxidation"),
    "vpsa": ("变压吸附提浓(VPSA)", "vacuum pressure-swing adsorption enrichment"),
    "cryogenic-enrichment": ("深冷提浓", "cryogenic enrichment"),
    "flare-enclosed": ("封闭式火炬", "enclosed flare"),
    "flare-open": ("开放式火炬", "open flare"),
    "vent": ("放空", "vent"),
    "offsite": ("外输", "off-site transfer"),
}
"""Technology catalog keys (placeholder: the utilization catalog will back these with data)."""

KIND_TECHNOLOGIES: dict[str, tuple[str, ...]] = {
    "flare": ("flare-enclosed", "flare-open"),
    "vent_stack": ("vent",),
    "offsite_transfer": ("offsite", "pipeline", "cng", "lng"),
    "utilization": tuple(k for k in TECHNOLOGIES if k not in ("flare-enclosed", "flare-open", "vent", "offsite")),
}
"""Technologies that fit each unit kind (a flare is a flare-*; a vent stack is 'vent')."""

LABELS: dict[str, tuple[str, str]] = {
    # region levels
    "province": ("省", "province"), "city": ("市", "city"), "county": ("县(市、区)", "county"),
    # gas classes
    "high": ("高瓦斯", "high-gas"), "outburst": ("煤与瓦斯突出", "outburst"), "low": ("低瓦斯", "low-gas"),
    # mine status
    "producing": ("生产", "producing"), "construction": ("在建", "construction"),
    "suspended": ("停产", "suspended"), "closed": ("关闭", "closed"), "abandoned": ("废弃", "abandoned"),
    "underground": ("井工", "underground"), "surface": ("露天", "surface"),
    # station roles
    "drainage_main": ("抽采干管", "drainage main"), "drainage_branch": ("抽采支管", "drainage branch"),
    "pump_outlet": ("泵站出口", "pump outlet"), "return_shaft": ("回风井", "return shaft"),
    "unit_inlet": ("装置进口", "unit inlet"), "unit_outlet": ("装置出口", "unit outlet"),
    "flare_inlet": ("火炬进口", "flare inlet"), "vent_stack": ("放空管", "vent stack"),
    "transfer_out": ("外输", "transfer out"), "safety_conveyance_inlet": ("安全输送进口", "safety conveyance inlet"),
    # unit kinds
    "utilization": ("利用", "utilization"), "flare": ("火炬", "flare"), "offsite_transfer": ("外输", "off-site"),
    "operating": ("运行", "operating"), "standby": ("备用", "standby"), "retired": ("退役", "retired"),
}
"""(中文, English) labels of enumeration values."""


# --- units ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UnitDef:
    """One accepted unit.

    Attributes
    ----------
    spelling : canonical spelling stored in the registry (e.g. ``m³/min``).
    dimension : what it measures (``fraction``, ``flow``, ``volume``, ``pressure``, ``temperature``,
        ``power``, ``energy``, ``speed``).
    to_base : exact factor to the dimension's base unit (fraction: 1 = 100 %; flow: m³/min; volume: m³;
        pressure: kPa; temperature: °C; power: kW; energy: kWh; speed: m/s).
    offset : added after scaling to reach the base unit (K → °C: −273.15); 0 otherwise.
    """

    spelling: str
    dimension: str
    to_base: Fraction
    offset: Fraction = Fraction(0)


_U = UnitDef
UNITS: dict[str, UnitDef] = {
    # key: the spelling after NFKC normalisation (％ → %, m³ → m3, ℃ → °C) and removal of white space
    "%": _U("%", "fraction", Fraction(1, 100)),
    "%CH4": _U("%", "fraction", Fraction(1, 100)),
    "ppm": _U("ppm", "fraction", Fraction(1, 10**6)),
    "m3/min": _U("m³/min", "flow", Fraction(1)),
    "Nm3/min": _U("Nm³/min", "flow", Fraction(1)),
    "m3/h": _U("m³/h", "flow", Fraction(1, 60)),
    "m3": _U("m³", "volume", Fraction(1)),
    "万m3": _U("万m³", "volume", Fraction(10**4)),          # 万 = 10⁴ (docs/conventions.md §5)
    "kPa": _U("kPa", "pressure", Fraction(1)),
    "Pa": _U("Pa", "pressure", Fraction(1, 1000)),
    "MPa": _U("MPa", "pressure", Fraction(1000)),
    "°C": _U("°C", "temperature", Fraction(1)),
    "K": _U("K", "temperature", Fraction(1), Fraction(-27315, 100)),  # T[°C] = T[K] − 273.15 (definition)
    "kW": _U("kW", "power", Fraction(1)),
    "kWh": _U("kWh", "energy", Fraction(1)),
    "MWh": _U("MWh", "energy", Fraction(1000)),
    "GJ": _U("GJ", "energy", Fraction(10**9, 3_600_000)),    # 1 kWh = 3.6 MJ exactly
    "m/s": _U("m/s", "speed", Fraction(1)),
}
"""Accepted unit spellings (after normalisation) and their definitions."""

ACCEPTED_UNIT_SPELLINGS: tuple[str, ...] = (
    "%", "%CH4", "％", "ppm", "m³/min", "m3/min", "Nm³/min", "m³/h", "m3/h", "m³", "m3", "万m³", "kPa", "Pa",
    "MPa", "℃", "°C", "K", "kW", "kWh", "MWh", "GJ", "m/s",
)
"""The spellings documented as accepted (all of them normalise to a key of :data:`UNITS`)."""

QUANTITY_UNITS: dict[str, tuple[str, str] | None] = {
    "ch4_pct": ("fraction", "%"),
    "flow_mixed": ("flow", "m³/min"),
    "flow_pure": ("flow", "m³/min"),
    "air_flow": ("flow", "m³/min"),
    "cumulative_mixed": ("volume", "m³"),
    "cumulative_pure": ("volume", "m³"),
    "pressure": ("pressure", "kPa"),
    "temperature": ("temperature", "°C"),
    "wind_speed": ("speed", "m/s"),
    "power_kw": ("power", "kW"),
    "heat_kw": ("power", "kW"),
    "energy_kwh": ("energy", "kWh"),
    "heat_gj": ("energy", "GJ"),
    "outlet_ch4_ppm": ("fraction", "ppm"),
    "co_ppm": ("fraction", "ppm"),
    "state": None,
}
"""Dimension and canonical unit of each quantity (``state`` points carry no unit)."""

_CANONICAL_DEF: dict[str, UnitDef] = {d.spelling: d for d in UNITS.values()}

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class NormalisedUnit:
    """A unit string resolved for one quantity.

    Attributes
    ----------
    unit : canonical spelling of the given unit (e.g. ``m³/h`` for ``m3/h``).
    canonical_unit : the canonical unit of the quantity (e.g. ``m³/min``).
    factor, offset : ``value_canonical = value × factor + offset``.
    """

    unit: str
    canonical_unit: str
    factor: float
    offset: float


class UnitError(ValueError):
    """A unit string that is not understood, or that does not fit the quantity. ``fix`` says what to do."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


def unit_key(text: str) -> str:
    """Normalisation used for lookup: Unicode NFKC (full-width → ASCII, ³ → 3, ℃ → °C) and no white space."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def lookup_unit(text: str) -> UnitDef:
    """The :class:`UnitDef` of a unit string.

    Raises
    ------
    UnitError
        "unit not understood" for anything outside :data:`ACCEPTED_UNIT_SPELLINGS` (matching is case-sensitive:
        ``MWh`` and ``mWh`` are different units).
    """
    d = UNITS.get(unit_key(text))
    if d is None:
        raise UnitError("unit not understood", "use one of " + ", ".join(ACCEPTED_UNIT_SPELLINGS))
    return d


def normalise_unit(text: str, quantity: str) -> NormalisedUnit:
    """Resolve a unit string for a point measuring ``quantity``.

    Parameters
    ----------
    text : the unit as written (``%CH4``, ``m3/h``, ``万m³``, ``℃`` …).
    quantity : one of :data:`QUANTITIES` other than ``state``.

    Returns
    -------
    NormalisedUnit with the canonical spelling and the exact factor/offset to the quantity's canonical unit,
    e.g. ``m3/h`` for ``flow_mixed`` → (``m³/h``, ``m³/min``, 1/60, 0); ``万m³`` → ×10⁴; ``Pa`` → ×0.001.

    Raises
    ------
    UnitError
        If the unit is not understood or measures something else than the quantity.
    """
    d = lookup_unit(text)
    target = QUANTITY_UNITS.get(quantity)
    if target is None:
        raise UnitError(f"quantity {quantity!r} takes no unit", "leave the unit empty")
    dim, canonical = target
    if d.dimension != dim:
        fits = sorted({s for s, u in _accepted_by_key().items() if UNITS[u].dimension == dim})
        raise UnitError(f"unit does not fit quantity {quantity!r} (a {d.dimension} unit, expected {dim})",
                        "use one of " + ", ".join(fits))
    c = _CANONICAL_DEF[canonical]
    factor = d.to_base / c.to_base
    offset = (d.offset - c.offset) / c.to_base
    return NormalisedUnit(d.spelling, canonical, float(factor), float(offset))


def _accepted_by_key() -> dict[str, str]:
    return {s: unit_key(s) for s in ACCEPTED_UNIT_SPELLINGS}

