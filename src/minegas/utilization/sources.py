"""A mine's gas sources (气源) from the registry and the measurement store: what each drainage system and return
shaft delivers hour by hour, how available it is, and what it currently feeds — the input of source profiles,
"design vs actual" of existing units and recommendations (docs/utilization.md, "Sources from the store").

Where the figures come from
---------------------------
- **Registry** (:mod:`minegas.registry.repository`): stations, units and the gas network (``gas_link``) valid at
  the last second of the period. Stations are assigned to balance lines by the MRV engine's own rule,
  :func:`minegas.accounting.balance.classify`: drainage mains (抽采主管, per high/low negative-pressure system;
  branches where a system has no main) are drained-gas sources, return shafts (回风井) VAM sources (乏风), and every
  station feeding a unit (utilization, flare, vent stack, off-site transfer) is an outflow of the sources upstream
  of it in the network.
- **Period totals** per station — pure CH4 and mixed gas [Nm³ at 0 °C], time-weighted means, covered seconds —
  from the MRV engine (:func:`minegas.accounting.engine.station_totals`, gap rule ``exclude``): the figures the
  MRV reports show.
- **Hourly profiles** from the store's aligned station samples (``Store.read("aligned", …)``, flows already at
  0 °C), integrated over CST hours by the MRV reference integrator
  (:func:`minegas.accounting.reference_integration.window_integrals`) with the engine's semantics: a segment between
  two samples counts if both pass the QA mask (``EXCLUDE_MASK``), its values are present and it is not longer than
  the station's ``max_gap_s``; ``trapezoid``/``hold`` per station; counter stations (``increment``: a sample's rate
  holds over the segment it ends) are integrated as ``hold`` on the time-reversed series. Hours therefore add up
  to the engine's totals (tested to 1e-9), and a segment crossing an hour boundary is split there exactly. Times
  are taken in whole seconds, as the engine does.

An hour's mean flow is its integral over the seconds it is covered (partly covered hours keep the mean of their
covered part; uncovered hours are gaps), its concentration the flow-weighted ``100 × ∫pure / ∫mixed``.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from minegas.accounting.reference_integration import window_integrals
from minegas.errors import InputError, Problem
from minegas.measurements.flags import EXCLUDE_MASK
from minegas.periods import CST, Period, parse_period
from minegas.physics.energy import LHV_MJ_PER_NM3_0C
from minegas.physics.safety import ExplosiveRange
from minegas.utilization.profiles import (
    DesignCheck,
    PublishedFigure,
    StationProfile,
    UnitDesign,
    design_vs_actual,
    station_profile,
)
from minegas.utilization.recommend import MineSources, Source

if TYPE_CHECKING:
    from minegas.accounting.balance import Assignment
    from minegas.measurements.store import Store
    from minegas.registry.repository import GasLinkInfo, MineInfo, StationInfo, UnitInfo
    from minegas.settings import Settings
    from minegas.utilization.catalog import Catalog, Technology

F64 = npt.NDArray[np.float64]
HOUR_S = 3600
"""Length of a profile period [s]: CST hours (China Standard Time has no DST, so CST hours are UTC hours)."""

ALIGNED_COLUMNS = ("station_code", "ts", "integration", "max_gap_s", "flags", "ch4_flow_nm3_min",
                   "flow_mixed_nm3_min")
"""Aligned-sample columns (:data:`minegas.measurements.align.ALIGNED_SCHEMA`) the hourly profile reads."""

HOURS_COLUMNS = ("station", "period", "flow_nm3_min", "ch4_nm3_min", "ch4_pct", "samples", "covered_s", "ch4_nm3",
                 "mixed_nm3")
"""Columns of :func:`station_hours`: the :func:`minegas.utilization.profiles.hourly` frame plus the integrals."""

SOURCE_CATEGORIES = {"drained": "drained", "vam_liberated": "vam"}
"""Balance categories (:func:`minegas.accounting.balance.classify`) that are gas sources, and their kind."""

OUTFLOW_CATEGORIES = ("utilized", "flared", "transferred", "vented", "vam_oxidized")
"""Balance categories of stations that carry a source's gas into a unit."""

_REL_TOL = 1e-9


# --- hourly integration of aligned samples (pure) ------------------------------------------------------------------


def _parts(integ: npt.NDArray[np.object_], gap: F64, fok: npt.NDArray[np.bool_], v: F64
           ) -> list[tuple[int, int, str, float]]:
    """Split one station's rows into parts integrated with one call each: ``(first, stop, rule, max_gap_s)`` over
    rows ``[first, stop)``.

    A segment belongs to the row that ends it, so a part whose configuration (rule, ``max_gap_s``) starts at row
    ``j`` begins at row ``j − 1`` (its predecessor). Counter (``increment``) parts are also split at a sample whose
    flags pass but whose rate is missing: the segment it ends is a gap, but the next one (which uses only the next
    sample's rate) is not — in the reversed ``hold`` integration that sample is then the first row of the next
    part, where its value is never integrated and is set to 0 only to mark the row as present."""
    n = integ.size
    change = np.flatnonzero((integ[1:] != integ[:-1]) | (gap[1:] != gap[:-1])) + 1
    starts = [0, *change.tolist()]
    stops = [*change.tolist(), n]
    out: list[tuple[int, int, str, float]] = []
    for j, k in zip(starts, stops, strict=True):
        first = max(j - 1, 0)
        rule = str(integ[j])
        if rule == "increment":
            inner = np.arange(first + 1, k - 1)
            cuts = inner[fok[inner] & ~np.isfinite(v[inner])].tolist()
            for a, b in itertools.pairwise([first, *cuts, k - 1]):
                out.append((a, b + 1, rule, float(gap[j])))
        else:
            out.append((first, k, rule, float(gap[j])))
    return out


