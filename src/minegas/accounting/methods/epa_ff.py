"""US EPA Greenhouse Gas Reporting Program, 40 CFR Part 98 Subpart FF — underground coal mines.

Pure functions for Equations FF-1 … FF-8 and the missing-data rule of §98.325.

Sources (MRV research note §2, tags [V]/[S]/[U]): the eCFR text of §§98.321, 98.322, 98.323, 98.325, 98.326,
98.328 as amended to 89 FR 31938 (2024-04-25) [V]; the equations in that text are images, so each formula is
rebuilt from the rule's own list of variables — FF-1's structure is unambiguous [V]; FF-3's summation over days
is [U]. §98.324 (monitoring and QA/QC, with the text of FF-9) and §98.327 were **not available** [U].

Conventions kept exactly as printed so that EPA figures reproduce: CH4 density 0.0423 lb/scf at 520 °R and
1 atm (the named density ``epa-ff``), the standard temperature **520 °R** (not 519.67), and **0.454/1000 t/lb**
(:data:`minegas.physics.constants.KG_PER_LB_EPA`, not 0.45359237).

Time bases: ventilation is quarterly (Jan–Mar, Apr–Jun, Jul–Sep, Oct–Dec); degasification weekly, summed to
the quarter (FF-4). Parameters V, C, T, P, f_H2O are averages: spot measurements at least quarterly (≥ 6 weeks
apart) for ventilation, at least weekly (≥ 3 days apart) for degasification; more frequent data are averaged,
continuous data averaged over the monitored period [V]. FF-1/FF-3 **multiply the averages** (not the average of
the products), and §98.325 substitutes **each parameter separately** — see :func:`parameter_average`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from minegas.accounting.gaps import EPA_98_325, GapRule, fill_samples
from minegas.accounting.reference_integration import Method, integrate
from minegas.errors import InputError, Problem
from minegas.physics.constants import CO2_PER_CH4_T_PER_T, KG_PER_LB, KG_PER_LB_EPA, M3_PER_FT3, MIN_PER_DAY
from minegas.physics.density import resolve_density
from minegas.physics.states import moisture_correction

METHODOLOGY_ID = "US-EPA-40CFR98-FF"
VERSION = "40 CFR 98 Subpart FF as amended by 89 FR 31938 (2024-04-25)"

DENSITY_NAME = "epa-ff"
"""The named density of Subpart FF (docs/conventions.md §2), defined at the ``60F`` state."""

CH4_DENSITY_LB_PER_SCF = resolve_density("60F", DENSITY_NAME).kg_m3 * M3_PER_FT3 / KG_PER_LB
"""0.0423 lb/scf — CH4 density at 520 °R and 1 atm, 40 CFR 98.323 Eq. FF-1/FF-3 [V] (recovered from the named
density ``epa-ff``, which stores it in kg/m³)."""

T_STD_R = 520.0
"""Standard temperature of FF-1/FF-3 [°R], as printed in 40 CFR 98.323 (60 °F is 519.67 °R) [V]."""

P_STD_ATM = 1.0
"""Standard pressure of FF-1/FF-3 [atm] (the factor P/1), 40 CFR 98.323 [V]."""

T_PER_LB = KG_PER_LB_EPA / 1000.0
"""0.454/1000 t/lb as printed in 40 CFR 98.323 FF-1/FF-3 [V]."""

DE_CAP = 0.99
"""Maximum destruction efficiency of any on-site device, 40 CFR 98.323 Eq. FF-5: DE = min(manufacturer, 0.99) [V].
Subpart FF has no flare default (e.g. 0.98); that is a convention of other programmes."""

DE_OFFSITE = 1.0
"""Destruction efficiency for gas transferred off-site for destruction, 40 CFR 98.323 Eq. FF-5 [V]."""

VENTILATION_THRESHOLD_ACF_PER_YR = 36_500_000.0
"""§98.322(f): a facility brought in only by other source categories reports ventilation CH4 under FF if its
ventilation system liberates ≥ 36 500 000 actual ft³ CH4 per year (≈ 100 000 acf/day) [V]."""

RANKINE_OFFSET = 459.67
"""°R = °F + 459.67 (40 CFR 98.323 variable T) [V]."""

FlowBasis = Literal["acfm", "scfm"]


def _bad(summary: str, fld: str, value: object, fix: str) -> InputError:
    return InputError(summary, [Problem(summary, field=fld, value=str(value), fix=fix)])


@dataclass(frozen=True)
class FlowParameters:
    """The FF-1/FF-3 parameters of one monitoring point (averages over the quarter, or over one day).

    Parameters
    ----------
    flow_cfm : V, volumetric flow rate [ft³/min]: actual (acfm) or, if the meter corrects to standard
        conditions, standard (scfm) — see ``flow_basis``.
    ch4_pct : C, CH4 concentration [% vol].
    flow_basis : 'acfm' (then T and P are required) or 'scfm' (the factor (520/T)(P/1) is 1) [V].
    t_r : T, flow temperature [°R] (°F + 459.67); acfm only.
    p_atm : P, absolute flow pressure [atm]; acfm only. The annual mean barometric pressure of the nearest NOAA
        station may be used as a default [V].
    mcf : moisture correction factor (see :func:`moisture_correction_factor`) [–].
    k_goc : FF-9 gaseous-organic concentration correction, ``C_CH4 = C_measured × k_GOC``, when CH4 is measured
        with an analyser that reports total gaseous organics. Form and use are [U] (§98.324 not available);
        1 when FF-9 is not required.
    """

    flow_cfm: float
    ch4_pct: float
    flow_basis: FlowBasis = "acfm"
    t_r: float | None = None
    p_atm: float | None = None
    mcf: float = 1.0
    k_goc: float = 1.0

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        if not self.flow_cfm >= 0:
            problems.append(Problem("flow rate V must be ≥ 0", field="flow_cfm", value=str(self.flow_cfm)))
        if not 0 <= self.ch4_pct <= 100:
            problems.append(Problem("CH4 concentration C must be within 0–100 %", field="ch4_pct",
                                    value=str(self.ch4_pct)))
        if self.flow_basis not in ("acfm", "scfm"):
            problems.append(Problem("flow basis must be 'acfm' or 'scfm'", field="flow_basis",
                                    value=str(self.flow_basis)))
        if self.flow_basis == "acfm":
            if self.t_r is None or not self.t_r > 0:
                problems.append(Problem("an actual flow (acfm) needs the flow temperature T > 0 °R", field="t_r",
                                        value=str(self.t_r), fix="give T in °R (°F + 459.67) or use scfm"))
            if self.p_atm is None or not self.p_atm > 0:
                problems.append(Problem("an actual flow (acfm) needs the absolute pressure P > 0 atm", field="p_atm",
                                        value=str(self.p_atm), fix="give P in atm (absolute)"))
        if not self.mcf > 0:
            problems.append(Problem("MCF must be > 0", field="mcf", value=str(self.mcf)))
        if not self.k_goc > 0:
            problems.append(Problem("k_GOC must be > 0", field="k_goc", value=str(self.k_goc)))
        if problems:
            raise InputError("Subpart FF: bad flow parameters", problems)

    @property
    def standard_factor(self) -> float:
        """The temperature/pressure factor ``(520/T) × (P/1)``; 1 for scfm [V]."""
        if self.flow_basis == "scfm":
            return 1.0
        assert self.t_r is not None and self.p_atm is not None
        return (T_STD_R / self.t_r) * (self.p_atm / P_STD_ATM)


def moisture_correction_factor(flow_basis: Literal["wet", "dry"], conc_basis: Literal["wet", "dry"],
                               f_h2o: float) -> float:
    """MCF of FF-1/FF-3 [V]: 1 if V and C share a basis; ``1 − f`` for wet V and dry C; ``1/(1 − f)`` for dry V
    and wet C. ``f_h2o`` is the moisture content [ft³ H2O / ft³ gas]."""
    return float(moisture_correction(flow_basis, conc_basis, f_h2o))


def rankine_from_fahrenheit(t_f: float) -> float:
    """°R = °F + 459.67 [V: 40 CFR 98.323 variable T]."""
    return t_f + RANKINE_OFFSET


def ch4_t_per_day(p: FlowParameters) -> float:
    """CH4 liberated in one full day of operation at a point [t CH4/d]:

    ``V × MCF × (C × k_GOC / 100) × 0.0423 × (520/T) × (P/1) × 1440 × 0.454/1000``
    (40 CFR 98.323 FF-1 and FF-3 per day) [V].
    """
    return (p.flow_cfm * p.mcf * (p.ch4_pct * p.k_goc / 100.0) * CH4_DENSITY_LB_PER_SCF * p.standard_factor
            * MIN_PER_DAY * T_PER_LB)


def active_days(active_hours: float) -> float:
    """n of FF-1/FF-3: days of operation = active hours / 24 [V]."""
    if not active_hours >= 0:
        raise _bad("active hours must be ≥ 0", "active_hours", active_hours, "give the hours of operation")
    return active_hours / 24.0


def ff1_ventilation_t(p: FlowParameters, days: float) -> float:
    """FF-1: quarterly CH4 liberated at a ventilation monitoring point [t CH4].

    ``CH4V = V × MCF × (C/100) × 0.0423 × (520/T) × (P/1) × 1440 × n × 0.454/1000`` [V]

    Parameters
    ----------
    p : the point's quarterly average parameters.
    days : n, active-ventilation days in the quarter (active hours / 24), 0–92.
    """
    if not 0 <= days <= 92:
        raise _bad("FF-1: active ventilation days must be within 0–92 per quarter", "days", days,
                   "n = active hours in the quarter / 24")
    return ch4_t_per_day(p) * days


def ff2_ventilation_total_t(points_t: Sequence[float]) -> float:
    """FF-2: total quarterly ventilation CH4 over all ventilation monitoring points [t CH4] [V]."""
    return float(sum(points_t))


@dataclass(frozen=True)
class DegasDay:
    """One day of a degasification point for FF-3: the day's parameters and its operating fraction (hours/24)."""

    params: FlowParameters
    operating_frac: float = 1.0

    def __post_init__(self) -> None:
        if not 0 <= self.operating_frac <= 1:
            raise _bad("FF-3: operating fraction of a day must be within 0–1", "operating_frac",
                       self.operating_frac, "hours of operation that day / 24")


