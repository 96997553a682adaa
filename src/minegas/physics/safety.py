"""Concentration classes and the explosive band of methane in air.

Classes (by CH4 volume %; rules that use them):

- ``high``   φ ≥ 30 %   — GB 21522-2008 venting ban for drained gas; Coal Mine Safety Regulations (2016)
  art. 184(5): drained gas below 30 % must not be burned directly as fuel (不得作为燃气直接燃烧).
- ``medium`` 8 ≤ φ < 30 % — GB 21522-2024 venting ban (with ≥ 10 m³/min pure CH4, 24-h means).
- ``low``    φ < 8 %    — CCER-10-001-V01 scope (with VAM); not banned from venting.
- ``vam``    φ < 0.75 % — ventilation air methane (乏风/风排瓦斯), the seed report's definition (003 §2.1).

The explosive range in air defaults to 5–16 % (Chinese sources; UNECE BPG gives 5–15 %); both limits are
parameters. Boundary operators follow the texts' "≥"; the 2008 standard's wording is ambiguous (MRV note §3.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from minegas.errors import MethodologyError
from minegas.physics.states import Numeric

Boolish = bool | npt.NDArray[np.bool_]

ConcClass = Literal["high", "medium", "low", "vam"]

HIGH_CONC_MIN_PCT = 30.0
"""GB 21522-2008 (高浓度瓦斯 ≥ 30 %) and Coal Mine Safety Regulations art. 184(5) (no direct combustion < 30 %)."""

GB21522_2024_CONC_MIN_PCT = 8.0
"""GB 21522-2024: gas ≥ 8 % CH4 (with ≥ 10 m³/min pure, 24-h means) must not be vented. Also CCER-10-001's 8 %."""

VAM_MAX_PCT = 0.75
"""Ventilation air methane is below 0.75 % CH4 (seed report 003 §2.1)."""

DRY_DRAINAGE_MIN_PCT = 25.0
"""Coal Mine Safety Regulations art. 184(3): with dry-type drainage equipment, drained gas must be ≥ 25 % [S]."""

LEL_PCT_DEFAULT = 5.0
"""Lower explosive limit of CH4 in air [% vol] (UNECE BPG 2nd ed.; Chinese sources)."""

UEL_PCT_DEFAULT = 16.0
"""Upper explosive limit of CH4 in air [% vol] as used in Chinese practice (5–16 %; UNECE gives 15 %)."""


@dataclass(frozen=True)
class ExplosiveRange:
    """The explosive band ``[lel, uel]`` of CH4 in air [% vol]."""

    lel_pct: float = LEL_PCT_DEFAULT
    uel_pct: float = UEL_PCT_DEFAULT

    def __post_init__(self) -> None:
        if not 0 < self.lel_pct < self.uel_pct < 100:
            raise MethodologyError(f"explosive range needs 0 < LEL < UEL < 100, got {self.lel_pct}–{self.uel_pct}")

    def contains(self, ch4_pct: Numeric) -> Boolish:
        """True where the concentration lies inside the band (limits included)."""
        return (ch4_pct >= self.lel_pct) & (ch4_pct <= self.uel_pct)


def concentration_class(ch4_pct: float) -> ConcClass:
    """The class of a CH4 concentration [%] (see module docstring)."""
    if not 0 <= ch4_pct <= 100:
        raise MethodologyError(f"CH4 concentration must be within 0–100 %, got {ch4_pct}")
    if ch4_pct >= HIGH_CONC_MIN_PCT:
        return "high"
    if ch4_pct >= GB21522_2024_CONC_MIN_PCT:
        return "medium"
    if ch4_pct >= VAM_MAX_PCT:
        return "low"
    return "vam"


def concentration_classes(ch4_pct: np.ndarray) -> np.ndarray:
    """Vectorised :func:`concentration_class` (array of class names)."""
    c = np.asarray(ch4_pct, dtype=float)
    return np.select([c >= HIGH_CONC_MIN_PCT, c >= GB21522_2024_CONC_MIN_PCT, c >= VAM_MAX_PCT],
                     ["high", "medium", "low"], default="vam")


def direct_combustion_permitted(ch4_pct: Numeric) -> Boolish:
    """Coal Mine Safety Regulations art. 184(5): drained gas may be burned directly only at ≥ 30 % CH4.

    Units with a safe-transport system that burn < 30 % gas (thermal island, porous-media boilers) are a
    regulatory finding needing approval, not something minegas forbids (seed report 003 calls it a barrier).
    """
    return ch4_pct >= HIGH_CONC_MIN_PCT