def _integrate_station(t_s: F64, values: F64, fok: npt.NDArray[np.bool_], integ: npt.NDArray[np.object_], gap: F64,
                       starts: F64, ends: F64) -> tuple[F64, F64]:
    """Integral [value·s] and measured seconds of one station's value over windows (see the module docstring)."""
    total = np.zeros(starts.size)
    covered = np.zeros(starts.size)
    for a, b, rule, max_gap in _parts(integ, gap, fok, values):
        if b - a < 2:
            continue
        t = t_s[a:b]
        v = values[a:b].copy()
        ok = fok[a:b]
        if rule == "increment":
            if ok[0] and not math.isfinite(v[0]):
                v[0] = 0.0
            w = window_integrals(-t[::-1], v[::-1], ok[::-1], -ends, -starts, method="hold", max_gap_s=max_gap)
        else:
            w = window_integrals(t, v, ok, starts, ends, method="hold" if rule == "hold" else "trapezoid",
                                 max_gap_s=max_gap)
        total += w.integral
        covered += w.measured_s
    return total, covered


def station_hours(aligned: pa.Table, start_s: float, end_s: float, step_s: int = HOUR_S) -> pd.DataFrame:
    """Per station and period of ``step_s`` seconds: integrated pure CH4 and mixed gas, and their means.

    Pure function over aligned station samples (no I/O).

    Parameters
    ----------
    aligned : aligned samples with at least :data:`ALIGNED_COLUMNS` (``ch4_flow_nm3_min`` pure CH4 and
        ``flow_mixed_nm3_min`` mixed gas [Nm³/min, 0 °C, 101.325 kPa]; ``flags`` the QA flags; ``integration`` and
        ``max_gap_s`` of each sample's point configuration). Samples before ``start_s`` close the first segment.
    start_s, end_s : the span [UTC epoch s]; its length must be a whole number of steps (CST days are).
    step_s : period length [s] (default one hour).

    Returns
    -------
    pandas.DataFrame with :data:`HOURS_COLUMNS`, one row per station and period of the span (every period, also
    uncovered ones): ``period`` (UTC start), ``flow_nm3_min`` / ``ch4_nm3_min`` time-weighted means over the
    covered seconds (NaN when none), ``ch4_pct`` = 100 × ∫pure / ∫mixed (flow-weighted, rounded to 1e-9 %),
    ``samples`` (samples in the period), ``covered_s`` (seconds with quality-assured pure flow), ``ch4_nm3`` and
    ``mixed_nm3`` (the integrals / 60: Nm³ at 0 °C).

    Reference
    ---------
    Integration semantics of docs/architecture.md "Integration hot path" and
    :mod:`minegas.accounting.reference_integration` (module docstring of this module).
    """
    n_steps = (end_s - start_s) / step_s
    if not (step_s > 0 and end_s > start_s and abs(n_steps - round(n_steps)) < 1e-9):
        raise InputError("station hours: bad span", [Problem(
            f"[{start_s}, {end_s}) is not a whole number of {step_s} s steps", field="start_s/end_s")])
    missing = [c for c in ALIGNED_COLUMNS if c not in aligned.column_names]
    if missing:
        raise InputError("station hours: aligned samples lack columns", [Problem(
            f"missing {missing}", field="aligned", fix="read the aligned dataset with these columns")])
    starts = start_s + step_s * np.arange(round(n_steps), dtype=float)
    ends = starts + step_s
    t = aligned.select(list(ALIGNED_COLUMNS)).sort_by([("station_code", "ascending"), ("ts", "ascending")])
    codes = np.asarray(t.column("station_code").to_pylist(), dtype=object)
    ts_us = np.asarray(t.column("ts").cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
    t_s = np.floor_divide(ts_us, 1_000_000).astype(float)       # whole seconds, as the engine (totals._seconds)
    flags = np.asarray(t.column("flags").to_numpy(zero_copy_only=False), dtype=np.int64)
    fok = (flags & EXCLUDE_MASK) == 0
    pure = np.asarray(t.column("ch4_flow_nm3_min").to_numpy(zero_copy_only=False), dtype=float)
    mixed = np.asarray(t.column("flow_mixed_nm3_min").to_numpy(zero_copy_only=False), dtype=float)
    integ = np.asarray(t.column("integration").to_pylist(), dtype=object)
    gap = np.asarray(t.column("max_gap_s").to_numpy(zero_copy_only=False), dtype=float)
    frames = []
    n = len(codes)
    bounds = [0, *(np.flatnonzero(codes[1:] != codes[:-1]) + 1).tolist(), n] if n else [0]
    for i, j in itertools.pairwise(bounds):
        sl = slice(i, j)
        ts_i = t_s[sl]
        keep = np.ones(j - i, dtype=bool)
        # two samples in one whole second: the first is kept (the engine integrates a 0-s segment between them and
        # starts the next from the second one's value — a difference only for sub-second sampling)
        keep[1:] = np.diff(ts_i) > 0
        idx = np.arange(i, j)[keep]
        tt = t_s[idx]
        ip, cp = _integrate_station(tt, pure[idx], fok[idx], integ[idx], gap[idx], starts, ends)
        im, cm = _integrate_station(tt, mixed[idx], fok[idx], integ[idx], gap[idx], starts, ends)
        cnt = np.searchsorted(tt, ends, side="left") - np.searchsorted(tt, starts, side="left")
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_p = np.where(cp > 0, ip / np.where(cp > 0, cp, 1.0), np.nan)
            mean_m = np.where(cm > 0, im / np.where(cm > 0, cm, 1.0), np.nan)
            pct = np.where(im > 0, 100.0 * ip / np.where(im > 0, im, 1.0),
                           np.where((cm > 0) & (im == 0), 0.0, np.nan))
        frames.append(pd.DataFrame({
            "station": str(codes[i]), "period": pd.to_datetime(starts, unit="s", utc=True),
            "flow_nm3_min": mean_m, "ch4_nm3_min": mean_p, "ch4_pct": np.round(pct, 9),
            "samples": cnt.astype(int), "covered_s": cp, "ch4_nm3": ip / 60.0, "mixed_nm3": im / 60.0}))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in HOURS_COLUMNS})
    return pd.concat(frames, ignore_index=True)[list(HOURS_COLUMNS)]


