"""Blending (mass conservation, inverse) and concentration classes / explosive band."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from minegas.errors import InfeasibleError, InputError, MethodologyError
from minegas.physics.blending import blend, diluent_for_target, two_stream_split
from minegas.physics.safety import (
    ExplosiveRange,
    concentration_class,
    concentration_classes,
    direct_combustion_permitted,
)

flows = st.floats(min_value=0.0, max_value=1e5, allow_nan=False)
pcts = st.floats(min_value=0.0, max_value=100.0, allow_nan=False)


def test_table9_source():
    # seed 003 表9: 10 Nm³/min pure CH4 at 5 % is 200 Nm³/min = 12 000 Nm³/h; diluted with air to 1 % it is
    # 1 000 Nm³/min = 60 000 Nm³/h
    air = diluent_for_target(200.0, 5.0, 1.0)
    b = blend([200.0, air], [5.0, 0.0])
    assert (200.0 * 60, b.flow * 60) == (12_000.0, pytest.approx(60_000.0))
    assert b.ch4_pct == pytest.approx(1.0)
    assert b.ch4_flow == pytest.approx(10.0)


def test_fuyan_blend_to_1_2_pct():
    # seed 003 §4.4: VAM 0.25 % topped up with 35 % drained gas to 1.2 % in 6 × 90 000 Nm³/h
    total = 6 * 90_000 / 60  # Nm³/min
    q_drained, q_vam = two_stream_split(35.0, 0.25, 1.2, total)
    b = blend([q_drained, q_vam], [35.0, 0.25])
    assert b.flow == pytest.approx(total)
    assert b.ch4_pct == pytest.approx(1.2)
    assert q_drained == pytest.approx(total * 0.95 / 34.75)


def test_inverse_infeasible():
    with pytest.raises(InfeasibleError):
        two_stream_split(5.0, 0.2, 8.0, 100.0)
    with pytest.raises(InfeasibleError):
        diluent_for_target(100.0, 1.0, 2.0)


def test_bad_streams_rejected():
    with pytest.raises(InputError):
        blend([1.0, -2.0], [5.0, 5.0])
    with pytest.raises(InputError):
        blend([1.0], [101.0])
    with pytest.raises(InputError):
        blend([1.0, 2.0], [1.0])


@given(st.lists(st.tuples(flows, pcts), min_size=1, max_size=8))
@example([(5e-324, 1.0)])  # subnormal flow: the product underflows, the mean must not
def test_blend_conserves_mass(streams):
    q = [s[0] for s in streams]
    c = [s[1] for s in streams]
    b = blend(q, c)
    assert b.flow == pytest.approx(sum(q), rel=1e-12, abs=1e-9)
    assert b.ch4_flow == pytest.approx(sum(qi * ci / 100 for qi, ci in zip(q, c, strict=True)), rel=1e-12, abs=1e-9)
    if b.flow > 0:
        assert min(c) - 1e-9 <= b.ch4_pct <= max(c) + 1e-9
        assert b.ch4_flow == pytest.approx(b.flow * b.ch4_pct / 100, rel=1e-9, abs=1e-9)


@given(pcts, pcts, st.floats(0, 1), st.floats(1e-3, 1e4))
def test_two_stream_split_inverts_blend(ca, cb, w, total):
    assume(abs(ca - cb) > 1e-6)
    target = cb + w * (ca - cb)
    qa, qb = two_stream_split(ca, cb, target, total)
    assert qa >= -1e-9 and qb >= -1e-9
    assert blend([max(qa, 0), max(qb, 0)], [ca, cb]).ch4_pct == pytest.approx(target, abs=1e-7)


@given(st.floats(0.01, 100), st.floats(0.001, 0.5))
def test_blends_of_streams_outside_band_can_pass_through_it(c_rich, c_lean):
    # A property the blend designer must guard: mixing a ≥ 16 % stream with a lean one can land in 5–16 %.
    er = ExplosiveRange()
    assume(c_rich > er.uel_pct)
    qa, qb = two_stream_split(c_rich, c_lean, 10.0, 100.0)
    assert er.contains(blend([qa, qb], [c_rich, c_lean]).ch4_pct)


def test_classes_and_band():
    assert [concentration_class(x) for x in (0.3, 0.75, 5, 8, 29.99, 30, 100)] == \
        ["vam", "low", "low", "medium", "medium", "high", "high"]
    assert list(concentration_classes(np.array([0.2, 3.0, 10.0, 40.0]))) == ["vam", "low", "medium", "high"]
    er = ExplosiveRange()
    assert (er.lel_pct, er.uel_pct) == (5.0, 16.0)
    assert list(er.contains(np.array([4.99, 5.0, 10.0, 16.0, 16.01]))) == [False, True, True, True, False]
    assert not ExplosiveRange(5.0, 15.0).contains(15.5)
    with pytest.raises(MethodologyError):
        ExplosiveRange(16.0, 5.0)
    with pytest.raises(MethodologyError):
        concentration_class(-1)
    assert direct_combustion_permitted(30.0) and not direct_combustion_permitted(29.9)
