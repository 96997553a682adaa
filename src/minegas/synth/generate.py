"""``generate``: a synthetic region for any period and cadence, written as KJ files, canonical CSV/Parquet and
registry CSVs, with injected faults and a ground-truth ledger (docs/synth.md).

Output folder (replaced atomically: everything is written into a temporary sibling folder that is renamed into
place at the end; an existing output folder is replaced only if it holds a previous ``synth.json``)::

    synth.json                                  parameters, layout, per-mine summary (deterministic)
    registry/<table>.csv                        registry import files (docs/registry.md)
    kj/<yyyymmdd>/<mine>_<TYPE>_<yyyyMMddHHmmss>.txt   KJ files in batch folders (CST delivery day)
    canonical/long|wide/<mine>_<yyyymm>.csv|.parquet   canonical readings (docs/formats.md §3)
    ledger/readings/<mine>.parquet              one row per generated reading: sent? file, record, fault, stored?
    ledger/files.parquet                        one row per written file (late, truncated, duplicate …)
    ledger/events.json                          every injected fault event and every skipped request
    truth/<mine>.parquet                        physical truth per station and sample (Nm³/min at 0 °C, CH4 %)

The ledger's ``stored`` column says which readings a strict ingest of all batch folders must end up with
(``stored_partial``: with ``--partial``), so that "stored readings = generated readings − destroyed" can be
asserted exactly.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import shutil
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from minegas import __version__
from minegas.errors import InputError, Problem
from minegas.periods import CST
from minegas.synth import kj
from minegas.synth.canonical import (
    COUNTER_COLUMN,
    FLOW_COLUMN,
    LONG_SCHEMA,
    WIDE_COLUMNS,
    WIDE_SCHEMA,
    MonthlyWriter,
    iso_cst,
)
from minegas.synth.faults import FAULT_NAMES, FaultSpec, MinePlan, apply_value_faults, plan_faults
from minegas.synth.model import MineLayout, Region, load_region, mine_layout
from minegas.synth.registry_csv import CalibrationEvent, registry_tables, write_registry
from minegas.synth.signals import (
    DAY_S,
    MineSimulator,
    cst_day,
    day_start_s,
    epoch_s,
)

FORMATS = ("kj", "tjsj", "csv", "parquet")
"""Output formats: KJ CDDY+CDSS files, KJ TJSJ 5-min statistics, canonical CSV, canonical Parquet. Registry CSVs,
the ledger and the truth are always written."""

METERS = ("working", "0C", "20C")
TJSJ_BUCKET_S = 300
"""TJSJ statistics window (5 min; research note china-monitoring-formats §3.3)."""

DICT = pa.dictionary(pa.int32(), pa.string())
"""Dictionary-encoded string (repeated codes and paths)."""

LEDGER_SCHEMA = pa.schema([
    pa.field("mine_code", DICT, nullable=False),
    pa.field("point_code", DICT, nullable=False),
    pa.field("ts", pa.timestamp("us", tz="UTC"), nullable=False),
    pa.field("value", pa.float64(), nullable=False),
    pa.field("value_clean", pa.float64(), nullable=False),
    pa.field("value_true", pa.float64(), nullable=False),
    pa.field("kj_status", pa.uint16(), nullable=False),
    pa.field("sent", pa.bool_(), nullable=False),
    pa.field("file", DICT),
    pa.field("record_no", pa.int32(), nullable=False),
    pa.field("fault", DICT, nullable=False),
    pa.field("altered", pa.bool_(), nullable=False),
    pa.field("stored", pa.bool_(), nullable=False),
    pa.field("stored_partial", pa.bool_(), nullable=False),
])
"""Readings ledger: one row per generated reading (every point × sample time of the period).

