"""Fault specification, planning and the value faults applied to readings."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minegas.errors import InputError
from minegas.periods import CST
from minegas.synth import FaultSpec, Region, mine_layout
from minegas.synth.faults import (
    FAULT_CALIBRATION,
    FAULT_GAP,
    FAULT_RESET,
    FAULT_STUCK,
    MinePlan,
    Window,
    apply_value_faults,
    plan_faults,
    upload_windows,
)
from minegas.synth.signals import epoch_s

T0 = epoch_s(datetime(2025, 3, 1, tzinfo=CST))
DAY = 86_400


@pytest.mark.parametrize(("text", "bad"), [
    ("gaps=1.5", "gaps=1.5"), ("gaps=-0.1", "gaps=-0.1"), ("stuck=-1", "stuck=-1"), ("stuck=1.5", "stuck=1.5"),
    ("floods=2", "floods=2"), ("gaps", "gaps"), ("gaps=abc", "gaps=abc"),
])
def test_bad_fault_specs_name_the_pair(text: str, bad: str) -> None:
    with pytest.raises(InputError) as ei:
        FaultSpec.parse(text)
    p = ei.value.problems[0]
    assert p.field == "--faults" and p.value == bad and p.fix


def test_upload_windows_are_cst_aligned() -> None:
    w = upload_windows(T0 + 1800, T0 + 3 * 3600, 3600)
    assert w == [T0, T0 + 3600, T0 + 7200]
    assert upload_windows(T0, T0 + DAY, 900)[-1] == T0 + DAY - 900


def test_plans_are_deterministic_and_complete(demo: Region) -> None:
    la = mine_layout(demo.mine("990525000001"))
    spec = FaultSpec(0.01, 3, 2, 1, 2, 1, 2)
    a = plan_faults(spec, la, 5, T0, T0 + 10 * DAY, 60, 3600)
    b = plan_faults(spec, la, 5, T0, T0 + 10 * DAY, 60, 3600)
    assert [(w.kind, w.point, w.start, w.end) for w in a.windows] == [(w.kind, w.point, w.start, w.end)
                                                                      for w in b.windows]
    kinds = [w.kind for w in a.windows]
    assert kinds.count("calibration") == 3 and kinds.count("stuck") == 2 and kinds.count("reset") == 1
    assert len(a.late) == 2 and len(a.truncated) == 1 and len(a.duplicates) == 2
    assert not (set(a.late) & set(a.truncated)) and not (set(a.late) & set(a.duplicates))
    for w in a.windows:
        assert T0 <= w.start < w.end <= T0 + 10 * DAY
        if w.kind == "calibration":
            hour = datetime.fromtimestamp(w.start, CST).hour
            assert 8 <= hour < 17 and 10 * 60 <= w.end - w.start <= 30 * 60
            assert la.points[w.point].signal == "ch4"
        if w.kind == "reset":
            assert la.points[w.point].signal == "counter"
    gap_s = sum((w.end - w.start) * (1 if w.point < 0 else 1 / len(la.points)) for w in a.windows if w.kind == "gap")
    assert gap_s == pytest.approx(0.01 * 10 * DAY, rel=0.05)
    c = plan_faults(spec, la, 6, T0, T0 + 10 * DAY, 60, 3600)
    assert [w.start for w in c.windows] != [w.start for w in a.windows]


def test_requests_that_cannot_be_placed_are_reported(demo: Region) -> None:
    la = mine_layout(demo.mine("990521000003"))  # a low-gas mine without a totaliser
    plan = plan_faults(FaultSpec(resets=2, late=5), la, 1, T0, T0 + 3 * 3600, 60, 3600)
    reasons = [(s["fault"], s["reason"]) for s in plan.skipped]
    assert reasons.count(("reset", "the mine has no totaliser (LJ) point")) == 2
    assert reasons.count(("late", "no upload window left")) == 2 and len(plan.late) == 3


def _grid(n: int, cadence: int = 60) -> np.ndarray:
    return T0 + np.arange(n, dtype=np.int64) * cadence


def test_value_faults_applied(demo: Region) -> None:
    la = mine_layout(demo.mine("990522000001"))
    n_pts = len(la.points)
    ts = _grid(100)
    clean = np.tile(np.arange(100, dtype=float), (n_pts, 1)) + np.arange(n_pts)[:, None] * 1000
    plan = MinePlan(windows=[
        Window("stuck", 1, int(ts[10]), int(ts[20])),
        Window("calibration", 0, int(ts[30]), int(ts[35]), value=50.0),
        Window("gap", -1, int(ts[50]), int(ts[55])),
        Window("gap", 3, int(ts[60]), int(ts[62])),
    ])
    inp = np.ones(100, dtype=bool)
    out = apply_value_faults(plan, la, ts, clean, inp, "meter")
    assert np.all(out.value[1, 10:20] == clean[1, 10]) and out.value[1, 20] == clean[1, 20]
    assert np.all(out.fault[1, 10:20] == FAULT_STUCK)
    assert np.all(out.value[0, 30:35] == 50.0) and np.all(out.status[0, 30:35] == 4) and out.status[0, 35] == 0
    assert np.all(out.fault[0, 30:35] == FAULT_CALIBRATION)
    assert not out.sent[:, 50:55].any() and out.sent[:, 49].all() and out.sent[:, 55].all()
    assert np.all(out.fault[:, 50:55] == FAULT_GAP)
    assert not out.sent[3, 60:62].any() and out.sent[2, 60:62].all()
    untouched = (out.fault == 0)
    assert np.array_equal(out.value[untouched], clean[untouched])


def test_meter_swap_runs_until_the_scheduled_reset(demo: Region) -> None:
    la = mine_layout(demo.mine("990525000001"))  # L-MAIN has a daily-reset totaliser
    i = next(k for k, p in enumerate(la.points) if p.counter_reset == "daily")
    ts = _grid(48, 3600)  # two CST days, hourly
    clean = np.zeros((len(la.points), ts.size))
    clean[i] = np.concatenate([np.arange(24) * 100.0, np.arange(24) * 100.0])  # resets at midnight
    w = Window("reset", i, int(ts[10]), int(ts[-1]) + 1)
    plan = MinePlan(windows=[w])
    inp = np.ones(24, dtype=bool)
    day1 = apply_value_faults(plan, la, ts[:24], clean[:, :24], inp, "meter")
    day2 = apply_value_faults(plan, la, ts[24:], clean[:, 24:], inp, "meter")
    # the new meter starts at the swap from the reading before it (900 m³) → 0, 100, 200 … until midnight
    np.testing.assert_array_equal(day1.value[i, 10:], np.arange(14) * 100.0 + 100.0)
    assert np.all(day1.fault[i, 10:] == FAULT_RESET) and np.all(day1.value[i, :10] == clean[i, :10])
    # after the scheduled midnight reset the counter is in step again
    np.testing.assert_array_equal(day2.value[i], clean[i, 24:])
    assert not (day2.fault[i] == FAULT_RESET).any()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), gaps=st.floats(0.0, 0.2), stuck=st.integers(0, 3),
       calibration=st.integers(0, 3))
def test_faults_touch_only_what_they_record(seed: int, gaps: float, stuck: int, calibration: int) -> None:
    """Property: every reading whose value, status or sent flag differs from the clean reading carries a fault
    code, and every reading without one is sent unchanged."""
    from minegas.synth import load_region

    la = mine_layout(load_region("demo").mine("990581000001"))
    spec = FaultSpec(gaps=gaps, stuck=stuck, calibration=calibration)
    ts = _grid(1440)
    plan = plan_faults(spec, la, seed, int(ts[0]), int(ts[-1]) + 60, 60, 3600)
    rng = np.random.default_rng(seed)
    clean = rng.normal(10, 1, (len(la.points), ts.size))
    out = apply_value_faults(plan, la, ts, clean, np.ones(ts.size, dtype=bool), "full")
    changed = (out.value != clean) | (out.status != 0) | ~out.sent
    assert np.all(out.fault[changed] != 0)
    ok = out.fault == 0
    assert np.all(out.sent[ok]) and np.array_equal(out.value[ok], clean[ok])
