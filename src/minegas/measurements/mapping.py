"""What ingest, the store and alignment need from the registry, and the QA flags that depend on it.

A :class:`Snapshot` is read once per ingest (or rebuild) from the registry: every point configuration interval
(:func:`minegas.registry.repository.point_configs_frame`), the stations with their primary measurement, the
mines' barometric pressures and the KJ CDDY ranges as received. From it:

- :func:`assign_configs` — for readings sorted by (point, time), the configuration interval valid at each reading
  (−1: none);
- :func:`compute_flags` — the QA flags of a partition's readings (docs/conventions.md §6): KJ status (low byte),
  NOT_NUMERIC, IMPOSSIBLE, OUT_OF_RANGE (registry range in the point's unit, and the CDDY range as received),
  FLATLINE, SPIKE, COUNTER_RESET, UNMAPPED, plus the *sticky* bits recorded at ingest (CLOCK_JUMP from the
  file's time, DUPLICATE_CONFLICT from the duplicate rule). Computed, never changing a raw value; a function of
  the partition's readings, their predecessors and the registry only, so an incremental store and one built
  from scratch agree bit for bit.
- :func:`resolve_wide` — the registry point of a canonical *wide* reading (station + column).

Context windows of the detectors (engineering choices, docs/store.md): FLATLINE runs are looked for within one
point and CST month (the partition), SPIKE's robust scale within one point and CST day. Cumulative (counter)
and ``state`` points and unmapped points get neither.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.orm import Session

from minegas.measurements.flags import (
    QaFlag,
    QaParams,
    flatline_flags,
    impossible_bounds,
    kj_status_flags,
    not_numeric_flags,
    range_flags,
    spike_flags,
)
from minegas.registry import vocab

U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

US_PER_S = 1_000_000
CST_OFFSET_US = 8 * 3600 * US_PER_S
"""China Standard Time = UTC + 8 h, no daylight saving (docs/conventions.md §4)."""
DAY_US = 86_400 * US_PER_S

STICKY_MASK = int(QaFlag.CLOCK_JUMP | QaFlag.DUPLICATE_CONFLICT)
"""Bits set at ingest time from facts not in the readings themselves (file time, duplicate history); kept when
flags are recomputed."""

PRIMARY_QUANTITY = {
    "pure_flow": "flow_pure",
    "mixed_flow_x_ch4": "flow_mixed",
    "cumulative_pure": "cumulative_pure",
    "cumulative_mixed": "cumulative_mixed",
    "air_flow_x_ch4": "air_flow",
}
"""Station primary measurement (registry vocabulary) → quantity of the point whose samples define the station's
aligned samples."""

_NO_CONTEXT_QUANTITIES = {*vocab.CUMULATIVE_QUANTITIES, "state", "energy_kwh", "heat_gj"}
"""Quantities without FLATLINE/SPIKE detection: counters and states legitimately hold still or step."""


@dataclass(frozen=True)
class MineConfigs:
    """The configuration intervals of one mine as NumPy columns (one entry per interval), sorted by
    (point_code, valid_from). Times are UTC epoch microseconds; ``valid_to_us`` is int64 max when open."""

    mine_code: str
    point_code: npt.NDArray[np.object_]
    station_code: npt.NDArray[np.object_]
    quantity: npt.NDArray[np.object_]
    unit: npt.NDArray[np.object_]
    valid_from_us: I64
    valid_to_us: I64
    unit_factor: F64
    unit_offset: F64
    scale: F64
    flow_basis: npt.NDArray[np.object_]
    ref_state: npt.NDArray[np.object_]
    pressure_kind: npt.NDArray[np.object_]
    max_gap_s: F64
    integration: npt.NDArray[np.object_]
    counter_reset: npt.NDArray[np.object_]
    counter_max: F64
    range_low: F64
    range_high: F64
    by_point: dict[str, list[int]]

    @property
    def n(self) -> int:
        return len(self.point_code)

    @cached_property
    def has_station(self) -> npt.NDArray[np.bool_]:
        """Per configuration: attached to a station."""
        return np.asarray([s is not None for s in self.station_code.tolist()], dtype=bool)

    @cached_property
    def is_working(self) -> npt.NDArray[np.bool_]:
        """Per configuration: ``flow_basis`` is ``working``."""
        return np.asarray([b == "working" for b in self.flow_basis.tolist()], dtype=bool)

    @cached_property
    def reference_to_0c(self) -> F64:
        """Per configuration: the factor from a ``reference`` meter's state (0C, 20C or 60F) to 0 °C /
        101.325 kPa (ideal gas); NaN for other bases or states."""
        from minegas.physics.states import convert_state

        out = np.full(self.n, np.nan)
        for k, (b, r) in enumerate(zip(self.flow_basis.tolist(), self.ref_state.tolist(), strict=True)):
            if b == "reference" and r in ("0C", "20C", "60F"):
                out[k] = float(convert_state(1.0, r, "0C"))
        return out

    @cached_property
    def pressure_kinds(self) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        """Per configuration: (``pressure_kind`` is ``absolute``, is ``gauge``)."""
        kinds = self.pressure_kind.tolist()
        return (np.asarray([k == "absolute" for k in kinds], dtype=bool),
                np.asarray([k == "gauge" for k in kinds], dtype=bool))

    @cached_property
    def impossible(self) -> tuple[F64, F64]:
        """Per configuration: the IMPOSSIBLE bounds of its quantity (:func:`~.flags.impossible_bounds`)."""
        return impossible_bounds(self.quantity)

    @cached_property
    def contextual(self) -> npt.NDArray[np.bool_]:
        """Per configuration: its quantity gets the FLATLINE/SPIKE detectors (not counters, states, energy)."""
        return ~np.isin(self.quantity, list(_NO_CONTEXT_QUANTITIES))

    @cached_property
    def is_counter(self) -> npt.NDArray[np.bool_]:
        """Per configuration: a cumulative (counter) quantity."""
        return np.isin(self.quantity, list(vocab.CUMULATIVE_QUANTITIES))

    @cached_property
    def integration_array(self) -> pa.Array:
        """``integration`` of each configuration as an Arrow string array (for takes)."""
        return pa.array(self.integration.tolist(), pa.string())


@dataclass(frozen=True)
class StationInfo:
    """A station as alignment needs it."""

    mine_code: str
    code: str
    primary_measurement: str
    role: str


@dataclass
class Snapshot:
    """Registry state used by ingest, the store and alignment (read once; plain data).

    Attributes
    ----------
    mines : mine code → barometric pressure [kPa] (None when not recorded) for every mine in the registry.
    configs : mine code → :class:`MineConfigs`.
    stations : mine code → its stations.
    kj_ranges : (mine, point) → (low, high) of the latest CDDY definition as received (None = not set).
    qa : detector thresholds.
    """

    mines: dict[str, float | None]
    configs: dict[str, MineConfigs]
    stations: dict[str, list[StationInfo]]
    kj_ranges: dict[tuple[str, str], tuple[float | None, float | None]] = field(default_factory=dict)
    qa: QaParams = field(default_factory=QaParams)

    def mine_configs(self, mine_code: str) -> MineConfigs:
        """The configurations of a mine (empty for a mine not in the registry)."""
        got = self.configs.get(mine_code)
        return got if got is not None else _empty_configs(mine_code)

    def known_point(self, mine_code: str, point_code: str) -> bool:
        """True if the registry has a configuration for the point (at any time)."""
        return point_code in self.mine_configs(mine_code).by_point


def _obj(values: Iterable[object]) -> npt.NDArray[np.object_]:
    return np.asarray(list(values), dtype=object)


def _f(values: Iterable[float | None]) -> F64:
    return np.asarray([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def _empty_configs(mine_code: str) -> MineConfigs:
    e = np.empty(0, dtype=object)
    f = np.empty(0, dtype=np.float64)
    i = np.empty(0, dtype=np.int64)
    return MineConfigs(mine_code, e, e, e, e, i, i, f, f, f, e, e, e, f, e, e, f, f, f, {})


def _ts_us(col: pa.ChunkedArray | pa.Array) -> I64:
    arr = col.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
    return np.asarray(arr.fill_null(np.iinfo(np.int64).max).to_numpy(zero_copy_only=False), dtype=np.int64)


def configs_from_frame(frame: pa.Table) -> dict[str, MineConfigs]:
    """Split a :data:`~minegas.registry.repository.POINT_CONFIG_SCHEMA` table into per-mine NumPy columns."""
    out: dict[str, MineConfigs] = {}
    if frame.num_rows == 0:
        return out
    frame = frame.sort_by([("mine_code", "ascending"), ("point_code", "ascending"), ("valid_from", "ascending")])
    mines = frame.column("mine_code").to_numpy(zero_copy_only=False)
    vf = _ts_us(frame.column("valid_from"))
    vt = _ts_us(frame.column("valid_to"))
    cols = {n: frame.column(n).to_pylist() for n in frame.column_names}
    for mine in dict.fromkeys(mines.tolist()):
        idx = np.flatnonzero(mines == mine)
        sl = slice(int(idx[0]), int(idx[-1]) + 1)

        def g(name: str, s: slice = sl) -> list[object]:
            return cols[name][s]

        pts = _obj(g("point_code"))
        by_point: dict[str, list[int]] = {}
        for k, p in enumerate(pts.tolist()):
            by_point.setdefault(p, []).append(k)
        out[mine] = MineConfigs(
            mine_code=mine, point_code=pts, station_code=_obj(g("station_code")), quantity=_obj(g("quantity")),
            unit=_obj(g("unit")), valid_from_us=vf[sl].copy(), valid_to_us=vt[sl].copy(),
            unit_factor=_f(g("unit_factor")),  # type: ignore[arg-type]
            unit_offset=np.nan_to_num(_f(g("unit_offset")), nan=0.0),  # type: ignore[arg-type]
            scale=_f(g("scale")),  # type: ignore[arg-type]
            flow_basis=_obj(g("flow_basis")), ref_state=_obj(g("ref_state")), pressure_kind=_obj(g("pressure_kind")),
            max_gap_s=_f(g("max_gap_s")),  # type: ignore[arg-type]
            integration=_obj(g("integration")), counter_reset=_obj(g("counter_reset")),
            counter_max=_f(g("counter_max")),  # type: ignore[arg-type]
            range_low=_f(g("range_low")), range_high=_f(g("range_high")),  # type: ignore[arg-type]
            by_point=by_point,
        )
    return out


def load_snapshot(session: Session, qa: QaParams | None = None) -> Snapshot:
    """Read the registry state ingest needs (every mine; the registry is small next to the readings).

    Parameters
    ----------
    session : an open registry session (:func:`minegas.registry.db.session_scope`).
    qa : detector thresholds (default :class:`~minegas.measurements.flags.QaParams`).
    """
    from minegas.registry.models import Mine, Station
    from minegas.registry.repository import point_configs_frame
    from minegas.registry.store_models import KjPointDef

    mines = {code: baro for code, baro in session.execute(sa.select(Mine.code, Mine.barometric_kpa))}
    stations: dict[str, list[StationInfo]] = {}
    q = (sa.select(Mine.code, Station.code, Station.primary_measurement, Station.role)
         .join(Mine, Station.mine_id == Mine.id).order_by(Mine.code, Station.code))
    for mc, sc, prim, role in session.execute(q):
        stations.setdefault(mc, []).append(StationInfo(mc, sc, prim, role))
    kj: dict[tuple[str, str], tuple[float | None, float | None]] = {}
    for mc, pt, lo, hi in session.execute(sa.select(KjPointDef.mine_code, KjPointDef.point_code,
                                                    KjPointDef.range_low, KjPointDef.range_high)):
        kj[(mc, pt)] = (lo, hi)
    return Snapshot(mines=mines, configs=configs_from_frame(point_configs_frame(session)), stations=stations,
                    kj_ranges=kj, qa=qa or QaParams())


# --- per-row configuration ----------------------------------------------------------------------------------------


def point_runs(point_code: pa.ChunkedArray | pa.Array) -> tuple[I64, list[str]]:
    """Start offsets of the runs of equal point codes (rows sorted by point) and the code of each run.

    Returns ``(starts, codes)`` with ``starts`` of length ``len(codes) + 1`` (the last entry = number of rows).
    """
    n = len(point_code)
    if n == 0:
        return np.zeros(1, dtype=np.int64), []
    col = point_code.combine_chunks() if isinstance(point_code, pa.ChunkedArray) else point_code
    if pa.types.is_dictionary(col.type):
        col = col.cast(pa.string())
    if col.null_count == 0:  # adjacent comparison: no hashing
        diff = pc.not_equal(col.slice(1), col.slice(0, n - 1))
        change = np.flatnonzero(np.asarray(diff.to_numpy(zero_copy_only=False), dtype=bool)) + 1
        starts = np.concatenate([[0], change, [n]]).astype(np.int64)
        return starts, col.take(pa.array(starts[:-1])).to_pylist()
    enc = pc.dictionary_encode(col)
    idx = enc.indices.to_numpy(zero_copy_only=False)
    change = np.flatnonzero(idx[1:] != idx[:-1]) + 1
    starts = np.concatenate([[0], change, [n]]).astype(np.int64)
    dictionary = enc.dictionary.to_pylist()
    codes = [dictionary[int(idx[s])] for s in starts[:-1]]
    return starts, codes


def assign_configs(mc: MineConfigs, starts: I64, codes: list[str], ts_us: I64) -> I64:
    """Index (into ``mc``) of the configuration valid at each reading; −1 where none is.

    Rows must be sorted by (point, ts); ``starts``/``codes`` from :func:`point_runs`. One NumPy search per
    configuration interval, none per reading.
    """
    out = np.full(len(ts_us), -1, dtype=np.int64)
    for r, code in enumerate(codes):
        cfgs = mc.by_point.get(code)
        if not cfgs:
            continue
        a, b = int(starts[r]), int(starts[r + 1])
        t = ts_us[a:b]
        for k in cfgs:
            lo = int(np.searchsorted(t, mc.valid_from_us[k], side="left"))
            hi = int(np.searchsorted(t, mc.valid_to_us[k], side="left"))
            out[a + lo:a + hi] = k
    return out


def pick(column: npt.NDArray[np.object_], cfg: I64) -> npt.NDArray[np.object_]:
    """A text column of the configurations at each row (None where ``cfg`` is −1)."""
    out = np.full(len(cfg), None, dtype=object)
    ok = cfg >= 0
    if ok.any():
        out[ok] = column[cfg[ok]]
    return out


def config_at(mc: MineConfigs, point_code: str, ts_us: int) -> int:
    """Index of the configuration of ``point_code`` valid at one instant (−1: none)."""
    for k in mc.by_point.get(point_code, []):
        if mc.valid_from_us[k] <= ts_us < mc.valid_to_us[k]:
            return k
    return -1


def canonical_values(mc: MineConfigs, cfg: I64, raw: F64) -> F64:
    """``raw × scale × unit_factor + unit_offset`` with each row's configuration (NaN where none,
    docs/registry.md "point_configs")."""
    ok = cfg >= 0
    out = np.full(len(raw), np.nan)
    if mc.n == 0 or not ok.any():
        return out
    k = cfg[ok]
    out[ok] = raw[ok] * mc.scale[k] * mc.unit_factor[k] + mc.unit_offset[k]
    return out


# --- QA flags ------------------------------------------------------------------------------------------------------


def _groups_by_day(starts: I64, ts_us: I64) -> I64:
    """Group ids constant within (point run, CST day), increasing in row order."""
    n = len(ts_us)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    day = (ts_us + CST_OFFSET_US) // DAY_US
    new = np.zeros(n, dtype=bool)
    new[0] = True
    new[1:] = day[1:] != day[:-1]
    new[starts[:-1]] = True
    return np.cumsum(new) - 1


def _point_groups(starts: I64, n: int) -> I64:
    g = np.zeros(n, dtype=np.int64)
    if n:
        g[starts[1:-1]] = 1
        g = np.cumsum(g)
    return g


def compute_flags(mine_code: str, point_code: pa.ChunkedArray | pa.Array, ts_us: I64, value: F64,
                  kj_status: npt.ArrayLike, prev_value: F64, sticky: U32, snap: Snapshot, *,
                  runs: tuple[I64, list[str]] | None = None) -> U32:
    """QA flags of one partition's readings, sorted by (point, ts) (see the module docstring).

    Parameters
    ----------
    mine_code : the partition's mine.
    point_code, ts_us, value, kj_status : the readings (raw values; times as UTC epoch µs).
    prev_value : raw value of each reading's predecessor (NaN for none / not numeric).
    sticky : the CLOCK_JUMP / DUPLICATE_CONFLICT bits to keep (other bits are ignored).
    snap : registry snapshot.
    runs : :func:`point_runs` of ``point_code`` when the caller has them already.

    Returns
    -------
    uint32 flags, one per reading.
    """
    n = len(ts_us)
    flags = kj_status_flags(kj_status) | not_numeric_flags(value) | (np.asarray(sticky, np.uint32)
                                                                     & np.uint32(STICKY_MASK))
    if n == 0:
        return flags.astype(np.uint32)
    mc = snap.mine_configs(mine_code)
    starts, codes = runs if runs is not None else point_runs(point_code)
    cfg = assign_configs(mc, starts, codes, ts_us)
    mapped = cfg >= 0
    if mc.n:
        mapped &= mc.has_station[np.where(mapped, cfg, 0)]
    flags |= np.where(mapped, 0, np.uint32(QaFlag.UNMAPPED)).astype(np.uint32)
    has_cfg = cfg >= 0
    if has_cfg.any():
        k = np.where(has_cfg, cfg, 0)
        canon = canonical_values(mc, cfg, value)
        # per configuration, then indexed per row (no per-row string comparisons)
        imp_low, imp_high = mc.impossible
        with np.errstate(invalid="ignore"):
            impossible = has_cfg & ((canon < imp_low[k]) | (canon > imp_high[k]))  # impossible_flags' rule
            flags |= np.where(impossible, np.uint32(QaFlag.IMPOSSIBLE), np.uint32(0)).astype(np.uint32)
            in_unit = value * np.where(has_cfg, mc.scale[k], np.nan)
            flags |= np.where(has_cfg, range_flags(in_unit, np.where(has_cfg, mc.range_low[k], np.nan),
                                                   np.where(has_cfg, mc.range_high[k], np.nan)), 0).astype(np.uint32)
        contextual = has_cfg & mc.contextual[k]
        if contextual.any():
            ts_s = ts_us.astype(np.float64) / US_PER_S
            v_ctx = np.where(contextual, value, np.nan)
            fl = flatline_flags(_point_groups(starts, n), ts_s, v_ctx, snap.qa)
            sp = spike_flags(_groups_by_day(starts, ts_us), v_ctx, snap.qa)
            flags |= np.where(contextual, fl | sp, 0).astype(np.uint32)
        is_counter = has_cfg & mc.is_counter[k]
        with np.errstate(invalid="ignore"):
            down = is_counter & (value < prev_value)
        flags |= np.where(down, np.uint32(QaFlag.COUNTER_RESET), 0).astype(np.uint32)
    # CDDY range as received (raw units of the KJ file)
    if snap.kj_ranges:
        lo = np.full(n, np.nan)
        hi = np.full(n, np.nan)
        any_def = False
        for r, code in enumerate(codes):
            rng = snap.kj_ranges.get((mine_code, code))
            if rng is None:
                continue
            any_def = True
            a, b = int(starts[r]), int(starts[r + 1])
            lo[a:b] = np.nan if rng[0] is None else rng[0]
            hi[a:b] = np.nan if rng[1] is None else rng[1]
        if any_def:
            flags |= range_flags(value, lo, hi)
    return flags.astype(np.uint32)


# --- canonical wide files -------------------------------------------------------------------------------------------

_WIDE_RULES: dict[str, tuple[tuple[str, ...], str | None, str | None, str]] = {
    # column: (quantities, flow basis, ref state, unit the column declares)
    "ch4_pct": (("ch4_pct",), None, None, "%"),
    "flow_m3_min": (("flow_mixed", "air_flow"), None, None, "m³/min"),
    "flow_m3_min_work": (("flow_mixed", "air_flow"), "working", None, "m³/min"),
    "flow_nm3_min": (("flow_mixed", "air_flow"), "reference", "0C", "m³/min"),
    "flow_m3_min_20c": (("flow_mixed", "air_flow"), "reference", "20C", "m³/min"),
    "pressure_kpa": (("pressure",), None, None, "kPa"),
    "temperature_c": (("temperature",), None, None, "°C"),
    "cumulative_m3": (("cumulative_mixed", "cumulative_pure"), None, None, "m³"),
    "cumulative_m3_work": (("cumulative_mixed", "cumulative_pure"), "working", None, "m³"),
    "cumulative_nm3": (("cumulative_mixed", "cumulative_pure"), "reference", "0C", "m³"),
    "cumulative_m3_20c": (("cumulative_mixed", "cumulative_pure"), "reference", "20C", "m³"),
}
"""How a canonical wide column finds its registry point at a station (docs/formats.md §3, docs/store.md)."""

_UNIT_ALIASES = {"Nm³/min": "m³/min"}


def wide_pseudo_code(station_code: str, column: str) -> str:
    """Point code under which an unresolved wide reading is stored: ``<station>/<column>`` (a ``/`` never occurs
    in registry codes, so it cannot collide with a real point)."""
    return f"{station_code}/{column}"


def resolve_wide(snap: Snapshot, mine_code: str, station_code: str, column: str) -> tuple[str | None, str]:
    """The registry point of wide readings of ``column`` at ``station_code``.

    A point resolves when exactly one point of the station has a fitting quantity, every configuration of it has
    the basis the column names (any basis for ``flow_m3_min``/``cumulative_m3``), the column's unit (after
    normalisation) and ``scale`` 1. Anything else is not guessed: the readings are stored under
    :func:`wide_pseudo_code` and flagged UNMAPPED.

    Returns
    -------
    (point code or None, reason when None).
    """
    rule = _WIDE_RULES.get(column)
    if rule is None:
        return None, f"unknown wide column {column!r}"
    quantities, basis, ref, unit = rule
    mc = snap.mine_configs(mine_code)
    cands: dict[str, list[int]] = {}
    for k in range(mc.n):
        if mc.station_code[k] == station_code and mc.quantity[k] in quantities:
            cands.setdefault(str(mc.point_code[k]), []).append(k)
    if not cands:
        return None, f"no point of quantity {'/'.join(quantities)} at station {station_code}"
    fitting = []
    for p, ks in cands.items():
        ok = True
        for k in ks:
            if basis is not None and (mc.flow_basis[k] != basis or (ref is not None and mc.ref_state[k] != ref)):
                ok = False
            if not ok:
                break
        if ok:
            fitting.append(p)
    if len(fitting) != 1:
        return None, (f"{len(fitting)} points of station {station_code} fit column {column}" if fitting else
                      f"no point of station {station_code} has the basis column {column} declares")
    p = fitting[0]
    for k in cands[p]:
        canonical = vocab.QUANTITY_UNITS.get(str(mc.quantity[k]))
        fits = (canonical is not None and mc.unit_factor[k] == 1.0 and mc.unit_offset[k] == 0.0
                and _UNIT_ALIASES.get(canonical[1], canonical[1]) == unit and mc.scale[k] == 1.0)
        if not fits:
            return None, (f"point {p} is configured in {mc.unit[k] or '?'} (scale {mc.scale[k]:g}), the column is "
                          f"in {unit}; convert the file to the registry unit or ingest a long file")
    return p, ""
