"""CCER-10-001-V01 — low-concentration (< 8 %) drained gas and ventilation air methane (VAM) utilization.

《温室气体自愿减排项目方法学 甲烷体积浓度低于8%的煤矿低浓度瓦斯和风排瓦斯利用》, issued 2025-01-03 by the MEE
General Office, the NEA General Department and the National Mine Safety Administration General Department.

What the text we could read says (MRV research note §4.1, tags [V]/[S]):

- applies to underground coal mines only, not abandoned or closed mines [V];
- technology (a): collected VAM is destroyed and its heat is used for power, heat or CHP; technology (b): drained
  gas from the pump station with CH4 < 8 % is blended with VAM or air, destroyed, and its heat used [V];
- destruction is limited to **flameless oxidation** (无焰氧化) for now [V];
- low-concentration gas made by diluting gas of ≥ 8 % is excluded [V];
- utilisation is mandatory: destroy-only projects are not eligible (change from the 2024 draft) [S];
- reductions count only after the monitoring data are networked to the national platform, trial run included [V];
- a project is revoked if the gas flow at the inlet of the safety-conveyance system exceeds the flow at the outlet
  of the connected drainage pump (more gas "destroyed" than drained) [S].

The methodology's equations and parameter tables were not available to us. This module holds the **one
eligibility function** that MRV, economics and utilization share, the eligible share of CH4 when ≥ 8 % gas is
blended in as well (as at 伏岩, seed 003 §4.4: VAM 0.2–0.3 % + 3–6 % + > 30 % gas blended to 1.2 %), the
emission-reduction arithmetic with an inferred, parameterised structure (:func:`emission_reductions`, [U]), the
crediting window after networking (:func:`crediting_window`), and the CDM ACM0008 fallback
(:func:`acm0008_emission_reductions`, [U]). The revocation rule on monitored series is in
:mod:`minegas.accounting.compliance`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from minegas.errors import InputError, MethodologyError, Problem
from minegas.physics.climate import gwp
from minegas.physics.constants import CO2_PER_CH4_T_PER_T
from minegas.physics.density import resolve_density

CCER_10_001_MAX_DRAINED_CH4_PCT = 8.0
"""Drained gas must be below 8 % CH4 (CCER-10-001-V01 title and scope) [V]."""

METHODOLOGY_ID = "CCER-10-001-V01"
VERSION = "CCER-10-001-V01 (2025-01-03); eligibility [V], emission-reduction equations inferred [U]"

SourceKind = Literal["vam", "drained"]


@dataclass(frozen=True)
class GasSource:
    """One gas stream feeding a project.

    Parameters
    ----------
    name : label used in reasons.
    kind : 'vam' (ventilation air methane, 风排瓦斯) or 'drained' (drained gas from a pump station, 抽采瓦斯).
    ch4_pct : CH4 concentration of the stream as delivered from the pump station or shaft [% vol].
    ch4_nm3 : pure CH4 the stream delivers over the period [Nm³, 0 °C] (only needed for eligible shares).
    diluted_from_pct : if the stream is gas of higher concentration diluted on purpose, that concentration [%];
        None if not diluted.
    """

    name: str
    kind: SourceKind
    ch4_pct: float
    ch4_nm3: float = 0.0
    diluted_from_pct: float | None = None


@dataclass(frozen=True)
class Eligibility:
    """Outcome of :func:`ccer_eligibility`: overall verdict, reasons, and the CH4 share that may be credited."""

    eligible: bool
    reasons: list[str] = field(default_factory=list)
    eligible_sources: list[str] = field(default_factory=list)
    excluded_sources: list[str] = field(default_factory=list)
    eligible_ch4_share: float = 0.0
    crediting_requires_networking: bool = True
    methodology: str = METHODOLOGY_ID


def source_is_eligible(src: GasSource) -> tuple[bool, str]:
    """Whether one stream is within CCER-10-001's scope, with the reason.

    VAM is in scope. Drained gas is in scope below 8 % CH4 unless it was made by diluting gas of ≥ 8 %.
    """
    if not 0 <= src.ch4_pct <= 100:
        raise MethodologyError(f"source {src.name!r}: CH4 concentration must be within 0–100 %, got {src.ch4_pct}")
    if src.diluted_from_pct is not None and src.diluted_from_pct >= CCER_10_001_MAX_DRAINED_CH4_PCT:
        return False, (f"{src.name}: made by diluting {src.diluted_from_pct:g} % gas (≥ 8 %) — excluded "
                       "(CCER-10-001-V01 scope)")
    if src.kind == "vam":
        return True, f"{src.name}: ventilation air methane — technology (a)"
    if src.kind == "drained":
        if src.ch4_pct < CCER_10_001_MAX_DRAINED_CH4_PCT:
            return True, f"{src.name}: drained gas at {src.ch4_pct:g} % (< 8 %) — technology (b)"
        return False, f"{src.name}: drained gas at {src.ch4_pct:g} % is not below 8 % — outside the methodology"
    raise MethodologyError(f"source {src.name!r}: kind must be 'vam' or 'drained', not {src.kind!r}")


def ccer_eligibility(
    sources: Sequence[GasSource],
    *,
    flameless_oxidation: bool,
    heat_used: bool,
    underground_mine: bool = True,
    mine_closed: bool = False,
) -> Eligibility:
    """Check a project against CCER-10-001-V01's applicability conditions.

    Parameters
    ----------
    sources : the streams destroyed by the project.
    flameless_oxidation : the destruction device is a flameless oxidizer (RTO, catalytic) [V: only technology].
    heat_used : the heat is used for power, heat or CHP (destroy-only is not eligible) [S].
    underground_mine : the mine is an underground coal mine.
    mine_closed : the mine is abandoned or closed.

    Returns
    -------
    :class:`Eligibility`. ``eligible`` is True when the project conditions hold and at least one source is in
    scope; ``eligible_ch4_share`` is the fraction of the sources' pure CH4 that comes from in-scope streams (the
    ≥ 8 % gas blended in is excluded from crediting). Crediting also needs the monitoring data networked to the
    national platform (``crediting_requires_networking``); that is checked on monitoring data, not here.
    """
    reasons: list[str] = []
    ok = True
    if not underground_mine:
        ok = False
        reasons.append("not an underground coal mine — outside CCER-10-001-V01")
    if mine_closed:
        ok = False
        reasons.append("abandoned or closed mine — excluded by CCER-10-001-V01")
    if not flameless_oxidation:
        ok = False
        reasons.append("destruction is not flameless oxidation (无焰氧化) — the only technology CCER-10-001-V01 admits")
    if not heat_used:
        ok = False
        reasons.append("heat not used for power/heat/CHP — destroy-only projects are not eligible")
    eligible_names: list[str] = []
    excluded_names: list[str] = []
    total = eligible_ch4 = 0.0
    for s in sources:
        good, why = source_is_eligible(s)
        reasons.append(why)
        (eligible_names if good else excluded_names).append(s.name)
        total += s.ch4_nm3
        if good:
            eligible_ch4 += s.ch4_nm3
    if not eligible_names:
        ok = False
        reasons.append("no source within the methodology's scope")
    share = eligible_ch4 / total if total > 0 else (1.0 if eligible_names and not excluded_names else 0.0)
    return Eligibility(ok, reasons, eligible_names, excluded_names, share if ok else 0.0)


def revocation_triggered(safety_conveyance_inlet_nm3: float, pump_outlet_nm3: float, tolerance_frac: float = 0.0) -> bool:
    """CCER-10-001-V01 integrity rule: True if the gas entering the safety-conveyance system (安全输送系统) exceeds
    the gas leaving the connected drainage pump, beyond a metering tolerance (a parameter; 0 by default) [S].

    Both volumes over the same period and at the same reference state [Nm³].
    """
    return safety_conveyance_inlet_nm3 > pump_outlet_nm3 * (1.0 + tolerance_frac)


# --------------------------------------------------------------------------------------------------------------
# Emission-reduction arithmetic
#
# CCER-10-001-V01's equations and parameter tables were not available to us. The structure below is inferred from
# CDM ACM0008 and the baseline components the methodology is reported to contain (MRV research note §4.1) [U]:
#
#   ER_y = BE_y − PE_y − LE_y
#   BE_y = BE_CH4 + BE_elec + BE_heat
#     BE_CH4  = Σ_t (Q_in φ_in − Q_out φ_out) × ρ_CH4 × GWP       CH4 actually oxidised, measured in and out [U]
#     BE_elec = EG_net × EF_grid                                   net power supplied [S: component verified]
#     BE_heat = HG_net / η_heat,BL × EF_fuel,BL                    existing or planned heat source replaced [S]
#   PE_y = PE_CO2,ox + PE_elec + PE_fuel
#     PE_CO2,ox = CH4 oxidised × 44/16                             [U] whether counted (ACM0008 counts it as PE_MD)
#     PE_elec   = imported auxiliary power × EF_grid
#     PE_fuel   = start-up or supplementary fossil fuel CO2
#   LE_y = 0 by default [U]
#
# The unoxidised CH4 (outlet) is excluded from BE by measuring in and out, so it is not charged again in PE.
# GWP: the methodology's value was not found (21 as in Chinese domestic accounting, or 28 as AR5) — callers must
# name the GWP set. Density: 0.716 kg/Nm³ (the CDM default ``cdm``) [U] — a parameter.
#
# Blends with ≥ 8 % gas (伏岩): only the CH4 of in-scope streams is credited. Our assumption [U]: the oxidised CH4
# and the energy produced are attributed to the streams pro rata to their CH4 (``Eligibility.eligible_ch4_share``);
# project emissions from imported power and fossil fuel are charged in full (conservative).

CCER_DENSITY_NAME_DEFAULT = "cdm"
"""CH4 density for CCER-10-001 emission reductions: 0.716 kg/Nm³ (CDM tool default), as the research note's
illustrative vector uses; the methodology's own value is [U]."""


