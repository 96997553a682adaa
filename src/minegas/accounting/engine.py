"""MRV engine service: per-station and per-point totals of a period, with a gap rule, straight from the store.

Builds on the integration hot path (:mod:`minegas.accounting.totals`: one scan, CST days, exact boundary splits,
DuckDB or PySpark) and adds what an MRV figure needs around it:

- the period cut (``period``, or rows per ``day``/``month``/``quarter``/``year``) — sums of CST days, exact;
- the registry context of each station (role, drainage system, unit, names) and point (quantity, unit);
- pure CH4 mass under a **named** density at 0 °C (docs/conventions.md §2; default ``real-0C``);
- optionally the per-parameter time-weighted means of each station's own points (flow as measured, CH4 %,
  temperature, pressure — each integrated on its own series with its own QA mask and the same gap rule, as 40 CFR
  98.325 substitutes each parameter separately and FF-1/FF-3 multiply averages);
- QA flag counts and the list of substituted gaps (数据替代记录).

Every row says how many seconds were measured, substituted (数据替代) and missing, and which gap rule and
density it used. Volumes are Nm³ at 0 °C / 101.325 kPa.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minegas.accounting import totals as T
from minegas.accounting.gaps import GapRule
from minegas.errors import InputError, Problem
from minegas.measurements.flags import QaFlag
from minegas.periods import parse_period
from minegas.physics.density import resolve_density

if TYPE_CHECKING:
    from minegas.measurements.store import Store

ENGINES = ("duckdb", "pyspark")
"""Query engines: DuckDB (embedded, default) and PySpark (local mode or a cluster session)."""

By = Literal["period", "day", "month", "quarter", "year"]
BY: tuple[str, ...] = ("period", "day", "month", "quarter", "year")

DEFAULT_DENSITY = "real-0C"
"""Density of the ``ch4_t`` column when none is named (the physical default at 0 °C, docs/conventions.md §2);
methodologies name their own (``cn-2015``, ``cdm`` …)."""

PARAMETER_QUANTITIES = {
    "flow": ("flow_mixed", "air_flow", "flow_pure"),
    "ch4_pct": ("ch4_pct",),
    "t_c": ("temperature",),
    "p_kpa": ("pressure",),
}
"""Station parameters averaged from the station's own points (first quantity found, lowest point code)."""


def connect(engine: str | Any = "duckdb", *, threads: int | None = None) -> Any:
    """An Ibis connection for ``engine``: ``duckdb`` (in memory, UTC session), ``pyspark`` (the active Spark
    session, else a local one), or an existing Ibis connection (returned as is).

    Raises
    ------
    InputError
        For an unknown engine name.
    """
    if not isinstance(engine, str):
        return engine
    if engine == "duckdb":
        return T.connect_duckdb(threads)
    if engine == "pyspark":
        from pyspark.sql import SparkSession

        spark = SparkSession.getActiveSession() or (
            SparkSession.builder.master("local[*]").appName("minegas").config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "8").getOrCreate())
        return ibis.pyspark.connect(spark)
    raise InputError("unknown engine", [Problem(f"no engine named {engine!r}", field="engine", value=engine,
                                                fix=f"use one of {', '.join(ENGINES)}")])


def gap_rule_of(rule: GapRule | str | None) -> GapRule:
    """A :class:`GapRule` from a rule, its name or None (``exclude``); bad names raise :class:`InputError`."""
    if rule is None:
        return GapRule("exclude")
    if isinstance(rule, GapRule):
        return rule
    return GapRule(rule)  # type: ignore[arg-type]


def _check_by(by: str) -> None:
    if by not in BY:
        raise InputError("bad grouping", [Problem(f"unknown grouping {by!r}", field="by", value=by,
                                                  fix=f"use one of {', '.join(BY)}")])


def _group(days: pa.Table, by: str, keys: Sequence[str], values: Sequence[str], label: str) -> pa.Table:
    """Day totals → rows per ``by`` (``period``: one row per key labelled with the period)."""
    if by == "day":
        out = days.append_column("period", pc.cast(days.column("day"), pa.string()))
        return out.append_column("days", pa.array(np.ones(out.num_rows, dtype=np.int64)))
    kind = "all" if by == "period" else by
    out = T.aggregate_periods(days, kind, keys=keys, values=values)
    if by == "period":
        out = out.set_column(out.column_names.index("period"), "period",
                             pa.array([label] * out.num_rows, pa.string()))
    return out


