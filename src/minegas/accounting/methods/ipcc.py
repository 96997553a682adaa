"""IPCC 2006 Guidelines, Vol. 2 (Energy), Ch. 4.1 — fugitive CH4 from coal mining (pure functions).

Sources (MRV research note §5): the IPCC 2006 text on "Choice of method" and "Emission factors for surface
mining" [V]; IPCC methodology descriptions in the AMEE datasets for underground and abandoned mines [S]; a Chinese
research model (2021) for abandoned-mine decay parameters [S]. **Not available**: the underground Tier 1 factor
table in the original, the abandoned-mine Tier 1 tables and rank-specific decay curves, and the whole 2019
Refinement [U]. Every such value is a parameter here.

Structure::

    CH4_total = UG_mining + UG_post − recovered (used or flared) + surface + surface_post + abandoned

Tier 1/2 (Eq. 4.1.3–4.1.7): ``CH4 [Gg] = EF [m³/t] × production [t] × 0.67×10⁻⁶ Gg/m³`` — the conversion factor is
the CH4 density at **20 °C, 1 atm** [V] (named density ``ipcc-2006``). Tier 3 uses measured ventilation and
degasification volumes; post-mining always uses an emission factor [V].
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from minegas.errors import InputError, Problem
from minegas.physics.density import resolve_density

METHODOLOGY_ID = "IPCC-2006-V2-CH4.1"
VERSION = "2006 IPCC Guidelines Vol. 2 Ch. 4.1 (2019 Refinement not applied)"

DENSITY_NAME = "ipcc-2006"
"""0.67 kg/m³ = 0.67×10⁻⁶ Gg/m³ at 20 °C, 1 atm — IPCC 2006 Vol. 2 Ch. 4.1 Eq. 4.1.7 conversion factor [V]."""

DENSITY_STATE = "20C"

Category = Literal["underground_mining", "underground_post_mining", "surface_mining", "surface_post_mining"]
Level = Literal["low", "average", "high"]


@dataclass(frozen=True)
class EmissionFactorRange:
    """A Tier 1 default factor [m³ CH4 / t coal, 20 °C] with its range and confidence tags."""

    low: float
    average: float
    high: float
    tag_average: str
    tag_range: str
    note: str

    def value(self, level: Level) -> float:
        if level not in ("low", "average", "high"):
            raise InputError("bad IPCC factor level", [Problem("unknown level", field="level", value=str(level),
                                                               fix="use low, average or high")])
        return float(getattr(self, level))


TIER1_EF_M3_PER_T: dict[str, EmissionFactorRange] = {
    "underground_mining": EmissionFactorRange(
        10.0, 18.0, 25.0, "unverified", "unverified",
        "IPCC 2006 Vol. 2 Table 4.1.x underground mining; values from memory, not seen in the text [U]; low for "
        "depth < 200 m, high for > 400 m [U]"),
    "underground_post_mining": EmissionFactorRange(
        0.9, 2.5, 4.0, "unverified", "unverified", "IPCC 2006 underground post-mining [U]"),
    "surface_mining": EmissionFactorRange(
        0.3, 1.2, 2.0, "verified", "unverified",
        "IPCC 2006 'Emission factors for surface mining': average 1.2 m³/t [V]; low/high [U]; good practice: "
        "low end for overburden < 25 m, high end for > 50 m [V]"),
    "surface_post_mining": EmissionFactorRange(
        0.0, 0.1, 0.2, "unverified", "unverified", "IPCC 2006 surface post-mining [U]"),
}
"""Tier 1 default emission factors [m³/t at 20 °C] (MRV research note §5.2)."""

POST_MINING_SHARE_PREDRAINED = 0.30
"""Tier 2 post-mining: share of the in-situ gas content released after mining if the seam was pre-drained [S, AMEE]."""

POST_MINING_SHARE_NOT_PREDRAINED = 0.10
"""Tier 2 post-mining: share if not pre-drained [S, AMEE]."""

ABANDONED_B_DEFAULT = 2.017
"""Hyperbolic exponent b of the non-flooded abandoned-mine decline curve, Chinese research model (2021) [S]."""

ABANDONED_D_DRY_PER_YR = 0.302
"""Decline rate D of a non-flooded (venting) abandoned mine [1/yr], Chinese research model [S]."""

ABANDONED_D_FLOODED_PER_YR = 0.672
"""Decline rate D of a flooding abandoned mine [1/yr], Chinese research model [S]."""

ABANDONED_FLOODED_SHARE = 0.8
"""Share of abandoned mines that flood, Chinese research model [S]."""


def _bad(summary: str, fld: str, value: object, fix: str = "") -> InputError:
    return InputError(summary, [Problem(summary, field=fld, value=str(value), fix=fix or None)])


def gg_per_m3() -> float:
    """The Tier 1/2 conversion factor [Gg/m³] = 0.67 kg/m³ × 10⁻⁶ (20 °C, 1 atm) [V]."""
    return resolve_density(DENSITY_STATE, DENSITY_NAME).kg_m3 * 1e-6


def volume_to_gg(volume_m3: float, state: str = DENSITY_STATE, density_name: str = DENSITY_NAME) -> float:
    """CH4 mass [Gg] of a pure CH4 volume [m³] at ``state`` with a named density whose state must match
    (a 0 °C volume with the IPCC 0.67 is a :class:`~minegas.errors.MethodologyError`: convert it or name a 0 °C
    density)."""
    return volume_m3 * resolve_density(state, density_name).kg_m3 * 1e-6


def default_ef(category: Category, level: Level = "average") -> float:
    """Tier 1 default emission factor [m³/t, 20 °C] for a category and level (see :data:`TIER1_EF_M3_PER_T`)."""
    if category not in TIER1_EF_M3_PER_T:
        raise _bad("unknown IPCC coal-mining category", "category", category,
                   f"use one of {', '.join(TIER1_EF_M3_PER_T)}")
    return TIER1_EF_M3_PER_T[category].value(level)


def surface_level_for_overburden(overburden_m: float) -> Level:
    """Good practice for surface mining [V]: low factor for overburden < 25 m, high for > 50 m, else average."""
    if overburden_m < 25.0:
        return "low"
    return "high" if overburden_m > 50.0 else "average"


def underground_level_for_depth(depth_m: float) -> Level:
    """Underground mining factor level by depth [U]: low for < 200 m, high for > 400 m, else average."""
    if depth_m < 200.0:
        return "low"
    return "high" if depth_m > 400.0 else "average"


def tier12_ch4_gg(production_t: float, ef_m3_per_t: float) -> float:
    """Tier 1/2 CH4 [Gg]: ``EF [m³/t] × production [t] × 0.67×10⁻⁶ Gg/m³`` (IPCC 2006 Eq. 4.1.3–4.1.7) [V].

    Example: 5 Mt underground at 18 m³/t → 60.3 Gg (MRV note §5.2).
    """
    if not production_t >= 0:
        raise _bad("coal production must be ≥ 0", "production_t", production_t)
    if not ef_m3_per_t >= 0:
        raise _bad("emission factor must be ≥ 0", "ef_m3_per_t", ef_m3_per_t)
    return ef_m3_per_t * production_t * gg_per_m3()


def tier1_ch4_gg(production_t: float, category: Category, level: Level = "average") -> float:
    """Tier 1 CH4 [Gg] with the default factor of ``category`` at ``level``."""
    return tier12_ch4_gg(production_t, default_ef(category, level))


def tier2_post_mining_gg(production_t: float, in_situ_gas_m3_per_t: float, pre_drained: bool,
                         share: float | None = None) -> float:
    """Tier 2 post-mining CH4 [Gg] from the in-situ gas content [S, AMEE]:
    ``production × gas content × share × 0.67×10⁻⁶``, share 0.30 if pre-drained, 0.10 if not."""
    s = share if share is not None else (POST_MINING_SHARE_PREDRAINED if pre_drained
                                         else POST_MINING_SHARE_NOT_PREDRAINED)
    if not 0 <= s <= 1:
        raise _bad("post-mining share must be within 0–1", "share", s)
    return tier12_ch4_gg(production_t, in_situ_gas_m3_per_t * s)


def tier3_underground_gg(ventilation_m3: float, degasification_m3: float, *, state: str = DENSITY_STATE,
                         density_name: str = DENSITY_NAME) -> float:
    """Tier 3 underground mining CH4 [Gg]: measured ventilation + degasification pure CH4 volumes [m³ at
    ``state``] times a named density of that state [V structure]. Recovery is subtracted separately
    (:func:`inventory`)."""
    if not (ventilation_m3 >= 0 and degasification_m3 >= 0):
        raise _bad("measured volumes must be ≥ 0", "ventilation_m3/degasification_m3",
                   (ventilation_m3, degasification_m3))
    return volume_to_gg(ventilation_m3 + degasification_m3, state, density_name)


# --------------------------------------------------------------------------------------------------------------
# abandoned underground mines

AbandonedCondition = Literal["venting", "flooding", "flooded"]


def decline_dry(years: float, b: float = ABANDONED_B_DEFAULT, d_per_yr: float = ABANDONED_D_DRY_PER_YR) -> float:
    """Non-flooded (venting) abandoned mine, hyperbolic decline ``f(T) = (1 + b·D·T)^(−1/b)`` [S].

    f_dry(5) = 0.50011 with b 2.017, D 0.302 (MRV note §5.3).
    """
    if not years >= 0:
        raise _bad("years since abandonment must be ≥ 0", "years", years)
    if not (b > 0 and d_per_yr > 0):
        raise _bad("decline parameters b and D must be > 0", "b/d_per_yr", (b, d_per_yr))
    return float((1.0 + b * d_per_yr * years) ** (-1.0 / b))


def decline_flooding(years: float, d_per_yr: float = ABANDONED_D_FLOODED_PER_YR) -> float:
    """Flooding abandoned mine, exponential decline ``f(T) = exp(−D·T)`` [S]. f_flood(5) = 0.034735."""
    if not years >= 0:
        raise _bad("years since abandonment must be ≥ 0", "years", years)
    if not d_per_yr > 0:
        raise _bad("decline rate D must be > 0", "d_per_yr", d_per_yr)
    return math.exp(-d_per_yr * years)


def abandoned_emission_m3(e0_m3_per_yr: float, years: float, condition: AbandonedCondition = "venting", *,
                          b: float = ABANDONED_B_DEFAULT, d_dry_per_yr: float = ABANDONED_D_DRY_PER_YR,
                          d_flooded_per_yr: float = ABANDONED_D_FLOODED_PER_YR) -> float:
    """Tier 2 annual emission of an abandoned mine ``E_T = E_0 × f(T)`` [m³/yr, the state of ``E_0``] [S].

    Parameters
    ----------
    e0_m3_per_yr : annual emission before abandonment.
    years : T, years since abandonment.
    condition : 'venting' (not flooded, hyperbolic), 'flooding' (exponential), 'flooded' (completely flooded:
        negligible, 0) [S].

    Example: E_0 = 10×10⁶ m³/yr, T = 5, venting → 5.0011×10⁶ m³ (= 3.3507 Gg at 0.67 kg/m³).
    """
    if not e0_m3_per_yr >= 0:
        raise _bad("E_0 must be ≥ 0", "e0_m3_per_yr", e0_m3_per_yr)
    if condition == "venting":
        return e0_m3_per_yr * decline_dry(years, b, d_dry_per_yr)
    if condition == "flooding":
        return e0_m3_per_yr * decline_flooding(years, d_flooded_per_yr)
    if condition == "flooded":
        return 0.0
    raise _bad("unknown abandoned-mine condition", "condition", condition, "use venting, flooding or flooded")


def abandoned_fleet_emission_m3(e0_m3_per_yr: float, years: float,
                                flooded_share: float = ABANDONED_FLOODED_SHARE, *, b: float = ABANDONED_B_DEFAULT,
                                d_dry_per_yr: float = ABANDONED_D_DRY_PER_YR,
                                d_flooded_per_yr: float = ABANDONED_D_FLOODED_PER_YR) -> float:
    """Expected emission of a group of abandoned mines of which ``flooded_share`` flood (Chinese research model,
    share 0.8 [S]): ``E_0 × ((1 − s) f_dry(T) + s f_flood(T))`` [m³/yr]."""
    if not 0 <= flooded_share <= 1:
        raise _bad("flooded share must be within 0–1", "flooded_share", flooded_share)
    dry = abandoned_emission_m3(e0_m3_per_yr, years, "venting", b=b, d_dry_per_yr=d_dry_per_yr)
    wet = abandoned_emission_m3(e0_m3_per_yr, years, "flooding", d_flooded_per_yr=d_flooded_per_yr)
    return (1.0 - flooded_share) * dry + flooded_share * wet


def abandoned_tier1_gg(n_abandoned_mines: float, gassy_frac: float, ef_m3_per_mine_yr: float,
                       recovered_gg: float = 0.0) -> float:
    """Tier 1 abandoned mines [Gg]: ``N × fraction gassy × EF (by closure interval and inventory year) × 0.67×10⁻⁶
    − recovery`` [S structure]. The IPCC factor tables were not available: ``ef_m3_per_mine_yr`` must be given [U]."""
    if not (n_abandoned_mines >= 0 and 0 <= gassy_frac <= 1 and ef_m3_per_mine_yr >= 0):
        raise _bad("abandoned-mine inputs out of range", "n/gassy_frac/ef",
                   (n_abandoned_mines, gassy_frac, ef_m3_per_mine_yr))
    return n_abandoned_mines * gassy_frac * ef_m3_per_mine_yr * gg_per_m3() - recovered_gg


# --------------------------------------------------------------------------------------------------------------
# inventory total


@dataclass(frozen=True)
class Inventory:
    """IPCC coal-mining CH4 inventory terms [Gg CH4] and their total."""

    underground_mining_gg: float = 0.0
    underground_post_mining_gg: float = 0.0
    recovered_gg: float = 0.0
    surface_mining_gg: float = 0.0
    surface_post_mining_gg: float = 0.0
    abandoned_gg: float = 0.0
    methodology: str = METHODOLOGY_ID

    @property
    def total_gg(self) -> float:
        """``UG + UG_post − recovered + surface + surface_post + abandoned`` [Gg CH4]."""
        return (self.underground_mining_gg + self.underground_post_mining_gg - self.recovered_gg
                + self.surface_mining_gg + self.surface_post_mining_gg + self.abandoned_gg)

    @property
    def total_t(self) -> float:
        return self.total_gg * 1000.0


def inventory(*, underground_mining_gg: float = 0.0, underground_post_mining_gg: float = 0.0,
              recovered_gg: float = 0.0, surface_mining_gg: float = 0.0, surface_post_mining_gg: float = 0.0,
              abandoned_gg: float = 0.0) -> Inventory:
    """Build an :class:`Inventory` from its terms [Gg CH4]; negative terms are rejected."""
    terms = {"underground_mining_gg": underground_mining_gg, "underground_post_mining_gg": underground_post_mining_gg,
             "recovered_gg": recovered_gg, "surface_mining_gg": surface_mining_gg,
             "surface_post_mining_gg": surface_post_mining_gg, "abandoned_gg": abandoned_gg}
    bad = [Problem("must be ≥ 0", field=k, value=str(v)) for k, v in terms.items() if not v >= 0]
    if bad:
        raise InputError("IPCC inventory: bad term", bad)
    return Inventory(underground_mining_gg, underground_post_mining_gg, recovered_gg, surface_mining_gg,
                     surface_post_mining_gg, abandoned_gg)