# --- reading the store ------------------------------------------------------------------------------------------


def _months(start: Any, end: Any) -> list[str]:
    """CST months touched by [start − 1 day, end + 1 day]."""
    out: set[str] = set()
    d = (start - timedelta(days=1)).astimezone(CST).date().replace(day=1)
    last = (end + timedelta(days=1)).astimezone(CST).date()
    while d <= last:
        out.add(f"{d:%Y-%m}")
        d = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    return sorted(out)


def read_station_hours(store: Store, mine_code: str, period: str | Period, stations: Iterable[str] | None = None,
                       step_s: int = HOUR_S) -> pd.DataFrame:
    """:func:`station_hours` of a mine's stations over a period, from the store's aligned samples.

    Reads the CST months of ``[start − 1 day, end + 1 day]`` (a segment is at most a day long, registry
    ``max_gap_s ≤ 86 400``, so the samples before the period that close its first segments are included).
    """
    p = parse_period(period) if isinstance(period, str) else period
    a_s, b_s = p.start.timestamp(), p.end.timestamp()
    tab = store.read("aligned", [mine_code], _months(p.start, p.end), columns=list(ALIGNED_COLUMNS))
    ts_us = tab.column("ts").cast(pa.int64())
    sel = pc.and_(pc.greater_equal(ts_us, int((a_s - 86_400) * 1e6)), pc.less_equal(ts_us, int((b_s + 86_400) * 1e6)))
    tab = tab.filter(sel)
    if stations is not None:
        tab = tab.filter(pc.is_in(tab.column("station_code"), pa.array(sorted(set(stations)), pa.string())))
    return station_hours(tab, a_s, b_s, step_s)


# --- records ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Feed:
    """Where part of a source's gas goes over the period.

    ``kind`` is the unit kind (``utilization``, ``flare``, ``vent_stack``, ``offsite_transfer``), or
    ``atmosphere`` (VAM not drawn into any unit: released through the fan diffuser, 风排) or ``unmetered`` (drained
    gas not found at any metered outflow: the balance residual of the source, reported when positive and no
    outflow station is shared with another source). ``stations`` are the stations that
    carry the source's gas to the unit, ``ch4_nm3`` their measured pure CH4 [Nm³, 0 °C] over the period (MRV
    totals), ``share_frac`` its share of the source's CH4 (None when the station is downstream of several sources).
    """

    target: str
    name_zh: str
    name_en: str | None
    kind: str
    technology: str | None
    stations: tuple[str, ...]
    ch4_nm3: float
    share_frac: float | None

    def as_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class MeasuredSource:
    """One gas source of a mine over a period, measured: a drainage system's main (抽采瓦斯) or a return shaft
    (乏风).

    Means are the MRV engine's time-weighted means over the covered seconds (0 °C, 101.325 kPa); ``ch4_pct`` is
    the flow-weighted concentration ``100 × pure / mixed``. ``hours`` is the station's rows of
    :func:`station_hours`; ``profile`` the distributions, duration curve, availability and trend
    (:func:`minegas.utilization.profiles.station_profile`; None when the period has no data); ``data_frac`` the
    covered share of the period's seconds (MRV ``coverage_frac``).
    """

    mine_code: str
    station_code: str
    name_zh: str
    name_en: str | None
    kind: Literal["drained", "vam"]
    role: str
    drainage_system: str
    period: str
    ch4_nm3: float
    mixed_nm3: float
    flow_nm3_min: float
    ch4_flow_nm3_min: float
    ch4_pct: float
    data_frac: float
    feeds: tuple[Feed, ...]
    profile: StationProfile | None = field(repr=False)
    hours: pd.DataFrame = field(repr=False)

    @property
    def supply_frac(self) -> float:
        """Share of the hours with data in which the source delivered CH4 (profile ``supply_frac``)."""
        return self.profile.supply_frac if self.profile is not None else 0.0

    def as_source(self) -> Source:
        """The mean-flow record :func:`minegas.utilization.recommend.recommend` takes (name = station code)."""
        flow = self.flow_nm3_min if math.isfinite(self.flow_nm3_min) else 0.0
        pct = self.ch4_pct if math.isfinite(self.ch4_pct) else 0.0
        return Source(self.station_code, self.kind, flow, pct)

    def as_dict(self, *, profile: bool = True) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in ("mine_code", "station_code", "name_zh", "name_en", "kind", "role",
                                           "drainage_system", "period", "ch4_nm3", "mixed_nm3", "flow_nm3_min",
                                           "ch4_flow_nm3_min", "ch4_pct", "data_frac")}
        d["supply_frac"] = self.supply_frac
        d["ref_state"] = "0C"
        d["feeds"] = [f.as_dict() for f in self.feeds]
        if profile:
            d["profile"] = self.profile.as_dict() if self.profile is not None else None
        return d


