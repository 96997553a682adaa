"""Period close and restatement (期间关账与更正): frozen, hashed figures and inputs; numbered restatements with a
diff; verification that nothing changed silently (docs/reports.md "Period close and restatement").

A verifier **closes** a mine's period: the report figures are computed from the measurement store and the registry
(:func:`minegas.reports.from_engine.compute_report`), serialised as canonical JSON together with the inputs they
came from, hashed with SHA-256, and stored as an immutable record (``period_close``: who, when, hash, figures,
inputs, methodology and parameter versions). Later data or registry corrections never change a closed record:
:func:`restate` recomputes and stores restatement *n + 1* (``restatement``) with a structured diff against the
version before it (per figure: old, new, delta, %) and that version's hash. :func:`verify` recomputes and compares
with the stored hash.

What is hashed (``content_sha256`` = SHA-256 of the canonical JSON of):

- ``settings`` — methodology id and version, GWP set and horizon, gap rule, named density, reference state, CO2e
  convention, parameter sets (id + version);
- ``figures_sha256`` — SHA-256 of the report's *figures* (:func:`flatten_figures`: every number of the point
  totals, the balance, the daily report, the substitutions and the findings, keyed by codes and days; names and
  presentation are not figures);
- ``inputs_sha256`` — SHA-256 of the inputs (:func:`collect_inputs`): the input batches whose readings fall in the
  period (file, bytes, SHA-256, record counts), a content digest of the stored readings and aligned samples of the
  mine in the period (rows sorted, every column), and a digest of the accounting-relevant registry rows (stations,
  units, point configurations, gas links, coal production, the mine's class and barometric pressure).

The store's file list (paths, rows, bytes) is recorded with the inputs but **not hashed**: ``minegas store compact``
renames files without changing a single reading, which must not read as a change; the content digests cover the
data instead. The software version is recorded but not hashed (an upgrade that computes the same figures is not a
change). Floats are hashed at 12 significant digits (:data:`HASH_SIG_DIGITS`), far below any reported precision
and above the last-bit noise of float arithmetic; the JSON stored keeps full precision.

One writer: a close or restatement holds the store's writer lock (no ingest, rebuild or compaction can commit
between computing the figures and recording them) and writes in one registry transaction; the unique keys
(mine, period) and (close, restatement number) refuse a second writer on another host.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minegas import __version__
from minegas.errors import InputError, MinegasError, Problem
from minegas.periods import Period, parse_period
from minegas.registry.close_models import PeriodCloseRecord, RestatementRecord

if TYPE_CHECKING:
    from minegas.measurements.store import Store
    from minegas.reports.from_engine import MrvSettings
    from minegas.reports.model import MrvReport

SCHEMA = "minegas.period-close/1"
"""Identifier of the hashed document's shape; part of the hash (a new shape never matches an old hash)."""

HASH_SIG_DIGITS = 12
"""Floats enter the hash rounded to this many significant digits (see the module docstring)."""

REL_TOL_DIFF = 10.0 ** -HASH_SIG_DIGITS
"""Two figures whose hashed forms are equal are equal for the diff too."""

CloseAction = Literal["closed", "unchanged", "restated"]
Scalar = float | int | str | bool | None


# --------------------------------------------------------------------------------------------------------------
# canonical JSON and hashes


def _norm(x: Any, round_floats: bool) -> Any:
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if isinstance(x, int):
        return x
    if isinstance(x, float):
        if not math.isfinite(x):
            raise MinegasError(f"a non-finite number ({x}) cannot be frozen in a period close")
        if round_floats:
            x = float(f"{x:.{HASH_SIG_DIGITS}g}")
        return 0.0 if x == 0 else x
    if isinstance(x, Mapping):
        return {str(k): _norm(v, round_floats) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_norm(v, round_floats) for v in x]
    if isinstance(x, datetime):
        return x.astimezone(UTC).isoformat()
    if isinstance(x, (np.floating, np.integer)):
        return _norm(x.item(), round_floats)
    raise TypeError(f"cannot serialise {type(x).__name__} in a period close")


def canonical_json(obj: Any, *, round_floats: bool = False) -> str:
    """Canonical JSON: keys sorted, no white space, UTF-8 text kept, no NaN/Infinity, ``-0.0`` → ``0.0``,
    datetimes as UTC ISO 8601; with ``round_floats`` floats rounded to :data:`HASH_SIG_DIGITS` significant
    digits (the form that is hashed)."""
    return json.dumps(_norm(obj, round_floats), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def sha256_hex(text: str | bytes) -> str:
    """SHA-256 of UTF-8 text (or bytes), 64 lowercase hex digits."""
    return hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).hexdigest()


def hash_of(obj: Any) -> str:
    """SHA-256 of ``canonical_json(obj, round_floats=True)``."""
    return sha256_hex(canonical_json(obj, round_floats=True))


# --------------------------------------------------------------------------------------------------------------
# figures


