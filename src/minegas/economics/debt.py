"""Debt: capital recovery factor, level annuity schedules, DSCR and debt-sizing guardrails.

Conventions (RETScreen textbook, via the econ research note §4.5): the loan is drawn in year 0 and repaid as a
level annuity over ``term_years`` end-of-year payments in years 1 … term:

    payment = D × CRF(i, n),     CRF(i, n) = i (1+i)^n / ((1+i)^n − 1),     CRF(0, n) = 1/n

Interest of year t = balance at the end of year t−1 × i; principal = payment − interest.

DSCR_t = CFADS_t / debt service_t (payment), CFADS = cash flow available for debt service, here **before income
tax** (operating cash in − operating cash out − net VAT), as in SAM's single-owner model. Guardrail (NREL/SAM
issue #534): a debt fraction above 100 % of the investment is rejected, and DSCR-sized debt is capped at the
allowed fraction, so equity never turns negative and the equity IRR stays defined.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from minegas.errors import InputError, Problem

FloatArray = npt.NDArray[np.float64]


def _check_term(n_years: float, field: str = "term_years") -> int:
    if not float(n_years).is_integer() or n_years < 1:
        raise InputError("bad annuity term", [Problem(
            "the number of years must be a whole number ≥ 1 (did you swap rate and years? "
            "the call is crf(rate_frac, n_years))", field=field, value=str(n_years),
            fix="pass the rate as a fraction per year first, then the number of years, e.g. crf(0.08, 20)")])
    return int(n_years)


def crf(rate_frac: npt.ArrayLike, n_years: float) -> FloatArray:
    """Capital recovery factor ``i(1+i)^n / ((1+i)^n − 1)`` [1/yr]; ``1/n`` when ``i = 0``.

    Parameters
    ----------
    rate_frac : interest rate [fraction/yr], scalar or array; must be > −1.
    n_years : number of equal end-of-year payments (whole number ≥ 1). The argument order is (rate, years);
        swapped arguments are caught because the number of years must be a whole number ≥ 1.

    Example: ``crf(0.08, 20)`` = 0.101852 (an 8 %, 20-year annuity). PyPSA issue #1397 documents the
    argument-order mistake this signature guards against.
    """
    n = _check_term(n_years)
    i = np.asarray(rate_frac, dtype=float)
    if np.any(~np.isfinite(i)) or np.any(i <= -1.0):
        raise InputError("bad interest rate", [Problem("the rate must be a fraction per year > −1", field="rate_frac",
                                                       value=str(rate_frac))])
    safe = np.where(i == 0.0, 1.0, i)
    g = (1.0 + safe) ** n
    out = np.where(i == 0.0, 1.0 / n, safe * g / (g - 1.0))
    return np.asarray(out, dtype=float)


def annuity_payment(principal_yuan: npt.ArrayLike, rate_frac: npt.ArrayLike, n_years: float) -> FloatArray:
    """Level end-of-year payment [元/yr] repaying ``principal_yuan`` over ``n_years`` at ``rate_frac``.

    Equals ``-numpy_financial.pmt(rate, n, principal)``.
    """
    return np.asarray(np.asarray(principal_yuan, dtype=float) * crf(rate_frac, n_years), dtype=float)


def check_debt_fraction(debt_frac: npt.ArrayLike, field: str = "finance.debt_frac", file: str | None = None) -> None:
    """Reject a debt fraction outside [0, 1] (debt above 100 % of the investment makes equity negative)."""
    d = np.asarray(debt_frac, dtype=float)
    if np.any(~np.isfinite(d)) or np.any(d < 0) or np.any(d > 1.0):
        bad = d[(~np.isfinite(d)) | (d < 0) | (d > 1.0)]
        raise InputError("debt fraction out of range", [Problem(
            "the debt fraction must be within 0–1 of the investment; more than 100 % debt means negative equity "
            "and an undefined equity IRR", file=file, field=field, value=str(bad.ravel()[0]),
            fix="lower the debt fraction to at most 1.0 (e.g. 0.7 for 70 % debt)")])


def schedule(principal_yuan: FloatArray, rate_frac: FloatArray, term_years: int, n_periods: int,
             first_payment_t: int = 1) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Level-annuity schedule, vectorised over draws.

    Parameters
    ----------
    principal_yuan : shape (D,) or (D, 1), drawn at t = 0 [元].
    rate_frac : shape (D,) or (D, 1) [fraction/yr].
    term_years : number of payments.
    n_periods : number of columns T of the cash-flow table (t = 0 … T−1).
    first_payment_t : year of the first payment (1 = the year after drawing).

    Returns
    -------
    (interest, principal_repaid, balance_end), each shape (D, T) [元]; payments fall in years
    ``first_payment_t`` … ``first_payment_t + term − 1`` (payments beyond T are cut off — the caller sizes T).
    """
    n = _check_term(term_years)
    p0 = np.asarray(principal_yuan, dtype=float).reshape(-1)
    i = np.broadcast_to(np.asarray(rate_frac, dtype=float).reshape(-1), p0.shape)
    d = p0.size
    pay = annuity_payment(p0, i, n)
    interest = np.zeros((n_periods, d))
    repaid = np.zeros((n_periods, d))
    bal = np.zeros((n_periods, d))
    b = p0.copy()
    if n_periods > 0 and first_payment_t > 0:
        bal[0] = b
    for k in range(n):
        t = first_payment_t + k
        if t >= n_periods:
            break
        it = b * i
        pr = b.copy() if k == n - 1 else pay - it  # the last payment clears rounding residue
        interest[t] = it
        repaid[t] = pr
        b = b - pr
        bal[t] = b
    return interest.T, repaid.T, bal.T


