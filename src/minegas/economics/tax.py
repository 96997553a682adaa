"""Depreciation, VAT (with carry-forward of input credit and refunds) and income tax (with loss carry-forward).

All functions are vectorised over draws: arrays are shaped (D, T) with column t = year t (t = 0 investment year).
Rates and rules come from the policy library (``policy.china.vat``, ``policy.china.income-tax``); where a rule is
not verified in our sources the parameter set says so and the value stays a parameter.

VAT (增值税): payable_t = max(0, output VAT_t − input VAT_t − credit carried in); unused input VAT (e.g. on the
equipment bought in year 0) is carried forward. A refund (即征即退 / 先征后退) returns ``refund_frac`` of the VAT
actually paid, ``lag`` years later.

Income tax (企业所得税): tax_t = rate × holiday_t × max(0, taxable_t − loss used_t). Losses are carried forward
for ``K`` years and used oldest first (FIFO). The FIFO rule is computed exactly with cumulative sums, the same
formulation the Excel export writes as formulas:

    CL_t = Σ_{v≤t} loss_v,  CU_t = Σ_{v≤t} used_v,  CE_t = Σ_{v≤t} expired_v
    expired_t = max(0, CL_{t−K−1} − CU_{t−1} − CE_{t−1})          (vintages older than K years lapse)
    available_t = CL_{t−1} − CU_{t−1} − CE_{t−1} − expired_t
    used_t = min(available_t, max(0, taxable_t))

(exact because FIFO consumes vintages in order, and the lapsing ones are always the oldest).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from minegas.errors import InputError, Problem

FloatArray = npt.NDArray[np.float64]


def straight_line(base_yuan: npt.ArrayLike, years: int, n_periods: int, *, salvage_frac: npt.ArrayLike = 0.0,
                  start_t: int = 1) -> FloatArray:
    """Straight-line depreciation [元/yr] of ``base × (1 − salvage)`` over ``years`` from year ``start_t``.

    Parameters
    ----------
    base_yuan : depreciable base, shape (D,) or (D, 1) or scalar.
    years : depreciation period (whole years ≥ 1).
    n_periods : number of columns T.
    salvage_frac : residual value as a fraction of the base (not depreciated).
    start_t : first year of depreciation (1 = the first year after the investment year).

    Returns shape (D, T). Reference: straight-line method (企业所得税法实施条例 art. 59 allows straight-line with a
    reasonable residual value [U: text not in our sources]).
    """
    if not float(years).is_integer() or years < 1:
        raise InputError("bad depreciation period", [Problem("must be a whole number of years ≥ 1",
                                                             field="tax.depreciation_years", value=str(years))])
    base = np.asarray(base_yuan, dtype=float).reshape(-1, 1)
    salv = np.asarray(salvage_frac, dtype=float).reshape(-1, 1)
    t = np.arange(n_periods)[None, :]
    on = (t >= start_t) & (t < start_t + int(years))
    return np.asarray(np.where(on, base * (1.0 - salv) / int(years), 0.0), dtype=float)


def vat_payable(output_vat_yuan: FloatArray, input_vat_yuan: FloatArray) -> tuple[FloatArray, FloatArray]:
    """VAT payable with carry-forward of excess input VAT. Returns (payable, credit carried out), both (D, T)."""
    out_a = np.atleast_2d(np.asarray(output_vat_yuan, dtype=float))
    inp_a = np.atleast_2d(np.asarray(input_vat_yuan, dtype=float))
    shape = np.broadcast_shapes(out_a.shape, inp_a.shape)
    net_in = np.ascontiguousarray(np.broadcast_to(out_a - inp_a, shape).T)  # (T, D): contiguous per year
    payable = np.empty_like(net_in)
    credit = np.empty_like(net_in)
    c = np.zeros(shape[0])
    for t in range(shape[1]):
        net = net_in[t] - c
        np.maximum(net, 0.0, out=payable[t])
        np.maximum(-net, 0.0, out=credit[t])
        c = credit[t]
    return payable.T, credit.T


def vat_refund(payable_yuan: FloatArray, refund_frac: npt.ArrayLike, lag_years: int = 0,
               eligible_share: npt.ArrayLike = 1.0) -> FloatArray:
    """VAT refunded [元]: ``refund_frac × eligible share × payable`` of year t − lag, paid in year t. Shape (D, T)."""
    if lag_years < 0:
        raise InputError("bad VAT refund lag", [Problem("must be ≥ 0 years", field="tax.vat_refund_lag_years",
                                                        value=str(lag_years))])
    p = np.atleast_2d(payable_yuan)
    f0 = np.asarray(refund_frac, dtype=float)
    f = f0.reshape(-1, 1) if f0.ndim else f0
    e = np.asarray(eligible_share, dtype=float)
    base = p * f * e
    out = np.zeros_like(p, dtype=float)
    if lag_years < p.shape[1]:
        out[:, lag_years:] = base[:, : p.shape[1] - lag_years]
    return out


def holiday_multiplier(n_periods: int, first_t: int, exempt_years: int = 0, half_years: int = 0) -> FloatArray:
    """Income-tax multiplier per year for a tax holiday counted from year ``first_t``.

    ``exempt_years`` at 0, then ``half_years`` at 0.5, then 1 (e.g. 三免三减半: 3 and 3) [U: the qualifying
    conditions are not in our sources; off by default]. Shape (T,).
    """
    m = np.ones(n_periods)
    t = np.arange(n_periods)
    m[(t >= first_t) & (t < first_t + exempt_years)] = 0.0
    m[(t >= first_t + exempt_years) & (t < first_t + exempt_years + half_years)] = 0.5
    return m


def income_tax(taxable_yuan: FloatArray, rate_frac: npt.ArrayLike, carryforward_years: int = 5,
               multiplier: npt.ArrayLike | None = None) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Income tax with FIFO loss carry-forward (see module docstring).

    Parameters
    ----------
    taxable_yuan : taxable income before losses, shape (D, T) [元] (negative = loss).
    rate_frac : tax rate, scalar or (D,).
    carryforward_years : K, years a loss may be used after the year it arose (0 = no carry-forward).
    multiplier : holiday multiplier per year, shape (T,) (default 1).

    Returns
    -------
    (tax, loss_used, loss_expired), each (D, T) [元].
    """
    if carryforward_years < 0:
        raise InputError("bad loss carry-forward", [Problem("must be ≥ 0 years", field="tax.loss_carryforward_years",
                                                            value=str(carryforward_years))])
    ti = np.atleast_2d(np.asarray(taxable_yuan, dtype=float))
    d, n = ti.shape
    r0 = np.asarray(rate_frac, dtype=float)
    rate = r0.reshape(-1, 1) if r0.ndim else r0
    mult = np.ones(n) if multiplier is None else np.asarray(multiplier, dtype=float)
    tt = np.ascontiguousarray(ti.T)                 # (T, D): one contiguous row per year
    cl = np.cumsum(np.maximum(-tt, 0.0), axis=0)    # cumulative losses CL_t
    used = np.zeros_like(tt)
    expired = np.zeros_like(tt)
    cu = np.zeros(d)
    ce = np.zeros(d)
    k = carryforward_years
    zero = np.zeros(d)
    if not (tt < 0).any():                          # no loss ever: nothing to carry
        tax = rate * mult[None, :] * np.maximum(ti, 0.0)
        return np.asarray(tax, dtype=float), used.T, expired.T
    for t in range(n):
        cl_prev = cl[t - 1] if t >= 1 else zero
        old = cl[t - k - 1] if t - k - 1 >= 0 else zero
        e = np.maximum(old - cu - ce, 0.0)
        avail = np.maximum(cl_prev - cu - ce - e, 0.0)
        u = np.minimum(avail, np.maximum(tt[t], 0.0))
        used[t] = u
        expired[t] = e
        cu += u
        ce += e
    tax_t = np.maximum(tt - used, 0.0)
    tax_t *= (mult[:, None] * (rate.reshape(1, -1) if np.ndim(rate) else rate))
    return tax_t.T, used.T, expired.T


def escalation(rate_frac: npt.ArrayLike, n_periods: int) -> FloatArray:
    """Escalation factors ``(1+e)^t`` (RETScreen: values entered in year-0 terms, escalated from year 1).

    Year 0 has factor 1, year 1 has ``1+e``. ``rate_frac`` scalar → shape (T,); shape (D,) → (D, T).
    """
    e = np.asarray(rate_frac, dtype=float)
    if np.any(e <= -1.0):
        raise InputError("bad escalation rate", [Problem("must be > −1 (fraction per year)", value=str(rate_frac))])
    t = np.arange(n_periods, dtype=float)
    if e.ndim == 0:
        return np.asarray((1.0 + float(e)) ** t, dtype=float)
    return np.asarray((1.0 + e.reshape(-1, 1)) ** t[None, :], dtype=float)