def _bounds(days: pa.Table, by: str, period_label: str) -> tuple[pa.Array, pa.Array]:
    """CST start and end (aware, UTC) of each output row's period."""
    if by == "period":
        p = parse_period(period_label)
        n = days.num_rows
        return (pa.array([p.start] * n, pa.timestamp("us", tz="UTC")),
                pa.array([p.end] * n, pa.timestamp("us", tz="UTC")))
    labels = days.column("period").to_pylist()
    starts, ends = [], []
    for lab in labels:
        p = parse_period(lab)
        starts.append(p.start)
        ends.append(p.end)
    return pa.array(starts, pa.timestamp("us", tz="UTC")), pa.array(ends, pa.timestamp("us", tz="UTC"))


def _clip_period(period: str) -> str:
    return parse_period(period).label


def station_totals(store: Store, period: str, *, mine_codes: list[str] | None = None,
                   station_codes: list[str] | None = None, gap_rule: GapRule | str | None = None,
                   engine: str | Any = "duckdb", by: By = "period", density: str = DEFAULT_DENSITY,
                   parameters: bool = False, flags: bool = False) -> pa.Table:
    """Per station and period: mixed and pure CH4 volumes at 0 °C, CH4 mass, means, seconds, context.

    Parameters
    ----------
    store : the measurement store (and its registry).
    period : ``2025-03``, ``2025-Q1``, ``2025-W10``, ``2025-03-01..2025-03-07`` … (CST, docs/conventions.md §4).
    mine_codes, station_codes : restrict to these (None: all).
    gap_rule : ``exclude`` (default), ``epa_98_325``, ``conservative`` or a :class:`GapRule`.
    engine : ``duckdb`` (default), ``pyspark`` or an Ibis connection.
    by : ``period`` (one row per station), ``day``, ``month``, ``quarter`` or ``year``.
    density : named CH4 density for ``ch4_t``; must be defined at 0 °C (else :class:`MethodologyError`).
    parameters : add the per-parameter means of the station's own points (``flow_m3_min_mean`` as measured in
        the meter's basis, ``point_ch4_pct_mean``, ``t_c_mean``, ``p_kpa_mean`` with ``pressure_kind``), each
        integrated on its own series with ``gap_rule`` (one more scan, of the readings).
    flags : add ``flagged_samples`` (samples with an excluding QA bit) and ``flags_json`` (count per flag name).

    Returns
    -------
    pyarrow.Table sorted by (mine_code, station_code, period): ``mine_code, station_code, station_name_zh,
    station_name_en, role, drainage_system, unit_code, primary_measurement, period, period_start, period_end,
    days, mixed_nm3, ch4_nm3, ch4_substituted_nm3, ch4_t, density, ref_state, flow_mixed_nm3_min_mean,
    ch4_flow_nm3_min_mean, ch4_pct_mean, measured_s, substituted_s, missing_s, coverage_frac, samples,
    gap_rule`` (+ the optional columns). ``measured_s + substituted_s + missing_s`` is the period's length.
    """
    _check_by(by)
    rule = gap_rule_of(gap_rule)
    dens = resolve_density("0C", density)
    con = connect(engine)
    label = _clip_period(period)
    days = T.store_station_totals(store, period, mine_codes=mine_codes, con=con, gap_rule=rule)
    if station_codes is not None:
        days = days.filter(pc.is_in(days.column("station_code"), pa.array(sorted(set(station_codes)), pa.string())))
    keys = ("mine_code", "station_code")
    out = _group(days, by, keys, T.STATION_VALUES, label)
    starts, ends = _bounds(out, by, label)
    n = out.num_rows
    ctx = _station_context(store, mine_codes)
    get = [ctx.get((m, s), {}) for m, s in zip(out.column("mine_code").to_pylist(),
                                              out.column("station_code").to_pylist(), strict=True)]
    meas = np.asarray(out.column("measured_s"), dtype=float)
    sub = np.asarray(out.column("substituted_s"), dtype=float)
    miss = np.asarray(out.column("missing_s"), dtype=float)
    ch4 = np.asarray(out.column("ch4_nm3"), dtype=float)
    total = meas + sub + miss
    res = pa.table({
        "mine_code": out.column("mine_code"), "station_code": out.column("station_code"),
        "station_name_zh": pa.array([g.get("name_zh") for g in get], pa.string()),
        "station_name_en": pa.array([g.get("name_en") for g in get], pa.string()),
        "role": pa.array([g.get("role") for g in get], pa.string()),
        "drainage_system": pa.array([g.get("drainage_system") for g in get], pa.string()),
        "unit_code": pa.array([g.get("unit_code") for g in get], pa.string()),
        "primary_measurement": pa.array([g.get("primary_measurement") for g in get], pa.string()),
        "period": out.column("period"), "period_start": starts, "period_end": ends,
        "days": pa.array(np.asarray(out.column("days"), dtype=np.int64)),
        "mixed_nm3": out.column("flow_mixed_nm3"), "ch4_nm3": out.column("ch4_nm3"),
        "ch4_substituted_nm3": out.column("ch4_substituted_nm3"),
        "ch4_t": pa.array(ch4 * dens.t_per_m3), "density": pa.array([dens.name] * n, pa.string()),
        "ref_state": pa.array(["0C"] * n, pa.string()),
        "flow_mixed_nm3_min_mean": out.column("flow_mixed_nm3_min_mean"),
        "ch4_flow_nm3_min_mean": out.column("ch4_flow_nm3_min_mean"),
        "ch4_pct_mean": out.column("ch4_pct_mean"),
        "measured_s": pa.array(meas), "substituted_s": pa.array(sub), "missing_s": pa.array(miss),
        "coverage_frac": pa.array(np.where(total > 0, (meas + sub) / np.where(total > 0, total, 1.0), np.nan)),
        "samples": out.column("samples"), "gap_rule": pa.array([rule.name] * n, pa.string()),
    })
    if parameters:
        res = _add_parameters(store, res, period, by, label, mine_codes, rule, con)
    if flags:
        res = _add_flags(res, flag_counts(store, period, level="station", mine_codes=mine_codes, by=by,
                                          engine=con), "station_code")
    return res.sort_by([("mine_code", "ascending"), ("station_code", "ascending"), ("period", "ascending")])


