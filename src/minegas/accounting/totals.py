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

Engine notes: timestamps become whole seconds since the epoch (DuckDB ``epoch``, Spark ``unix_timestamp``;
a DuckDB session must be in UTC, :func:`connect_duckdb` sets it — ``date_diff`` on time-zone-aware timestamps
is ~35× slower in DuckDB); NaN never enters an area (rows whose value is not numeric carry an excluding flag,
and areas of excluded rows are replaced, not multiplied, by 0); divisions are guarded with ``nullif`` (Spark 4
runs in ANSI mode, where dividing by zero is an error).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.datatypes as dt
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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


def _seconds(col: ir.TimestampValue) -> ir.IntegerValue:
    """Whole seconds since the epoch (floored): DuckDB ``epoch``, Spark ``unix_timestamp`` — both independent
    of the calendar once the DuckDB session is in UTC (:func:`connect_duckdb`)."""
    return col.epoch_seconds().floor().cast("int64")


def _fixed(x: ir.FloatingValue) -> ir.DecimalValue:
    """Area as an exact integer number of 1e-9 units (IEEE multiply and round-half-away-from-zero are the same
    on both engines; the conversion of an integer-valued double to DECIMAL is exact)."""
    return (x * FIXED_SCALE).cast(EXACT)


def day_index(d: date) -> int:
    """Days since 1970-01-01 of a CST calendar day."""
    return (d - _EPOCH_DATE).days


def _segment_parts(t: ir.Table, keys: list[str], values: dict[str, tuple[str, str]], rule: str, max_gap: str,
                   start_idx: int, end_idx: int) -> ir.Table:
    """Per-row own and previous-day parts of every value's segment, unioned into (keys, day_idx, …) rows and
    summed per (keys, day_idx)."""
    lo = start_idx * DAY_S_INT - CST_OFFSET_S
    hi = (end_idx + 2) * DAY_S_INT - CST_OFFSET_S
    base = t.mutate(_tm=_seconds(t.ts), _pm=_seconds(t.prev_ts))
    base = base.filter((base._tm >= lo) & (base._tm < hi))
    tm, pm = base._tm, base._pm
    day = (tm + CST_OFFSET_S) // DAY_S_INT
    b = day * DAY_S_INT - CST_OFFSET_S
    mask = ibis.literal(EXCLUDE_MASK, "int64")
    flags_ok = ((base.flags.cast("int64") & mask) == 0) & ((base.prev_flags.cast("int64").fill_null(0) & mask) == 0)
    seg_ok = base.prev_ts.notnull() & flags_ok & ((tm - pm).cast("float64") <= base[max_gap])
    cross = pm < b
    start = ibis.greatest(pm, b)
    own_s = (tm - start).cast("float64")
    prev_s = (b - pm).cast("float64")
    frac = (b - pm).cast("float64") / (tm - pm).cast("float64").nullif(0.0)
    r = base[rule]
    cols_own: dict[str, ir.Value] = {k: base[k] for k in keys}
    cols_prev: dict[str, ir.Value] = {k: base[k] for k in keys}
    cols_own["day_idx"] = day
    cols_prev["day_idx"] = day - 1
    for name, (vc, pvc) in values.items():
        v, pv = base[vc], base[pvc]
        ok = seg_ok & ibis.cases((r == "increment", v.notnull()), else_=v.notnull() & pv.notnull())
        vb = pv + (v - pv) * frac
        trap_own = ibis.cases((cross, (vb + v) / 2.0 * own_s), else_=(pv + v) / 2.0 * own_s)
        trap_prev = (pv + vb) / 2.0 * prev_s
        own = ibis.cases((r == "trapezoid", trap_own), (r == "increment", v * own_s), else_=pv * own_s)
        prv = ibis.cases((r == "trapezoid", trap_prev), (r == "increment", v * prev_s), else_=pv * prev_s)
        cols_own[f"{name}_integral"] = ibis.cases((ok, own), else_=0.0)
        cols_prev[f"{name}_integral"] = ibis.cases((ok & cross, prv), else_=0.0)
        cols_own[f"{name}_measured_s"] = ibis.cases((ok, own_s), else_=0.0)
        cols_prev[f"{name}_measured_s"] = ibis.cases((ok & cross, prev_s), else_=0.0)
    cols_own["samples"] = ibis.literal(1, "int64")
    cols_prev["samples"] = ibis.literal(0, "int64")
    own_t = base.select(**cols_own)
    prev_t = base.filter(cross).select(**cols_prev)
    both_t = own_t.union(prev_t, distinct=False)
    aggs: dict[str, ir.Value] = {}
    for name in values:
        # exact decimal sums: the same result whatever order an engine adds the rows in
        aggs[f"{name}_integral"] = _fixed(both_t[f"{name}_integral"]).sum()
        aggs[f"{name}_measured_s"] = _fixed(both_t[f"{name}_measured_s"]).sum()
    aggs["samples"] = both_t.samples.sum()
    out = both_t.group_by([*keys, "day_idx"]).aggregate(**aggs)
    return out.filter((out.day_idx >= start_idx) & (out.day_idx <= end_idx))


