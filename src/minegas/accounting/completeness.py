"""Data completeness per mine and CST day: uploads received vs expected, and the measured share of each station.

Two views of the same question — did the mine's monitoring data arrive and are they usable?

- **Uploads** (上传完整率): the committed ingest batches (``ingest_batch``) of readings files (KJ CDSS, DB14 AQSS,
  canonical long/wide) per mine and CST day of their data time, against the expected number — given, or derived
  from the mine's **observed upload cadence** (the median spacing of its files' data times; a KJ system uploads
  every 30 s – 1 h). A KJ file's time is the *end* of its upload window, so a file stamped 00:00 belongs to the
  day before (the day of ``file_time − 1 s``). Rejected files are counted apart (a rejected KJ file is placed by
  its file name, the only thing known of it).
- **Stations** (测站数据完整率): ``measured_s / 86 400`` of each station and day from the station-day totals (rule
  ``exclude``: only quality-assured, integrated time counts).

Days with no upload at all are listed (0 received). Files without a data time (some canonical files) cannot be
placed on a day: each row repeats the mine's count of them (``uploads_undated``), so nothing is silently dropped.
"""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import sqlalchemy as sa

from minegas.errors import InputError, Problem
from minegas.periods import CST, parse_period

if TYPE_CHECKING:
    from minegas.measurements.store import Store

READING_KINDS = ("CDSS", "AQSS", "long", "wide")
"""Batch kinds that carry readings (definitions, statistics and events are not uploads of readings)."""

DAY_S = 86_400.0


def observed_cadence_s(file_times: list[datetime]) -> float | None:
    """The mine's upload cadence [s]: the median positive spacing of its files' distinct data times (None with
    fewer than two). The median ignores late and missing files."""
    ts = sorted({t.timestamp() for t in file_times})
    d = [b - a for a, b in itertools.pairwise(ts) if b > a]
    return float(statistics.median(d)) if d else None


def _day_of_upload(t: datetime) -> date:
    """CST day an upload belongs to: its data time is the end of its window (KJ file naming)."""
    return (t.astimezone(CST) - timedelta(seconds=1)).date()