``value``: as sent (after value faults; for unsent readings what would have been sent); ``value_clean``: with
measurement noise, without faults; ``value_true``: noise-free physical value in the meter's unit and basis;
``kj_status``: status bits sent; ``sent``: not lost in a gap; ``file``: the KJ file (relative path) that first
carries it (null when not sent or no KJ output); ``record_no``: its record number in that file (header = 0;
−1 when not in a file); ``fault``: ``gap``, ``calibration``, ``stuck``, ``reset`` or empty; ``altered``: value or
status differs from the clean reading; ``stored``: a strict ingest of all KJ files keeps it (sent and not in a
truncated file; for runs without KJ output: sent); ``stored_partial``: an ingest with ``--partial`` keeps it
(also the records before the cut of a truncated file)."""

FILES_SCHEMA = pa.schema([
    pa.field("path", pa.string(), nullable=False),
    pa.field("batch", pa.string(), nullable=False),
    pa.field("mine_code", pa.string(), nullable=False),
    pa.field("kind", pa.string(), nullable=False),
    pa.field("file_ts", pa.timestamp("us", tz="UTC"), nullable=False),
    pa.field("n_records", pa.int32(), nullable=False),
    pa.field("late_days", pa.int32(), nullable=False),
    pa.field("truncated_at", pa.int32(), nullable=False),
    pa.field("duplicate_of", pa.string(), nullable=False),
    pa.field("duplicate_kind", pa.string(), nullable=False),
    pa.field("bytes", pa.int64(), nullable=False),
    pa.field("sha256", pa.string(), nullable=False),
])
"""Files ledger: ``kind`` CDDY/CDSS/TJSJ; ``n_records`` complete records written (for a truncated file the
records before the cut); ``truncated_at`` the record cut (−1: intact); ``duplicate_of`` the original's path for
re-sent copies (``duplicate_kind`` ``copy``: same name and bytes; ``overlap``: the second half of the records
under a new name)."""

TRUTH_SCHEMA = pa.schema([
    pa.field("station_code", DICT, nullable=False),
    pa.field("ts", pa.timestamp("us", tz="UTC"), nullable=False),
    pa.field("flow_nm3_min", pa.float64(), nullable=False),
    pa.field("ch4_pct", pa.float64(), nullable=False),
    pa.field("pure_nm3_min", pa.float64(), nullable=False),
    pa.field("p_kpa", pa.float64(), nullable=False),
    pa.field("t_c", pa.float64(), nullable=False),
])
"""Physical truth per station and sample: mixed (or air) flow and pure CH4 flow [Nm³/min at 0 °C], CH4 [vol %],
gauge pressure [kPa], temperature [°C] — before measurement noise and faults."""


@dataclass(frozen=True)
class Options:
    """Everything a mine job needs (picklable)."""

    seed: int
    start_s: int
    end_s: int
    cadence_s: int
    upload_s: int
    faults: FaultSpec
    formats: tuple[str, ...]
    noise: bool
    precision: str
    style: kj.KJStyle
    truth: bool


@dataclass
class MineSummary:
    """Per-mine counts and physical totals over the period (totals are Nm³ at 0 °C of pure CH4, from the truth,
    rectangle rule over the samples)."""

    mine_code: str
    name_zh: str
    gas_class: str
    points: int
    readings: int = 0
    sent: int = 0
    stored: int = 0
    stored_partial: int = 0
    kj_files: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    drained_nm3: float = 0.0
    used_nm3: float = 0.0
    flared_nm3: float = 0.0
    vented_nm3: float = 0.0
    vam_nm3: float = 0.0
    vam_destroyed_feed_nm3: float = 0.0

    @property
    def utilization_pct(self) -> float:
        return 100.0 * self.used_nm3 / self.drained_nm3 if self.drained_nm3 > 0 else 0.0


@dataclass
class GenerationResult:
    """What :func:`generate` wrote: the output folder, the manifest (also ``synth.json``) and per-mine
    summaries."""

    out_dir: Path
    manifest: dict[str, Any]
    mines: list[MineSummary]

    @property
    def totals(self) -> dict[str, float]:
        return dict(self.manifest["totals"])


# --- argument handling --------------------------------------------------------------------------------------


def parse_time(value: str | date | datetime, name: str) -> datetime:
    """An aware datetime from a date (00:00 CST), an aware datetime or their ISO text.

    Raises
    ------
    InputError
        For unparsable text or a date-time without UTC offset (fix: add +08:00).
    """
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                value = date.fromisoformat(text)
            else:
                value = datetime.fromisoformat(text)
        except ValueError:
            raise InputError(f"bad {name}", [Problem("not a date or ISO date-time", field=name, value=text,
                                                     fix="write 2025-03-01 or 2025-03-01T08:00:00+08:00")]) from None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InputError(f"bad {name}", [Problem("date-time without UTC offset", field=name,
                                                     value=value.isoformat(), fix="add +08:00")])
        return value
    return datetime(value.year, value.month, value.day, tzinfo=CST)


def _check(cadence_s: int, upload_s: int, start: datetime, end: datetime, formats: Iterable[str]) -> tuple[str, ...]:
    problems = []
    if not isinstance(cadence_s, int) or not 1 <= cadence_s <= 300:
        problems.append(Problem("cadence must be a whole number of seconds from 1 to 300", field="cadence_s",
                                value=str(cadence_s), fix="e.g. 1, 30, 60 or 300"))
    if not isinstance(upload_s, int) or not 60 <= upload_s <= DAY_S or DAY_S % upload_s:
        problems.append(Problem("upload interval must divide a day and lie in 60 s … 1 day", field="upload_s",
                                value=str(upload_s), fix="e.g. 300, 900, 3600"))
    if end <= start:
        problems.append(Problem("the period is empty", field="end", value=end.isoformat(),
                                fix="give an end after the start (or --days ≥ 1)"))
    fmts = tuple(dict.fromkeys(f.strip().lower() for f in formats if f.strip()))
    bad = [f for f in fmts if f not in FORMATS]
    if bad:
        problems.append(Problem("unknown format", field="formats", value=",".join(bad),
                                fix="use " + ", ".join(FORMATS)))
    if problems:
        raise InputError("bad generation request", problems)
    if "tjsj" in fmts and "kj" not in fmts:
        fmts = ("kj", *fmts)
    return fmts


def _prepare_out(out_dir: Path) -> Path:
    """Check the output folder may be (re)placed; return the temporary folder to write into."""
    if out_dir.exists():
        if not out_dir.is_dir():
            raise InputError("output is not a folder", [Problem("exists and is a file", file=str(out_dir),
                                                                field="--out", fix="give a folder path")])
        if any(out_dir.iterdir()) and not (out_dir / "synth.json").is_file():
            raise InputError("output folder not empty", [Problem(
                "the folder holds files that minegas synth did not write", file=str(out_dir), field="--out",
                fix="give an empty or new folder, or the folder of an earlier minegas synth run")])
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    return tmp


def _swap_in(tmp: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by ``tmp`` (rename; the old folder is removed after the new one is in place)."""
    old = None
    if out_dir.exists():
        old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
        if old.exists():
            shutil.rmtree(old)
        out_dir.replace(old)
    tmp.replace(out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _pq_options(schema: pa.Schema) -> dict[str, Any]:
    """Parquet writer options: zstd, dictionary encoding only for string columns (float columns of noisy signals
    do not repeat; trying to dictionary-encode them costs more than it saves)."""
    strings = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_dictionary(f.type)]
    return {"compression": "zstd", "use_dictionary": strings}


