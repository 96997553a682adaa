"""NPV, IRR (all roots, vectorised), MIRR and payback against numpy-financial and hand calculations."""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minegas.economics import irr as irrmod
from minegas.economics.irr import (
    IRR_MULTIPLE,
    IRR_NO_ROOT,
    IRR_NO_SIGN_CHANGE,
    IRR_OK,
    irr_analysis,
    irr_roots,
    irr_vectorized,
    mirr,
    npv,
    sign_changes,
)
from minegas.economics.metrics import payback
from minegas.errors import InputError


def test_npv_t0_convention_matches_numpy_financial_and_hand():
    # hand: -100 + 60/1.1 + 60/1.21 = 4.1322314...
    cf = [-100.0, 60.0, 60.0]
    assert float(npv(0.10, cf)) == pytest.approx(-100 + 60 / 1.1 + 60 / 1.21, rel=1e-12)
    assert float(npv(0.10, cf)) == pytest.approx(npf.npv(0.10, cf), rel=1e-12)
    # numpy-financial's documented example
    assert float(npv(0.08, [-40_000, 5_000, 8_000, 12_000, 30_000])) == pytest.approx(3065.22267, abs=1e-5)
    # the research note's check: npf.npv(0.1, [-100, 110]) == 0 (year 0 undiscounted)
    assert float(npv(0.1, [-100, 110])) == pytest.approx(0.0, abs=1e-12)


def test_npv_excel_convention_discounts_the_first_flow():
    cf = [-100.0, 60.0, 60.0]
    # Excel's NPV(10 %, B1:B3) = -100/1.1 + 60/1.21 + 60/1.331
    excel = -100 / 1.1 + 60 / 1.21 + 60 / 1.331
    assert float(npv(0.10, cf, "excel")) == pytest.approx(excel, rel=1e-12)
    assert float(npv(0.10, cf, "excel")) == pytest.approx(float(npv(0.10, cf)) / 1.1, rel=1e-12)


def test_npv_vectorised_rates_per_row():
    cf = np.array([[-100.0, 60, 60], [-100.0, 60, 60]])
    out = npv(np.array([0.0, 0.1]), cf)
    assert out == pytest.approx([20.0, npf.npv(0.1, cf[1])])


def test_bad_rate_rejected():
    with pytest.raises(InputError, match="rate"):
        npv(-1.0, [1, 2])


def test_irr_documented_examples():
    # numpy-financial docstring examples (hand-checkable roots)
    for cf, expected in (([-100, 39, 59, 55, 20], 0.28095), ([-100, 0, 0, 74], -0.0955),
                         ([-100, 100, 0, -7], -0.0833), ([-100, 100, 0, 7], 0.06206),
                         ([-5, 10.5, 1, -8, 1], 0.0886)):
        v, _ = irr_vectorized(np.asarray(cf, float))
        assert round(float(v[0]), 5) == pytest.approx(expected, abs=1e-5)
        assert round(float(irr_analysis(cf).irr), 5) == pytest.approx(expected, abs=1e-5)


def test_several_sign_changes_all_roots_mirr_and_warning():
    # -100 + 230 x - 132 x² = 0 with x = 1/(1+r): (1+r) ∈ {1.1, 1.2}, so the IRRs are exactly 10 % and 20 %
    cf = [-100.0, 230.0, -132.0]
    assert irr_roots(cf) == pytest.approx([0.10, 0.20], abs=1e-12)
    a = irr_analysis(cf, finance_rate=0.08, reinvest_rate=0.08)
    assert a.status == "multiple" and a.sign_changes == 2
    assert a.irr == pytest.approx(0.10)  # the root closest to zero, as numpy-financial
    assert any("change sign 2 times" in w for w in a.warnings)
    assert a.mirr == pytest.approx(npf.mirr(cf, 0.08, 0.08), rel=1e-12)
    # hand MIRR: FV(+) = 230 × 1.08 = 248.4; PV(−) = 100 + 132/1.08² = 213.1687…; (248.4/213.17)^(1/2) − 1
    assert a.mirr == pytest.approx((248.4 / (100 + 132 / 1.08 ** 2)) ** 0.5 - 1, rel=1e-12)
    v, s = irr_vectorized(np.array(cf))
    assert s[0] == IRR_MULTIPLE and v[0] == pytest.approx(0.10)


