"""Annuity/CRF, debt schedules and DSCR; depreciation, VAT with carry-forward and refund; income tax with FIFO loss
carry-forward — against hand calculations and numpy-financial."""

from __future__ import annotations

from collections import deque

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minegas.economics import debt, tax
from minegas.errors import InputError

# --- CRF and annuities ------------------------------------------------------------------------------------------

def test_crf_hand_values():
    # 8 %, 20 years: 0.08 × 1.08^20 / (1.08^20 − 1); 1.08^20 = 4.6609571
    assert float(debt.crf(0.08, 20)) == pytest.approx(0.08 * 4.6609571 / 3.6609571, rel=1e-7)
    assert float(debt.crf(0.08, 20)) == pytest.approx(0.1018522, abs=1e-7)
    assert float(debt.crf(0.0, 10)) == pytest.approx(0.1)  # r = 0: 1/n, no division by zero
    assert float(debt.crf(0.05, 1)) == pytest.approx(1.05)


def test_crf_argument_order_is_checked():
    with pytest.raises(InputError, match="swap"):
        debt.crf(20, 0.08)  # years and rate swapped: 0.08 is not a whole number of years
    with pytest.raises(InputError):
        debt.crf(0.08, 0)


def test_annuity_matches_numpy_financial_pmt():
    for r, n, p in ((0.049, 10, 1.2e8), (0.0, 7, 7e6), (0.12, 25, 1.0)):
        assert float(debt.annuity_payment(p, r, n)) == pytest.approx(-npf.pmt(r, n, p), rel=1e-12)


def test_schedule_interest_principal_and_balance():
    i, pr, bal = debt.schedule(np.array([1000.0]), np.array([0.10]), 3, 6)
    pay = 1000 * 0.1 * 1.1 ** 3 / (1.1 ** 3 - 1)  # 402.1148
    assert i[0, 1] == pytest.approx(100.0)
    assert pr[0, 1] == pytest.approx(pay - 100.0)
    assert i[0, 2] == pytest.approx((1000 - (pay - 100)) * 0.1)
    assert pr[0].sum() == pytest.approx(1000.0)
    assert (i[0] + pr[0])[1:4] == pytest.approx([pay] * 3)
    assert bal[0, 3] == pytest.approx(0.0, abs=1e-9) and bal[0, 0] == 1000.0
    assert i[0, 4:].sum() == 0 and pr[0, 4:].sum() == 0


def test_dscr_and_summary():
    cfads = np.array([[0.0, 150.0, 120.0, 200.0, 50.0]])
    service = np.array([[0.0, 100.0, 100.0, 100.0, 0.0]])
    r = debt.dscr(cfads, service)
    assert np.isnan(r[0, 0]) and np.isnan(r[0, 4])
    mn, avg = debt.dscr_summary(r)
    assert mn[0] == pytest.approx(1.2) and avg[0] == pytest.approx((1.5 + 1.2 + 2.0) / 3)


def test_size_by_dscr_and_cap():
    cfads = np.array([[0.0, 130.0, 130.0, 160.0]])
    d, capped = debt.size_by_dscr(cfads, np.array([0.0]), 3, 1.3, np.array([1e9]))
    assert d[0] == pytest.approx(300.0) and not capped[0]  # payment 100 × 3 years at 0 %
    d, capped = debt.size_by_dscr(cfads, np.array([0.0]), 3, 1.3, np.array([250.0]))
    assert d[0] == pytest.approx(250.0) and capped[0]


def test_debt_fraction_guardrail():
    debt.check_debt_fraction(1.0)
    with pytest.raises(InputError, match="100 %"):
        debt.check_debt_fraction(1.2, file="x.yaml")


# --- depreciation, escalation ---------------------------------------------------------------------------------

def test_straight_line_depreciation():
    d = tax.straight_line(np.array([1000.0]), 4, 7, salvage_frac=0.05, start_t=1)
    assert d[0].tolist() == pytest.approx([0, 237.5, 237.5, 237.5, 237.5, 0, 0])
    with pytest.raises(InputError):
        tax.straight_line(1000.0, 0, 5)


def test_escalation_starts_in_year_one():
    f = tax.escalation(0.03, 4)
    assert f.tolist() == pytest.approx([1.0, 1.03, 1.0609, 1.092727])


