"""Reference integrators: hand-computed cases and hypothesis properties (split invariance, constant × span, linear
scaling, rational vs NumPy agreement to 1e-9, windows vs periods)."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from minegas.accounting.gaps import EPA_98_325, EXCLUDE, GapRule
from minegas.accounting.reference_integration import integrate, integrate_exact, window_integrals
from minegas.errors import InputError

NAN = float("nan")


# ---------------------------------------------------------------------------------------------- hand calculations

def test_trapezoid_and_hold_by_hand():
    t, v = [0.0, 10.0, 20.0], [1.0, 3.0, 2.0]
    # trapezoid: 10×(1+3)/2 + 10×(3+2)/2 = 20 + 25 = 45; hold: 10×1 + 10×3 = 40
    (tr,) = integrate_exact(t, v)
    assert tr.integral == 45 and tr.measured_s == 20 and tr.missing_s == 0 and tr.mean == Fraction(45, 20)
    (ho,) = integrate_exact(t, v, method="hold")
    assert ho.integral == 40
    assert integrate(t, v)[0].integral == 45.0
    assert integrate(t, v, method="hold")[0].integral == 40.0


def test_boundary_cut_interpolates_or_holds():
    t, v = [0.0, 10.0, 20.0], [1.0, 3.0, 2.0]
    # [5, 15): trapezoid 5×(2+3)/2 + 5×(3+2.5)/2 = 12.5 + 13.75 = 26.25; hold 5×1 + 5×3 = 20
    assert integrate_exact(t, v, periods=[(5.0, 15.0)])[0].integral == Fraction(105, 4)
    assert integrate(t, v, periods=[(5.0, 15.0)])[0].integral == pytest.approx(26.25, rel=1e-15)
    assert integrate_exact(t, v, periods=[(5.0, 15.0)], method="hold")[0].integral == 20
    assert integrate(t, v, periods=[(5.0, 15.0)], method="hold")[0].integral == 20.0


def test_max_gap_and_uncovered_time_are_missing():
    t, v = [0.0, 10.0, 100.0], [1.0, 1.0, 1.0]
    (r,) = integrate_exact(t, v, periods=[(-10.0, 110.0)], max_gap_s=30.0)
    # measured 0–10 only; gap 10–100 (90 s); uncovered −10–0 and 100–110 (20 s)
    assert (r.measured_s, r.substituted_s, r.uncovered_s, r.missing_s) == (10, 0, 20, 110)
    assert r.integral == 10
    (n,) = integrate(t, v, periods=[(-10.0, 110.0)], max_gap_s=30.0)
    assert (n.measured_s, n.missing_s, n.uncovered_s) == (10.0, 110.0, 20.0)
    # a gap exactly max_gap_s long is integrated (≤)
    assert integrate_exact(t, v, max_gap_s=90.0)[0].measured_s == 100


def test_flagged_sample_makes_both_segments_a_gap():
    t, v, ok = [0.0, 10.0, 20.0], [1.0, 5.0, 1.0], [True, False, True]
    (ex,) = integrate_exact(t, v, ok, gap_rule=EXCLUDE)
    assert ex.measured_s == 0 and ex.missing_s == 20 and ex.integral == 0 and ex.mean is None
    # 98.325: the gap gets (1 + 1)/2 = 1 → 20 value·s, all substituted
    (ep,) = integrate_exact(t, v, ok, gap_rule=EPA_98_325)
    assert ep.substituted_s == 20 and ep.integral == 20 and ep.integral_substituted == 20
    assert integrate(t, v, ok, gap_rule=EPA_98_325)[0].integral == 20.0


def test_conservative_rule_direction():
    t, v = [0.0, 10.0, 20.0], [2.0, NAN, 4.0]
    hi = integrate_exact(t, v, gap_rule=GapRule("conservative", "emission"))[0]
    lo = integrate_exact(t, v, gap_rule=GapRule("conservative", "reduction"))[0]
    assert hi.integral == 80 and lo.integral == 40  # 20 s × 4 and 20 s × 2


def test_98_325_series_vectors_by_time():
    # MRV note §2.6 on an hourly series: [0.50, –, –, 0.54] → 0.52 over the gap 0–3 h
    t = [0.0, 3600.0, 7200.0, 10800.0]
    r = integrate_exact(t, [0.50, NAN, NAN, 0.54], gap_rule=EPA_98_325)[0]
    assert r.substituted_s == 10800 and r.mean == (Fraction(0.50) + Fraction(0.54)) / 2
    # [–, 0.61, 0.63]: first hour 0.61 (first value after), second hour trapezoid 0.62 → mean 0.615
    r2 = integrate(t[:3], [NAN, 0.61, 0.63], gap_rule=EPA_98_325)[0]
    assert r2.substituted_s == 3600 and r2.measured_s == 3600
    assert r2.mean == pytest.approx(0.615, rel=1e-12)


def test_trailing_gap_missing_unless_assumed():
    t, v = [0.0, 10.0, 20.0], [2.0, 3.0, NAN]
    assert integrate_exact(t, v, gap_rule=EPA_98_325)[0].missing_s == 10
    r = integrate_exact(t, v, gap_rule=GapRule("epa_98_325", trailing="last_before"))[0]
    assert r.substituted_s == 10 and r.integral == 25 + 30


def test_gap_run_with_ok_sample_inside_takes_local_neighbours():
    # ok(0)=0, bad, ok(2)=4, bad, ok(4)=8 at 10-s spacing: gaps 0–20 → 2, 20–40 → 6
    t = [0.0, 10.0, 20.0, 30.0, 40.0]
    v = [0.0, 99.0, 4.0, 99.0, 8.0]
    ok = [True, False, True, False, True]
    r = integrate_exact(t, v, ok, gap_rule=EPA_98_325)[0]
    assert r.integral == 20 * 2 + 20 * 6


def test_empty_and_single_sample():
    assert integrate([], [], periods=[(0.0, 10.0)])[0].missing_s == 10.0
    assert integrate_exact([5.0], [1.0], periods=[(0.0, 10.0)])[0].uncovered_s == 10
    assert integrate([5.0], [1.0], periods=[(0.0, 10.0)])[0].uncovered_s == 10.0
    with pytest.raises(InputError):
        integrate([], [])


@pytest.mark.parametrize(("t", "v", "kw", "field"), [
    ([0.0, 0.0], [1.0, 1.0], {}, "t_s"),
    ([1.0, 0.0], [1.0, 1.0], {}, "t_s"),
    ([0.0, 1.0], [1.0], {}, "values"),
    ([0.0, 1.0], [1.0, 1.0], {"method": "simpson"}, "method"),
    ([0.0, 1.0], [1.0, 1.0], {"max_gap_s": 0.0}, "max_gap_s"),
    ([0.0, 1.0], [1.0, 1.0], {"periods": [(2.0, 1.0)]}, "periods[0]"),
])
def test_bad_input_is_rejected_with_field(t, v, kw, field):
    for f in (integrate, integrate_exact):
        with pytest.raises(InputError) as ei:
            f(t, v, **kw)
        assert ei.value.problems[0].field == field


def test_gap_comparison_is_exact_even_when_float_subtraction_rounds():
    # (1e16 + 2) − (−0.5) = 1e16 + 2.5 exactly, which rounds to 1e16 + 2 in float: the exact difference
    # exceeds a max_gap of 1e16 + 2, the rounded one does not
    t0, t1 = -0.5, 1e16 + 2.0
    g = t1 - t0
    assert g == 1e16 + 2.0  # rounded
    assert integrate_exact([t0, t1], [1.0, 1.0], max_gap_s=g)[0].measured_s == 0
    assert integrate([t0, t1], [1.0, 1.0], max_gap_s=g)[0].measured_s == 0.0
    # and one ulp more is integrated by both
    g2 = np.nextafter(g, math.inf)
    assert integrate_exact([t0, t1], [1.0, 1.0], max_gap_s=g2)[0].measured_s > 0
    assert integrate([t0, t1], [1.0, 1.0], max_gap_s=g2)[0].measured_s > 0


# ---------------------------------------------------------------------------------------------- properties

BASE = 1.7e9  # epoch seconds around 2023–2024


@st.composite
def series(draw, min_size=2, max_size=25):
    n = draw(st.integers(min_size, max_size))
    steps = draw(st.lists(st.floats(0.5, 900.0, allow_nan=False), min_size=n - 1, max_size=n - 1))
    t = [BASE]
    for s in steps:
        t.append(t[-1] + s)
    assume(all(b > a for a, b in itertools.pairwise(t)))
    # physical magnitudes (flows, concentrations): 0 or ≥ 1e-6, never subnormal
    v = draw(st.lists(st.one_of(st.just(0.0), st.floats(1e-6, 1e4)), min_size=n, max_size=n))
    ok = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    return t, v, ok


rules = st.sampled_from([EXCLUDE, EPA_98_325, GapRule("conservative", "emission"),
                         GapRule("conservative", "reduction"), GapRule("epa_98_325", trailing="last_before")])
methods = st.sampled_from(["trapezoid", "hold"])
gaps = st.sampled_from([math.inf, 60.0, 300.0, 600.0])


def _close(x: float, y: float, rel: float = 1e-9) -> bool:
    return math.isclose(x, y, rel_tol=rel, abs_tol=1e-9)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(series(), st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0), methods, gaps, rules)
def test_split_anywhere_leaves_totals_unchanged(s, fa, fm, fb, method, max_gap, rule):
    t, v, ok = s
    lo, hi = t[0] - 100.0, t[-1] + 100.0
    a, b = sorted((lo + fa * (hi - lo), lo + fb * (hi - lo)))
    assume(b - a > 1e-3)
    m = a + fm * (b - a)
    assume(a < m < b)
    kw = {"method": method, "max_gap_s": max_gap, "gap_rule": rule}
    whole, left, right = integrate_exact(t, v, ok, [(a, b), (a, m), (m, b)], **kw)
    for f in ("integral", "measured_s", "substituted_s", "missing_s", "uncovered_s"):
        assert getattr(whole, f) == getattr(left, f) + getattr(right, f)  # exact
    nw, nl, nr = integrate(t, v, ok, [(a, b), (a, m), (m, b)], **kw)
    assert _close(nw.integral, nl.integral + nr.integral, 1e-12)
    assert _close(nw.measured_s + nw.substituted_s + nw.missing_s, b - a, 1e-12)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 50), min_size=2, max_size=15), st.lists(st.integers(0, 500), min_size=16,
       max_size=16), st.integers(0, 13), methods)
def test_inserting_a_sample_on_the_signal_changes_nothing(steps, vals, where, method):
    # even integer times and values: the midpoint and its interpolated value are exact floats
    t = [0.0]
    for s in steps:
        t.append(t[-1] + 2.0 * s)
    v = [2.0 * x for x in vals[: len(t)]]
    i = where % (len(t) - 1) + 1
    tm = (t[i - 1] + t[i]) / 2
    vm = (v[i - 1] + v[i]) / 2 if method == "trapezoid" else v[i - 1]
    t2 = [*t[:i], tm, *t[i:]]
    v2 = [*v[:i], vm, *v[i:]]
    p = [(t[0], t[-1])]
    assert integrate_exact(t, v, None, p, method=method)[0].integral == \
        integrate_exact(t2, v2, None, p, method=method)[0].integral


@settings(max_examples=100, deadline=None)
@given(series(), st.floats(-1e4, 1e4, allow_nan=False), methods, st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_constant_signal_gives_value_times_span(s, c, method, fa, fb):
    t, _, _ = s
    a, b = sorted((t[0] + fa * (t[-1] - t[0]), t[0] + fb * (t[-1] - t[0])))
    assume(b > a)
    (r,) = integrate_exact(t, [c] * len(t), None, [(a, b)], method=method)
    assert r.integral == Fraction(c) * (Fraction(b) - Fraction(a))
    assert r.measured_s == Fraction(b) - Fraction(a)
    (n,) = integrate(t, [c] * len(t), None, [(a, b)], method=method)
    assert math.isclose(n.integral, c * (b - a), rel_tol=1e-12, abs_tol=1e-9)


@settings(max_examples=100, deadline=None)
@given(series(), st.integers(-20, 20), st.floats(1e-3, 1e3), methods, gaps, rules)
def test_totals_scale_with_flow(s, e, k, method, max_gap, rule):
    t, v, ok = s
    kw = {"method": method, "max_gap_s": max_gap, "gap_rule": rule}
    p = [(t[0] - 5.0, t[-1] + 5.0)]
    # power-of-two factors are exact in floating point: the exact totals scale exactly
    k2 = 2.0 ** e
    (r1,) = integrate_exact(t, v, ok, p, **kw)
    (r2,) = integrate_exact(t, [x * k2 for x in v], ok, p, **kw)
    assert r2.integral == r1.integral * Fraction(k2)
    assert r2.measured_s == r1.measured_s and r2.substituted_s == r1.substituted_s
    # any factor: NumPy totals scale to rounding
    (n1,) = integrate(t, v, ok, p, **kw)
    (n2,) = integrate(t, [x * k for x in v], ok, p, **kw)
    assert _close(n2.integral, n1.integral * k, 1e-12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(series(max_size=40), st.lists(st.tuples(st.floats(-0.1, 1.1), st.floats(-0.1, 1.1)), min_size=1,
       max_size=4), methods, gaps, rules)
def test_numpy_agrees_with_rational_to_1e9(s, fracs, method, max_gap, rule):
    t, v, ok = s
    span = t[-1] - t[0]
    periods = []
    for fa, fb in fracs:
        a, b = sorted((t[0] + fa * span, t[0] + fb * span))
        if b > a:
            periods.append((a, b))
    assume(periods)
    kw = {"method": method, "max_gap_s": max_gap, "gap_rule": rule}
    exact = integrate_exact(t, v, ok, periods, **kw)
    approx = integrate(t, v, ok, periods, **kw)
    win = window_integrals(t, v, ok, [p[0] for p in periods], [p[1] for p in periods], **kw)
    for k, (e, n) in enumerate(zip(exact, approx, strict=True)):
        ef = e.as_float()
        for f in ("integral", "integral_measured", "integral_substituted", "measured_s", "substituted_s",
                  "missing_s", "uncovered_s"):
            assert _close(getattr(n, f), getattr(ef, f)), f
        assert _close(win.integral[k], ef.integral)
        assert _close(win.measured_s[k], ef.measured_s)
        assert _close(win.substituted_s[k], ef.substituted_s)
        assert _close(win.missing_s[k], ef.missing_s)
        assert e.measured_s + e.substituted_s + e.missing_s == e.end_s - e.start_s


def test_window_integrals_rolling_24h_on_minute_data():
    # 3 days of 1-min data, value = minute index mod 1440 (a daily ramp 0…1439, drops at midnight)
    t = np.arange(0, 3 * 1440 + 1, dtype=float) * 60.0 + BASE
    v = np.arange(t.size, dtype=float) % 1440
    ends = t[t >= t[0] + 86400.0]
    w = window_integrals(t, v, None, ends - 86400.0, ends, method="hold")
    # hold over any whole day of minutes: mean of 0..1439 = 719.5
    assert np.allclose(w.mean, 719.5, rtol=1e-12)
    assert np.all(w.measured_s == 86400.0)
    ex = integrate_exact(t[:1441], v[:1441], None, [(float(t[0]), float(t[1440]))], method="hold")[0]
    assert ex.mean == Fraction(1439, 2)


@settings(max_examples=100, deadline=None)
@given(series(max_size=40), st.lists(st.tuples(st.floats(-0.1, 1.1), st.floats(-0.1, 1.1)), min_size=1,
       max_size=4), methods, gaps, rules)
def test_prefix_strategy_within_series_scale(s, fracs, method, max_gap, rule):
    # the prefix-sum strategy loses precision relative to the whole series' total, not the window's
    t, v, ok = s
    span = t[-1] - t[0]
    periods = [(min(t[0] + fa * span, t[0] + fb * span), max(t[0] + fa * span, t[0] + fb * span))
               for fa, fb in fracs]
    periods = [(a, b) for a, b in periods if b > a]
    assume(periods)
    kw = {"method": method, "max_gap_s": max_gap, "gap_rule": rule}
    whole = integrate_exact(t, v, ok, [(t[0], t[-1])], **kw)[0].as_float()
    scale = abs(whole.integral) + 1.0
    exact = [e.as_float() for e in integrate_exact(t, v, ok, periods, **kw)]
    w = window_integrals(t, v, ok, [p[0] for p in periods], [p[1] for p in periods], strategy="prefix", **kw)
    for k, e in enumerate(exact):
        assert abs(w.integral[k] - e.integral) <= 1e-12 * scale
        assert abs(w.measured_s[k] - e.measured_s) <= 1e-12 * (span + 1.0)


def test_window_strategy_checked():
    with pytest.raises(InputError):
        window_integrals([0.0, 1.0], [1.0, 1.0], None, [0.0], [1.0], strategy="magic")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        window_integrals([0.0, 1.0], [1.0, 1.0], None, [1.0], [0.0])
