"""Aligned station samples: one row per station and sample time, converted to 0 °C, with predecessor columns
(docs/architecture.md "Measurement store", docs/store.md "Aligned samples").

KJ files carry CH4, flow, pressure and temperature as separate points, each with its own clock. A station's
**primary measurement** (registry ``station.primary_measurement``) names the point whose readings are the sample
times; every other quantity of the station is taken *as of* each sample time — the latest reading at or before
it, within that point's ``max_gap_s`` (older, or none: the sample gets ``STALE_COMPONENT`` when the component is
needed). Components needed:

=====================  ========================================================================================
primary measurement    pure CH4 flow ``ch4_flow_nm3_min`` of a sample
=====================  ========================================================================================
``mixed_flow_x_ch4``   flow_mixed → 0 °C × CH4 % / 100 (CH4 needed)
``air_flow_x_ch4``     air_flow → 0 °C × CH4 % / 100 (CH4 needed; return shafts)
``pure_flow``          flow_pure → 0 °C
``cumulative_pure``    counter increment since the previous reading → 0 °C, ÷ elapsed minutes
``cumulative_mixed``   counter increment → 0 °C × CH4 % / 100, ÷ elapsed minutes (CH4 needed)
=====================  ========================================================================================

Conversion to 0 °C / 101.325 kPa (docs/conventions.md §1): a ``reference`` meter scales by the ideal-gas ratio of
its state (:func:`minegas.physics.states.convert_state`); a ``working`` meter needs the station's pressure and
temperature (:func:`minegas.physics.states.to_reference`, ideal gas, Z = 1), the pressure made absolute with the
mine's barometric pressure when the registry says ``gauge`` (:func:`minegas.physics.states.absolute_pressure_kpa`;
drainage 负压 is a negative gauge pressure). Pure volume = mixed × CH4 fraction
(:func:`minegas.physics.density.pure_volume` convention, 折纯).

The other measurements of a station are cross-checks (``xcheck_ch4_flow_nm3_min``), never added. Sample flags are
the primary reading's flags OR the excluding bits of the needed components' readings OR ``STALE_COMPONENT`` —
except when the primary reads exactly zero flow (or a zero counter increment): the sample is then 0 Nm³/min
whatever its components say (a stopped unit's pressure or CH4 sensor drifting out of range must not turn the
stop into missing time).
Counters integrate by their increments (``integration = 'increment'``: the sample's rate holds over the segment
that ends at it); counter resets (daily, monthly, meter swap) are handled by
:func:`minegas.measurements.flags.counter_increments`.

**Last quality-assured value** (``prev_good_ts_<c>``, ``prev_good_<c>``, for each integrated column ``c`` of
:data:`GOOD_COLUMNS`; readings carry the same as ``prev_good_ts``/``prev_good_value``): the time and value of the
last sample *before* this one whose value is quality-assured (no :data:`~minegas.measurements.flags.EXCLUDE_MASK`
bit, finite value) — across partitions, like ``prev_*`` — or, when the series has none yet, the series' first
sample time with a null value. Gap substitution (:mod:`minegas.accounting.gaps`, 40 CFR 98.325: the values
*before* and *after* a gap, not the bad neighbours) then needs no window function: the quality-assured row that
ends a gap knows where the gap began and the value before it (:func:`prev_good`, one vectorised pass).

:func:`build_aligned` is pure (no I/O): the store calls it for each (mine, month) partition it touches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from minegas.measurements.flags import EXCLUDE_MASK, QaFlag, counter_increments
from minegas.measurements.mapping import (
    PRIMARY_QUANTITY,
    MineConfigs,
    Snapshot,
    assign_configs,
    canonical_values,
    config_at,
    point_runs,
)
from minegas.physics.states import to_reference

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
U32 = npt.NDArray[np.uint32]
TS = pa.timestamp("us", tz="UTC")
NO_TS = np.iinfo(np.int64).min
"""Sentinel of a missing time in int64 µs arrays."""

ALIGNED_SCHEMA = pa.schema([
    pa.field("mine_code", pa.string(), nullable=False),
    pa.field("station_code", pa.string(), nullable=False),
    pa.field("ts", TS, nullable=False),
    pa.field("primary_point_code", pa.string(), nullable=False),
    pa.field("primary_measurement", pa.string(), nullable=False),
    pa.field("integration", pa.string(), nullable=False),
    pa.field("max_gap_s", pa.float64(), nullable=False),
    pa.field("ch4_pct", pa.float64()),
    pa.field("flow_mixed_m3_min", pa.float64()),
    pa.field("flow_pure_m3_min", pa.float64()),
    pa.field("p_abs_kpa", pa.float64()),
    pa.field("t_c", pa.float64()),
    pa.field("counter_inc_m3", pa.float64()),
    pa.field("flow_mixed_nm3_min", pa.float64()),
    pa.field("ch4_flow_nm3_min", pa.float64()),
    pa.field("xcheck_ch4_flow_nm3_min", pa.float64()),
    pa.field("flags", pa.uint32(), nullable=False),
    pa.field("prev_ts", TS),
    pa.field("prev_ch4_flow_nm3_min", pa.float64()),
    pa.field("prev_flow_mixed_nm3_min", pa.float64()),
    pa.field("prev_ch4_pct", pa.float64()),
    pa.field("prev_flags", pa.uint32()),
    pa.field("prev_good_ts_ch4_flow_nm3_min", TS),
    pa.field("prev_good_ch4_flow_nm3_min", pa.float64()),
    pa.field("prev_good_ts_flow_mixed_nm3_min", TS),
    pa.field("prev_good_flow_mixed_nm3_min", pa.float64()),
    pa.field("prev_good_ts_ch4_pct", TS),
    pa.field("prev_good_ch4_pct", pa.float64()),
])
"""Aligned station samples (``aligned/mine=…/month=…/``), sorted by (station_code, ts).

