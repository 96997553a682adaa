"""Named CH4 densities and mass from volume (docs/conventions.md §2).

A density belongs to a reference state; using it with a volume at another state is a
:class:`~minegas.errors.MethodologyError`, never a silent conversion. Methodologies pick densities by name.
"""

from __future__ import annotations

from dataclasses import dataclass

from minegas.errors import InputError, MethodologyError, Problem
from minegas.physics.constants import (
    KG_PER_LB,
    M3_PER_FT3,
    M_CH4_G_PER_MOL,
    R_J_PER_MOL_K,
)
from minegas.physics.states import REF_STATES, Numeric, ref_state


@dataclass(frozen=True)
class Density:
    """A named CH4 density [kg/m³] at a reference state, with its source and confidence."""

    name: str
    kg_m3: float
    state: str
    source: str
    confidence: str

    @property
    def t_per_m3(self) -> float:
        """Density [t/m³]."""
        return self.kg_m3 / 1000.0

    @property
    def t_per_wan_m3(self) -> float:
        """Density [t per 10⁴ m³] (the Chinese guideline's unit)."""
        return self.kg_m3 * 10.0


def ideal_gas_density_kg_m3(state: str) -> float:
    """Ideal-gas CH4 density at a reference state: ``ρ = p M / (R T)`` [kg/m³].

    Sources: ideal-gas law; M = 16.0425 g/mol (IUPAC), R = 8.314462618 J/(mol·K) (CODATA 2018).
    """
    rs = ref_state(state)
    return rs.p_kpa * 1000.0 * M_CH4_G_PER_MOL / 1000.0 / (R_J_PER_MOL_K * rs.t_k)


Z_CH4_0C_1ATM = 0.9976
"""Compressibility factor of methane at 0 °C and 101.325 kPa, from the second virial coefficient
B(273.15 K) ≈ −53.6 cm³/mol (Z = 1 + Bp/RT). Engineering value [U]; gives 0.7175 kg/m³, consistent
with the 0.7174 kg/m³ quoted in the MRV research note §1."""

DENSITIES: dict[str, Density] = {
    "ideal-0C": Density("ideal-0C", ideal_gas_density_kg_m3("0C"), "0C", "ideal gas (IUPAC M, CODATA R)", "verified"),
    "real-0C": Density("real-0C", round(ideal_gas_density_kg_m3("0C") / Z_CH4_0C_1ATM, 4), "0C",
                       "real gas, Z(0 °C, 1 atm) = 0.9976 (second virial coefficient)", "unverified"),
    "cn-2015": Density("cn-2015", 0.717, "0C",
                       "NDRC 2015 中国煤炭生产企业温室气体排放核算方法与报告指南(试行): 7.17 t/10⁴ Nm³", "secondary"),
    "cdm": Density("cdm", 0.716, "0C", "CDM ACM0001/ACM0008 tool default 0.716 kg/m³ (0 °C, 1 atm)", "secondary"),
    "ideal-20C": Density("ideal-20C", ideal_gas_density_kg_m3("20C"), "20C", "ideal gas (IUPAC M, CODATA R)",
                         "verified"),
    "ipcc-2006": Density("ipcc-2006", 0.67, "20C",
                         "IPCC 2006 GL Vol. 2 Ch. 4.1 Eq. 4.1.7: 0.67×10⁻⁶ Gg/m³ at 20 °C, 1 atm", "verified"),
    "ideal-60F": Density("ideal-60F", ideal_gas_density_kg_m3("60F"), "60F", "ideal gas (IUPAC M, CODATA R)",
                         "verified"),
    "epa-ff": Density("epa-ff", 0.0423 * KG_PER_LB / M3_PER_FT3, "60F",
                      "40 CFR 98.323 Eq. FF-1/FF-3: 0.0423 lb/scf at 520 °R, 1 atm", "verified"),
}
"""The named densities (see docs/conventions.md §2)."""

DEFAULT_DENSITY_FOR_STATE: dict[str, str] = {"0C": "real-0C", "20C": "ideal-20C", "60F": "ideal-60F"}
"""The physical default density of each reference state (methodologies pin their own)."""

assert set(DEFAULT_DENSITY_FOR_STATE) == set(REF_STATES)


def density(name: str) -> Density:
    """Look up a named density; unknown names are an :class:`InputError` listing the valid ones."""
    try:
        return DENSITIES[name]
    except KeyError:
        raise InputError("unknown density", [Problem(f"no density named {name!r}", field="density", value=name,
                         fix=f"use one of {', '.join(DENSITIES)}")]) from None


def resolve_density(state: str, name: str | None = None) -> Density:
    """The density to use for volumes at ``state``: ``name`` if given (its state must match), else the default.

    Raises
    ------
    MethodologyError
        If the named density belongs to another reference state.
    """
    ref_state(state)
    d = density(name) if name else DENSITIES[DEFAULT_DENSITY_FOR_STATE[state]]
    if d.state != state:
        raise MethodologyError(
            f"density {d.name!r} is defined at {d.state}, but the volume is at {state}; convert the volume "
            f"first (minegas.physics.states.convert_state) or choose a density for {state}")
    return d


def pure_volume(mixed_volume: Numeric, ch4_pct: Numeric) -> Numeric:
    """Pure CH4 volume (折纯量) from a mixed-gas volume (混合量) and the CH4 concentration.

    ``V_pure = V_mixed × φ/100`` (both at the same reference state). Units follow the input (m³, m³/min).
    Source: Chinese mine gas statistics convention (MRV research note §1).
    """
    return mixed_volume * ch4_pct / 100.0


def ch4_mass_t(pure_volume_m3: Numeric, state: str, density_name: str | None = None) -> Numeric:
    """CH4 mass [t] from a pure CH4 volume [m³] at reference state ``state``.

    ``m = V × ρ / 1000`` with ρ the named density (default: the state's physical default).
    """
    d = resolve_density(state, density_name)
    return pure_volume_m3 * d.t_per_m3


def check_density_state(density_name: str, state: str) -> None:
    """Raise :class:`MethodologyError` unless density ``density_name`` is defined at ``state``."""
    resolve_density(state, density_name)
