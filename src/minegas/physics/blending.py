"""Mixing gas streams at a common reference state, and the inverse problem.

Streams are given as flows (any one volumetric unit, all at the **same** reference state, e.g. Nm³/min)
and CH4 volume concentrations [%]. Mixing conserves total flow and pure CH4 flow exactly:

    Q_mix = Σ Q_i,     φ_mix = Σ Q_i φ_i / Σ Q_i        (flow-weighted concentration)

Optimised blend design (capacity, tolerance, explosive-band constraints) lives in
:mod:`minegas.utilization.blending`; this module is the physics it builds on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from minegas.errors import InfeasibleError, InputError, Problem


@dataclass(frozen=True)
class Blend:
    """Result of mixing streams: total flow, CH4 concentration [%], pure CH4 flow (same units as the inputs)."""

    flow: float
    ch4_pct: float
    ch4_flow: float


def _check(flows: Sequence[float], ch4_pct: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    q = np.asarray(flows, dtype=float)
    c = np.asarray(ch4_pct, dtype=float)
    if q.shape != c.shape or q.ndim != 1:
        raise InputError("blend: flows and concentrations must be two lists of the same length")
    problems = [Problem("flow must be ≥ 0", field=f"flow[{i}]", value=str(v)) for i, v in enumerate(q) if not v >= 0]
    problems += [Problem("CH4 concentration must be within 0–100 %", field=f"ch4_pct[{i}]", value=str(v))
                 for i, v in enumerate(c) if not 0 <= v <= 100]
    if problems:
        raise InputError("blend: bad stream", problems)
    return q, c


def blend(flows: Sequence[float], ch4_pct: Sequence[float]) -> Blend:
    """Mix streams (flows at one reference state, concentrations in %); see module docstring.

    A blend of zero total flow has concentration 0 by convention.
    """
    q, c = _check(flows, ch4_pct)
    total = float(q.sum())
    ch4 = float((q * c).sum() / 100.0)
    if total <= 0:
        return Blend(total, 0.0, ch4)
    # The concentration is the flow-weighted mean of the inputs; weights are scaled by the largest flow so
    # that tiny (even subnormal) flows cannot underflow the product and push the mean outside [min c, max c].
    w = q / q.max()
    pct = float(np.clip((w * c).sum() / w.sum(), c[q > 0].min(), c[q > 0].max()))
    return Blend(total, pct, ch4)


def two_stream_split(ch4_a_pct: float, ch4_b_pct: float, target_pct: float, total_flow: float) -> tuple[float, float]:
    """Flows of two streams A and B that make ``total_flow`` at ``target_pct`` (inverse of :func:`blend`).

    ``Q_a = Q (φ_t − φ_b) / (φ_a − φ_b)``, ``Q_b = Q − Q_a``.

    Raises
    ------
    InfeasibleError
        If the target is not between the two concentrations (or they are equal and differ from the target).
    """
    lo, hi = min(ch4_a_pct, ch4_b_pct), max(ch4_a_pct, ch4_b_pct)
    if not lo <= target_pct <= hi:
        raise InfeasibleError(f"target {target_pct} % is outside the range of the two streams [{lo}, {hi}] %",
                              ["target concentration"])
    if ch4_a_pct == ch4_b_pct:
        return total_flow, 0.0
    qa = total_flow * (target_pct - ch4_b_pct) / (ch4_a_pct - ch4_b_pct)
    return qa, total_flow - qa


def diluent_for_target(flow: float, ch4_pct: float, target_pct: float, diluent_ch4_pct: float = 0.0) -> float:
    """Flow of a leaner diluent (air: 0 %, or ventilation air) that brings ``flow`` at ``ch4_pct`` to ``target_pct``.

    ``Q_d = Q (φ − φ_t) / (φ_t − φ_d)``. Same flow units in and out.
    """
    if not diluent_ch4_pct < target_pct <= ch4_pct:
        raise InfeasibleError(f"cannot dilute {ch4_pct} % to {target_pct} % with a {diluent_ch4_pct} % diluent",
                              ["target concentration"])
    return flow * (ch4_pct - target_pct) / (target_pct - diluent_ch4_pct)
