"""QA flags of readings (docs/conventions.md §6) and their vectorised computation.

One ``uint32`` per reading; raw values are never changed. The low byte is the KJ status bitmask as received
(MT/T 1201.1 CDSS field 5, research note china-monitoring-formats §4.4); higher bits are computed here.

All detectors are pure functions over NumPy arrays sorted by (point, time); ``group`` is an integer array that is
constant within one point's run of rows (e.g. dictionary indices of point codes). Thresholds are parameters with
documented defaults; they are engineering choices, not values from a standard.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntFlag

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
FlagArray = npt.NDArray[np.uint32]


class QaFlag(IntFlag):
    """QA flag bits (docs/conventions.md §6)."""

    KJ_ALARM = 1 << 0  # 报警
    KJ_POWER_CUT = 1 << 1  # 断电
    KJ_CALIBRATION = 1 << 2  # 标校
    KJ_OVER_RANGE = 1 << 3  # 超量程
    KJ_SUBSTATION_FAULT = 1 << 4  # 分站故障
    KJ_NOT_POLLED = 1 << 5  # 不巡检
    KJ_PAUSED = 1 << 6  # 暂停
    KJ_SENSOR_FAULT = 1 << 7  # 传感器故障
    OUT_OF_RANGE = 1 << 8
    IMPOSSIBLE = 1 << 9
    NOT_NUMERIC = 1 << 10
    FLATLINE = 1 << 11
    SPIKE = 1 << 12
    CLOCK_JUMP = 1 << 13
    COUNTER_RESET = 1 << 14
    DUPLICATE_CONFLICT = 1 << 15
    STALE_COMPONENT = 1 << 16
    UNMAPPED = 1 << 17


EXCLUDE_MASK = int(
    QaFlag.KJ_CALIBRATION | QaFlag.KJ_OVER_RANGE | QaFlag.KJ_SUBSTATION_FAULT | QaFlag.KJ_NOT_POLLED
    | QaFlag.KJ_PAUSED | QaFlag.KJ_SENSOR_FAULT | QaFlag.OUT_OF_RANGE | QaFlag.IMPOSSIBLE | QaFlag.NOT_NUMERIC
    | QaFlag.FLATLINE | QaFlag.SPIKE | QaFlag.CLOCK_JUMP | QaFlag.STALE_COMPONENT
)
"""Readings with any of these bits are not integrated (their time counts as missing or substituted)."""

FLAG_LABELS: dict[QaFlag, tuple[str, str]] = {
    QaFlag.KJ_ALARM: ("报警", "alarm"),
    QaFlag.KJ_POWER_CUT: ("断电", "power cut"),
    QaFlag.KJ_CALIBRATION: ("标校", "calibration"),
    QaFlag.KJ_OVER_RANGE: ("超量程", "over range"),
    QaFlag.KJ_SUBSTATION_FAULT: ("分站故障", "substation fault"),
    QaFlag.KJ_NOT_POLLED: ("不巡检", "not polled"),
    QaFlag.KJ_PAUSED: ("暂停", "paused"),
    QaFlag.KJ_SENSOR_FAULT: ("传感器故障", "sensor fault"),
    QaFlag.OUT_OF_RANGE: ("超出量程范围", "outside instrument range"),
    QaFlag.IMPOSSIBLE: ("物理上不可能", "physically impossible"),
    QaFlag.NOT_NUMERIC: ("非数值", "not numeric"),
    QaFlag.FLATLINE: ("数值冻结", "flat line (stuck)"),
    QaFlag.SPIKE: ("尖峰", "spike"),
    QaFlag.CLOCK_JUMP: ("时钟跳变", "clock jump"),
    QaFlag.COUNTER_RESET: ("累计量复位", "counter reset"),
    QaFlag.DUPLICATE_CONFLICT: ("重复数据冲突", "duplicate conflict"),
    QaFlag.STALE_COMPONENT: ("分量过期", "stale component"),
    QaFlag.UNMAPPED: ("未登记测点", "unmapped point"),
}


def describe(flags: int, lang: str = "en") -> list[str]:
    """Names of the bits set in ``flags`` ('zh' or 'en')."""
    i = 0 if lang == "zh" else 1
    return [FLAG_LABELS[f][i] for f in QaFlag if flags & f]


@dataclass(frozen=True)
class QaParams:
    """Thresholds of the computed QA detectors (engineering defaults, overridable per run).

    flatline_min_s : a value repeated exactly for at least this long is a stuck sensor [s] (default 2 h).
    flatline_min_samples : …and over at least this many samples.
    flatline_ignore_zero : runs of exact zeros are not flagged (flows are 0 during legitimate stops).
    spike_k : a sample is a spike if it departs from both neighbours by more than ``spike_k`` × the point's robust
        scale of first differences (1.4826 × MAD) while the neighbours agree with each other.
    spike_min_abs : …and by more than this absolute amount (avoids flagging noise on near-constant series).
    clock_ahead_s : a record time more than this far after its file's time is a clock jump [s].
    """

    flatline_min_s: float = 7200.0
    flatline_min_samples: int = 10
    flatline_ignore_zero: bool = True
    spike_k: float = 8.0
    spike_min_abs: float = 1e-9
    clock_ahead_s: float = 300.0


def group_starts(group: IntArray) -> npt.NDArray[np.bool_]:
    """True at the first row of each group run (rows sorted by group)."""
    g = np.asarray(group)
    s = np.ones(len(g), dtype=bool)
    if len(g) > 1:
        s[1:] = g[1:] != g[:-1]
    return s


def kj_status_flags(kj_status: npt.ArrayLike) -> FlagArray:
    """The KJ status bitmask, as the low byte of the QA flags."""
    return (np.asarray(kj_status, dtype=np.uint32) & np.uint32(0xFF)).astype(np.uint32)


def not_numeric_flags(value: FloatArray) -> FlagArray:
    """NOT_NUMERIC where the value is NaN (missing, junk or a sentinel such as -9999 mapped to NaN by readers)."""
    return np.where(np.isnan(value), np.uint32(QaFlag.NOT_NUMERIC), np.uint32(0)).astype(np.uint32)


_NON_NEGATIVE = {"flow_mixed", "flow_pure", "cumulative_mixed", "cumulative_pure", "air_flow", "wind_speed",
                 "power_kw", "energy_kwh", "heat_kw", "heat_gj", "outlet_ch4_ppm", "co_ppm"}


def impossible_bounds(quantity: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Per quantity, the open interval outside which a value (canonical unit) is IMPOSSIBLE: (low, high) with a
    value impossible when ``value < low`` or ``value > high`` — CH4 (0, 100) %; flows, counters, power, heat and
    concentrations (0, +inf); temperature (−273.15 °C, +inf); anything else (−inf, +inf), pressures included
    (gauge 负压 is negative)."""
    q = np.asarray(quantity, dtype=object)
    low = np.full(q.shape, -np.inf)
    high = np.full(q.shape, np.inf)
    is_ch4 = q == "ch4_pct"
    low[is_ch4], high[is_ch4] = 0.0, 100.0
    low[np.isin(q, list(_NON_NEGATIVE))] = 0.0
    low[q == "temperature"] = -273.15
    return low, high