@dataclass(frozen=True)
class UnitDesignCheck:
    """Design vs actual of an existing registry unit over a period.

    ``actual`` uses the gas measured at the unit's inlet stations (what it was given; plus ambient air for a unit
    whose window lies below the explosive band, since an oxidiser's fans can always dilute); ``potential`` adds the
    gas its sources vented or released in the same hours (vent stacks of its drainage systems, the VAM of its shafts
    not drawn into any unit) — what the unit could have had without taking gas from other users (None when its
    sources vented nothing). ``intake_frac`` is the plain ratio of the measured inlet CH4 over the period (MRV
    totals) to the design CH4 over the period's length.
    """

    mine_code: str
    unit_code: str
    name_zh: str
    name_en: str | None
    technology: str
    period: str
    design: UnitDesign
    design_basis: str
    inlet_stations: tuple[str, ...]
    inlet_ch4_nm3: float
    period_design_ch4_nm3: float
    intake_frac: float
    actual: DesignCheck
    potential: DesignCheck | None
    potential_streams: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def supported_frac(self) -> float:
        """Mean hourly share of the design CH4 the inlet gas supported (``actual.supported_frac``)."""
        return self.actual.supported_frac

    def as_dict(self) -> dict[str, Any]:
        return {"mine_code": self.mine_code, "unit_code": self.unit_code, "name_zh": self.name_zh,
                "name_en": self.name_en, "technology": self.technology, "period": self.period,
                "design": {**self.design.__dict__, "design_ch4_nm3_min": self.design.design_ch4_nm3_min},
                "design_basis": self.design_basis, "inlet_stations": list(self.inlet_stations),
                "inlet_ch4_nm3": self.inlet_ch4_nm3, "period_design_ch4_nm3": self.period_design_ch4_nm3,
                "intake_frac": self.intake_frac, "supported_frac": self.supported_frac,
                "actual": self.actual.as_dict(),
                "potential": self.potential.as_dict() if self.potential is not None else None,
                "potential_streams": list(self.potential_streams), "notes": list(self.notes), "ref_state": "0C"}


# --- design point of a registry unit (pure) ----------------------------------------------------------------------


