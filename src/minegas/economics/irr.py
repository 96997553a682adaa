"""Net present value and internal rate of return, vectorised over draws (docs/economics.md §Conventions).

Conventions
-----------
- Cash flows are end-of-year amounts ``CF_0 … CF_T`` [元]; ``CF_0`` is the investment year (RETScreen
  convention: investment in year 0, flows at the end of each year).
- **NPV, t = 0 convention** (default, as numpy-financial): ``NPV = Σ_{t=0..T} CF_t / (1+r)^t`` — the year-0 flow
  is *not* discounted.
- **Excel convention** (``convention="excel"``): Excel's ``NPV(r, CF_0…CF_T)`` discounts the first flow one
  period, ``Σ CF_t / (1+r)^(t+1)`` = NPV_t0 / (1+r). Users who type ``=NPV(r, B5:Z5)`` get this figure; the
  right Excel formula for the t = 0 convention is ``=B5 + NPV(r, C5:Z5)`` (numpy issue #10877; GEOPHIRES-X PR
  #364 added the same switch).
- **IRR** is a root of ``NPV(r) = 0``. With ``x = 1/(1+r)`` the NPV is the polynomial ``P(x) = Σ CF_t x^t``, so
  a cash-flow series with *k* sign changes has at most *k* positive roots x (Descartes' rule of signs) and
  therefore at most *k* IRRs > −100 %. :func:`irr_analysis` lists **all** real roots (``numpy.polynomial``
  companion-matrix eigenvalues), the MIRR and warnings; :func:`irr_vectorized` solves many series at once by a
  rate grid (to bracket roots) and safeguarded Newton iterations in x (Horner's scheme); where several roots
  exist it returns the one closest to zero, as numpy-financial does, and flags it.

numpy-financial is used only in tests and the benchmark baseline (cross-checks), never here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from minegas.errors import InputError, Problem

FloatArray = npt.NDArray[np.float64]
NpvConvention = Literal["t0", "excel"]

IRR_OK = 0
"""Exactly one IRR in the searched range."""
IRR_NO_SIGN_CHANGE = 1
"""Cash flows never change sign (all ≥ 0 or all ≤ 0): NPV(r) has no root, the IRR is undefined."""
IRR_NO_ROOT = 2
"""Cash flows change sign but NPV(r) has no root between the search limits (e.g. the project never recovers
its investment: IRR < −99 %), or the root is a double root the grid cannot bracket."""
IRR_MULTIPLE = 3
"""Several roots: the one closest to zero is returned (numpy-financial's choice); see :func:`irr_analysis`."""

IRR_STATUS_TEXT: dict[int, str] = {
    IRR_OK: "ok",
    IRR_NO_SIGN_CHANGE: "undefined: the cash flows never change sign (no investment, or no return)",
    IRR_NO_ROOT: "undefined: NPV(r) has no root between −99 % and +1000 % (the investment is never recovered)",
    IRR_MULTIPLE: "several IRRs (cash flows change sign more than once): the one closest to zero is shown; "
                  "prefer MIRR or NPV",
}

RATE_MIN = -0.99
"""Lowest rate searched by :func:`irr_vectorized` [fraction/yr]."""
RATE_MAX = 10.0
"""Highest rate searched by :func:`irr_vectorized` [fraction/yr]."""

_GRID = np.unique(np.concatenate([
    [RATE_MIN, -0.9, -0.8, -0.7, -0.6, -0.5, -0.4, -0.3],
    np.linspace(-0.25, 0.0, 6),
    np.linspace(0.025, 0.3, 12),
    np.linspace(0.35, 0.6, 6),
    [0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 2.0, 3.0, 5.0, RATE_MAX],
]))
"""Rates at which NPV is evaluated to bracket roots: dense where project IRRs live (−50 %…100 %)."""


def _check_rate(rate: npt.ArrayLike, name: str = "rate") -> FloatArray:
    r = np.asarray(rate, dtype=float)
    if np.any(~np.isfinite(r)) or np.any(r <= -1.0):
        raise InputError("bad discount rate", [Problem("a rate must be a finite number > −1 (fraction per year, "
                                                       "e.g. 0.08 for 8 %)", field=name, value=str(rate))])
    return r


def discount_factors(rate: npt.ArrayLike, n_periods: int, convention: NpvConvention = "t0") -> FloatArray:
    """Discount factors ``(1+r)^-t`` for t = 0 … n−1 (t0) or ``(1+r)^-(t+1)`` (excel).

    ``rate`` may be a scalar or an array of shape (D,); the result has shape (n,) or (D, n).
    """
    r = _check_rate(rate)
    t = np.arange(n_periods, dtype=float) + (1.0 if convention == "excel" else 0.0)
    if convention not in ("t0", "excel"):
        raise InputError("bad NPV convention", [Problem("must be 't0' or 'excel'", field="npv_convention",
                                                        value=str(convention))])
    if r.ndim == 0:
        return np.asarray((1.0 + float(r)) ** -t, dtype=float)
    return np.asarray((1.0 + r[:, None]) ** -t[None, :], dtype=float)


def npv(rate: npt.ArrayLike, cashflows: npt.ArrayLike, convention: NpvConvention = "t0") -> FloatArray:
    """Net present value [元] of end-of-year cash flows.

    Parameters
    ----------
    rate : discount rate [fraction/yr]; scalar, or shape (D,) with one rate per row of ``cashflows``.
    cashflows : shape (T,) or (D, T); column 0 is year 0 (the investment year).
    convention : 't0' (year 0 undiscounted, numpy-financial) or 'excel' (first flow discounted one period).

    Returns
    -------
    Scalar array (T,) input or shape (D,).

    Reference: Gitman, *Principles of Managerial Finance* (NPV = Σ CF_t/(1+r)^t); Excel NPV documentation.
    """
    cf = np.asarray(cashflows, dtype=float)
    df = discount_factors(rate, cf.shape[-1], convention)
    if df.ndim == 1:
        return np.asarray(np.einsum("...t,t->...", cf, df))
    return np.asarray(np.einsum("dt,dt->d", np.atleast_2d(cf), df))


def sign_changes(cashflows: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Number of sign changes in each cash-flow series, zeros ignored (Descartes' bound on the number of IRRs)."""
    cf = np.atleast_2d(np.asarray(cashflows, dtype=float))
    s = np.ascontiguousarray(np.sign(cf).T)  # (T, D): one contiguous row per year
    last = s[0].copy()
    changes = np.zeros(cf.shape[0], dtype=np.int64)
    for t in range(1, s.shape[0]):
        cur = s[t]
        changes += (cur * last) < 0
        np.copyto(last, cur, where=cur != 0)
    return changes


def _horner(cft: FloatArray, x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """P(x) = Σ c_t x^t and P'(x) for each column; ``cft`` is (T, D) (coefficients by power, rows t = 0…T−1)."""
    n = cft.shape[0]
    p = cft[n - 1].copy()
    dp = np.zeros_like(p)
    for t in range(n - 2, -1, -1):
        dp *= x
        dp += p
        p *= x
        p += cft[t]
    return p, dp


def _refine(cft: FloatArray, x_a: FloatArray, x_b: FloatArray, x0: FloatArray, tol: float, max_iter: int
            ) -> FloatArray:
    """Safeguarded Newton on P(x) = Σ c_t x^t inside brackets [x_a, x_b] with a sign change (one per column of
    ``cft``); a step that leaves the bracket is replaced by the geometric mid-point (x spans decades)."""
    p_a, _ = _horner(cft, x_a)
    x = x0.copy()
    idx = np.arange(x.size)
    out = x.copy()
    for _ in range(max_iter):
        p, dp = _horner(cft, x)
        root = p == 0.0
        same = np.sign(p) == np.sign(p_a)
        x_a = np.where(same, x, x_a)
        p_a = np.where(same, p, p_a)
        x_b = np.where(same | root, x_b, x)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_new = x - p / dp
        bad = ~np.isfinite(x_new) | (x_new < x_a) | (x_new > x_b)
        x_new = np.where(root, x, np.where(bad, np.sqrt(x_a * x_b), x_new))
        done = root | (np.abs(x_new - x) <= tol * np.maximum(1.0, np.abs(x_new)))
        out[idx] = x_new
        if done.all():
            break
        keep = ~done
        if keep.mean() < 0.5:  # shrink the working set to the rows still moving
            idx, cft = idx[keep], np.ascontiguousarray(cft[:, keep])
            x_a, x_b, p_a, x_new = x_a[keep], x_b[keep], p_a[keep], x_new[keep]
        x = x_new
    return out


def irr_vectorized(cashflows: npt.ArrayLike, *, tol: float = 1e-12, max_iter: int = 100
                   ) -> tuple[FloatArray, npt.NDArray[np.int8]]:
    """IRR of many cash-flow series at once.

    Parameters
    ----------
    cashflows : shape (D, T) or (T,) [元]; column 0 is year 0.
    tol : relative convergence tolerance on x = 1/(1+r).
    max_iter : Newton/bisection iterations at most.

    Returns
    -------
    (irr, status): ``irr`` [fraction/yr] shape (D,), NaN where undefined; ``status`` one of ``IRR_OK``,
    ``IRR_NO_SIGN_CHANGE``, ``IRR_NO_ROOT``, ``IRR_MULTIPLE`` (see :data:`IRR_STATUS_TEXT`). Never a silent NaN:
    every NaN has a status saying why.

    Method: a series with one sign change has exactly one IRR > −100 % (Descartes), bracketed by
    [−99 %, +1000 %] and found by safeguarded Newton steps on ``P(x) = Σ CF_t x^t`` (Horner's scheme). Series with
    several sign changes are first scanned on a rate grid (−99 %…+1000 %, 42 points) to bracket their roots; the
    bracket closest to r = 0 is refined the same way and the status says ``IRR_MULTIPLE`` when the grid saw more than
    one root (two roots closer together than the grid spacing can be missed — :func:`irr_analysis` lists them all).
    """
    cf = np.atleast_2d(np.asarray(cashflows, dtype=float))
    d, n = cf.shape
    irr = np.full(d, np.nan)
    status = np.full(d, IRR_NO_ROOT, dtype=np.int8)
    changes = sign_changes(cf)
    status[changes == 0] = IRR_NO_SIGN_CHANGE
    if n < 2:
        return irr, status
    x_lo, x_hi = 1.0 / (1.0 + RATE_MAX), 1.0 / (1.0 + RATE_MIN)
    # --- one sign change: the unique root, bracketed by the search limits
    single = np.nonzero(changes == 1)[0]
    if single.size:
        cft = np.ascontiguousarray(cf[single].T)
        lo = np.full(single.size, x_lo)
        hi = np.full(single.size, x_hi)
        p_lo, _ = _horner(cft, lo)
        p_hi, _ = _horner(cft, hi)
        ok = np.sign(p_lo) != np.sign(p_hi)
        if ok.any():
            rows = single[ok]
            x0 = np.full(rows.size, 1.0 / 1.1)
            x = _refine(np.ascontiguousarray(cft[:, ok]), lo[ok], hi[ok], x0, tol, max_iter)
            irr[rows] = 1.0 / x - 1.0
            status[rows] = IRR_OK
    # --- several sign changes: bracket on the grid, refine the root closest to zero
    multi = np.nonzero(changes >= 2)[0]
    if multi.size:
        grid = _GRID
        df = (1.0 + grid[None, :]) ** -np.arange(n, dtype=float)[:, None]
        pos = (cf[multi] @ df) > 0.0
        cross = pos[:, :-1] != pos[:, 1:]
        n_roots = cross.sum(axis=1)
        has = n_roots > 0
        if has.any():
            mid = 0.5 * (grid[:-1] + grid[1:])
            order = np.argsort(np.abs(mid), kind="stable")
            k = order[np.argmax(cross[has][:, order], axis=1)]
            rows = multi[has]
            x_a = 1.0 / (1.0 + grid[k + 1])
            x_b = 1.0 / (1.0 + grid[k])
            x = _refine(np.ascontiguousarray(cf[rows].T), x_a, x_b, 0.5 * (x_a + x_b), tol, max_iter)
            irr[rows] = 1.0 / x - 1.0
            status[rows] = np.where(n_roots[has] > 1, IRR_MULTIPLE, IRR_OK).astype(np.int8)
    return irr, status


def irr_roots(cashflows: npt.ArrayLike) -> list[float]:
    """All real IRRs (> −100 %) of one cash-flow series, ascending [fraction/yr].

    Roots of ``Σ CF_t x^t`` (companion-matrix eigenvalues, ``numpy.polynomial.polynomial.polyroots``) that are real
    and positive give ``r = 1/x − 1``. Near-duplicate roots (|Δr| < 1e-7) are merged. Empty list when there is none.
    """
    cf = np.trim_zeros(np.asarray(cashflows, dtype=float), "b")
    if cf.size < 2 or not ((cf > 0).any() and (cf < 0).any()):
        return []
    lead = np.flatnonzero(cf)[0]  # leading zeros are roots at x = 0 (r = ∞): drop them
    coeffs = cf[lead:]
    roots = np.polynomial.polynomial.polyroots(coeffs)
    scale = max(1.0, float(np.max(np.abs(roots)))) if roots.size else 1.0
    real = roots[(np.abs(roots.imag) <= 1e-9 * scale) & (roots.real > 0)].real
    rates = sorted(float(1.0 / x - 1.0) for x in real)
    # polish each root by Newton on the polynomial, then merge duplicates
    polished: list[float] = []
    pc = np.polynomial.Polynomial(coeffs)
    dpc = pc.deriv()
    for r in rates:
        x = 1.0 / (1.0 + r)
        for _ in range(20):
            d = float(dpc(x))
            if d == 0:
                break
            x_new = x - float(pc(x)) / d
            if not np.isfinite(x_new) or x_new <= 0:
                break
            if abs(x_new - x) < 1e-15 * max(1.0, abs(x)):
                x = x_new
                break
            x = x_new
        polished.append(1.0 / x - 1.0)
    out: list[float] = []
    for r in sorted(polished):
        if not out or abs(r - out[-1]) > 1e-7:
            out.append(r)
    return out


def mirr(cashflows: npt.ArrayLike, finance_rate: float, reinvest_rate: float) -> FloatArray:
    """Modified IRR [fraction/yr], vectorised over rows.

    ``MIRR = (FV(positive flows at the reinvestment rate) / PV(negative flows at the finance rate))^(1/(n−1)) − 1``
    with n the number of periods (Excel MIRR, numpy-financial ``mirr``). NaN where the series lacks a positive or a
    negative flow. Unlike the IRR, the MIRR is unique, so it is the figure to quote when flows change sign several
    times.
    """
    cf = np.atleast_2d(np.asarray(cashflows, dtype=float))
    n = cf.shape[1]
    _check_rate(finance_rate, "finance_rate")
    _check_rate(reinvest_rate, "reinvest_rate")
    pos = np.maximum(cf, 0.0)
    neg = np.minimum(cf, 0.0)
    t = np.arange(n, dtype=float)
    fv_pos = np.einsum("dt,t->d", pos, (1.0 + reinvest_rate) ** (n - 1 - t))
    pv_neg = np.abs(np.einsum("dt,t->d", neg, (1.0 + finance_rate) ** -t))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (fv_pos / pv_neg) ** (1.0 / (n - 1)) - 1.0
    out[(fv_pos <= 0) | (pv_neg <= 0)] = np.nan
    return np.asarray(out, dtype=float)


@dataclass(frozen=True)
class IrrAnalysis:
    """Everything about the IRR of one cash-flow series.

    Attributes
    ----------
    irr : the IRR reported [fraction/yr] (the root closest to zero when there are several), None if undefined.
    roots : every real IRR > −100 %, ascending.
    mirr : modified IRR at the given finance and reinvestment rates (None if undefined).
    sign_changes : number of sign changes of the cash flows (an upper bound on the number of IRRs).
    status : 'ok', 'multiple' or 'undefined'.
    reason : why the IRR is undefined or ambiguous (None when status is 'ok').
    warnings : human-readable warnings (several sign changes, several roots).
    """

    irr: float | None
    roots: list[float]
    mirr: float | None
    sign_changes: int
    status: Literal["ok", "multiple", "undefined"]
    reason: str | None = None
    warnings: list[str] = field(default_factory=list)


def irr_analysis(cashflows: npt.ArrayLike, finance_rate: float = 0.08, reinvest_rate: float | None = None
                 ) -> IrrAnalysis:
    """IRR of one series with all real roots, the MIRR and warnings (never a silent NaN).

    Parameters
    ----------
    cashflows : shape (T,) [元], year 0 first.
    finance_rate : rate paid on negative flows for the MIRR [fraction/yr].
    reinvest_rate : rate earned on positive flows for the MIRR (default: ``finance_rate``).
    """
    cf = np.asarray(cashflows, dtype=float).ravel()
    rr = finance_rate if reinvest_rate is None else reinvest_rate
    changes = int(sign_changes(cf)[0])
    roots = irr_roots(cf)
    m = float(mirr(cf, finance_rate, rr)[0])
    m_out = m if np.isfinite(m) else None
    warnings: list[str] = []
    if changes > 1:
        warnings.append(f"the cash flows change sign {changes} times: up to {changes} IRRs may exist "
                        f"(found {len(roots)}: {', '.join(f'{r:.4%}' for r in roots) or 'none'}); "
                        "judge the project by NPV or MIRR")
    if changes == 0:
        return IrrAnalysis(None, [], m_out, 0, "undefined", IRR_STATUS_TEXT[IRR_NO_SIGN_CHANGE], warnings)
    if not roots:
        return IrrAnalysis(None, [], m_out, changes, "undefined",
                           "undefined: NPV(r) has no real root above −100 % (the investment is never recovered "
                           "at any rate)", warnings)
    best = min(roots, key=abs)
    if len(roots) > 1:
        return IrrAnalysis(best, roots, m_out, changes, "multiple", IRR_STATUS_TEXT[IRR_MULTIPLE], warnings)
    return IrrAnalysis(best, roots, m_out, changes, "ok", None, warnings)
