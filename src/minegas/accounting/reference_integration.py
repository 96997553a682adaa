"""Reference integrators of a sampled signal over periods: an exact one (rational arithmetic, the test oracle
of the DuckDB/PySpark engine) and a plain-NumPy one with the same semantics.

Semantics (docs/architecture.md, "Integration hot path")
--------------------------------------------------------
A series is a list of samples ``(t_s, value, ok)`` with strictly increasing times ``t_s`` [s] (any epoch; UTC
epoch seconds in minegas). Segment *i* runs from ``t[i−1]`` to ``t[i]``.

- **Rule of integration.** ``trapezoid`` (default): the signal is linear between the two samples;
  ``hold``: the earlier sample's value holds until the next sample.
- **Measured segment.** A segment is integrated only if both end samples are ok (quality-assured, finite) and
  ``t[i] − t[i−1] ≤ max_gap_s`` (compared exactly). Otherwise its duration is a **gap**.
- **Gaps.** Under the rule ``exclude`` the gap's duration counts as *missing*. Under a substitution rule
  (:mod:`minegas.accounting.gaps`) the gap gets one constant value, ``rule.substitute(before, after)`` with
  *before* the last ok sample at or before ``t[i−1]`` and *after* the first ok sample at or after ``t[i]``;
  its duration counts as *substituted* (or missing if the rule has no value for it). A run of missing samples
  therefore gets one value over the whole interval between the surrounding quality-assured samples.
- **Periods** are half-open ``[a, b)`` and cut exactly: a segment crossing a boundary is split at the boundary
  with the linearly interpolated value (trapezoid) or the held value (hold).
- **Uncovered time.** Time of a period before the first or after the last sample belongs to no segment; it is
  reported as ``uncovered_s`` and counted as missing, so ``measured_s + substituted_s + missing_s`` is always
  the period's length.

Per period the result gives the integral [value·s] (measured + substituted parts, also separately), the seconds
measured, substituted and missing, and the time-weighted mean ``integral / (measured_s + substituted_s)``.
A flow in Nm³/min integrates to Nm³·s/min: divide by 60 for Nm³.

The exact integrator converts every float input with :class:`fractions.Fraction` (exactly, no rounding) and
computes in rational arithmetic; it is slow and meant for tests. :func:`integrate` (NumPy, per period) and
:func:`window_integrals` (NumPy, many possibly overlapping windows at once, used for rolling 24-h means) follow
the same semantics in float64 and agree with it to 1e-9 relative (tests/accounting/test_reference_integration.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Generic, Literal, TypeVar

import numpy as np
import numpy.typing as npt

from minegas.accounting.gaps import EXCLUDE, GapRule, neighbour_indices
from minegas.errors import InputError, Problem

Method = Literal["trapezoid", "hold"]
N = TypeVar("N", float, Fraction)
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class PeriodTotal(Generic[N]):
    """Integral of a signal over one period ``[start_s, end_s)`` and where its time came from.

    Attributes
    ----------
    start_s, end_s : the period [s].
    integral : measured + substituted integral [value·s].
    integral_measured, integral_substituted : the two parts [value·s].
    measured_s, substituted_s, missing_s : seconds of the period measured, filled by substitution, and missing
        (gaps without a substitute plus uncovered time); they add up to the period's length.
    uncovered_s : the part of ``missing_s`` before the first or after the last sample.
    """

    start_s: N
    end_s: N
    integral: N
    integral_measured: N
    integral_substituted: N
    measured_s: N
    substituted_s: N
    missing_s: N
    uncovered_s: N

    @property
    def covered_s(self) -> N:
        """Seconds with a value (measured + substituted)."""
        return self.measured_s + self.substituted_s

    @property
    def mean(self) -> N | None:
        """Time-weighted mean ``integral / covered_s``; None when nothing is covered."""
        c = self.covered_s
        return self.integral / c if c > 0 else None

    def as_float(self) -> PeriodTotal[float]:
        """The same totals as floats."""
        return PeriodTotal(float(self.start_s), float(self.end_s), float(self.integral),
                           float(self.integral_measured), float(self.integral_substituted), float(self.measured_s),
                           float(self.substituted_s), float(self.missing_s), float(self.uncovered_s))


# --------------------------------------------------------------------------------------------------------------
# input checks shared by both integrators


def _prepare(
    t_s: Sequence[float] | npt.ArrayLike,
    values: Sequence[float] | npt.ArrayLike,
    ok: Sequence[bool] | npt.ArrayLike | None,
    method: str,
    max_gap_s: float,
) -> tuple[FloatArray, FloatArray, BoolArray]:
    t = np.asarray(t_s, dtype=float)
    v = np.asarray(values, dtype=float)
    problems: list[Problem] = []
    if t.ndim != 1 or v.ndim != 1 or t.shape != v.shape:
        raise InputError("integration: times and values must be 1-D arrays of the same length",
                         [Problem(f"{t.shape} times, {v.shape} values", field="values")])
    m = np.isfinite(v)
    if ok is not None:
        okm = np.asarray(ok, dtype=bool)
        if okm.shape != v.shape:
            raise InputError("integration: ok mask differs in length",
                             [Problem(f"{okm.size} flags for {v.size} values", field="ok")])
        m &= okm
    if not np.all(np.isfinite(t)):
        problems.append(Problem("times must be finite", field="t_s"))
    elif t.size > 1 and not np.all(np.diff(t) > 0):
        k = int(np.argmin(np.diff(t) > 0)) + 1
        problems.append(Problem("times must be strictly increasing", field="t_s", line=k + 1, value=str(t[k]),
                                fix="sort the samples and drop duplicate time stamps"))
    if method not in ("trapezoid", "hold"):
        problems.append(Problem("unknown integration rule", field="method", value=str(method),
                                fix="use 'trapezoid' or 'hold'"))
    if not max_gap_s > 0:
        problems.append(Problem("max_gap_s must be > 0", field="max_gap_s", value=str(max_gap_s)))
    if problems:
        raise InputError("integration: bad input", problems)
    return t, v, m


def _periods(periods: Sequence[tuple[float, float]] | None, t: FloatArray) -> list[tuple[float, float]]:
    if periods is None:
        if t.size == 0:
            raise InputError("integration: no samples and no period",
                             [Problem("cannot infer a period from an empty series", field="periods")])
        return [(float(t[0]), float(t[-1]))]
    out: list[tuple[float, float]] = []
    problems: list[Problem] = []
    for k, (a, b) in enumerate(periods):
        a, b = float(a), float(b)
        if not (math.isfinite(a) and math.isfinite(b) and a < b):
            problems.append(Problem("a period needs finite start < end", field=f"periods[{k}]", value=f"[{a}, {b})"))
        out.append((a, b))
    if problems:
        raise InputError("integration: bad period", problems)
    return out


def _gap_le(t1: FloatArray, t0: FloatArray, g: float) -> BoolArray:
    """Exact test ``t1 − t0 ≤ g`` for floats (the subtraction may round; the exact integrator does not)."""
    if math.isinf(g):
        return np.ones(t1.shape, dtype=bool)
    d = t1 - t0
    # TwoSum error of d = t1 + (−t0): err = exact − d.
    bb = d - t1
    err = (t1 - (d - bb)) + (-t0 - bb)
    return (d < g) | ((d == g) & (err <= 0))


# --------------------------------------------------------------------------------------------------------------
# exact (rational) integrator


def integrate_exact(
    t_s: Sequence[float] | npt.ArrayLike,
    values: Sequence[float] | npt.ArrayLike,
    ok: Sequence[bool] | npt.ArrayLike | None = None,
    periods: Sequence[tuple[float, float]] | None = None,
    *,
    method: Method = "trapezoid",
    max_gap_s: float = math.inf,
    gap_rule: GapRule = EXCLUDE,
) -> list[PeriodTotal[Fraction]]:
    """Integrate a sampled signal over periods in exact rational arithmetic (the test oracle).

    Parameters
    ----------
    t_s : sample times [s], strictly increasing.
    values : sample values (any unit, e.g. Nm³/min); NaN counts as not ok.
    ok : quality-assured mask (default: every finite value).
    periods : half-open periods ``[a, b)`` [s]; default one period from the first to the last sample.
    method : 'trapezoid' or 'hold'.
    max_gap_s : longest segment that is integrated [s] (default: no limit).
    gap_rule : what fills gaps (:mod:`minegas.accounting.gaps`; default 'exclude').

    Returns
    -------
    One :class:`PeriodTotal` of :class:`~fractions.Fraction` per period, in order.
    """
    t, v, m = _prepare(t_s, values, ok, method, max_gap_s)
    per = _periods(periods, t)
    T = [Fraction(x) for x in t.tolist()]
    V: list[Fraction | None] = [Fraction(x) if mk else None for x, mk in zip(v.tolist(), m.tolist(), strict=True)]
    g = None if math.isinf(max_gap_s) else Fraction(max_gap_s)
    last_ok, first_ok = neighbour_indices(m)
    # Classify the segments once: (t0, t1, kind, v0, v1 | constant).
    segs: list[tuple[Fraction, Fraction, str, Fraction, Fraction]] = []
    for i in range(1, len(T)):
        t0, t1 = T[i - 1], T[i]
        a0, a1 = V[i - 1], V[i]
        if a0 is not None and a1 is not None and (g is None or t1 - t0 <= g):
            segs.append((t0, t1, "measured", a0, a1 if method == "trapezoid" else a0))
            continue
        lb, fa = int(last_ok[i - 1]), int(first_ok[i])
        before = V[lb] if lb >= 0 else None
        after = V[fa] if fa >= 0 else None
        s = gap_rule.substitute(before, after)
        if s is None:
            segs.append((t0, t1, "missing", Fraction(0), Fraction(0)))
        else:
            segs.append((t0, t1, "substituted", s, s))
    out: list[PeriodTotal[Fraction]] = []
    for a_f, b_f in per:
        a, b = Fraction(a_f), Fraction(b_f)
        im = isub = ms = ss = miss = Fraction(0)
        for t0, t1, kind, w0, w1 in segs:
            lo, hi = max(t0, a), min(t1, b)
            if hi <= lo:
                continue
            length = hi - lo
            if kind == "missing":
                miss += length
                continue
            # linear between (t0, w0) and (t1, w1); constant segments have w0 == w1
            slope = (w1 - w0) / (t1 - t0)
            area = length * ((w0 + slope * (lo - t0)) + (w0 + slope * (hi - t0))) / 2
            if kind == "measured":
                im += area
                ms += length
            else:
                isub += area
                ss += length
        if T:
            clo, chi = max(T[0], a), min(T[-1], b)
            covered = chi - clo if chi > clo else Fraction(0)
        else:
            covered = Fraction(0)
        unc = (b - a) - covered
        out.append(PeriodTotal(a, b, im + isub, im, isub, ms, ss, miss + unc, unc))
    return out


# --------------------------------------------------------------------------------------------------------------
# NumPy integrators


@dataclass(frozen=True, eq=False)
class _Segments:
    t0: FloatArray
    t1: FloatArray
    v0: FloatArray  # start value of the linear piece (measured or substituted); 0 for missing
    v1: FloatArray  # end value
    measured: BoolArray
    substituted: BoolArray


def _segments(t: FloatArray, v: FloatArray, m: BoolArray, method: str, max_gap_s: float,
              gap_rule: GapRule) -> _Segments:
    t0, t1 = t[:-1], t[1:]
    vz = np.where(m, v, 0.0)
    good = m[:-1] & m[1:] & _gap_le(t1, t0, max_gap_s)
    last_ok, first_ok = neighbour_indices(m)
    lb, fa = last_ok[:-1], first_ok[1:]
    before = np.where(lb >= 0, vz[np.maximum(lb, 0)], np.nan) if t.size > 1 else np.zeros(0)
    after = np.where(fa >= 0, vz[np.maximum(fa, 0)], np.nan) if t.size > 1 else np.zeros(0)
    sub = gap_rule.substitute_array(before, after)
    substituted = ~good & ~np.isnan(sub)
    sub0 = np.where(substituted, sub, 0.0)
    v0 = np.where(good, vz[:-1], sub0)
    v1 = np.where(good, vz[1:] if method == "trapezoid" else vz[:-1], sub0)
    return _Segments(t0, t1, v0, v1, good, substituted)


def _piece_area(s: _Segments, sl: slice, lo: FloatArray, hi: FloatArray) -> FloatArray:
    """Area of the linear piece of each segment in ``sl`` between ``lo`` and ``hi``."""
    t0, t1, v0, v1 = s.t0[sl], s.t1[sl], s.v0[sl], s.v1[sl]
    frac_lo = (lo - t0) / (t1 - t0)
    frac_hi = (hi - t0) / (t1 - t0)
    dv = v1 - v0
    return (hi - lo) * ((v0 + dv * frac_lo) + (v0 + dv * frac_hi)) / 2.0


def integrate(
    t_s: Sequence[float] | npt.ArrayLike,
    values: Sequence[float] | npt.ArrayLike,
    ok: Sequence[bool] | npt.ArrayLike | None = None,
    periods: Sequence[tuple[float, float]] | None = None,
    *,
    method: Method = "trapezoid",
    max_gap_s: float = math.inf,
    gap_rule: GapRule = EXCLUDE,
) -> list[PeriodTotal[float]]:
    """Integrate a sampled signal over periods in float64 — same semantics and arguments as
    :func:`integrate_exact` (see the module docstring).

    Each period sums only the segments that overlap it (NumPy pairwise sums), so totals of short periods late in
    long series keep full relative precision.
    """
    t, v, m = _prepare(t_s, values, ok, method, max_gap_s)
    per = _periods(periods, t)
    out: list[PeriodTotal[float]] = []
    if t.size < 2:
        # no segment: the whole period is uncovered
        return [PeriodTotal(a, b, 0.0, 0.0, 0.0, 0.0, 0.0, b - a, b - a) for a, b in per]
    s = _segments(t, v, m, method, max_gap_s, gap_rule)
    for a, b in per:
        i0 = int(np.searchsorted(s.t1, a, side="right"))  # first segment with t1 > a
        i1 = int(np.searchsorted(s.t0, b, side="left"))  # segments with t0 < b
        sl = slice(i0, max(i0, i1))
        lo = np.maximum(s.t0[sl], a)
        hi = np.minimum(s.t1[sl], b)
        length = hi - lo
        area = _piece_area(s, sl, lo, hi)
        meas, subs = s.measured[sl], s.substituted[sl]
        im = float(np.sum(area[meas]))
        isub = float(np.sum(area[subs]))
        ms = float(np.sum(length[meas]))
        ss = float(np.sum(length[subs]))
        miss = float(np.sum(length[~meas & ~subs]))
        clo, chi = max(float(t[0]), a), min(float(t[-1]), b)
        unc = (b - a) - (chi - clo if chi > clo else 0.0)
        out.append(PeriodTotal(a, b, im + isub, im, isub, ms, ss, miss + unc, unc))
    return out


@dataclass(frozen=True, eq=False)
class WindowTotals:
    """Totals for many windows ``[start, end)`` at once (arrays, one element per window).

    ``integral`` [value·s]; ``measured_s``, ``substituted_s``, ``missing_s`` [s] (missing includes uncovered
    time); ``mean`` is ``integral / (measured_s + substituted_s)`` (NaN where nothing is covered).
    """

    start_s: FloatArray
    end_s: FloatArray
    integral: FloatArray
    measured_s: FloatArray
    substituted_s: FloatArray
    missing_s: FloatArray

    @property
    def mean(self) -> FloatArray:
        covered = self.measured_s + self.substituted_s
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(covered > 0, self.integral / np.where(covered > 0, covered, 1.0), np.nan)

    @property
    def coverage_frac(self) -> FloatArray:
        """Covered share of each window (measured + substituted) / length."""
        return (self.measured_s + self.substituted_s) / (self.end_s - self.start_s)


def window_integrals(
    t_s: Sequence[float] | npt.ArrayLike,
    values: Sequence[float] | npt.ArrayLike,
    ok: Sequence[bool] | npt.ArrayLike | None,
    starts: npt.ArrayLike,
    ends: npt.ArrayLike,
    *,
    method: Method = "trapezoid",
    max_gap_s: float = math.inf,
    gap_rule: GapRule = EXCLUDE,
    strategy: Literal["auto", "sums", "prefix"] = "auto",
) -> WindowTotals:
    """Totals over many (possibly overlapping) windows at once, vectorised.

    Same semantics as :func:`integrate` (windows are periods). Used for rolling 24-h means (a window ending at
    each sample). Each window adds the cut pieces at its two ends to the sum of the whole segments between them,
    computed by one of two strategies:

    - ``sums``: each window sums its own segments (``np.add.reduceat``) — full relative precision, cost
      proportional to the total number of segments the windows cover;
    - ``prefix``: differences of cumulative sums — cost independent of window length, relative precision about
      ``ε × (series total / window total)`` (≈ 1e-13 for a 24-h window in a year of data);
    - ``auto`` (default): ``sums`` unless the windows cover more than 2×10⁷ segments in total.

    Parameters
    ----------
    t_s, values, ok, method, max_gap_s, gap_rule : as :func:`integrate_exact`.
    starts, ends : window bounds [s], 1-D arrays of equal length with ``start < end``.
    strategy : 'auto', 'sums' or 'prefix' (see above).
    """
    if strategy not in ("auto", "sums", "prefix"):
        raise InputError("window_integrals: bad strategy", [Problem("unknown strategy", field="strategy",
                                                                     value=str(strategy),
                                                                     fix="use 'auto', 'sums' or 'prefix'")])
    t, v, m = _prepare(t_s, values, ok, method, max_gap_s)
    a = np.asarray(starts, dtype=float)
    b = np.asarray(ends, dtype=float)
    if a.shape != b.shape or a.ndim != 1 or not np.all(a < b):
        raise InputError("window_integrals: windows need 1-D starts < ends of equal length",
                         [Problem("bad windows", field="starts/ends")])
    span = b - a
    if t.size < 2 or a.size == 0:
        z = np.zeros_like(a)
        return WindowTotals(a, b, z, z.copy(), z.copy(), span.copy())
    s = _segments(t, v, m, method, max_gap_s, gap_rule)
    nseg = s.t0.size
    full_area = _piece_area(s, slice(None), s.t0, s.t1)
    full_len = s.t1 - s.t0
    # per-quantity whole-segment arrays, with a trailing 0 so that reduceat indices may equal nseg
    q_full = [np.append(np.where(s.measured, full_area, 0.0), 0.0),
              np.append(np.where(s.substituted, full_area, 0.0), 0.0),
              np.append(np.where(s.measured, full_len, 0.0), 0.0),
              np.append(np.where(s.substituted, full_len, 0.0), 0.0)]
    i0 = np.searchsorted(s.t1, a, side="right")  # first segment with t1 > a
    i1 = np.searchsorted(s.t0, b, side="left")  # one past the last segment with t0 < b
    has = i1 > i0
    totals = [np.zeros(a.shape) for _ in range(4)]

    def add_piece(k: npt.NDArray[np.intp], lo: FloatArray, hi: FloatArray, sel: BoolArray) -> None:
        kk = np.where(sel, k, 0)
        seg = _Segments(s.t0[kk], s.t1[kk], s.v0[kk], s.v1[kk], s.measured[kk], s.substituted[kk])
        lo_c = np.where(sel, lo, seg.t0)
        hi_c = np.where(sel, hi, seg.t0)
        area = _piece_area(seg, slice(None), lo_c, hi_c)
        length = hi_c - lo_c
        totals[0] += np.where(sel & seg.measured, area, 0.0)
        totals[1] += np.where(sel & seg.substituted, area, 0.0)
        totals[2] += np.where(sel & seg.measured, length, 0.0)
        totals[3] += np.where(sel & seg.substituted, length, 0.0)

    # first overlapping segment, cut at both window ends
    first = np.minimum(i0, nseg - 1)
    add_piece(first, np.maximum(s.t0[first], a), np.minimum(s.t1[first], b), has)
    # last overlapping segment when it differs from the first: starts inside the window, cut at its end
    last = np.clip(i1 - 1, 0, nseg - 1)
    two = has & (i1 - 1 > i0)
    add_piece(last, s.t0[last], np.minimum(s.t1[last], b), two)
    # whole segments strictly between them
    lo_i = np.minimum(i0 + 1, nseg)
    hi_i = np.maximum(np.minimum(i1 - 1, nseg), lo_i)
    inner = hi_i > lo_i
    work = int(np.sum(hi_i - lo_i))
    use_prefix = strategy == "prefix" or (strategy == "auto" and work > 20_000_000)
    if inner.any() and use_prefix:
        for q, tot in zip(q_full, totals, strict=True):
            c = np.concatenate(([0.0], np.cumsum(q)))
            tot += c[hi_i] - c[lo_i]
    elif inner.any():
        idx = np.empty(2 * int(inner.sum()), dtype=np.intp)
        idx[0::2] = lo_i[inner]
        idx[1::2] = hi_i[inner]
        for q, tot in zip(q_full, totals, strict=True):
            tot[inner] += np.add.reduceat(q, idx)[0::2]
    im, isub, ms, ss = totals
    return WindowTotals(a, b, im + isub, ms, ss, span - ms - ss)