# --- VAT ----------------------------------------------------------------------------------------------------------

def test_vat_carry_forward_by_hand():
    out = np.array([[0.0, 50.0, 80.0, 100.0]])
    inp = np.array([[130.0, 10.0, 10.0, 10.0]])
    pay, credit = tax.vat_payable(out, inp)
    # year 0: credit 130; year 1: 50−10−130 → credit 90; year 2: 80−10−90 → credit 20; year 3: 100−10−20 = 70
    assert pay[0].tolist() == pytest.approx([0, 0, 0, 70])
    assert credit[0].tolist() == pytest.approx([130, 90, 20, 0])


def test_vat_refund_share_and_lag():
    pay = np.array([[0.0, 70.0, 80.0, 90.0]])
    assert tax.vat_refund(pay, 1.0, 0)[0].tolist() == pytest.approx([0, 70, 80, 90])
    assert tax.vat_refund(pay, 0.5, 1)[0].tolist() == pytest.approx([0, 0, 35, 40])
    with pytest.raises(InputError):
        tax.vat_refund(pay, 1.0, -1)


# --- income tax with FIFO loss carry-forward ------------------------------------------------------------------------

def _fifo_reference(taxable: list[float], rate: float, k: int) -> tuple[list[float], list[float]]:
    """Independent FIFO simulation with a queue of (year, remaining loss)."""
    q: deque[list[float]] = deque()
    taxes, used = [], []
    for t, x in enumerate(taxable):
        while q and q[0][0] < t - k:  # a loss of year v can be used in years v+1 … v+k
            q.popleft()
        u = 0.0
        if x > 0:
            need = x
            while q and need > 0:
                take = min(q[0][1], need)
                q[0][1] -= take
                need -= take
                u += take
                if q[0][1] <= 1e-12:
                    q.popleft()
        elif x < 0:
            q.append([t, -x])
        used.append(u)
        taxes.append(rate * max(0.0, x - u))
    return taxes, used


def test_income_tax_loss_carry_forward_by_hand():
    # losses 100 (yr 1) and 50 (yr 2); profits 30, 40, 200 in years 3–5; K = 2: the year-1 loss lapses after yr 3
    ti = np.array([[0.0, -100.0, -50.0, 30.0, 40.0, 200.0]])
    t, used, expired = tax.income_tax(ti, 0.25, 2)
    # a loss of year v is usable in v+1 … v+2. Yr 3 uses 30 of the yr-1 loss (oldest first); yr 4: the yr-1 loss
    # (70 left) lapses and 40 of the yr-2 loss is used; yr 5: the yr-2 loss (10 left) lapses, the profit is taxed
    assert used[0].tolist() == pytest.approx([0, 0, 0, 30, 40, 0])
    assert expired[0].tolist() == pytest.approx([0, 0, 0, 0, 70, 10])
    assert t[0].tolist() == pytest.approx([0, 0, 0, 0, 0, 0.25 * 200])
    # with K = 5 nothing lapses: yr 5 uses the last 10
    t5, used5, _ = tax.income_tax(ti, 0.25, 5)
    assert used5[0].tolist() == pytest.approx([0, 0, 0, 30, 40, 80])
    assert t5[0, 5] == pytest.approx(0.25 * 120)


def test_income_tax_holiday_multiplier():
    m = tax.holiday_multiplier(8, 1, 3, 3)
    assert m.tolist() == [1, 0, 0, 0, 0.5, 0.5, 0.5, 1]
    t, _, _ = tax.income_tax(np.full((1, 8), 100.0), 0.25, 5, m)
    assert t[0].tolist() == pytest.approx([25, 0, 0, 0, 12.5, 12.5, 12.5, 25])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6).map(lambda x: round(x, 2)), min_size=1, max_size=25), st.integers(0, 6))
def test_income_tax_fifo_matches_queue_simulation(values, k):
    ti = np.array([values])
    t, used, _ = tax.income_tax(ti, 0.25, k)
    ref_t, ref_u = _fifo_reference(values, 0.25, k)
    assert t[0] == pytest.approx(ref_t, abs=1e-6)
    assert used[0] == pytest.approx(ref_u, abs=1e-6)
    # carrying losses forward can only lower the tax
    no_cf = 0.25 * np.maximum(ti, 0).sum()
    assert t.sum() <= no_cf + 1e-6