_POINT_FIELDS = ("mixed_nm3", "pure_ch4_nm3", "ch4_t", "mean_flow_nm3_min", "mean_ch4_pct", "mean_t_c", "mean_p_kpa",
                 "pressure_kind", "measured_s", "substituted_s", "missing_s", "station_role", "point_code")
_DAILY_FIELDS = ("mixed_nm3", "pure_ch4_nm3", "mean_ch4_pct", "utilized_nm3", "flared_nm3", "vented_nm3")
_LINE_GROUPS = ("drained", "utilized", "flared", "vented", "transferred", "vam_liberated", "vam_oxidized")
_BALANCE_SCALARS = ("residual_nm3", "residual_t", "destroyed_nm3", "destroyed_t", "emitted_underground_nm3",
                    "emitted_underground_t", "post_mining_ch4_t")
_CO2E_FIELDS = ("ch4_t", "co2e_t", "power_mwh", "grid_ef_t_per_mwh", "heat_gj", "heat_ef_t_per_gj")
_SUB_FIELDS = ("rule", "value_used", "unit", "seconds", "before_value", "after_value", "window_end")


def flatten_figures(report: Mapping[str, Any]) -> dict[str, Scalar]:
    """The figures of a report (the dict of :meth:`MrvReport.to_dict`) as a flat ``{key: value}`` mapping.

    Keys are stable across recomputations: ``balance.drained_nm3`` (derived sums and rates),
    ``balance.drained.<code>.pure_ch4_nm3`` (lines by code), ``balance.co2e.<convention>.<basis>.co2e_t``,
    ``points.<station>.pure_ch4_nm3``, ``points.<station>.flags.<FLAG>``, ``daily.<day>.<station>.vented_nm3``,
    ``substitutions.<station>.<parameter>.<window start>.value_used``, ``findings.<rule>.<window start>`` (the
    severity and evidence as canonical JSON). Names, language, generation time and the appendix are not figures.
    """
    out: dict[str, Scalar] = {}
    for p in report.get("points", ()):
        k = f"points.{p['station_code']}"
        for f_ in _POINT_FIELDS:
            out[f"{k}.{f_}"] = p.get(f_)
        for name, n in p.get("flags", ()):
            out[f"{k}.flags.{name}"] = n
    b = report.get("balance", {})
    for g in _LINE_GROUPS:
        for ln in b.get(g, ()):
            out[f"balance.{g}.{ln['code']}.pure_ch4_nm3"] = ln["pure_ch4_nm3"]
            out[f"balance.{g}.{ln['code']}.ch4_t"] = ln["ch4_t"]
    for s in _BALANCE_SCALARS:
        out[f"balance.{s}"] = b.get(s)
    for c in b.get("co2e", ()):
        k = f"balance.co2e.{c['convention']}.{c['basis']}"
        for f_ in _CO2E_FIELDS:
            out[f"{k}.{f_}"] = c.get(f_)
        out[f"{k}.gwp"] = f"{c['gwp_set']}/{c['gwp_horizon']}"
    for k_, v in (b.get("derived") or {}).items():
        out[f"balance.{k_}"] = v
    for d in report.get("daily", ()):
        k = f"daily.{d['day']}.{d['station_code']}"
        for f_ in _DAILY_FIELDS:
            out[f"{k}.{f_}"] = d.get(f_)
    for s_ in report.get("substitutions", ()):
        k = f"substitutions.{s_['station_code']}.{s_['parameter']}.{s_['window_start']}"
        for f_ in _SUB_FIELDS:
            out[f"{k}.{f_}"] = s_.get(f_)
        out[f"{k}.point_code"] = s_.get("point_code")
    for fd in report.get("findings", ()):
        k = f"findings.{fd['rule_id']}.{fd['window_start']}"
        i = 2
        while k in out:  # two findings of one rule and window (e.g. two outlets): keep both
            k = f"findings.{fd['rule_id']}.{fd['window_start']}#{i}"
            i += 1
        out[k] = canonical_json({"severity": fd["severity"], "window_end": fd["window_end"],
                                 "evidence": fd.get("evidence", {})}, round_floats=True)
    return out


@dataclass(frozen=True)
class FigureDiff:
    """One figure that differs between two versions.

    ``old``/``new`` None: the figure is new / no longer there. ``delta`` = new − old and ``pct`` = delta / |old| ×
    100 for numbers (None otherwise, or when old is 0).
    """

    key: str
    old: Scalar
    new: Scalar
    delta: float | None
    pct: float | None

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "old": self.old, "new": self.new, "delta": self.delta, "pct": self.pct}


def _is_num(x: Scalar) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _f(x: Scalar) -> float:
    assert isinstance(x, (int, float))
    return float(x)


def _same(a: Scalar, b: Scalar) -> bool:
    if _is_num(a) and _is_num(b):
        return bool(_norm(_f(a), True) == _norm(_f(b), True))
    return a == b


