"""Gas physics: reference states, densities, heating values, coal equivalent, CO2e, blending, safety classes.

Pure functions only (no I/O). Every constant names its source next to it. See docs/conventions.md.
"""

from minegas.physics.blending import Blend, blend, diluent_for_target, two_stream_split
from minegas.physics.climate import GWP_SETS, co2e_displaced_t, co2e_gross_t, co2e_net_t, gwp, implied_gwp
from minegas.physics.density import DENSITIES, ch4_mass_t, density, pure_volume, resolve_density
from minegas.physics.energy import (
    electricity_kwh,
    energy_mj,
    heating_value_mj_per_m3,
    tce_heat,
    tce_hv,
    tce_power,
)
from minegas.physics.safety import ExplosiveRange, concentration_class, direct_combustion_permitted
from minegas.physics.states import (
    REF_STATES,
    absolute_pressure_kpa,
    convert_state,
    moisture_correction,
    to_reference,
)

__all__ = [
    "DENSITIES", "GWP_SETS", "REF_STATES", "Blend", "ExplosiveRange", "absolute_pressure_kpa", "blend",
    "ch4_mass_t", "co2e_displaced_t", "co2e_gross_t", "co2e_net_t", "concentration_class", "convert_state",
    "density", "diluent_for_target", "direct_combustion_permitted", "electricity_kwh", "energy_mj", "gwp",
    "heating_value_mj_per_m3", "implied_gwp", "moisture_correction", "pure_volume", "resolve_density",
    "tce_heat", "tce_hv", "tce_power", "to_reference", "two_stream_split",
]