def point_totals(store: Store, period: str, *, mine_codes: list[str] | None = None,
                 point_codes: list[str] | None = None, gap_rule: GapRule | str | None = None,
                 engine: str | Any = "duckdb", by: By = "period", flags: bool = False) -> pa.Table:
    """Per point and period: the integral of the reading in its canonical unit, its time-weighted mean, seconds.

    Parameters as :func:`station_totals`. A flow point's ``value_integral`` is in m³/min·s of the meter's own basis
    (``volume_m3`` = integral / 60, basis in ``flow_basis``/``ref_state``); a counter's is the volume counted;
    CH4 % integrates to %·s (its mean is the time-weighted concentration).

    Returns
    -------
    pyarrow.Table sorted by (mine_code, point_code, period): ``mine_code, point_code, station_code, quantity,
    canonical_unit, flow_basis, ref_state, pressure_kind, period, period_start, period_end, days, value_integral,
    value_substituted_integral, value_mean, volume_m3 (flows and counters), measured_s, substituted_s,
    missing_s, coverage_frac, samples, gap_rule``.
    """
    _check_by(by)
    rule = gap_rule_of(gap_rule)
    con = connect(engine)
    label = _clip_period(period)
    days = T.store_point_totals(store, period, mine_codes=mine_codes, con=con, gap_rule=rule)
    if point_codes is not None:
        days = days.filter(pc.is_in(days.column("point_code"), pa.array(sorted(set(point_codes)), pa.string())))
    out = _group(days, by, ("mine_code", "point_code"), ("value",), label)
    starts, ends = _bounds(out, by, label)
    n = out.num_rows
    ctx = _point_context(store, mine_codes)
    get = [ctx.get((m, p), {}) for m, p in zip(out.column("mine_code").to_pylist(),
                                              out.column("point_code").to_pylist(), strict=True)]
    meas = np.asarray(out.column("value_measured_s"), dtype=float)
    sub = np.asarray(out.column("value_substituted_s"), dtype=float)
    miss = np.asarray(out.column("missing_s"), dtype=float)
    total = meas + sub + miss
    integ = np.asarray(out.column("value_integral"), dtype=float)
    quantity = [g.get("quantity") for g in get]
    is_flow = np.array([q is not None and (q.startswith("flow") or q == "air_flow") for q in quantity], bool)
    is_counter = np.array([q is not None and q.startswith("cumulative") for q in quantity], bool)
    vol = np.where(is_flow, integ / 60.0, np.where(is_counter, integ, np.nan))
    res = pa.table({
        "mine_code": out.column("mine_code"), "point_code": out.column("point_code"),
        "station_code": pa.array([g.get("station_code") for g in get], pa.string()),
        "quantity": pa.array(quantity, pa.string()),
        "canonical_unit": pa.array([g.get("canonical_unit") for g in get], pa.string()),
        "flow_basis": pa.array([g.get("flow_basis") for g in get], pa.string()),
        "ref_state": pa.array([g.get("ref_state") for g in get], pa.string()),
        "pressure_kind": pa.array([g.get("pressure_kind") for g in get], pa.string()),
        "period": out.column("period"), "period_start": starts, "period_end": ends,
        "days": pa.array(np.asarray(out.column("days"), dtype=np.int64)),
        "value_integral": pa.array(integ), "value_substituted_integral": out.column("value_substituted_integral"),
        "value_mean": out.column("value_mean"), "volume_m3": pa.array(vol, mask=~np.isfinite(vol)),
        "measured_s": pa.array(meas), "substituted_s": pa.array(sub), "missing_s": pa.array(miss),
        "coverage_frac": pa.array(np.where(total > 0, (meas + sub) / np.where(total > 0, total, 1.0), np.nan)),
        "samples": out.column("samples"), "gap_rule": pa.array([rule.name] * n, pa.string()),
    })
    if flags:
        res = _add_flags(res, flag_counts(store, period, level="point", mine_codes=mine_codes, by=by, engine=con),
                         "point_code")
    return res.sort_by([("mine_code", "ascending"), ("point_code", "ascending"), ("period", "ascending")])