def diff_figures(old: Mapping[str, Scalar], new: Mapping[str, Scalar]) -> list[FigureDiff]:
    """Every figure that differs between two :func:`flatten_figures` mappings (equal at the hashed precision
    counts as equal), sorted by key."""
    out = []
    for k in sorted(set(old) | set(new)):
        a, b = old.get(k), new.get(k)
        if k in old and k in new and _same(a, b):
            continue
        delta = pct = None
        if _is_num(a) and _is_num(b):
            delta = _f(b) - _f(a)
            pct = delta / abs(_f(a)) * 100.0 if a else None
        elif _is_num(b) and k not in old:
            delta = _f(b)
        elif _is_num(a) and k not in new:
            delta = -_f(a)
        out.append(FigureDiff(k, a, b, delta, pct))
    return out


# --------------------------------------------------------------------------------------------------------------
# inputs


def table_digest(t: pa.Table) -> str:
    """SHA-256 of a table's content: row count, then per column (in the table's order) its name, type, validity
    and values. Dictionary columns hash as their strings, NaN as one canonical NaN; independent of chunking and of
    Parquet file boundaries."""
    h = hashlib.sha256()
    h.update(f"rows={t.num_rows};".encode())
    for name in t.column_names:
        col = t.column(name)
        arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
        if pa.types.is_dictionary(arr.type):
            arr = arr.cast(arr.type.value_type)
        h.update(f"col={name}:{arr.type};".encode())
        valid = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=np.bool_)
        h.update(np.packbits(valid).tobytes())
        if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
            enc = pc.dictionary_encode(arr)
            words = enc.dictionary.to_pylist()
            h.update("\x1f".join(words).encode("utf-8") + b"\x1e")
            idx = np.asarray(enc.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
            h.update(idx.tobytes())
        elif pa.types.is_timestamp(arr.type):
            h.update(np.asarray(arr.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False),
                                dtype=np.int64).tobytes())
        elif pa.types.is_floating(arr.type):
            v = np.asarray(arr.cast(pa.float64()).fill_null(0.0).to_numpy(zero_copy_only=False), dtype=np.float64)
            v = np.where(np.isnan(v), np.nan, v) + 0.0  # one NaN bit pattern; -0.0 → 0.0
            h.update(v.tobytes())
        elif pa.types.is_integer(arr.type) or pa.types.is_boolean(arr.type):
            h.update(np.asarray(arr.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False),
                                dtype=np.int64).tobytes())
        else:
            h.update(canonical_json(arr.to_pylist()).encode("utf-8"))
    return h.hexdigest()


def _period_rows(store: Store, dataset: str, mine: str, period: Period, key: str) -> pa.Table:
    months = sorted({p.label for p in period.split("month")})
    t = store.read(dataset, [mine], months)
    if t.num_rows:
        ts = t.column("ts")
        mask = pc.and_(pc.greater_equal(ts, pa.scalar(period.start_utc, ts.type)),
                       pc.less(ts, pa.scalar(period.end_utc, ts.type)))
        t = t.filter(mask)
    cols = {n: (t.column(n).cast(pa.string()) if pa.types.is_dictionary(t.schema.field(n).type) else t.column(n))
            for n in t.column_names}
    t = pa.table(cols)
    return t.sort_by([(key, "ascending"), ("ts", "ascending")]) if t.num_rows else t


def _iso(x: Any) -> Any:
    if isinstance(x, datetime):
        return x.astimezone(UTC).isoformat()
    if hasattr(x, "isoformat"):
        return x.isoformat()
    return x


def registry_snapshot(session: Session, mine: str, period: Period) -> dict[str, Any]:
    """The registry rows the figures depend on, keyed for diffing (names excluded: renaming is not a change of
    figures): the mine's class, method, status and barometric pressure; stations (role, system, primary
    measurement, unit); units (kind, technology, capacities, destruction efficiency, feeds, status); point
    configurations; gas links; coal production of the period's months."""
    from minegas.registry import repository as repo

    m = repo.mine(session, mine)
    out: dict[str, Any] = {
        "mine": {"gas_class": m.gas_class, "mining_method": m.mining_method, "status": m.status,
                 "barometric_kpa": m.barometric_kpa, "county_code": m.county_code,
                 "enterprise_code": m.enterprise_code},
        "stations": {s.code: {"role": s.role, "drainage_system": s.drainage_system,
                              "primary_measurement": s.primary_measurement, "unit_code": s.unit_code}
                     for s in repo.stations(session, mine)},
        "units": {u.code: {"kind": u.kind, "technology": u.technology, "capacity_el_kw": u.capacity_el_kw,
                           "capacity_heat_kw": u.capacity_heat_kw, "capacity_flow_nm3_min": u.capacity_flow_nm3_min,
                           "destruction_efficiency_frac": u.destruction_efficiency_frac, "feeds": u.feeds,
                           "heat_used": u.heat_used, "status": u.status,
                           "commissioned_on": _iso(u.commissioned_on)}
                  for u in repo.units(session, mine)},
        "links": {f"{g.from_station_code}->{g.to_station_code or ''}/{g.to_unit_code or ''}@{_iso(g.valid_from)}":
                  {"valid_to": _iso(g.valid_to)} for g in repo.topology(session, mine)},
        "coal_production": {c.month: c.production_t for c in repo.coal_production(
            session, mine, sorted({p.label for p in period.split("month")}))},
    }
    cfg = repo.point_configs_frame(session, [mine]).to_pylist()
    out["point_configs"] = {f"{r['point_code']}@{_iso(r['valid_from'])}": {
        k: _iso(v) for k, v in r.items() if k not in ("mine_code", "point_code", "valid_from")} for r in cfg}
    return out


