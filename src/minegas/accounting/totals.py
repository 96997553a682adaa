"""Station-day and point-day totals: the integration hot path (docs/architecture.md "Integration hot path",
docs/store.md "Totals").

Every stored row carries its predecessor (``prev_ts``, ``prev_*``), so a per-day total is **one scan and one
group-by, no window function**, written once with Ibis and run on DuckDB (default, over the manifest's Parquet
files) or PySpark (any Ibis backend connection):

- a *segment* runs from ``prev_ts`` to ``ts``; it is integrated if both ends pass the QA mask
  (:data:`~minegas.measurements.flags.EXCLUDE_MASK`), both values are present and ``ts − prev_ts ≤ max_gap_s``;
  otherwise its time is a gap (missing);
- rule per row: ``trapezoid`` (linear between the ends), ``hold`` (the earlier value holds) or, for counter
  stations, ``increment`` (the row's own rate holds over the segment it ends: the counter increment);
- days are cut in China Standard Time (UTC+8, a fixed offset on every engine). Because ``max_gap_s ≤ 86 400 s``
  (registry), an integrated segment crosses at most one day boundary ``b``: each row yields ``area_own`` (the part
  in the day of ``ts``) and ``area_prev`` (the part before ``b``; trapezoid: the value at ``b`` linearly
  interpolated). Day totals = Σ ``area_own`` by (key, day of ``ts``) + Σ ``area_prev`` of the next day's rows;
- months, quarters and years are sums of days (:func:`aggregate_periods`): days nest exactly.

Outputs per key and day: the integral [value·s] (pure CH4 Nm³ = ∫ ch4_flow_nm3_min dt / 60), ``measured_s``,
``missing_s`` = 86 400 − ``measured_s`` (gaps, excluded readings and time before the first / after the last
reading — the semantics of :mod:`minegas.accounting.reference_integration`), time-weighted means and the number
of samples. Times are integrated at whole-second resolution (sub-second parts are floored on both engines).

**Gap rules** (:mod:`minegas.accounting.gaps`, chosen per methodology): ``exclude`` (the default and the hot path
above) leaves gaps missing. ``epa_98_325`` and ``conservative`` fill each gap with one constant,
``rule.substitute(before, after)``, where *before* is the last quality-assured value before the gap and *after*
the first after it — the semantics of :mod:`minegas.accounting.reference_integration`. Still one scan: each row
carries ``prev_good_ts``/``prev_good_*`` (the last quality-assured sample before it, or the series' first sample
when there is none; :func:`minegas.measurements.align.prev_good`), so the quality-assured row that *ends* a gap
yields the gap's whole interval ``[prev_good_ts, ts]`` and its value; the series' last row, when not
quality-assured, yields the trailing gap (filled only by rules with a one-sided value). A gap may span many days:
its interval is cut into days by a join with the (small) table of the period's days. A gap still open at the end
of the scanned window is closed by rows fetched from later partitions (:func:`lookahead_rows`); its part inside
the period is then exact as well. Counter (``increment``) series are not substituted: their gap time stays
missing. Every output says how many seconds were measured, substituted and missing.

Engine notes: timestamps become whole seconds since the epoch (DuckDB ``epoch``, Spark ``unix_timestamp``;
a DuckDB session must be in UTC, :func:`connect_duckdb` sets it — ``date_diff`` on time-zone-aware timestamps
is ~35× slower in DuckDB); NaN never enters an area (rows whose value is not numeric carry an excluding flag,
and areas of excluded rows are replaced, not multiplied, by 0); divisions are guarded with ``nullif`` (Spark 4
runs in ANSI mode, where dividing by zero is an error).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.datatypes as dt
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from minegas.accounting.gaps import EXCLUDE, GapRule
from minegas.errors import InputError, Problem
from minegas.measurements.flags import EXCLUDE_MASK
from minegas.periods import CST, Period, parse_period
from minegas.registry.vocab import CUMULATIVE_QUANTITIES

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from minegas.measurements.store import Store

DAY_S_INT = 86_400
CST_OFFSET_S = 8 * 3_600
DAY_S = 86_400.0
_EPOCH_DATE = date(1970, 1, 1)

FIXED_SCALE = 1e9
"""Per-row areas are summed as integers of 1e-9 value·s (``round(area × 1e9)`` as DECIMAL(38, 0)): exact and
independent of the order an engine adds rows in, so DuckDB and Spark agree to the bit. The rounding error of a
row is ≤ 5e-10 value·s (below double precision for areas above ~1e6)."""
EXACT = dt.Decimal(38, 0)

STATION_VALUES = ("ch4_flow_nm3_min", "flow_mixed_nm3_min", "ch4_pct")
"""Aligned columns integrated per station and day (the first counts; the others give means and cross-checks)."""


# --- engines and tables ---------------------------------------------------------------------------------------


def connect_duckdb(threads: int | None = None) -> Any:
    """An in-memory DuckDB Ibis connection (the default engine), session time zone UTC."""
    con = ibis.duckdb.connect()
    con.raw_sql("SET TimeZone = 'UTC'")
    if threads is not None:
        con.raw_sql(f"SET threads TO {int(threads)}")
    return con


def parquet_table(con: Any, paths: Sequence[str], name: str | None = None) -> ir.Table:
    """Register Parquet files (the manifest's list) as one table on an Ibis connection.

    DuckDB: ``read_parquet(list)``; PySpark: ``spark.read.parquet(*paths)`` registered as a temporary view (the
    Ibis PySpark reader takes one path only). Other backends: ``con.read_parquet`` with the list.

    Raises
    ------
    InputError
        When ``paths`` is empty (nothing stored for the selection).
    """
    if not paths:
        raise InputError("no data", [Problem("the store has no files for this selection", field="store",
                                             fix="ingest data first (minegas ingest) or widen the selection")])
    backend = getattr(con, "name", "")
    if backend == "pyspark":
        session = con._session
        view = name or f"minegas_{abs(hash(tuple(paths))) % 10**12}"
        session.read.parquet(*paths).createOrReplaceTempView(view)
        return con.table(view)
    return con.read_parquet(list(paths), table_name=name) if name else con.read_parquet(list(paths))


def _months_for(start_day: date, end_day: date) -> list[str]:
    """CST months touched by [start_day, end_day + 1 day] (the next day's first rows close the last day)."""
    out, d = [], date(start_day.year, start_day.month, 1)
    last = end_day + timedelta(days=1)
    while d <= last:
        out.append(f"{d:%Y-%m}")
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


def store_table(con: Any, store: Store, dataset: str, start_day: date, end_day: date,
                mine_codes: list[str] | None = None) -> ir.Table:
    """The store's ``readings`` or ``aligned`` files covering [start_day, end_day] (CST days, plus the next day)
    of some mines, as an Ibis table on ``con``."""
    return parquet_table(con, store.paths(dataset, mine_codes, _months_for(start_day, end_day)))


# --- the expression -------------------------------------------------------------------------------------------


@ibis.udf.scalar.builtin(name="epoch_us")
def _epoch_us(x: dt.Timestamp(timezone="UTC")) -> dt.int64:  # type: ignore[valid-type]
    """DuckDB's ``epoch_us`` (microseconds since the epoch of a TIMESTAMPTZ, no cast)."""


def _backend_name(e: ir.Expr) -> str:
    """The backend an expression is bound to (``duckdb`` for unbound in-memory tables, Ibis's default)."""
    try:
        return str(e._find_backend(use_default=True).name)
    except Exception:  # pragma: no cover - an expression over tables of several backends
        return ""


def _seconds(col: ir.TimestampValue) -> ir.IntegerValue:
    """Whole seconds since the epoch (floored). DuckDB: ``epoch_us(ts) // 10⁶`` — Ibis's ``epoch_seconds``
    compiles to ``epoch(CAST(ts AS TIMESTAMP))``, and that cast of a TIMESTAMPTZ goes through the ICU time-zone
    code: 6× slower, and it sat in the configuration join and the window filter (it made point-day totals ~15×
    slower than a bare scan). Spark: ``unix_timestamp`` (whole seconds). Both independent of the calendar once
    the DuckDB session is in UTC (:func:`connect_duckdb`)."""
    if _backend_name(col) == "duckdb":
        return _epoch_us(col) // 1_000_000
    return col.epoch_seconds().floor().cast("int64")


def _fixed(x: ir.FloatingValue) -> ir.DecimalValue:
    """Area as an exact integer number of 1e-9 units (IEEE multiply and round-half-away-from-zero are the same
    on both engines; the conversion of an integer-valued double to DECIMAL is exact)."""
    return (x * FIXED_SCALE).cast(EXACT)


def day_index(d: date) -> int:
    """Days since 1970-01-01 of a CST calendar day."""
    return (d - _EPOCH_DATE).days


def _gap_rule(rule: GapRule | str | None) -> GapRule:
    """A :class:`~minegas.accounting.gaps.GapRule` from a rule or its name (None: ``exclude``)."""
    if rule is None:
        return EXCLUDE
    return rule if isinstance(rule, GapRule) else GapRule(rule)  # type: ignore[arg-type]


def _substitute(rule: GapRule, before: ir.FloatingValue, after: ir.FloatingValue | None) -> ir.FloatingValue:
    """:meth:`GapRule.substitute` as an expression: ``before`` may be null (no quality-assured value before the
    gap); ``after`` None is a trailing gap (no value after it). Null: the gap stays missing."""
    null = ibis.null().cast("float64")
    if after is None:
        if rule.name == "conservative" or (rule.name == "epa_98_325" and rule.trailing == "last_before"):
            return before
        return null
    if rule.name == "epa_98_325":
        # 40 CFR 98.325: mean of the values before and after; the first value after if none before
        return ibis.cases((before.notnull(), (before + after) / 2.0), else_=after)
    pick = ibis.greatest(before, after) if rule.direction == "emission" else ibis.least(before, after)
    return ibis.cases((before.notnull(), pick), else_=after)


def _pieces(base: ir.Table, keys: list[str], vc: str, good: tuple[str, str], gap: GapRule,
            own_ok: ir.BooleanValue, measured: ir.BooleanValue) -> ir.Table:
    """Gap pieces of one value: every quality-assured row whose segment is not measured ends a gap that began at
    its ``prev_good`` time; the series' last row, when not quality-assured, ends the trailing gap. Columns: keys,
    ``_p0``/``_p1`` (gap start/end, epoch s), ``_sv`` (substitute; null: stays missing), ``_before``/``_after``
    (the quality-assured values around the gap), ``_prev_flags`` (flags of the last bad sample), ``_closing``."""
    tm = base._tm
    r = base.integration if "integration" in base.columns else ibis.literal("trapezoid")
    pg_col, pgv_col = good
    v, pgv = base[vc], base[pgv_col]
    pg = _seconds(base[pg_col])
    ok_i = own_ok & v.notnull()
    usable = (r != "increment") & pg.notnull() & (pg < tm)
    closing = usable & ok_i & ~measured
    trailing = usable & ~ok_i & (tm == base._last)
    null = ibis.null().cast("float64")
    sub = ibis.cases((closing, _substitute(gap, pgv, v)), (trailing, _substitute(gap, pgv, None)), else_=null)
    return base.filter(closing | trailing).select(
        *keys, _p0=pg, _p1=tm, _sv=sub, _before=pgv, _after=ibis.cases((closing, v), else_=null),
        _prev_flags=base.prev_flags.cast("int64"), _closing=closing)


def _rows(t: ir.Table, keys: list[str], max_gap: str, start_idx: int, end_idx: int, *, extra: ir.Table | None,
          window: bool, lasts: bool) -> tuple[ir.Table, ir.BooleanValue, ir.BooleanValue]:
    """The scanned rows (window [period start, period end + 1 day) ∪ extra) with whole-second times ``_tm``/``_pm``,
    optionally each key's last time ``_last``; plus the row's own QA test and the segment test."""
    lo = start_idx * DAY_S_INT - CST_OFFSET_S
    hi = (end_idx + 2) * DAY_S_INT - CST_OFFSET_S
    base = t
    if window:
        tm0 = _seconds(t.ts)
        base = t.filter((tm0 >= lo) & (tm0 < hi))
    if extra is not None:
        base = base.union(extra, distinct=False)
    base = base.mutate(_tm=_seconds(base.ts), _pm=_seconds(base.prev_ts))
    if lasts:
        last = base.group_by(keys).aggregate(_last=base._tm.max())
        base = base.join(last, keys)
    tm, pm = base._tm, base._pm
    mask = ibis.literal(EXCLUDE_MASK, "int64")
    own_ok = (base.flags.cast("int64") & mask) == 0
    flags_ok = own_ok & ((base.prev_flags.cast("int64").fill_null(0) & mask) == 0)
    seg_ok = base.prev_ts.notnull() & flags_ok & ((tm - pm).cast("float64") <= base[max_gap])
    return base, own_ok, seg_ok


def _measured(base: ir.Table, seg_ok: ir.BooleanValue, vc: str, pvc: str) -> ir.BooleanValue:
    v, pv = base[vc], base[pvc]
    return seg_ok & ibis.cases((base.integration == "increment", v.notnull()), else_=v.notnull() & pv.notnull())


def gap_pieces_expr(t: ir.Table, keys: list[str], value: tuple[str, str], good: tuple[str, str], gap: GapRule,
                    start_day: date, end_day: date, *, extra: ir.Table | None = None, window: bool = True
                    ) -> ir.Table:
    """Every gap of one value touching the scanned window, with its substitute (see :func:`_pieces`)."""
    base, own_ok, seg_ok = _rows(t, keys, "max_gap_s", day_index(start_day), day_index(end_day), extra=extra,
                                 window=window, lasts=True)
    return _pieces(base, keys, value[0], good, gap, own_ok, _measured(base, seg_ok, *value))


def _segment_parts(t: ir.Table, keys: list[str], values: dict[str, tuple[str, str]], rule: str, max_gap: str,
                   start_idx: int, end_idx: int, *, gap: GapRule = EXCLUDE,
                   good: dict[str, tuple[str, str]] | None = None, extra: ir.Table | None = None,
                   window: bool = True) -> ir.Table:
    """One scan, one group-by: each row's own part (in the day of ``ts``) and previous-day part (before the
    midnight its segment crosses) of every value, summed per (keys, day of ``ts``) — the previous-day sums
    (``<value>_prev_*``) belong to the day before and are moved there by :func:`_finish`. With a substituting
    ``gap`` rule, also the gap pieces (``good``: value name → (prev_good time column, prev_good value column)), cut
    into days; ``extra`` rows (fetched beyond the window, same columns as ``t``) only close gaps.

    Rows of ``day_idx`` in [start_idx, end_idx + 1] are returned (the day after the period carries the previous-day
    parts of the period's last day)."""
    subst = gap.substitutes and good is not None
    base, own_ok, seg_ok = _rows(t, keys, max_gap, start_idx, end_idx, extra=extra, window=window, lasts=subst)
    # the per-row quantities every value shares, computed once (one projection: each expression appears once in
    # the plan instead of inside every area's CASE)
    tm0, pm0 = base._tm, base._pm
    day0 = (tm0 + CST_OFFSET_S) // DAY_S_INT
    b0 = day0 * DAY_S_INT - CST_OFFSET_S
    r0 = base[rule]
    shared = {"_day": day0, "_b": b0, "_cross": pm0 < b0, "_own_i": tm0 - ibis.greatest(pm0, b0),
              "_prev_i": b0 - pm0, "_frac": (b0 - pm0).cast("float64") / (tm0 - pm0).cast("float64").nullif(0.0),
              "_rule": ibis.cases((r0 == "trapezoid", 0), (r0 == "increment", 2), else_=1),
              "_seg_ok": seg_ok, "_own_ok": own_ok}
    base = base.mutate(**shared)
    day, cross, frac = base._day, base._cross, base._frac
    own_i, prev_i = base._own_i, base._prev_i
    own_s = own_i.cast("float64")
    prev_s = prev_i.cast("float64")
    r = base._rule
    seg_ok, own_ok = base._seg_ok, base._own_ok
    zero = ibis.literal(0.0)
    zero_i = ibis.literal(0, "int64")
    cols: dict[str, ir.Value] = {k: base[k] for k in keys}
    cols["day_idx"] = day
    measured: dict[str, ir.BooleanValue] = {}
    for name, (vc, pvc) in values.items():
        v, pv = base[vc], base[pvc]
        ok = seg_ok & ibis.cases((r == 2, v.notnull()), else_=v.notnull() & pv.notnull())
        measured[name] = ok
        vb = pv + (v - pv) * frac
        trap_own = ibis.cases((cross, (vb + v) / 2.0 * own_s), else_=(pv + v) / 2.0 * own_s)
        trap_prev = (pv + vb) / 2.0 * prev_s
        own = ibis.cases((r == 0, trap_own), (r == 2, v * own_s), else_=pv * own_s)
        prv = ibis.cases((r == 0, trap_prev), (r == 2, v * prev_s), else_=pv * prev_s)
        cols[f"{name}_integral"] = ibis.cases((ok, own), else_=zero)
        cols[f"{name}_measured_s"] = ibis.cases((ok, own_i), else_=zero_i)
        cols[f"{name}_prev_integral"] = ibis.cases((ok & cross, prv), else_=zero)
        cols[f"{name}_prev_measured_s"] = ibis.cases((ok & cross, prev_i), else_=zero_i)
        if subst:
            cols[f"{name}_substituted_integral"] = zero
            cols[f"{name}_substituted_s"] = zero_i
    cols["samples"] = ibis.literal(1, "int64")
    both_t = base.select(**cols)
    if subst:
        assert good is not None
        days = ibis.memtable(pa.table({"_d": pa.array(range(start_idx, end_idx + 1), pa.int64())}))
        for name, (vc, _) in values.items():
            if name not in good:
                continue
            pieces = _pieces(base, keys, vc, good[name], gap, own_ok, measured[name]).filter(
                lambda x: x._sv.notnull())
            d0 = days._d * DAY_S_INT - CST_OFFSET_S
            j = pieces.join(days, [pieces._p0 < d0 + DAY_S_INT, pieces._p1 > d0])
            overlap_i = (ibis.least(j._p1, j._d * DAY_S_INT - CST_OFFSET_S + DAY_S_INT)
                         - ibis.greatest(j._p0, j._d * DAY_S_INT - CST_OFFSET_S))
            sel: dict[str, ir.Value] = {k: j[k] for k in keys}
            sel["day_idx"] = j._d
            for other in values:
                for part in ("integral", "prev_integral"):
                    sel[f"{other}_{part}"] = zero
                for part in ("measured_s", "prev_measured_s"):
                    sel[f"{other}_{part}"] = zero_i
                sel[f"{other}_substituted_integral"] = (j._sv * overlap_i.cast("float64")) if other == name else zero
                sel[f"{other}_substituted_s"] = overlap_i if other == name else zero_i
            sel["samples"] = ibis.literal(0, "int64")
            both_t = both_t.union(j.select(**sel), distinct=False)
    aggs: dict[str, ir.Value] = {}
    parts = ["integral", "measured_s", "prev_integral", "prev_measured_s"]
    if subst:
        parts += ["substituted_integral", "substituted_s"]
    for name in values:
        # exact sums — decimals of 1e-9 units for areas, integers for seconds: the same result whatever order an
        # engine adds the rows in
        for part in parts:
            col = both_t[f"{name}_{part}"]
            aggs[f"{name}_{part}"] = (col.sum() if part.endswith("_s") else _fixed(col).sum())
    aggs["samples"] = both_t.samples.sum()
    out = both_t.group_by([*keys, "day_idx"]).aggregate(**aggs)
    return out.filter((out.day_idx >= start_idx) & (out.day_idx <= end_idx + 1))


STATION_GOOD = {n: (f"prev_good_ts_{n}", f"prev_good_{n}") for n in STATION_VALUES}
"""Station value → its stored ``prev_good`` columns (:data:`minegas.measurements.align.ALIGNED_SCHEMA`)."""

STATION_COLUMNS = ("mine_code", "station_code", "ts", "prev_ts", "flags", "prev_flags", "integration", "max_gap_s",
                   *STATION_VALUES, *(f"prev_{n}" for n in STATION_VALUES),
                   *(c for pair in STATION_GOOD.values() for c in pair))
"""Aligned columns the station expression reads (``extra`` rows must have exactly these)."""

READING_COLUMNS = ("mine_code", "point_code", "ts", "value", "flags", "prev_ts", "prev_value", "prev_flags",
                   "prev_good_ts", "prev_good_value")
"""Readings columns the point expression reads."""


def station_day_expr(aligned: ir.Table, start_day: date, end_day: date, *, gap_rule: GapRule | str | None = None,
                     extra: ir.Table | None = None, lookahead: bool = True) -> ir.Table:
    """Ibis expression of station-day totals over aligned samples (see :func:`station_day_totals`)."""
    values = {n: (n, f"prev_{n}") for n in STATION_VALUES}
    rule = _gap_rule(gap_rule)
    if not rule.substitutes:
        return _segment_parts(aligned, ["mine_code", "station_code"], values, "integration", "max_gap_s",
                              day_index(start_day), day_index(end_day))
    t = _cast_int_flags(aligned.select(*STATION_COLUMNS))
    if extra is None and lookahead:
        extra = table_lookahead(t, "station_code", {n: n for n in STATION_VALUES}, start_day, end_day)
    return _segment_parts(t, ["mine_code", "station_code"], values, "integration", "max_gap_s",
                          day_index(start_day), day_index(end_day), gap=rule, good=STATION_GOOD,
                          extra=None if extra is None else _cast_int_flags(extra.select(*STATION_COLUMNS)))


def point_day_expr(readings: ir.Table, configs: ir.Table, start_day: date, end_day: date, *,
                   gap_rule: GapRule | str | None = None, extra: ir.Table | None = None,
                   lookahead: bool = True) -> ir.Table:
    """Ibis expression of point-day totals over raw readings joined with their configuration interval. Rule
    ``exclude``: keyed by the configuration's ``c_id``; substituting rules: by (mine_code, point_code)."""
    rule = _gap_rule(gap_rule)
    r = readings
    if rule.substitutes:
        lo = day_index(start_day) * DAY_S_INT - CST_OFFSET_S
        hi = (day_index(end_day) + 2) * DAY_S_INT - CST_OFFSET_S
        tm0 = _seconds(r.ts)
        r = _cast_int_flags(r.select(*READING_COLUMNS))
        if extra is None and lookahead:
            extra = table_lookahead(r, "point_code", {"value": "value"}, start_day, end_day)
        r = r.filter((tm0 >= lo) & (tm0 < hi))
        if extra is not None:
            r = r.union(_cast_int_flags(extra.select(*READING_COLUMNS)), distinct=False)
    j = _point_rows(r, configs)
    keys = ["mine_code", "point_code"]
    values = {"value": ("v_canonical", "prev_v_canonical")}
    if not rule.substitutes:
        # grouped by the configuration interval's integer id (``c_id``), not by two strings: the hot path's
        # group-by is ~3× cheaper; :func:`point_day_totals` maps the ids back to (mine, point) exactly
        return _segment_parts(j, ["c_id"], values, "integration", "max_gap_s", day_index(start_day),
                              day_index(end_day))
    return _segment_parts(j, keys, values, "integration", "max_gap_s", day_index(start_day), day_index(end_day),
                          gap=rule, good={"value": ("prev_good_ts", "pg_v_canonical")}, window=False)


def _point_rows(r: ir.Table, configs: ir.Table) -> ir.Table:
    """Readings joined with their configuration interval, values in the canonical unit (counters: rates)."""
    tm = _seconds(r.ts)
    j = r.join(configs, [r.mine_code == configs.c_mine_code, r.point_code == configs.c_point_code,
                         tm >= configs.c_valid_from_s, tm < configs.c_valid_to_s])
    f = j.scale * j.unit_factor
    v = j.value * f + j.unit_offset
    pv = j.prev_value * f + j.unit_offset
    # counters (cumulative points): increment since the previous reading with reset handling (as
    # minegas.measurements.flags.counter_increments), spread as a rate over the segment → Σ = increment [m³]
    inc = ibis.cases((v >= pv, v - pv), (j.counter_max_canonical.notnull() & (pv >= 0.9 * j.counter_max_canonical),
                                         j.counter_max_canonical - pv + v), else_=v)
    dt_s = (_seconds(j.ts) - _seconds(j.prev_ts)).cast("float64").nullif(0.0)
    j = j.mutate(v_canonical=ibis.cases((j.integration == "increment", inc / dt_s), else_=v), prev_v_canonical=pv)
    if "prev_good_value" in j.columns:
        # the value before a gap, in the canonical unit of the row's configuration (as prev_value)
        j = j.mutate(pg_v_canonical=j.prev_good_value * f + j.unit_offset)
    return j


def configs_table(con: Any, frame: pa.Table) -> ir.Table:
    """The registry's point configurations (:func:`minegas.registry.repository.point_configs_frame`) as a small
    table on ``con``: validity as integer seconds, state points (no unit) left out."""
    frame = frame.filter(pc.is_valid(frame.column("unit_factor")))
    counter = np.isin(frame.column("quantity").to_numpy(zero_copy_only=False), list(CUMULATIVE_QUANTITIES))
    vf = frame.column("valid_from").cast(pa.int64()).to_numpy(zero_copy_only=False) // 1_000_000
    vt = frame.column("valid_to").cast(pa.int64()).fill_null(np.iinfo(np.int64).max // 2)
    vt_s = vt.to_numpy(zero_copy_only=False) // 1_000_000
    t = pa.table({
        "c_id": pa.array(np.arange(frame.num_rows, dtype=np.int64)),
        "c_mine_code": frame.column("mine_code"), "c_point_code": frame.column("point_code"),
        "c_valid_from_s": pa.array(vf, pa.int64()), "c_valid_to_s": pa.array(vt_s, pa.int64()),
        "quantity": frame.column("quantity"), "canonical_unit": frame.column("canonical_unit"),
        "scale": frame.column("scale"), "unit_factor": frame.column("unit_factor"),
        "unit_offset": frame.column("unit_offset").fill_null(0.0), "max_gap_s": frame.column("max_gap_s"),
        "integration": pa.array(np.where(counter, "increment", frame.column("integration").to_numpy(
            zero_copy_only=False)).astype(object), pa.string()),
        "counter_max_canonical": pc.multiply(pc.multiply(frame.column("counter_max"), frame.column("scale")),
                                             frame.column("unit_factor")),
    })
    if getattr(con, "name", "") == "pyspark":
        view = f"minegas_cfg_{abs(hash(t.to_string())) % 10**12}"
        con._session.createDataFrame(t.to_pandas()).createOrReplaceTempView(view)
        return con.table(view)
    return ibis.memtable(t)


# --- execution and post-processing ------------------------------------------------------------------------------


def _unfix(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Integer sums of 1e-9 units back to float64 (one correctly rounded division)."""
    as_int = col.cast(pa.decimal128(38, 0)).cast(pa.float64())
    return pc.divide(as_int, FIXED_SCALE)


def _days(start_day: date, end_day: date) -> list[date]:
    return [start_day + timedelta(days=i) for i in range((end_day - start_day).days + 1)]


PARTS = ("measured_integral", "measured_s", "substituted_integral", "substituted_s")
"""Summed parts of each integrated value (the query's ``<v>_integral`` is the measured part)."""


def _finish(con: Any, expr: ir.Table, keys: list[str], values: Sequence[str], start_day: date, end_day: date,
            *, key_map: dict[int, tuple[str, str]] | None = None) -> pa.Table:
    """Execute, move each previous-day part to its day (exact: integer sums of 1e-9 units), fill every (key, day)
    of the period (days without rows: nothing measured), add totals, seconds missing and means; sorted by
    (keys, day). ``key_map``: the query is keyed by ``c_id``; map each id to its key tuple (several configuration
    intervals of a point add up, exactly)."""
    got = con.to_pyarrow(expr)
    if key_map is not None:
        row_keys = [key_map[int(i)] for i in got.column("c_id").to_pylist()]
    else:
        row_keys = [tuple(r) for r in zip(*(got.column(k).to_pylist() for k in keys), strict=True)]
    key_rows = sorted(set(row_keys))
    days = _days(start_day, end_day)
    n_days = len(days)
    d0 = day_index(start_day)
    pos_of = {kr: i for i, kr in enumerate(key_rows)}
    key_idx = np.fromiter((pos_of[r] for r in row_keys), dtype=np.int64, count=got.num_rows) if got.num_rows \
        else np.zeros(0, np.int64)
    didx = np.asarray(got.column("day_idx").to_numpy(zero_copy_only=False), dtype=np.int64) - d0
    n = len(key_rows) * n_days
    own_sel = (didx >= 0) & (didx < n_days)
    prev_sel = (didx >= 1) & (didx <= n_days)
    own_pos = key_idx[own_sel] * n_days + didx[own_sel]
    prev_pos = key_idx[prev_sel] * n_days + didx[prev_sel] - 1

    def exact(col: str, sel: npt.NDArray[np.bool_]) -> list[int]:
        """Sums as integers of 1e-9 units (areas: decimals; seconds: integers, scaled)."""
        if col not in got.column_names:
            return [0] * int(sel.sum())
        c = got.column(col)
        scale = 1 if pa.types.is_decimal(c.type) else int(FIXED_SCALE)
        c = c.cast(pa.decimal128(38, 0))
        return [int(x) * scale if x is not None else 0 for x in pc.filter(c, pa.array(sel)).to_pylist()]

    num: dict[str, npt.NDArray[np.float64]] = {}
    for v in values:
        for part in ("integral", "measured_s", "substituted_integral", "substituted_s"):
            acc = [0] * n
            for p, x in zip(own_pos.tolist(), exact(f"{v}_{part}", own_sel), strict=True):
                acc[p] += x
            if part in ("integral", "measured_s"):
                for p, x in zip(prev_pos.tolist(), exact(f"{v}_prev_{part}", prev_sel), strict=True):
                    acc[p] += x
            # one correctly rounded division of the exact integer sum
            num[f"{v}_{'measured_integral' if part == 'integral' else part}"] = np.array(
                [x / FIXED_SCALE for x in acc], dtype=np.float64) if n else np.zeros(0)
    samples = np.zeros(n, dtype=np.int64)
    np.add.at(samples, own_pos, np.asarray(got.column("samples").to_numpy(zero_copy_only=False),
                                           dtype=np.int64)[own_sel])
    out: dict[str, Any] = {
        k: pa.array([kr[i] for kr in key_rows for _ in range(n_days)], pa.string()) for i, k in enumerate(keys)}
    out["day"] = pa.array([d for _ in key_rows for d in days], pa.date32())
    for v in values:
        meas_i, sub_i = num[f"{v}_measured_integral"], num[f"{v}_substituted_integral"]
        meas, sub = num[f"{v}_measured_s"], num[f"{v}_substituted_s"]
        integ = meas_i + sub_i
        covered = meas + sub
        out[f"{v}_integral"] = integ
        out[f"{v}_measured_integral"] = meas_i
        out[f"{v}_substituted_integral"] = sub_i
        out[f"{v}_measured_s"] = meas
        out[f"{v}_substituted_s"] = sub
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"{v}_mean"] = pa.array(np.where(covered > 0, integ / covered, np.nan), pa.float64(),
                                        mask=covered <= 0)
    main = values[0]
    out["measured_s"] = num[f"{main}_measured_s"]
    out["substituted_s"] = num[f"{main}_substituted_s"]
    out["missing_s"] = DAY_S - num[f"{main}_measured_s"] - num[f"{main}_substituted_s"]
    out["samples"] = samples
    return pa.table(out)


def station_day_totals(aligned: ir.Table, start_day: date, end_day: date, con: Any, *,
                       gap_rule: GapRule | str | None = None, extra: ir.Table | None = None,
                       lookahead: bool = True) -> pa.Table:
    """Per station and CST day of [start_day, end_day]: integrals, seconds measured/substituted/missing, means.

    Parameters
    ----------
    aligned : aligned samples (``store_table(con, store, 'aligned', …)`` or any table with
        :data:`~minegas.measurements.align.ALIGNED_SCHEMA`).
    start_day, end_day : CST days, both included.
    con : the Ibis connection the table lives on (DuckDB or PySpark).
    gap_rule : :class:`~minegas.accounting.gaps.GapRule` or its name; None/``exclude`` = gaps missing.
    extra : rows after the scanned window that close gaps open at its end (:func:`lookahead_rows`).
    lookahead : without ``extra``, take those rows from ``aligned`` itself (:func:`table_lookahead`): a gap open
        at the period end is closed by the first quality-assured sample after it wherever it lies in the table.
        The store functions pass ``False`` with their own ``extra`` (later partitions are not in the table).

    Returns
    -------
    pyarrow.Table, one row per (mine_code, station_code, day) for every station with rows in the input:
    ``ch4_flow_nm3_min_integral`` [Nm³/min·s] (measured + substituted; also ``_measured_integral`` and
    ``_substituted_integral``), ``ch4_nm3`` (= integral / 60, pure CH4 Nm³ at 0 °C), ``ch4_substituted_nm3``,
    ``flow_mixed_nm3`` (mixed gas Nm³), ``*_measured_s``, ``*_substituted_s``, ``*_mean`` (time-weighted over the
    covered time, null when nothing is covered), ``measured_s``/``substituted_s``/``missing_s`` of the pure CH4
    flow (they add up to 86 400 s), ``samples``.
    """
    _check_days(start_day, end_day)
    out = _finish(con, station_day_expr(aligned, start_day, end_day, gap_rule=gap_rule, extra=extra,
                                        lookahead=lookahead),
                  ["mine_code", "station_code"], STATION_VALUES, start_day, end_day)
    out = out.append_column("ch4_nm3", pc.divide(out.column("ch4_flow_nm3_min_integral"), 60.0))
    out = out.append_column("ch4_substituted_nm3",
                            pc.divide(out.column("ch4_flow_nm3_min_substituted_integral"), 60.0))
    return out.append_column("flow_mixed_nm3", pc.divide(out.column("flow_mixed_nm3_min_integral"), 60.0))


def point_day_totals(readings: ir.Table, configs: ir.Table, start_day: date, end_day: date, con: Any, *,
                     gap_rule: GapRule | str | None = None, extra: ir.Table | None = None,
                     lookahead: bool = True) -> pa.Table:
    """Per point and CST day: integral of the reading in its canonical unit [unit·s] (a flow in m³/min →
    m³·s/min, divide by 60 for m³, in the meter's own basis), seconds measured/substituted/missing, mean,
    samples. Readings outside every configuration interval of their point are not counted. Cumulative (counter)
    points integrate their increments (reset handling as :func:`minegas.measurements.flags.counter_increments`):
    their ``value_integral`` is the volume counted [m³, meter basis] and ``value_mean`` the mean rate [m³/s];
    they are never substituted.

    ``configs`` from :func:`configs_table`; ``gap_rule``, ``extra`` and ``lookahead`` as
    :func:`station_day_totals`.
    """
    _check_days(start_day, end_day)
    expr = point_day_expr(readings, configs, start_day, end_day, gap_rule=gap_rule, extra=extra,
                          lookahead=lookahead)
    key_map = None
    if not _gap_rule(gap_rule).substitutes:
        ids = con.to_pyarrow(configs.select("c_id", "c_mine_code", "c_point_code"))
        key_map = {int(i): (str(m), str(pt)) for i, m, pt in zip(
            ids.column("c_id").to_pylist(), ids.column("c_mine_code").to_pylist(),
            ids.column("c_point_code").to_pylist(), strict=True)}
    return _finish(con, expr, ["mine_code", "point_code"], ("value",), start_day, end_day, key_map=key_map)


def _check_days(start_day: date, end_day: date) -> None:
    if end_day < start_day:
        raise InputError("bad period", [Problem("the period ends before it starts", field="period",
                                                value=f"{start_day}..{end_day}")])


def aggregate_periods(day_totals: pa.Table, kind: str, keys: Sequence[str] = ("mine_code", "station_code"),
                      values: Sequence[str] = STATION_VALUES) -> pa.Table:
    """Sum day totals into ``month``, ``quarter``, ``year`` or ``all`` (the whole table) per key: integrals and
    seconds add, means are recomputed as integral / covered (measured + substituted) seconds (exact, days nest)."""
    import polars as pl

    df = pl.from_arrow(day_totals)
    assert isinstance(df, pl.DataFrame)
    if kind == "month":
        label = pl.col("day").dt.strftime("%Y-%m")
    elif kind == "quarter":
        label = pl.col("day").dt.year().cast(pl.Utf8) + "-Q" + pl.col("day").dt.quarter().cast(pl.Utf8)
    elif kind == "year":
        label = pl.col("day").dt.year().cast(pl.Utf8)
    elif kind == "all":
        label = pl.lit("all")
    else:
        raise InputError("bad period kind", [Problem("unknown kind", field="kind", value=kind,
                                                     fix="month, quarter, year or all")])
    parts = ("integral", *PARTS)
    sums = [pl.col(f"{v}_{s}").sum() for v in values for s in parts if f"{v}_{s}" in df.columns]
    sums += [pl.col("missing_s").sum(), pl.col("samples").sum(), pl.len().alias("days")]
    extra = [c for c in ("ch4_nm3", "ch4_substituted_nm3", "flow_mixed_nm3") if c in df.columns]
    sums += [pl.col(c).sum() for c in extra]
    g = df.with_columns(label.alias("period")).group_by([*keys, "period"]).agg(sums).sort([*keys, "period"])

    def covered(v: str) -> pl.Expr:
        c = pl.col(f"{v}_measured_s")
        return c + pl.col(f"{v}_substituted_s") if f"{v}_substituted_s" in g.columns else c

    g = g.with_columns([
        pl.when(covered(v) > 0).then(pl.col(f"{v}_integral") / covered(v)).otherwise(None).alias(f"{v}_mean")
        for v in values])
    g = g.with_columns(pl.col(f"{values[0]}_measured_s").alias("measured_s"))
    if f"{values[0]}_substituted_s" in g.columns:
        g = g.with_columns(pl.col(f"{values[0]}_substituted_s").alias("substituted_s"))
    return g.to_arrow()


def period_days(period: str | Period) -> tuple[date, date]:
    """First and last CST day of a period (``2025-03``, ``2025-Q1``, ``2025-03-01..2025-03-07`` …)."""
    p = parse_period(period) if isinstance(period, str) else period
    start = p.start.astimezone(CST).date()
    end = (p.end.astimezone(CST) - timedelta(days=1)).date()
    return start, end


def _cast_int_flags(t: ir.Table) -> ir.Table:
    """Flags as int64 (Spark has no unsigned integers; the expression casts them anyway)."""
    return t.mutate(flags=t.flags.cast("int64"), prev_flags=t.prev_flags.cast("int64"))


def _window_bounds(start_day: date, end_day: date) -> tuple[int, int, int]:
    """(period start, period end, end of the scanned window) as UTC epoch seconds."""
    lo = day_index(start_day) * DAY_S_INT - CST_OFFSET_S
    end = (day_index(end_day) + 1) * DAY_S_INT - CST_OFFSET_S
    return lo, end, end + DAY_S_INT


def open_gap_keys(con: Any, table: ir.Table, key: str, values: dict[str, str], start_day: date, end_day: date,
                  present: set[tuple[str, str]] | None = None) -> dict[tuple[str, str], set[str]]:
    """Keys whose gap may still be open at the end of the scanned window ``[period start, period end + 1 day)``.

    Per (mine, key) and value: open when the key's last row in the window is not quality-assured for that value,
    or the key has no row at or after the period end (a silence running past it). Only those need rows from
    later partitions (:func:`lookahead_rows`) to close the gap. ``present`` (if given) receives every key with a
    row in the window.
    """
    lo, end, hi = _window_bounds(start_day, end_day)
    tm = _seconds(table.ts)
    w = table.filter((tm >= lo) & (tm < hi)).mutate(_tm=tm)
    ok_flags = (w.flags.cast("int64") & ibis.literal(EXCLUDE_MASK, "int64")) == 0
    aggs: dict[str, ir.Value] = {"_last": w._tm.max()}
    for name, col in values.items():
        ok = ok_flags & w[col].notnull() & ~w[col].isnan()
        aggs[f"_ok_{name}"] = ibis.cases((ok, w._tm), else_=ibis.null().cast("int64")).max()
    res = con.to_pyarrow(w.group_by(["mine_code", key]).aggregate(**aggs)).to_pylist()
    out: dict[tuple[str, str], set[str]] = {}
    for row in res:
        if present is not None:
            present.add((str(row["mine_code"]), str(row[key])))
        names = {n for n in values if row[f"_ok_{n}"] is None or row[f"_ok_{n}"] < row["_last"]
                 or row["_last"] < end}
        if names:
            out[(str(row["mine_code"]), str(row[key]))] = names
    return out


def table_lookahead(table: ir.Table, key: str, values: dict[str, str], start_day: date, end_day: date) -> ir.Table:
    """Rows of ``table`` after the scanned window ``[period start, period end + 1 day)`` that close gaps open at its
    end — the in-table counterpart of :func:`lookahead_rows` for tables that hold data beyond the window.

    Per (mine, key): for each value, the first quality-assured row at or after the window's end (it ends the gap
    and carries where it began, ``prev_good_*``), and the key's last row (it ends a gap that never closes). Rows
    that close nothing open in the period only add gap pieces after it, which the day join drops.
    """
    _, _, hi = _window_bounds(start_day, end_day)
    after = table.filter(_seconds(table.ts) >= hi)
    after = after.mutate(_la_tm=_seconds(after.ts))
    ok_flags = (after.flags.cast("int64") & ibis.literal(EXCLUDE_MASK, "int64")) == 0
    no_ts = ibis.null().cast("int64")
    aggs: dict[str, ir.Value] = {"_la_last": after._la_tm.max()}
    for name, col in values.items():
        ok = ok_flags & after[col].notnull() & ~after[col].isnan()
        aggs[f"_la_first_{name}"] = ibis.cases((ok, after._la_tm), else_=no_ts).min()
    firsts = after.group_by(["mine_code", key]).aggregate(**aggs)
    j = after.join(firsts, ["mine_code", key])
    pick = j._la_tm == j._la_last
    for name in values:
        pick = pick | (j._la_tm == j[f"_la_first_{name}"]).fill_null(False)
    return j.filter(pick).select(*table.columns)


def lookahead_rows(store: Store, dataset: str, open_keys: dict[tuple[str, str], set[str]], after_s: int,
                   values: dict[str, str]) -> pa.Table | None:
    """Rows after the scanned window that close gaps still open at its end.

    For each open (mine, key) and value, the later partitions are read month by month (only while something is
    still open) for the first quality-assured row at or after ``after_s`` — the row that ends the gap and
    carries where it began (``prev_good_*``). A key with no such row contributes its last stored row (the
    trailing gap). Returns the rows (the dataset's columns) or None.
    """
    if not open_keys:
        return None
    key = "station_code" if dataset == "aligned" else "point_code"
    first_month = datetime.fromtimestamp(after_s, CST).strftime("%Y-%m")
    mines = sorted({m for m, _ in open_keys})
    months = sorted({f.month for f in store.files(dataset, mines) if f.month >= first_month})
    pending = {k: set(v) for k, v in open_keys.items()}
    picked: list[pa.Table] = []
    last_seen: dict[tuple[str, str], pa.Table] = {}
    after_us = after_s * 1_000_000
    for mo in months:
        if not pending:
            break
        t = store.read(dataset, sorted({m for m, _ in pending}), [mo])
        if t.num_rows == 0:
            continue
        kcol = t.column(key).cast(pa.string())
        mcol = t.column("mine_code").cast(pa.string())
        wanted = pa.array(sorted({k for _, k in pending}), pa.string())
        sel = pc.and_(pc.is_in(kcol, wanted), pc.greater_equal(t.column("ts").cast(pa.int64()), after_us))
        t = t.filter(sel)
        if t.num_rows == 0:
            continue
        t = t.sort_by([("mine_code", "ascending"), (key, "ascending"), ("ts", "ascending")])
        mk = list(zip(t.column("mine_code").cast(pa.string()).to_pylist(), t.column(key).cast(pa.string())
                      .to_pylist(), strict=True))
        del kcol, mcol
        flags = np.asarray(t.column("flags").cast(pa.int64()).to_numpy(zero_copy_only=False))
        good = {n: ((flags & EXCLUDE_MASK) == 0) & np.isfinite(np.asarray(
            t.column(c).cast(pa.float64()).fill_null(np.nan).to_numpy(zero_copy_only=False), dtype=float))
            for n, c in values.items()}
        i = 0
        while i < len(mk):
            j = i
            while j < len(mk) and mk[j] == mk[i]:
                j += 1
            k = mk[i]
            if k in pending:
                take: set[int] = set()
                for n in list(pending[k]):
                    hit = np.flatnonzero(good[n][i:j])
                    if hit.size:
                        take.add(i + int(hit[0]))
                        pending[k].discard(n)
                for r in sorted(take):
                    picked.append(t.slice(r, 1))
                last_seen[k] = t.slice(j - 1, 1)
                if not pending[k]:
                    del pending[k]
            i = j
    for k in pending:  # never closed: the series' last row ends a trailing gap
        if k in last_seen:
            picked.append(last_seen[k])
    if not picked:
        return None
    return pa.concat_tables(picked, promote_options="permissive")


def _history_keys(store: Store, dataset: str, mine_codes: list[str] | None, before_s: int) -> set[tuple[str, str]]:
    """(mine, key) with stored data before ``before_s`` (from the partition tails: no scan)."""
    import sqlalchemy as sa

    from minegas.registry.store_models import StorePointMonth, StoreStationMonth

    model: Any = StoreStationMonth if dataset == "aligned" else StorePointMonth
    key = model.station_code if dataset == "aligned" else model.point_code
    at = datetime.fromtimestamp(before_s, CST)
    q = sa.select(model.mine_code, key).where(model.first_ts < at).distinct()
    if mine_codes is not None:
        q = q.where(model.mine_code.in_(sorted(set(mine_codes))))
    with store.session() as s:
        return {(str(m), str(k)) for m, k in s.execute(q)}


def _with_lookahead(con: Any, store: Store, dataset: str, table: ir.Table, key: str, values: dict[str, str],
                    a: date, b: date, mine_codes: list[str] | None) -> ir.Table | None:
    """The extra rows (as a table on ``con``) closing the gaps open at the end of the window."""
    present: set[tuple[str, str]] = set()
    open_keys = open_gap_keys(con, table, key, values, a, b, present)
    _, _, hi = _window_bounds(a, b)
    for k in _history_keys(store, dataset, mine_codes, hi):
        if k not in present:   # silent over the whole window: its gap may span it
            open_keys[k] = set(values)
    rows = lookahead_rows(store, dataset, open_keys, hi, values)
    if rows is None:
        return None
    cols = STATION_COLUMNS if dataset == "aligned" else READING_COLUMNS
    target = _cast_int_flags(table.select(*cols)).schema()
    schema = target.to_pyarrow()
    rows = rows.select(list(cols))
    rows = pa.table({f.name: rows.column(f.name).cast(f.type) for f in schema}, schema=schema)
    t = small_table(con, rows)
    # the exact column types of the scanned table (e.g. Spark's timestamp without a declared scale)
    return t.select(**{c: t[c].cast(target[c]) for c in cols})


def small_table(con: Any, table: pa.Table) -> ir.Table:
    """A small Arrow table as a table on ``con`` (DuckDB: in memory; PySpark: a temporary view)."""
    return ibis.memtable(table)


def store_gap_pieces(store: Store, period: str, dataset: str, *, gap_rule: GapRule | str,
                     mine_codes: list[str] | None = None, con: Any = None) -> pa.Table:
    """Every substituted (or, with no substitute, missing) gap of the period, per station value or point.

    Parameters
    ----------
    dataset : ``aligned`` (station values :data:`STATION_VALUES`) or ``readings`` (points, canonical unit).
    gap_rule : a substituting rule (``epa_98_325`` or ``conservative``).

    Returns
    -------
    pyarrow.Table: ``mine_code``, key (``station_code``/``point_code``), ``parameter`` (the value name),
    ``gap_start``/``gap_end`` (the whole gap, UTC), ``start``/``end`` (its part inside the period), ``seconds``
    (inside the period), ``value`` (the substitute; null: missing), ``before``/``after`` (the quality-assured
    values around the gap; ``after`` null for a trailing gap), ``prev_flags`` (QA flags of the last sample before
    the gap's end, the reason), ``rule``. Sorted by key, parameter, start.
    """
    rule = _gap_rule(gap_rule)
    if not rule.substitutes:
        raise InputError("no substitution", [Problem("the rule 'exclude' substitutes nothing", field="gap_rule",
                                                     value=rule.name, fix="use epa_98_325 or conservative")])
    con = con or connect_duckdb()
    a, b = period_days(period)
    lo, end, _ = _window_bounds(a, b)
    parts: list[pa.Table] = []
    if dataset == "aligned":
        key = "station_code"
        table = _cast_int_flags(store_table(con, store, "aligned", a, b, mine_codes).select(*STATION_COLUMNS))
        extra = _with_lookahead(con, store, "aligned", table, key, {n: n for n in STATION_VALUES}, a, b, mine_codes)
        for n in STATION_VALUES:
            e = gap_pieces_expr(table, ["mine_code", key], (n, f"prev_{n}"), STATION_GOOD[n], rule, a, b,
                                extra=extra)
            got = con.to_pyarrow(e.filter((e._p1 > lo) & (e._p0 < end)))
            parts.append(got.append_column("parameter", pa.array([n] * got.num_rows, pa.string())))
    elif dataset == "readings":
        from minegas.registry.repository import point_configs_frame

        key = "point_code"
        with store.session() as s:
            frame = point_configs_frame(s, mine_codes)
        table = _cast_int_flags(store_table(con, store, "readings", a, b, mine_codes).select(*READING_COLUMNS))
        extra = _with_lookahead(con, store, "readings", table, key, {"value": "value"}, a, b, mine_codes)
        tm0 = _seconds(table.ts)
        r = table.filter((tm0 >= lo) & (tm0 < end + DAY_S_INT))
        if extra is not None:
            r = r.union(extra, distinct=False)
        j = _point_rows(r, configs_table(con, frame))
        e = gap_pieces_expr(j, ["mine_code", key], ("v_canonical", "prev_v_canonical"),
                            ("prev_good_ts", "pg_v_canonical"), rule, a, b, window=False)
        got = con.to_pyarrow(e.filter((e._p1 > lo) & (e._p0 < end)))
        parts.append(got.append_column("parameter", pa.array(["value"] * got.num_rows, pa.string())))
    else:
        raise InputError("bad dataset", [Problem("unknown dataset", field="dataset", value=dataset,
                                                 fix="aligned or readings")])
    got = pa.concat_tables(parts) if parts else pa.table({})
    p0 = np.asarray(got.column("_p0").to_numpy(zero_copy_only=False), dtype=np.int64)
    p1 = np.asarray(got.column("_p1").to_numpy(zero_copy_only=False), dtype=np.int64)
    c0, c1 = np.maximum(p0, lo), np.minimum(p1, end)
    ts = pa.timestamp("us", tz="UTC")

    def t(x: npt.NDArray[np.int64]) -> pa.Array:
        return pa.array(x * 1_000_000, pa.int64()).cast(ts)

    out = pa.table({
        "mine_code": got.column("mine_code").cast(pa.string()), key: got.column(key).cast(pa.string()),
        "parameter": got.column("parameter"), "gap_start": t(p0), "gap_end": t(p1), "start": t(c0), "end": t(c1),
        "seconds": pa.array((c1 - c0).astype(np.float64)), "value": got.column("_sv").cast(pa.float64()),
        "before": got.column("_before").cast(pa.float64()), "after": got.column("_after").cast(pa.float64()),
        "prev_flags": got.column("_prev_flags").cast(pa.int64()),
        "rule": pa.array([rule.name] * got.num_rows, pa.string()),
    })
    return out.sort_by([("mine_code", "ascending"), (key, "ascending"), ("parameter", "ascending"),
                        ("start", "ascending")])


def store_station_totals(store: Store, period: str, *, mine_codes: list[str] | None = None, con: Any = None,
                         gap_rule: GapRule | str | None = None) -> pa.Table:
    """Station-day totals of a period straight from the store (DuckDB by default), with a gap rule (default
    ``exclude``; substitution closes gaps open at the period end from later partitions)."""
    con = con or connect_duckdb()
    a, b = period_days(period)
    rule = _gap_rule(gap_rule)
    table = store_table(con, store, "aligned", a, b, mine_codes)
    if not rule.substitutes:
        return station_day_totals(table, a, b, con)
    table = _cast_int_flags(table.select(*STATION_COLUMNS))
    extra = _with_lookahead(con, store, "aligned", table, "station_code", {n: n for n in STATION_VALUES}, a, b,
                            mine_codes)
    return station_day_totals(table, a, b, con, gap_rule=rule, extra=extra, lookahead=False)


def store_point_totals(store: Store, period: str, *, mine_codes: list[str] | None = None, con: Any = None,
                       gap_rule: GapRule | str | None = None) -> pa.Table:
    """Point-day totals of a period straight from the store (DuckDB by default), with a gap rule."""
    from minegas.registry.repository import point_configs_frame

    con = con or connect_duckdb()
    a, b = period_days(period)
    rule = _gap_rule(gap_rule)
    with store.session() as s:
        frame = point_configs_frame(s, mine_codes)
    table = store_table(con, store, "readings", a, b, mine_codes)
    configs = configs_table(con, frame)
    if not rule.substitutes:
        return point_day_totals(table, configs, a, b, con)
    table = _cast_int_flags(table.select(*READING_COLUMNS))
    extra = _with_lookahead(con, store, "readings", table, "point_code", {"value": "value"}, a, b, mine_codes)
    return point_day_totals(table, configs, a, b, con, gap_rule=rule, extra=extra, lookahead=False)


__all__ = ["STATION_VALUES", "aggregate_periods", "configs_table", "connect_duckdb", "day_index", "gap_pieces_expr",
           "lookahead_rows", "open_gap_keys", "parquet_table", "period_days", "point_day_expr", "point_day_totals",
           "small_table", "station_day_expr", "station_day_totals", "store_gap_pieces", "store_point_totals",
           "store_station_totals", "store_table", "table_lookahead"]