def _dict(indices: npt.NDArray[np.int32], values: list[str], mask: npt.NDArray[np.bool_] | None = None
          ) -> pa.DictionaryArray:
    """A dictionary-encoded string array (``mask`` True = null)."""
    return pa.DictionaryArray.from_arrays(pa.array(indices, pa.int32(), mask=mask), pa.array(values, pa.string()))


# --- one mine -----------------------------------------------------------------------------------------------


def _config_matrices(layout: MineLayout, ts: npt.NDArray[np.int64], unit_table: list[str]
                     ) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.int8]]:
    """Per point and sample: index of the configured unit string in ``unit_table`` and of the meter basis in
    :data:`METERS` (−1: none)."""
    n_pts = len(layout.points)
    u = np.zeros((n_pts, ts.size), dtype=np.int16)
    mtr = np.full((n_pts, ts.size), -1, dtype=np.int8)
    index = {p.code: i for i, p in enumerate(layout.points)}
    for c in layout.configs:
        i = index[c.point_code]
        lo = epoch_s(c.valid_from)
        hi = epoch_s(c.valid_to) if c.valid_to is not None else np.iinfo(np.int64).max
        mk = (ts >= lo) & (ts < hi)
        u[i, mk] = unit_table.index(c.unit)
        if c.meter is not None:
            mtr[i, mk] = METERS.index(c.meter)
    return u, mtr


def _wide_block(layout: MineLayout, ts: npt.NDArray[np.int64], value: npt.NDArray[np.float64],
                status: npt.NDArray[np.uint16], sent: npt.NDArray[np.bool_], unit_idx: npt.NDArray[np.int16],
                meter_idx: npt.NDArray[np.int8], unit_table: list[str]) -> dict[str, Any]:
    """Columns of the canonical wide rows of one day (see :mod:`minegas.synth.canonical`)."""
    cols: dict[str, list[Any]] = {c: [] for c in WIDE_COLUMNS if c not in ("mine_code",)}
    st_index: dict[str, list[int]] = {s.code: [] for s in layout.stations}
    for i, p in enumerate(layout.points):
        st_index[p.station].append(i)
    for s in layout.stations:
        idx = st_index[s.code]
        rows = sent[idx].any(axis=0)
        if not rows.any():
            continue
        k = int(rows.sum())
        out = {c: np.full(k, np.nan) for c in WIDE_COLUMNS[2:10]}
        stt = np.zeros(k, dtype=np.uint16)
        for i in idx:
            p = layout.points[i]
            v = np.where(sent[i], value[i], np.nan)[rows]
            stt |= np.where(sent[i], status[i], 0)[rows].astype(np.uint16)
            units = np.asarray(unit_table, dtype=object)[unit_idx[i][rows]]
            if p.signal == "ch4":
                out["ch4_pct"] = v
            elif p.signal in ("flow", "air"):
                v = np.where(units == "m³/h", v / 60.0, v)
                mt = meter_idx[i][rows]
                for mi, name in enumerate(METERS):
                    mk = mt == mi
                    out[FLOW_COLUMN[name]][mk] = v[mk]
            elif p.signal == "p":
                out["pressure_kpa"] = v
            elif p.signal == "fan":
                out["pressure_kpa"] = v / 1000.0
            elif p.signal == "t":
                out["temperature_c"] = v
            elif p.signal == "counter":
                v = np.where(units == "万m³", v * 1e4, v)
                mt = meter_idx[i][rows]
                for mi, name in enumerate(METERS):
                    if name in COUNTER_COLUMN:
                        mk = mt == mi
                        out[COUNTER_COLUMN[name]][mk] = v[mk]
        cols["station_code"].extend([s.code] * k)
        cols["ts"].extend(ts[rows].tolist())
        for c, arr in out.items():
            cols[c].extend(arr.tolist())
        cols["status"].extend(stt.tolist())
    return cols