def _nonneg(obj: object, names: Sequence[str], summary: str) -> None:
    problems = [Problem("must be ≥ 0", field=n, value=str(getattr(obj, n))) for n in names
                if not getattr(obj, n) >= 0]
    if problems:
        raise InputError(summary, problems)


@dataclass(frozen=True)
class CcerPeriodInputs:
    """Monitored totals of a CCER-10-001 project over one crediting period (or any accounting period).

    Parameters
    ----------
    ch4_in_nm3 : pure CH4 entering the flameless oxidisers, Σ Q_in × φ_in [Nm³, 0 °C] (from 1-s data).
    ch4_out_nm3 : pure CH4 leaving them unoxidised, Σ Q_out × φ_out [Nm³, 0 °C].
    net_power_mwh : net electricity supplied (gross − auxiliaries) [MWh].
    heat_supplied_gj : net heat supplied to users [GJ].
    aux_power_import_mwh : electricity imported for fans and auxiliaries [MWh].
    fossil_fuel_co2_t : CO2 of start-up or supplementary fossil fuel [t].
    leakage_t : leakage emissions [t CO2e] (0 by default [U]).
    """

    ch4_in_nm3: float
    ch4_out_nm3: float
    net_power_mwh: float = 0.0
    heat_supplied_gj: float = 0.0
    aux_power_import_mwh: float = 0.0
    fossil_fuel_co2_t: float = 0.0
    leakage_t: float = 0.0

    def __post_init__(self) -> None:
        _nonneg(self, ("ch4_in_nm3", "ch4_out_nm3", "net_power_mwh", "heat_supplied_gj", "aux_power_import_mwh",
                       "fossil_fuel_co2_t", "leakage_t"), "CCER-10-001: bad period inputs")
        if self.ch4_out_nm3 > self.ch4_in_nm3:
            raise InputError("CCER-10-001: more CH4 leaves the oxidisers than enters them",
                             [Problem("outlet CH4 exceeds inlet CH4", field="ch4_out_nm3", value=str(self.ch4_out_nm3),
                                      fix="check the inlet/outlet meters and their reference states")])