def upload_completeness(store: Store, period: str, *, mine_codes: list[str] | None = None,
                        expected_per_day: float | dict[str, float] | None = None,
                        station_coverage: pa.Table | None = None) -> pa.Table:
    """Uploads received vs expected, and station coverage, per mine and CST day of ``period``.

    Parameters
    ----------
    store : the store (its registry holds ``ingest_batch``).
    period : the period (CST days).
    mine_codes : the mines (default: every mine of the registry).
    expected_per_day : uploads expected per day — one number for all mines or per mine; default: 86 400 / the
        mine's observed cadence (all its committed batches up to the period's end).
    station_coverage : station-day totals to use (:func:`minegas.accounting.totals.store_station_totals`);
        default: computed (rule ``exclude``).

    Returns
    -------
    pyarrow.Table per (mine_code, day): ``uploads_received``, ``uploads_rejected``, ``uploads_expected``,
    ``upload_completeness_frac`` (received / expected, capped at 1; null without an expectation),
    ``cadence_s``, ``expected_basis`` (``given``/``observed``/``none``), ``uploads_undated`` (the mine's batches
    without a data time, over the period), ``stations``, ``station_coverage_mean_frac``,
    ``station_coverage_min_frac``, ``worst_station``.
    """
    from minegas.accounting import totals as T
    from minegas.measurements.readers.kj import NAME_RE as KJ_NAME_RE
    from minegas.registry import repository as repo
    from minegas.registry.store_models import IngestBatch

    p = parse_period(period)
    start, end = T.period_days(period)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    with store.session() as s:
        codes = [m.code for m in repo.mines(s)] if mine_codes is None else list(mine_codes)
        for c in codes:
            repo.mine(s, c)
        q = sa.select(IngestBatch.mine_code, IngestBatch.file_time, IngestBatch.status, IngestBatch.kind).where(
            IngestBatch.mine_code.in_(codes), IngestBatch.kind.in_(READING_KINDS))
        batches: list[tuple[Any, ...]] = [tuple(r) for r in s.execute(q).all()]
        # a rejected file is recorded without mine, kind or time (it was not read): a KJ file name tells them
        for (name,) in s.execute(sa.select(IngestBatch.file_name).where(IngestBatch.status == "rejected",
                                                                          IngestBatch.mine_code.is_(None))):
            m = KJ_NAME_RE.match(name)
            if m and m["mine"] in codes and m["kind"] in READING_KINDS:
                t = datetime.strptime(m["ts"], "%Y%m%d%H%M%S").replace(tzinfo=CST)
                batches.append((m["mine"], t, "rejected", m["kind"]))
    received: dict[tuple[str, date], int] = defaultdict(int)
    rejected: dict[tuple[str, date], int] = defaultdict(int)
    undated: dict[str, int] = defaultdict(int)
    history: dict[str, list[datetime]] = defaultdict(list)
    for mine_or_none, ft, status, _kind in batches:
        mine = str(mine_or_none)
        if ft is None:
            if status == "committed":
                undated[mine] += 1
            continue
        if status == "committed" and ft <= p.end:
            history[mine].append(ft)
        d = _day_of_upload(ft)
        if start <= d <= end:
            (received if status == "committed" else rejected)[(mine, d)] += 1
    if station_coverage is None:
        try:
            station_coverage = T.store_station_totals(store, period, mine_codes=codes)
        except InputError:
            station_coverage = None
    cov: dict[tuple[str, date], list[tuple[float, str]]] = defaultdict(list)
    if station_coverage is not None:
        for r in station_coverage.select(["mine_code", "station_code", "day", "measured_s"]).to_pylist():
            cov[(r["mine_code"], r["day"])].append((float(r["measured_s"]) / DAY_S, r["station_code"]))
    rows: list[dict[str, Any]] = []
    for c in sorted(codes):
        cadence = observed_cadence_s(history.get(c, []))
        if isinstance(expected_per_day, dict):
            exp, basis = expected_per_day.get(c), "given" if c in expected_per_day else "none"
        elif expected_per_day is not None:
            exp, basis = float(expected_per_day), "given"
        else:
            exp, basis = None, "none"
        if exp is None and cadence is not None:
            exp, basis = DAY_S / cadence, "observed"
        if exp is not None and not exp > 0:
            raise InputError("bad expectation", [Problem("uploads expected per day must be > 0",
                                                         field="expected_per_day", value=str(exp))])
        for d in days:
            n = received.get((c, d), 0)
            st = cov.get((c, d), [])
            covs = [x for x, _ in st]
            rows.append({
                "mine_code": c, "day": d, "uploads_received": n, "uploads_rejected": rejected.get((c, d), 0),
                "uploads_expected": exp, "upload_completeness_frac": None if exp is None else min(1.0, n / exp),
                "cadence_s": cadence, "expected_basis": basis, "uploads_undated": undated.get(c, 0),
                "stations": len(st), "station_coverage_mean_frac": float(np.mean(covs)) if covs else None,
                "station_coverage_min_frac": min(covs) if covs else None,
                "worst_station": min(st)[1] if st else None,
            })
    schema = pa.schema([
        ("mine_code", pa.string()), ("day", pa.date32()), ("uploads_received", pa.int64()),
        ("uploads_rejected", pa.int64()), ("uploads_expected", pa.float64()),
        ("upload_completeness_frac", pa.float64()), ("cadence_s", pa.float64()), ("expected_basis", pa.string()),
        ("uploads_undated", pa.int64()), ("stations", pa.int64()), ("station_coverage_mean_frac", pa.float64()),
        ("station_coverage_min_frac", pa.float64()), ("worst_station", pa.string())])
    return pa.Table.from_pylist(rows, schema=schema)


def station_completeness(station_days: pa.Table) -> pa.Table:
    """Per station and day: ``coverage_frac`` = measured_s / 86 400 and ``covered_frac`` = (measured +
    substituted) / 86 400, from station-day totals."""
    meas = np.asarray(station_days.column("measured_s"), dtype=float)
    sub = (np.asarray(station_days.column("substituted_s"), dtype=float) if "substituted_s" in
           station_days.column_names else np.zeros_like(meas))
    return pa.table({"mine_code": station_days.column("mine_code"), "station_code": station_days.column("station_code"),
                     "day": station_days.column("day"), "measured_s": pa.array(meas),
                     "coverage_frac": pa.array(meas / DAY_S), "covered_frac": pa.array((meas + sub) / DAY_S)})


__all__ = ["READING_KINDS", "observed_cadence_s", "station_completeness", "upload_completeness"]
