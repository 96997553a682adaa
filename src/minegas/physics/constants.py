"""Physical and conversion constants, each with its source.

Values are plain floats (SI-ish units in the name). Methodology-specific constants (densities chosen by a
methodology, GWP sets) live in :mod:`minegas.physics.density` and :mod:`minegas.physics.climate`.
"""

from __future__ import annotations

R_J_PER_MOL_K = 8.314462618
"""Molar gas constant [J/(mol·K)]. Source: CODATA 2018 (exact since the 2019 SI redefinition)."""

M_CH4_G_PER_MOL = 16.0425
"""Molar mass of methane [g/mol]. Source: IUPAC standard atomic weights (C 12.011, H 1.008)."""

M_CO2_G_PER_MOL = 44.0095
"""Molar mass of CO2 [g/mol]. Source: IUPAC standard atomic weights."""

CO2_PER_CH4_T_PER_T = 44.0 / 16.0
"""t CO2 formed per t CH4 oxidised, 2.75, as printed in 40 CFR 98.323 Eq. FF-8 (stoichiometric 44/16).
Kept at the rounded ratio the regulations use so that published figures reproduce exactly."""

C_PER_CH4_T_PER_T = 12.0 / 16.0
"""t carbon per t CH4 (stoichiometric, 12/16), used with the 44/12 C→CO2 factor in the China guideline."""

T0_K = 273.15
"""0 °C in kelvin [K]. Source: definition of the Celsius scale."""

P_ATM_KPA = 101.325
"""Standard atmosphere [kPa]. Source: definition (1 atm = 101 325 Pa)."""

RANKINE_PER_KELVIN = 1.8
"""°R per K (exact)."""

KJ_PER_KCAL = 4.1868
"""International Table calorie [kJ/kcal] (exact)."""

MJ_PER_KGCE = 29.3076
"""Standard coal equivalent (标准煤), 1 kgce = 7 000 kcal × 4.1868 kJ/kcal = 29.3076 MJ.
Source: GB/T 2589 (综合能耗计算通则) convention; the text of the standard was not available to us [U]."""

MJ_PER_KWH = 3.6
"""Megajoules per kilowatt-hour (exact)."""

KG_PER_LB_EPA = 0.454
"""kg per lb as printed in 40 CFR 98.323 (FF-1, FF-3: ×0.454/1000 t/lb). Use only to reproduce EPA figures;
the exact value is :data:`KG_PER_LB`."""

KG_PER_LB = 0.45359237
"""Avoirdupois pound [kg] (exact, international yard and pound agreement 1959)."""

M3_PER_FT3 = 0.028316846592
"""Cubic foot [m³] (exact)."""

MIN_PER_DAY = 1440.0
"""Minutes per day."""

SECONDS_PER_DAY = 86400.0
"""Seconds per day."""

YI = 1e8
"""亿 (one hundred million)."""

WAN = 1e4
"""万 (ten thousand)."""