@dataclass(frozen=True)
class BaselineFactors:
    """Emission factors of the displaced energy (dated parameters; name them in reports).

    Parameters
    ----------
    grid_ef_t_per_mwh : grid baseline emission factor [t CO2/MWh] (e.g. a published national average of
        0.5703 t/MWh [U]); used for displaced and imported power.
    heat_baseline_efficiency_frac : efficiency of the heat source the project replaces [0–1].
    heat_baseline_fuel_ef_t_per_gj : emission factor of that source's fuel [t CO2/GJ fuel].
    """

    grid_ef_t_per_mwh: float = 0.0
    heat_baseline_efficiency_frac: float = 1.0
    heat_baseline_fuel_ef_t_per_gj: float = 0.0

    def __post_init__(self) -> None:
        _nonneg(self, ("grid_ef_t_per_mwh", "heat_baseline_fuel_ef_t_per_gj"), "CCER-10-001: bad baseline factors")
        if not 0 < self.heat_baseline_efficiency_frac <= 1:
            raise InputError("CCER-10-001: bad baseline factors",
                             [Problem("baseline heat efficiency must be within (0, 1]",
                                      field="heat_baseline_efficiency_frac",
                                      value=str(self.heat_baseline_efficiency_frac))])


@dataclass(frozen=True)
class EmissionReductions:
    """CCER-10-001 emission reductions of a period [t CO2e unless named otherwise]."""

    ch4_in_t: float
    ch4_oxidised_t: float
    ch4_unoxidised_t: float
    oxidation_frac: float
    eligible_ch4_share: float
    be_ch4_t: float
    be_elec_t: float
    be_heat_t: float
    pe_oxidation_co2_t: float
    pe_elec_t: float
    pe_fuel_t: float
    le_t: float
    credited: bool
    gwp_set: str
    gwp_value: float
    density: str
    reasons: list[str] = field(default_factory=list)
    methodology: str = METHODOLOGY_ID

    @property
    def be_t(self) -> float:
        return self.be_ch4_t + self.be_elec_t + self.be_heat_t

    @property
    def pe_t(self) -> float:
        return self.pe_oxidation_co2_t + self.pe_elec_t + self.pe_fuel_t

    @property
    def er_t(self) -> float:
        """``BE − PE − LE`` if the project is credited, else 0."""
        return self.be_t - self.pe_t - self.le_t if self.credited else 0.0