def _run_mine(region: Region, mine_code: str, opt: Options, root: Path) -> dict[str, Any]:
    """Generate one mine: simulate day by day, apply faults, write KJ/canonical/ledger/truth files."""
    layout = mine_layout(region.mine(mine_code))
    m = layout.mine
    pts = layout.points
    n_pts = len(pts)
    codes = np.asarray([p.code for p in pts], dtype=object)
    code_list = [p.code for p in pts]
    sim = MineSimulator(region, layout, opt.seed, opt.cadence_s, opt.noise, opt.precision)
    plan = plan_faults(opt.faults, layout, opt.seed, opt.start_s, opt.end_s, opt.cadence_s, opt.upload_s)
    style = opt.style.for_mine(mine_code)
    unit_table = sorted({c.unit for c in layout.configs})
    use_kj = "kj" in opt.formats
    summary = MineSummary(m.code, m.name_zh, m.gas_class, n_pts)
    files: list[kj.FileRecord] = []
    file_ids: dict[str, int] = {}
    events: list[dict[str, Any]] = []

    def add_file(rec: kj.FileRecord, data: bytes) -> int:
        rec.bytes, rec.sha256 = kj.write_file(root, rec.path, data)
        files.append(rec)
        file_ids[rec.path] = len(files) - 1
        return len(files) - 1

    if use_kj:
        change_times = sorted({epoch_s(c.at) for c in m.meter_changes if opt.start_s < epoch_s(c.at) < opt.end_s})
        for t in [opt.start_s, *change_times]:
            recs = kj.cddy_records(layout, t)
            text = kj.assemble(kj.header(layout, "CDDY", t), recs, style)
            rel = f"kj/{kj.batch_name(t)}/{kj.file_name(m.code, 'CDDY', t)}"
            add_file(kj.FileRecord(rel, kj.batch_name(t), m.code, "CDDY", t, len(recs)), kj.encode(text, style))

    ledger_path = root / "ledger" / "readings" / f"{m.code}.parquet"
    ledger_path.parent.mkdir(parents=True, exist_ok=True)
    ledger = pq.ParquetWriter(ledger_path, LEDGER_SCHEMA, **_pq_options(LEDGER_SCHEMA))
    truth_w = None
    if opt.truth:
        tp = root / "truth" / f"{m.code}.parquet"
        tp.parent.mkdir(parents=True, exist_ok=True)
        truth_w = pq.ParquetWriter(tp, TRUTH_SCHEMA, **_pq_options(TRUTH_SCHEMA))
    long_w = MonthlyWriter(root, m.code, "long", "csv" in opt.formats, "parquet" in opt.formats, LONG_SCHEMA)
    wide_w = MonthlyWriter(root, m.code, "wide", "csv" in opt.formats, "parquet" in opt.formats, WIDE_SCHEMA)
    fault_counts = dict.fromkeys(FAULT_NAMES[1:], 0)
    dt_min = opt.cadence_s / 60.0
    unit_kind = {u.code: u.kind for u in layout.units}
    try:
        for day in range(cst_day(opt.start_s), cst_day(opt.end_s - 1) + 1):
            res = sim.day(day)
            inp = (res.ts >= opt.start_s) & (res.ts < opt.end_s)
            applied = apply_value_faults(plan, layout, res.ts, res.clean, inp, opt.precision)
            idx = np.flatnonzero(inp)
            if idx.size == 0:
                continue
            ts = res.ts[idx]
            n = ts.size
            V, S, SENT, F = applied.value[:, idx], applied.status[:, idx], applied.sent[:, idx], applied.fault[:, idx]
            C, T = res.clean[:, idx], res.true[:, idx]
            U, MT = _config_matrices(layout, ts, unit_table)
            # time-major flattening: sample by sample, points in layout order (the KJ record order)
            pidx = np.tile(np.arange(n_pts), n)
            sidx = np.repeat(np.arange(n), n_pts)
            v, st, sent = V.T.ravel(), S.T.ravel(), SENT.T.ravel()
            file_col = np.full(v.size, -1, dtype=np.int64)
            rec_no = np.full(v.size, -1, dtype=np.int32)
            stored = sent.copy()
            stored_p = sent.copy()
            if use_kj:
                _write_cdss_day(layout, plan, style, opt, root, day, ts, pidx, sidx, v, st, sent, U, unit_table,
                                file_col, rec_no, stored, stored_p, add_file, events)
            fl = F.T.ravel()
            altered = (v != C.T.ravel()) | (st != 0)
            for code, name in enumerate(FAULT_NAMES):
                if code:
                    fault_counts[name] += int((fl == code).sum())
            ledger.write_table(pa.table({
                "mine_code": _dict(np.zeros(v.size, dtype=np.int32), [m.code]),
                "point_code": _dict(pidx.astype(np.int32), code_list),
                "ts": pa.array(ts[sidx] * 1_000_000, pa.timestamp("us", tz="UTC")),
                "value": v, "value_clean": C.T.ravel(), "value_true": T.T.ravel(),
                "kj_status": pa.array(st, pa.uint16()), "sent": sent,
                "file": _dict(file_col.astype(np.int32), [f.path for f in files], mask=file_col < 0),
                "record_no": pa.array(rec_no, pa.int32()),
                "fault": _dict(fl.astype(np.int32), list(FAULT_NAMES)),
                "altered": altered, "stored": stored, "stored_partial": stored_p,
            }, schema=LEDGER_SCHEMA))
            summary.readings += int(v.size)
            summary.sent += int(sent.sum())
            summary.stored += int(stored.sum())
            summary.stored_partial += int(stored_p.sum())
            # canonical files
            if "csv" in opt.formats or "parquet" in opt.formats:
                month = datetime.fromtimestamp(int(ts[0]), CST).strftime("%Y-%m")
                sel = np.flatnonzero(sent)
                ut = np.asarray(unit_table, dtype=object)
                units = ut[U.T.ravel()[sel]]
                long_tab = pa.table({
                    "mine_code": pa.array(np.full(sel.size, m.code, dtype=object), pa.string()),
                    "point_code": pa.array(codes[pidx[sel]], pa.string()),
                    "ts": pa.array(ts[sidx[sel]] * 1_000_000, pa.timestamp("us", tz="UTC")),
                    "value": v[sel], "status": pa.array(st[sel], pa.uint16()),
                    "unit": pa.array(units, pa.string())}, schema=LONG_SCHEMA)
                long_csv = pl.DataFrame({"mine_code": [m.code] * sel.size,
                                         "point_code": codes[pidx[sel]].tolist(),
                                         "ts": iso_cst(ts).gather(sidx[sel]), "value": v[sel],
                                         "status": st[sel].astype(np.int64), "unit": units.tolist()})
                long_w.append(month, long_tab, long_csv)
                wide = _wide_block(layout, ts, V, S, SENT, U, MT, unit_table)
                k = len(wide["station_code"])
                wide_tab = pa.table({
                    "station_code": pa.array(wide["station_code"], pa.string()),
                    "ts": pa.array(np.asarray(wide["ts"], dtype=np.int64) * 1_000_000, pa.timestamp("us", tz="UTC")),
                    **{c: pa.array(np.asarray(wide[c], dtype=float), pa.float64(),
                                   mask=np.isnan(np.asarray(wide[c], dtype=float))) for c in WIDE_COLUMNS[2:10]},
                    "status": pa.array(wide["status"], pa.uint16()),
                    "mine_code": pa.array([m.code] * k, pa.string())}, schema=WIDE_SCHEMA)
                wide_csv = pl.from_arrow(wide_tab)
                assert isinstance(wide_csv, pl.DataFrame)
                wide_csv = wide_csv.with_columns(iso_cst(np.asarray(wide["ts"], dtype=np.int64)).alias("ts"))
                wide_w.append(month, wide_tab, wide_csv)
            # truth and physical totals
            if truth_w is not None:
                sts = layout.stations
                tr = [res.stations[x.code] for x in sts]
                truth_w.write_table(pa.table({
                    "station_code": _dict(np.repeat(np.arange(len(sts), dtype=np.int32), n), [x.code for x in sts]),
                    "ts": pa.array(np.tile(ts, len(sts)) * 1_000_000, pa.timestamp("us", tz="UTC")),
                    **{k: np.concatenate([x[k][idx] for x in tr]) for k in
                       ("flow_nm3_min", "ch4_pct", "pure_nm3_min", "p_kpa", "t_c")}}, schema=TRUTH_SCHEMA))
            for s in layout.stations:
                pure = float(res.stations[s.code]["pure_nm3_min"][idx].sum()) * dt_min
                if s.kind == "main":
                    summary.drained_nm3 += pure
                elif s.kind == "vent":
                    summary.vented_nm3 += pure
                elif s.kind == "shaft":
                    summary.vam_nm3 += pure
                elif s.kind == "vam_inlet":
                    summary.vam_destroyed_feed_nm3 += pure
                elif s.kind == "inlet":
                    if unit_kind.get(s.unit_code or "") == "flare":
                        summary.flared_nm3 += pure
                    else:
                        summary.used_nm3 += pure
    finally:
        ledger.close()
        if truth_w is not None:
            truth_w.close()
        long_w.close()
        wide_w.close()
    summary.kj_files = sum(1 for f in files if f.kind == "CDSS")
    summary.faults = fault_counts
    for w in plan.windows:
        events.append({"type": w.kind, "mine_code": m.code, "point_code": pts[w.point].code if w.point >= 0 else "*",
                       "start": kj.utc(w.start).isoformat(), "end": kj.utc(w.end).isoformat(), "value": w.value})
    for sk in plan.skipped:
        events.append({"type": "skipped", "mine_code": m.code, **sk})
    cal = [CalibrationEvent(m.code, pts[w.point].code, w.start, w.end, float(w.value or 0.0))
           for w in plan.windows if w.kind == "calibration"]
    return {"summary": summary, "files": [asdict(f) for f in files], "events": events, "calibrations": cal}