# --- QA flags and substitutions -------------------------------------------------------------------------------


FLAG_BITS: tuple[tuple[str, int], ...] = tuple((f.name, int(f)) for f in QaFlag if f.name is not None)
"""(flag name, bit value) of every QA flag (docs/conventions.md §6)."""


def flag_counts(store: Store, period: str, *, level: Literal["station", "point"] = "station",
                mine_codes: list[str] | None = None, by: By = "period", engine: str | Any = "duckdb") -> pa.Table:
    """How many samples (stations: aligned samples; points: readings) of each key and period carry each QA flag.

    Returns
    -------
    pyarrow.Table: keys, ``period``, ``samples``, ``flagged_samples`` (any excluding bit), then one ``n_<FLAG>``
    column per flag of :class:`~minegas.measurements.flags.QaFlag`.
    """
    from minegas.measurements.flags import EXCLUDE_MASK

    _check_by(by)
    con = connect(engine)
    a, b = T.period_days(period)
    dataset, key = ("aligned", "station_code") if level == "station" else ("readings", "point_code")
    t = T.store_table(con, store, dataset, a, b, mine_codes)
    lo = T.day_index(a) * 86_400 - T.CST_OFFSET_S
    hi = (T.day_index(b) + 1) * 86_400 - T.CST_OFFSET_S
    tm = T._seconds(t.ts)
    t = t.filter((tm >= lo) & (tm < hi)).mutate(_f=t.flags.cast("int64"), _day=(tm + T.CST_OFFSET_S) // 86_400)
    aggs: dict[str, Any] = {"samples": t._f.count(),
                            "flagged_samples": ((t._f & EXCLUDE_MASK) != 0).cast("int64").sum()}
    for name, bit in FLAG_BITS:
        aggs[f"n_{name}"] = ((t._f & bit) != 0).cast("int64").sum()
    got = con.to_pyarrow(t.group_by(["mine_code", key, "_day"]).aggregate(**aggs))
    import polars as pl

    df = pl.from_arrow(got)
    assert isinstance(df, pl.DataFrame)
    df = df.with_columns((pl.lit(0, pl.Int64) + pl.col("_day")).cast(pl.Int32).cast(pl.Date).alias("day")).drop("_day")
    label = _clip_period(period)
    if by == "period":
        df = df.with_columns(pl.lit(label).alias("period"))
    elif by == "day":
        df = df.with_columns(pl.col("day").cast(pl.Utf8).alias("period"))
    elif by == "month":
        df = df.with_columns(pl.col("day").dt.strftime("%Y-%m").alias("period"))
    elif by == "quarter":
        df = df.with_columns((pl.col("day").dt.year().cast(pl.Utf8) + "-Q" + pl.col("day").dt.quarter()
                              .cast(pl.Utf8)).alias("period"))
    else:
        df = df.with_columns(pl.col("day").dt.year().cast(pl.Utf8).alias("period"))
    nums = ["samples", "flagged_samples", *(f"n_{n}" for n, _ in FLAG_BITS)]
    g = df.group_by(["mine_code", key, "period"]).agg([pl.col(c).sum() for c in nums]).sort(
        ["mine_code", key, "period"])
    return g.with_columns(pl.col("mine_code").cast(pl.Utf8), pl.col(key).cast(pl.Utf8)).to_arrow()


def _add_flags(res: pa.Table, counts: pa.Table, key: str) -> pa.Table:
    import json

    idx = {(r["mine_code"], r[key], r["period"]): r for r in counts.to_pylist()}
    flagged, js = [], []
    for m, k, p in zip(res.column("mine_code").to_pylist(), res.column(key).to_pylist(),
                       res.column("period").to_pylist(), strict=True):
        r = idx.get((m, k, p))
        flagged.append(0 if r is None else int(r["flagged_samples"]))
        pairs = {} if r is None else {n: int(r[f"n_{n}"]) for n, _ in FLAG_BITS if r[f"n_{n}"]}
        js.append(json.dumps(pairs, ensure_ascii=False))
    return res.append_column("flagged_samples", pa.array(flagged, pa.int64())).append_column(
        "flags_json", pa.array(js, pa.string()))


def substitutions(store: Store, period: str, *, level: Literal["station", "point"] = "point",
                  mine_codes: list[str] | None = None, gap_rule: GapRule | str = "epa_98_325",
                  engine: str | Any = "duckdb") -> pa.Table:
    """Every substituted gap of the period (数据替代记录, 40 CFR 98.3(c)(8)): where, which parameter, the gap and its
    part in the period, the substitute and the quality-assured values around it, the seconds, and why.

    ``level='point'`` lists the monitoring points (each parameter on its own series, the 98.325 way, values in
    the canonical unit — ``unit`` column); ``'station'`` the integrated station values. Gaps without a substitute
    (e.g. trailing gaps under 98.325) are listed with a null ``value`` — their time is missing.

    Returns
    -------
    :func:`minegas.accounting.totals.store_gap_pieces` plus ``station_code`` (points), ``quantity``, ``unit``,
    ``reason_zh``, ``reason_en``.
    """
    from minegas.measurements.flags import EXCLUDE_MASK, FLAG_LABELS

    rule = gap_rule_of(gap_rule)
    con = connect(engine)
    dataset = "readings" if level == "point" else "aligned"
    t = T.store_gap_pieces(store, period, dataset, gap_rule=rule, mine_codes=mine_codes, con=con)
    reasons_zh, reasons_en = [], []
    for fl, a, b in zip(t.column("prev_flags").to_pylist(), t.column("gap_start").to_pylist(),
                        t.column("gap_end").to_pylist(), strict=True):
        names = [f for f in QaFlag if f.value & int(fl or 0) & EXCLUDE_MASK]
        if names:
            reasons_zh.append("、".join(FLAG_LABELS[f][0] for f in names))
            reasons_en.append(", ".join(FLAG_LABELS[f][1] for f in names))
        else:
            reasons_zh.append(f"数据中断 {(b - a).total_seconds():.0f} s（超过最大间隔）")
            reasons_en.append(f"no data for {(b - a).total_seconds():.0f} s (longer than max gap)")
    if level == "point":
        ctx = _point_context(store, mine_codes)
        get = [ctx.get((m, p), {}) for m, p in zip(t.column("mine_code").to_pylist(),
                                                  t.column("point_code").to_pylist(), strict=True)]
        t = t.append_column("station_code", pa.array([g.get("station_code") for g in get], pa.string()))
        t = t.append_column("quantity", pa.array([g.get("quantity") for g in get], pa.string()))
        t = t.append_column("unit", pa.array([g.get("canonical_unit") for g in get], pa.string()))
    else:
        units = {"ch4_flow_nm3_min": "Nm³/min", "flow_mixed_nm3_min": "Nm³/min", "ch4_pct": "%"}
        t = t.append_column("quantity", t.column("parameter"))
        t = t.append_column("unit", pa.array([units.get(x, "") for x in t.column("parameter").to_pylist()],
                                             pa.string()))
    t = t.append_column("reason_zh", pa.array(reasons_zh, pa.string()))
    return t.append_column("reason_en", pa.array(reasons_en, pa.string()))


# --- counters against instantaneous flow ---------------------------------------------------------------------


def counter_crosscheck(store: Store, period: str, *, mine_codes: list[str] | None = None,
                       engine: str | Any = "duckdb") -> pa.Table:
    """Totaliser (counter) stations cross-checked against their integrated instantaneous flow.

    A station whose primary measurement is a counter (``cumulative_pure``/``cumulative_mixed``) counts its pure
    CH4 by increments (with reset handling); where the station also meters an instantaneous flow, the aligned
    samples carry it as ``xcheck_ch4_flow_nm3_min`` (0 °C, × CH4 for a mixed flow). Both are integrated over the
    period — the counter by the engine, the instantaneous flow with the trapezoid rule of
    :func:`minegas.accounting.reference_integration.integrate` on its quality-assured samples — and compared.

    Returns
    -------
    pyarrow.Table per counter station: ``mine_code, station_code, primary_measurement, counter_ch4_nm3,
    counter_measured_s, instantaneous_ch4_nm3, instantaneous_measured_s, diff_frac`` ((counter − instantaneous)
    / instantaneous; null without an instantaneous flow). Compare ``diff_frac`` only where both measured similar
    times.
    """
    from minegas.accounting.reference_integration import integrate
    from minegas.measurements.flags import EXCLUDE_MASK

    con = connect(engine)
    a, b = T.period_days(period)
    p = parse_period(period)
    days = T.store_station_totals(store, period, mine_codes=mine_codes, con=con)
    months = T._months_for(a, b)
    aligned = store.read("aligned", mine_codes, months, columns=[
        "mine_code", "station_code", "ts", "primary_measurement", "integration", "max_gap_s", "flags",
        "xcheck_ch4_flow_nm3_min"])
    rows: list[dict[str, Any]] = []
    if aligned.num_rows:
        aligned = aligned.filter(pc.equal(aligned.column("integration"), "increment"))
    keys = sorted(set(zip(aligned.column("mine_code").to_pylist(), aligned.column("station_code").to_pylist(),
                          strict=True))) if aligned.num_rows else []
    for mine, st in keys:
        x = aligned.filter(pc.and_(pc.equal(aligned.column("mine_code"), mine),
                                   pc.equal(aligned.column("station_code"), st))).sort_by("ts")
        d = days.filter(pc.and_(pc.equal(days.column("mine_code"), mine), pc.equal(days.column("station_code"), st)))
        counter = float(pc.sum(d.column("ch4_nm3")).as_py() or 0.0)
        c_meas = float(pc.sum(d.column("measured_s")).as_py() or 0.0)
        t_s = np.asarray(x.column("ts").cast(pa.int64()).to_numpy(), dtype=np.int64) / 1e6
        v = np.asarray(x.column("xcheck_ch4_flow_nm3_min").to_numpy(zero_copy_only=False), dtype=float)
        ok = ((np.asarray(x.column("flags").to_numpy(), dtype=np.int64) & EXCLUDE_MASK) == 0) & np.isfinite(v)
        inst = inst_s = None
        if ok.sum() >= 2:
            tot = integrate(t_s, np.where(ok, v, 0.0), ok, [(p.start.timestamp(), p.end.timestamp())],
                            max_gap_s=float(x.column("max_gap_s")[0].as_py()))[0]
            inst, inst_s = tot.integral / 60.0, tot.measured_s
        rows.append({"mine_code": mine, "station_code": st,
                     "primary_measurement": x.column("primary_measurement")[0].as_py(), "counter_ch4_nm3": counter,
                     "counter_measured_s": c_meas, "instantaneous_ch4_nm3": inst, "instantaneous_measured_s": inst_s,
                     "diff_frac": None if not inst else (counter - inst) / inst})
    schema = pa.schema([("mine_code", pa.string()), ("station_code", pa.string()),
                        ("primary_measurement", pa.string()), ("counter_ch4_nm3", pa.float64()),
                        ("counter_measured_s", pa.float64()), ("instantaneous_ch4_nm3", pa.float64()),
                        ("instantaneous_measured_s", pa.float64()), ("diff_frac", pa.float64())])
    return pa.Table.from_pylist(rows, schema=schema)


# --- context from the registry --------------------------------------------------------------------------------


def _station_context(store: Store, mine_codes: list[str] | None) -> dict[tuple[str, str], dict[str, Any]]:
    from minegas.registry import repository as repo

    out: dict[tuple[str, str], dict[str, Any]] = {}
    with store.session() as s:
        mines = [m.code for m in repo.mines(s)] if mine_codes is None else mine_codes
        for m in mines:
            for st in repo.stations(s, m):
                out[(m, st.code)] = {"name_zh": st.name_zh, "name_en": st.name_en, "role": st.role,
                                     "drainage_system": st.drainage_system, "unit_code": st.unit_code,
                                     "primary_measurement": st.primary_measurement}
    return out


def _point_context(store: Store, mine_codes: list[str] | None) -> dict[tuple[str, str], dict[str, Any]]:
    from minegas.registry.repository import point_configs_frame

    with store.session() as s:
        frame = point_configs_frame(s, mine_codes)
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for r in frame.to_pylist():  # the latest configuration wins (rows sorted by valid_from)
        out[(r["mine_code"], r["point_code"])] = r
    return out


def _add_parameters(store: Store, res: pa.Table, period: str, by: str, label: str, mine_codes: list[str] | None,
                    rule: GapRule, con: Any) -> pa.Table:
    """Per-parameter means of each station from its own points (98.325: each parameter on its own)."""
    pts = point_totals(store, period, mine_codes=mine_codes, gap_rule=rule, engine=con, by=by)  # type: ignore[arg-type]
    by_station: dict[tuple[str, str, str], dict[str, list[dict[str, Any]]]] = {}
    for r in pts.to_pylist():
        if r["station_code"] is None:
            continue
        by_station.setdefault((r["mine_code"], r["station_code"], r["period"]), {}).setdefault(
            r["quantity"], []).append(r)
    cols: dict[str, list[Any]] = {"flow_m3_min_mean": [], "flow_point_code": [], "flow_basis": [],
                                  "point_ch4_pct_mean": [], "t_c_mean": [], "p_kpa_mean": [], "pressure_kind": []}
    for m, s, p in zip(res.column("mine_code").to_pylist(), res.column("station_code").to_pylist(),
                       res.column("period").to_pylist(), strict=True):
        q = by_station.get((m, s, p), {})

        def first(quantities: tuple[str, ...], q: dict[str, list[dict[str, Any]]] = q) -> dict[str, Any] | None:
            for name in quantities:
                rows = sorted(q.get(name, []), key=lambda r: r["point_code"])
                if rows:
                    return rows[0]
            return None

        f = first(PARAMETER_QUANTITIES["flow"])
        cols["flow_m3_min_mean"].append(None if f is None else f["value_mean"])
        cols["flow_point_code"].append(None if f is None else f["point_code"])
        cols["flow_basis"].append(None if f is None else (f["ref_state"] if f["flow_basis"] == "reference"
                                                          else f["flow_basis"]))
        c = first(PARAMETER_QUANTITIES["ch4_pct"])
        cols["point_ch4_pct_mean"].append(None if c is None else c["value_mean"])
        t = first(PARAMETER_QUANTITIES["t_c"])
        cols["t_c_mean"].append(None if t is None else t["value_mean"])
        pr = first(PARAMETER_QUANTITIES["p_kpa"])
        cols["p_kpa_mean"].append(None if pr is None else pr["value_mean"])
        cols["pressure_kind"].append(None if pr is None else pr["pressure_kind"])
    for name, vals in cols.items():
        typ = pa.string() if name in ("flow_point_code", "flow_basis", "pressure_kind") else pa.float64()
        res = res.append_column(name, pa.array(vals, typ))
    return res


__all__ = ["BY", "DEFAULT_DENSITY", "ENGINES", "FLAG_BITS", "connect", "counter_crosscheck", "flag_counts",
           "gap_rule_of", "point_totals", "station_totals", "substitutions"]