def collect_inputs(store: Store, mine: str, period: str | Period) -> dict[str, Any]:
    """The inputs of a mine's period figures.

    Returns
    -------
    ``{"hashed": {...}, "store_files": [...]}``. ``hashed``: ``batches`` — the committed input batches whose
    readings lie in the period (batch id, file name, bytes, SHA-256, records total/stored/rejected, format, kind,
    received at), sorted by SHA-256; ``readings`` and ``aligned`` — rows and content digest
    (:func:`table_digest`) of the mine's stored readings and aligned samples in the period; ``registry`` — the
    :func:`registry_snapshot` and its SHA-256. ``store_files``: the manifest's files of the mine and the period's
    months (recorded, not hashed).
    """
    from minegas.registry.store_models import IngestBatch

    p = parse_period(period) if isinstance(period, str) else period
    months = sorted({x.label for x in p.split("month")})
    readings = _period_rows(store, "readings", mine, p, "point_code")
    aligned = _period_rows(store, "aligned", mine, p, "station_code")
    ids = sorted({int(x) for x in pc.unique(readings.column("batch_id")).to_pylist()}) if readings.num_rows else []
    batches: list[dict[str, Any]] = []
    with store.session() as s:
        for i in range(0, len(ids), 500):
            rows = s.scalars(sa.select(IngestBatch).where(IngestBatch.status == "committed",
                                                          IngestBatch.batch_id.in_(ids[i:i + 500])))
            batches.extend({"batch_id": str(b.batch_id), "file_name": b.file_name, "bytes": int(b.n_bytes),
                            "sha256": b.sha256, "records_total": b.records_total,
                            "records_stored": b.records_stored, "records_rejected": b.records_rejected,
                            "format": b.format or "", "kind": b.kind or "", "received_at": _iso(b.created_at)}
                           for b in rows)
        snap = registry_snapshot(s, mine, p)
    batches.sort(key=lambda b: (b["sha256"], b["batch_id"]))
    files = [{"dataset": f.dataset, "month": f.month, "path": f.path, "rows": f.n_rows, "bytes": f.n_bytes}
             for f in store.files(None, [mine], months)]
    return {
        "hashed": {
            "batches": batches,
            "readings": {"rows": readings.num_rows, "sha256": table_digest(readings)},
            "aligned": {"rows": aligned.num_rows, "sha256": table_digest(aligned)},
            "registry": {"sha256": hash_of(snap), "snapshot": snap},
        },
        "store_files": files,
    }


