"""Gap rules: the 40 CFR 98.325 vectors (MRV research note §2.6), exclusion, conservative substitution, fuzzing."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minegas.accounting.gaps import EPA_98_325, EXCLUDE, GapRule, fill_samples, neighbour_indices
from minegas.errors import InputError

NAN = float("nan")


def test_98_325_mean_of_before_and_after():
    # MRV note §2.6: hourly C [0.50, –, –, 0.54] → both gaps 0.52
    f = fill_samples([0.50, NAN, NAN, 0.54])
    np.testing.assert_allclose(f.values, [0.50, 0.52, 0.52, 0.54])
    assert f.substituted.tolist() == [False, True, True, False]
    assert (f.n_measured, f.n_substituted, f.n_missing) == (2, 2, 0)


def test_98_325_first_value_after_when_none_before():
    # MRV note §2.6: [–, 0.61, 0.63] → 0.61
    f = fill_samples([NAN, 0.61, 0.63])
    np.testing.assert_allclose(f.values, [0.61, 0.61, 0.63])


def test_98_325_trailing_gap():
    f = fill_samples([0.40, 0.42, NAN])
    assert f.missing.tolist() == [False, False, True] and np.isnan(f.values[2])
    g = fill_samples([0.40, 0.42, NAN], rule=GapRule("epa_98_325", trailing="last_before"))
    assert g.values[2] == 0.42 and g.n_substituted == 1


def test_ok_mask_and_separate_gaps():
    # flagged samples are gaps even with a number; each gap takes its own neighbours
    f = fill_samples([1.0, 9.0, 3.0, 9.0, 7.0], [True, False, True, False, True])
    np.testing.assert_allclose(f.values, [1.0, 2.0, 3.0, 5.0, 7.0])


def test_exclude_and_conservative():
    assert fill_samples([1.0, NAN, 3.0], rule=EXCLUDE).n_missing == 1
    assert fill_samples([1.0, NAN, 3.0], rule=GapRule("conservative", "emission")).values[1] == 3.0
    assert fill_samples([1.0, NAN, 3.0], rule=GapRule("conservative", "reduction")).values[1] == 1.0
    assert fill_samples([NAN, NAN, 3.0], rule=GapRule("conservative")).values[0] == 3.0
    assert fill_samples([1.0, NAN], rule=GapRule("conservative")).values[1] == 1.0
    assert fill_samples([NAN, NAN], rule=GapRule("conservative")).n_missing == 2


def test_scalar_substitute_on_fractions_is_exact():
    assert EPA_98_325.substitute(Fraction(1, 3), Fraction(1, 6)) == Fraction(1, 4)
    assert EPA_98_325.substitute(None, Fraction(2)) == 2
    assert EPA_98_325.substitute(Fraction(2), None) is None
    assert EXCLUDE.substitute(1.0, 2.0) is None


def test_bad_rules_rejected():
    with pytest.raises(InputError) as ei:
        GapRule("interpolate")  # type: ignore[arg-type]
    assert ei.value.problems[0].field == "gap_rule"
    with pytest.raises(InputError):
        GapRule("conservative", "up")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        fill_samples(np.zeros((2, 2)))
    with pytest.raises(InputError):
        fill_samples([1.0, 2.0], [True])


def test_neighbour_indices():
    last, first = neighbour_indices([False, True, False, False, True, False])
    assert last.tolist() == [-1, 1, 1, 1, 4, 4]
    assert first.tolist() == [1, 1, 4, 4, 4, -1]


@given(st.lists(st.one_of(st.floats(-1e300, 1e300), st.just(NAN), st.just(float("inf"))), max_size=40),
       st.sampled_from([EPA_98_325, EXCLUDE, GapRule("conservative", "emission"),
                        GapRule("conservative", "reduction"), GapRule("epa_98_325", trailing="last_before")]))
def test_fill_never_touches_good_values_and_fills_within_neighbours(vals, rule):
    v = np.asarray(vals, dtype=float)
    f = fill_samples(v, rule=rule)
    good = np.isfinite(v)  # NaN and ±inf are not quality-assured
    np.testing.assert_array_equal(f.values[good], v[good])
    assert not (f.substituted & good).any()
    assert ((f.substituted | f.missing) == ~good).all()
    assert np.isfinite(f.values[f.substituted]).all()
    if f.substituted.any():
        # a substitute is a mean of, or one of, the quality-assured values: within their range
        sub = f.values[f.substituted]
        assert sub.min() >= v[good].min() and sub.max() <= v[good].max()
    if rule == EXCLUDE:
        assert not f.substituted.any()