def ff3_degasification_t(days: Sequence[DegasDay]) -> float:
    """FF-3: weekly CH4 liberated at a degasification monitoring point [t CH4].

    ``CH4D = Σ_i V_i × MCF_i × (C_i/100) × 0.0423 × (520/T_i) × (P_i/1) × 1440 × 0.454/1000`` over the days i the
    system ran, each weighted by its operating fraction (n = operating hours / 24). The variables are [V]; the
    day-by-day summation is our reading of the equation [U] — with one weekly average it reduces to FF-1's form
    (:func:`ff3_from_weekly_average`).
    """
    if len(days) > 7:
        raise _bad("FF-3: a week has at most 7 days", "days", len(days), "split the data by calendar week")
    return float(sum(ch4_t_per_day(d.params) * d.operating_frac for d in days))


def ff3_from_weekly_average(p: FlowParameters, operating_days: float) -> float:
    """FF-3 with one weekly average of the parameters: ``CH4D = (FF-3 daily term) × n`` [t CH4] [V/U]."""
    if not 0 <= operating_days <= 7:
        raise _bad("FF-3: operating days must be within 0–7 per week", "operating_days", operating_days,
                   "n = operating hours in the week / 24")
    return ch4_t_per_day(p) * operating_days


def ff4_degasification_total_t(weekly_t: Sequence[float]) -> float:
    """FF-4: quarterly degasification CH4, the sum over points and weeks of FF-3 [t CH4] [V]."""
    return float(sum(weekly_t))