def design_point(unit: UnitInfo, tech: Technology | None = None, design_ch4_pct: float | None = None,
                 band: ExplosiveRange | None = None) -> tuple[UnitDesign, str]:
    """The design point of a registry unit: inlet capacity, design CH4 concentration, window, safe transport.

    Parameters
    ----------
    unit : the registry unit (``capacity_flow_nm3_min``: inlet mixed-gas capacity at 0 °C; window; flags).
    tech : its catalog entry (window and efficiencies where the registry has none).
    design_ch4_pct : the design inlet concentration [%] when known (overrides the rules below).
    band : the explosive band (default 5–16 %).

    Returns
    -------
    ``(UnitDesign, basis)`` — ``basis`` says in words how the design CH4 was obtained. Design CH4
    [Nm³/min] = capacity × design concentration / 100, the concentration chosen as follows:

    1. ``design_ch4_pct`` when given;
    2. a unit whose window lies below the explosive band (VAM oxidisers): the **top of its window** — the inlet is
       blended up to it (伏岩: 6 × 9×10⁴ Nm³/h, window 0.2–1.2 %, 进气中甲烷含量约为 1.2 %, seed 003 §4.4.2;
       表11's 5 184万 Nm³ = 9 000 Nm³/min × 1.2 % × 8 000 h);
    3. an electric capacity and a catalog electric efficiency: ``P_el / (η_el × LHV)`` with LHV 35.8 MJ/Nm³
       (docs/conventions.md §3), i.e. the CH4 that makes the nameplate power; then a heat capacity with the heat
       efficiency the same way — capped to the capacity at the top of the window;
    4. the catalog's design concentration (``ch4_design_pct``) clipped to the window.

    Raises
    ------
    InputError
        When the registry has no inlet capacity, or none of the rules gives a design concentration (the fix names
        ``--design-ch4-pct``).
    """
    band = band or ExplosiveRange()
    cap = unit.capacity_flow_nm3_min
    where = f"units.csv {unit.mine_code}/{unit.code}"
    if cap is None or not cap > 0:
        raise InputError(f"unit {unit.code}: no inlet capacity", [Problem(
            "the registry has no capacity_flow_nm3_min for the unit", file="units.csv", field="capacity_flow_nm3_min",
            value=f"{unit.mine_code}/{unit.code}", fix="enter the inlet (mixed) flow capacity at 0 °C in units.csv")])
    lo = unit.ch4_min_pct if unit.ch4_min_pct is not None else (tech.ch4_min_pct if tech is not None else None)
    hi = unit.ch4_max_pct if unit.ch4_max_pct is not None else (tech.ch4_max_pct if tech is not None else None)
    if lo is None or hi is None:
        raise InputError(f"unit {unit.code}: no CH4 window", [Problem(
            "neither the registry nor the catalog gives the inlet window", file="units.csv",
            field="ch4_min_pct/ch4_max_pct", value=f"{unit.mine_code}/{unit.code}",
            fix="enter ch4_min_pct and ch4_max_pct in units.csv")])
    kw_per_nm3_min = LHV_MJ_PER_NM3_0C * 1000.0 / 60.0     # 1 Nm³/min of CH4 = 596.67 kW of LHV
    if design_ch4_pct is not None:
        if not 0 < design_ch4_pct <= 100:
            raise InputError("bad design concentration", [Problem("must be within (0, 100] %",
                             field="--design-ch4-pct", value=str(design_ch4_pct))])
        pct, basis = design_ch4_pct, f"design concentration {design_ch4_pct:g} % (given)"
    elif hi < band.lel_pct:
        pct = hi
        basis = (f"top of the window {lo:g}–{hi:g} % ({where}): a lean-gas unit is blended up to it "
                 "(伏岩 seed 003 §4.4.2: window 0.2–1.2 %, inlet ≈ 1.2 %)")
    elif unit.capacity_el_kw and tech is not None and tech.eff_el_frac > 0:
        pure = unit.capacity_el_kw / (tech.eff_el_frac * kw_per_nm3_min)
        pct = min(hi, 100.0 * pure / cap)
        basis = (f"electric capacity {unit.capacity_el_kw:g} kW / (η_el {tech.eff_el_frac:g} ({tech.paramset_id}) "
                 f"× LHV {LHV_MJ_PER_NM3_0C:g} MJ/Nm³) = {pure:.4g} Nm³/min CH4"
                 + (f", capped at the window top {hi:g} %" if pct == hi else ""))
    elif unit.capacity_heat_kw and tech is not None and tech.eff_heat_frac > 0:
        pure = unit.capacity_heat_kw / (tech.eff_heat_frac * kw_per_nm3_min)
        pct = min(hi, 100.0 * pure / cap)
        basis = (f"heat capacity {unit.capacity_heat_kw:g} kW / (η_heat {tech.eff_heat_frac:g} ({tech.paramset_id}) "
                 f"× LHV {LHV_MJ_PER_NM3_0C:g} MJ/Nm³) = {pure:.4g} Nm³/min CH4"
                 + (f", capped at the window top {hi:g} %" if pct == hi else ""))
    elif tech is not None and tech.ch4_design_pct is not None:
        pct = min(max(tech.ch4_design_pct, lo), hi)
        basis = f"catalog design concentration {tech.ch4_design_pct:g} % ({tech.paramset_id}) within {lo:g}–{hi:g} %"
    else:
        raise InputError(f"unit {unit.code}: design concentration unknown", [Problem(
            "no electric or heat capacity with a catalog efficiency, and no catalog design concentration",
            file="units.csv", value=f"{unit.mine_code}/{unit.code}",
            fix="pass the design inlet concentration (--design-ch4-pct)")])
    return UnitDesign(unit.code, float(cap), float(pct), float(lo), float(hi), bool(unit.safe_transport)), basis


# --- the mine's gas ------------------------------------------------------------------------------------------------


def _upstream(stations: Sequence[StationInfo], links: Sequence[GasLinkInfo], sources: Iterable[str]
              ) -> dict[str, set[str]]:
    """Station → the source stations whose gas reaches it through the network (sources reach themselves)."""
    down: dict[str, list[str]] = defaultdict(list)
    for lk in links:
        if lk.to_station_code is not None:
            down[lk.from_station_code].append(lk.to_station_code)
    out: dict[str, set[str]] = {s.code: set() for s in stations}
    for src in sources:
        seen = {src}
        q: deque[str] = deque([src])
        while q:
            c = q.popleft()
            out.setdefault(c, set()).add(src)
            for nxt in down.get(c, []):
                if nxt not in seen:
                    seen.add(nxt)
                    q.append(nxt)
    return out