def _write_cdss_day(layout: MineLayout, plan: MinePlan, style: kj.KJStyle, opt: Options, root: Path, day: int,
                    ts: npt.NDArray[np.int64], pidx: npt.NDArray[np.int64], sidx: npt.NDArray[np.int64],
                    v: npt.NDArray[np.float64], st: npt.NDArray[np.uint16], sent: npt.NDArray[np.bool_],
                    U: npt.NDArray[np.int16], unit_table: list[str], file_col: npt.NDArray[np.int64],
                    rec_no: npt.NDArray[np.int32], stored: npt.NDArray[np.bool_], stored_p: npt.NDArray[np.bool_],
                    add_file: Callable[[kj.FileRecord, bytes], int], events: list[dict[str, Any]]) -> None:
    """Write one day's CDSS (and TJSJ) files, one per upload window, with the file faults of the plan, and fill
    the ledger's file, record number and stored columns."""
    m = layout.mine
    sel = np.flatnonzero(sent)
    if sel.size == 0:
        return
    units = pl.Series(unit_table, dtype=pl.String).gather(U.T.ravel()[sel])
    lines = kj.cdss_lines(layout, ts, pidx[sel], sidx[sel], v[sel], st[sel], units)
    origin = day_start_s(day)
    t_rec = ts[sidx[sel]]
    win = origin + (t_rec - origin) // opt.upload_s * opt.upload_s
    cuts = np.concatenate([[0], np.flatnonzero(np.diff(win)) + 1, [sel.size]])
    end = "~" + kj.NEWLINES[style.newline]
    bodies = (pl.DataFrame({"w": win, "l": lines + end}).group_by("w", maintain_order=True)
              .agg(pl.col("l").str.join(""))["l"].to_list())
    for a, b, body in zip(cuts[:-1], cuts[1:], bodies, strict=True):
        w = int(win[a])
        recs = lines.slice(int(a), int(b - a))
        f_ts = w + opt.upload_s
        name = kj.file_name(m.code, "CDSS", f_ts)
        late = plan.late.get(w, 0)
        batch = kj.batch_name(w + late * DAY_S)
        rel = f"kj/{batch}/{name}"
        head = kj.header(layout, "CDSS", f_ts)
        rows = sel[a:b]
        rec_no[rows] = np.arange(1, b - a + 1, dtype=np.int32)
        if w in plan.truncated:
            cut = min(len(recs), max(1, int(plan.truncated[w] * len(recs)) + 1))
            text = kj.truncate(head, recs.to_list(), cut, style)
            data = text.encode(style.encoding)
            fid = add_file(kj.FileRecord(rel, batch, m.code, "CDSS", f_ts, cut - 1, truncated_at=cut), data)
            stored[rows] = False
            stored_p[rows] = rec_no[rows] < cut
            events.append({"type": "truncated", "mine_code": m.code, "file": rel, "cut_record": cut,
                           "records": len(recs)})
        else:
            nl = kj.NEWLINES[style.newline]
            data = kj.encode(head + "~" + nl + body + "||" + nl, style)
            fid = add_file(kj.FileRecord(rel, batch, m.code, "CDSS", f_ts, len(recs), late_days=late), data)
            if late:
                events.append({"type": "late", "mine_code": m.code, "file": rel, "days": late})
            dup = plan.duplicates.get(w)
            if dup == "copy":
                b2 = kj.batch_name(w + DAY_S)
                add_file(kj.FileRecord(f"kj/{b2}/{name}", b2, m.code, "CDSS", f_ts, len(recs), duplicate_of=rel,
                                       duplicate_kind="copy"), data)
                events.append({"type": "duplicate", "mine_code": m.code, "file": f"kj/{b2}/{name}",
                               "duplicate_of": rel, "kind": "copy"})
            elif dup == "overlap":
                half = recs.slice(len(recs) // 2)
                t2 = f_ts + 1
                rel2 = f"kj/{batch}/{kj.file_name(m.code, 'CDSS', t2)}"
                d2 = kj.encode(kj.assemble(kj.header(layout, "CDSS", t2), half, style), style)
                add_file(kj.FileRecord(rel2, batch, m.code, "CDSS", t2, len(half), duplicate_of=rel,
                                       duplicate_kind="overlap"), d2)
                events.append({"type": "duplicate", "mine_code": m.code, "file": rel2, "duplicate_of": rel,
                               "kind": "overlap", "records": len(half)})
        file_col[rows] = fid
    if "tjsj" in opt.formats:
        recs_t, b_t = kj.tjsj_lines(layout, TJSJ_BUCKET_S, pidx[sel], t_rec, v[sel], units.to_list(),
                                    opt.precision)
        w_t = origin + (b_t - origin) // opt.upload_s * opt.upload_s
        cuts_t = np.concatenate([[0], np.flatnonzero(np.diff(w_t)) + 1, [len(recs_t)]])
        for a, b in itertools.pairwise(cuts_t):
            w = int(w_t[a])
            f_ts = w + opt.upload_s
            b0 = kj.batch_name(w)
            rel_t = f"kj/{b0}/{kj.file_name(m.code, 'TJSJ', f_ts)}"
            add_file(kj.FileRecord(rel_t, b0, m.code, "TJSJ", f_ts, int(b - a)),
                     kj.encode(kj.assemble(kj.header(layout, "TJSJ", f_ts), recs_t[a:b], style), style))


# --- public API ---------------------------------------------------------------------------------------------


def generate(region: str | Path | Region = "demo", start: str | date | datetime = "2025-03-01",
             end: str | date | datetime | None = None, cadence_s: int = 60, seed: int = 0,
             faults: FaultSpec | str | None = None, out_dir: str | Path = "synth-out",
             formats: Iterable[str] = ("kj", "csv", "parquet"), *, days: int | None = None,
             mines: Iterable[str] | None = None, upload_s: int = 3600, noise: bool = True,
             precision: str = "meter", kj_style: kj.KJStyle | None = None, truth: bool = True,
             workers: int = 1, progress: Callable[[str], None] | None = None) -> GenerationResult:
    """Generate a synthetic region and write it (see the module docstring for the output layout).

    Parameters
    ----------
    region : ``"demo"``, the path of a region YAML file, or a loaded :class:`~minegas.synth.model.Region`.
    start : first instant: a date (00:00 China Standard Time) or an aware date-time (or their ISO text).
    end : end (exclusive); or give ``days``.
    cadence_s : sampling interval [s], 1–300.
    seed : generation seed (same seed and arguments → identical bytes).
    faults : :class:`~minegas.synth.faults.FaultSpec` or its text form ``gaps=0.01,calibration=2,…``.
    out_dir : output folder (replaced atomically; refused if it holds foreign files).
    formats : any of ``kj`` (CDDY + CDSS), ``tjsj`` (adds 5-min TJSJ files), ``csv``, ``parquet`` (canonical).
    mines : restrict to these mine codes (default all).
    upload_s : KJ upload interval [s]: one CDSS file per mine and window (must divide a day).
    noise : add measurement noise (False: readings are the physical truth in each meter's basis).
    precision : ``meter`` (values rounded to each meter's resolution) or ``full``.
    kj_style : line breaks, encoding, JSON quoting (:class:`~minegas.synth.kj.KJStyle`).
    truth : also write the per-station physical truth.
    workers : processes generating mines in parallel (spawned: they re-import the caller's main module, so call
        from under ``if __name__ == "__main__":``). The output does not depend on it.
    progress : called with each finished mine code.

    Returns
    -------
    GenerationResult

    Raises
    ------
    InputError
        Bad period, cadence, upload interval, format, fault specification, mine code or output folder.
    """
    reg = region if isinstance(region, Region) else load_region(region)
    t0 = parse_time(start, "start")
    if end is None:
        if days is None:
            raise InputError("no end of period", [Problem("give end or days", field="end",
                                                          fix="e.g. days=31")])
        t1 = t0 + timedelta(days=days)
    else:
        t1 = parse_time(end, "end")
    fmts = _check(cadence_s, upload_s, t0, t1, formats)
    spec = faults if isinstance(faults, FaultSpec) else FaultSpec.parse(faults)
    if precision not in ("meter", "full"):
        raise InputError("bad precision", [Problem("unknown precision", field="precision", value=precision,
                                                   fix="use meter or full")])
    reg = reg.select(list(mines) if mines else None)
    style = kj_style or kj.KJStyle()
    out = Path(out_dir)
    tmp = _prepare_out(out)
    opt = Options(seed, epoch_s(t0), epoch_s(t1), cadence_s, upload_s, spec, fmts, noise, precision, style, truth)
    try:
        results: dict[str, dict[str, Any]] = {}
        if workers > 1 and len(reg.mines) > 1:
            # spawn, not fork: a forked child could inherit a locked polars/Arrow thread pool
            with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as ex:
                futs = {ex.submit(_run_mine, reg, mc, opt, tmp): mc for mc in reg.mine_codes}
                for fu in as_completed(futs):
                    results[futs[fu]] = fu.result()
                    if progress:
                        progress(futs[fu])
        else:
            for mc in reg.mine_codes:
                results[mc] = _run_mine(reg, mc, opt, tmp)
                if progress:
                    progress(mc)
        ordered = [results[mc] for mc in reg.mine_codes]
        layouts = [mine_layout(m) for m in reg.mines]
        cal = [c for r in ordered for c in r["calibrations"]]
        reg_paths = write_registry(tmp / "registry", registry_tables(reg, layouts, seed, opt.start_s, opt.end_s,
                                                                     cal, cadence_s))
        files = [f for r in ordered for f in r["files"]]
        (tmp / "ledger").mkdir(exist_ok=True)
        pq.write_table(pa.table({
            "path": [f["path"] for f in files], "batch": [f["batch"] for f in files],
            "mine_code": [f["mine_code"] for f in files], "kind": [f["kind"] for f in files],
            "file_ts": pa.array([f["file_ts"] * 1_000_000 for f in files], pa.timestamp("us", tz="UTC")),
            "n_records": pa.array([f["n_records"] for f in files], pa.int32()),
            "late_days": pa.array([f["late_days"] for f in files], pa.int32()),
            "truncated_at": pa.array([f["truncated_at"] for f in files], pa.int32()),
            "duplicate_of": [f["duplicate_of"] for f in files], "duplicate_kind": [f["duplicate_kind"] for f in files],
            "bytes": pa.array([f["bytes"] for f in files], pa.int64()), "sha256": [f["sha256"] for f in files],
        }, schema=FILES_SCHEMA), tmp / "ledger" / "files.parquet")
        events = [e for r in ordered for e in r["events"]]
        (tmp / "ledger" / "events.json").write_text(json.dumps(events, ensure_ascii=False, indent=1) + "\n",
                                                    encoding="utf-8")
        summaries: list[MineSummary] = [r["summary"] for r in ordered]
        manifest = _manifest(reg, opt, t0, t1, summaries, [p.name for p in reg_paths])
        (tmp / "synth.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        _swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return GenerationResult(out, manifest, summaries)


def _manifest(reg: Region, opt: Options, t0: datetime, t1: datetime, summaries: list[MineSummary],
              registry_files: list[str]) -> dict[str, Any]:
    tot = {k: sum(getattr(s, k) for s in summaries) for k in (
        "readings", "sent", "stored", "stored_partial", "kj_files", "drained_nm3", "used_nm3", "flared_nm3",
        "vented_nm3", "vam_nm3", "vam_destroyed_feed_nm3")}
    tot["utilization_pct"] = 100.0 * tot["used_nm3"] / tot["drained_nm3"] if tot["drained_nm3"] else 0.0
    return {
        "generator": "minegas synth", "minegas_version": __version__, "region": reg.id,
        "region_file": Path(reg.path).name, "seed": opt.seed,
        "start": t0.astimezone(CST).isoformat(), "end": t1.astimezone(CST).isoformat(),
        "cadence_s": opt.cadence_s, "upload_s": opt.upload_s, "faults": str(opt.faults),
        "formats": list(opt.formats), "noise": opt.noise, "precision": opt.precision,
        "kj_style": asdict(opt.style), "registry_files": registry_files,
        "layout": {"registry": "registry/<table>.csv", "kj": "kj/<yyyymmdd>/<mine>_<TYPE>_<yyyyMMddHHmmss>.txt",
                   "canonical": "canonical/{long,wide}/<mine>_<yyyymm>.{csv,parquet}",
                   "ledger": "ledger/readings/<mine>.parquet, ledger/files.parquet, ledger/events.json",
                   "truth": "truth/<mine>.parquet"},
        "mines": [{**{k: v for k, v in asdict(s).items()}, "utilization_pct": s.utilization_pct} for s in summaries],
        "totals": tot,
    }