def emission_reductions(
    inputs: CcerPeriodInputs,
    factors: BaselineFactors,
    *,
    eligibility: Eligibility,
    gwp_set: str,
    horizon: int = 100,
    density_name: str = CCER_DENSITY_NAME_DEFAULT,
    charge_oxidation_co2: bool = True,
) -> EmissionReductions:
    """CCER-10-001-V01 emission reductions ``ER = BE − PE − LE`` for one period (structure [U], see above).

    Parameters
    ----------
    inputs : the period's monitored totals.
    factors : emission factors of the displaced power and heat.
    eligibility : the shared eligibility verdict (:func:`ccer_eligibility`); a non-eligible project is not
        credited (``er_t`` = 0, terms kept for display) and its ``eligible_ch4_share`` scales the credited CH4
        and energy (blends with ≥ 8 % gas).
    gwp_set : GWP set name (no default: the methodology's value is unknown — 'SAR' for 21, 'AR5' for 28).
    horizon : GWP horizon [yr].
    density_name : named 0 °C density (default 'cdm', 0.716 kg/Nm³ [U]).
    charge_oxidation_co2 : charge the CO2 of the oxidised CH4 (44/16) as project emission [U] (ACM0008 does).

    Examples
    --------
    Research-note illustrative vector: 40×10⁶ Nm³ CH4 in, η_ox 0.97, 72 000 MWh at 0.5703 → ER 548 061.2 t CO2e at
    GWP 21, 742 526.8 t at GWP 28.
    """
    rho_t = resolve_density("0C", density_name).t_per_m3
    g = gwp(gwp_set, horizon)
    share = eligibility.eligible_ch4_share if eligibility.eligible else 0.0
    ch4_in_t = inputs.ch4_in_nm3 * rho_t
    ox_t = (inputs.ch4_in_nm3 - inputs.ch4_out_nm3) * rho_t
    eta = ox_t / ch4_in_t if ch4_in_t > 0 else 0.0
    credited_ox_t = ox_t * share
    be_ch4 = credited_ox_t * g
    be_elec = inputs.net_power_mwh * share * factors.grid_ef_t_per_mwh
    be_heat = (inputs.heat_supplied_gj * share / factors.heat_baseline_efficiency_frac
               * factors.heat_baseline_fuel_ef_t_per_gj)
    pe_ox = credited_ox_t * CO2_PER_CH4_T_PER_T if charge_oxidation_co2 else 0.0
    pe_elec = inputs.aux_power_import_mwh * factors.grid_ef_t_per_mwh
    reasons = list(eligibility.reasons)
    if share < 1.0 and eligibility.eligible:
        reasons.append(f"only {share:.4f} of the CH4 comes from in-scope streams — credited pro rata [U]")
    return EmissionReductions(ch4_in_t, ox_t, ch4_in_t - ox_t, eta, share, be_ch4, be_elec, be_heat, pe_ox, pe_elec,
                              inputs.fossil_fuel_co2_t, inputs.leakage_t, eligibility.eligible, gwp_set, g,
                              density_name, reasons)


def crediting_window(period_start: datetime, period_end: datetime,
                     networking_complete_at: datetime | None) -> tuple[datetime, datetime] | None:
    """The part of ``[period_start, period_end)`` that may be credited: reductions count only after the
    monitoring data are connected to the national platform, trial run included [V]. None if nothing counts.

    All datetimes must be timezone-aware.
    """
    for name, d in (("period_start", period_start), ("period_end", period_end),
                    ("networking_complete_at", networking_complete_at)):
        if d is not None and d.tzinfo is None:
            raise InputError("CCER-10-001: naive datetime", [Problem("a time zone is required", field=name,
                                                                     value=str(d))])
    if networking_complete_at is None:
        return None
    start = max(period_start, networking_complete_at)
    return (start, period_end) if start < period_end else None