def station_day_expr(aligned: ir.Table, start_day: date, end_day: date) -> ir.Table:
    """Ibis expression of station-day totals over aligned samples (see :func:`station_day_totals`)."""
    values = {n: (n, f"prev_{n}") for n in STATION_VALUES}
    return _segment_parts(aligned, ["mine_code", "station_code"], values, "integration", "max_gap_s",
                          day_index(start_day), day_index(end_day))


def point_day_expr(readings: ir.Table, configs: ir.Table, start_day: date, end_day: date) -> ir.Table:
    """Ibis expression of point-day totals over raw readings joined with their configuration interval."""
    r = readings
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
    return _segment_parts(j, ["mine_code", "point_code"], {"value": ("v_canonical", "prev_v_canonical")},
                          "integration", "max_gap_s", day_index(start_day), day_index(end_day))


def configs_table(con: Any, frame: pa.Table) -> ir.Table:
    """The registry's point configurations (:func:`minegas.registry.repository.point_configs_frame`) as a small
    table on ``con``: validity as integer seconds, state points (no unit) left out."""
    frame = frame.filter(pc.is_valid(frame.column("unit_factor")))
    counter = np.isin(frame.column("quantity").to_numpy(zero_copy_only=False), list(CUMULATIVE_QUANTITIES))
    vf = frame.column("valid_from").cast(pa.int64()).to_numpy(zero_copy_only=False) // 1_000_000
    vt = frame.column("valid_to").cast(pa.int64()).fill_null(np.iinfo(np.int64).max // 2)
    vt_s = vt.to_numpy(zero_copy_only=False) // 1_000_000
    t = pa.table({
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


def _finish(con: Any, expr: ir.Table, keys: list[str], values: Sequence[str], start_day: date, end_day: date
            ) -> pa.Table:
    """Execute, fill every (key, day) of the period (days without rows: nothing measured), add seconds missing
    and means; sorted by (keys, day)."""
    got = con.to_pyarrow(expr)
    got = pa.table({c: (_unfix(got.column(c)) if pa.types.is_decimal(got.column(c).type) else got.column(c))
                    for c in got.column_names})
    key_rows = sorted({tuple(r[k] for k in keys) for r in got.select(keys).to_pylist()})
    days = _days(start_day, end_day)
    index = {}
    for i, r in enumerate(got.select([*keys, "day_idx"]).to_pylist()):
        index[(*(r[k] for k in keys), int(r["day_idx"]))] = i
    n = len(key_rows) * len(days)
    cols: dict[str, list[Any]] = {k: [] for k in keys}
    cols["day"] = []
    num = {f"{v}_{s}": np.zeros(n) for v in values for s in ("integral", "measured_s")}
    samples = np.zeros(n, dtype=np.int64)
    src = {c: got.column(c).to_numpy(zero_copy_only=False) for c in num}
    src_samples = got.column("samples").to_numpy(zero_copy_only=False)
    pos = 0
    for kr in key_rows:
        for d in days:
            for k, v in zip(keys, kr, strict=True):
                cols[k].append(v)
            cols["day"].append(d)
            hit = index.get((*kr, day_index(d)))
            if hit is not None:
                for c in num:
                    num[c][pos] = src[c][hit]
                samples[pos] = src_samples[hit]
            pos += 1
    out: dict[str, Any] = {k: pa.array(cols[k], pa.string()) for k in keys}
    out["day"] = pa.array(cols["day"], pa.date32())
    for v in values:
        integ, meas = num[f"{v}_integral"], num[f"{v}_measured_s"]
        out[f"{v}_integral"] = integ
        out[f"{v}_measured_s"] = meas
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"{v}_mean"] = pa.array(np.where(meas > 0, integ / meas, np.nan), pa.float64(), mask=meas <= 0)
    main = values[0]
    out["measured_s"] = num[f"{main}_measured_s"]
    out["missing_s"] = DAY_S - num[f"{main}_measured_s"]
    out["samples"] = samples
    return pa.table(out)


def station_day_totals(aligned: ir.Table, start_day: date, end_day: date, con: Any) -> pa.Table:
    """Per station and CST day of [start_day, end_day]: integrals, measured/missing seconds and means.

    Parameters
    ----------
    aligned : aligned samples (``store_table(con, store, 'aligned', …)`` or any table with
        :data:`~minegas.measurements.align.ALIGNED_SCHEMA`).
    start_day, end_day : CST days, both included.
    con : the Ibis connection the table lives on (DuckDB or PySpark).

    Returns
    -------
    pyarrow.Table, one row per (mine_code, station_code, day) for every station with rows in the input:
    ``ch4_flow_nm3_min_integral`` [Nm³/min·s], ``ch4_nm3`` (= integral / 60, pure CH4 Nm³ at 0 °C),
    ``flow_mixed_nm3`` (mixed gas Nm³), ``*_measured_s``, ``*_mean`` (time-weighted, null when nothing is
    measured), ``measured_s``/``missing_s`` of the pure CH4 flow, ``samples``.
    """
    _check_days(start_day, end_day)
    out = _finish(con, station_day_expr(aligned, start_day, end_day), ["mine_code", "station_code"],
                  STATION_VALUES, start_day, end_day)
    out = out.append_column("ch4_nm3", pc.divide(out.column("ch4_flow_nm3_min_integral"), 60.0))
    return out.append_column("flow_mixed_nm3", pc.divide(out.column("flow_mixed_nm3_min_integral"), 60.0))


def point_day_totals(readings: ir.Table, configs: ir.Table, start_day: date, end_day: date, con: Any) -> pa.Table:
    """Per point and CST day: integral of the reading in its canonical unit [unit·s] (a flow in m³/min →
    m³·s/min, divide by 60 for m³, in the meter's own basis), measured/missing seconds, mean, samples. Readings
    outside every configuration interval of their point are not counted. Cumulative (counter) points integrate
    their increments (reset handling as :func:`minegas.measurements.flags.counter_increments`): their
    ``value_integral`` is the volume counted [m³, meter basis] and ``value_mean`` the mean rate [m³/s].

    ``configs`` from :func:`configs_table`.
    """
    _check_days(start_day, end_day)
    return _finish(con, point_day_expr(readings, configs, start_day, end_day), ["mine_code", "point_code"],
                   ("value",), start_day, end_day)


def _check_days(start_day: date, end_day: date) -> None:
    if end_day < start_day:
        raise InputError("bad period", [Problem("the period ends before it starts", field="period",
                                                value=f"{start_day}..{end_day}")])


def aggregate_periods(day_totals: pa.Table, kind: str, keys: Sequence[str] = ("mine_code", "station_code"),
                      values: Sequence[str] = STATION_VALUES) -> pa.Table:
    """Sum day totals into ``month``, ``quarter``, ``year`` or ``all`` (the whole table) per key: integrals and
    seconds add, means are recomputed as integral / measured seconds (exact, days nest)."""
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
    sums = [pl.col(f"{v}_{s}").sum() for v in values for s in ("integral", "measured_s")]
    sums += [pl.col("missing_s").sum(), pl.col("samples").sum(), pl.len().alias("days")]
    extra = [c for c in ("ch4_nm3", "flow_mixed_nm3") if c in df.columns]
    sums += [pl.col(c).sum() for c in extra]
    g = df.with_columns(label.alias("period")).group_by([*keys, "period"]).agg(sums).sort([*keys, "period"])
    g = g.with_columns([
        pl.when(pl.col(f"{v}_measured_s") > 0).then(pl.col(f"{v}_integral") / pl.col(f"{v}_measured_s"))
        .otherwise(None).alias(f"{v}_mean") for v in values])
    g = g.with_columns(pl.col(f"{values[0]}_measured_s").alias("measured_s"))
    return g.to_arrow()


def period_days(period: str | Period) -> tuple[date, date]:
    """First and last CST day of a period (``2025-03``, ``2025-Q1``, ``2025-03-01..2025-03-07`` …)."""
    p = parse_period(period) if isinstance(period, str) else period
    start = p.start.astimezone(CST).date()
    end = (p.end.astimezone(CST) - timedelta(days=1)).date()
    return start, end


def store_station_totals(store: Store, period: str, *, mine_codes: list[str] | None = None, con: Any = None
                         ) -> pa.Table:
    """Station-day totals of a period straight from the store (DuckDB by default)."""
    con = con or connect_duckdb()
    a, b = period_days(period)
    return station_day_totals(store_table(con, store, "aligned", a, b, mine_codes), a, b, con)


def store_point_totals(store: Store, period: str, *, mine_codes: list[str] | None = None, con: Any = None
                       ) -> pa.Table:
    """Point-day totals of a period straight from the store (DuckDB by default)."""
    from minegas.registry.repository import point_configs_frame

    con = con or connect_duckdb()
    a, b = period_days(period)
    with store.session() as s:
        frame = point_configs_frame(s, mine_codes)
    return point_day_totals(store_table(con, store, "readings", a, b, mine_codes), configs_table(con, frame), a, b,
                            con)


__all__ = ["STATION_VALUES", "aggregate_periods", "configs_table", "connect_duckdb", "day_index",
           "parquet_table", "period_days", "point_day_expr", "point_day_totals", "station_day_expr",
           "station_day_totals", "store_point_totals", "store_station_totals", "store_table"]