def diff_inputs(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """What changed between two inputs (:func:`collect_inputs`): batches added and removed (file, SHA-256),
    readings and aligned rows (old, new, content changed), registry entries added, removed or changed per
    section."""
    oh, nh = old["hashed"], new["hashed"]
    ob = {b["sha256"]: b for b in oh["batches"]}
    nb = {b["sha256"]: b for b in nh["batches"]}
    out: dict[str, Any] = {
        "batches_added": [{"file_name": nb[s]["file_name"], "sha256": s} for s in sorted(set(nb) - set(ob))],
        "batches_removed": [{"file_name": ob[s]["file_name"], "sha256": s} for s in sorted(set(ob) - set(nb))],
    }
    for ds in ("readings", "aligned"):
        out[ds] = {"old_rows": oh[ds]["rows"], "new_rows": nh[ds]["rows"],
                   "changed": oh[ds]["sha256"] != nh[ds]["sha256"]}
    reg: dict[str, dict[str, list[str]]] = {}
    osnap, nsnap = oh["registry"]["snapshot"], nh["registry"]["snapshot"]
    for sect in sorted(set(osnap) | set(nsnap)):
        a, b = osnap.get(sect, {}), nsnap.get(sect, {})
        if sect == "mine":
            changed = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            if changed:
                reg[sect] = {"changed": changed}
            continue
        ch = {"added": sorted(set(b) - set(a)), "removed": sorted(set(a) - set(b)),
              "changed": sorted(k for k in set(a) & set(b) if canonical_json(a[k], round_floats=True)
                                != canonical_json(b[k], round_floats=True))}
        if any(ch.values()):
            reg[sect] = {k: v for k, v in ch.items() if v}
    out["registry"] = reg
    return out


# --------------------------------------------------------------------------------------------------------------
# versions


def settings_of(report: MrvReport) -> dict[str, Any]:
    """The hashed settings of a report: methodology, GWP, gap rule, density, reference state, CO2e convention,
    parameter sets."""
    m = report.meta
    return {"methodology_id": m.methodology_id, "methodology_version": m.methodology_version,
            "gwp_set": m.gwp_set, "gwp_horizon": m.gwp_horizon, "gap_rule": m.gap_rule,
            "density_name": m.density_name, "ref_state": m.ref_state, "co2e_convention": m.co2e_convention,
            "paramsets": [{"id": p.id, "version": p.version} for p in m.paramsets]}


@dataclass(frozen=True)
class Frozen:
    """A computed version before it is stored: the report content, its figures, inputs, settings and hashes."""

    mine: str
    period: Period
    report: dict[str, Any]
    figures: dict[str, Scalar]
    inputs: dict[str, Any]
    settings: dict[str, Any]
    figures_sha256: str
    inputs_sha256: str
    content_sha256: str


def content_hash(mine: str, period_label: str, settings: Mapping[str, Any], figures_sha256: str,
                 inputs_sha256: str) -> str:
    """SHA-256 of the hashed document (:data:`SCHEMA`, mine, period, settings, figure and input hashes)."""
    return hash_of({"schema": SCHEMA, "mine": mine, "period": period_label, "settings": settings,
                    "figures_sha256": figures_sha256, "inputs_sha256": inputs_sha256})


def freeze(report: MrvReport, inputs: dict[str, Any]) -> Frozen:
    """Hash a computed report and its inputs (no I/O)."""
    content = report.to_dict()
    for k in ("generated_at", "language"):
        content["meta"].pop(k, None)
    content["appendix"].pop("period_close", None)
    figures = flatten_figures(content)
    settings = settings_of(report)
    f_sha = hash_of(figures)
    i_sha = hash_of(inputs["hashed"])
    period = parse_period(report.meta.period_label)
    return Frozen(report.meta.mine_code, period, content, figures, inputs, settings, f_sha, i_sha,
                  content_hash(report.meta.mine_code, period.label, settings, f_sha, i_sha))


@dataclass(frozen=True)
class Version:
    """One stored version of a closed period: the close (``no`` 0) or restatement ``no``.

    Attributes
    ----------
    no : 0 for the original close, n for restatement n.
    by, at : who and when (aware, UTC).
    reason : why it was restated ('' for the close; the close's note otherwise empty).
    content_sha256, previous_sha256 : its hash and the hash of the version it replaces (None for the close).
    figures_sha256, inputs_sha256 : the part hashes.
    settings : hashed settings; software_version : the minegas version that computed it.
    report : the frozen report content (:meth:`MrvReport.to_dict` without language, generation time and close).
    inputs : :func:`collect_inputs` as recorded.
    diff : for a restatement: ``{"figures": [FigureDiff dicts], "inputs": diff_inputs(...), "settings": [...]}``.
    """

    no: int
    by: str
    at: datetime
    reason: str
    content_sha256: str
    previous_sha256: str | None
    figures_sha256: str
    inputs_sha256: str
    settings: dict[str, Any]
    software_version: str
    report: dict[str, Any]
    inputs: dict[str, Any]
    diff: dict[str, Any] | None = None

    @property
    def kind(self) -> str:
        return "close" if self.no == 0 else "restatement"

    @property
    def figures(self) -> dict[str, Scalar]:
        return flatten_figures(self.report)

    def intact(self, mine: str, period_label: str) -> bool:
        """True if the stored content still hashes to the stored hashes (nobody edited the database row)."""
        f_sha = hash_of(self.figures)
        i_sha = hash_of(self.inputs["hashed"])
        return (f_sha == self.figures_sha256 and i_sha == self.inputs_sha256
                and content_hash(mine, period_label, self.settings, f_sha, i_sha) == self.content_sha256)

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary (no report content)."""
        d: dict[str, Any] = {"no": self.no, "kind": self.kind, "by": self.by, "at": self.at.isoformat(),
                             "reason": self.reason, "content_sha256": self.content_sha256,
                             "previous_sha256": self.previous_sha256, "figures_sha256": self.figures_sha256,
                             "inputs_sha256": self.inputs_sha256, "settings": self.settings,
                             "software_version": self.software_version,
                             "batches": len(self.inputs["hashed"]["batches"])}
        if self.diff is not None:
            d["diff"] = self.diff
        return d


@dataclass(frozen=True)
class CloseState:
    """The stored versions of one mine's closed period (oldest first)."""

    mine: str
    period: str
    versions: tuple[Version, ...]

    @property
    def latest(self) -> Version:
        return self.versions[-1]

    @property
    def status(self) -> Literal["closed", "restated"]:
        return "closed" if len(self.versions) == 1 else "restated"

    @property
    def restatement_no(self) -> int:
        return self.latest.no


def _settings_json(rec: PeriodCloseRecord | RestatementRecord) -> dict[str, Any]:
    return {"methodology_id": rec.methodology_id, "methodology_version": rec.methodology_version,
            "gwp_set": rec.gwp_set, "gwp_horizon": rec.gwp_horizon, "gap_rule": rec.gap_rule,
            "density_name": rec.density_name, "ref_state": rec.ref_state, "co2e_convention": rec.co2e_convention,
            "paramsets": json.loads(rec.paramsets_json)}


def _version(rec: PeriodCloseRecord | RestatementRecord) -> Version:
    if isinstance(rec, PeriodCloseRecord):
        return Version(0, rec.closed_by, rec.closed_at, rec.note or "", rec.content_sha256, None,
                       rec.figures_sha256, rec.inputs_sha256, _settings_json(rec), rec.software_version,
                       json.loads(rec.figures_json), json.loads(rec.inputs_json))
    return Version(rec.restatement_no, rec.restated_by, rec.restated_at, rec.reason, rec.content_sha256,
                   rec.previous_sha256, rec.figures_sha256, rec.inputs_sha256, _settings_json(rec),
                   rec.software_version, json.loads(rec.figures_json), json.loads(rec.inputs_json),
                   json.loads(rec.diff_json))


def _close_row(session: Session, mine: str, label: str, *, for_update: bool = False) -> PeriodCloseRecord | None:
    q = sa.select(PeriodCloseRecord).where(PeriodCloseRecord.mine_code == mine,
                                           PeriodCloseRecord.period_label == label)
    if for_update:
        q = q.with_for_update()
    return session.scalars(q).one_or_none()


def close_state(session: Session, mine: str, period: str | Period) -> CloseState | None:
    """The stored versions of a mine's period, or None if the period is open (never closed)."""
    label = (parse_period(period) if isinstance(period, str) else period).label
    row = _close_row(session, mine, label)
    if row is None:
        return None
    rest = session.scalars(sa.select(RestatementRecord).where(RestatementRecord.close_id == row.id)
                           .order_by(RestatementRecord.restatement_no)).all()
    return CloseState(mine, label, (_version(row), *(_version(r) for r in rest)))


def closed_periods(session: Session, mine: str | None = None) -> list[tuple[str, str, int]]:
    """(mine, period, latest restatement number) of every closed period, sorted."""
    q = (sa.select(PeriodCloseRecord.mine_code, PeriodCloseRecord.period_label,
                   sa.func.coalesce(sa.func.max(RestatementRecord.restatement_no), 0))
         .outerjoin(RestatementRecord, RestatementRecord.close_id == PeriodCloseRecord.id)
         .group_by(PeriodCloseRecord.mine_code, PeriodCloseRecord.period_label)
         .order_by(PeriodCloseRecord.mine_code, PeriodCloseRecord.period_label))
    if mine is not None:
        q = q.where(PeriodCloseRecord.mine_code == mine)
    return [(a, b, int(c)) for a, b, c in session.execute(q)]


# --------------------------------------------------------------------------------------------------------------
# services


@dataclass(frozen=True)
class CloseOutcome:
    """What :func:`close_period` or :func:`restate` did.

    ``action``: 'closed' (the original close was recorded), 'restated' (restatement ``version.no`` recorded) or
    'unchanged' (the recomputed figures and inputs equal the latest version: nothing recorded).
    """

    action: CloseAction
    mine: str
    period: str
    version: Version
    diff: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.action, "mine": self.mine, "period": self.period, "version": self.version.summary(),
                "diff": self.diff}


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of :func:`verify`.

    ``ok``: the recomputation hashes to the latest stored version's hash and the stored record is intact.
    ``figures``: the figures that differ (empty when they agree); ``inputs``: :func:`diff_inputs`;
    ``settings``: names of settings that differ.
    """

    mine: str
    period: str
    version_no: int
    stored_sha256: str
    recomputed_sha256: str
    record_intact: bool
    figures: list[FigureDiff] = field(default_factory=list)
    inputs: dict[str, Any] = field(default_factory=dict)
    settings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.record_intact and self.stored_sha256 == self.recomputed_sha256

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "mine": self.mine, "period": self.period, "version_no": self.version_no,
                "stored_sha256": self.stored_sha256, "recomputed_sha256": self.recomputed_sha256,
                "record_intact": self.record_intact, "figures": [d.as_dict() for d in self.figures],
                "inputs": self.inputs, "settings": self.settings}


def _now(now: datetime | None) -> datetime:
    t = now or datetime.now(UTC)
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    return t.astimezone(UTC)


def _need_text(value: str, fld: str, fix: str) -> str:
    v = (value or "").strip()
    if not v:
        raise InputError(f"{fld} is required", [Problem(f"empty {fld}", field=fld, value=value, fix=fix)])
    return v


def compute(store: Store, mine: str, period: str | Period, settings: MrvSettings | None = None) -> Frozen:
    """Compute a mine's period figures from the store and registry and hash them with their inputs."""
    from minegas.reports.from_engine import compute_report

    p = parse_period(period) if isinstance(period, str) else period
    inputs = collect_inputs(store, mine, p)
    report = compute_report(store, mine, p.label, settings, inputs=inputs)
    return freeze(report, inputs)


