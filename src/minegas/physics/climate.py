"""Global warming potentials of CH4 and the three CO2e conventions (docs/conventions.md §3).

- gross: ``t CH4 × GWP``
- net of combustion CO2: ``t CH4 destroyed × (GWP − 44/16)``
- with displaced-energy credit: net + displaced power × grid EF + displaced heat × heat EF
"""

from __future__ import annotations

from dataclasses import dataclass

from minegas.errors import InputError, MethodologyError, Problem
from minegas.physics.constants import CO2_PER_CH4_T_PER_T
from minegas.physics.states import Numeric


@dataclass(frozen=True)
class GwpSet:
    """A named set of CH4 GWPs by time horizon [years → t CO2e / t CH4], with sources."""

    name: str
    values: dict[int, float]
    source: str
    confidence: dict[int, str]


GWP_SETS: dict[str, GwpSet] = {
    "SAR": GwpSet("SAR", {100: 21.0},
                  "IPCC SAR (1995); GHG Protocol GWP table; China's 2013–15 enterprise guidelines use 21",
                  {100: "verified"}),
    "TAR": GwpSet("TAR", {100: 23.0, 20: 62.0}, "IPCC TAR (2001) Table 6.7", {100: "verified", 20: "verified"}),
    "AR4": GwpSet("AR4", {100: 25.0, 20: 72.0}, "IPCC AR4 (2007) WG1 Table 2.14",
                  {100: "verified", 20: "unverified"}),
    "AR5": GwpSet("AR5", {100: 28.0, 20: 84.0}, "IPCC AR5 (2013) WG1 Table 8.7, without climate–carbon feedback",
                  {100: "verified", 20: "secondary"}),
    "AR5-CCF": GwpSet("AR5-CCF", {100: 34.0, 20: 86.0}, "IPCC AR5 (2013) WG1 Table 8.7, with climate–carbon feedback",
                      {100: "verified", 20: "secondary"}),
    "AR6": GwpSet("AR6", {100: 27.9, 20: 81.2}, "IPCC AR6 (2021) WG1 Table 7.SM.7, generic CH4",
                  {100: "verified", 20: "verified"}),
    "AR6-fossil": GwpSet("AR6-fossil", {100: 29.8, 20: 82.5}, "IPCC AR6 (2021) WG1 Table 7.15, fossil CH4",
                         {100: "secondary", 20: "secondary"}),
    "AR6-nonfossil": GwpSet("AR6-nonfossil", {100: 27.0, 20: 80.8}, "IPCC AR6 (2021) WG1 Table 7.15, non-fossil CH4",
                            {100: "secondary", 20: "unverified"}),
}
"""CH4 GWP sets by name (MRV research note §6). SAR's 20-year value is not in our sources, so SAR defines 100 only."""


def gwp_set(name: str) -> GwpSet:
    """Look up a GWP set; unknown names are an :class:`InputError` listing the valid ones."""
    try:
        return GWP_SETS[name]
    except KeyError:
        raise InputError("unknown GWP set", [Problem(f"no GWP set named {name!r}", field="gwp", value=name,
                         fix=f"use one of {', '.join(GWP_SETS)}")]) from None


def gwp(name: str, horizon: int = 100) -> float:
    """CH4 GWP [t CO2e / t CH4] of set ``name`` at ``horizon`` years.

    Raises
    ------
    MethodologyError
        If the set does not define that horizon (e.g. SAR at 20 years).
    """
    s = gwp_set(name)
    if horizon not in s.values:
        raise MethodologyError(f"GWP set {name} does not define a {horizon}-year horizon "
                               f"(it defines {', '.join(str(h) for h in sorted(s.values))})")
    return s.values[horizon]


def co2e_gross_t(ch4_t: Numeric, gwp_name: str, horizon: int = 100) -> Numeric:
    """Gross CO2e [t]: ``t CH4 × GWP``."""
    return ch4_t * gwp(gwp_name, horizon)


def co2e_net_t(ch4_destroyed_t: Numeric, gwp_name: str, horizon: int = 100) -> Numeric:
    """CO2e avoided net of combustion CO2 [t]: ``t CH4 destroyed × (GWP − 44/16)``.

    44/16 t CO2 per t CH4 oxidised (40 CFR 98.323 Eq. FF-8).
    """
    return ch4_destroyed_t * (gwp(gwp_name, horizon) - CO2_PER_CH4_T_PER_T)


def co2e_displaced_t(
    ch4_destroyed_t: Numeric,
    gwp_name: str,
    horizon: int = 100,
    *,
    power_mwh: Numeric = 0.0,
    grid_ef_t_per_mwh: float = 0.0,
    heat_gj: Numeric = 0.0,
    heat_ef_t_per_gj: float = 0.0,
) -> Numeric:
    """CO2e avoided with displaced-energy credit [t]: net + ``MWh × EF_grid`` + ``GJ × EF_heat``.

    The emission factors are parameters (dated, regional; e.g. a national grid average of 0.5703 t/MWh [U]);
    callers name them in their output.
    """
    return co2e_net_t(ch4_destroyed_t, gwp_name, horizon) + power_mwh * grid_ef_t_per_mwh + heat_gj * heat_ef_t_per_gj


def implied_gwp(co2e_t: float, ch4_t: float, convention: str = "gross") -> float:
    """The GWP a published CO2e figure implies for a CH4 mass, under a CO2e convention.

    ``gross``: co2e/ch4; ``net``: co2e/ch4 + 44/16. Used to explain published figures that use unstated GWPs.
    """
    if ch4_t <= 0:
        raise MethodologyError("implied_gwp needs a positive CH4 mass")
    if convention == "gross":
        return co2e_t / ch4_t
    if convention == "net":
        return co2e_t / ch4_t + CO2_PER_CH4_T_PER_T
    raise MethodologyError(f"convention must be 'gross' or 'net', not {convention!r}")