def test_three_roots():
    # roots at 5 %, 10 %, 20 %: coefficients of -(y-1.05)(y-1.1)(y-1.2) with y = 1+r, i.e. cash flows
    y = np.poly([1.05, 1.1, 1.2])  # y³ + a y² + b y + c
    cf = list(-y)  # CF_0 y³ + CF_1 y² + CF_2 y + CF_3 = 0 ⇔ Σ CF_t (1+r)^-t = 0
    assert irr_roots(cf) == pytest.approx([0.05, 0.10, 0.20], abs=1e-9)
    assert irr_analysis(cf).sign_changes == 3


def test_undefined_irr_is_reported_with_a_reason():
    v, s = irr_vectorized(np.array([[100.0, 50, 20, 0, 0], [-100.0, -5, -5, 0, 0], [-100.0, 10, 10, 10, 0]]))
    assert np.isnan(v[0]) and s[0] == IRR_NO_SIGN_CHANGE
    assert np.isnan(v[1]) and s[1] == IRR_NO_SIGN_CHANGE
    assert s[2] == IRR_OK and v[2] == pytest.approx(npf.irr([-100.0, 10, 10, 10]))
    a = irr_analysis([100.0, 50, 20])
    assert a.irr is None and a.status == "undefined" and "never change sign" in (a.reason or "")
    assert irrmod.IRR_STATUS_TEXT[IRR_NO_ROOT].startswith("undefined")


def test_irr_beyond_search_limit_has_no_root_status():
    # recovers 1 % of the investment: IRR ≈ −99.9 %, below the −99 % search limit
    v, s = irr_vectorized(np.array([-1000.0, 1.0]))
    assert np.isnan(v[0]) and s[0] == IRR_NO_ROOT


def test_sign_changes_ignore_zeros():
    assert list(sign_changes(np.array([[-1, 0, 0, 2, 0, -1, 0], [1, 2, 3, 0, 0, 0, 0]]))) == [2, 0]


@settings(max_examples=200, deadline=None)
@given(inv=st.floats(10, 1e6), flows=st.lists(st.floats(0, 1e6).map(lambda x: round(x, 2)), min_size=1, max_size=30))
def test_irr_vectorized_matches_numpy_financial_on_conventional_flows(inv, flows):
    cf = np.array([-inv, *flows])
    ref = npf.irr(cf)
    v, s = irr_vectorized(cf)
    if np.isnan(ref) or not (irrmod.RATE_MIN < ref < irrmod.RATE_MAX):
        assert np.isnan(v[0]) or s[0] != IRR_OK or not (irrmod.RATE_MIN < ref < irrmod.RATE_MAX)
    else:
        assert s[0] in (IRR_OK,)
        assert v[0] == pytest.approx(ref, abs=1e-8)
        assert float(npv(v[0], cf)) == pytest.approx(0.0, abs=1e-6 * max(1.0, inv))


def test_irr_vectorized_many_rows_agree_with_loop():
    rng = np.random.default_rng(7)
    cf = np.concatenate([-rng.uniform(50, 150, (500, 1)), rng.uniform(-5, 40, (500, 20))], axis=1)
    v, s = irr_vectorized(cf)
    ref = np.array([npf.irr(c) for c in cf])
    assert np.nanmax(np.abs(v - ref)) < 1e-9
    assert set(np.unique(s)) <= {IRR_OK, IRR_MULTIPLE}


def test_mirr_vectorised_matches_numpy_financial():
    rng = np.random.default_rng(3)
    cf = np.concatenate([-rng.uniform(50, 150, (50, 1)), rng.uniform(-20, 40, (50, 10))], axis=1)
    ours = mirr(cf, 0.06, 0.09)
    ref = np.array([npf.mirr(c, 0.06, 0.09) for c in cf])
    assert ours == pytest.approx(ref, rel=1e-10)


def test_payback_simple_and_discounted_by_hand():
    cf = np.array([[-100.0, 30, 40, 50, 60]])
    # cumulative: -100, -70, -30, +20 → 2 + 30/50 = 2.6 years
    assert payback(cf)[0] == pytest.approx(2.6)
    disc = cf * 1.1 ** -np.arange(5)
    # discounted cumulative: -100, -72.727, -39.669, -2.104, +38.877 → 3 + 2.104/40.981
    assert payback(disc)[0] == pytest.approx(3 + 2.1036814 / 40.98081, rel=1e-6)
    assert np.isnan(payback(np.array([[-100.0, 10, 10]]))[0])
    assert payback(np.array([[5.0, 1.0]]))[0] == 0.0
    # several sign changes: the first time the cumulative flow reaches zero
    assert payback(np.array([[-10.0, 20, -30, 40]]))[0] == pytest.approx(0.5)