def impossible_flags(value: FloatArray, quantity: npt.ArrayLike) -> FlagArray:
    """IMPOSSIBLE where a value cannot be physical: CH4 < 0 or > 100 %; a negative flow, counter, power or heat;
    an absolute temperature below 0 K (t < −273.15 °C). Pressures may be negative (gauge 负压). The bounds are
    :func:`impossible_bounds`; ``quantity`` is one per value (or one for all)."""
    low, high = impossible_bounds(quantity)
    with np.errstate(invalid="ignore"):
        bad = (value < low) | (value > high)
    return np.where(bad, np.uint32(QaFlag.IMPOSSIBLE), np.uint32(0)).astype(np.uint32)


def range_flags(value: FloatArray, low: FloatArray, high: FloatArray) -> FlagArray:
    """OUT_OF_RANGE where the value lies outside [low, high] (a NaN bound is no bound)."""
    with np.errstate(invalid="ignore"):
        bad = (~np.isnan(low) & (value < low)) | (~np.isnan(high) & (value > high))
    return np.where(bad, np.uint32(QaFlag.OUT_OF_RANGE), np.uint32(0)).astype(np.uint32)


def flatline_flags(group: IntArray, ts_s: FloatArray, value: FloatArray, p: QaParams = QaParams()) -> FlagArray:
    """FLATLINE on every sample of a run of exactly equal values (within one group) lasting ≥ ``flatline_min_s``
    over ≥ ``flatline_min_samples`` samples. Rows sorted by (group, ts)."""
    n = len(value)
    out = np.zeros(n, dtype=np.uint32)
    if n == 0:
        return out
    starts = group_starts(group)
    same = np.zeros(n, dtype=bool)
    same[1:] = (value[1:] == value[:-1]) & ~starts[1:]
    run_start = ~same  # a new run starts where the value changes or the group changes
    run_id = np.cumsum(run_start) - 1
    first_idx = np.flatnonzero(run_start)
    last_idx = np.append(first_idx[1:] - 1, n - 1)
    length = last_idx - first_idx + 1
    span = ts_s[last_idx] - ts_s[first_idx]
    stuck = (length >= p.flatline_min_samples) & (span >= p.flatline_min_s) & ~np.isnan(value[first_idx])
    if p.flatline_ignore_zero:
        stuck &= value[first_idx] != 0
    out[stuck[run_id]] = np.uint32(QaFlag.FLATLINE)
    return out


