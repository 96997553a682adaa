"""CCER-10-001-V01 — low-concentration (< 8 %) drained gas and ventilation air methane (VAM) utilization.

《温室气体自愿减排项目方法学 甲烷体积浓度低于8%的煤矿低浓度瓦斯和风排瓦斯利用》, issued 2025-01-03 by the MEE
General Office, the NEA General Department and the National Mine Safety Administration General Department.

What the text we could read says (MRV research note §4.1, tags [V]/[S]):

- applies to underground coal mines only, not abandoned or closed mines [V];
- technology (a): collected VAM is destroyed and its heat is used for power, heat or CHP; technology (b): drained
  gas from the pump station with CH4 < 8 % is blended with VAM or air, destroyed, and its heat used [V];
- destruction is limited to **flameless oxidation** (无焰氧化) for now [V];
- low-concentration gas made by diluting gas of ≥ 8 % is excluded [V];
- utilisation is mandatory: destroy-only projects are not eligible (change from the 2024 draft) [S];
- reductions count only after the monitoring data are networked to the national platform, trial run included [V];
- a project is revoked if the gas flow at the inlet of the safety-conveyance system exceeds the flow at the outlet
  of the connected drainage pump (more gas "destroyed" than drained) [S].

The methodology's equations and parameter tables were not available to us; the emission-reduction arithmetic is
elsewhere and parameterised. This module holds the **one eligibility function** that MRV, economics and
utilization share, and the eligible share of CH4 when ≥ 8 % gas is blended in as well (as at 伏岩, seed 003
§4.4: VAM 0.2–0.3 % + 3–6 % + > 30 % gas blended to 1.2 %).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from minegas.errors import MethodologyError

CCER_10_001_MAX_DRAINED_CH4_PCT = 8.0
"""Drained gas must be below 8 % CH4 (CCER-10-001-V01 title and scope) [V]."""

METHODOLOGY_ID = "CCER-10-001-V01"

SourceKind = Literal["vam", "drained"]


@dataclass(frozen=True)
class GasSource:
    """One gas stream feeding a project.

    Parameters
    ----------
    name : label used in reasons.
    kind : 'vam' (ventilation air methane, 风排瓦斯) or 'drained' (drained gas from a pump station, 抽采瓦斯).
    ch4_pct : CH4 concentration of the stream as delivered from the pump station or shaft [% vol].
    ch4_nm3 : pure CH4 the stream delivers over the period [Nm³, 0 °C] (only needed for eligible shares).
    diluted_from_pct : if the stream is gas of higher concentration diluted on purpose, that concentration [%];
        None if not diluted.
    """

    name: str
    kind: SourceKind
    ch4_pct: float
    ch4_nm3: float = 0.0
    diluted_from_pct: float | None = None


@dataclass(frozen=True)
class Eligibility:
    """Outcome of :func:`ccer_eligibility`: overall verdict, reasons, and the CH4 share that may be credited."""

    eligible: bool
    reasons: list[str] = field(default_factory=list)
    eligible_sources: list[str] = field(default_factory=list)
    excluded_sources: list[str] = field(default_factory=list)
    eligible_ch4_share: float = 0.0
    crediting_requires_networking: bool = True
    methodology: str = METHODOLOGY_ID


def source_is_eligible(src: GasSource) -> tuple[bool, str]:
    """Whether one stream is within CCER-10-001's scope, with the reason.

    VAM is in scope. Drained gas is in scope below 8 % CH4 unless it was made by diluting gas of ≥ 8 %.
    """
    if not 0 <= src.ch4_pct <= 100:
        raise MethodologyError(f"source {src.name!r}: CH4 concentration must be within 0–100 %, got {src.ch4_pct}")
    if src.diluted_from_pct is not None and src.diluted_from_pct >= CCER_10_001_MAX_DRAINED_CH4_PCT:
        return False, (f"{src.name}: made by diluting {src.diluted_from_pct:g} % gas (≥ 8 %) — excluded "
                       "(CCER-10-001-V01 scope)")
    if src.kind == "vam":
        return True, f"{src.name}: ventilation air methane — technology (a)"
    if src.kind == "drained":
        if src.ch4_pct < CCER_10_001_MAX_DRAINED_CH4_PCT:
            return True, f"{src.name}: drained gas at {src.ch4_pct:g} % (< 8 %) — technology (b)"
        return False, f"{src.name}: drained gas at {src.ch4_pct:g} % is not below 8 % — outside the methodology"
    raise MethodologyError(f"source {src.name!r}: kind must be 'vam' or 'drained', not {src.kind!r}")


def ccer_eligibility(
    sources: Sequence[GasSource],
    *,
    flameless_oxidation: bool,
    heat_used: bool,
    underground_mine: bool = True,
    mine_closed: bool = False,
) -> Eligibility:
    """Check a project against CCER-10-001-V01's applicability conditions.

    Parameters
    ----------
    sources : the streams destroyed by the project.
    flameless_oxidation : the destruction device is a flameless oxidizer (RTO, catalytic) [V: only technology].
    heat_used : the heat is used for power, heat or CHP (destroy-only is not eligible) [S].
    underground_mine : the mine is an underground coal mine.
    mine_closed : the mine is abandoned or closed.

    Returns
    -------
    :class:`Eligibility`. ``eligible`` is True when the project conditions hold and at least one source is in
    scope; ``eligible_ch4_share`` is the fraction of the sources' pure CH4 that comes from in-scope streams (the
    ≥ 8 % gas blended in is excluded from crediting). Crediting also needs the monitoring data networked to the
    national platform (``crediting_requires_networking``); that is checked on monitoring data, not here.
    """
    reasons: list[str] = []
    ok = True
    if not underground_mine:
        ok = False
        reasons.append("not an underground coal mine — outside CCER-10-001-V01")
    if mine_closed:
        ok = False
        reasons.append("abandoned or closed mine — excluded by CCER-10-001-V01")
    if not flameless_oxidation:
        ok = False
        reasons.append("destruction is not flameless oxidation (无焰氧化) — the only technology CCER-10-001-V01 admits")
    if not heat_used:
        ok = False
        reasons.append("heat not used for power/heat/CHP — destroy-only projects are not eligible")
    eligible_names: list[str] = []
    excluded_names: list[str] = []
    total = eligible_ch4 = 0.0
    for s in sources:
        good, why = source_is_eligible(s)
        reasons.append(why)
        (eligible_names if good else excluded_names).append(s.name)
        total += s.ch4_nm3
        if good:
            eligible_ch4 += s.ch4_nm3
    if not eligible_names:
        ok = False
        reasons.append("no source within the methodology's scope")
    share = eligible_ch4 / total if total > 0 else (1.0 if eligible_names and not excluded_names else 0.0)
    return Eligibility(ok, reasons, eligible_names, excluded_names, share if ok else 0.0)


def revocation_triggered(safety_conveyance_inlet_nm3: float, pump_outlet_nm3: float, tolerance_frac: float = 0.0) -> bool:
    """CCER-10-001-V01 integrity rule: True if the gas entering the safety-conveyance system (安全输送系统) exceeds
    the gas leaving the connected drainage pump, beyond a metering tolerance (a parameter; 0 by default) [S].

    Both volumes over the same period and at the same reference state [Nm³].
    """
    return safety_conveyance_inlet_nm3 > pump_outlet_nm3 * (1.0 + tolerance_frac)