- ``integration``/``max_gap_s``: how the hot path integrates the segment ending at the sample — the primary
  point's configuration (``trapezoid``/``hold``), or ``increment`` for counters.
- ``ch4_pct`` [vol %], ``p_abs_kpa`` [kPa, absolute], ``t_c`` [°C]: the components as of the sample (null when
  there is none).
- ``flow_mixed_m3_min``/``flow_pure_m3_min``: as measured, canonical unit, in the meter's own basis (for
  ``air_flow_x_ch4`` the air flow is in the ``mixed`` columns); ``counter_inc_m3``: counter increment since the
  previous reading, meter basis.
- ``flow_mixed_nm3_min``, ``ch4_flow_nm3_min`` [Nm³/min at 0 °C]: converted; ``ch4_flow_nm3_min`` is the primary
  measurement's pure CH4 flow, the one that counts. ``xcheck_ch4_flow_nm3_min``: the same from the station's
  other flow measurement (cross-check only).
- ``prev_*``: the station's previous aligned sample (across partitions; null for its first).
- ``prev_good_ts_<c>``/``prev_good_<c>`` for ``c`` in :data:`GOOD_COLUMNS`: the last earlier sample whose ``c`` is
  quality-assured (flags pass :data:`~minegas.measurements.flags.EXCLUDE_MASK`, value finite), across partitions;
  when there is none, the station's first sample time and a null value (:func:`prev_good`). Null only on the
  station's very first sample.
