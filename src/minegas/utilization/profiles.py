"""Source profiles: what gas a station delivers over time — hourly flow and concentration distributions, duration
curves, availability, trend — and "design vs actual" for an existing unit.

Input is one frame with columns ``ts`` (timezone-aware), ``flow_nm3_min`` (mixed flow, Nm³/min at 0 °C,
101.325 kPa), ``ch4_pct`` and optionally ``station``: a user series read by :func:`read_series` (CSV or Parquet),
aggregated by :func:`hourly`. Stations in the measurement store are profiled from hourly frames of the same shape
that :func:`minegas.utilization.sources.station_hours` integrates from the store's aligned samples (with the MRV
engine's semantics, plus ``covered_s`` and the integrals ``ch4_nm3``/``mixed_nm3``); :func:`station_profile` and
:func:`design_vs_actual` take either. Everything after reading is pure.

Aggregation of user series (documented choice): a period's mixed flow is the mean of its samples; its pure CH4
flow (抽采纯量) is the mean of ``flow × ch4 / 100`` sample by sample; its concentration is the flow-weighted
``100 × pure / mixed``. Samples with a missing value are skipped; a period without samples is a gap.
Periods are cut on the UTC clock; hours coincide with China Standard Time hours (UTC+8, no DST), days are cut
in CST (docs/conventions.md §4).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from scipy import stats

from minegas.errors import InputError, Problem
from minegas.physics.safety import ExplosiveRange, concentration_classes
from minegas.utilization.blending import BlendSpec, blend_over_time

CST = "Asia/Shanghai"
PERCENTILES = (5, 10, 25, 50, 75, 90, 95)
"""Percentiles reported for flow, concentration and pure CH4 flow."""

_MAX_PROBLEMS = 200
_OFFSET_RE = r"[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|z|[+-]\d{2}(?::?\d{2})?)$"


# --- reading user series -------------------------------------------------------------------------------------

def _frame_from_path(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pq.read_table(path).to_pandas()
        if suffix in (".csv", ".txt"):
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, ValueError, pa.ArrowException, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the file", [Problem(str(exc).splitlines()[0] if str(exc) else
                         type(exc).__name__, file=str(path), fix="give a UTF-8 CSV or a Parquet file")]) from None
    raise InputError(f"{path}: unsupported file type", [Problem("expected .csv or .parquet", file=str(path),
                                                                 value=suffix)])


def read_series(path: str | Path, *, time_col: str = "ts", flow_col: str = "flow_nm3_min",
                ch4_col: str = "ch4_pct", station_col: str | None = "station", station: str | None = None,
                tz: str | None = None) -> pd.DataFrame:
    """Read a user series (CSV or Parquet) into the profile frame (``ts``, ``station``, ``flow_nm3_min``,
    ``ch4_pct``), validating every row.

    Parameters
    ----------
    path : .csv (UTF-8, header row) or .parquet file.
    time_col, flow_col, ch4_col : column names. Flows must already be at 0 °C, 101.325 kPa (Nm³/min).
    station_col : column naming the station; when absent from the file, every row belongs to ``station``
        (default: the file's stem).
    tz : time zone of times written without a UTC offset (e.g. ``Asia/Shanghai``). Without it such times are
        rejected (docs/conventions.md §4).

    Raises
    ------
    InputError
        Listing each bad row as ``file:line`` (CSV line numbers count the header as line 1), the field, the value
        and the fix: missing columns, unparsable or offset-less times, non-numeric, negative flows, CH4 outside
        0–100 %. Empty cells are gaps, not errors. Nothing is returned unless the whole file is valid.
    """
    p = Path(path)
    df = _frame_from_path(p)
    origin = str(p)
    missing = [c for c in (time_col, flow_col, ch4_col) if c not in df.columns]
    if missing:
        raise InputError(f"{origin}: missing columns", [Problem(f"column {c!r} not found", file=origin, field=c,
                         fix=f"the file has {list(df.columns)}; name the columns with --time-col/--flow-col/"
                             "--ch4-col") for c in missing])
    problems: list[Problem] = []
    line0 = 2 if p.suffix.lower() in (".csv", ".txt") else 1
    n = len(df)
    ts_raw = df[time_col]
    ts_txt = ts_raw.astype(str) if not pd.api.types.is_datetime64_any_dtype(ts_raw) else None
    if ts_txt is not None:
        txt = ts_txt.str.strip()
        has_off = txt.str.contains(_OFFSET_RE, regex=True)
        ts = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns, UTC]")
        if has_off.any():
            ts[has_off] = pd.to_datetime(txt[has_off], errors="coerce", utc=True, format="ISO8601")
        naive = ~has_off
        reported = np.zeros(n, dtype=bool)
        if naive.any():
            local = pd.to_datetime(txt[naive], errors="coerce", format="ISO8601")
            if tz is not None and local.notna().any():
                try:
                    ts[naive] = local.dt.tz_localize(tz).dt.tz_convert("UTC")
                except Exception:
                    raise InputError(f"{origin}: bad time zone or local time", [Problem(
                        "times cannot be placed in the time zone", field="tz", value=tz,
                        fix="use an IANA name such as Asia/Shanghai")]) from None
            elif local.notna().any():
                naive_ok = np.zeros(n, dtype=bool)
                naive_ok[df.index.get_indexer(local.index[local.notna()])] = True
                reported |= naive_ok
                for i in np.flatnonzero(naive_ok)[:_MAX_PROBLEMS]:
                    problems.append(Problem("time has no UTC offset", file=origin, line=line0 + int(i),
                                            field=time_col, value=str(ts_txt.iloc[i]),
                                            fix="add the offset (+08:00) or pass --tz Asia/Shanghai"))
        for i in np.flatnonzero(ts.isna().to_numpy() & ~reported)[:_MAX_PROBLEMS]:
            problems.append(Problem("time not understood", file=origin, line=line0 + int(i), field=time_col,
                                    value=str(ts_txt.iloc[i]),
                                    fix="write ISO 8601 with a UTC offset, e.g. 2025-03-01T08:00:00+08:00"))
    else:
        ts = ts_raw
        if getattr(ts.dt, "tz", None) is None:
            if tz is None:
                raise InputError(f"{origin}: times have no time zone", [Problem(
                    "timestamp column is naive", file=origin, field=time_col,
                    fix="store times as timestamp with time zone, or pass --tz Asia/Shanghai")])
            ts = ts.dt.tz_localize(tz)
        ts = ts.dt.tz_convert("UTC")

    def numbers(col: str) -> pd.Series:
        raw = df[col]
        vals = pd.to_numeric(raw.replace("", np.nan), errors="coerce").astype(float)
        bad = vals.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
        for i in np.flatnonzero(bad.to_numpy())[:_MAX_PROBLEMS]:
            problems.append(Problem("not a number", file=origin, line=line0 + int(i), field=col,
                                    value=str(raw.iloc[i]), fix="write a decimal number or leave the cell empty"))
        return vals

    flow = numbers(flow_col)
    ch4 = numbers(ch4_col)
    for i in np.flatnonzero((flow < 0).to_numpy() | np.isinf(flow.to_numpy()))[:_MAX_PROBLEMS]:
        problems.append(Problem("flow must be a finite number ≥ 0 [Nm³/min]", file=origin, line=line0 + int(i),
                                field=flow_col, value=str(df[flow_col].iloc[i])))
    for i in np.flatnonzero(((ch4 < 0) | (ch4 > 100)).to_numpy())[:_MAX_PROBLEMS]:
        problems.append(Problem("CH4 must be within 0–100 %", file=origin, line=line0 + int(i), field=ch4_col,
                                value=str(df[ch4_col].iloc[i])))
    if problems:
        problems.sort(key=lambda pr: (pr.line or 0, pr.field or ""))
        raise InputError(f"{origin}: {len(problems)} bad value(s); nothing was read", problems)
    st_name = station or p.stem
    if station_col and station_col in df.columns:
        st = df[station_col].astype(str).replace("", st_name)
    else:
        st = pd.Series([st_name] * n, index=df.index)
    out = pd.DataFrame({"ts": pd.to_datetime(ts, utc=True), "station": st.astype(str), "flow_nm3_min": flow,
                        "ch4_pct": ch4})
    return out.sort_values(["station", "ts"], kind="stable").reset_index(drop=True)


# --- aggregation ---------------------------------------------------------------------------------------------

def _check_frame(frame: pd.DataFrame) -> pd.DataFrame:
    need = {"ts", "flow_nm3_min", "ch4_pct"}
    if not need <= set(frame.columns):
        raise InputError("profile: frame lacks columns", [Problem(f"need {sorted(need)}; got {list(frame.columns)}",
                         field="columns", fix="pass ts, flow_nm3_min, ch4_pct (and station)")])
    f = frame.copy()
    if "station" not in f.columns:
        f["station"] = "source"
    f["ts"] = pd.to_datetime(f["ts"], utc=True)
    return f


def hourly(frame: pd.DataFrame, freq: str = "1h") -> pd.DataFrame:
    """Aggregate samples to periods of ``freq`` per station (see module docstring).

    Returns
    -------
    A frame with columns ``station``, ``period`` (UTC start), ``flow_nm3_min``, ``ch4_nm3_min`` (pure),
    ``ch4_pct`` (flow-weighted), ``samples``. Every period between a station's first and last sample is present;
    gaps have NaN values and 0 samples.
    """
    f = _check_frame(frame)
    f = f.dropna(subset=["flow_nm3_min", "ch4_pct"])
    f = f.assign(pure=f["flow_nm3_min"] * f["ch4_pct"] / 100.0, period=f["ts"].dt.floor(freq))
    g = f.groupby(["station", "period"], sort=True)
    agg = g.agg(flow_nm3_min=("flow_nm3_min", "mean"), ch4_nm3_min=("pure", "mean"),
                samples=("pure", "size")).reset_index()
    parts = []
    for st, sub in agg.groupby("station", sort=True):
        idx = pd.date_range(sub["period"].min(), sub["period"].max(), freq=freq, tz="UTC", name="period")
        full = sub.set_index("period").reindex(idx)
        full["station"] = st
        full["samples"] = full["samples"].fillna(0).astype(int)
        parts.append(full.reset_index())
    if not parts:
        return pd.DataFrame(columns=["station", "period", "flow_nm3_min", "ch4_nm3_min", "ch4_pct", "samples"])
    out = pd.concat(parts, ignore_index=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        # rounded to 1e-9 %: 100 × (q × c / 100) / q must give back c exactly at class limits such as 30 %
        out["ch4_pct"] = np.round(np.where(out["flow_nm3_min"] > 0,
                                           100.0 * out["ch4_nm3_min"] / out["flow_nm3_min"],
                                           np.where(out["flow_nm3_min"] == 0, 0.0, np.nan)), 9)
    return out[["station", "period", "flow_nm3_min", "ch4_nm3_min", "ch4_pct", "samples"]]


@dataclass(frozen=True)
class StationProfile:
    """The profile of one station over its span.

    ``data_frac``: periods with data / periods in the span; ``supply_frac``: periods with pure CH4 flow above the
    threshold / periods with data. ``trend_*`` come from daily means (CST days): Theil–Sen slope of the pure CH4
    flow [Nm³/min per year], relative to the mean [%/yr], and the p-value of a least-squares fit (None with fewer
    than 14 days). ``class_hours_frac`` are shares of periods by concentration class (vam/low/medium/high,
    minegas.physics.safety) and inside the explosive band.
    """

    station: str
    start: pd.Timestamp
    end: pd.Timestamp
    periods: int
    step_hours: float
    data_frac: float
    supply_frac: float
    mean_flow_nm3_min: float
    mean_ch4_nm3_min: float
    mean_ch4_pct: float
    total_ch4_nm3: float
    percentiles: dict[str, dict[str, float]]
    class_hours_frac: dict[str, float]
    trend_ch4_nm3_min_per_yr: float | None
    trend_pct_per_yr: float | None
    trend_p_value: float | None
    duration_curve: pd.DataFrame = field(repr=False)

    def as_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "duration_curve"}
        d["start"], d["end"] = self.start.isoformat(), self.end.isoformat()
        d["duration_curve"] = self.duration_curve.to_dict(orient="list")
        return d


def duration_curve(values: Sequence[float] | np.ndarray, points: int = 21) -> tuple[np.ndarray, np.ndarray]:
    """Duration (exceedance) curve: the value equalled or exceeded ``x`` % of the time, at ``points`` evenly spaced
    percentages 0–100 (linear interpolation between order statistics; NaN ignored).
    """
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    x = np.linspace(0.0, 100.0, points)
    if v.size == 0:
        return x, np.full(points, np.nan)
    return x, np.quantile(v, 1.0 - x / 100.0)


def station_profile(periods: pd.DataFrame, station: str, step_hours: float = 1.0,
                    supply_threshold_nm3_min: float = 0.0, band: ExplosiveRange | None = None) -> StationProfile:
    """Profile of one station from :func:`hourly` output (rows of that station).

    A period has data when it has samples — or, for frames from the store
    (:func:`minegas.utilization.sources.station_hours`), when ``covered_s > 0`` (seconds with quality-assured
    data). ``total_ch4_nm3`` is the sum of the ``ch4_nm3`` column when the frame has it (the integrated pure CH4,
    Nm³ at 0 °C, equal to the MRV totals), else the mean pure flow of each period with data × its length.
    """
    band = band or ExplosiveRange()
    s = periods[periods["station"] == station].sort_values("period")
    if s.empty:
        raise InputError("profile: unknown station", [Problem(f"no periods for station {station!r}",
                         field="station", value=station)])
    has = (s["covered_s"] > 0) if "covered_s" in s.columns else (s["samples"] > 0)
    d = s[has]
    flow, pure, pct = d["flow_nm3_min"].to_numpy(), d["ch4_nm3_min"].to_numpy(), d["ch4_pct"].to_numpy()
    pcts: dict[str, dict[str, float]] = {}
    for name, arr in (("flow_nm3_min", flow), ("ch4_nm3_min", pure), ("ch4_pct", pct)):
        q = np.percentile(arr, PERCENTILES) if arr.size else np.full(len(PERCENTILES), np.nan)
        pcts[name] = {f"p{p}": float(v) for p, v in zip(PERCENTILES, q, strict=True)}
        pcts[name]["min"] = float(arr.min()) if arr.size else math.nan
        pcts[name]["max"] = float(arr.max()) if arr.size else math.nan
    classes = concentration_classes(pct) if pct.size else np.array([], dtype=str)
    cls = {k: float((classes == k).mean()) if classes.size else 0.0 for k in ("vam", "low", "medium", "high")}
    cls["explosive_band"] = float(np.mean(band.contains(pct))) if pct.size else 0.0
    x, dc_pure = duration_curve(pure)
    _, dc_flow = duration_curve(flow)
    _, dc_pct = duration_curve(pct)
    dc = pd.DataFrame({"exceedance_pct": x, "ch4_nm3_min": dc_pure, "flow_nm3_min": dc_flow, "ch4_pct": dc_pct})
    # trend on CST days
    days = d.assign(day=d["period"].dt.tz_convert(CST).dt.floor("D")).groupby("day")["ch4_nm3_min"].mean()
    slope = rel = pval = None
    if len(days) >= 14:
        t_yr = (days.index - days.index[0]).total_seconds().to_numpy() / (365.25 * 86400.0)
        y = days.to_numpy()
        ts_res = stats.theilslopes(y, t_yr)
        slope = float(ts_res.slope)
        mean = float(np.mean(y))
        rel = 100.0 * slope / mean if mean > 0 else None
        lr = stats.linregress(t_yr, y)
        pval = float(lr.pvalue) if np.isfinite(lr.pvalue) else None
    mean_flow = float(flow.mean()) if flow.size else math.nan
    mean_pure = float(pure.mean()) if pure.size else math.nan
    return StationProfile(
        station=station, start=s["period"].iloc[0], end=s["period"].iloc[-1], periods=len(s),
        step_hours=step_hours, data_frac=float(has.mean()),
        supply_frac=float((pure > supply_threshold_nm3_min).mean()) if pure.size else 0.0,
        mean_flow_nm3_min=mean_flow, mean_ch4_nm3_min=mean_pure,
        mean_ch4_pct=100.0 * mean_pure / mean_flow if mean_flow and mean_flow > 0 else math.nan,
        total_ch4_nm3=(float(np.nansum(d["ch4_nm3"].to_numpy(dtype=float))) if "ch4_nm3" in d.columns
                       else float(pure.sum() * 60.0 * step_hours)), percentiles=pcts, class_hours_frac=cls,
        trend_ch4_nm3_min_per_yr=slope, trend_pct_per_yr=rel, trend_p_value=pval, duration_curve=dc)


def profile(frame: pd.DataFrame, freq: str = "1h", supply_threshold_nm3_min: float = 0.0) -> dict[str, StationProfile]:
    """Profiles of every station in a sample frame (user series or MRV aligned samples)."""
    per = hourly(frame, freq)
    step_h = pd.Timedelta(freq).total_seconds() / 3600.0
    return {st: station_profile(per, st, step_h, supply_threshold_nm3_min) for st in sorted(per["station"].unique())}


def wide(periods: pd.DataFrame) -> tuple[pd.DatetimeIndex, list[str], np.ndarray, np.ndarray]:
    """Periods × stations arrays (flow, CH4 %) on the union of all stations' periods (NaN where no data)."""
    idx = pd.DatetimeIndex(sorted(periods["period"].unique()))
    names = sorted(periods["station"].unique())
    flow = periods.pivot(index="period", columns="station", values="flow_nm3_min").reindex(index=idx,
                                                                                          columns=names)
    pct = periods.pivot(index="period", columns="station", values="ch4_pct").reindex(index=idx, columns=names)
    return idx, names, flow.to_numpy(dtype=float), pct.to_numpy(dtype=float)


# --- design vs actual ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UnitDesign:
    """An existing unit's design point.

    Parameters
    ----------
    name : label.
    capacity_flow_nm3_min : design inlet (mixed) flow [Nm³/min, 0 °C].
    design_ch4_pct : design inlet concentration [%]; design CH4 = capacity × design / 100.
    ch4_min_pct, ch4_max_pct : accepted inlet window [%].
    safe_transport : inlet has a safe-transport system (may take gas inside the explosive band).
    """

    name: str
    capacity_flow_nm3_min: float
    design_ch4_pct: float
    ch4_min_pct: float
    ch4_max_pct: float
    safe_transport: bool = False

    @property
    def design_ch4_nm3_min(self) -> float:
        return self.capacity_flow_nm3_min * self.design_ch4_pct / 100.0


@dataclass(frozen=True)
class PublishedFigure:
    """A published ratio of actual to design output, with what it compares."""

    label: str
    value_frac: float
    basis: str


@dataclass(frozen=True)
class DesignCheck:
    """How much of a unit's design CH4 throughput (hence output) the gas could support.

    ``supported_frac`` is the mean over periods with data of ``min(1, deliverable / design)``, where the deliverable
    CH4 is the best blend of the available streams within the unit's window and capacity
    (:func:`minegas.utilization.blending.blend_over_time`). Each short period is attributed to ``gas supply`` (the
    streams carry less CH4 than the design needs) or ``unit constraints`` (enough CH4, but window, capacity or
    explosive band stop it). ``comparison`` places the result against published figures and says when those
    disagree with each other.
    """

    unit: str
    periods: int
    periods_with_data: int
    step_hours: float
    design_ch4_nm3_min: float
    supported_frac: float
    supported_ch4_nm3: float
    design_ch4_nm3: float
    hours_full: float
    hours_short_gas_supply: float
    hours_short_unit_constraints: float
    binding: str
    comparison: list[str]

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def design_vs_actual(periods: pd.DataFrame, unit: UnitDesign, streams: Sequence[str] | None = None,
                     published: Sequence[PublishedFigure] = (), disagree_rel: float = 0.05) -> DesignCheck:
    """Design-vs-actual check of an existing unit fed by the stations in ``periods`` (output of :func:`hourly`).

    Parameters
    ----------
    periods : per-period station supply (flow, CH4 %); all listed stations may feed the unit (blended).
    unit : the unit's design point and window.
    streams : the stations that feed the unit (default all).
    published : published actual/design ratios to compare with.
    disagree_rel : two published figures disagree when they differ by more than this share of the smaller.
    """
    sel = periods if streams is None else periods[periods["station"].isin(list(streams))]
    idx, names, flow, pct = wide(sel)
    if not names:
        raise InputError("design check: no supply", [Problem("no station periods to check", field="streams")])
    step_h = float((idx[1] - idx[0]).total_seconds() / 3600.0) if len(idx) > 1 else 1.0
    has = ~np.all(np.isnan(flow) | np.isnan(pct), axis=1)
    spec = BlendSpec(target_pct=(unit.ch4_min_pct + unit.ch4_max_pct) / 2.0,
                     tolerance_pct=(unit.ch4_max_pct - unit.ch4_min_pct) / 2.0,
                     capacity_nm3_min=unit.capacity_flow_nm3_min, safe_transport=unit.safe_transport)
    hb = blend_over_time(names, flow[has], pct[has], spec, step_hours=step_h)
    design = unit.design_ch4_nm3_min
    frac = np.minimum(1.0, hb.ch4_nm3_min / design) if design > 0 else np.zeros(hb.ch4_nm3_min.size)
    avail_ch4 = np.nansum(np.nan_to_num(flow[has]) * np.nan_to_num(pct[has]) / 100.0, axis=1)
    short = frac < 1.0 - 1e-9
    gas = short & (avail_ch4 < design * (1.0 - 1e-9))
    unit_c = short & ~gas
    n_data = int(has.sum())
    supported = float(frac.mean()) if n_data else 0.0
    binding = ("gas supply" if gas.sum() >= unit_c.sum() and gas.any() else
               "unit constraints" if unit_c.any() else "none (design output supported)")
    comp: list[str] = []
    pubs = sorted(published, key=lambda f: f.value_frac)
    for f in pubs:
        comp.append(f"{f.label}: {f.value_frac:.3f} ({f.basis}); computed {supported:.3f} is "
                    f"{'above' if supported > f.value_frac else 'below'} it by "
                    f"{abs(supported - f.value_frac):.3f}")
    if len(pubs) >= 2:
        lo, hi = pubs[0], pubs[-1]
        inside = lo.value_frac <= supported <= hi.value_frac
        comp.append(f"computed {supported:.3f} lies {'inside' if inside else 'outside'} the published band "
                    f"[{lo.value_frac:.3f}, {hi.value_frac:.3f}]")
        if hi.value_frac > lo.value_frac * (1.0 + disagree_rel):
            comp.append(f"the published figures disagree: {lo.label} = {lo.value_frac:.3f} vs {hi.label} = "
                        f"{hi.value_frac:.3f} ({100.0 * (hi.value_frac / lo.value_frac - 1.0):.0f} % apart) — "
                        "they compare different things and cannot both be the same ratio")
    return DesignCheck(
        unit=unit.name, periods=len(idx), periods_with_data=n_data, step_hours=step_h,
        design_ch4_nm3_min=design, supported_frac=supported,
        supported_ch4_nm3=float(np.minimum(hb.ch4_nm3_min, design).sum() * 60.0 * step_h),
        design_ch4_nm3=float(design * 60.0 * step_h * n_data), hours_full=float((~short).sum() * step_h),
        hours_short_gas_supply=float(gas.sum() * step_h), hours_short_unit_constraints=float(unit_c.sum() * step_h),
        binding=binding, comparison=comp)


def frame_from_arrays(ts: Sequence[Any] | pd.DatetimeIndex, series: Mapping[str, tuple[np.ndarray, np.ndarray]]
                      ) -> pd.DataFrame:
    """Build a sample frame from per-station arrays ``{station: (flow_nm3_min, ch4_pct)}`` on shared times."""
    t = pd.DatetimeIndex(pd.to_datetime(list(ts), utc=True))
    parts = [pd.DataFrame({"ts": t, "station": name, "flow_nm3_min": np.asarray(f, dtype=float),
                           "ch4_pct": np.asarray(c, dtype=float)}) for name, (f, c) in series.items()]
    return pd.concat(parts, ignore_index=True)