@dataclass
class MineGas:
    """Everything measured about a mine's gas over a period: registry context, MRV totals per station, hourly
    profiles of every station, the station assignment, and the sources with what they feed.

    Build it with :func:`load_mine_gas`; :func:`mine_sources` returns its ``sources``.
    """

    mine: MineInfo
    period: Period
    stations: list[StationInfo]
    units: list[UnitInfo]
    links: list[GasLinkInfo]
    assignments: dict[str, Assignment]
    totals: pd.DataFrame
    hours: pd.DataFrame
    upstream: dict[str, set[str]]
    sources: list[MeasuredSource]
    step_s: int = HOUR_S

    def station(self, code: str) -> StationInfo:
        """A station of the mine (InputError naming the known codes otherwise)."""
        for s in self.stations:
            if s.code == code:
                return s
        raise InputError(f"mine {self.mine.code}: unknown station", [Problem(
            f"no station {code!r}", field="--station", value=code,
            fix=f"use one of {', '.join(s.code for s in self.stations)}")])

    def unit(self, code: str) -> UnitInfo:
        """A unit of the mine (InputError naming the known codes otherwise)."""
        for u in self.units:
            if u.code == code:
                return u
        raise InputError(f"mine {self.mine.code}: unknown unit", [Problem(
            f"no unit {code!r}", field="--unit", value=code,
            fix=f"use one of {', '.join(u.code for u in self.units)}")])

    def total(self, station: str, column: str) -> float:
        """An MRV total of a station (0 when the station has no row)."""
        row = self.totals[self.totals["station_code"] == station]
        if row.empty:
            return 0.0
        v = row.iloc[0][column]
        return float(v) if v is not None and not pd.isna(v) else math.nan

    def profile(self, station: str, supply_threshold_nm3_min: float = 0.0) -> StationProfile | None:
        """The profile of any station of the mine (None when the period has no data for it)."""
        self.station(station)
        sub = self.hours[self.hours["station"] == station]
        if sub.empty or not (sub["covered_s"] > 0).any():
            return None
        return station_profile(sub, station, self.step_s / 3600.0, supply_threshold_nm3_min)

    def mine_sources(self, sources: Sequence[str] | None = None) -> MineSources:
        """The :class:`~minegas.utilization.recommend.MineSources` record of the measured sources (optionally only
        ``sources``, by station code) for :func:`~minegas.utilization.recommend.recommend`."""
        sel = self.sources if sources is None else [s for s in self.sources if s.station_code in set(sources)]
        closed = self.mine.status in ("closed", "abandoned") or self.mine.closed_on is not None
        return MineSources(self.mine.code, [s.as_source() for s in sel], self.mine.name_zh,
                           underground=self.mine.mining_method == "underground", closed=closed)

    def inlet_stations(self, unit_code: str) -> list[str]:
        """Stations that carry gas into the unit (links to it, or ``unit_code`` with an inlet role)."""
        return sorted(c for c, a in self.assignments.items()
                      if a.unit_code == unit_code and a.category in OUTFLOW_CATEGORIES)

    def unit_check(self, unit_code: str, *, design_ch4_pct: float | None = None, catalog: Catalog | None = None,
                   potential: bool = True, published: Sequence[PublishedFigure] = ()) -> UnitDesignCheck:
        """Design vs actual of an existing unit (:class:`UnitDesignCheck`; design point by :func:`design_point`)."""
        from minegas.utilization.catalog import load_catalog

        u = self.unit(unit_code)
        cat = catalog or load_catalog()
        tech = cat.get(u.technology)
        inlets = self.inlet_stations(unit_code)
        if not inlets:
            raise InputError(f"unit {unit_code}: no metered inlet", [Problem(
                f"no station of mine {self.mine.code} carries gas into {unit_code}", file="stations.csv",
                field="unit_code", value=unit_code,
                fix="register its inlet station (role unit_inlet/flare_inlet with unit_code, or a gas_link to it)")])
        design, basis = design_point(u, tech, design_ch4_pct)
        band = ExplosiveRange()
        notes: list[str] = []
        lean = design.ch4_max_pct < band.lel_pct
        cols = ["station", "period", "flow_nm3_min", "ch4_pct"]
        inlet_rows = self.hours[self.hours["station"].isin(inlets)][cols]
        if not (self.hours[self.hours["station"].isin(inlets)]["covered_s"] > 0).any():
            raise InputError(f"unit {unit_code}: no data", [Problem(
                f"its inlet stations {', '.join(inlets)} have no quality-assured samples in {self.period.label}",
                field="--period", value=self.period.label, fix="choose a period with data (minegas mrv completeness)")])
        if lean:
            notes.append("ambient air may dilute the inlet (the unit's window lies below the explosive band)")
        actual = design_vs_actual(self._with_air(inlet_rows, design, lean), design, published=published)
        pot: DesignCheck | None = None
        pot_streams: list[str] = []
        if potential:
            extra = self._spare(unit_code, inlets)
            if not extra.empty:
                pot_streams = sorted(extra["station"].unique())
                pot = design_vs_actual(self._with_air(pd.concat([inlet_rows, extra], ignore_index=True), design,
                                                      lean), design)
            else:
                notes.append("its sources vented or released no gas in the period: potential = actual")
        inlet_ch4 = math.fsum(self.total(c, "ch4_nm3") for c in inlets)
        per_design = design.design_ch4_nm3_min * self.period.seconds / 60.0
        return UnitDesignCheck(
            mine_code=self.mine.code, unit_code=u.code, name_zh=u.name_zh, name_en=u.name_en,
            technology=u.technology, period=self.period.label, design=design, design_basis=basis,
            inlet_stations=tuple(inlets), inlet_ch4_nm3=inlet_ch4, period_design_ch4_nm3=per_design,
            intake_frac=inlet_ch4 / per_design if per_design > 0 else math.nan, actual=actual, potential=pot,
            potential_streams=tuple(pot_streams), notes=tuple(notes))

    def _with_air(self, rows: pd.DataFrame, design: UnitDesign, lean: bool) -> pd.DataFrame:
        """Add an ambient-air stream (0 % CH4, up to the unit's capacity) in the hours with data, for lean units."""
        if not lean:
            return rows
        have = rows.dropna(subset=["flow_nm3_min", "ch4_pct"])["period"].unique()
        air = pd.DataFrame({"station": "air", "period": pd.to_datetime(have, utc=True),
                            "flow_nm3_min": design.capacity_flow_nm3_min, "ch4_pct": 0.0})
        return pd.concat([rows, air], ignore_index=True)

    def _spare(self, unit_code: str, inlets: Sequence[str]) -> pd.DataFrame:
        """Hourly gas the unit's sources vented (their vent-stack stations) or released (shaft VAM not drawn into
        any unit: shaft − Σ its unit inlets, at the shaft's concentration)."""
        srcs: set[str] = set()
        for c in inlets:
            srcs |= self.upstream.get(c, set())
        cols = ["station", "period", "flow_nm3_min", "ch4_pct"]
        parts: list[pd.DataFrame] = []
        for c, a in sorted(self.assignments.items()):
            if a.category == "vented" and self.upstream.get(c, set()) & srcs and c not in inlets:
                parts.append(self.hours[self.hours["station"] == c][cols])
        by_source = {s.station_code: s for s in self.sources}
        for src in sorted(srcs):
            s = by_source.get(src)
            if s is None or s.kind != "vam":
                continue
            fed = [c for c, a in self.assignments.items()
                   if a.category in OUTFLOW_CATEGORIES and src in self.upstream.get(c, set())]
            shaft = self.hours[self.hours["station"] == src].set_index("period")
            drawn = (self.hours[self.hours["station"].isin(fed)].groupby("period")["flow_nm3_min"].sum()
                     .reindex(shaft.index).fillna(0.0))
            rest = (shaft["flow_nm3_min"] - drawn).clip(lower=0.0)
            parts.append(pd.DataFrame({"station": f"{src}-released", "period": shaft.index,
                                       "flow_nm3_min": rest.to_numpy(), "ch4_pct": shaft["ch4_pct"].to_numpy()}))
        parts = [p for p in parts if not p.empty]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