def destruction_efficiency(manufacturer_de_frac: float | None, offsite: bool = False) -> float:
    """DE of FF-5: ``min(manufacturer-specified DE, 0.99)``, or 1 for gas transported off-site for destruction [V].

    Raises
    ------
    InputError
        For an on-site device without a manufacturer DE, or a DE outside 0–1.
    """
    if offsite:
        return DE_OFFSITE
    if manufacturer_de_frac is None or not 0 <= manufacturer_de_frac <= 1:
        raise _bad("FF-5: an on-site destruction device needs the manufacturer-specified DE within 0–1",
                   "manufacturer_de_frac", manufacturer_de_frac, "give the DE as a fraction, e.g. 0.98")
    return min(manufacturer_de_frac, DE_CAP)


@dataclass(frozen=True)
class DestructionDevice:
    """A destruction device or off-site transfer point (FF-5) for one quarter.

    Parameters
    ----------
    name : label.
    routed_ch4_t : CH4 routed to it in the quarter [t], computed with FF-1 or FF-3.
    manufacturer_de_frac : manufacturer-specified destruction efficiency [0–1] (on-site devices).
    offsite : gas transported off-site for destruction (DE = 1).
    energy_use : the device burns the gas as a fuel for energy (engine, boiler); its CO2 is reported under
        Subpart C, not FF-8 [V].
    """

    name: str
    routed_ch4_t: float
    manufacturer_de_frac: float | None = None
    offsite: bool = False
    energy_use: bool = False

    @property
    def de_frac(self) -> float:
        return destruction_efficiency(self.manufacturer_de_frac, self.offsite)


