"""China NDRC 2015 coal-enterprise GHG guideline — CH4 and flare CO2 (pure functions).

《中国煤炭生产企业温室气体排放核算方法与报告指南（试行）》, drafted by NCSC for NDRC and issued in 2015.
**The guideline's own formulas were not available to us** (MRV research note §3.4): every equation here is
reconstructed from two independent third-party implementations that agree — an open-source carbon-accounting
front end (coal module) and a 2021 Chinese research model of coal-mine CH4 — so the whole module is [S]. Check it
against the guideline PDF before filing reports.

Constants and their sources:

- CH4 density **7.17 t / 10⁴ Nm³** at 0 °C, 101.325 kPa (the named density ``cn-2015``) [S];
- GWP **21** (SAR), China's enterprise-reporting convention (the ``SAR`` GWP set) [V: MEE 2021 reply; S for the
  guideline itself] — a parameter;
- surface and post-mining emission factors in kg CH4 per t raw coal (1.34 / 2.01 / 0.60 / 0.34), which are the
  m³/t factors 2.0 / 3.0 / 0.9 / 0.5 at the **IPCC 20 °C density 0.67 kg/m³** [S] — they are masses already, so
  no density is applied to them, and they are never mixed with the 0.717 of the underground term;
- flare carbon content from the gas composition with the molar volume 22.4 m³/kmol (0 °C) and carbon oxidation
  rate 98 % [S];
- mine gas classes (低瓦斯/高瓦斯/突出) from the Coal Mine Safety Regulations thresholds 10 m³/t and 40 m³/min [S].

Volumes are in 10⁴ Nm³ (万Nm³, 0 °C, 101.325 kPa) as the guideline reports them (``_wan_nm3``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from minegas.errors import InputError, Problem
from minegas.physics.climate import gwp
from minegas.physics.constants import MIN_PER_DAY, WAN
from minegas.physics.density import resolve_density

METHODOLOGY_ID = "CN-NDRC-2015-COAL"
VERSION = "中国煤炭生产企业温室气体排放核算方法与报告指南（试行）(2015), reconstructed [S]"

DENSITY_NAME = "cn-2015"
"""7.17 t CH4 / 10⁴ Nm³ at 0 °C, 101.325 kPa — NDRC 2015 guideline as implemented by third parties [S]."""

GWP_SET_DEFAULT = "SAR"
"""GWP 21 (IPCC SAR), the Chinese enterprise-reporting convention [V: MEE 2021 reply; S: guideline]."""

MOLAR_VOLUME_M3_PER_KMOL = 22.4
"""Molar volume of an ideal gas at 0 °C, 1 atm used in the flare carbon-content formula [S]."""

C_TO_CO2 = 44.0 / 12.0
"""t CO2 per t C (stoichiometric), flare formula [S]."""

FLARE_OXIDATION_FRAC_DEFAULT = 0.98
"""Carbon oxidation rate of a flare, guideline default 98 % [S] (MRV research note §3.4, §4.4)."""

EF_KG_CH4_PER_T: dict[str, float] = {
    "surface_mining": 1.34,
    "post_mining_high_outburst": 2.01,
    "post_mining_low": 0.60,
    "post_mining_surface": 0.34,
}
"""Surface-mining and post-mining CH4 emission factors [kg CH4 / t raw coal], NDRC 2015 guideline via
third-party implementations [S]. Equal to 2.0 / 3.0 / 0.9 / 0.5 m³/t × 0.67 kg/m³ (IPCC 20 °C density); the
research model uses 0.94 m³/t for low-gas mines (0.63 kg/t) [S]."""

CARBON_ATOMS: dict[str, int] = {"CH4": 1, "C2H6": 2, "C3H8": 3, "C4H10": 4, "C5H12": 5, "CO": 1, "CO2": 1}
"""Carbon atoms per molecule n_C of the species accepted in a gas composition."""

GRID_EF_T_PER_MWH_THIRD_PARTY = 0.5366
"""Grid emission factor used by the third-party implementation [t CO2/MWh]; provenance undocumented (possibly one
of MEE's published national averages) [U]. Pass the year's official factor; this value only reproduces that tool."""

CO2_DENSITY_T_PER_WAN_NM3_UNVERIFIED = 19.7
"""CO2 density for the underground CO2-escape term [t/10⁴ Nm³]; the guideline's value is not confirmed [U]
(ideal gas at 0 °C gives 19.64)."""

GasClass = Literal["low", "high", "outburst"]


def _bad(summary: str, fld: str, value: object, fix: str = "") -> InputError:
    return InputError(summary, [Problem(summary, field=fld, value=str(value), fix=fix or None)])


def _density_t_per_wan_nm3(density_name: str) -> float:
    return resolve_density("0C", density_name).t_per_wan_m3


# --------------------------------------------------------------------------------------------------------------
# underground mining CH4


@dataclass(frozen=True)
class MonthlyUndergroundGas:
    """One month of underground CH4 flows for the guideline [10⁴ Nm³ pure CH4, 0 °C].

    Parameters
    ----------
    q_vent_wan_nm3 : CH4 in ventilation air (风排量).
    q_drain_wan_nm3 : CH4 drained (抽放量).
    q_flare_wan_nm3 : CH4 destroyed by flaring (火炬销毁量) — see :func:`flare` for the CH4 actually burnt.
    q_util_wan_nm3 : CH4 recovered and used (回收利用量).
    label : the month, e.g. '2025-03'.
    """

    q_vent_wan_nm3: float
    q_drain_wan_nm3: float
    q_flare_wan_nm3: float = 0.0
    q_util_wan_nm3: float = 0.0
    label: str = ""

    def __post_init__(self) -> None:
        problems = [Problem("must be ≥ 0", field=f, value=str(getattr(self, f)), line=None)
                    for f in ("q_vent_wan_nm3", "q_drain_wan_nm3", "q_flare_wan_nm3", "q_util_wan_nm3")
                    if not getattr(self, f) >= 0]
        if problems:
            raise InputError(f"China guideline: bad monthly gas figures {self.label}".strip(), problems)

    @property
    def net_wan_nm3(self) -> float:
        """Vented + drained − flared − used, before clamping [10⁴ Nm³]."""
        return self.q_vent_wan_nm3 + self.q_drain_wan_nm3 - self.q_flare_wan_nm3 - self.q_util_wan_nm3


@dataclass(frozen=True)
class UndergroundCh4:
    """Result of :func:`underground_ch4`."""

    net_wan_nm3: float
    ch4_t: float
    co2e_t: float
    monthly_net_wan_nm3: list[float] = field(default_factory=list)
    clamped_months: list[str] = field(default_factory=list)
    gwp_set: str = GWP_SET_DEFAULT
    gwp_value: float = 21.0
    density: str = DENSITY_NAME
    methodology: str = METHODOLOGY_ID


def underground_ch4(months: Sequence[MonthlyUndergroundGas], *, gwp_set: str = GWP_SET_DEFAULT, horizon: int = 100,
                    density_name: str = DENSITY_NAME, clamp_monthly: bool = True) -> UndergroundCh4:
    """CH4 escape from underground mining (井工开采CH4逃逸排放) [S].

    ``E_CH4_UG = Σ_months max(0, Q_vent + Q_drain − Q_flare − Q_util) × ρ × GWP`` with ρ = 7.17 t/10⁴ Nm³ and
    GWP 21 by default. The third-party implementations clamp each month's net at 0 and sum the months [S];
    ``clamp_monthly=False`` sums the unclamped months instead (and clamps the year).

    Returns
    -------
    :class:`UndergroundCh4`: net volume [10⁴ Nm³], t CH4, t CO2e, per-month nets and the months clamped.

    Examples
    --------
    CN-UG-1 (MRV note §3.4): 1 500 + 2 000 − 100 − 1 200 = 2 200 × 10⁴ Nm³ → 15 774 t CH4 → 331 254 t CO2e.
    """
    nets: list[float] = []
    clamped: list[str] = []
    for k, m in enumerate(months):
        raw = m.net_wan_nm3
        if clamp_monthly and raw < 0:
            clamped.append(m.label or f"#{k + 1}")
            raw = 0.0
        nets.append(raw)
    net = sum(nets) if clamp_monthly else max(0.0, sum(nets))
    ch4 = net * _density_t_per_wan_nm3(density_name)
    g = gwp(gwp_set, horizon)
    return UndergroundCh4(net, ch4, ch4 * g, nets, clamped, gwp_set, g, density_name)


def ventilation_from_spot_wan_nm3(q_vent_nm3_min: float, working_days: float) -> float:
    """Monthly ventilation CH4 of a mine without continuous gas monitoring, from spot data [10⁴ Nm³] [S]:

    ``Q_vent = q_vent (Nm³ CH4/min, monthly mean) × working days × 1440 × 10⁻⁴``

    CN-UG-2: 150 Nm³/min × 30 d → 648.0 × 10⁴ Nm³.
    """
    if not q_vent_nm3_min >= 0:
        raise _bad("ventilation CH4 flow must be ≥ 0", "q_vent_nm3_min", q_vent_nm3_min)
    if not 0 <= working_days <= 31:
        raise _bad("working days must be within 0–31 per month", "working_days", working_days)
    return q_vent_nm3_min * working_days * MIN_PER_DAY / WAN


# --------------------------------------------------------------------------------------------------------------
# surface and post-mining CH4


def mine_gas_class(relative_m3_per_t: float, absolute_m3_min: float, outburst: bool = False) -> GasClass:
    """Mine gas class (矿井瓦斯等级) [S, third-party mining notes on the Coal Mine Safety Regulations]:
    outburst (煤与瓦斯突出矿井) if outburst-prone; low-gas (低瓦斯矿井) if relative emission ≤ 10 m³/t **and**
    absolute emission ≤ 40 m³/min; otherwise high-gas (高瓦斯矿井)."""
    if not (relative_m3_per_t >= 0 and absolute_m3_min >= 0):
        raise _bad("gas emission rates must be ≥ 0", "relative_m3_per_t/absolute_m3_min",
                   (relative_m3_per_t, absolute_m3_min))
    if outburst:
        return "outburst"
    if relative_m3_per_t <= 10.0 and absolute_m3_min <= 40.0:
        return "low"
    return "high"


@dataclass(frozen=True)
class ProductionCh4:
    """CH4 from surface or post-mining activity: factor used, t CH4, t CO2e."""

    activity: str
    ef_kg_per_t: float
    ch4_t: float
    co2e_t: float
    gwp_set: str
    methodology: str = METHODOLOGY_ID


def production_ch4(coal_t: float, activity: str, *, ef_kg_per_t: float | None = None,
                   gwp_set: str = GWP_SET_DEFAULT, horizon: int = 100) -> ProductionCh4:
    """CH4 from surface mining or post-mining activities [S]: ``coal (t) × EF (kg CH4/t) × 10⁻³ × GWP``.

    Parameters
    ----------
    coal_t : raw coal production [t].
    activity : a key of :data:`EF_KG_CH4_PER_T`.
    ef_kg_per_t : override the factor [kg CH4/t].

    Examples
    --------
    CN-PM-1: 3 000 000 t, high-gas mine, EF 2.01 → 6 030 t CH4 → 126 630 t CO2e (GWP 21).
    """
    if activity not in EF_KG_CH4_PER_T:
        raise _bad("unknown activity", "activity", activity, f"use one of {', '.join(EF_KG_CH4_PER_T)}")
    if not coal_t >= 0:
        raise _bad("coal production must be ≥ 0", "coal_t", coal_t)
    ef = EF_KG_CH4_PER_T[activity] if ef_kg_per_t is None else ef_kg_per_t
    if not ef >= 0:
        raise _bad("emission factor must be ≥ 0", "ef_kg_per_t", ef)
    ch4 = coal_t * ef / 1000.0
    return ProductionCh4(activity, ef, ch4, ch4 * gwp(gwp_set, horizon), gwp_set)


def post_mining_ch4(coal_t: float, gas_class: GasClass, *, underground: bool = True,
                    gwp_set: str = GWP_SET_DEFAULT, horizon: int = 100) -> ProductionCh4:
    """Post-mining CH4 (采后活动) by mine gas class [S]: high-gas and outburst mines 2.01, low-gas 0.60 kg/t;
    surface mines 0.34 kg/t (``underground=False``). CN-PM-2: 3 Mt low-gas → 1 800 t CH4 → 37 800 t CO2e."""
    if gas_class not in ("low", "high", "outburst"):
        raise _bad("unknown gas class", "gas_class", gas_class, "use low, high or outburst")
    if not underground:
        activity = "post_mining_surface"
    else:
        activity = "post_mining_low" if gas_class == "low" else "post_mining_high_outburst"
    return production_ch4(coal_t, activity, gwp_set=gwp_set, horizon=horizon)


# --------------------------------------------------------------------------------------------------------------
# flare CO2


def flare_carbon_content_t_per_wan_nm3(composition_frac: Mapping[str, float], include_co2: bool = False) -> float:
    """Carbon content of flared gas CC [t C / 10⁴ Nm³] [S]: ``Σ_i 12 × n_C,i × φ_i × 10 / 22.4``.

    Parameters
    ----------
    composition_frac : volume fraction [0–1] of each carbon species (keys of :data:`CARBON_ATOMS`).
    include_co2 : whether CO2 already in the gas counts (the oil and gas guideline adds it; for the coal
        guideline this is [U]); default False (only non-CO2 carbon, as the third-party code does).
    """
    total = 0.0
    problems: list[Problem] = []
    for sp, phi in composition_frac.items():
        if sp not in CARBON_ATOMS:
            problems.append(Problem("unknown species", field="composition_frac", value=sp,
                                    fix=f"use {', '.join(CARBON_ATOMS)}"))
            continue
        if not 0 <= phi <= 1:
            problems.append(Problem("volume fraction must be within 0–1", field=f"composition_frac[{sp}]",
                                    value=str(phi)))
            continue
        if sp == "CO2" and not include_co2:
            continue
        total += 12.0 * CARBON_ATOMS[sp] * phi * 10.0 / MOLAR_VOLUME_M3_PER_KMOL
    if sum(composition_frac.values()) > 1.0 + 1e-9:
        problems.append(Problem("volume fractions add up to more than 1", field="composition_frac",
                                value=str(sum(composition_frac.values()))))
    if problems:
        raise InputError("China guideline: bad flare gas composition", problems)
    return total


@dataclass(frozen=True)
class FlareResult:
    """Flare CO2 [t] and the CH4 it destroyed [10⁴ Nm³] (for the Q_flare term of :func:`underground_ch4`)."""

    carbon_content_t_per_wan_nm3: float
    co2_t: float
    ch4_destroyed_wan_nm3: float
    oxidation_frac: float


def flare(q_flare_mixed_wan_nm3: float, composition_frac: Mapping[str, float], *,
          oxidation_frac: float = FLARE_OXIDATION_FRAC_DEFAULT, include_co2: bool = False) -> FlareResult:
    """CO2 from flaring mine gas (火炬燃烧排放) [S]: ``E = Q_flare_mixed × CC × OF × 44/12`` [t CO2].

    The CH4 destroyed, for the underground term, is ``Q_flare_mixed × φ_CH4 × OF`` — our convention [U]: the 2 %
    not oxidised then counts as emitted.

    Examples
    --------
    CN-FL-1: 100 × 10⁴ Nm³ of 40 % gas, OF 0.98 → CC 2.142857 t C/10⁴ Nm³, 770.0 t CO2, 39.2 × 10⁴ Nm³ CH4.
    """
    if not q_flare_mixed_wan_nm3 >= 0:
        raise _bad("flared volume must be ≥ 0", "q_flare_mixed_wan_nm3", q_flare_mixed_wan_nm3)
    if not 0 <= oxidation_frac <= 1:
        raise _bad("oxidation rate must be within 0–1", "oxidation_frac", oxidation_frac)
    cc = flare_carbon_content_t_per_wan_nm3(composition_frac, include_co2)
    co2 = q_flare_mixed_wan_nm3 * cc * oxidation_frac * C_TO_CO2
    ch4 = q_flare_mixed_wan_nm3 * composition_frac.get("CH4", 0.0) * oxidation_frac
    return FlareResult(cc, co2, ch4, oxidation_frac)


# --------------------------------------------------------------------------------------------------------------
# other items of the reporting boundary


def co2_escape_t(q_co2_vent_wan_nm3: float, q_co2_drain_wan_nm3: float, *,
                 co2_density_t_per_wan_nm3: float = CO2_DENSITY_T_PER_WAN_NM3_UNVERIFIED) -> float:
    """CO2 escape from underground mining [t CO2]: ``(CO2 in ventilation air + CO2 in drained gas) × ρ_CO2``.
    Structure and the 19.7 t/10⁴ Nm³ density are [U] (not confirmed in the sources we hold)."""
    if not (q_co2_vent_wan_nm3 >= 0 and q_co2_drain_wan_nm3 >= 0):
        raise _bad("CO2 volumes must be ≥ 0", "q_co2_*_wan_nm3", (q_co2_vent_wan_nm3, q_co2_drain_wan_nm3))
    return (q_co2_vent_wan_nm3 + q_co2_drain_wan_nm3) * co2_density_t_per_wan_nm3


def purchased_electricity_co2_t(net_purchased_mwh: float, grid_ef_t_per_mwh: float) -> float:
    """CO2 of net purchased electricity ``MWh × EF_grid`` [t CO2] [S]. The factor is a dated parameter; the
    third-party tool's 0.5366 (:data:`GRID_EF_T_PER_MWH_THIRD_PARTY`) is of unknown provenance [U]."""
    if not grid_ef_t_per_mwh >= 0:
        raise _bad("grid emission factor must be ≥ 0", "grid_ef_t_per_mwh", grid_ef_t_per_mwh)
    return net_purchased_mwh * grid_ef_t_per_mwh