def _open_store(settings: Settings | None) -> Store:
    from minegas.measurements.store import Store
    from minegas.settings import get_settings

    s = settings or get_settings()
    return Store.open(s.home, s.database_url, migrate=False)


def load_mine_gas(mine_code: str, period: str, settings: Settings | None = None, *, store: Store | None = None,
                  supply_threshold_nm3_min: float = 0.0, engine: str | Any = "duckdb", step_s: int = HOUR_S
                  ) -> MineGas:
    """Registry context, MRV totals and hourly profiles of every station of a mine, and its sources.

    Parameters
    ----------
    mine_code : the mine (煤矿编码).
    period : ``2025-03``, ``2025-Q1``, ``2025-03-01..2025-03-07`` … (CST, docs/conventions.md §4).
    settings : data home and registry (default: the environment's, :mod:`minegas.settings`).
    store : an open store to use instead (then ``settings`` is ignored and the store is not closed).
    supply_threshold_nm3_min : pure CH4 flow above which an hour counts as supplying (profile ``supply_frac``).
    engine : query engine of the MRV totals (``duckdb`` or ``pyspark``).
    step_s : profile period [s] (default one hour); must divide a day.

    Raises
    ------
    InputError
        Unknown mine, bad period, or no measurements of the mine in the period (exit code 2).
    """
    from minegas.accounting import engine as E
    from minegas.registry import repository as repo

    p = parse_period(period)
    if not (0 < step_s <= 86_400 and 86_400 % step_s == 0):
        raise InputError("bad profile period", [Problem(f"{step_s} s does not divide a day", field="--freq",
                                                        value=str(step_s), fix="use e.g. 1h, 15min or 1D")])
    own = store is None
    st = _open_store(settings) if store is None else store
    try:
        with st.session() as ss:
            info = repo.mine(ss, mine_code)
            stations = repo.stations(ss, mine_code)
            units = repo.units(ss, mine_code)
            links = repo.topology(ss, mine_code, at=p.end - timedelta(seconds=1))
        hours = read_station_hours(st, mine_code, p, step_s=step_s)
        if hours.empty or not (hours["covered_s"] > 0).any():
            raise InputError(f"mine {mine_code}: no measurements in {p.label}", [Problem(
                "the store has no quality-assured station samples of the mine in the period", field="--period",
                value=p.label, fix="ingest the mine's monitoring files (minegas ingest) or choose another period")])
        totals = E.station_totals(st, p.label, mine_codes=[mine_code], gap_rule="exclude", engine=engine).to_pandas()
    finally:
        if own:
            st.close()
    return assemble(info, p, stations, units, links, totals, hours, supply_threshold_nm3_min=supply_threshold_nm3_min,
                    step_s=step_s)