def _frozen_columns(fz: Frozen) -> dict[str, Any]:
    s = fz.settings
    return {"methodology_id": s["methodology_id"], "methodology_version": s["methodology_version"],
            "gwp_set": s["gwp_set"], "gwp_horizon": s["gwp_horizon"], "gap_rule": s["gap_rule"],
            "density_name": s["density_name"], "ref_state": s["ref_state"], "co2e_convention": s["co2e_convention"],
            "software_version": fz.report["meta"].get("software_version") or __version__,
            "paramsets_json": canonical_json(s["paramsets"]), "figures_json": canonical_json(fz.report),
            "inputs_json": canonical_json(fz.inputs), "figures_sha256": fz.figures_sha256,
            "inputs_sha256": fz.inputs_sha256, "content_sha256": fz.content_sha256}


def _settings_from_version(v: Version) -> MrvSettings:
    from minegas.reports.from_engine import MrvSettings

    return MrvSettings.from_frozen(v.settings)


def _concurrent(exc: IntegrityError, mine: str, label: str) -> MinegasError:
    return MinegasError(f"another close or restatement of {mine} {label} was recorded at the same time; nothing "
                        f"was written by this one — run it again ({exc.orig.__class__.__name__})")


def close_period(mine: str, period: str, by: str, methodology: str | None = None, gwp: str | None = None,
                 horizon: int | None = None, *, gap_rule: str | None = None, co2e_convention: str | None = None,
                 store: Store | None = None, note: str | None = None, now: datetime | None = None) -> CloseOutcome:
    """Close a mine's period: compute, freeze and hash its figures and inputs, and record them.

    Parameters
    ----------
    mine : 煤矿编码.
    period : period text (``2025-03``, ``2025-Q1``, ``2025-03-01..2025-03-07`` …; CST).
    by : who closes (the verifier's name); recorded.
    methodology, gwp, horizon, gap_rule, co2e_convention : the accounting settings
        (:class:`minegas.reports.from_engine.MrvSettings`; None: its defaults).
    store : the measurement store (default: the data home's).
    note : free text recorded with the close.
    now : the close time (aware; default now).

    Returns
    -------
    CloseOutcome with action 'closed', or 'unchanged' when the period is already closed and the recomputation
    hashes to the latest version (closing again is a no-op).

    Raises
    ------
    InputError
        Empty ``by``; bad period, mine or settings; or the period is already closed and the recomputed figures,
        inputs or settings differ from the latest version (nothing is written — use :func:`restate`).
    """
    from minegas.reports.from_engine import MrvSettings

    by = _need_text(by, "by", "name who closes the period (--by NAME)")
    p = parse_period(period)
    settings = MrvSettings.make(methodology, gwp, horizon, gap_rule=gap_rule, co2e_convention=co2e_convention)
    with _store_ctx(store) as st, st.lock():
        fz = compute(st, mine, p, settings)
        try:
            with st.session() as s:
                state = close_state(s, mine, p)
                if state is not None:
                    latest = state.latest
                    if latest.content_sha256 == fz.content_sha256:
                        return CloseOutcome("unchanged", mine, p.label, latest)
                    n_fig = len(diff_figures(latest.figures, fz.figures))
                    raise InputError(f"{mine} {p.label} is already closed (version {latest.no}, "
                                     f"{latest.content_sha256[:12]}…) and its figures or inputs changed", [Problem(
                                         f"the recomputation differs from the closed version ({n_fig} figure(s) "
                                         "differ; inputs or settings may too); a closed period is never changed "
                                         "silently", field="period", value=p.label,
                                         fix=f"restate it: minegas mrv restate --mine {mine} --period {p.label} "
                                             "--by NAME --reason '…'")])
                rec = PeriodCloseRecord(mine_code=mine, period_label=p.label, period_start=p.start_utc,
                                        period_end=p.end_utc, closed_by=by, closed_at=_now(now), note=note,
                                        **_frozen_columns(fz))
                s.add(rec)
                s.flush()
                version = _version(rec)
        except IntegrityError as exc:
            raise _concurrent(exc, mine, p.label) from None
    return CloseOutcome("closed", mine, p.label, version)