def spike_flags(group: IntArray, value: FloatArray, p: QaParams = QaParams()) -> FlagArray:
    """SPIKE on isolated jumps: the sample departs from both neighbours (same group) by more than the threshold in
    opposite directions, while the neighbours differ from each other by less than half the threshold.

    The threshold is ``spike_k`` × the group's robust scale, at least ``spike_min_abs``. The scale is 1.4826 ×
    median(|Δv|), floored at the group's resolution (its smallest non-zero |Δv|): on quantised signals — return-air
    CH4 resolved to 0.01 %, where most differences are 0 — the median is 0, and without the floor every one-step
    blip would count as a spike."""
    n = len(value)
    out = np.zeros(n, dtype=np.uint32)
    if n < 3:
        return out
    starts = group_starts(group)
    d = np.diff(value)
    valid_d = ~starts[1:] & ~np.isnan(d)
    # robust scale per group from |Δv|
    gid = np.cumsum(starts) - 1
    scale = np.zeros(gid.max() + 1)
    absd = np.abs(d)
    gd = gid[1:][valid_d]
    if gd.size:
        # gd is non-decreasing (group ids grow in row order), so each group's |Δv| are one slice; the median is
        # np.median's (the middle element, or the mean of the two middle ones) from one partition per group
        vals = absd[valid_d]
        bounds = np.flatnonzero(gd[1:] != gd[:-1]) + 1
        firsts = np.r_[0, bounds]
        lasts = np.r_[bounds, len(gd)]
        for g_idx, a, b in zip(gd[firsts].tolist(), firsts.tolist(), lasts.tolist(), strict=True):
            chunk = vals[a:b]
            half = (b - a) // 2
            if (b - a) % 2:
                median = float(np.partition(chunk, half)[half])
            else:
                part = np.partition(chunk, (half - 1, half))
                median = float((part[half - 1] + part[half]) / 2)
            positive = chunk > 0
            resolution = float(np.min(chunk, where=positive, initial=np.inf)) if positive.any() else 0.0
            scale[g_idx] = max(1.4826 * median, resolution)
    thr = np.maximum(p.spike_k * scale[gid], p.spike_min_abs)
    # rows 1 … n-2 against their neighbours (slices: before = value[:-2], mid = value[1:-1], after = value[2:])
    same_group = ~starts[1:-1] & ~starts[2:]
    up = value[1:-1] - value[:-2]
    down = value[2:] - value[1:-1]
    neigh = np.abs(value[2:] - value[:-2])
    t = thr[1:-1]
    spike = same_group & (np.abs(up) > t) & (np.abs(down) > t) & (np.sign(up) == -np.sign(down)) & (neigh < t / 2)
    out[1:-1][spike] = np.uint32(QaFlag.SPIKE)
    return out


def clock_jump_flags(ts_s: FloatArray, file_ts_s: FloatArray, p: QaParams = QaParams()) -> FlagArray:
    """CLOCK_JUMP where a record's time is more than ``clock_ahead_s`` after the time of the file that carried it
    (a record from the future). Late records (earlier than the file time) are legitimate and not flagged."""
    with np.errstate(invalid="ignore"):
        bad = ~np.isnan(file_ts_s) & (ts_s > file_ts_s + p.clock_ahead_s)
    return np.where(bad, np.uint32(QaFlag.CLOCK_JUMP), np.uint32(0)).astype(np.uint32)


def counter_increments(value: FloatArray, prev_value: FloatArray, counter_max: FloatArray | None = None
                       ) -> tuple[FloatArray, FlagArray]:
    """Increments of a cumulative (totalizer) counter and COUNTER_RESET flags.

    ``Δ = v − v_prev`` when ``v ≥ v_prev``. When the counter went down it was reset (daily/monthly schedule, meter
    swap) or rolled over: with a known ``counter_max`` and ``v_prev`` close to it (within 10 %), the increment is
    ``counter_max − v_prev + v`` (rollover); otherwise the counter restarted from zero and the increment is ``v``
    (the part before the reset that was not reported is unknown and not invented). NaN where either end is NaN
    (first reading of a point, or a non-numeric value).
    """
    v = np.asarray(value, dtype=float)
    pv = np.asarray(prev_value, dtype=float)
    with np.errstate(invalid="ignore"):
        down = v < pv
    inc = v - pv
    if counter_max is not None:
        cm = np.asarray(counter_max, dtype=float)
        with np.errstate(invalid="ignore"):
            rollover = down & ~np.isnan(cm) & (pv >= 0.9 * cm)
        inc = np.where(rollover, cm - pv + v, np.where(down, v, inc))
    else:
        inc = np.where(down, v, inc)
    flags = np.where(down, np.uint32(QaFlag.COUNTER_RESET), np.uint32(0)).astype(np.uint32)
    return inc, flags