# --------------------------------------------------------------------------------------------------------------
# CDM ACM0008 fallback (MRV research note §4.3; structure from memory [U])

ACM0008_ID = "CDM-ACM0008"

BeBasis = Literal["destroyed", "captured"]


@dataclass(frozen=True)
class MethaneUse:
    """A destination of captured CH4 under ACM0008: pure CH4 sent to it [Nm³, 0 °C] and its destruction efficiency."""

    name: str
    ch4_nm3: float
    destruction_frac: float

    def __post_init__(self) -> None:
        if not self.ch4_nm3 >= 0 or not 0 <= self.destruction_frac <= 1:
            raise InputError("ACM0008: bad methane use",
                             [Problem("CH4 must be ≥ 0 and efficiency within 0–1", field=self.name,
                                      value=f"{self.ch4_nm3}, {self.destruction_frac}")])


@dataclass(frozen=True)
class Acm0008Result:
    """ACM0008 terms [t CH4 or t CO2e]."""

    md_t: float
    captured_t: float
    unburnt_t: float
    be_md_t: float
    be_use_t: float
    pe_md_t: float
    pe_um_t: float
    pe_me_t: float
    le_t: float
    be_basis: str
    gwp_value: float
    methodology: str = ACM0008_ID

    @property
    def er_t(self) -> float:
        return self.be_md_t + self.be_use_t - self.pe_md_t - self.pe_um_t - self.pe_me_t - self.le_t


def acm0008_emission_reductions(
    uses: Sequence[MethaneUse],
    *,
    gwp_set: str,
    horizon: int = 100,
    density_name: str = CCER_DENSITY_NAME_DEFAULT,
    be_basis: BeBasis = "destroyed",
    charge_unburnt: bool = True,
    displaced_power_mwh: float = 0.0,
    displaced_heat_gj: float = 0.0,
    grid_ef_t_per_mwh: float = 0.0,
    heat_ef_t_per_gj: float = 0.0,
    project_energy_mwh: float = 0.0,
    leakage_t: float = 0.0,
) -> Acm0008Result:
    """ACM0008-style emission reductions ``ER = BE_MD + BE_Use − PE_MD − PE_UM − PE_ME − LE`` [U].

    - ``BE_MD``: CH4 destroyed (``be_basis='destroyed'``) or all CH4 captured (``'captured'``) × GWP;
    - ``BE_Use``: displaced power × EF_grid + displaced heat × EF_heat;
    - ``PE_MD``: CO2 of the CH4 destroyed (× 44/16);
    - ``PE_UM``: CH4 not destroyed × GWP (``charge_unburnt``). With BE on the destroyed basis this charges the
      unburnt CH4 a second time — the conservative convention of the research note's vector; with BE on the
      captured basis it is required;
    - ``PE_ME``: energy used for capture, transport and destruction × EF_grid.

    Research-note vector (GWP 28, ρ 0.716): engines 10×10⁶ Nm³ at 0.995, flare 2×10⁶ at 0.90, 37 788.9 MWh
    displaced, 1 500 MWh used, EF 0.5703 → ER 228 111.8 t (destroyed basis) or 233 123.8 t (captured basis).
    """
    if be_basis not in ("destroyed", "captured"):
        raise InputError("ACM0008: bad baseline basis", [Problem("unknown basis", field="be_basis",
                                                                 value=str(be_basis),
                                                                 fix="use 'destroyed' or 'captured'")])
    rho_t = resolve_density("0C", density_name).t_per_m3
    g = gwp(gwp_set, horizon)
    md = sum(u.ch4_nm3 * u.destruction_frac for u in uses) * rho_t
    captured = sum(u.ch4_nm3 for u in uses) * rho_t
    unburnt = captured - md
    be_md = (md if be_basis == "destroyed" else captured) * g
    be_use = displaced_power_mwh * grid_ef_t_per_mwh + displaced_heat_gj * heat_ef_t_per_gj
    return Acm0008Result(md, captured, unburnt, be_md, be_use, md * CO2_PER_CH4_T_PER_T,
                         unburnt * g if charge_unburnt else 0.0, project_energy_mwh * grid_ef_t_per_mwh, leakage_t,
                         be_basis, g)
