"""Heating values, energy, electricity and standard-coal equivalents (docs/conventions.md §3).

tce conventions are named and never mixed: ``tce_hv`` (heating value of the gas), ``tce_power`` (displaced power
at a grid coal rate), ``tce_heat`` (displaced heat at a boiler efficiency).
"""

from __future__ import annotations

from typing import Literal

from minegas.errors import MethodologyError
from minegas.physics.constants import MJ_PER_KGCE, MJ_PER_KWH
from minegas.physics.states import Numeric, convert_state, ref_state

HeatingBasis = Literal["lhv", "hhv"]

LHV_MJ_PER_NM3_0C = 35.8
"""Lower heating value of CH4 at 0 °C, 101.325 kPa [MJ/Nm³]. Source: engineering references quoted in the MRV
research note §7 [S] (ISO 6976 gives 35.82 MJ/m³, real gas)."""

HHV_MJ_PER_NM3_0C = 39.8
"""Higher heating value of CH4 at 0 °C, 101.325 kPa [MJ/Nm³]. Source: MRV research note §1 [S]."""

LHV_MJ_PER_KG = 50.0
"""Lower heating value of CH4 per mass [MJ/kg]. Source: econ research note §5 [S] (ISO 6976: 50.03)."""

HHV_MJ_PER_KG = 55.5
"""Higher heating value of CH4 per mass [MJ/kg]. Source: econ research note §5 [S]."""

GRID_COAL_RATE_GCE_PER_KWH_DEFAULT = 300.0
"""Default grid coal consumption rate for displaced power [gce/kWh]; the seed report's case 2 (5766 t from
1920万 kWh) implies 300. A parameter, not a constant: use the year's published rate where it matters."""


def heating_value_mj_per_m3(state: str = "0C", basis: HeatingBasis = "lhv") -> float:
    """Volumetric heating value of CH4 [MJ/m³] at a reference state.

    The 0 °C values (35.8 LHV, 39.8 HHV) are scaled to other states by the ideal-gas volume ratio, e.g.
    35.8 × 273.15/293.15 = 33.36 MJ/m³ at 20 °C.
    """
    if basis not in ("lhv", "hhv"):
        raise MethodologyError(f"heating-value basis must be 'lhv' or 'hhv', not {basis!r}")
    base = LHV_MJ_PER_NM3_0C if basis == "lhv" else HHV_MJ_PER_NM3_0C
    ref_state(state)
    # 1 m³ at `state` is convert_state(1, state, "0C") Nm³.
    return base * float(convert_state(1.0, state, "0C"))


def energy_mj(pure_volume_m3: Numeric, state: str = "0C", basis: HeatingBasis = "lhv") -> Numeric:
    """Heat content of a pure CH4 volume [MJ]: ``E = V × HV(state, basis)``."""
    return pure_volume_m3 * heating_value_mj_per_m3(state, basis)


def electricity_kwh(energy_in_mj: Numeric, efficiency_frac: Numeric) -> Numeric:
    """Electricity [kWh] from a fuel energy input [MJ] at an electrical efficiency [0–1]: ``E × η / 3.6``."""
    return energy_in_mj * efficiency_frac / MJ_PER_KWH


def tce_hv(energy_in_mj: Numeric) -> Numeric:
    """Standard coal equivalent by heating value [tce]: ``E / 29.3076 / 1000`` (1 kgce = 29.3076 MJ, GB/T 2589)."""
    return energy_in_mj / MJ_PER_KGCE / 1000.0


def tce_power(kwh: Numeric, coal_rate_gce_per_kwh: Numeric = GRID_COAL_RATE_GCE_PER_KWH_DEFAULT) -> Numeric:
    """Standard coal saved by displaced power [tce]: ``kWh × rate [gce/kWh] / 10⁶``."""
    return kwh * coal_rate_gce_per_kwh / 1e6


def tce_heat(heat_gj: Numeric, boiler_efficiency_frac: Numeric = 1.0) -> Numeric:
    """Standard coal saved by displaced heat [tce]: ``heat [GJ] × 1000 / 29.3076 / η_boiler / 1000``.

    ``boiler_efficiency_frac`` is the efficiency of the (coal) boiler whose heat is displaced; 1.0 gives the
    heat's own coal equivalent.
    """
    return heat_gj / MJ_PER_KGCE / boiler_efficiency_frac