def restate(mine: str, period: str, by: str, reason: str, *, methodology: str | None = None,
            gwp: str | None = None, horizon: int | None = None, gap_rule: str | None = None,
            co2e_convention: str | None = None, store: Store | None = None,
            now: datetime | None = None) -> CloseOutcome:
    """Recompute a closed period and record restatement *n + 1* with its diff against the latest version.

    The settings default to the latest version's (so that only data and registry changes show); naming one
    (e.g. another GWP set) restates with it, and the diff lists the changed settings.

    Returns
    -------
    CloseOutcome with action 'restated' (``version.no`` = n + 1, ``diff`` the changes) or 'unchanged' (the
    recomputation equals the latest version: nothing is recorded).

    Raises
    ------
    InputError
        The period is not closed; empty ``by`` or ``reason``; bad settings.
    """
    by = _need_text(by, "by", "name who restates (--by NAME)")
    reason = _need_text(reason, "reason", "say why the period is restated (--reason '…'): late data, a registry "
                                          "correction …")
    p = parse_period(period)
    with _store_ctx(store) as st, st.lock():
        with st.session() as s:
            state = close_state(s, mine, p)
        if state is None:
            raise _not_closed(mine, p.label)
        base = _settings_from_version(state.latest)
        settings = base.override(methodology, gwp, horizon, gap_rule=gap_rule, co2e_convention=co2e_convention)
        fz = compute(st, mine, p, settings)
        try:
            with st.session() as s:
                row = _close_row(s, mine, p.label, for_update=True)
                assert row is not None
                state = close_state(s, mine, p)
                assert state is not None
                latest = state.latest
                if latest.content_sha256 == fz.content_sha256:
                    return CloseOutcome("unchanged", mine, p.label, latest)
                diff = {"figures": [d.as_dict() for d in diff_figures(latest.figures, fz.figures)],
                        "inputs": diff_inputs(latest.inputs, fz.inputs),
                        "settings": sorted(k for k in set(latest.settings) | set(fz.settings)
                                           if canonical_json(latest.settings.get(k))
                                           != canonical_json(fz.settings.get(k)))}
                rec = RestatementRecord(close_id=row.id, restatement_no=latest.no + 1, restated_by=by,
                                        restated_at=_now(now), reason=reason, previous_sha256=latest.content_sha256,
                                        diff_json=canonical_json(diff), **_frozen_columns(fz))
                s.add(rec)
                s.flush()
                version = _version(rec)
        except IntegrityError as exc:
            raise _concurrent(exc, mine, p.label) from None
    return CloseOutcome("restated", mine, p.label, version, diff)


