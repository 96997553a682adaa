"""GB 21522 《煤层气（煤矿瓦斯）排放标准》 — the venting decision logic (pure functions).

GB 21522-2008 (暂行, in force 2008-07-01) [S: IEA policy database; MEE 2021 reply; 科技日报 2025-01-08]:
surface-extracted coalbed methane (地面煤层气) must not be vented at any concentration; drained mine gas with
CH4 ≥ 30 % (高浓度瓦斯) must not be vented. Low-concentration drained gas (< 30 %) and VAM had no limit. The MEE
reply says "exceeding 30 %", the news "greater than 30 %": 30 % is the boundary, the operator a parameter.

GB 21522-2024 (issued 2024-12-01 by MEE and SAMR, in force 2025-04-01) [S: IGSD summary, MEE Q&A via 中新网
2024-12-12, 科技日报 2025-01-08, ajot.com]: coal-mine gas with **CH4 ≥ 8 %** *and* **pure CH4 drainage flow
(抽采纯量) ≥ 10 m³/min**, both as **24-hour averages**, must not be emitted directly; it must be utilised, or
destroyed when it cannot be utilised. New mines comply from 2025-04-01, existing mines from 2027-04 (press report
[S]; a French summary gives other dates). In a safety emergency a mine may vent first and report afterwards.

**The original text of neither standard was available to us.** Open points, all parameters:

- the reference state of "10 m³/min" is unknown [U]; default **20 °C / 101.325 kPa** — the conservative choice,
  because our flows are stored at 0 °C and 10 m³/min at 20 °C is only 9.318 Nm³/min (7.3 % lower). When the
  state changes a verdict, both verdicts are returned (:class:`VentingVerdict2024`);
- comparison operators (≥ or >) for both thresholds;
- the compliance date for existing mines (day taken as 2027-04-01);
- which rule binds an existing mine between 2025-04-01 and its compliance date — our assumption [U]: the 2008
  limits keep applying until then (:func:`applicable_standards`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from minegas.errors import InputError, Problem
from minegas.physics.states import convert_state, ref_state

METHODOLOGY_ID_2008 = "GB 21522-2008"
METHODOLOGY_ID_2024 = "GB 21522-2024"
METHODOLOGY_ID = "GB 21522"
VERSION = ("GB 21522-2008 (in force 2008-07-01) and GB 21522-2024 (issued 2024-12-01, in force 2025-04-01); "
           "decision logic from secondary sources [S], texts not available")

Comparison = Literal[">=", ">"]
MineStatus = Literal["new", "existing"]
GasOrigin = Literal["drained", "surface_cbm"]

OPERATORS: dict[str, Callable[[Any, Any], Any]] = {">=": operator.ge, ">": operator.gt}
"""The configurable comparison operators (work on floats and NumPy arrays)."""


def compare(x: float, threshold: float, op: Comparison) -> bool:
    """``x op threshold`` for the configurable operators '>=' and '>'."""
    try:
        return bool(OPERATORS[op](x, threshold))
    except KeyError:
        raise InputError("bad comparison operator", [Problem("unknown operator", field="op", value=str(op),
                                                             fix="use '>=' or '>'")]) from None


@dataclass(frozen=True)
class Gb21522_2008:
    """Parameters of GB 21522-2008 (see module docstring)."""

    conc_min_pct: float = 30.0
    """Drained gas at or above this CH4 % must not be vented [S]."""
    conc_op: Comparison = ">="
    effective: date = date(2008, 7, 1)
    """In force from 2008-07-01 [S, IEA]."""


@dataclass(frozen=True)
class Gb21522_2024:
    """Parameters of GB 21522-2024 (see module docstring)."""

    conc_min_pct: float = 8.0
    """24-h mean CH4 concentration threshold [%] [S]."""
    pure_flow_min_m3_min: float = 10.0
    """24-h mean pure CH4 drainage flow threshold [m³/min at ``flow_ref_state``] [S]."""
    flow_ref_state: str = "20C"
    """Reference state of the 10 m³/min — not in the texts we have [U]; 20 °C is the conservative default."""
    conc_op: Comparison = ">="
    flow_op: Comparison = ">="
    window_s: float = 86_400.0
    """Averaging window: 24 h [S]."""
    effective_new: date = date(2025, 4, 1)
    """New mines comply from 2025-04-01 [S]."""
    effective_existing: date = date(2027, 4, 1)
    """Existing mines comply from April 2027 (ajot.com report [S]; the day is our assumption)."""

    def __post_init__(self) -> None:
        ref_state(self.flow_ref_state)
        for op in (self.conc_op, self.flow_op):
            compare(0.0, 0.0, op)

    def effective_for(self, status: MineStatus) -> date:
        """Compliance date for a new or existing mine."""
        if status == "new":
            return self.effective_new
        if status == "existing":
            return self.effective_existing
        raise InputError("bad mine status", [Problem("unknown mine status", field="mine_status", value=str(status),
                                                     fix="use 'new' or 'existing'")])

    @property
    def threshold_nm3_min(self) -> float:
        """The flow threshold expressed at 0 °C [Nm³/min] (9.318 for 10 m³/min at 20 °C)."""
        return float(convert_state(self.pure_flow_min_m3_min, self.flow_ref_state, "0C"))


GB21522_2008 = Gb21522_2008()
GB21522_2024 = Gb21522_2024()


def applicable_standards(on: date, mine_status: MineStatus, p2008: Gb21522_2008 = GB21522_2008,
                         p2024: Gb21522_2024 = GB21522_2024) -> list[str]:
    """The GB 21522 editions binding a mine on a day.

    From its compliance date (new 2025-04-01, existing 2027-04-01 [S]) a mine is under GB 21522-2024; before
    that, from 2008-07-01, under GB 21522-2008. That the 2008 limits keep binding an existing mine until its
    2024 compliance date is our assumption [U] (the transition clauses were not available).
    """
    if on >= p2024.effective_for(mine_status):
        return [METHODOLOGY_ID_2024]
    if on >= p2008.effective:
        return [METHODOLOGY_ID_2008]
    return []


def venting_ban_2008(ch4_pct: float, origin: GasOrigin = "drained", p: Gb21522_2008 = GB21522_2008) -> bool:
    """GB 21522-2008: True if the gas must not be vented — surface CBM at any concentration, drained gas at
    ``ch4_pct ≥ 30 %`` (operator configurable) [S]."""
    if not 0 <= ch4_pct <= 100:
        raise InputError("GB 21522-2008: bad concentration", [Problem("CH4 must be within 0–100 %",
                                                                      field="ch4_pct", value=str(ch4_pct))])
    if origin == "surface_cbm":
        return True
    if origin != "drained":
        raise InputError("GB 21522-2008: bad gas origin", [Problem("unknown origin", field="origin",
                                                                   value=str(origin),
                                                                   fix="use 'drained' or 'surface_cbm'")])
    return compare(ch4_pct, p.conc_min_pct, p.conc_op)


@dataclass(frozen=True)
class VentingVerdict2024:
    """GB 21522-2024 verdict on one 24-h window, at the rule's reference state and at the alternative.

    Attributes
    ----------
    banned : the verdict at ``ref_state`` (the configured reference state of the 10 m³/min).
    ch4_pct : 24-h mean CH4 concentration [%].
    pure_flow_m3_min : 24-h mean pure CH4 flow at ``ref_state`` [m³/min].
    pure_flow_nm3_min : the same flow at 0 °C [Nm³/min].
    banned_0c, banned_20c : the verdicts if the 10 m³/min were at 0 °C or at 20 °C.
    state_sensitive : the reference state changes the outcome (0 °C and 20 °C verdicts differ).
    """

    banned: bool
    ch4_pct: float
    pure_flow_m3_min: float
    pure_flow_nm3_min: float
    ref_state: str
    banned_0c: bool
    banned_20c: bool
    conc_over: bool
    methodology: str = METHODOLOGY_ID_2024

    @property
    def state_sensitive(self) -> bool:
        return self.banned_0c != self.banned_20c


def venting_ban_2024(ch4_pct_24h: float, pure_flow_24h: float, flow_state: str = "0C",
                     p: Gb21522_2024 = GB21522_2024) -> VentingVerdict2024:
    """GB 21522-2024 venting ban on 24-h means [S]:
    ``must_not_vent = (φ_24h ≥ 8 %) and (Q_pure,24h ≥ 10 m³/min)`` at the rule's reference state.

    Parameters
    ----------
    ch4_pct_24h : time-weighted 24-h mean CH4 concentration [%].
    pure_flow_24h : 24-h mean pure CH4 drainage flow [m³/min at ``flow_state``] — minegas flows are at '0C'.
    flow_state : reference state of ``pure_flow_24h``; converted (ideal gas) to ``p.flow_ref_state``.
    p : the standard's parameters.
    """
    if not 0 <= ch4_pct_24h <= 100:
        raise InputError("GB 21522-2024: bad concentration", [Problem("CH4 must be within 0–100 %",
                                                                      field="ch4_pct_24h", value=str(ch4_pct_24h))])
    if not pure_flow_24h >= 0:
        raise InputError("GB 21522-2024: bad flow", [Problem("pure flow must be ≥ 0", field="pure_flow_24h",
                                                             value=str(pure_flow_24h))])
    conc = compare(ch4_pct_24h, p.conc_min_pct, p.conc_op)
    q_rule = float(convert_state(pure_flow_24h, flow_state, p.flow_ref_state))
    q_0c = float(convert_state(pure_flow_24h, flow_state, "0C"))
    q_20c = float(convert_state(pure_flow_24h, flow_state, "20C"))
    return VentingVerdict2024(
        banned=conc and compare(q_rule, p.pure_flow_min_m3_min, p.flow_op),
        ch4_pct=ch4_pct_24h, pure_flow_m3_min=q_rule, pure_flow_nm3_min=q_0c, ref_state=p.flow_ref_state,
        banned_0c=conc and compare(q_0c, p.pure_flow_min_m3_min, p.flow_op),
        banned_20c=conc and compare(q_20c, p.pure_flow_min_m3_min, p.flow_op),
        conc_over=conc)


@dataclass(frozen=True)
class DecisionRow:
    """One row of the GB 21522 decision table (MRV research note §3.2)."""

    q_mixed_m3_min: float
    ch4_pct: float
    q_pure_m3_min: float
    ban_2024: bool
    ban_2008: bool


def decision(q_mixed_m3_min: float, ch4_pct: float, flow_state: str | None = None,
             p2024: Gb21522_2024 = GB21522_2024, p2008: Gb21522_2008 = GB21522_2008) -> DecisionRow:
    """Both editions' verdicts for a drained-gas outlet with 24-h mean mixed flow and concentration.

    ``Q_pure = Q_mixed × φ/100``; the flow is taken at ``flow_state`` (default: the 2024 rule's own reference
    state, i.e. no conversion). Vectors: 150 m³/min at 9 % → 13.5, banned by 2024 only; 40 at 35 % → both.
    """
    q_pure = q_mixed_m3_min * ch4_pct / 100.0
    v = venting_ban_2024(ch4_pct, q_pure, flow_state or p2024.flow_ref_state, p2024)
    return DecisionRow(q_mixed_m3_min, ch4_pct, q_pure, v.banned, venting_ban_2008(ch4_pct, "drained", p2008))