def dscr(cfads_yuan: FloatArray, debt_service_yuan: FloatArray) -> FloatArray:
    """Debt-service coverage ratio per year, NaN in years without debt service. Shapes (D, T)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(debt_service_yuan > 0, cfads_yuan / np.where(debt_service_yuan > 0, debt_service_yuan, 1.0),
                       np.nan)
    return np.asarray(out, dtype=float)


def dscr_summary(ratio: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Minimum and average DSCR over the years with debt service (NaN when there is no debt). Shapes (D,)."""
    has = np.isfinite(ratio).any(axis=1)
    filled_min = np.where(np.isfinite(ratio), ratio, np.inf).min(axis=1)
    cnt = np.isfinite(ratio).sum(axis=1)
    tot = np.where(np.isfinite(ratio), ratio, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        avg = tot / cnt
    return np.where(has, filled_min, np.nan), np.where(has, avg, np.nan)


def size_by_dscr(cfads_yuan: FloatArray, rate_frac: FloatArray, term_years: int, dscr_target: float,
                 cap_yuan: FloatArray, first_payment_t: int = 1) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Largest level-annuity debt whose payment keeps DSCR ≥ ``dscr_target`` in every repayment year, capped.

    ``payment_max = min_t CFADS_t / target`` over the repayment years; ``D = payment_max / CRF(i, n)``, floored at
    0 and capped at ``cap_yuan`` (the allowed debt fraction × investment). Returns (debt [元] shape (D,),
    capped flag shape (D,)).
    """
    n = _check_term(term_years)
    if not dscr_target > 0:
        raise InputError("bad DSCR target", [Problem("the DSCR target must be > 0 (e.g. 1.3)", field="finance.dscr_target",
                                                     value=str(dscr_target))])
    cf = np.atleast_2d(cfads_yuan)
    cols = [first_payment_t + k for k in range(n) if first_payment_t + k < cf.shape[1]]
    if not cols:
        return np.zeros(cf.shape[0]), np.zeros(cf.shape[0], dtype=bool)
    pay_max = np.maximum(cf[:, cols].min(axis=1) / dscr_target, 0.0)
    i = np.asarray(rate_frac, dtype=float).reshape(-1)
    debt = pay_max / crf(i, n)
    cap = np.asarray(cap_yuan, dtype=float).reshape(-1)
    capped = debt > cap
    return np.minimum(debt, cap), capped