def ff5_destroyed_t(device: DestructionDevice) -> float:
    """FF-5: CH4 destroyed by one device or off-site point in the quarter, ``routed × DE`` [t CH4] [V]."""
    if not device.routed_ch4_t >= 0:
        raise _bad("FF-5: routed CH4 must be ≥ 0", "routed_ch4_t", device.routed_ch4_t, "")
    return device.routed_ch4_t * device.de_frac


def ff6_destroyed_total_t(devices: Sequence[DestructionDevice]) -> float:
    """FF-6: total CH4 destroyed over all on-site devices and off-site points [t CH4] [V]."""
    return float(sum(ff5_destroyed_t(d) for d in devices))


def ff7_net_emissions_t(ventilation_total_t: float, degasification_total_t: float, destroyed_total_t: float) -> float:
    """FF-7: quarterly net CH4 emissions ``CH4V + CH4D − CH4_destroyed`` [t CH4] [V]."""
    return ventilation_total_t + degasification_total_t - destroyed_total_t


def ff8_co2_t(devices: Sequence[DestructionDevice]) -> float:
    """FF-8: CO2 from on-site destruction that is not a fuel input for energy (flares, VAM oxidisers) [t CO2]:
    ``CH4 destroyed × 44/16`` [V]. Off-site transfers and energy uses (Subpart C) are left out."""
    return float(sum(ff5_destroyed_t(d) for d in devices if not d.offsite and not d.energy_use)) * CO2_PER_CH4_T_PER_T


@dataclass(frozen=True)
class QuarterResult:
    """A quarter's Subpart FF totals [t] and the audit fields."""

    ventilation_t: float
    degasification_t: float
    destroyed_t: float
    net_ch4_t: float
    co2_nonenergy_t: float
    destroyed_by_device_t: dict[str, float] = field(default_factory=dict)
    methodology: str = METHODOLOGY_ID
    version: str = VERSION
    density: str = DENSITY_NAME