def verify(mine: str, period: str, *, store: Store | None = None) -> VerifyResult:
    """Recompute a closed period with the latest version's settings and compare with its stored hash; also check
    that the stored record still hashes to its hashes (nobody edited it).

    Raises
    ------
    InputError
        The period is not closed.
    """
    p = parse_period(period)
    with _store_ctx(store) as st, st.lock():  # one consistent state: no commit while recomputing
        with st.session() as s:
            state = close_state(s, mine, p)
        if state is None:
            raise _not_closed(mine, p.label)
        latest = state.latest
        fz = compute(st, mine, p, _settings_from_version(latest))
    intact = all(v.intact(mine, p.label) for v in state.versions)
    chain = all(b.previous_sha256 == a.content_sha256 for a, b in zip(state.versions, state.versions[1:],
                                                                      strict=False))
    return VerifyResult(
        mine, p.label, latest.no, latest.content_sha256, fz.content_sha256, intact and chain,
        diff_figures(latest.figures, fz.figures),
        diff_inputs(latest.inputs, fz.inputs) if latest.inputs_sha256 != fz.inputs_sha256 else {},
        sorted(k for k in set(latest.settings) | set(fz.settings)
               if canonical_json(latest.settings.get(k)) != canonical_json(fz.settings.get(k))))


def history(mine: str, period: str, *, store: Store | None = None) -> CloseState | None:
    """The stored versions of a mine's period (None if it was never closed)."""
    p = parse_period(period)
    with _store_ctx(store) as st, st.session() as s:
        return close_state(s, mine, p)


def _not_closed(mine: str, label: str) -> InputError:
    return InputError(f"{mine} {label} is not closed (未关账)", [Problem(
        "the period has no close record", field="period", value=label,
        fix=f"close it first: minegas mrv close --mine {mine} --period {label} --by NAME")])


class _StoreCtx:
    def __init__(self, store: Store | None) -> None:
        self.given = store
        self.store: Store | None = None

    def __enter__(self) -> Store:
        if self.given is not None:
            return self.given
        from minegas.measurements.store import Store

        self.store = Store.open()
        return self.store

    def __exit__(self, *exc: object) -> None:
        if self.store is not None:
            self.store.close()


def _store_ctx(store: Store | None) -> _StoreCtx:
    return _StoreCtx(store)


def report_diffs(diff: Mapping[str, Any] | None, keys: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The figure diffs of a restatement restricted to ``keys`` prefixes (default: the balance and the point
    totals' volumes) — what a report shows; the full diff stays in the record."""
    if not diff:
        return []
    prefixes = tuple(keys) if keys is not None else ("balance.",)
    out = []
    for d in diff.get("figures", ()):
        k = d["key"]
        if k.startswith(prefixes) or (k.startswith("points.") and k.endswith((".pure_ch4_nm3", ".mixed_nm3"))):
            out.append(d)
    return out
