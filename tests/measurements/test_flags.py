"""QA flag detectors (docs/conventions.md §6)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minegas.measurements.flags import (
    EXCLUDE_MASK,
    QaFlag,
    QaParams,
    clock_jump_flags,
    counter_increments,
    describe,
    flatline_flags,
    impossible_flags,
    kj_status_flags,
    not_numeric_flags,
    range_flags,
    spike_flags,
)


def test_bit_layout_matches_conventions():
    assert [int(f) for f in QaFlag][:8] == [1, 2, 4, 8, 16, 32, 64, 128]
    assert int(QaFlag.UNMAPPED) == 131072
    assert EXCLUDE_MASK & QaFlag.KJ_CALIBRATION and not EXCLUDE_MASK & QaFlag.KJ_ALARM
    assert not EXCLUDE_MASK & QaFlag.COUNTER_RESET and not EXCLUDE_MASK & QaFlag.DUPLICATE_CONFLICT
    assert describe(int(QaFlag.KJ_CALIBRATION | QaFlag.SPIKE), "zh") == ["标校", "尖峰"]


def test_kj_status_low_byte():
    # status 3 = alarm + power cut; 4 = calibration (research note §6.2 last record); 132 = 4 + 128
    assert list(kj_status_flags([0, 3, 4, 132, 0x1FF])) == [0, 3, 4, 132, 255]


def test_not_numeric_and_impossible():
    v = np.array([np.nan, -0.1, 100.5, 50.0, -5.0, -28.4, -300.0])
    q = np.array(["ch4_pct", "ch4_pct", "ch4_pct", "ch4_pct", "flow_mixed", "pressure", "temperature"])
    assert list(not_numeric_flags(v) > 0) == [True] + [False] * 6
    assert list(impossible_flags(v, q) > 0) == [False, True, True, False, True, False, True]


def test_range_flags_ignore_missing_bounds():
    v = np.array([0.5, 5.0, -1.0])
    lo = np.array([0.0, np.nan, 0.0])
    hi = np.array([4.0, 4.0, np.nan])
    assert list(range_flags(v, lo, hi) > 0) == [False, True, True]


def test_flatline_only_long_nonzero_runs():
    p = QaParams(flatline_min_s=600, flatline_min_samples=5)
    t = np.arange(0, 30 * 60, 60, dtype=float)  # 30 samples, 1 min apart
    v = np.linspace(1, 2, 30)
    v[10:22] = 7.5  # 12 equal samples over 11 min → stuck
    g = np.zeros(30, dtype=np.int64)
    f = flatline_flags(g, t, v, p)
    assert np.flatnonzero(f).tolist() == list(range(10, 22))
    v0 = v.copy()
    v0[10:22] = 0.0  # zeros are a legitimate stop
    assert not flatline_flags(g, t, v0, p).any()
    # a run split across two points is two short runs
    g2 = g.copy()
    g2[16:] = 1
    assert not flatline_flags(g2, t, v, p)[10:16].any()


def test_spike_isolated_only():
    rng = np.random.default_rng(0)
    v = 30 + rng.normal(0, 0.2, 200)
    v[100] += 15  # isolated spike
    v[150:] += 10  # a step change is not a spike
    f = spike_flags(np.zeros(200, dtype=np.int64), v)
    assert np.flatnonzero(f).tolist() == [100]


def test_one_step_blips_on_a_quantised_signal_are_not_spikes():
    # return-air CH4 resolved to 0.01 %: mostly flat, occasional one-step blips, one real spike
    v = np.full(300, 0.32)
    v[[40, 90, 200]] = 0.33  # one-step blips (the meter's resolution)
    v[150] = 0.95  # a real isolated spike
    f = spike_flags(np.zeros(300, dtype=np.int64), v)
    assert np.flatnonzero(f).tolist() == [150]


def test_clock_jump():
    ts = np.array([1000.0, 1290.0, 1400.0, 500.0])
    fts = np.full(4, 1000.0)
    assert list(clock_jump_flags(ts, fts) > 0) == [False, False, True, False]


def test_counter_increments_resets_and_rollover():
    v = np.array([10.0, 25.0, 3.0, 8.0, 2.0])
    pv = np.array([np.nan, 10.0, 25.0, 3.0, 99_995.0])
    inc, fl = counter_increments(v, pv, np.full(5, 100_000.0))
    assert np.isnan(inc[0])
    assert inc[1:].tolist() == [15.0, 3.0, 5.0, 7.0]  # reset → restart from 0; rollover → 100000 − 99995 + 2
    assert (fl > 0).tolist() == [False, False, True, False, True]


@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=2, max_size=50))
def test_monotone_counter_increments_sum_to_span(xs):
    v = np.cumsum(np.asarray(xs))
    pv = np.r_[np.nan, v[:-1]]
    inc, fl = counter_increments(v, pv)
    assert not fl.any()
    assert np.nansum(inc) == pytest.approx(v[-1] - v[0], rel=1e-9, abs=1e-6)
