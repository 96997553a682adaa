"""Reference states and the conversion of working (measured) volumes to them (docs/conventions.md §1).

The project stores and exchanges derived volumes at ``0C`` (0 °C, 101.325 kPa; Nm³). ``20C`` and ``60F``
appear only where a methodology or a meter asks. Conversion is ideal gas (Z = 1) unless compressibility
factors are given:

    V_ref = V_work × (p_abs / p_ref) × (T_ref / T_work) × (Z_ref / Z_work) × MCF

Sources: ideal-gas law; 40 CFR 98.323 FF-1 (the (520/T)(P/1) factor and the moisture correction MCF);
research note china-monitoring-formats §7 (负压: p_abs = p_atm,local − |负压|).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from minegas.errors import InputError, MethodologyError, Problem
from minegas.physics.constants import P_ATM_KPA, RANKINE_PER_KELVIN, T0_K

Numeric = float | npt.NDArray[np.float64]
StateName = Literal["0C", "20C", "60F"]
PressureKind = Literal["absolute", "gauge"]


@dataclass(frozen=True)
class RefState:
    """A reference state: temperature [K] and pressure [kPa]."""

    name: str
    t_k: float
    p_kpa: float
    label_zh: str
    label_en: str

    @property
    def t_c(self) -> float:
        """Temperature [°C]."""
        return self.t_k - T0_K


REF_STATES: dict[str, RefState] = {
    "0C": RefState("0C", T0_K, P_ATM_KPA, "标准状态 0 °C、101.325 kPa", "0 °C, 101.325 kPa (Nm³)"),
    "20C": RefState("20C", T0_K + 20.0, P_ATM_KPA, "20 °C、101.325 kPa", "20 °C, 101.325 kPa"),
    # 60 °F = 519.67 °R exactly; EPA's FF equations print 520 °R, which the EPA methodology keeps as printed.
    "60F": RefState("60F", 519.67 / RANKINE_PER_KELVIN, P_ATM_KPA, "60 °F、1 atm", "60 °F, 1 atm (scf)"),
}
"""The named reference states. ``0C`` is the project's state."""

PROJECT_STATE = "0C"


def ref_state(name: str) -> RefState:
    """Look up a reference state by name ('0C', '20C', '60F').

    Raises
    ------
    InputError
        For an unknown name, listing the valid ones.
    """
    try:
        return REF_STATES[name]
    except KeyError:
        raise InputError("unknown reference state", [Problem(f"no reference state {name!r}", field="state",
                         value=name, fix=f"use one of {', '.join(REF_STATES)}")]) from None


def absolute_pressure_kpa(p_kpa: Numeric, kind: PressureKind, barometric_kpa: Numeric | None = None) -> Numeric:
    """Absolute pressure from a measured pressure [kPa].

    Parameters
    ----------
    p_kpa : measured pressure [kPa]. Gauge readings of drainage pipelines are negative (负压).
    kind : 'absolute' or 'gauge'.
    barometric_kpa : local barometric pressure [kPa], required for gauge readings (registry: mine.barometric_kpa).

    Returns
    -------
    Absolute pressure [kPa]: ``p`` for absolute, ``barometric + p`` for gauge.
    """
    if kind == "absolute":
        return p_kpa
    if kind == "gauge":
        if barometric_kpa is None:
            raise MethodologyError("a gauge pressure needs the local barometric pressure (mine.barometric_kpa)")
        return barometric_kpa + p_kpa
    raise MethodologyError(f"pressure kind must be 'absolute' or 'gauge', not {kind!r}")


def moisture_correction(flow_basis: str, conc_basis: str, f_h2o: Numeric) -> Numeric:
    """Moisture correction factor MCF of 40 CFR 98.323 (FF-1, FF-3).

    Parameters
    ----------
    flow_basis, conc_basis : 'wet' or 'dry' — the basis of the flow and of the CH4 concentration.
    f_h2o : moisture content of the gas [ft³ H2O / ft³ gas] (volume fraction).

    Returns
    -------
    1 if both are on the same basis; ``1 − f`` if the flow is wet and the concentration dry;
    ``1 / (1 − f)`` if the flow is dry and the concentration wet.
    """
    for b in (flow_basis, conc_basis):
        if b not in ("wet", "dry"):
            raise MethodologyError(f"moisture basis must be 'wet' or 'dry', not {b!r}")
    if flow_basis == conc_basis:
        return 1.0 if np.ndim(f_h2o) == 0 else np.ones_like(np.asarray(f_h2o, dtype=float))
    f = np.asarray(f_h2o, dtype=float)
    if np.any((f < 0) | (f >= 1)):
        raise MethodologyError("moisture fraction must be in [0, 1)")
    out = (1.0 - f) if flow_basis == "wet" else 1.0 / (1.0 - f)
    return float(out) if np.ndim(out) == 0 else out


def to_reference(
    volume_work: Numeric,
    p_abs_kpa: Numeric,
    t_c: Numeric,
    state: str = PROJECT_STATE,
    *,
    z_work: Numeric = 1.0,
    z_ref: float = 1.0,
    mcf: Numeric = 1.0,
) -> Numeric:
    """Convert a working-state volume or flow to a reference state.

    ``V_ref = V_work × (p_abs / p_ref) × (T_ref / T_work) × (Z_ref / Z_work) × MCF``

    Parameters
    ----------
    volume_work : volume [m³] or flow [m³/min] at line conditions.
    p_abs_kpa : absolute line pressure [kPa] (see :func:`absolute_pressure_kpa`).
    t_c : line temperature [°C].
    state : target reference state name ('0C' by default).
    z_work, z_ref : compressibility factors (1 = ideal gas).
    mcf : moisture correction (:func:`moisture_correction`).

    Returns
    -------
    Volume [m³] or flow [m³/min] at the reference state.
    """
    rs = ref_state(state)
    t_k = np.add(t_c, T0_K)
    return volume_work * (p_abs_kpa / rs.p_kpa) * (rs.t_k / t_k) * (z_ref / np.asarray(z_work)) * mcf


def convert_state(volume: Numeric, from_state: str, to_state: str) -> Numeric:
    """Convert a volume between two reference states (ideal gas): ``V × (p_from/p_to) × (T_to/T_from)``.

    Example: 1 m³ at 20C is 273.15/293.15 = 0.931776 m³ at 0C (the 7.3 % difference of the two conventions).
    """
    a, b = ref_state(from_state), ref_state(to_state)
    return volume * (a.p_kpa / b.p_kpa) * (b.t_k / a.t_k)
