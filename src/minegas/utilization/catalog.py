"""The technology catalog: what each utilization or destruction technology accepts and delivers.

The data live in ``minegas/data/technology/*.yaml``, one parameter set per technology (docs/conventions.md §8,
``kind: technology``), each value with unit, source and confidence; values we chose ourselves are marked
``assumption`` with a range. This module loads and validates them into :class:`Technology` records and holds the
pure performance arithmetic (CH4 destroyed, electricity, heat) and the rules that bind a technology:

- the concentration window, minimum flow, and whether the unit has a **safe-transport system** (安全输送系统:
  flame arresters, explosion suppression, water seals) — only such units may take gas inside the explosive band;
- **Coal Mine Safety Regulations art. 184(5)** (number [U], MRV research note §3.3): drained gas below 30 % CH4
  "must not be burned directly as fuel gas". Thermal islands (case 2) and porous-media boilers (case 5) do exactly
  that; the seed report (003 §4.5.4, §5.2) calls the rule a barrier. minegas reports it as a **regulatory finding
  requiring approval**, never as a ban it enforces (:func:`regulatory_findings`);
- **CCER-10-001-V01** eligibility through the one shared function
  :func:`minegas.accounting.methods.ccer_cmm.ccer_eligibility` (:func:`ccer_check`).

Keys are the registry's technology keys (:data:`minegas.registry.vocab.TECHNOLOGIES`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from minegas.accounting.methods.ccer_cmm import Eligibility, GasSource, ccer_eligibility
from minegas.errors import InputError, Problem, ProblemList
from minegas.paramsets import ParamSet, load_paramset
from minegas.physics.energy import LHV_MJ_PER_NM3_0C, electricity_kwh, energy_mj
from minegas.physics.safety import HIGH_CONC_MIN_PCT, ExplosiveRange

CATALOG_DIR = Path(__file__).resolve().parent.parent / "data" / "technology"
"""Where the shipped catalog parameter sets live."""

Output = Literal["power", "heat", "chp", "gas", "destroy", "enrich", "vent"]
Feeds = Literal["drained", "vam", "blend", "any"]
CombustionRule = Literal["direct", "engine", "none"]

_OUTPUTS = ("power", "heat", "chp", "gas", "destroy", "enrich", "vent")
_FEEDS = ("drained", "vam", "blend", "any")
_RULES = ("direct", "engine", "none")

_REQUIRED_NUM = (
    "ch4_min_pct", "ch4_max_pct", "destruction_efficiency_frac", "eff_el_frac", "eff_heat_frac", "own_use_frac",
    "min_ch4_flow_nm3_min", "min_load_frac", "opex_fixed_frac_per_yr", "life_yr",
)
_REQUIRED_BOOL = ("safe_transport", "flameless_oxidation", "heat_used_default")
_OPTIONAL_NUM = (
    "ch4_design_pct", "autothermal_min_pct", "heat_recovery_frac", "module_flow_nm3_min", "module_kw_el",
    "module_kw_th", "product_ch4_pct", "tail_ch4_pct", "recovery_frac", "specific_power_kwh_per_nm3_feed",
    "purity_min_pct",
)
_CAPEX = ("capex_yuan_per_kw_el", "capex_yuan_per_kw_th", "capex_yuan_per_nm3_h")
_FRACTIONS = ("destruction_efficiency_frac", "eff_el_frac", "eff_heat_frac", "own_use_frac", "min_load_frac",
              "heat_recovery_frac", "recovery_frac")


@dataclass(frozen=True)
class Technology:
    """One catalog entry. Units are in the field names; see the parameter set for sources.

    Efficiencies are per unit of CH4 lower heating value (LHV, 35.8 MJ/Nm³ at 0 °C) entering the unit:
    ``eff_el_frac`` gross electricity, ``eff_heat_frac`` heat delivered to users, ``heat_recovery_frac`` heat
    recovered from oxidation before any steam cycle (informational, seed 003 表9). ``own_use_frac`` is the share of
    gross electricity used by the plant; ``specific_power_kwh_per_nm3_feed`` power drawn per Nm³ of mixed feed
    (enrichment, compression).
    """

    key: str
    name_zh: str
    name_en: str
    ch4_min_pct: float
    ch4_max_pct: float
    feeds: Feeds
    output: Output
    destruction_efficiency_frac: float
    eff_el_frac: float
    eff_heat_frac: float
    own_use_frac: float
    min_ch4_flow_nm3_min: float
    min_load_frac: float
    capex_basis: Literal["kw_el", "kw_th", "nm3_h"]
    capex_yuan_per_basis: float
    opex_fixed_frac_per_yr: float
    life_yr: float
    safe_transport: bool
    flameless_oxidation: bool
    combustion_rule: CombustionRule
    heat_used_default: bool
    ch4_design_pct: float | None = None
    autothermal_min_pct: float | None = None
    heat_recovery_frac: float | None = None
    module_flow_nm3_min: float | None = None
    module_kw_el: float | None = None
    module_kw_th: float | None = None
    product_ch4_pct: float | None = None
    tail_ch4_pct: float | None = None
    recovery_frac: float | None = None
    specific_power_kwh_per_nm3_feed: float | None = None
    purity_min_pct: float | None = None
    paramset: ParamSet | None = field(default=None, repr=False, compare=False)

    @property
    def paramset_id(self) -> str:
        """Dotted id of the parameter set (``technology.cmm.<key>``)."""
        return self.paramset.id if self.paramset is not None else f"technology.cmm.{self.key}"

    def accepts(self, ch4_pct: float) -> bool:
        """True if an inlet concentration [%] lies in the unit's window (limits included)."""
        return self.ch4_min_pct <= ch4_pct <= self.ch4_max_pct

    def operating_pct(self, source_ch4_pct: float) -> float:
        """The inlet concentration [%] the unit runs at when fed from a source at ``source_ch4_pct``.

        A source inside the window is fed as it is; a richer source is diluted to the design concentration
        (``ch4_design_pct``, else the top of the window); a leaner one cannot be used (raises ValueError).
        """
        if source_ch4_pct < self.ch4_min_pct:
            raise ValueError(f"{self.key}: source at {source_ch4_pct:g} % is below the window "
                             f"{self.ch4_min_pct:g}–{self.ch4_max_pct:g} %")
        if source_ch4_pct <= self.ch4_max_pct:
            return source_ch4_pct
        return self.ch4_design_pct if self.ch4_design_pct is not None else self.ch4_max_pct

    def citation(self, name: str) -> str:
        """Human-readable source of one parameter (document, section, confidence)."""
        if self.paramset is None:
            return f"{self.key}: {name} (no parameter set)"
        return self.paramset.citation(name)

    def as_dict(self) -> dict[str, Any]:
        """Plain dict of the values (no parameter-set object), for JSON output."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "paramset"}
        out["paramset"] = self.paramset_id
        out["version"] = self.paramset.version if self.paramset is not None else None
        return out


class Catalog(Mapping[str, Technology]):
    """The loaded catalog: a read-only mapping key → :class:`Technology`."""

    def __init__(self, items: Mapping[str, Technology]) -> None:
        self._items = dict(sorted(items.items()))

    def __getitem__(self, key: str) -> Technology:
        try:
            return self._items[key]
        except KeyError:
            raise InputError("unknown technology", [Problem(f"no catalog entry {key!r}", field="technology",
                             value=key, fix=f"use one of: {', '.join(self._items)}")]) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def _num(ps: ParamSet, name: str, origin: str, problems: ProblemList) -> float | None:
    if name not in ps.parameters:
        return None
    v = ps.parameters[name].value
    if isinstance(v, bool) or not isinstance(v, int | float):
        problems.add("must be a number", file=origin, field=f"parameters.{name}", value=str(v))
        return None
    return float(v)


def technology_from_paramset(ps: ParamSet) -> Technology:
    """Validate one technology parameter set and build its :class:`Technology`.

    Raises
    ------
    InputError
        Naming the file and the parameter when a required value is missing or out of range, or when a unit
        without a safe-transport system has a window that reaches into the explosive band.
    """
    origin = ps.path or ps.id
    problems = ProblemList()
    if ps.kind != "technology":
        problems.add("kind must be 'technology'", file=origin, field="kind", value=ps.kind)
    prefix = "technology.cmm."
    if not ps.id.startswith(prefix):
        problems.add(f"id must start with {prefix!r}", file=origin, field="paramset", value=ps.id)
    key = ps.id[len(prefix):] if ps.id.startswith(prefix) else ps.id
    vals: dict[str, Any] = {}
    for name in _REQUIRED_NUM:
        if name not in ps.parameters:
            problems.add("required parameter missing", file=origin, field=f"parameters.{name}",
                         fix="add it with value, unit, source and confidence")
        vals[name] = _num(ps, name, origin, problems)
    for name in _OPTIONAL_NUM:
        vals[name] = _num(ps, name, origin, problems)
    for name in _REQUIRED_BOOL:
        v = ps.parameters[name].value if name in ps.parameters else None
        if not isinstance(v, bool):
            problems.add("required true/false parameter missing or not a boolean", file=origin,
                         field=f"parameters.{name}", value=None if v is None else str(v))
        vals[name] = bool(v)
    for name, allowed in (("feeds", _FEEDS), ("output", _OUTPUTS), ("combustion_rule", _RULES)):
        v = ps.parameters[name].value if name in ps.parameters else None
        if v not in allowed:
            problems.add(f"must be one of {', '.join(allowed)}", file=origin, field=f"parameters.{name}",
                         value=None if v is None else str(v))
        vals[name] = v
    capex = [c for c in _CAPEX if c in ps.parameters]
    if len(capex) != 1:
        problems.add(f"exactly one capex parameter is required ({', '.join(_CAPEX)})", file=origin,
                     field="parameters", value=", ".join(capex) or None)
    for name in _FRACTIONS:
        v = vals.get(name)
        if v is not None and not 0.0 <= v <= 1.0:
            problems.add("must be a fraction within 0–1", file=origin, field=f"parameters.{name}", value=str(v))
    lo, hi = vals.get("ch4_min_pct"), vals.get("ch4_max_pct")
    if lo is not None and hi is not None:
        if not 0.0 <= lo <= hi <= 100.0:
            problems.add("window must satisfy 0 ≤ ch4_min_pct ≤ ch4_max_pct ≤ 100", file=origin,
                         field="parameters.ch4_min_pct", value=f"{lo}–{hi}")
        band = ExplosiveRange()
        if (vals.get("output") != "vent" and not vals.get("safe_transport")
                and lo <= band.uel_pct and hi >= band.lel_pct):
            problems.add(f"window {lo:g}–{hi:g} % reaches into the explosive band {band.lel_pct:g}–"
                         f"{band.uel_pct:g} % but the unit has no safe-transport system", file=origin,
                         field="parameters.safe_transport",
                         fix="narrow the window or set safe_transport: true (with its source)")
        d = vals.get("ch4_design_pct")
        if d is not None and not lo <= d <= hi:
            problems.add("design concentration must lie in the window", file=origin,
                         field="parameters.ch4_design_pct", value=str(d))
    if vals.get("output") == "enrich":
        for name in ("product_ch4_pct", "recovery_frac", "specific_power_kwh_per_nm3_feed", "tail_ch4_pct"):
            if vals.get(name) is None:
                problems.add("required for an enrichment technology", file=origin, field=f"parameters.{name}")
    problems.raise_if_any(f"{origin}: not a valid technology entry")
    basis = {"capex_yuan_per_kw_el": "kw_el", "capex_yuan_per_kw_th": "kw_th",
             "capex_yuan_per_nm3_h": "nm3_h"}[capex[0]]
    capex_value = float(ps.parameters[capex[0]].value)
    return Technology(
        key=key, name_zh=ps.title.get("zh", key), name_en=ps.title.get("en", key),
        capex_basis=basis,  # type: ignore[arg-type]
        capex_yuan_per_basis=capex_value, paramset=ps, **vals,
    )


def load_catalog_dir(directory: str | Path) -> Catalog:
    """Load every ``*.yaml`` technology parameter set in ``directory`` (errors of all files are reported)."""
    d = Path(directory)
    items: dict[str, Technology] = {}
    problems: list[Problem] = []
    files = sorted(d.glob("*.yaml"))
    if not files:
        raise InputError(f"{d}: no technology parameter sets found", [Problem("no *.yaml files", file=str(d))])
    for f in files:
        try:
            tech = technology_from_paramset(load_paramset(f))
        except InputError as exc:
            problems.extend(exc.problems or [Problem(exc.summary, file=str(f))])
            continue
        if tech.key in items:
            problems.append(Problem(f"duplicate technology key {tech.key!r}", file=str(f), field="paramset"))
        items[tech.key] = tech
    if problems:
        raise InputError(f"{d}: technology catalog has errors", problems)
    return Catalog(items)


@functools.cache
def load_catalog() -> Catalog:
    """The shipped catalog (cached)."""
    return load_catalog_dir(CATALOG_DIR)


def technology(key: str) -> Technology:
    """One entry of the shipped catalog; unknown keys are an :class:`InputError` listing the valid ones."""
    return load_catalog()[key]


# --- performance ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Performance:
    """What a unit makes of the CH4 fed to it over a period (all volumes pure CH4, Nm³ at 0 °C).

    ``electricity_net_kwh`` = gross × (1 − own use) − feed × specific power; ``heat_gj`` is heat delivered to users
    (0 unless ``heat_used``); ``gas_lhv_mj`` is the energy of gas delivered as a product (output ``gas``).
    """

    technology: str
    ch4_in_nm3: float
    ch4_destroyed_nm3: float
    ch4_slip_nm3: float
    energy_in_lhv_mj: float
    electricity_gross_kwh: float
    electricity_net_kwh: float
    heat_gj: float
    gas_lhv_mj: float
    feed_power_kwh: float


def performance(tech: Technology, ch4_in_nm3: float, feed_nm3: float = 0.0, *, heat_used: bool | None = None,
                destruction_efficiency_frac: float | None = None) -> Performance:
    """Energy and destruction for ``ch4_in_nm3`` of pure CH4 (0 °C) entering ``tech`` over a period.

    Parameters
    ----------
    tech : the catalog entry.
    ch4_in_nm3 : pure CH4 entering the unit [Nm³, 0 °C].
    feed_nm3 : mixed gas entering the unit [Nm³, 0 °C] (for specific-power technologies).
    heat_used : whether heat is delivered to a user; default the entry's ``heat_used_default``.
    destruction_efficiency_frac : override of the entry's destruction efficiency [0–1].

    Returns
    -------
    :class:`Performance`. ``E = V × 35.8 MJ/Nm³`` (LHV, minegas.physics.energy), ``kWh = E × η_el / 3.6``,
    ``GJ = E × η_heat / 1000``. Reference: docs/conventions.md §3.
    """
    if ch4_in_nm3 < 0 or feed_nm3 < 0:
        raise InputError("performance: negative gas volume", [Problem("volumes must be ≥ 0", field="ch4_in_nm3",
                         value=f"{ch4_in_nm3}, {feed_nm3}")])
    eta = tech.destruction_efficiency_frac if destruction_efficiency_frac is None else destruction_efficiency_frac
    used = tech.heat_used_default if heat_used is None else heat_used
    e_mj = float(energy_mj(ch4_in_nm3))
    gross = float(electricity_kwh(e_mj, tech.eff_el_frac))
    feed_kwh = feed_nm3 * (tech.specific_power_kwh_per_nm3_feed or 0.0)
    net = gross * (1.0 - tech.own_use_frac) - feed_kwh
    heat = e_mj * tech.eff_heat_frac / 1000.0 if used else 0.0
    gas = e_mj if tech.output == "gas" else 0.0
    return Performance(tech.key, ch4_in_nm3, ch4_in_nm3 * eta, ch4_in_nm3 * (1.0 - eta), e_mj, gross, net, heat,
                       gas, feed_kwh)


@dataclass(frozen=True)
class SourceSizing:
    """A unit sized for one source: inlet flow at its operating concentration and what it makes per minute."""

    technology: str
    source_ch4_pct: float
    ch4_flow_nm3_min: float
    operating_pct: float
    inlet_flow_nm3_min: float
    inlet_flow_nm3_h: float
    dilution_air_nm3_min: float
    ch4_destroyed_nm3_min: float
    heat_recovered_mj_min: float | None
    electricity_gross_kw: float


def size_for_source(tech: Technology, ch4_flow_nm3_min: float, source_ch4_pct: float) -> SourceSizing:
    """Inlet flow a unit needs for a source of ``ch4_flow_nm3_min`` pure CH4 at ``source_ch4_pct``.

    The source is fed as it is when inside the window, otherwise diluted with air to the design concentration
    (:meth:`Technology.operating_pct`); the inlet flow is ``Q_pure / φ_op``. Seed 003 表9: 10 Nm³/min pure at
    5 % needs 12 000 Nm³/h in the thermal island (5 % is inside 3–8 %) and 60 000 Nm³/h in the VAM oxidiser
    (diluted to 1 %).
    """
    op = tech.operating_pct(source_ch4_pct)
    inlet = ch4_flow_nm3_min * 100.0 / op
    source_flow = ch4_flow_nm3_min * 100.0 / source_ch4_pct
    recovered = ch4_flow_nm3_min * LHV_MJ_PER_NM3_0C * tech.heat_recovery_frac \
        if tech.heat_recovery_frac is not None else None
    gross_kw = float(electricity_kwh(energy_mj(ch4_flow_nm3_min), tech.eff_el_frac)) * 60.0
    return SourceSizing(tech.key, source_ch4_pct, ch4_flow_nm3_min, op, inlet, inlet * 60.0,
                        inlet - source_flow, ch4_flow_nm3_min * tech.destruction_efficiency_frac, recovered,
                        gross_kw)


def capex_yuan(tech: Technology, ch4_flow_nm3_min: float, inlet_flow_nm3_min: float, heat_used: bool) -> float:
    """Investment [元] for a unit sized to a pure CH4 flow and a mixed inlet flow (both Nm³/min at 0 °C).

    ``kw_el``: unit cost × gross electric capacity ``Q_pure × 35.8 / 60 × η_el`` [kW];
    ``kw_th``: × heat capacity ``Q_pure × 35.8 / 60 × η_heat``; ``nm3_h``: × inlet flow [Nm³/h].
    """
    thermal_kw = ch4_flow_nm3_min * LHV_MJ_PER_NM3_0C / 60.0 * 1000.0
    if tech.capex_basis == "kw_el":
        return tech.capex_yuan_per_basis * thermal_kw * tech.eff_el_frac
    if tech.capex_basis == "kw_th":
        return tech.capex_yuan_per_basis * thermal_kw * tech.eff_heat_frac
    return tech.capex_yuan_per_basis * inlet_flow_nm3_min * 60.0


# --- rules ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    """A regulatory finding about an option: not a ban — what needs approval or checking, and why.

    ``severity``: ``approval-required`` (the rule's text covers the design; the seed calls it a barrier),
    ``check`` (whether the rule covers the design is not settled in our sources), ``info``.
    """

    rule_id: str
    clause: str
    severity: Literal["approval-required", "check", "info"]
    message_zh: str
    message_en: str


def regulatory_findings(tech: Technology, inlet_ch4_pct: float, source_ch4_pct: float | None = None,
                        band: ExplosiveRange | None = None) -> list[Finding]:
    """Rules that bind a design: Safety Regulations art. 184(5) and the explosive band.

    Parameters
    ----------
    tech : the unit's technology.
    inlet_ch4_pct : CH4 at the unit inlet [%].
    source_ch4_pct : the drained gas's concentration as delivered [%] (default: the inlet's).
    band : explosive range (default 5–16 %).

    Returns
    -------
    Findings, never exceptions: art. 184(5) ("抽采的瓦斯浓度低于30%时,不得作为燃气直接燃烧", number [U]) for
    units that burn drained gas below 30 % (``approval-required`` for direct burning as at seed 003 cases 2 and 5,
    ``check`` for engines); ``info`` when the inlet lies inside the explosive band at a safe-transport inlet.
    """
    band = band or ExplosiveRange()
    src = inlet_ch4_pct if source_ch4_pct is None else source_ch4_pct
    out: list[Finding] = []
    if tech.feeds != "vam" and min(src, inlet_ch4_pct) < HIGH_CONC_MIN_PCT and tech.output != "vent":
        if tech.combustion_rule == "direct":
            out.append(Finding(
                "safety-reg-184-5", "煤矿安全规程 (2016) art. 184(5) [article number U]", "approval-required",
                f"{tech.name_zh}直接燃烧浓度{min(src, inlet_ch4_pct):g}%的抽采瓦斯(低于30%):《煤矿安全规程》"
                "规定不得作为燃气直接燃烧,需经主管部门论证批准(报告称之为推广障碍)",
                f"{tech.name_en} burns drained gas at {min(src, inlet_ch4_pct):g} % (< 30 %) directly: the Coal Mine "
                "Safety Regulations say such gas must not be burned directly as fuel — a regulatory finding that "
                "needs approval (seed 003 calls it a barrier), not a ban minegas enforces"))
        elif tech.combustion_rule == "engine":
            out.append(Finding(
                "safety-reg-184-5", "煤矿安全规程 (2016) art. 184(5) [article number U]", "check",
                f"{tech.name_zh}使用浓度{min(src, inlet_ch4_pct):g}%(低于30%)的抽采瓦斯:该条款是否适用于发电机组,"
                "现有资料未能确定,请核实",
                f"{tech.name_en} uses drained gas at {min(src, inlet_ch4_pct):g} % (< 30 %): whether art. 184(5) covers "
                "engines is not settled in our sources — check with the regulator"))
    if tech.safe_transport and bool(band.contains(inlet_ch4_pct)):
        out.append(Finding(
            "explosive-band-inlet", f"CH4 {band.lel_pct:g}–{band.uel_pct:g} % in air (seed 003 §2.2.3)", "info",
            f"进气浓度{inlet_ch4_pct:g}%处于爆炸范围内,依靠安全输送系统(阻火、抑爆、水封)",
            f"inlet at {inlet_ch4_pct:g} % is inside the explosive band; relies on the unit's safe-transport system "
            "(flame arresters, explosion suppression, water seals)"))
    return out


def ccer_check(tech: Technology, sources: Sequence[GasSource], *, heat_used: bool | None = None,
               underground_mine: bool = True, mine_closed: bool = False) -> Eligibility:
    """CCER-10-001-V01 eligibility of ``tech`` destroying ``sources`` (the shared MRV function, not a copy).

    "Heat used" for the methodology means the heat goes to power, heat or CHP: true when the unit makes
    electricity or delivers heat.
    """
    used = (tech.eff_el_frac > 0 or (tech.heat_used_default if heat_used is None else heat_used)) \
        and tech.output in ("power", "heat", "chp")
    return ccer_eligibility(sources, flameless_oxidation=tech.flameless_oxidation, heat_used=used,
                            underground_mine=underground_mine, mine_closed=mine_closed)
