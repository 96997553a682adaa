"""Blend design: mix ventilation air methane (VAM, 乏风), low- and high-concentration drained gas (抽采瓦斯) and
air to a unit's target concentration, as a linear programme solved exactly with HiGHS.

Problem (one time step)
-----------------------
Streams ``i`` with available flows ``A_i`` [Nm³/min, 0 °C — all at one reference state; ``inf`` for ambient air]
and CH4 concentrations ``c_i`` [%]; a unit with flow capacity ``Q`` [Nm³/min], a target ``P ± T`` [%, T in absolute
percentage points, default 0.05] and an explosive band ``[L, U]`` (default 5–16 %, :class:`ExplosiveRange`)::

    maximise   Σ q_i c_i / 100                      (CH4 throughput, Nm³/min pure)
    subject to Σ q_i ≤ Q,   0 ≤ q_i ≤ A_i,
               (P − T) Σ q_i ≤ Σ q_i c_i ≤ (P + T) Σ q_i
               + the explosive-band rules below.

Ties are broken lexicographically: a second LP minimises the total flow ``Σ q_i`` at the optimal CH4.

Mixing topology (the assumption this module makes, documented in docs/utilization.md)
-------------------------------------------------------------------------------------
Streams join one mixing header one at a time; a pipe that carries one source keeps that source's concentration
(a source pipe already inside the band is **flagged**, not a violation — the blend did not create it); a mixed
pipe carries the flow-weighted mean (:func:`minegas.physics.blending.blend`).

- Final mixture **below** the band (``P + T < L``): *lean carrier* — streams are injected in increasing order of
  concentration (rich gas into the VAM/air duct). Every intermediate mix is a weighted mean of the leanest streams,
  so it is ≤ the final concentration < L: no pipe passes through the band, and no extra constraint is needed.
- Final mixture **above** the band (``P − T > U``): *rich carrier* — leaner streams are injected into the richest
  in decreasing order; every intermediate mix is ≥ the final > U.
- Final mixture **inside** the band: allowed only at the inlet of a unit whose catalog entry has a safe-transport
  system. Lean-carrier order; every mix before the final injection must stay below ``L − margin``
  (``Σ_{i ≤ k} q_i (c_i − L + margin) ≤ 0`` for each intermediate pipe ``k``); the last (richest) stream is injected
  at the inlet. To stay exact when streams are unused, the LP is solved for every choice of first (carrier) and
  last (final injection) stream and the best is kept; a carrier already inside the band may only be joined by the
  final injection.

A target interval that straddles a band limit is split into its below/inside/above parts (the inside part only
with safe transport); the best part wins. ``band_margin_pct`` (default 0.001 percentage points) keeps "outside"
strict against solver tolerances.

Infeasible targets raise :class:`minegas.errors.InfeasibleError` (exit code 2) naming the binding constraint(s)
found by relaxing one constraint group at a time (capacity, availability, target concentration, explosive band),
then pairs — an IIS-like diagnosis.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from minegas.errors import InfeasibleError, InputError, Problem, ProblemList
from minegas.physics.blending import blend
from minegas.physics.safety import LEL_PCT_DEFAULT, UEL_PCT_DEFAULT, ExplosiveRange
from minegas.utilization.lp import solve

DEFAULT_TOLERANCE_PCT = 0.05
"""Default half-width of the target band [absolute percentage points] (the issue's T = 0.05)."""

DEFAULT_BAND_MARGIN_PCT = 1e-3
"""How far below the LEL (above the UEL) a mix must stay to count as outside the band [percentage points]."""

_BIG = 1e9
_REL_TOL = 1e-11

PieceKind = Literal["below", "inside", "above"]
Topology = Literal["lean-carrier", "rich-carrier", "lean-carrier, final injection at safe-transport inlet"]
_TOPOLOGY: dict[PieceKind, Topology] = {
    "below": "lean-carrier", "above": "rich-carrier",
    "inside": "lean-carrier, final injection at safe-transport inlet",
}

GROUPS = ("capacity", "availability", "target concentration", "explosive band")
"""Constraint groups named by the infeasibility diagnosis."""


@dataclass(frozen=True)
class Stream:
    """A gas stream available to the blend.

    Parameters
    ----------
    name : label (unique within a design).
    flow_nm3_min : available maximum flow [Nm³/min at 0 °C, 101.325 kPa]; ``math.inf`` for ambient air.
    ch4_pct : CH4 concentration [% vol].
    kind : optional 'vam', 'drained' or 'air' (used for CCER checks and labels).
    """

    name: str
    flow_nm3_min: float
    ch4_pct: float
    kind: str | None = None


@dataclass(frozen=True)
class BlendSpec:
    """The unit the blend feeds and the rules it must meet.

    Parameters
    ----------
    target_pct : target inlet concentration P [%].
    capacity_nm3_min : unit flow capacity Q [Nm³/min at 0 °C].
    tolerance_pct : T, the blend must lie within P ± T [absolute percentage points].
    safe_transport : the unit's inlet has a safe-transport system (may take gas inside the band).
    lel_pct, uel_pct : explosive band [%].
    band_margin_pct : strictness margin for "outside the band" [percentage points].
    """

    target_pct: float
    capacity_nm3_min: float
    tolerance_pct: float = DEFAULT_TOLERANCE_PCT
    safe_transport: bool = False
    lel_pct: float = LEL_PCT_DEFAULT
    uel_pct: float = UEL_PCT_DEFAULT
    band_margin_pct: float = DEFAULT_BAND_MARGIN_PCT

    @property
    def band(self) -> ExplosiveRange:
        return ExplosiveRange(self.lel_pct, self.uel_pct)

    @property
    def interval(self) -> tuple[float, float]:
        """``[P − T, P + T]`` clipped to 0–100 %."""
        return max(0.0, self.target_pct - self.tolerance_pct), min(100.0, self.target_pct + self.tolerance_pct)


@dataclass(frozen=True)
class Pipe:
    """One pipe of the mixing header: a source pipe, an intermediate mix, or the unit inlet."""

    label: str
    role: Literal["source", "mix", "inlet"]
    streams: tuple[str, ...]
    flow_nm3_min: float
    ch4_pct: float
    in_band: bool


@dataclass(frozen=True)
class BlendDesign:
    """The optimal blend.

    ``flows_nm3_min`` maps each stream to its flow (0 when unused); ``ch4_pct`` and ``ch4_nm3_min`` describe the
    mixture at the unit inlet. ``binding`` lists the constraints that are tight at the optimum; ``shadow_prices``
    are d(CH4 throughput)/d(limit) from the LP duals [Nm³/min CH4 per Nm³/min]. ``flags`` name source pipes that
    are already inside the explosive band (not violations).
    """

    flows_nm3_min: dict[str, float]
    total_flow_nm3_min: float
    ch4_pct: float
    ch4_nm3_min: float
    target_pct: float
    tolerance_pct: float
    capacity_nm3_min: float
    topology: Topology
    order: list[str]
    pipes: list[Pipe]
    binding: list[str]
    shadow_prices: dict[str, float]
    flags: list[str] = field(default_factory=list)
    safe_transport: bool = False

    def as_dict(self) -> dict[str, object]:
        """JSON-ready dict (the CLI's ``--json`` output)."""
        return {
            "flows_nm3_min": self.flows_nm3_min, "ch4_pct": self.ch4_pct, "ch4_nm3_min": self.ch4_nm3_min,
            "total_flow_nm3_min": self.total_flow_nm3_min, "target_pct": self.target_pct,
            "tolerance_pct": self.tolerance_pct, "capacity_nm3_min": self.capacity_nm3_min,
            "safe_transport": self.safe_transport, "topology": self.topology, "order": self.order,
            "pipes": [p.__dict__ for p in self.pipes], "binding": self.binding,
            "shadow_prices": self.shadow_prices, "flags": self.flags, "ref_state": "0C",
        }


@dataclass(frozen=True)
class _Piece:
    kind: PieceKind
    lo: float
    hi: float


def _pieces(spec: BlendSpec, ignore_band: bool = False) -> list[_Piece]:
    lo, hi = spec.interval
    if ignore_band:
        return [_Piece("below", lo, hi)]
    lm, um = spec.lel_pct - spec.band_margin_pct, spec.uel_pct + spec.band_margin_pct
    out: list[_Piece] = []
    if lo <= lm:
        out.append(_Piece("below", lo, min(hi, lm)))
    if hi >= um:
        out.append(_Piece("above", max(lo, um), hi))
    if spec.safe_transport and lo <= um and hi >= lm:
        out.append(_Piece("inside", max(lo, lm), min(hi, um)))
    return out


def _validate(streams: Sequence[Stream], spec: BlendSpec) -> None:
    pl = ProblemList()
    names = [s.name for s in streams]
    if not streams:
        pl.add("at least one stream is needed", field="stream", fix="give --stream NAME:FLOW_NM3_MIN:CH4_PCT")
    for i, s in enumerate(streams):
        if not s.name:
            pl.add("stream name is empty", field=f"stream[{i}]")
        if names.count(s.name) > 1:
            pl.add("duplicate stream name", field=f"stream[{i}]", value=s.name, fix="give each stream its own name")
        if not (s.flow_nm3_min >= 0):  # NaN fails too
            pl.add("flow must be ≥ 0 (inf for ambient air)", field=f"stream '{s.name}' flow_nm3_min",
                   value=str(s.flow_nm3_min))
        if not 0 <= s.ch4_pct <= 100:
            pl.add("CH4 concentration must be within 0–100 %", field=f"stream '{s.name}' ch4_pct",
                   value=str(s.ch4_pct))
    if not (0 < spec.target_pct <= 100):
        pl.add("target must be within (0, 100] %", field="target_pct", value=str(spec.target_pct))
    if not (spec.tolerance_pct >= 0) or not math.isfinite(spec.tolerance_pct):
        pl.add("tolerance must be a finite number ≥ 0", field="tolerance_pct", value=str(spec.tolerance_pct))
    if not (spec.capacity_nm3_min >= 0) or not math.isfinite(spec.capacity_nm3_min):
        pl.add("capacity must be a finite number ≥ 0", field="capacity_nm3_min", value=str(spec.capacity_nm3_min))
    if not (0 <= spec.band_margin_pct < 1):
        pl.add("band margin must be within 0–1 percentage points", field="band_margin_pct",
               value=str(spec.band_margin_pct))
    pl.raise_if_any("blend: input rejected")
    spec.band  # noqa: B018 — validates LEL < UEL (MethodologyError)


# --- the stacked LP ------------------------------------------------------------------------------------------

@dataclass
class _Solved:
    ch4: npt.NDArray[np.float64]        # (H,)
    q: npt.NDArray[np.float64]          # (H, n)
    cap_dual: npt.NDArray[np.float64]   # (H,)
    avail_dual: npt.NDArray[np.float64]  # (H, n)


def _solve_stacked(c: npt.NDArray[np.float64], avail: npt.NDArray[np.float64], cap: npt.NDArray[np.float64],
                   piece: _Piece, pair: tuple[int, int] | None, lm: float) -> _Solved:
    """Solve H independent blend LPs stacked in one sparse model (two lexicographic stages)."""
    h_n, n = c.shape
    nv = h_n * n
    var = np.arange(nv).reshape(h_n, n)
    col_hi = np.where(np.isfinite(avail), avail, np.inf).reshape(-1).copy()
    rows_r: list[npt.NDArray[np.int64]] = []
    rows_c: list[npt.NDArray[np.int64]] = []
    rows_v: list[npt.NDArray[np.float64]] = []
    lo_b: list[npt.NDArray[np.float64]] = []
    hi_b: list[npt.NDArray[np.float64]] = []
    nrow = 0

    def add_block(cols: npt.NDArray[np.int64], coef: npt.NDArray[np.float64], lo: npt.NDArray[np.float64],
                  hi: npt.NDArray[np.float64]) -> None:
        """cols/coef shaped (R, k): one row per first-axis entry."""
        nonlocal nrow
        r = cols.shape[0]
        rows_r.append(np.repeat(np.arange(nrow, nrow + r), cols.shape[1]))
        rows_c.append(cols.reshape(-1))
        rows_v.append(coef.reshape(-1))
        lo_b.append(lo)
        hi_b.append(hi)
        nrow += r

    inf = np.full(h_n, np.inf)
    zero = np.zeros(h_n)
    add_block(var, np.ones((h_n, n)), -inf, cap)                         # capacity
    add_block(var, c - piece.lo, zero, inf)                             # target lower
    add_block(var, c - piece.hi, -inf, zero)                            # target upper
    if pair is not None:
        f, last = pair
        order = np.argsort(c, axis=1, kind="stable")                      # rank → stream, per hour
        rank = np.argsort(order, axis=1, kind="stable")                   # stream → rank
        outside = (rank < f) | (rank > last)
        col_hi[outside.reshape(-1)] = 0.0
        carrier_c = np.take_along_axis(c, order[:, f:f + 1], axis=1)[:, 0]
        hot = carrier_c > lm                                              # carrier at/inside band
        middle = (rank > f) & (rank < last) & hot[:, None]
        col_hi[middle.reshape(-1)] = 0.0
        for k in range(f + 1, last):
            idx = order[:, f:k + 1]
            cols = np.take_along_axis(var, idx, axis=1)
            coef = np.take_along_axis(c, idx, axis=1) - lm
            add_block(cols, coef, -inf, np.where(hot, np.inf, 0.0))
    a = sp.csr_array((np.concatenate(rows_v), (np.concatenate(rows_r), np.concatenate(rows_c))),
                     shape=(nrow, nv))
    rlo, rhi = np.concatenate(lo_b), np.concatenate(hi_b)
    obj = (c / 100.0).reshape(-1)
    s1 = solve(obj, a, rlo, rhi, np.zeros(nv), col_hi, maximize=True)
    if not s1.optimal:
        raise RuntimeError(f"blend LP stage 1 not solved: {s1.status}")
    q1 = s1.x.reshape(h_n, n)
    ch4_1 = (q1 * c).sum(axis=1) / 100.0
    # stage 2: least total flow at the optimal CH4 of every hour
    floor = ch4_1 - np.maximum(1e-12, _REL_TOL * ch4_1)
    a2 = sp.vstack([a, sp.csr_array(((c / 100.0).reshape(-1), (np.repeat(np.arange(h_n), n), var.reshape(-1))),
                                    shape=(h_n, nv))]).tocsr()
    s2 = solve(np.ones(nv), a2, np.concatenate([rlo, floor]), np.concatenate([rhi, np.full(h_n, np.inf)]),
               np.zeros(nv), col_hi)
    q = s2.x.reshape(h_n, n) if s2.optimal else q1
    q = _repair(np.clip(q, 0.0, None), c, piece.lo, piece.hi)
    ch4 = (q * c).sum(axis=1) / 100.0
    cap_dual = s1.row_dual[:h_n] if s1.dual_valid else np.full(h_n, np.nan)
    avail_dual = s1.col_dual.reshape(h_n, n) if s1.dual_valid else np.full((h_n, n), np.nan)
    return _Solved(ch4, q, cap_dual, avail_dual)


def _repair(q: npt.NDArray[np.float64], c: npt.NDArray[np.float64], lo: float, hi: float
            ) -> npt.NDArray[np.float64]:
    """Remove solver-tolerance violations of the concentration limits (they matter for very small flows, where an
    absolute row tolerance of 1e-9 is a large concentration error): trim the richest used stream until the mix is
    at ``hi``, or the leanest until it is at ``lo``. Trimming the last-injected (richest) stream leaves every
    intermediate pipe unchanged; the trims are of the order of the solver tolerance.
    """
    q = q.copy()
    used = q > 0
    excess = (q * (c - hi)).sum(axis=1)
    for h in np.flatnonzero(excess > 0):
        r = int(np.argmax(np.where(used[h], c[h], -np.inf)))
        if c[h, r] > hi:
            q[h, r] = max(0.0, q[h, r] - excess[h] / (c[h, r] - hi))
    deficit = (q * (lo - c)).sum(axis=1)
    for h in np.flatnonzero(deficit > 0):
        r = int(np.argmin(np.where(q[h] > 0, c[h], np.inf)))
        if c[h, r] < lo:
            q[h, r] = max(0.0, q[h, r] - deficit[h] / (lo - c[h, r]))
    return q


@dataclass
class _Best:
    ch4: npt.NDArray[np.float64]
    q: npt.NDArray[np.float64]
    piece: list[_Piece | None]
    pair: list[tuple[int, int] | None]
    cap_dual: npt.NDArray[np.float64]
    avail_dual: npt.NDArray[np.float64]


def _best(c: npt.NDArray[np.float64], avail: npt.NDArray[np.float64], cap: npt.NDArray[np.float64],
          spec: BlendSpec, ignore_band: bool = False) -> _Best:
    """Best design per hour over the target pieces (and carrier/injection pairs inside the band)."""
    h_n, n = c.shape
    lm = spec.lel_pct - spec.band_margin_pct
    best = _Best(np.zeros(h_n), np.zeros((h_n, n)), [None] * h_n, [None] * h_n, np.full(h_n, np.nan),
                 np.full((h_n, n), np.nan))
    flow = np.full(h_n, np.inf)
    for piece in _pieces(spec, ignore_band):
        pairs: list[tuple[int, int] | None] = (
            [None] if piece.kind != "inside" else [(f, last) for f in range(n) for last in range(f, n)])
        for pair in pairs:
            s = _solve_stacked(c, avail, cap, piece, pair, lm)
            tot = s.q.sum(axis=1)
            tol = np.maximum(1e-10, 1e-7 * np.maximum(s.ch4, best.ch4))
            better = (s.ch4 > best.ch4 + tol) | ((np.abs(s.ch4 - best.ch4) <= tol) & (tot < flow - 1e-9) &
                                                  (s.ch4 > 0))
            if better.any():
                best.ch4[better] = s.ch4[better]
                best.q[better] = s.q[better]
                best.cap_dual[better] = s.cap_dual[better]
                best.avail_dual[better] = s.avail_dual[better]
                flow[better] = tot[better]
                for hh in np.flatnonzero(better):
                    best.piece[hh] = piece
                    best.pair[hh] = pair
    return best


def _feasible(streams: Sequence[Stream], spec: BlendSpec, ignore_band: bool = False) -> bool:
    c = np.array([[s.ch4_pct for s in streams]], dtype=float)
    a = np.array([[s.flow_nm3_min for s in streams]], dtype=float)
    b = _best(c, a, np.array([spec.capacity_nm3_min]), spec, ignore_band)
    return bool(b.ch4[0] > 1e-12)


def _diagnose(streams: Sequence[Stream], spec: BlendSpec) -> tuple[list[str], list[str]]:
    """Which constraint groups make the design infeasible: relax one group at a time, then pairs."""

    def relaxed(groups: Sequence[str]) -> bool:
        ss, sp_ = list(streams), spec
        if "capacity" in groups:
            sp_ = replace(sp_, capacity_nm3_min=_BIG)
        if "availability" in groups:
            ss = [replace(s, flow_nm3_min=_BIG) for s in ss]
        if "target concentration" in groups:
            sp_ = replace(sp_, target_pct=50.0, tolerance_pct=50.0)
        return _feasible(ss, sp_, ignore_band="explosive band" in groups)

    binding = [g for g in GROUPS if relaxed([g])]
    if not binding:
        for pair in itertools.combinations(GROUPS, 2):
            if relaxed(pair):
                binding = [" + ".join(pair)]
                break
    lo, hi = spec.interval
    cs = [s.ch4_pct for s in streams if s.flow_nm3_min > 0]
    details: list[str] = []
    flat = " + ".join(binding)
    if "capacity" in flat:
        details.append(f"unit flow capacity is {spec.capacity_nm3_min:g} Nm³/min")
    if "availability" in flat:
        avail = ", ".join(f"{s.name} {s.flow_nm3_min:g}" for s in streams)
        details.append(f"available flows [Nm³/min]: {avail}")
    if "target concentration" in flat:
        if not cs:
            details.append("no stream has any flow")
        elif hi < min(cs) or lo > max(cs):
            details.append(f"target {spec.target_pct:g} ± {spec.tolerance_pct:g} % is outside the range of the "
                           f"streams ({min(cs):g}–{max(cs):g} %)")
        else:
            details.append(f"target {spec.target_pct:g} ± {spec.tolerance_pct:g} % (relaxing it alone makes a blend "
                           "feasible)")
    if "explosive band" in flat:
        where = "inside" if lo >= spec.lel_pct and hi <= spec.uel_pct else "reaching into"
        details.append(f"the target {lo:g}–{hi:g} % is {where} the explosive band {spec.lel_pct:g}–"
                       f"{spec.uel_pct:g} % and " + ("the unit has no safe-transport system"
                                                    if not spec.safe_transport else
                                                    "the intermediate mixes would have to pass through it"))
    if not binding:
        binding = ["no single or paired relaxation"]
        if not any(s.ch4_pct > 0 and s.flow_nm3_min > 0 for s in streams):
            binding = ["availability"]
            details.append("no stream carries CH4")
    return binding, details


# --- public API ----------------------------------------------------------------------------------------------

def _pipes(names: list[str], q: npt.NDArray[np.float64], c: npt.NDArray[np.float64], piece: _Piece,
           band: ExplosiveRange) -> tuple[list[str], list[Pipe], list[str]]:
    used = [i for i in range(len(names)) if q[i] > 0]
    asc = sorted(used, key=lambda i: (c[i], names[i]))
    order = list(reversed(asc)) if piece.kind == "above" else asc
    pipes: list[Pipe] = []
    flags: list[str] = []
    for i in order:
        inb = bool(band.contains(c[i]))
        pipes.append(Pipe(names[i], "source", (names[i],), float(q[i]), float(c[i]), inb))
        if inb:
            flags.append(f"source pipe '{names[i]}' at {c[i]:g} % is already inside the explosive band "
                         f"{band.lel_pct:g}–{band.uel_pct:g} % (flagged, not created by the blend)")
    for k in range(1, len(order)):
        part = order[:k + 1]
        b = blend([q[i] for i in part], [c[i] for i in part])
        role: Literal["mix", "inlet"] = "inlet" if k == len(order) - 1 else "mix"
        pipes.append(Pipe(" + ".join(names[i] for i in part), role, tuple(names[i] for i in part), b.flow,
                          b.ch4_pct, bool(band.contains(b.ch4_pct))))
    if len(order) == 1:
        p = pipes[0]
        pipes.append(Pipe(p.label, "inlet", p.streams, p.flow_nm3_min, p.ch4_pct, p.in_band))
    return [names[i] for i in order], pipes, flags


def design_blend(streams: Sequence[Stream], spec: BlendSpec) -> BlendDesign:
    """The blend that maximises CH4 throughput (then minimises total flow) under ``spec``.

    Raises
    ------
    InputError
        Bad streams or spec (exit 2).
    InfeasibleError
        No positive blend meets the constraints; ``binding`` names the constraint group(s) whose relaxation alone
        makes it feasible (capacity, availability, target concentration, explosive band).
    """
    _validate(streams, spec)
    names = [s.name for s in streams]
    c = np.array([[s.ch4_pct for s in streams]], dtype=float)
    a = np.array([[s.flow_nm3_min for s in streams]], dtype=float)
    b = _best(c, a, np.array([spec.capacity_nm3_min]), spec)
    if not b.ch4[0] > 1e-12:
        binding, details = _diagnose(streams, spec)
        raise InfeasibleError(
            f"no blend reaches {spec.target_pct:g} ± {spec.tolerance_pct:g} % CH4 within a capacity of "
            f"{spec.capacity_nm3_min:g} Nm³/min: " + "; ".join(details), binding)
    q = b.q[0]
    piece = b.piece[0]
    assert piece is not None
    mix = blend(list(q), list(c[0]))
    order, pipes, flags = _pipes(names, q, c[0], piece, spec.band)
    lo, hi = spec.interval
    tol = 1e-6
    tight: list[str] = []
    if mix.flow >= spec.capacity_nm3_min * (1 - 1e-9) - 1e-9:
        tight.append("capacity")
    for i, s in enumerate(streams):
        if math.isfinite(s.flow_nm3_min) and s.flow_nm3_min > 0 and q[i] >= s.flow_nm3_min * (1 - 1e-9) - 1e-12:
            tight.append(f"availability:{s.name}")
    if abs(mix.ch4_pct - hi) <= tol:
        tight.append("target upper")
    if abs(mix.ch4_pct - lo) <= tol:
        tight.append("target lower")
    if (piece.hi < hi and abs(mix.ch4_pct - piece.hi) <= tol) or (piece.lo > lo and abs(mix.ch4_pct - piece.lo) <= tol):
        tight.append("explosive band (inlet)")
    if piece.kind == "inside" and any(p.role == "mix" and abs(p.ch4_pct - (spec.lel_pct - spec.band_margin_pct))
                                      <= tol for p in pipes):
        tight.append("explosive band (intermediate mix)")
    shadow: dict[str, float] = {}
    if np.isfinite(b.cap_dual[0]):
        shadow["capacity"] = float(b.cap_dual[0]) + 0.0   # + 0.0 turns -0.0 into 0.0
        for i, s in enumerate(streams):
            if math.isfinite(s.flow_nm3_min):
                shadow[f"availability:{s.name}"] = float(b.avail_dual[0, i]) + 0.0
    return BlendDesign(
        flows_nm3_min={n: float(v) for n, v in zip(names, q, strict=True)}, total_flow_nm3_min=mix.flow,
        ch4_pct=mix.ch4_pct, ch4_nm3_min=mix.ch4_flow, target_pct=spec.target_pct,
        tolerance_pct=spec.tolerance_pct, capacity_nm3_min=spec.capacity_nm3_min, topology=_TOPOLOGY[piece.kind],
        order=order, pipes=pipes, binding=tight, shadow_prices=shadow, flags=flags,
        safe_transport=spec.safe_transport)


@dataclass(frozen=True)
class HourlyBlend:
    """A blend designed hour by hour over a profile.

    Arrays have one entry per time step (flows ``(H, n)``); ``feasible`` is True where a positive blend meets the
    spec. ``hours_feasible`` counts feasible steps × ``step_hours``.
    """

    names: list[str]
    flows_nm3_min: npt.NDArray[np.float64]
    ch4_pct: npt.NDArray[np.float64]
    ch4_nm3_min: npt.NDArray[np.float64]
    total_flow_nm3_min: npt.NDArray[np.float64]
    feasible: npt.NDArray[np.bool_]
    step_hours: float

    @property
    def hours_feasible(self) -> float:
        return float(self.feasible.sum()) * self.step_hours

    @property
    def feasible_frac(self) -> float:
        return float(self.feasible.mean()) if self.feasible.size else 0.0

    @property
    def ch4_nm3(self) -> float:
        """Pure CH4 through the unit over the whole profile [Nm³, 0 °C]."""
        return float(self.ch4_nm3_min.sum() * 60.0 * self.step_hours)


def blend_over_time(names: Sequence[str], flows_nm3_min: npt.ArrayLike, ch4_pct: npt.ArrayLike, spec: BlendSpec,
                    step_hours: float = 1.0) -> HourlyBlend:
    """Design the blend for every time step of a profile (one stacked LP per candidate topology).

    Parameters
    ----------
    names : stream names (n).
    flows_nm3_min : available flows, shape (H, n) [Nm³/min, 0 °C]; NaN means "no data" (treated as 0).
    ch4_pct : concentrations, shape (H, n) [%]; NaN treated as 0 with zero flow.
    spec : unit and rules (its capacity applies to every step).
    step_hours : length of a step [h].
    """
    q = np.asarray(flows_nm3_min, dtype=float)
    c = np.asarray(ch4_pct, dtype=float)
    if q.ndim != 2 or q.shape != c.shape or q.shape[1] != len(names):
        raise InputError("blend_over_time: flows and concentrations must be (steps, streams) arrays",
                         [Problem(f"got {q.shape} and {c.shape} for {len(names)} streams", field="flows_nm3_min")])
    bad = np.isnan(q) | np.isnan(c)
    q = np.where(bad, 0.0, q)
    c = np.where(bad, 0.0, c)
    _validate([Stream(n, 0.0, 0.0) for n in names], spec)
    if (q < 0).any() or (c < 0).any() or (c > 100).any():
        raise InputError("blend_over_time: flows must be ≥ 0 and concentrations within 0–100 %",
                         [Problem("out-of-range values in the profile", field="flows_nm3_min/ch4_pct")])
    h_n = q.shape[0]
    b = _best(c, q, np.full(h_n, spec.capacity_nm3_min), spec)
    tot = b.q.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(tot > 0, 100.0 * b.ch4 / tot, 0.0)
    return HourlyBlend(list(names), b.q, pct, b.ch4, tot, b.ch4 > 1e-12, step_hours)


def parse_stream(text: str) -> Stream:
    """Parse ``NAME:FLOW_NM3_MIN:CH4_PCT[:KIND]`` (FLOW may be ``inf`` for ambient air).

    Raises
    ------
    InputError
        With the field and the fix when the text does not parse.
    """
    parts = text.split(":")
    fix = "write NAME:FLOW_NM3_MIN:CH4_PCT, e.g. VAM:9000:0.25 or air:inf:0"
    if len(parts) not in (3, 4):
        raise InputError("bad --stream", [Problem("expected 3 or 4 ':'-separated fields", field="--stream",
                                                  value=text, fix=fix)])
    name, flow_s, pct_s = parts[0].strip(), parts[1].strip(), parts[2].strip()
    kind = parts[3].strip() if len(parts) == 4 else None
    try:
        flow = math.inf if flow_s.lower() in ("inf", "∞") else float(flow_s)
        pct = float(pct_s)
    except ValueError:
        raise InputError("bad --stream", [Problem("flow and CH4 must be numbers", field="--stream", value=text,
                                                  fix=fix)]) from None
    if kind is not None and kind not in ("vam", "drained", "air"):
        raise InputError("bad --stream", [Problem("kind must be vam, drained or air", field="--stream",
                                                  value=text, fix=fix)])
    return Stream(name, flow, pct, kind)
