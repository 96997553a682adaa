"""Injectable faults of the synthetic generator and their ground truth (docs/synth.md §4).

Value faults change what a reading says (or whether it is sent); file faults change how KJ files are delivered:

=============  ========================================================================================
``gaps``       fraction (0–1) of a mine's readings not sent: communication outages of the whole mine (70 % of
               the target) and drop-outs of single points (30 %), windows of 5–120 min (points: 10–240 min)
``calibration`` windows per mine: a CH4 sensor reads its calibration gas with KJ status 4 (标校) for
               10–30 min between 08:00 and 17:00 CST (also written to the registry as calibration records)
``stuck``      windows per mine: an analog point repeats its value for 2–12 h (status stays 0)
``resets``     meter swaps per mine on totaliser (LJ) points: the counter restarts from 0 and runs on until
               its next scheduled reset (never, for ``counter_reset = none``)
``late``       CDSS files per mine delivered 1–3 days late (into a later batch folder)
``truncated``  CDSS files per mine cut inside a record, without the final ``~`` and ``||``: the whole file is
               rejected by a strict ingest; with ``--partial`` the records before the cut survive
``duplicates`` CDSS files per mine delivered twice: alternately an identical copy (same name and bytes, next
               day's batch) and an overlapping file (the second half of the records again, under a new name)
=============  ========================================================================================

Counts are per mine over the generated period. Every event is planned from a generator seeded by
``(seed, mine, "faults")`` and recorded in the ledger.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import numpy as np
import numpy.typing as npt

from minegas.errors import InputError, Problem
from minegas.synth.model import MineLayout
from minegas.synth.signals import CST_OFFSET_S, DAY_S, rng, stable_key

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

FAULT_NONE, FAULT_GAP, FAULT_CALIBRATION, FAULT_STUCK, FAULT_RESET = 0, 1, 2, 3, 4
FAULT_NAMES = ("", "gap", "calibration", "stuck", "reset")
"""Codes of the per-reading ``fault`` column of the ledger."""

KJ_CALIBRATION = 4
"""KJ 测点状态 bit 标校 (research note china-monitoring-formats §4.4; docs/conventions.md §6)."""

_FAULTS_HELP = ("write name=value pairs separated by commas, e.g. gaps=0.01,calibration=2,stuck=1,resets=1,"
                "late=2,truncated=1,duplicates=1 (gaps is a fraction 0–1, the others counts per mine)")


@dataclass(frozen=True)
class FaultSpec:
    """Which faults to inject: ``gaps`` a fraction of readings (0–1), the others counts of events per mine."""

    gaps: float = 0.0
    calibration: int = 0
    stuck: int = 0
    resets: int = 0
    late: int = 0
    truncated: int = 0
    duplicates: int = 0

    @classmethod
    def parse(cls, text: str | None) -> FaultSpec:
        """Parse ``gaps=0.01,calibration=2,…`` (empty or None = no faults).

        Raises
        ------
        InputError
            Naming the offending pair (field ``--faults``) and the accepted names.
        """
        if text is None or not text.strip():
            return cls()
        names = {f.name for f in fields(cls)}
        values: dict[str, float | int] = {}
        problems: list[Problem] = []
        for part in text.split(","):
            part = part.strip()
            if not part:
                continue
            name, sep, raw = part.partition("=")
            name = name.strip()
            if not sep or name not in names:
                problems.append(Problem(f"unknown fault {name!r}" if sep else "not a name=value pair",
                                        field="--faults", value=part,
                                        fix="use " + ", ".join(sorted(names)) + "; " + _FAULTS_HELP))
                continue
            try:
                if name == "gaps":
                    v: float | int = float(raw)
                    if not (0.0 <= v < 1.0) or not math.isfinite(v):
                        raise ValueError
                else:
                    v = int(raw)
                    if v < 0:
                        raise ValueError
            except ValueError:
                problems.append(Problem("bad value", field="--faults", value=part,
                                        fix="gaps takes a fraction in [0, 1); the others a count ≥ 0"))
                continue
            values[name] = v
        if problems:
            raise InputError("bad fault specification", problems)
        return cls(**values)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return ",".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self) if getattr(self, f.name))

    @property
    def any(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


@dataclass
class Window:
    """A fault window on one point (``point`` = −1: every point of the mine) over ``[start, end)`` (epoch s)."""

    kind: str
    point: int
    start: int
    end: int
    value: float | None = None
    state: dict[str, float] = field(default_factory=dict)


@dataclass
class MinePlan:
    """Planned faults of one mine over the period.

    ``windows``: value faults (gap, calibration, stuck, reset; a reset window runs from the swap to the period
    end and stops at the counter's next scheduled reset). ``late``/``truncated``/``duplicates`` map the start
    (epoch s) of a CDSS upload window to its fault parameter: delay in days, cut position (0–1), or ``copy`` /
    ``overlap``. ``skipped`` lists requested events that could not be placed.
    """

    windows: list[Window] = field(default_factory=list)
    late: dict[int, int] = field(default_factory=dict)
    truncated: dict[int, float] = field(default_factory=dict)
    duplicates: dict[int, str] = field(default_factory=dict)
    skipped: list[dict[str, object]] = field(default_factory=list)


def upload_windows(start_s: int, end_s: int, upload_s: int) -> list[int]:
    """Starts (epoch s) of the CST-day-aligned upload windows of length ``upload_s`` overlapping
    ``[start_s, end_s)``."""
    first_day = (start_s + CST_OFFSET_S) // DAY_S
    origin = first_day * DAY_S - CST_OFFSET_S
    k0 = (start_s - origin) // upload_s
    out = []
    w = origin + k0 * upload_s
    while w < end_s:
        out.append(int(w))
        w += upload_s
    return out


def plan_faults(spec: FaultSpec, layout: MineLayout, seed: int, start_s: int, end_s: int, cadence_s: int,
                upload_s: int) -> MinePlan:
    """Place the requested faults of one mine deterministically (see the module docstring)."""
    plan = MinePlan()
    if not spec.any or end_s <= start_s:
        return plan
    g = rng(seed, stable_key(layout.mine.code), stable_key("faults"))
    span = end_s - start_s
    pts = layout.points
    n_pts = len(pts)

    # gaps: mine-wide outages (70 %) and single-point drop-outs (30 %)
    if spec.gaps > 0:
        for share, point_wide, lo_min, hi_min in ((0.7, False, 5, 120), (0.3, True, 10, 240)):
            target = spec.gaps * share * span * (1 if not point_wide else n_pts)
            done = 0.0
            while done < target:
                dur = min(g.uniform(lo_min, hi_min) * 60.0, max(target - done, cadence_s))
                dur = max(dur, float(cadence_s))
                if point_wide:
                    dur = min(dur, max(target - done, cadence_s))
                s = int(start_s + g.uniform(0, max(span - dur, 1)))
                pt = int(g.integers(n_pts)) if point_wide else -1
                plan.windows.append(Window("gap", pt, s, int(s + dur)))
                done += dur

    ch4 = [i for i, p in enumerate(pts) if p.signal == "ch4"]
    days = list(range((start_s + CST_OFFSET_S) // DAY_S, (end_s - 1 + CST_OFFSET_S) // DAY_S + 1))
    used: set[tuple[int, int]] = set()
    for _ in range(spec.calibration):
        placed = False
        for _try in range(50):
            i = ch4[int(g.integers(len(ch4)))]
            d = days[int(g.integers(len(days)))]
            s = d * DAY_S - CST_OFFSET_S + int(g.uniform(8 * 3600, 17 * 3600))
            e = s + int(g.uniform(10, 30) * 60)
            s, e = max(s, start_s), min(e, end_s)
            if (i, d) in used or e - s < cadence_s:
                continue
            used.add((i, d))
            gas = 2.0 if (pts[i].range_high or 100.0) <= 4.0 else 50.0
            plan.windows.append(Window("calibration", i, s, e, value=gas))
            placed = True
            break
        if not placed:
            plan.skipped.append({"fault": "calibration", "reason": "no free (CH4 point, day) in the period"})

    analog = [i for i, p in enumerate(pts) if p.signal != "counter"]
    for _ in range(spec.stuck):
        i = analog[int(g.integers(len(analog)))]
        dur = int(g.uniform(2, 12) * 3600)
        s = int(start_s + g.uniform(0, max(span - dur // 2, 1)))
        plan.windows.append(Window("stuck", i, s, min(s + dur, end_s)))

    counters = [i for i, p in enumerate(pts) if p.signal == "counter"]
    for _ in range(spec.resets):
        if not counters:
            plan.skipped.append({"fault": "reset", "reason": "the mine has no totaliser (LJ) point"})
            continue
        i = counters[int(g.integers(len(counters)))]
        s = int(start_s + g.uniform(0.05, 0.95) * span)
        plan.windows.append(Window("reset", i, s, end_s))

    wins = upload_windows(start_s, end_s, upload_s)
    pool = list(g.permutation(len(wins)))
    for kind, count in (("late", spec.late), ("truncated", spec.truncated), ("duplicates", spec.duplicates)):
        for k in range(count):
            if not pool:
                plan.skipped.append({"fault": kind, "reason": "no upload window left"})
                continue
            w = wins[int(pool.pop())]
            if kind == "late":
                plan.late[w] = int(g.integers(1, 4))
            elif kind == "truncated":
                plan.truncated[w] = float(g.uniform(0.1, 0.9))
            else:
                plan.duplicates[w] = "copy" if k % 2 == 0 else "overlap"
    return plan


@dataclass
class AppliedDay:
    """Readings of one day after the value faults: ``value``, ``status`` (uint16), ``sent`` (bool) and ``fault``
    (uint8 codes of :data:`FAULT_NAMES`), each shaped (points, samples)."""

    value: F64
    status: npt.NDArray[np.uint16]
    sent: npt.NDArray[np.bool_]
    fault: npt.NDArray[np.uint8]


def apply_value_faults(plan: MinePlan, layout: MineLayout, ts: I64, clean: F64, in_period: npt.NDArray[np.bool_],
                       precision: str) -> AppliedDay:
    """Apply the value faults of ``plan`` to one day of clean readings (state is carried in the windows, so days
    must be passed in order)."""
    value = clean.copy()
    n_pts, n = clean.shape
    status = np.zeros((n_pts, n), dtype=np.uint16)
    fault = np.zeros((n_pts, n), dtype=np.uint8)
    sent = np.repeat(in_period[None, :], n_pts, axis=0)
    if n == 0:
        return AppliedDay(value, status, sent, fault)
    t_lo, t_hi = int(ts[0]), int(ts[-1])
    for w in plan.windows:
        if w.kind == "reset":
            _apply_reset(w, ts, value, clean, fault, layout, precision, in_period)
            continue
        if w.end <= t_lo or w.start > t_hi:
            continue
        m = (ts >= w.start) & (ts < w.end) & in_period
        if not m.any():
            continue
        if w.kind == "stuck":
            if w.value is None:
                w.value = float(clean[w.point][np.argmax(m)])
            value[w.point, m] = w.value
            fault[w.point, m] = FAULT_STUCK
        elif w.kind == "calibration":
            assert w.value is not None
            value[w.point, m] = w.value
            status[w.point, m] |= KJ_CALIBRATION
            fault[w.point, m] = FAULT_CALIBRATION
    for w in plan.windows:
        if w.kind != "gap" or w.end <= t_lo or w.start > t_hi:
            continue
        m = (ts >= w.start) & (ts < w.end)
        if w.point < 0:
            sent[:, m] = False
            fault[:, m & in_period] = FAULT_GAP
        else:
            sent[w.point, m] = False
            fault[w.point, m & in_period] = FAULT_GAP
    return AppliedDay(value, status, sent, fault)


def _apply_reset(w: Window, ts: I64, value: F64, clean: F64, fault: npt.NDArray[np.uint8], layout: MineLayout,
                 precision: str, in_period: npt.NDArray[np.bool_]) -> None:
    """Meter swap: from ``w.start`` the counter reads ``clean − clean(last sample before the swap)`` until the
    clean counter itself resets (it decreases), after which the new meter follows the same schedule."""
    if w.state.get("done"):
        return
    x = clean[w.point]
    dec = layout.points[w.point].decimals
    prev = w.state.get("prev")
    offset = w.state.get("offset")
    for j in range(ts.size):
        if not in_period[j]:
            continue
        t = int(ts[j])
        if offset is None:
            if t >= w.start:
                offset = prev if prev is not None else 0.0
                w.state["offset"] = offset
            else:
                prev = float(x[j])
                continue
        if prev is not None and x[j] < prev and t > w.start:
            w.state["done"] = 1.0  # scheduled reset of the clean counter: the new meter is in step again
            return
        v = x[j] - offset
        value[w.point, j] = round(v, dec) if precision == "meter" else v
        fault[w.point, j] = FAULT_RESET
        prev = float(x[j])
    if prev is not None:
        w.state["prev"] = prev