def quarter(ventilation_points_t: Sequence[float], degasification_weekly_t: Sequence[float],
            devices: Sequence[DestructionDevice]) -> QuarterResult:
    """FF-2, FF-4, FF-6, FF-7 and FF-8 for one quarter.

    Parameters
    ----------
    ventilation_points_t : FF-1 results of each ventilation monitoring point [t CH4].
    degasification_weekly_t : FF-3 results of every degasification point and week of the quarter [t CH4].
    devices : destruction devices and off-site transfer points with the CH4 routed to them.
    """
    names = [d.name for d in devices]
    if len(set(names)) != len(names):
        raise _bad("Subpart FF: device names must be unique", "devices", names, "name each device once")
    v = ff2_ventilation_total_t(ventilation_points_t)
    dg = ff4_degasification_total_t(degasification_weekly_t)
    by = {d.name: ff5_destroyed_t(d) for d in devices}
    ds = float(sum(by.values()))
    return QuarterResult(v, dg, ds, ff7_net_emissions_t(v, dg, ds), ff8_co2_t(devices), by)


def ventilation_threshold_met(ch4_acf_per_year: float) -> bool:
    """§98.322(f): True if the ventilation system liberates ≥ 36 500 000 actual ft³ CH4/yr [V]."""
    return ch4_acf_per_year >= VENTILATION_THRESHOLD_ACF_PER_YR


def scf_to_t(ch4_scf: float) -> float:
    """CH4 mass of a volume at 520 °R / 1 atm with FF's constants: ``scf × 0.0423 × 0.454/1000`` [t] [V]."""
    return ch4_scf * CH4_DENSITY_LB_PER_SCF * T_PER_LB


# --------------------------------------------------------------------------------------------------------------
# parameter averages with the §98.325 missing-data rule


@dataclass(frozen=True)
class ParameterAverage:
    """One FF parameter averaged over a period, with the data-completeness figures §98.3(c)(8)/§98.326 ask for.

    Attributes
    ----------
    mean : the average (None if no value at all).
    measured_s, substituted_s, missing_s : seconds measured, filled by substitute data, missing (continuous data);
        for spot samples the counts ``n_measured``, ``n_substituted``, ``n_missing`` are used instead.
    """

    mean: float | None
    measured_s: float = 0.0
    substituted_s: float = 0.0
    missing_s: float = 0.0
    n_measured: int = 0
    n_substituted: int = 0
    n_missing: int = 0
    rule: str = "epa_98_325"

    @property
    def substituted_hours(self) -> float:
        """Hours of substitute data (§98.3(c)(8))."""
        return self.substituted_s / 3600.0


def parameter_average(
    t_s: npt.ArrayLike,
    values: npt.ArrayLike,
    ok: npt.ArrayLike | None,
    period: tuple[float, float],
    *,
    continuous: bool = True,
    method: Method = "trapezoid",
    max_gap_s: float = float("inf"),
    rule: GapRule = EPA_98_325,
) -> ParameterAverage:
    """Average one FF parameter (V, C, T, P or f_H2O) over a period with §98.325 substitution for that parameter.

    Parameters
    ----------
    t_s : sample times [s].
    values : the parameter's samples (its own unit).
    ok : quality-assured mask (None: every finite value).
    period : ``[start, end)`` [s] (a quarter for ventilation, a week or day for degasification).
    continuous : True for continuous monitoring (time-weighted mean over the monitored period, gaps filled per
        §98.325 over their duration); False for spot measurements (arithmetic mean of the samples in the
        period after filling missing samples per §98.325) [V: "average them"].
    method, max_gap_s : integration rule and longest integrated segment (continuous only).
    rule : the gap rule (default 40 CFR 98.325).
    """
    a, b = period
    if continuous:
        tot = integrate(t_s, values, ok, [period], method=method, max_gap_s=max_gap_s, gap_rule=rule)[0]
        return ParameterAverage(tot.mean, tot.measured_s, tot.substituted_s, tot.missing_s, rule=rule.name)
    t = np.asarray(t_s, dtype=float)
    filled = fill_samples(values, ok, rule)
    inside = (t >= a) & (t < b)
    vals = filled.values[inside & ~filled.missing]
    return ParameterAverage(float(vals.mean()) if vals.size else None,
                            n_measured=int((inside & ~filled.substituted & ~filled.missing).sum()),
                            n_substituted=int((inside & filled.substituted).sum()),
                            n_missing=int((inside & filled.missing).sum()), rule=rule.name)
