"""The mine methane balance (甲烷平衡) and its roll-ups to enterprise, county, city, province and region.

Per mine and period, from station totals (:mod:`minegas.accounting.totals`, pure CH4 Nm³ at 0 °C) and the
registry (station roles, the ``gas_link`` topology valid on each CST day, unit kinds, destruction efficiencies,
coal production, gas class):

- **drained** (抽采量) by drainage system = Σ drainage mains (their branches when a system has no main)
  = **utilized** (利用, by unit) + **flared** (火炬) + **vented** (放空) + **transferred** (外输) + **residual**
  (未平衡量: drained − the metered outflows; 0 when every flow is metered and the meters agree);
- **VAM liberated** (风排瓦斯) = Σ return shafts = **VAM oxidized** (fed to units, 乏风氧化) + **VAM released**;
- **destroyed** (销毁量) = Σ unit inputs × destruction efficiency (registry, capped or fixed by the methodology),
  or inlet − measured outlet CH4 where a unit has an outlet station; enrichment units (VPSA, cryogenic) pass their
  measured product on — it counts as destroyed by its downstream use (the off-site convention, [U]) and their
  tail gas (inlet − product) as released;
- **emitted** underground = vented + VAM released + unburnt slip (unit inputs − destroyed) + a positive
  residual (unmetered outflow, counted as emitted — conservative, our assumption [U]); plus **post-mining**
  (采后活动) = coal production × the methodology's factor by gas class;
- **rates**: utilization used/drained (Chinese convention, used = utilized + transferred) and used/liberated,
  drainage rate 抽采率 = drained / (drained + VAM liberated) [U: 煤矿瓦斯抽采达标暂行规定 (2011) as recalled];
- **CO2e** under the three named conventions of docs/conventions.md §3 (gross on emitted, net and displaced on
  destroyed), with the GWP set and horizon recorded.

Topology is resolved per CST day with the links valid at the day's start (a link changing during a day applies
from the next day). Masses use the methodology's **named** density at its own state (0 °C volumes are converted
to 20 °C for ``ipcc-2006`` and to 60 °F for ``epa-ff`` first — never two densities in one figure).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa

from minegas.accounting.gaps import GapRule
from minegas.errors import InputError, MethodologyError, Problem
from minegas.periods import CST, parse_period
from minegas.physics.climate import co2e_displaced_t, co2e_gross_t, co2e_net_t, gwp
from minegas.physics.density import Density, resolve_density
from minegas.physics.states import convert_state

if TYPE_CHECKING:
    from minegas.measurements.store import Store
    from minegas.registry.repository import GasLinkInfo, MineInfo, StationInfo, UnitInfo

Category = Literal["drained", "utilized", "flared", "vented", "transferred", "vam_liberated", "vam_oxidized"]
CATEGORIES: tuple[str, ...] = ("drained", "utilized", "flared", "vented", "transferred", "vam_liberated",
                               "vam_oxidized")
CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "drained": ("抽采量", "drained"), "utilized": ("利用量", "utilized"), "flared": ("火炬燃烧", "flared"),
    "vented": ("放空量", "vented"), "transferred": ("外输量", "transferred off site"),
    "vam_liberated": ("风排瓦斯", "VAM liberated"), "vam_oxidized": ("乏风氧化", "VAM oxidized"),
}

RESIDUAL_TOL_FRAC = 1e-9
"""A residual within this fraction of the system's drained CH4 is reported as exactly 0: it is below the
integration's own resolution (totals agree with the exact reference to 1e-9 relative; noise-free synthetic data
close to ~1e-12)."""

ENRICHMENT_TECHNOLOGIES = ("vpsa", "cryogenic-enrichment")
"""Units whose outlet station measures a product gas passed on to another use (not an exhaust)."""

OFFSITE_DE_FRAC = 1.0
"""Destruction efficiency credited to gas transferred off site, and to an enrichment unit's product: 40 CFR 98.323
Eq. FF-5 sets 1 for off-site transfers [V]; applying it to other methodologies and to enrichment products is our
convention [U] (the gas is used — and destroyed — outside the mine's boundary)."""

SYSTEM_LABELS: dict[str, tuple[str, str]] = {"high": ("高负压抽采系统", "high-suction drainage"),
                                            "low": ("低负压抽采系统", "low-suction drainage"),
                                            "none": ("其他", "other")}


@dataclass(frozen=True)
class BalanceMethod:
    """How a methodology counts the balance: density, defaults, destruction conventions, post-mining factors.

    Attributes
    ----------
    key : short name used by the API and CLI (``cn-2015``, ``ipcc-2006``, ``epa-ff``, ``ccer-10-001``,
        ``physical``).
    methodology_id, version : as recorded in every result (the methodology modules' ids).
    density : named CH4 density (docs/conventions.md §2); volumes are converted to its state first.
    gwp_default : the regime's GWP set (None: the caller must name one).
    gap_rule : default gap rule (``exclude``: gaps missing; ``epa_98_325`` for Subpart FF).
    de_cap : cap on any on-site destruction efficiency (FF-5: 0.99) or None.
    flare_de : destruction efficiency of flares fixed by the methodology (China 2015: carbon oxidation 0.98 [S]),
        None = the registry's.
    post_mining : ``cn-2015`` (kg CH4/t by gas class), ``ipcc-2006`` (Tier 1 m³/t at 20 °C by level) or ``none``.
    """

    key: str
    methodology_id: str
    version: str
    density: str
    gwp_default: str | None
    gap_rule: str
    de_cap: float | None = None
    flare_de: float | None = None
    post_mining: str = "none"
    note: str = ""


def _methods() -> dict[str, BalanceMethod]:
    from minegas.accounting.methods import ccer_cmm, cn_guideline, epa_ff, ipcc

    return {
        "cn-2015": BalanceMethod(
            "cn-2015", cn_guideline.METHODOLOGY_ID, cn_guideline.VERSION, cn_guideline.DENSITY_NAME,
            cn_guideline.GWP_SET_DEFAULT, "exclude", flare_de=cn_guideline.FLARE_OXIDATION_FRAC_DEFAULT,
            post_mining="cn-2015",
            note="NDRC 2015 guideline [S]: 7.17 t/10⁴ Nm³, SAR, flare oxidation 0.98, post-mining kg/t by gas class"),
        "ipcc-2006": BalanceMethod(
            "ipcc-2006", ipcc.METHODOLOGY_ID, ipcc.VERSION, ipcc.DENSITY_NAME, "AR5", "exclude",
            post_mining="ipcc-2006",
            note="Tier 3 measured volumes converted to 20 °C × 0.67 kg/m³ [V]; post-mining Tier 1 [U]; GWP AR5 "
                 "default is our choice [U]"),
        "epa-ff": BalanceMethod(
            "epa-ff", epa_ff.METHODOLOGY_ID, epa_ff.VERSION, epa_ff.DENSITY_NAME, "AR5", "epa_98_325",
            de_cap=epa_ff.DE_CAP, post_mining="none",
            note="0 °C volumes converted to 60 °F × 0.0423 lb/scf [V]; DE ≤ 0.99, off-site 1 [V]; 98.325 gaps [V]; "
                 "no post-mining in Subpart FF; GWP default AR5 [U]"),
        "ccer-10-001": BalanceMethod(
            "ccer-10-001", ccer_cmm.METHODOLOGY_ID, ccer_cmm.VERSION, ccer_cmm.CCER_DENSITY_NAME_DEFAULT, None,
            "conservative", post_mining="none",
            note="density 0.716 kg/Nm³ [U]; GWP not defaulted (name it) [U]; conservative gap rule [U]"),
        "physical": BalanceMethod(
            "physical", "MINEGAS-PHYSICAL", "minegas physical balance (real gas 0 °C)", "real-0C", "AR6-fossil",
            "exclude", post_mining="cn-2015",
            note="physical density 0.7175 kg/Nm³; dashboard GWP AR6 fossil; post-mining factors of the China "
                 "guideline"),
    }


METHODS: dict[str, BalanceMethod] = _methods()
"""Balance methodologies by key."""

POST_MINING_IPCC_LEVEL = {"low": "low", "high": "average", "outburst": "high"}
"""IPCC Tier 1 post-mining factor level by Chinese gas class — our mapping [U] (IPCC keys the level to depth)."""


def method(key: str) -> BalanceMethod:
    """A balance methodology by key (:class:`InputError` naming the valid keys otherwise)."""
    try:
        return METHODS[key]
    except KeyError:
        raise InputError("unknown methodology", [Problem(f"no methodology {key!r}", field="methodology", value=key,
                                                         fix=f"use one of {', '.join(METHODS)}")]) from None


def methodology_density(m: BalanceMethod) -> Density:
    """The methodology's density (at its own state)."""
    for state in ("0C", "20C", "60F"):
        try:
            return resolve_density(state, m.density)
        except MethodologyError:
            continue
    raise MethodologyError(f"density {m.density!r} has no reference state")  # pragma: no cover


def mass_t(pure_nm3: float, d: Density) -> float:
    """CH4 mass [t] of a pure CH4 volume at 0 °C with density ``d``: the volume is first converted to the
    density's state (ideal gas, docs/conventions.md §1)."""
    return float(convert_state(pure_nm3, "0C", d.state)) * d.t_per_m3


# --- results ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BalanceLine:
    """One line of the balance: a drainage system, a unit, a vent stack, a transfer point or a return shaft.

    ``code`` is the drainage system (``high``/``low``) for drained lines, the unit code for unit lines (the
    station code when a vent or transfer station has no unit), the shaft station for VAM liberated. Volumes pure
    CH4 (``pure_ch4_nm3``) and mixed gas (``mixed_nm3``) in Nm³ at 0 °C; ``ch4_t`` with the balance's density;
    seconds summed over the line's stations and days.
    """

    category: str
    code: str
    name_zh: str
    name_en: str
    pure_ch4_nm3: float
    ch4_t: float
    mixed_nm3: float
    system: str | None
    stations: tuple[str, ...]
    measured_s: float
    substituted_s: float
    missing_s: float

    @property
    def coverage_frac(self) -> float | None:
        tot = self.measured_s + self.substituted_s + self.missing_s
        return (self.measured_s + self.substituted_s) / tot if tot > 0 else None


@dataclass(frozen=True)
class UnitDestruction:
    """CH4 destroyed by one unit over the period [Nm³ at 0 °C] and how it was counted.

    ``basis``: ``registry DE``, ``DE capped``, ``methodology flare DE``, ``measured outlet``, ``enrichment
    product``, ``off-site transfer`` or ``no DE (0)``.
    """

    unit_code: str
    kind: str
    technology: str
    input_nm3: float
    drained_input_nm3: float
    vam_input_nm3: float
    outlet_nm3: float | None
    de_frac: float | None
    basis: str
    destroyed_nm3: float
    slip_nm3: float
    energy_use: bool


@dataclass(frozen=True)
class Co2eFigure:
    """A CO2e figure with its convention (docs/conventions.md §3): ``gross`` (t CH4 emitted × GWP), ``net`` (t CH4
    destroyed × (GWP − 44/16)) or ``displaced`` (net + MWh × grid EF + GJ × heat EF)."""

    convention: str
    basis: str
    ch4_t: float
    gwp_set: str
    gwp_horizon: int
    co2e_t: float
    power_mwh: float = 0.0
    grid_ef_t_per_mwh: float = 0.0
    heat_gj: float = 0.0
    heat_ef_t_per_gj: float = 0.0
    note: str = ""


@dataclass(frozen=True)
class DailyLine:
    """One CST day of one drainage system (日报): drained (its mains), used (utilized + transferred), flared,
    vented, residual [Nm³ pure CH4], mixed drained and the time-weighted CH4 % of the mains."""

    day: date
    system: str
    stations: tuple[str, ...]
    mixed_nm3: float
    pure_ch4_nm3: float
    mean_ch4_pct: float | None
    utilized_nm3: float
    transferred_nm3: float
    flared_nm3: float
    vented_nm3: float

    @property
    def used_nm3(self) -> float:
        return self.utilized_nm3 + self.transferred_nm3

    @property
    def residual_nm3(self) -> float:
        return self.pure_ch4_nm3 - self.used_nm3 - self.flared_nm3 - self.vented_nm3

    @property
    def utilization_rate_frac(self) -> float | None:
        return self.used_nm3 / self.pure_ch4_nm3 if self.pure_ch4_nm3 > 0 else None


def _ratio(a: float, b: float) -> float | None:
    return a / b if b > 0 else None


@dataclass(frozen=True)
class MineBalance:
    """A mine's methane balance over a period, with every figure's provenance (see the module docstring).

    Volumes ``_nm3`` are pure CH4 at 0 °C / 101.325 kPa; masses ``_t`` use ``density_name`` (at
    ``density_state``). ``lines`` hold the drained / utilized / flared / vented / transferred / VAM lines;
    the sums and rates are properties.
    """

    mine_code: str
    mine_name_zh: str
    mine_name_en: str | None
    enterprise_code: str | None
    county_code: str
    city_code: str | None
    province_code: str | None
    gas_class: str
    period: str
    period_start: datetime
    period_end: datetime
    methodology: str
    methodology_id: str
    methodology_version: str
    density_name: str
    density_kg_m3: float
    density_state: str
    gwp_set: str
    gwp_horizon: int
    gap_rule: str
    lines: tuple[BalanceLine, ...]
    residual_nm3: float
    residual_t: float
    residual_by_system_nm3: dict[str, float]
    destruction: tuple[UnitDestruction, ...]
    destroyed_nm3: float
    destroyed_t: float
    slip_nm3: float
    slip_t: float
    residual_emitted_nm3: float
    emitted_underground_nm3: float
    emitted_underground_t: float
    coal_production_t: float
    post_mining_ef: float
    post_mining_ef_unit: str
    post_mining_ch4_t: float
    co2e: tuple[Co2eFigure, ...]
    daily: tuple[DailyLine, ...] = ()
    coverage_min_frac: float | None = None
    warnings: tuple[str, ...] = ()
    provenance: dict[str, Any] = field(default_factory=dict)

    # --- sums ---
    def _sum(self, category: str, attr: str = "pure_ch4_nm3") -> float:
        return math.fsum(getattr(x, attr) for x in self.lines if x.category == category)

    def lines_of(self, category: str) -> tuple[BalanceLine, ...]:
        return tuple(x for x in self.lines if x.category == category)

    @property
    def drained_nm3(self) -> float:
        return self._sum("drained")

    @property
    def utilized_nm3(self) -> float:
        return self._sum("utilized")

    @property
    def flared_nm3(self) -> float:
        return self._sum("flared")

    @property
    def vented_nm3(self) -> float:
        return self._sum("vented")

    @property
    def transferred_nm3(self) -> float:
        return self._sum("transferred")

    @property
    def used_nm3(self) -> float:
        """Used (利用量) = utilized on site + transferred off site; flaring destroys but does not use."""
        return self.utilized_nm3 + self.transferred_nm3

    @property
    def vam_liberated_nm3(self) -> float:
        return self._sum("vam_liberated")

    @property
    def vam_oxidized_nm3(self) -> float:
        return self._sum("vam_oxidized")

    @property
    def vam_released_nm3(self) -> float:
        return self.vam_liberated_nm3 - self.vam_oxidized_nm3

    @property
    def liberated_nm3(self) -> float:
        """CH4 liberated (瓦斯涌出量) = drained + VAM liberated."""
        return self.drained_nm3 + self.vam_liberated_nm3

    @property
    def closure_nm3(self) -> float:
        """drained − (utilized + flared + vented + transferred + residual): 0 by construction."""
        return self.drained_nm3 - math.fsum([self.utilized_nm3, self.flared_nm3, self.vented_nm3,
                                             self.transferred_nm3, self.residual_nm3])

    @property
    def drained_t(self) -> float:
        return self._sum("drained", "ch4_t")

    @property
    def used_t(self) -> float:
        return self._sum("utilized", "ch4_t") + self._sum("transferred", "ch4_t")

    @property
    def vam_released_t(self) -> float:
        return self._sum("vam_liberated", "ch4_t") - self._sum("vam_oxidized", "ch4_t")

    @property
    def emitted_ch4_t(self) -> float:
        """CH4 emitted including post-mining [t]."""
        return self.emitted_underground_t + self.post_mining_ch4_t

    # --- rates ---
    @property
    def utilization_rate_drained_frac(self) -> float | None:
        """瓦斯利用率 = used / drained (the Chinese convention)."""
        return _ratio(self.used_nm3, self.drained_nm3)

    @property
    def utilization_rate_liberated_frac(self) -> float | None:
        """Used / liberated (drained + VAM)."""
        return _ratio(self.used_nm3, self.liberated_nm3)

    @property
    def drainage_rate_frac(self) -> float | None:
        """抽采率 = drained / liberated [U: definition as recalled]."""
        return _ratio(self.drained_nm3, self.liberated_nm3)

    def co2e_of(self, convention: str) -> Co2eFigure | None:
        return next((c for c in self.co2e if c.convention == convention), None)

    # --- output ---
    def summary(self) -> dict[str, Any]:
        """The headline figures as a flat dict (JSON-ready)."""
        out: dict[str, Any] = {
            "mine_code": self.mine_code, "mine_name_zh": self.mine_name_zh, "period": self.period,
            "methodology": self.methodology, "methodology_id": self.methodology_id, "density": self.density_name,
            "gwp_set": self.gwp_set, "gwp_horizon": self.gwp_horizon, "gap_rule": self.gap_rule,
            "drained_nm3": self.drained_nm3, "utilized_nm3": self.utilized_nm3, "flared_nm3": self.flared_nm3,
            "vented_nm3": self.vented_nm3, "transferred_nm3": self.transferred_nm3, "residual_nm3": self.residual_nm3,
            "used_nm3": self.used_nm3, "vam_liberated_nm3": self.vam_liberated_nm3,
            "vam_oxidized_nm3": self.vam_oxidized_nm3, "vam_released_nm3": self.vam_released_nm3,
            "liberated_nm3": self.liberated_nm3, "destroyed_nm3": self.destroyed_nm3, "slip_nm3": self.slip_nm3,
            "emitted_underground_nm3": self.emitted_underground_nm3,
            "emitted_underground_t": self.emitted_underground_t, "post_mining_ch4_t": self.post_mining_ch4_t,
            "emitted_ch4_t": self.emitted_ch4_t, "destroyed_t": self.destroyed_t,
            "utilization_rate_drained_frac": self.utilization_rate_drained_frac,
            "utilization_rate_liberated_frac": self.utilization_rate_liberated_frac,
            "drainage_rate_frac": self.drainage_rate_frac, "coverage_min_frac": self.coverage_min_frac,
        }
        for c in self.co2e:
            out[f"co2e_{c.convention}_t"] = c.co2e_t
        return out

    def to_dict(self) -> dict[str, Any]:
        """Everything, JSON-ready (datetimes in ISO 8601)."""
        d = asdict(self)
        d["period_start"] = self.period_start.isoformat()
        d["period_end"] = self.period_end.isoformat()
        d["daily"] = [{**asdict(x), "day": x.day.isoformat(), "used_nm3": x.used_nm3,
                       "residual_nm3": x.residual_nm3} for x in self.daily]
        d["summary"] = self.summary()
        return d

    def lines_table(self) -> pa.Table:
        """The balance lines as a table (one row per line)."""
        rows = [{**asdict(x), "stations": ",".join(x.stations), "coverage_frac": x.coverage_frac}
                for x in self.lines]
        return pa.Table.from_pylist(rows) if rows else pa.table({"category": pa.array([], pa.string())})

    def daily_table(self) -> pa.Table:
        """The daily report (日报) rows as a table."""
        rows = [{**asdict(x), "stations": ",".join(x.stations), "used_nm3": x.used_nm3,
                 "residual_nm3": x.residual_nm3, "utilization_rate_frac": x.utilization_rate_frac}
                for x in self.daily]
        return pa.Table.from_pylist(rows) if rows else pa.table({"day": pa.array([], pa.date32())})

    def to_pandas(self) -> Any:
        """The lines as a pandas DataFrame."""
        return self.lines_table().to_pandas()

    def to_polars(self) -> Any:
        """The lines as a polars DataFrame."""
        import polars as pl

        return pl.from_arrow(self.lines_table())


# --- topology ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    """Where a station's flow goes in the balance on a day (None category: not counted — an intermediate
    station such as a pump outlet, a branch under a main, a safety-conveyance inlet)."""

    category: str | None
    code: str
    system: str | None
    unit_code: str | None
    outlet_of: str | None = None


def classify(stations: Sequence[StationInfo], units: Sequence[UnitInfo], links: Sequence[GasLinkInfo]
             ) -> dict[str, Assignment]:
    """Assign each station of a mine to a balance line, given the links valid at one time.

    - ``drainage_main`` → drained of its drainage system (``drainage_branch`` only when the system has no main);
    - ``return_shaft`` → VAM liberated (line = the shaft);
    - a station feeding a unit (a ``gas_link`` to the unit, or ``unit_code`` with role ``unit_inlet`` /
      ``flare_inlet``) → by the unit's kind: ``vent_stack`` vented, ``flare`` flared, ``offsite_transfer``
      transferred, ``utilization`` utilized — or, when its gas comes from a return shaft (upstream through the
      links; ``drainage_system`` 'none' when unlinked), VAM oxidized;
    - ``vent_stack`` / ``transfer_out`` stations without a unit → vented / transferred (line = the station);
    - ``unit_outlet`` → the outlet of its unit (for destruction), not a line.
    """
    unit_by = {u.code: u for u in units}
    down: dict[str, list[str]] = defaultdict(list)
    to_unit: dict[str, set[str]] = defaultdict(set)
    for lk in links:
        if lk.to_station_code is not None:
            down[lk.from_station_code].append(lk.to_station_code)
        elif lk.to_unit_code is not None:
            to_unit[lk.from_station_code].add(lk.to_unit_code)
    origin: dict[str, tuple[str, str | None]] = {}
    queue: list[str] = []
    for s in stations:
        if s.role == "drainage_main":
            origin[s.code] = ("drained", s.drainage_system)
            queue.append(s.code)
        elif s.role == "return_shaft":
            origin[s.code] = ("vam", None)
            queue.append(s.code)
    while queue:
        c = queue.pop(0)
        for nxt in sorted(down.get(c, [])):
            if nxt not in origin:
                origin[nxt] = origin[c]
                queue.append(nxt)
    systems_with_main = {s.drainage_system for s in stations if s.role == "drainage_main"}
    out: dict[str, Assignment] = {}
    for s in stations:
        org = origin.get(s.code) or (("vam", None) if s.drainage_system == "none" else ("drained", s.drainage_system))
        system = org[1] if org[0] == "drained" else None
        fed = set(to_unit.get(s.code, set()))
        if s.unit_code is not None and s.role in ("unit_inlet", "flare_inlet"):
            fed.add(s.unit_code)
        if s.role == "drainage_main" or (s.role == "drainage_branch" and s.drainage_system not in systems_with_main):
            out[s.code] = Assignment("drained", s.drainage_system, s.drainage_system, None)
        elif s.role == "return_shaft":
            out[s.code] = Assignment("vam_liberated", s.code, None, None)
        elif s.role == "unit_outlet":
            out[s.code] = Assignment(None, s.code, system, s.unit_code, outlet_of=s.unit_code)
        elif fed:
            u = unit_by.get(sorted(fed)[0])
            kind = u.kind if u is not None else ("vent_stack" if s.role == "vent_stack" else "utilization")
            code = u.code if u is not None else s.code
            if kind == "vent_stack" or s.role == "vent_stack":
                out[s.code] = Assignment("vented", code, system, code)
            elif org[0] == "vam":
                out[s.code] = Assignment("vam_oxidized", code, None, code)
            else:
                cat = {"flare": "flared", "offsite_transfer": "transferred"}.get(kind, "utilized")
                out[s.code] = Assignment(cat, code, system, code)
        elif s.role == "vent_stack":
            out[s.code] = Assignment("vented", s.code, system, None)
        elif s.role == "transfer_out":
            out[s.code] = Assignment("transferred", s.code, system, None)
        else:
            out[s.code] = Assignment(None, s.code, system, None)
    return out


# --- the computation ---------------------------------------------------------------------------------------


@dataclass
class _Acc:
    pure: float = 0.0
    mixed: float = 0.0
    meas: float = 0.0
    sub: float = 0.0
    miss: float = 0.0
    stations: set[str] = field(default_factory=set)


def _cst_start(d: date) -> datetime:
    return datetime.combine(d, time(0), CST)


def _months_overlap(start: datetime, end: datetime) -> list[tuple[str, float]]:
    """(CST month, fraction of that month inside [start, end)) for each month touched."""
    out = []
    a = start.astimezone(CST)
    b = end.astimezone(CST)
    m0 = date(a.year, a.month, 1)
    while _cst_start(m0) < b:
        m1 = date(m0.year + (m0.month == 12), m0.month % 12 + 1, 1)
        lo, hi = max(_cst_start(m0), a), min(_cst_start(m1), b)
        frac = (hi - lo) / (_cst_start(m1) - _cst_start(m0))
        if frac > 0:
            out.append((f"{m0:%Y-%m}", frac))
        m0 = m1
    return out


def compute_balance(*, mine: MineInfo, stations: Sequence[StationInfo], units: Sequence[UnitInfo],
                    links: Sequence[GasLinkInfo], day_totals: pa.Table, period: str, coal_by_month: dict[str, float],
                    methodology: str = "cn-2015", gwp_set: str | None = None, horizon: int = 100,
                    gap_rule: str = "exclude", power_mwh: float = 0.0, heat_gj: float = 0.0,
                    grid_ef_t_per_mwh: float | None = None, heat_ef_t_per_gj: float | None = None,
                    residual_as_emitted: bool = True) -> MineBalance:
    """The balance of one mine from its station-day totals (pure; no I/O).

    Parameters
    ----------
    mine, stations, units, links : registry records of the mine (links: every validity interval).
    day_totals : station-day totals of the mine over the period (:func:`minegas.accounting.totals.
        station_day_totals` columns: ``station_code, day, ch4_nm3, flow_mixed_nm3, ch4_pct_integral``, seconds).
    period : the period (its CST bounds).
    coal_by_month : raw coal production [t] per CST month (months missing: 0, with a warning).
    methodology : a key of :data:`METHODS`.
    gwp_set, horizon : GWP (default: the methodology's; :class:`MethodologyError` when it has none).
    gap_rule : recorded (the totals were computed with it).
    power_mwh, heat_gj : displaced power and heat of the period (metered), for the ``displaced`` CO2e.
    grid_ef_t_per_mwh, heat_ef_t_per_gj : emission factors of the displaced energy (None: 0, noted).
    residual_as_emitted : count a positive residual (unmetered outflow) as emitted (default, conservative [U]).
    """
    m = method(methodology)
    g_set = gwp_set or m.gwp_default
    if g_set is None:
        raise MethodologyError(f"methodology {m.key} has no default GWP set — name one (e.g. --gwp SAR or AR5)")
    gwp(g_set, horizon)  # validates set and horizon
    dens = methodology_density(m)
    p = parse_period(period)
    warnings: list[str] = []
    st_by = {s.code: s for s in stations}
    unit_by = {u.code: u for u in units}
    rows = day_totals.to_pylist()
    cache: dict[tuple[Any, ...], dict[str, Assignment]] = {}
    acc: dict[tuple[str, str], _Acc] = defaultdict(_Acc)
    unit_in: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])   # drained, vam
    unit_out: dict[str, float] = defaultdict(float)
    sys_out: dict[str, float] = defaultdict(float)
    sys_drained: dict[str, float] = defaultdict(float)
    daily: dict[tuple[date, str], dict[str, Any]] = {}
    unknown: set[str] = set()
    for r in rows:
        code = r["station_code"]
        if code not in st_by:
            unknown.add(code)
            continue
        d = r["day"]
        at = _cst_start(d).astimezone(UTC)
        valid = tuple(sorted((lk.from_station_code, lk.to_station_code or "", lk.to_unit_code or "")
                             for lk in links if lk.valid_at(at)))
        if valid not in cache:
            cache[valid] = classify(stations, units, [lk for lk in links if lk.valid_at(at)])
        a = cache[valid][code]
        pure, mixed = float(r["ch4_nm3"]), float(r["flow_mixed_nm3"] or 0.0)
        if a.outlet_of is not None:
            unit_out[a.outlet_of] += pure
            continue
        if a.category is None:
            continue
        k = (a.category, a.code)
        x = acc[k]
        x.pure += pure
        x.mixed += mixed
        x.meas += float(r["measured_s"])
        x.sub += float(r.get("substituted_s", 0.0) or 0.0)
        x.miss += float(r["missing_s"])
        x.stations.add(code)
        if a.category in ("utilized", "flared", "vented", "transferred") and a.unit_code is not None:
            unit_in[a.unit_code][0] += pure
        if a.category == "vam_oxidized" and a.unit_code is not None:
            unit_in[a.unit_code][1] += pure
        if a.category == "drained":
            sys_drained[a.code] += pure
        elif a.category in ("utilized", "flared", "vented", "transferred") and a.system is not None:
            sys_out[a.system] += pure
        if a.category in ("drained", "utilized", "flared", "vented", "transferred") and (
                a.system is not None or a.category == "drained"):
            sysk = a.code if a.category == "drained" else str(a.system)
            dl = daily.setdefault((d, sysk), {"stations": set(), "mixed": 0.0, "pure": 0.0, "ch4_int": 0.0,
                                              "ch4_cov": 0.0, "utilized": 0.0, "transferred": 0.0, "flared": 0.0,
                                              "vented": 0.0})
            if a.category == "drained":
                dl["stations"].add(code)
                dl["mixed"] += mixed
                dl["pure"] += pure
                dl["ch4_int"] += float(r.get("ch4_pct_integral") or 0.0)
                dl["ch4_cov"] += float(r.get("ch4_pct_measured_s") or 0.0) + float(
                    r.get("ch4_pct_substituted_s") or 0.0)
            else:
                dl[a.category] += pure
    if unknown:
        warnings.append(f"stations with data but not in the registry (not counted): {', '.join(sorted(unknown))}")
    lines: list[BalanceLine] = []
    for (cat, code), x in sorted(acc.items(), key=lambda kv: (CATEGORIES.index(kv[0][0]), kv[0][1])):
        if cat == "drained":
            zh, en = SYSTEM_LABELS.get(code, (code, code))
        elif cat == "vam_liberated":
            s = st_by.get(code)
            zh, en = (s.name_zh, s.name_en or code) if s else (code, code)
        else:
            u = unit_by.get(code)
            s = st_by.get(code)
            zh, en = (u.name_zh, u.name_en or code) if u else ((s.name_zh, s.name_en or code) if s else (code, code))
        system = code if cat == "drained" else None
        if cat in ("utilized", "flared", "vented", "transferred"):
            systems = {a.system for c in x.stations for a in [_first_assignment(cache, c)] if a is not None}
            system = ",".join(sorted(s for s in systems if s)) or None
        lines.append(BalanceLine(cat, code, zh, en, x.pure, mass_t(x.pure, dens), x.mixed, system,
                                 tuple(sorted(x.stations)), x.meas, x.sub, x.miss))
    # residual per drainage system
    residual_by: dict[str, float] = {}
    for sysk in sorted(set(sys_drained) | set(sys_out)):
        res = sys_drained.get(sysk, 0.0) - sys_out.get(sysk, 0.0)
        if abs(res) <= RESIDUAL_TOL_FRAC * max(sys_drained.get(sysk, 0.0), 0.0):
            res = 0.0   # below the integration's resolution: not a measured residual
        residual_by[sysk] = res
    residual = math.fsum(residual_by.values())
    if residual != 0.0:
        warnings.append(f"residual (drained − metered outflows) {residual:,.1f} Nm³: meters disagree or an outflow "
                        "is not metered")
    # destruction per unit
    destruction: list[UnitDestruction] = []
    for ucode in sorted(set(unit_in) | set(unit_out)):
        u = unit_by.get(ucode)
        drained_in, vam_in = unit_in.get(ucode, [0.0, 0.0])
        inp = drained_in + vam_in
        outlet = unit_out.get(ucode)
        kind = u.kind if u else "utilization"
        tech = u.technology if u else ""
        energy = bool(u is not None and kind == "utilization" and (u.capacity_el_kw or u.heat_used))
        if kind == "vent_stack":
            continue
        if kind == "offsite_transfer":
            de, basis = OFFSITE_DE_FRAC, "off-site transfer"
            destroyed = inp * de
        elif outlet is not None and tech in ENRICHMENT_TECHNOLOGIES:
            de, basis = None, "enrichment product"
            destroyed = min(outlet, inp) * OFFSITE_DE_FRAC
        elif outlet is not None:
            de, basis = None, "measured outlet"
            destroyed = max(inp - outlet, 0.0)
        else:
            de = u.destruction_efficiency_frac if u else None
            basis = "registry DE"
            if kind == "flare" and m.flare_de is not None:
                de, basis = m.flare_de, "methodology flare DE"
            if de is None:
                de, basis = 0.0, "no DE (0)"
                warnings.append(f"unit {ucode}: no destruction efficiency in the registry — counted as 0 (its input "
                                "is released)")
            if m.de_cap is not None and de > m.de_cap:
                de, basis = m.de_cap, "DE capped"
            destroyed = inp * de
        destruction.append(UnitDestruction(ucode, kind, tech, inp, drained_in, vam_in, outlet, de, basis, destroyed,
                                           inp - destroyed, energy))
    destroyed_nm3 = math.fsum(x.destroyed_nm3 for x in destruction)
    slip_nm3 = math.fsum(x.slip_nm3 for x in destruction)
    vented = math.fsum(x.pure_ch4_nm3 for x in lines if x.category == "vented")
    vam_lib = math.fsum(x.pure_ch4_nm3 for x in lines if x.category == "vam_liberated")
    vam_ox = math.fsum(x.pure_ch4_nm3 for x in lines if x.category == "vam_oxidized")
    res_emitted = max(residual, 0.0) if residual_as_emitted else 0.0
    emitted_nm3 = vented + (vam_lib - vam_ox) + slip_nm3 + res_emitted
    # post-mining
    coal_t, missing_months = 0.0, []
    for mo, frac in _months_overlap(p.start, p.end):
        if mo in coal_by_month:
            coal_t += coal_by_month[mo] * frac
        else:
            missing_months.append(mo)
    if missing_months and m.post_mining != "none":
        warnings.append(f"no coal production for {', '.join(missing_months)}: post-mining CH4 counted as 0 there")
    pm_t, ef, ef_unit = _post_mining(m, mine, coal_t)
    gc = gwp(g_set, horizon)
    emitted_t = mass_t(emitted_nm3, dens)
    destroyed_t = mass_t(destroyed_nm3, dens)
    g_ef = 0.0 if grid_ef_t_per_mwh is None else grid_ef_t_per_mwh
    h_ef = 0.0 if heat_ef_t_per_gj is None else heat_ef_t_per_gj
    note = []
    if power_mwh == 0.0 and heat_gj == 0.0:
        note.append("no power or heat meters in the registry: displaced = net")
    elif grid_ef_t_per_mwh is None or heat_ef_t_per_gj is None:
        note.append("emission factors of displaced energy not given: counted as 0")
    co2e = (
        Co2eFigure("gross", "emitted", emitted_t + pm_t, g_set, horizon,
                   float(co2e_gross_t(emitted_t + pm_t, g_set, horizon)),
                   note=f"t CH4 emitted (incl. post-mining) × GWP {gc:g}"),
        Co2eFigure("net", "destroyed", destroyed_t, g_set, horizon, float(co2e_net_t(destroyed_t, g_set, horizon)),
                   note=f"t CH4 destroyed × (GWP {gc:g} − 44/16)"),
        Co2eFigure("displaced", "destroyed", destroyed_t, g_set, horizon,
                   float(co2e_displaced_t(destroyed_t, g_set, horizon, power_mwh=power_mwh,
                                          grid_ef_t_per_mwh=g_ef, heat_gj=heat_gj, heat_ef_t_per_gj=h_ef)),
                   power_mwh, g_ef, heat_gj, h_ef, "; ".join(note)),
    )
    covs = [x.coverage_frac for x in lines if x.coverage_frac is not None]
    daily_lines = tuple(
        DailyLine(d, sysk, tuple(sorted(v["stations"])), v["mixed"], v["pure"],
                  v["ch4_int"] / v["ch4_cov"] if v["ch4_cov"] > 0 else None, v["utilized"], v["transferred"],
                  v["flared"], v["vented"])
        for (d, sysk), v in sorted(daily.items()))
    return MineBalance(
        mine_code=mine.code, mine_name_zh=mine.name_zh, mine_name_en=mine.name_en,
        enterprise_code=mine.enterprise_code, county_code=mine.county_code, city_code=mine.city_code,
        province_code=mine.province_code, gas_class=mine.gas_class, period=p.label, period_start=p.start,
        period_end=p.end, methodology=m.key, methodology_id=m.methodology_id, methodology_version=m.version,
        density_name=dens.name, density_kg_m3=dens.kg_m3, density_state=dens.state, gwp_set=g_set,
        gwp_horizon=horizon, gap_rule=gap_rule, lines=tuple(lines), residual_nm3=residual,
        residual_t=mass_t(residual, dens), residual_by_system_nm3=residual_by, destruction=tuple(destruction),
        destroyed_nm3=destroyed_nm3, destroyed_t=destroyed_t, slip_nm3=slip_nm3, slip_t=mass_t(slip_nm3, dens),
        residual_emitted_nm3=res_emitted, emitted_underground_nm3=emitted_nm3, emitted_underground_t=emitted_t,
        coal_production_t=coal_t, post_mining_ef=ef, post_mining_ef_unit=ef_unit, post_mining_ch4_t=pm_t,
        co2e=co2e, daily=daily_lines, coverage_min_frac=min(covs) if covs else None, warnings=tuple(warnings),
        provenance={"methodology_note": m.note, "density_source": dens.source, "ref_state": "0C",
                    "residual_tol_frac": RESIDUAL_TOL_FRAC, "offsite_de_frac": OFFSITE_DE_FRAC,
                    "residual_as_emitted": residual_as_emitted, "topology": "links valid at each CST day's start",
                    "post_mining_basis": m.post_mining, "coal_months_missing": missing_months,
                    "gwp_value": gc})


def _first_assignment(cache: dict[tuple[Any, ...], dict[str, Assignment]], code: str) -> Assignment | None:
    for v in cache.values():
        if code in v:
            return v[code]
    return None


def _post_mining(m: BalanceMethod, mine: MineInfo, coal_t: float) -> tuple[float, float, str]:
    """(t CH4, factor, factor unit) of post-mining CH4 for the methodology."""
    if m.post_mining == "cn-2015":
        from minegas.accounting.methods.cn_guideline import post_mining_ch4

        r = post_mining_ch4(coal_t, mine.gas_class, underground=mine.mining_method != "surface")  # type: ignore[arg-type]
        return r.ch4_t, r.ef_kg_per_t, "kg CH4/t"
    if m.post_mining == "ipcc-2006":
        from minegas.accounting.methods.ipcc import default_ef, tier12_ch4_gg

        cat = "surface_post_mining" if mine.mining_method == "surface" else "underground_post_mining"
        ef = default_ef(cat, POST_MINING_IPCC_LEVEL.get(mine.gas_class, "average"))  # type: ignore[arg-type]
        return tier12_ch4_gg(coal_t, ef) * 1000.0, ef, "m³/t (20 °C)"
    return 0.0, 0.0, ""


# --- services over the store -----------------------------------------------------------------------------------


def mine_balances(store: Store, period: str, *, mine_codes: list[str] | None = None, methodology: str = "cn-2015",
                  gwp_set: str | None = None, horizon: int = 100, gap_rule: GapRule | str | None = None,
                  engine: str | Any = "duckdb", grid_ef_t_per_mwh: float | None = None,
                  heat_ef_t_per_gj: float | None = None, residual_as_emitted: bool = True) -> dict[str, MineBalance]:
    """Balances of several mines (one totals query for all of them): mine code → :class:`MineBalance`.

    ``gap_rule`` None: the methodology's default (:attr:`BalanceMethod.gap_rule`). Mines without any station
    data get a balance of zeros with a warning.
    """
    from minegas.accounting import engine as E
    from minegas.accounting import totals as T
    from minegas.registry import repository as repo

    m = method(methodology)
    rule = E.gap_rule_of(gap_rule if gap_rule is not None else m.gap_rule)
    con = E.connect(engine)
    p = parse_period(period)
    with store.session() as s:
        all_mines = {x.code: x for x in repo.mines(s)}
        codes = sorted(all_mines) if mine_codes is None else list(mine_codes)
        for c in codes:
            if c not in all_mines:
                repo.mine(s, c)  # raises the located InputError
        reg = {c: (repo.stations(s, c), repo.units(s, c), repo.topology(s, c)) for c in codes}
        months = [mo for mo, _ in _months_overlap(p.start, p.end)]
        coal = {c: {x.month: x.production_t for x in repo.coal_production(s, c, months)} for c in codes}
    try:
        days = T.store_station_totals(store, period, mine_codes=codes, con=con, gap_rule=rule)
    except InputError:
        days = None   # nothing stored for these mines
    energy = _energy(store, period, codes, rule, con)
    out: dict[str, MineBalance] = {}
    for c in codes:
        if days is not None:
            mine_days = days.filter(pa.compute.equal(days.column("mine_code"), c))
        else:
            mine_days = pa.table({"station_code": pa.array([], pa.string())})
        st, un, lk = reg[c]
        pw, ht = energy.get(c, (0.0, 0.0))
        b = compute_balance(mine=all_mines[c], stations=st, units=un, links=lk, day_totals=mine_days, period=period,
                            coal_by_month=coal[c], methodology=methodology, gwp_set=gwp_set, horizon=horizon,
                            gap_rule=rule.name, power_mwh=pw, heat_gj=ht, grid_ef_t_per_mwh=grid_ef_t_per_mwh,
                            heat_ef_t_per_gj=heat_ef_t_per_gj, residual_as_emitted=residual_as_emitted)
        if mine_days.num_rows == 0:
            b = _with_warning(b, "no station data stored for this mine and period")
        out[c] = b
    return out


def _with_warning(b: MineBalance, text: str) -> MineBalance:
    from dataclasses import replace

    return replace(b, warnings=(*b.warnings, text))


def _energy(store: Store, period: str, codes: list[str], rule: GapRule, con: Any) -> dict[str, tuple[float, float]]:
    """Metered power [MWh] and heat [GJ] of utilization units (points ``power_kw`` and ``heat_kw`` on their
    stations): ∫P dt. Empty when the registry has no such points (no scan)."""
    from minegas.registry.repository import point_configs_frame

    with store.session() as s:
        frame = point_configs_frame(s, codes)
    q = frame.column("quantity").to_pylist()
    if not any(x in ("power_kw", "heat_kw") for x in q):
        return {}
    from minegas.accounting import engine as E

    pts = E.point_totals(store, period, mine_codes=codes, gap_rule=rule, engine=con)
    out: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for r in pts.to_pylist():
        if r["quantity"] == "power_kw":
            out[r["mine_code"]][0] += r["value_integral"] / 3600.0 / 1000.0   # kW·s → MWh
        elif r["quantity"] == "heat_kw":
            out[r["mine_code"]][1] += r["value_integral"] / 1e6               # kW·s = kJ → GJ
    return {k: (v[0], v[1]) for k, v in out.items()}


def mine_balance(store: Store, mine_code: str, period: str, **kwargs: Any) -> MineBalance:
    """The balance of one mine (keywords as :func:`mine_balances`)."""
    return mine_balances(store, period, mine_codes=[mine_code], **kwargs)[mine_code]


# --- roll-ups --------------------------------------------------------------------------------------------------

LEVELS = ("mine", "enterprise", "county", "city", "province", "region")
"""Roll-up levels: a mine, its enterprise, county, city, province, or everything selected (``region``)."""

SUM_FIELDS = ("drained_nm3", "utilized_nm3", "flared_nm3", "vented_nm3", "transferred_nm3", "residual_nm3",
              "used_nm3", "vam_liberated_nm3", "vam_oxidized_nm3", "vam_released_nm3", "liberated_nm3",
              "destroyed_nm3", "slip_nm3", "emitted_underground_nm3", "emitted_underground_t", "post_mining_ch4_t",
              "emitted_ch4_t", "destroyed_t", "co2e_gross_t", "co2e_net_t", "co2e_displaced_t")


def _level_code(b: MineBalance, level: str) -> str:
    if level == "mine":
        return b.mine_code
    if level == "enterprise":
        return b.enterprise_code or "(none)"
    if level == "county":
        return b.county_code
    if level == "city":
        return b.city_code or "(none)"
    if level == "province":
        return b.province_code or "(none)"
    return "region"


def rollup(balances: Iterable[MineBalance], level: str) -> pa.Table:
    """Sum mine balances to ``level`` (:data:`LEVELS`): volumes, masses and CO2e add; rates are recomputed from
    the sums (used/drained, used/liberated, drained/liberated). All balances must share methodology, GWP and
    period.

    Returns
    -------
    pyarrow.Table, one row per group: ``level, code, n_mines, mines`` and the :data:`SUM_FIELDS`, then
    ``utilization_rate_drained_frac, utilization_rate_liberated_frac, drainage_rate_frac``, ``period``,
    ``methodology``, ``gwp_set``, ``gwp_horizon``, ``density``.
    """
    if level not in LEVELS:
        raise InputError("bad roll-up level", [Problem(f"unknown level {level!r}", field="level", value=level,
                                                       fix=f"use one of {', '.join(LEVELS)}")])
    bs = list(balances)
    keys = {(b.period, b.methodology, b.gwp_set, b.gwp_horizon, b.density_name) for b in bs}
    if len(keys) > 1:
        raise InputError("roll-up of incompatible balances", [Problem(
            "balances differ in period, methodology, GWP or density", field="balances", value=str(sorted(keys)),
            fix="compute every mine with the same settings")])
    groups: dict[str, list[MineBalance]] = defaultdict(list)
    for b in bs:
        groups[_level_code(b, level)].append(b)
    rows = []
    for code, members in sorted(groups.items()):
        sums = {f: math.fsum(float(b.summary().get(f) or 0.0) for b in members) for f in SUM_FIELDS}
        rows.append({
            "level": level, "code": code, "n_mines": len(members),
            "mines": ",".join(sorted(b.mine_code for b in members)), **sums,
            "utilization_rate_drained_frac": _ratio(sums["used_nm3"], sums["drained_nm3"]),
            "utilization_rate_liberated_frac": _ratio(sums["used_nm3"], sums["liberated_nm3"]),
            "drainage_rate_frac": _ratio(sums["drained_nm3"], sums["liberated_nm3"]),
            "period": members[0].period, "methodology": members[0].methodology, "gwp_set": members[0].gwp_set,
            "gwp_horizon": members[0].gwp_horizon, "density": members[0].density_name,
        })
    if not rows:
        return pa.table({"level": pa.array([], pa.string()), "code": pa.array([], pa.string())})
    return pa.Table.from_pylist(rows)


def balances_table(balances: Iterable[MineBalance]) -> pa.Table:
    """One row per mine: :meth:`MineBalance.summary` plus enterprise/county/city codes."""
    rows = [{**b.summary(), "enterprise_code": b.enterprise_code, "county_code": b.county_code,
             "city_code": b.city_code, "province_code": b.province_code, "gas_class": b.gas_class,
             "warnings": "; ".join(b.warnings)} for b in balances]
    return pa.Table.from_pylist(rows) if rows else pa.table({"mine_code": pa.array([], pa.string())})


__all__ = ["CATEGORIES", "LEVELS", "METHODS", "RESIDUAL_TOL_FRAC", "Assignment", "BalanceLine", "BalanceMethod",
           "Co2eFigure", "DailyLine", "MineBalance", "UnitDestruction", "balances_table", "classify",
           "compute_balance", "mass_t", "method", "methodology_density", "mine_balance", "mine_balances", "rollup"]