def assemble(mine: MineInfo, period: Period, stations: Sequence[StationInfo], units: Sequence[UnitInfo],
             links: Sequence[GasLinkInfo], totals: pd.DataFrame, hours: pd.DataFrame, *,
             supply_threshold_nm3_min: float = 0.0, step_s: int = HOUR_S) -> MineGas:
    """Build a :class:`MineGas` from registry records, MRV station totals and hourly frames (pure; what
    :func:`load_mine_gas` does after reading).

    ``totals`` needs the columns ``station_code, ch4_nm3, mixed_nm3, flow_mixed_nm3_min_mean,
    ch4_flow_nm3_min_mean, coverage_frac, measured_s`` (:func:`minegas.accounting.engine.station_totals`);
    ``hours`` is :func:`station_hours` output.
    """
    from minegas.accounting.balance import classify

    assign = classify(stations, units, links)
    src_codes = [s.code for s in stations if (a := assign.get(s.code)) is not None and a.category in SOURCE_CATEGORIES]
    up = _upstream(stations, links, src_codes)
    gas = MineGas(mine, period, list(stations), list(units), list(links), assign, totals, hours, up, [], step_s)
    gas.sources = [_source(gas, s, supply_threshold_nm3_min) for s in stations if s.code in src_codes]
    return gas


def _source(gas: MineGas, s: StationInfo, threshold: float) -> MeasuredSource:
    a = gas.assignments[s.code]
    assert a.category is not None
    kind: Literal["drained", "vam"] = "vam" if SOURCE_CATEGORIES[a.category] == "vam" else "drained"
    ch4 = gas.total(s.code, "ch4_nm3")
    unit_by = {u.code: u for u in gas.units}
    by_unit: dict[str, list[str]] = defaultdict(list)
    shared: set[str] = set()
    same_system = {x.code for x in gas.stations if x.drainage_system == s.drainage_system
                   and (ax := gas.assignments.get(x.code)) is not None and ax.category == "drained"}
    for c, asg in gas.assignments.items():
        if asg.category not in OUTFLOW_CATEGORIES or asg.unit_code is None:
            continue
        ups = gas.upstream.get(c, set())
        if not ups and kind == "drained" and asg.system == s.drainage_system:
            ups = same_system    # an inlet not linked in the network: attributed to its drainage system's sources
        if s.code in ups:
            by_unit[asg.unit_code].append(c)
            if len(ups) > 1:
                shared.add(asg.unit_code)
    feeds: list[Feed] = []
    for code in sorted(by_unit):
        u = unit_by.get(code)
        val = math.fsum(gas.total(c, "ch4_nm3") for c in by_unit[code])
        feeds.append(Feed(code, u.name_zh if u else code, u.name_en if u else None, u.kind if u else "utilization",
                          u.technology if u else None, tuple(sorted(by_unit[code])), val,
                          None if code in shared or not ch4 > 0 else val / ch4))
    metered = math.fsum(f.ch4_nm3 for f in feeds if f.share_frac is not None)
    rest = ch4 - metered
    # with a station shared by several sources, how much of it is this source's gas is unknown: no remainder
    if not shared and math.isfinite(rest) and rest > _REL_TOL * max(ch4, 1.0):
        if kind == "vam":
            feeds.append(Feed("atmosphere", "风排(乏风排空)", "released to the atmosphere", "atmosphere", None, (),
                              rest, rest / ch4 if ch4 > 0 else None))
        else:
            feeds.append(Feed("unmetered", "未计量(余量)", "not metered (balance residual)", "unmetered", None, (),
                              rest, rest / ch4 if ch4 > 0 else None))
    mixed_mean = gas.total(s.code, "flow_mixed_nm3_min_mean")
    pure_mean = gas.total(s.code, "ch4_flow_nm3_min_mean")
    pct = 100.0 * pure_mean / mixed_mean if mixed_mean and mixed_mean > 0 else math.nan
    hours = gas.hours[gas.hours["station"] == s.code].reset_index(drop=True)
    prof = (station_profile(hours, s.code, gas.step_s / 3600.0, threshold)
            if not hours.empty and (hours["covered_s"] > 0).any() else None)
    return MeasuredSource(
        mine_code=gas.mine.code, station_code=s.code, name_zh=s.name_zh, name_en=s.name_en, kind=kind, role=s.role,
        drainage_system=s.drainage_system, period=gas.period.label, ch4_nm3=ch4,
        mixed_nm3=gas.total(s.code, "mixed_nm3"), flow_nm3_min=mixed_mean, ch4_flow_nm3_min=pure_mean, ch4_pct=pct,
        data_frac=gas.total(s.code, "coverage_frac"), feeds=tuple(feeds), profile=prof, hours=hours)


def mine_sources(mine_code: str, period: str, settings: Settings | None = None, *, store: Store | None = None
                 ) -> list[MeasuredSource]:
    """The gas sources of a mine over a period, measured (see :func:`load_mine_gas` and the module docstring):
    drainage mains by system and return shafts, each with its MRV totals and means, hourly profile, availability
    and what it currently feeds."""
    return load_mine_gas(mine_code, period, settings, store=store).sources


def unit_design_check(mine_code: str, unit_code: str, period: str, settings: Settings | None = None, *,
                      store: Store | None = None, design_ch4_pct: float | None = None) -> UnitDesignCheck:
    """Design vs actual of an existing registry unit over a period (:meth:`MineGas.unit_check`)."""
    return load_mine_gas(mine_code, period, settings, store=store).unit_check(unit_code,
                                                                              design_ch4_pct=design_ch4_pct)


__all__ = ["ALIGNED_COLUMNS", "HOURS_COLUMNS", "HOUR_S", "Feed", "MeasuredSource", "MineGas", "UnitDesignCheck",
           "assemble", "design_point", "load_mine_gas", "mine_sources", "read_station_hours", "station_hours",
           "unit_design_check"]