"""

GOOD_COLUMNS = ("ch4_flow_nm3_min", "flow_mixed_nm3_min", "ch4_pct")
"""Aligned columns that carry their last quality-assured value (the integrated station values,
:data:`minegas.accounting.totals.STATION_VALUES`)."""

GoodTail = tuple[int, float]
"""Where a series' last quality-assured value stands at the end of a partition: (time [UTC µs], value) — the
last quality-assured sample, or (the series' first sample time, NaN) when it has none yet."""


@dataclass(frozen=True)
class PointTail:
    """The last stored reading of a point before a partition: time [UTC µs], raw value (NaN: not numeric), flags."""

    ts_us: int
    value: float
    flags: int


@dataclass(frozen=True)
class StationTail:
    """The last aligned sample of a station before a partition."""

    ts_us: int
    ch4_flow_nm3_min: float
    flow_mixed_nm3_min: float
    ch4_pct: float
    flags: int


@dataclass
class _Comp:
    value: F64
    flags: U32
    stale: npt.NDArray[np.bool_]
    cfg: I64


def _ts(col: pa.ChunkedArray | pa.Array, missing: int = NO_TS) -> I64:
    a = col.cast(TS).cast(pa.int64())
    return np.asarray(a.fill_null(missing).to_numpy(zero_copy_only=False), dtype=np.int64)


def _f64(col: pa.ChunkedArray | pa.Array) -> F64:
    return np.asarray(col.cast(pa.float64()).fill_null(np.nan).to_numpy(zero_copy_only=False), dtype=np.float64)


def _u32(col: pa.ChunkedArray | pa.Array) -> U32:
    return np.asarray(col.cast(pa.uint32()).fill_null(0).to_numpy(zero_copy_only=False), dtype=np.uint32)


def _arr(x: F64) -> pa.Array:
    return pa.array(x, pa.float64(), mask=~np.isfinite(x))


def good_mask(flags: U32, value: F64) -> npt.NDArray[np.bool_]:
    """Quality-assured samples: no :data:`~minegas.measurements.flags.EXCLUDE_MASK` bit and a finite value (the
    semantics of :mod:`minegas.accounting.reference_integration`)."""
    return ((np.asarray(flags, np.uint32) & np.uint32(EXCLUDE_MASK)) == 0) & np.isfinite(value)


def prev_good(ts_us: I64, value: F64, ok: npt.NDArray[np.bool_], starts: I64,
              tails: list[GoodTail | None]) -> tuple[I64, F64]:
    """The last quality-assured sample before each row, per run of equal keys, in one vectorised pass.

    Parameters
    ----------
    ts_us, value, ok : the rows, sorted by (key, time) [UTC µs]; ``ok`` from :func:`good_mask`.
    starts : run start offsets (:func:`minegas.measurements.mapping.point_runs`; last entry = number of rows).
    tails : per run, the :data:`GoodTail` of the key at the end of the earlier partitions (None: the key has
        no earlier sample — its first row here is the series' first sample).

    Returns
    -------
    (prev_good_ts [µs], prev_good_value): per row the last ok sample strictly before it; when there is none, the
    series' first sample time and NaN. The very first sample of a series gets ``NO_TS`` and NaN.
    """
    n = len(ts_us)
    pg_ts = np.full(n, NO_TS, np.int64)
    pg_v = np.full(n, np.nan)
    if n == 0:
        return pg_ts, pg_v
    idx = np.arange(n, dtype=np.int64)
    last_incl = np.maximum.accumulate(np.where(ok, idx, -1))
    cand = np.empty(n, np.int64)
    cand[0] = -1
    cand[1:] = last_incl[:-1]
    run_start = np.repeat(starts[:-1], np.diff(starts))
    inside = cand >= run_start
    safe = np.where(inside, cand, 0)
    t_ts = np.empty(len(tails), np.int64)
    t_v = np.empty(len(tails))
    for k, tl in enumerate(tails):
        if tl is None:  # no earlier sample: the gap (if any) starts at the series' first sample
            t_ts[k], t_v[k] = ts_us[starts[k]], np.nan
        else:
            t_ts[k], t_v[k] = tl
    run_of = np.repeat(np.arange(len(tails)), np.diff(starts))
    pg_ts = np.where(inside, ts_us[safe], t_ts[run_of])
    pg_v = np.where(inside, value[safe], t_v[run_of])
    first_ever = np.zeros(n, bool)
    first_ever[starts[:-1][[tl is None for tl in tails]]] = True
    pg_ts = np.where(first_ever, NO_TS, pg_ts)
    pg_v = np.where(first_ever, np.nan, pg_v)
    return pg_ts.astype(np.int64), pg_v


def good_tail_at(ts_us: int, value: float, ok: bool, pg_ts: int, pg_v: float) -> GoodTail:
    """The :data:`GoodTail` after a row: the row itself if quality-assured, else its own ``prev_good`` (the very
    first sample of a series, not ok: the series starts there, no value yet)."""
    if ok:
        return int(ts_us), float(value)
    if pg_ts == NO_TS:
        return int(ts_us), float("nan")
    return int(pg_ts), float(pg_v)


def _ts_arr(x: I64) -> pa.Array:
    return pa.array(x, pa.int64(), mask=x == NO_TS).cast(TS)


class _MineView:
    """A mine-month of readings with per-row configuration, and the mine's station → points map."""

    def __init__(self, readings: pa.Table, mine: str, snap: Snapshot, tails: dict[str, PointTail]) -> None:
        self.mine, self.snap, self.tails = mine, snap, tails
        self.mc: MineConfigs = snap.mine_configs(mine)
        starts, codes = point_runs(readings.column("point_code"))
        self.ts = _ts(readings.column("ts"))
        self.raw = _f64(readings.column("value"))
        self.flags = _u32(readings.column("flags"))
        self.prev_ts = _ts(readings.column("prev_ts"))
        self.prev_raw = _f64(readings.column("prev_value"))
        self.prev_flags = _u32(readings.column("prev_flags"))
        self.cfg = assign_configs(self.mc, starts, codes, self.ts)
        self.canon = canonical_values(self.mc, self.cfg, self.raw)
        self.runs = {c: (int(starts[i]), int(starts[i + 1])) for i, c in enumerate(codes)}
        self.by_station: dict[str, dict[str, list[str]]] = {}
        for k in range(self.mc.n):
            st = self.mc.station_code[k]
            if st is None:
                continue
            q = str(self.mc.quantity[k])
            lst = self.by_station.setdefault(str(st), {}).setdefault(q, [])
            p = str(self.mc.point_code[k])
            if p not in lst:
                lst.append(p)
        for d in self.by_station.values():
            for lst in d.values():
                lst.sort()

    def point(self, station: str, quantity: str) -> str | None:
        """The station's point of ``quantity`` (the lowest code if the registry attaches several)."""
        got = self.by_station.get(station, {}).get(quantity)
        return got[0] if got else None

    def rows(self, point: str) -> npt.NDArray[np.int64]:
        """Row indices of a point's readings that have a configuration."""
        a, b = self.runs.get(point, (0, 0))
        idx = np.arange(a, b, dtype=np.int64)
        return idx[self.cfg[idx] >= 0]

    def asof(self, point: str | None, t: I64) -> _Comp:
        """Component ``point`` as of each time in ``t`` (latest reading ≤ t within its max_gap_s)."""
        n = len(t)
        if point is None:
            return _Comp(np.full(n, np.nan), np.zeros(n, np.uint32), np.ones(n, bool), np.full(n, -1, np.int64))
        idx = self.rows(point)
        cts, cval, cfl, ccfg = self.ts[idx], self.canon[idx], self.flags[idx], self.cfg[idx]
        tail = self.tails.get(point)
        if tail is not None:
            k = config_at(self.mc, point, tail.ts_us)
            if k >= 0:
                v = tail.value * self.mc.scale[k] * self.mc.unit_factor[k] + self.mc.unit_offset[k]
                cts = np.concatenate([[tail.ts_us], cts])
                cval = np.concatenate([[v], cval])
                cfl = np.concatenate([np.asarray([tail.flags], np.uint32), cfl])
                ccfg = np.concatenate([[k], ccfg])
        if len(cts) == 0:
            return _Comp(np.full(n, np.nan), np.zeros(n, np.uint32), np.ones(n, bool), np.full(n, -1, np.int64))
        j = np.searchsorted(cts, t, side="right") - 1
        has = j >= 0
        jj = np.where(has, j, 0)
        gap_us = self.mc.max_gap_s[ccfg[jj]] * 1e6
        stale = ~has | ((t - cts[jj]) > gap_us)
        return _Comp(np.where(has, cval[jj], np.nan), np.where(has, cfl[jj], 0).astype(np.uint32), stale,
                     np.where(has, ccfg[jj], -1))


def _to_0c_factor(mc: MineConfigs, cfg: I64, p_abs_kpa: F64, t_c: F64) -> tuple[F64, npt.NDArray[np.bool_]]:
    """Factor from each row's meter basis to 0 °C / 101.325 kPa, and the rows that needed p and T (working)."""
    n = len(cfg)
    has = cfg >= 0
    k = np.where(has, cfg, 0)
    if mc.n == 0:
        return np.full(n, np.nan), np.zeros(n, dtype=bool)
    out = np.where(has, mc.reference_to_0c[k], np.nan)  # reference meters: 0C, 20C, 60F → 0C (convert_state)
    working = has & mc.is_working[k]
    if working.any():
        with np.errstate(invalid="ignore", divide="ignore"):
            # V0 = Vw × (p_abs / 101.325) × (273.15 / (273.15 + t)), ideal gas Z = 1 (docs/conventions.md §1)
            out = np.where(working, to_reference(np.ones(n), p_abs_kpa, t_c, "0C"), out)
    return out, working


def _abs_pressure(mc: MineConfigs, comp: _Comp, barometric_kpa: float | None) -> F64:
    """Absolute pressure [kPa] from a pressure component (gauge + barometric; docs/conventions.md §1)."""
    baro = np.nan if barometric_kpa is None else float(barometric_kpa)
    has = comp.cfg >= 0
    if mc.n == 0 or not has.any():
        return np.full(len(comp.cfg), np.nan)
    k = np.where(has, comp.cfg, 0)
    is_abs, is_gauge = mc.pressure_kinds
    return np.where(has & is_abs[k], comp.value, np.where(has & is_gauge[k], comp.value + baro, np.nan))


def build_aligned(readings: pa.Table, mine_code: str, snap: Snapshot, point_tails: dict[str, PointTail],
                  station_tails: dict[str, StationTail],
                  good_tails: dict[str, dict[str, GoodTail]] | None = None) -> pa.Table:
    """Aligned samples of one mine and month from its stored readings.

    Parameters
    ----------
    readings : the partition's readings (store schema, sorted by point, ts; with ``flags`` and ``prev_*``).
    mine_code : the mine.
    snap : registry snapshot (stations, configurations, barometric pressure).
    point_tails : last reading of each point before the partition (for components as of early samples).
    station_tails : last aligned sample of each station before the partition (for ``prev_*``).
    good_tails : per station and column of :data:`GOOD_COLUMNS`, the :data:`GoodTail` before the partition (for
        ``prev_good_*``); a station with a ``station_tails`` entry but none here is taken to have no
        quality-assured value yet, its series starting at that tail.

    Returns
    -------
    pyarrow.Table with :data:`ALIGNED_SCHEMA`, sorted by (station_code, ts).
    """
    stations = snap.stations.get(mine_code, [])
    if readings.num_rows == 0 or not stations:
        return ALIGNED_SCHEMA.empty_table()
    mv = _MineView(readings, mine_code, snap, point_tails)
    mc = mv.mc
    baro = snap.mines.get(mine_code)
    # per station: numpy columns, made Arrow columns once for all stations (the same rows as one table per station)
    cols: dict[str, list[npt.NDArray[Any]]] = {}
    keys: list[tuple[str, str, str, int]] = []  # (station, primary point, primary measurement, samples)
    integrations: list[pa.Array] = []
    run_tails: dict[str, list[GoodTail | None]] = {c: [] for c in GOOD_COLUMNS}
    for st in sorted(stations, key=lambda s: s.code):
        q_primary = PRIMARY_QUANTITY.get(st.primary_measurement)
        if q_primary is None:
            continue
        primary = mv.point(st.code, q_primary)
        if primary is None:
            continue
        idx = mv.rows(primary)
        if idx.size == 0:
            continue
        t = mv.ts[idx]
        n = t.size
        k = mv.cfg[idx]
        c = mv.canon[idx]
        pflags = mv.flags[idx]
        ch4 = mv.asof(mv.point(st.code, "ch4_pct"), t)
        pres = mv.asof(mv.point(st.code, "pressure"), t)
        temp = mv.asof(mv.point(st.code, "temperature"), t)
        p_abs = _abs_pressure(mc, pres, baro)
        t_c = np.where(temp.cfg >= 0, temp.value, np.nan)
        f0, working = _to_0c_factor(mc, k, p_abs, t_c)
        stale = working & (pres.stale | temp.stale | ~np.isfinite(p_abs) | ~np.isfinite(t_c))
        comp_flags = np.where(working, (pres.flags | temp.flags) & np.uint32(EXCLUDE_MASK), 0).astype(np.uint32)
        nan = np.full(n, np.nan)
        flow_mixed_m3, flow_pure_m3, counter_inc = nan.copy(), nan.copy(), nan.copy()
        integration: pa.Array = mc.integration_array.take(pa.array(k))
        meas = st.primary_measurement
        needs_ch4 = meas in ("mixed_flow_x_ch4", "air_flow_x_ch4", "cumulative_mixed")
        ch4_pct = ch4.value
        if meas in ("mixed_flow_x_ch4", "air_flow_x_ch4"):
            flow_mixed_m3 = c
            mixed_nm3 = c * f0
            pure_nm3 = mixed_nm3 * ch4_pct / 100.0
            other = mv.asof(mv.point(st.code, "flow_pure"), t)
            of0, _ = _to_0c_factor(mc, other.cfg, p_abs, t_c)
            xcheck = np.where(other.stale, np.nan, other.value * of0)
        elif meas == "pure_flow":
            flow_pure_m3 = c
            pure_nm3 = c * f0
            other = mv.asof(mv.point(st.code, "flow_mixed"), t)
            of0, _ = _to_0c_factor(mc, other.cfg, p_abs, t_c)
            mixed_nm3 = np.where(other.stale, np.nan, other.value * of0)
            flow_mixed_m3 = np.where(other.stale, np.nan, other.value)
            xcheck = mixed_nm3 * ch4_pct / 100.0
        else:  # counters
            prev_ts = mv.prev_ts[idx]
            prev_c = mv.prev_raw[idx] * mc.scale[k] * mc.unit_factor[k] + mc.unit_offset[k]
            cmax = mc.counter_max[k] * mc.scale[k] * mc.unit_factor[k]
            inc, _ = counter_increments(c, prev_c, cmax)
            inc = np.where(prev_ts == NO_TS, np.nan, inc)
            counter_inc = inc
            with np.errstate(invalid="ignore", divide="ignore"):
                dt_min = np.where(prev_ts == NO_TS, np.nan, (t - prev_ts) / 60e6)
                rate_nm3 = inc * f0 / dt_min
            integration = pa.repeat(pa.scalar("increment", pa.string()), n)
            if meas == "cumulative_mixed":
                mixed_nm3 = rate_nm3
                pure_nm3 = rate_nm3 * ch4_pct / 100.0
                # cross-check: the station's instantaneous mixed flow (if metered) × CH4, never added
                other = mv.asof(mv.point(st.code, "flow_mixed"), t)
                of0, _ = _to_0c_factor(mc, other.cfg, p_abs, t_c)
                xcheck = np.where(other.stale, np.nan, other.value * of0) * ch4_pct / 100.0
            else:
                pure_nm3 = rate_nm3
                other = mv.asof(mv.point(st.code, "flow_mixed"), t)
                of0, _ = _to_0c_factor(mc, other.cfg, p_abs, t_c)
                mixed_nm3 = np.where(other.stale, np.nan, other.value * of0)
                xcheck = mixed_nm3 * ch4_pct / 100.0
        if needs_ch4:
            stale |= ch4.stale
            comp_flags |= ch4.flags & np.uint32(EXCLUDE_MASK)
        # nothing flows: the sample is 0 whatever the components say (no conversion needed), so a stopped unit's
        # pressure/CH4 sensors drifting out of range do not turn its stops into missing time
        zero = (counter_inc == 0.0) if meas.startswith("cumulative") else (c == 0.0)
        stale &= ~zero
        comp_flags = np.where(zero, np.uint32(0), comp_flags).astype(np.uint32)
        pure_nm3 = np.where(zero, 0.0, pure_nm3)
        if meas != "pure_flow":
            mixed_nm3 = np.where(zero, 0.0, mixed_nm3)
        flags = (pflags | comp_flags | np.where(stale, np.uint32(QaFlag.STALE_COMPONENT), 0)).astype(np.uint32)
        # predecessors within the station, the first from the previous partitions
        tail = station_tails.get(st.code)
        prev_ts_a = np.empty(n, np.int64)
        prev_ts_a[1:] = t[:-1]
        prev_pure = np.empty(n)
        prev_pure[1:] = pure_nm3[:-1]
        prev_mixed = np.empty(n)
        prev_mixed[1:] = mixed_nm3[:-1]
        prev_ch4 = np.empty(n)
        prev_ch4[1:] = ch4_pct[:-1]
        prev_fl = np.empty(n, np.uint32)
        prev_fl[1:] = flags[:-1]
        if tail is not None:
            prev_ts_a[0], prev_pure[0], prev_mixed[0] = tail.ts_us, tail.ch4_flow_nm3_min, tail.flow_mixed_nm3_min
            prev_ch4[0], prev_fl[0] = tail.ch4_pct, tail.flags
        else:
            prev_ts_a[0], prev_pure[0], prev_mixed[0], prev_ch4[0], prev_fl[0] = NO_TS, np.nan, np.nan, np.nan, 0
        gt = (good_tails or {}).get(st.code, {})
        for col_name in GOOD_COLUMNS:
            run_tails[col_name].append(None if tail is None else gt.get(col_name, (tail.ts_us, float("nan"))))
        keys.append((st.code, primary, meas, n))
        integrations.append(integration)
        for name, arr in (("ts", t), ("max_gap_s", mc.max_gap_s[k]), ("ch4_pct", ch4_pct),
                          ("flow_mixed_m3_min", flow_mixed_m3), ("flow_pure_m3_min", flow_pure_m3),
                          ("p_abs_kpa", p_abs), ("t_c", t_c), ("counter_inc_m3", counter_inc),
                          ("flow_mixed_nm3_min", mixed_nm3), ("ch4_flow_nm3_min", pure_nm3),
                          ("xcheck_ch4_flow_nm3_min", xcheck), ("flags", flags), ("prev_ts", prev_ts_a),
                          ("prev_ch4_flow_nm3_min", prev_pure), ("prev_flow_mixed_nm3_min", prev_mixed),
                          ("prev_ch4_pct", prev_ch4), ("prev_flags", prev_fl)):
            cols.setdefault(name, []).append(np.asarray(arr))
    if not keys:
        return ALIGNED_SCHEMA.empty_table()
    col_of: dict[str, npt.NDArray[Any]] = {name: np.concatenate(parts) for name, parts in cols.items()}
    counts = np.asarray([n for *_, n in keys], dtype=np.int64)
    starts = np.r_[0, np.cumsum(counts)].astype(np.int64)
    station_of_row = pa.array(np.repeat(np.arange(len(keys)), counts))
    total = int(starts[-1])
    t_all, flags_all = col_of["ts"], col_of["flags"].astype(np.uint32)
    no_prev = col_of["prev_ts"] == NO_TS
    good_cols: list[pa.Array] = []
    for col_name in GOOD_COLUMNS:  # last quality-assured value, one pass over every station's run
        vals = np.asarray(col_of[col_name], dtype=np.float64)
        g_ts, g_v = prev_good(t_all, vals, good_mask(flags_all, vals), starts, run_tails[col_name])
        good_cols += [_ts_arr(g_ts), pa.array(g_v, pa.float64(), mask=~np.isfinite(g_v))]

    def text(i: int) -> pa.Array:
        return pa.array([key[i] for key in keys], pa.string()).take(station_of_row)

    prev_pure, prev_mixed, prev_ch4 = (col_of["prev_ch4_flow_nm3_min"], col_of["prev_flow_mixed_nm3_min"],
                                       col_of["prev_ch4_pct"])
    return pa.Table.from_arrays([
        pa.repeat(pa.scalar(mine_code, pa.string()), total),
        text(0),
        pa.array(t_all, pa.int64()).cast(TS),
        text(1),
        text(2),
        pa.concat_arrays(integrations),
        pa.array(col_of["max_gap_s"], pa.float64()),
        *(_arr(col_of[name]) for name in ("ch4_pct", "flow_mixed_m3_min", "flow_pure_m3_min", "p_abs_kpa", "t_c",
                                     "counter_inc_m3", "flow_mixed_nm3_min", "ch4_flow_nm3_min",
                                     "xcheck_ch4_flow_nm3_min")),
        pa.array(flags_all, pa.uint32()),
        pa.array(col_of["prev_ts"], pa.int64(), mask=no_prev).cast(TS),
        pa.array(prev_pure, pa.float64(), mask=no_prev | ~np.isfinite(prev_pure)),
        pa.array(prev_mixed, pa.float64(), mask=no_prev | ~np.isfinite(prev_mixed)),
        pa.array(prev_ch4, pa.float64(), mask=no_prev | ~np.isfinite(prev_ch4)),
        pa.array(col_of["prev_flags"].astype(np.uint32), pa.uint32(), mask=no_prev),
        *good_cols,
    ], schema=ALIGNED_SCHEMA)


def good_tails_of(table: pa.Table, key: str, columns: dict[str, tuple[str, str]]
                  ) -> dict[str, dict[str, GoodTail]]:
    """Per key of a partition table (rows sorted by key, then time; or any order — the last time wins), the
    :data:`GoodTail` after its last row for each value column.

    Parameters
    ----------
    table : aligned samples or readings, with ``ts``, ``flags``, the value columns and their
        ``prev_good`` columns.
    key : ``station_code`` or ``point_code``.
    columns : value column → (its ``prev_good`` time column, its ``prev_good`` value column).

    A table written before the ``prev_good`` columns existed gives the last quality-assured row of the table
    itself, or (first row, NaN) when it has none (rebuild the store to get exact tails: ``minegas store rebuild``).
    """
    out: dict[str, dict[str, GoodTail]] = {}
    if table.num_rows == 0:
        return out
    ts = _ts(table.column("ts"))
    keys = table.column(key)
    keys = keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys
    if pa.types.is_dictionary(keys.type):
        keys = keys.cast(pa.string())
    enc = pc.dictionary_encode(keys)
    kidx = np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    names = enc.dictionary.to_pylist()
    order = np.lexsort((ts, kidx))
    k_s = kidx[order]
    last = np.flatnonzero(np.r_[k_s[1:] != k_s[:-1], True])
    first = np.r_[0, last[:-1] + 1]
    fl = _u32(table.column("flags"))
    for col, (gts_col, gv_col) in columns.items():
        v = _f64(table.column(col))
        ok = good_mask(fl, v)
        have = gts_col in table.column_names and gv_col in table.column_names
        if have:
            gts = _ts(table.column(gts_col))
            gv = _f64(table.column(gv_col))
        for a, b in zip(first.tolist(), last.tolist(), strict=True):
            r = int(order[b])
            name = str(names[int(k_s[b])])
            if have:
                tail = good_tail_at(int(ts[r]), float(v[r]), bool(ok[r]), int(gts[r]), float(gv[r]))
            else:
                rows = order[a:b + 1]
                good = rows[ok[rows]]
                tail = (int(ts[good[-1]]), float(v[good[-1]])) if good.size else (int(ts[rows[0]]), float("nan"))
            out.setdefault(name, {})[col] = tail
    return out


STATION_GOOD_COLUMNS = {c: (f"prev_good_ts_{c}", f"prev_good_{c}") for c in GOOD_COLUMNS}
"""Aligned value column → its ``prev_good`` columns."""


def station_tails_of(aligned: pa.Table) -> dict[str, tuple[int, int, int, StationTail]]:
    """Per station of an aligned partition: (n samples, first ts µs, last ts µs, last sample as a tail)."""
    out: dict[str, tuple[int, int, int, StationTail]] = {}
    if aligned.num_rows == 0:
        return out
    starts, codes = point_runs(aligned.column("station_code"))
    ts = _ts(aligned.column("ts"))
    pure = _f64(aligned.column("ch4_flow_nm3_min"))
    mixed = _f64(aligned.column("flow_mixed_nm3_min"))
    ch4 = _f64(aligned.column("ch4_pct"))
    fl = _u32(aligned.column("flags"))
    for i, code in enumerate(codes):
        a, b = int(starts[i]), int(starts[i + 1])
        j = b - 1
        out[code] = (b - a, int(ts[a]), int(ts[j]),
                     StationTail(int(ts[j]), float(pure[j]), float(mixed[j]), float(ch4[j]), int(fl[j])))
    return out
