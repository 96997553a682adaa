"""Build the MRV report (:class:`minegas.reports.model.MrvReport`) of one mine and period from the MRV engine, the
registry and the measurement store, and write it (docs/reports.md "Period close and restatement").

- :func:`compute_report` — the figures computed now (engine API :mod:`minegas.accounting.api`): station totals
  with the methodology's gap rule, the mine methane balance by the registry's topology, the daily report (日报) per
  drainage main, substituted gaps, compliance findings; the verification appendix: input batches and their
  SHA-256 (``ingest_batch``), methodology and version, parameter sets, GWP set, reference state, meter
  calibration status (:func:`minegas.registry.repository.calibration_status` at the period's last day), software
  version. The close status is 'open' (未关账).
- :func:`build_report` — what a report shows: for a **closed** period the frozen figures of its latest version
  (:mod:`minegas.accounting.close`) with the close / restatement status and the restatement's differences; for an
  **open** period :func:`compute_report`, marked 未关账 / not closed.
- :func:`write_mrv_report` — :func:`build_report` written as Excel / PDF / HTML / JSON
  (:func:`minegas.reports.writer.write_report`).
- :func:`report_from_dict` — the inverse of :meth:`MrvReport.to_dict` (how frozen figures become a report again).
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args, get_origin, get_type_hints

from minegas.errors import InputError, MethodologyError, Problem
from minegas.i18n import LABELS
from minegas.periods import CST, Period, parse_period
from minegas.physics.climate import GWP_SETS, gwp
from minegas.reports.model import (
    CO2E_CONVENTIONS,
    CalibrationRow,
    InputBatch,
    MrvReport,
    PeriodClose,
    ReportLang,
    RestatementDiff,
)

if TYPE_CHECKING:
    from minegas.accounting.close import CloseState
    from minegas.measurements.store import Store

# --------------------------------------------------------------------------------------------------------------
# settings


@dataclass(frozen=True)
class MrvSettings:
    """The accounting settings of a report (and of a period close).

    Attributes
    ----------
    methodology : balance methodology of the engine (:data:`minegas.accounting.balance.METHODS`): 'cn-2015'
        (default), 'ccer-10-001' or 'physical' — a report's volumes and masses are at 0 °C, so methodologies whose
        density belongs to another state ('ipcc-2006' at 20 °C, 'epa-ff' at 60 °F) are refused.
    gwp_set, gwp_horizon : GWP set and horizon [years] (docs/conventions.md §3); None: the methodology's default
        set (cn-2015: SAR).
    gap_rule : 'exclude', 'epa_98_325' or 'conservative'; None: the methodology's default (cn-2015: exclude).
    co2e_convention : headline CO2e convention ('gross', 'net', 'displaced').
    """

    methodology: str = "cn-2015"
    gwp_set: str | None = None
    gwp_horizon: int = 100
    gap_rule: str | None = None
    co2e_convention: str = "gross"

    @classmethod
    def make(cls, methodology: str | None = None, gwp_set: str | None = None, horizon: int | None = None, *,
             gap_rule: str | None = None, co2e_convention: str | None = None) -> MrvSettings:
        """Settings from optional values (None: the default), validated.

        Raises
        ------
        InputError
            Unknown methodology, GWP set or horizon, gap rule or CO2e convention.
        MethodologyError
            A methodology whose density is not at 0 °C.
        """
        return cls().override(methodology, gwp_set, horizon, gap_rule=gap_rule, co2e_convention=co2e_convention)

    def override(self, methodology: str | None = None, gwp_set: str | None = None, horizon: int | None = None, *,
                 gap_rule: str | None = None, co2e_convention: str | None = None) -> MrvSettings:
        """These settings with the given values replaced (None keeps the value), validated."""
        s = MrvSettings(methodology or self.methodology, gwp_set or self.gwp_set,
                        horizon if horizon is not None else self.gwp_horizon,
                        gap_rule if gap_rule is not None else self.gap_rule,
                        co2e_convention or self.co2e_convention)
        s.validate()
        return s

    def validate(self) -> None:
        """Raise :class:`InputError` (bad values) or :class:`MethodologyError` (not a 0 °C methodology)."""
        from minegas.accounting.balance import METHODS, methodology_density
        from minegas.accounting.gaps import GAP_RULES

        problems = []
        if self.methodology not in METHODS:
            problems.append(Problem("unknown methodology", field="methodology", value=self.methodology,
                                    fix=f"one of {', '.join(METHODS)}"))
        if self.gwp_set is not None and self.gwp_set not in GWP_SETS:
            problems.append(Problem("unknown GWP set", field="gwp", value=self.gwp_set,
                                    fix=f"one of {', '.join(GWP_SETS)}"))
        elif self.gwp_set is not None:
            try:
                gwp(self.gwp_set, self.gwp_horizon)
            except Exception as exc:  # the set does not define the horizon
                problems.append(Problem(str(exc), field="horizon", value=str(self.gwp_horizon), fix="100 or 20"))
        if self.gap_rule is not None and self.gap_rule not in GAP_RULES:
            problems.append(Problem("unknown gap rule", field="gap_rule", value=self.gap_rule,
                                    fix=f"one of {', '.join(GAP_RULES)}"))
        if self.co2e_convention not in CO2E_CONVENTIONS:
            problems.append(Problem("unknown CO2e convention", field="co2e_convention", value=self.co2e_convention,
                                    fix="gross, net or displaced"))
        if problems:
            raise InputError("bad report settings", problems)
        dens = methodology_density(METHODS[self.methodology])
        if dens.state != REPORT_REF_STATE:
            raise MethodologyError(
                f"methodology {self.methodology} counts CH4 with density {dens.name} at {dens.state}; an MRV report "
                f"gives every volume and mass at 0 °C (docs/reports.md) — use {', '.join(report_methodologies())}, "
                f"or `minegas mrv run {self.methodology}` for that methodology's own figures")

    def resolved(self) -> MrvSettings:
        """The settings with the methodology's defaults filled in (GWP set, gap rule).

        Raises
        ------
        MethodologyError
            The methodology has no default GWP set and none was named (ccer-10-001).
        """
        from minegas.accounting.balance import method

        m = method(self.methodology)
        g = self.gwp_set or m.gwp_default
        if g is None:
            raise MethodologyError(f"methodology {self.methodology} has no default GWP set — name one (--gwp SAR "
                                   "or AR5)")
        return dataclasses.replace(self, gwp_set=g, gap_rule=self.gap_rule or m.gap_rule)

    @classmethod
    def from_frozen(cls, settings: Mapping[str, Any]) -> MrvSettings:
        """The settings a frozen version (:func:`minegas.accounting.close.settings_of`) was computed with."""
        name = methodology_name(str(settings["methodology_id"]))
        return cls(name, str(settings["gwp_set"]), int(settings["gwp_horizon"]), str(settings["gap_rule"]),
                   str(settings["co2e_convention"]))


REPORT_REF_STATE = "0C"
"""Reference state of every volume in a report (docs/conventions.md §1; the report model checks it)."""


def report_methodologies() -> list[str]:
    """Balance methodologies a report can use: those whose named density is at 0 °C."""
    from minegas.accounting.balance import METHODS, methodology_density

    return [k for k, m in METHODS.items() if methodology_density(m).state == REPORT_REF_STATE]


def methodology_name(methodology_id: str) -> str:
    """The engine's methodology name of a methodology id (e.g. 'CN-NDRC-2015-COAL' → 'cn-2015')."""
    from minegas.accounting import api

    for name, mid in api.methodology_ids().items():
        if mid == methodology_id:
            return name
    raise InputError("unknown methodology id", [Problem(f"no engine methodology has the id {methodology_id!r}",
                                                        field="methodology_id", value=methodology_id)])


# --------------------------------------------------------------------------------------------------------------
# JSON → report


def _build(tp: Any, v: Any, where: str) -> Any:
    origin = get_origin(tp)
    if v is None:
        return None
    if tp is Any:
        return v
    if origin is Literal:
        return v
    if origin in (typing.Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        return _build(args[0], v, where) if len(args) == 1 else v
    if origin is tuple:
        targs = get_args(tp)
        if len(targs) == 2 and targs[1] is Ellipsis:
            return tuple(_build(targs[0], x, where) for x in v)
        return tuple(_build(a, x, where) for a, x in zip(targs, v, strict=True))
    if origin is dict:
        return dict(v)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _build_dataclass(tp, v, where)
    if tp is datetime:
        t = datetime.fromisoformat(v)
        if t.tzinfo is None:
            raise InputError("frozen report time without offset", [Problem("time without a UTC offset",
                                                                           field=where, value=v)])
        return t
    if tp is date:
        return date.fromisoformat(v)
    if tp is float:
        return float(v)
    if tp is int:
        return int(v)
    return v


def _build_dataclass(cls: type, d: Mapping[str, Any], where: str) -> Any:
    hints = get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in d:
            kwargs[f.name] = _build(hints[f.name], d[f.name], f"{where}.{f.name}")
    return cls(**kwargs)


def report_from_dict(d: Mapping[str, Any], *, lang: ReportLang | None = None,
                     generated_at: datetime | None = None, period_close: PeriodClose | None = None) -> MrvReport:
    """An :class:`MrvReport` from the dict of :meth:`MrvReport.to_dict` (derived figures and extra keys are
    ignored; they are recomputed by the model). ``lang``, ``generated_at`` and ``period_close`` replace the
    dict's values when given; missing ones default to 'zh', now and 'open'.

    Raises
    ------
    InputError
        The dict does not describe a report (missing fields, times without offsets).
    """
    data = {k: v for k, v in d.items() if k != "schema"}
    meta = dict(data.get("meta", {}))
    if lang is not None or "language" not in meta:
        meta["language"] = lang or "zh"
    if generated_at is not None or "generated_at" not in meta:
        meta["generated_at"] = (generated_at or datetime.now(UTC)).isoformat()
    data["meta"] = meta
    app = dict(data.get("appendix", {}))
    app.setdefault("period_close", {"status": "open"})
    data["appendix"] = app
    try:
        report = _build_dataclass(MrvReport, data, "report")
    except (TypeError, KeyError, ValueError) as exc:
        raise InputError("not an MRV report", [Problem(str(exc), field="report")]) from None
    assert isinstance(report, MrvReport)
    if period_close is not None:
        report = dataclasses.replace(report, appendix=dataclasses.replace(report.appendix,
                                                                          period_close=period_close))
    return report


# --------------------------------------------------------------------------------------------------------------
# appendix: batches, calibrations, close status


def input_batches(inputs: Mapping[str, Any]) -> tuple[InputBatch, ...]:
    """The verification appendix's input batches from :func:`minegas.accounting.close.collect_inputs`."""
    out = []
    for b in inputs["hashed"]["batches"]:
        fmt = "-".join(x for x in (b.get("format") or "", b.get("kind") or "") if x).lower()
        out.append(InputBatch(str(b["batch_id"]), b["file_name"], int(b["bytes"]), b["sha256"],
                              int(b["records_total"]) - int(b["records_rejected"]), int(b["records_rejected"]),
                              datetime.fromisoformat(b["received_at"]), fmt))
    out.sort(key=lambda x: (x.received_at, x.file_name, x.sha256))
    return tuple(out)


def calibration_rows(store: Store, mine: str, period: Period) -> tuple[CalibrationRow, ...]:
    """Calibration status of every point of the mine on the period's last day (CST)
    (:func:`minegas.registry.repository.calibration_status`)."""
    from minegas.registry import repository as repo

    last_day = (period.end - timedelta(seconds=1)).astimezone(CST).date()
    with store.session() as s:
        rows = repo.calibration_status(s, mine, last_day)
    return tuple(CalibrationRow(r.point_code, r.quantity, r.last_performed_on, r.last_kind, r.last_result,
                                r.certificate, r.next_due, r.overdue, r.status)  # type: ignore[arg-type]
                 for r in rows)


_DERIVED_LABELS: dict[str, tuple[str, str, float]] = {
    "drained_nm3": ("report.bal.drained", "Nm³", 1.0),
    "utilized_nm3": ("report.bal.utilized", "Nm³", 1.0),
    "flared_nm3": ("report.bal.flared", "Nm³", 1.0),
    "vented_nm3": ("report.bal.vented", "Nm³", 1.0),
    "transferred_nm3": ("report.bal.transferred", "Nm³", 1.0),
    "used_nm3": ("report.bal.used", "Nm³", 1.0),
    "vam_liberated_nm3": ("report.bal.vam_liberated", "Nm³", 1.0),
    "vam_oxidized_nm3": ("report.bal.vam_oxidized", "Nm³", 1.0),
    "vam_released_nm3": ("report.bal.vam_released", "Nm³", 1.0),
    "liberated_nm3": ("report.bal.liberated", "Nm³", 1.0),
    "residual_nm3": ("report.bal.residual", "Nm³", 1.0),
    "destroyed_t": ("report.bal.destroyed", "t", 1.0),
    "emitted_underground_t": ("report.bal.emitted_ug", "t", 1.0),
    "post_mining_ch4_t": ("report.bal.post_mining", "t", 1.0),
    "emitted_ch4_t": ("report.bal.emitted", "t", 1.0),
    "utilization_rate_drained_frac": ("report.rate.util_drained", "%", 100.0),
    "utilization_rate_liberated_frac": ("report.rate.util_liberated", "%", 100.0),
    "drainage_rate_frac": ("report.rate.drainage", "%", 100.0),
}
_GROUP_LABELS = {g: f"report.bal.{g}" for g in ("drained", "utilized", "flared", "vented", "transferred",
                                                 "vam_liberated", "vam_oxidized")}


def _diff_label(key: str) -> tuple[str, str, str, float] | None:
    """(label zh, label en, unit, scale) of a figure key shown in a report's restatement table, or None."""
    parts = key.split(".")
    if parts[0] == "balance" and len(parts) == 2 and parts[1] in _DERIVED_LABELS:
        lk, unit, scale = _DERIVED_LABELS[parts[1]]
        zh, en = LABELS[lk]
        return zh, en, unit, scale
    if parts[0] == "balance" and len(parts) == 4 and parts[1] in _GROUP_LABELS and parts[3] == "pure_ch4_nm3":
        zh, en = LABELS[_GROUP_LABELS[parts[1]]]
        return f"{zh}：{parts[2]}", f"{en}: {parts[2]}", "Nm³", 1.0
    if parts[0] == "balance" and len(parts) == 5 and parts[1] == "co2e" and parts[4] == "co2e_t":
        zh, en = LABELS["report.co2e.title"]
        czh, cen = LABELS.get(f"report.co2e.{parts[2]}", (parts[2], parts[2]))
        return f"{zh}（{czh}）", f"{en} ({cen})", "t", 1.0
    if parts[0] == "points" and len(parts) == 3 and parts[2] in ("pure_ch4_nm3", "mixed_nm3"):
        zh, en = LABELS["report.col.pure" if parts[2] == "pure_ch4_nm3" else "report.col.mixed"]
        return f"{parts[1]} {zh}", f"{parts[1]} {en}", "Nm³", 1.0
    return None


def restatement_diffs(diff: Mapping[str, Any] | None) -> tuple[RestatementDiff, ...]:
    """The rows of a report's restatement table: the balance figures, rates, CO2e and point volumes a
    restatement changed (previous → current), from a restatement's stored diff. Figures that appeared or
    disappeared count from 0."""
    if not diff:
        return ()
    out = []
    for d in diff.get("figures", ()):
        lab = _diff_label(d["key"])
        if lab is None:
            continue
        old, new = d.get("old"), d.get("new")
        if not all(x is None or (isinstance(x, (int, float)) and not isinstance(x, bool)) for x in (old, new)):
            continue
        zh, en, unit, scale = lab
        out.append(RestatementDiff(d["key"], zh, en, unit, float(old or 0.0) * scale, float(new or 0.0) * scale))
    return tuple(out)


def period_close_of(state: CloseState | None) -> PeriodClose:
    """The report's close status: 'open' (未关账) without a close record; 'closed' (已关账) for the original close;
    'restated' (已更正重报) with the restatement number, reason and differences of the latest restatement."""
    if state is None:
        return PeriodClose("open")
    v = state.latest
    if v.no == 0:
        return PeriodClose("closed", v.at)
    return PeriodClose("restated", v.at, v.no, v.reason, v.reason, restatement_diffs(v.diff))


# --------------------------------------------------------------------------------------------------------------
# reports


def _store_for(store: Store | None) -> tuple[Store, bool]:
    if store is not None:
        return store, False
    from minegas.measurements.store import Store

    return Store.open(), True


def build_report(mine: str, period: str, *, store: Store | None = None, settings: MrvSettings | None = None,
                 lang: ReportLang = "zh", generated_at: datetime | None = None) -> MrvReport:
    """The report of a mine's period as it is filed.

    Closed period: the frozen figures of the latest version (the original close or the latest restatement),
    with its status, time, restatement number, reason and differences. ``settings`` must then be None or equal
    the frozen ones (another GWP set needs a restatement). Open period: :func:`compute_report` with
    ``settings``, status 'open' (未关账 / not closed).

    Raises
    ------
    InputError
        Unknown mine, bad period or settings; settings that differ from a closed period's.
    """
    from minegas.accounting.close import close_state

    p = parse_period(period)
    st, own = _store_for(store)
    try:
        with st.session() as s:
            state = close_state(s, mine, p)
        if state is None:
            return compute_report(st, mine, p.label, settings, lang=lang, generated_at=generated_at)
        frozen = MrvSettings.from_frozen(state.latest.settings)
        if settings is not None and settings.resolved() != frozen:
            raise InputError(f"{mine} {p.label} is closed with other settings", [Problem(
                f"the period was closed with {frozen}; a closed period's report shows its frozen figures",
                field="settings", value=str(settings),
                fix="drop the settings options, or restate the period with the new settings "
                    "(minegas mrv restate … --gwp …)")])
        return report_from_dict(state.latest.report, lang=lang, generated_at=generated_at,
                                period_close=period_close_of(state))
    finally:
        if own:
            st.close()


def write_mrv_report(mine: str, period: str, out_dir: str | Path | None = None, *,
                     formats: Sequence[str] = ("xlsx", "pdf", "html"), lang: ReportLang = "zh",
                     store: Store | None = None, settings: MrvSettings | None = None,
                     generated_at: datetime | None = None) -> dict[str, Path]:
    """Write a mine's period report (:func:`build_report`) to ``out_dir`` (default ``<MINEGAS_HOME>/reports``).

    Returns
    -------
    ``{format: path}`` (files ``<mine>_<period>_<lang>.<ext>``, written atomically).
    """
    from minegas.reports.writer import write_report
    from minegas.settings import get_settings

    report = build_report(mine, period, store=store, settings=settings, lang=lang, generated_at=generated_at)
    out = Path(out_dir) if out_dir is not None else get_settings().reports_dir
    return write_report(report, out, formats=formats, lang=lang)


# --------------------------------------------------------------------------------------------------------------
# the engine → the report

PRIMARY_QUANTITY = {"mixed_flow_x_ch4": "flow_mixed", "air_flow_x_ch4": "air_flow", "pure_flow": "flow_pure",
                    "cumulative_pure": "cumulative_pure", "cumulative_mixed": "cumulative_mixed"}
"""The point quantity whose readings a station's primary measurement counts (docs/registry.md stations.csv)."""

STATION_PARAMETER = {"ch4_flow_nm3_min": "flow_pure", "flow_mixed_nm3_min": "flow_mixed", "ch4_pct": "ch4_pct"}
"""Station values integrated by the engine (:data:`minegas.accounting.totals.STATION_VALUES`) → the report's
parameter names (labels ``report.param.*``): pure CH4 flow, mixed flow (both Nm³/min at 0 °C), CH4 %."""


def _report_role(role: str | None) -> str:
    """A registry station role as a report role (:data:`minegas.reports.model.STATION_ROLES`; others → 'other')."""
    from minegas.reports.model import STATION_ROLES

    return role if role in STATION_ROLES else "other"


def _names(store: Store, mine: str) -> dict[str, str]:
    """Mine, enterprise and county names in Chinese and English (county as 'province city county')."""
    import sqlalchemy as sa

    from minegas.registry.models import Mine, Region

    with store.session() as s:
        m = s.scalars(sa.select(Mine).where(Mine.code == mine)).one_or_none()
        if m is None:
            from minegas.registry import repository as repo

            repo.mine(s, mine)  # raises the located InputError
            raise AssertionError("unreachable")
        chain: list[Region] = []
        r: Region | None = m.county
        while r is not None and len(chain) < 10:
            chain.append(r)
            r = r.parent
        return {
            "mine_zh": m.name_zh, "mine_en": m.name_en or m.code,
            "ent_zh": m.enterprise.name_zh if m.enterprise else "—",
            "ent_en": (m.enterprise.name_en or m.enterprise.code) if m.enterprise else "—",
            "county_zh": "".join(x.name_zh for x in reversed(chain)),
            "county_en": ", ".join(x.name_en or x.code for x in chain),
        }


def _primary_points(store: Store, mine: str) -> dict[str, str]:
    """Station → its primary point code (the lowest code of the primary measurement's quantity)."""
    from minegas.registry import repository as repo

    with store.session() as s:
        sts = {x.code: x for x in repo.stations(s, mine)}
        pts = repo.points(s, mine)
    out: dict[str, str] = {}
    for p in sorted(pts, key=lambda x: x.code):
        st = sts.get(p.station_code or "")
        if st is not None and p.quantity == PRIMARY_QUANTITY.get(st.primary_measurement) and st.code not in out:
            out[st.code] = p.code
    return out


def _flags(js: str | None) -> tuple[tuple[str, int], ...]:
    import json

    from minegas.measurements.flags import QaFlag

    counts = json.loads(js or "{}")
    return tuple((f.name, int(counts[f.name])) for f in QaFlag if f.name is not None and counts.get(f.name))


def _points(rows: list[dict[str, Any]], primary: dict[str, str]) -> list[Any]:
    from minegas.reports.model import PointTotal

    out = []
    for r in rows:
        out.append(PointTotal(
            r["station_code"], r["station_name_zh"] or r["station_code"],
            r["station_name_en"] or r["station_code"], _report_role(r["role"]), primary.get(r["station_code"], ""),
            float(r["mixed_nm3"] or 0.0), float(r["ch4_nm3"] or 0.0), float(r["ch4_t"] or 0.0),
            _finite(r["flow_mixed_nm3_min_mean"]), _finite(r["ch4_pct_mean"]), _finite(r.get("t_c_mean")),
            _finite(r.get("p_kpa_mean")), r.get("pressure_kind") if _finite(r.get("p_kpa_mean")) is not None else None,
            float(r["measured_s"]), float(r["substituted_s"]), float(r["missing_s"]), _flags(r.get("flags_json"))))
    return out


def _balance(b: Any) -> Any:
    """The engine's :class:`minegas.accounting.balance.MineBalance` as the report's balance."""
    from minegas.reports.model import BalanceLine, Co2eFigure, MineBalance

    def lines(cat: str) -> tuple[BalanceLine, ...]:
        return tuple(BalanceLine(x.code, x.name_zh, x.name_en, x.pure_ch4_nm3, x.ch4_t) for x in b.lines_of(cat))

    co2e = tuple(Co2eFigure(c.convention, c.basis, c.ch4_t, c.gwp_set, c.gwp_horizon, c.co2e_t,
                            c.power_mwh, c.grid_ef_t_per_mwh, c.heat_gj, c.heat_ef_t_per_gj) for c in b.co2e)
    return MineBalance(lines("drained"), lines("utilized"), lines("flared"), lines("vented"), lines("transferred"),
                       b.residual_nm3, b.residual_t, lines("vam_liberated"), lines("vam_oxidized"), b.destroyed_nm3,
                       b.destroyed_t, b.emitted_underground_nm3, b.emitted_underground_t, b.post_mining_ch4_t, co2e)


def _daily(b: Any, station_names: dict[str, tuple[str, str]]) -> list[Any]:
    """日报 rows from the engine's daily lines (one per CST day and drainage system): the system's drainage main
    (its code and names) when it has exactly one, else the system."""
    from minegas.accounting.balance import SYSTEM_LABELS
    from minegas.reports.model import DailyRow

    out = []
    for d in b.daily:
        if len(d.stations) == 1:
            code = d.stations[0]
            zh, en = station_names.get(code, (code, code))
        else:
            code = d.system
            zh, en = SYSTEM_LABELS.get(d.system, (d.system, d.system))
        out.append(DailyRow(d.day, code, zh, en, d.mixed_nm3, d.pure_ch4_nm3, _finite(d.mean_ch4_pct),
                            d.used_nm3, d.flared_nm3, d.vented_nm3))
    return out


def _substitutions(t: Any, primary: dict[str, str]) -> list[Any]:
    from minegas.reports.model import Substitution

    out = []
    for r in t.to_pylist():
        if r["value"] is None or not r["seconds"]:
            continue  # a gap without a substitute is missing time, not a substitution
        out.append(Substitution(
            r["station_code"], primary.get(r["station_code"], ""), STATION_PARAMETER.get(r["parameter"],
                                                                                           r["parameter"]),
            r["start"], r["end"], r["rule"], float(r["value"]), r["unit"] or "", float(r["seconds"]),
            _finite(r["before"]), _finite(r["after"]), r["reason_zh"] or "", r["reason_en"] or ""))
    out.sort(key=lambda x: (x.station_code, x.window_start, x.parameter))
    return out


def compute_report(store: Store, mine: str, period: str, settings: MrvSettings | None = None, *,
                   lang: ReportLang = "zh", generated_at: datetime | None = None,
                   inputs: Mapping[str, Any] | None = None) -> MrvReport:
    """The report of a mine's period computed now by the MRV engine; close status 'open'.

    Parameters
    ----------
    store : the measurement store and its registry.
    mine : 煤矿编码.
    period : the period (CST).
    settings : methodology, GWP, gap rule, CO2e convention (default :class:`MrvSettings`).
    lang : report language.
    generated_at : the generation time (aware; default now).
    inputs : :func:`minegas.accounting.close.collect_inputs` when already collected (else collected here).

    Returns
    -------
    MrvReport — point totals per station (engine station totals with the methodology's gap rule, per-parameter
    means, QA flag counts), the balance (:func:`minegas.accounting.balance.mine_balances`), the daily report,
    substitutions (station values, when the rule substitutes), findings (:func:`minegas.accounting.runs.check`),
    the verification appendix. Not validated here (the writers validate).

    Raises
    ------
    InputError
        Unknown mine, bad period or settings.
    MethodologyError
        A methodology whose density is not at 0 °C, or without a GWP default when none is named.
    """
    from minegas import __version__
    from minegas.accounting import balance as B
    from minegas.accounting import engine as E
    from minegas.accounting import runs as R
    from minegas.accounting.close import collect_inputs
    from minegas.reports.model import ReportMeta, VerificationAppendix, sort_points

    p = parse_period(period)
    s = (settings or MrvSettings())
    s.validate()
    s = s.resolved()
    assert s.gwp_set is not None and s.gap_rule is not None
    bm = B.method(s.methodology)
    dens = B.methodology_density(bm)
    names = _names(store, mine)
    con = E.connect("duckdb")
    bal = B.mine_balance(store, mine, p.label, methodology=s.methodology, gwp_set=s.gwp_set, horizon=s.gwp_horizon,
                         gap_rule=s.gap_rule, engine=con)
    try:
        st = E.station_totals(store, p.label, mine_codes=[mine], gap_rule=s.gap_rule, engine=con,
                              density=dens.name, parameters=True, flags=True)
        rows = st.to_pylist()
    except InputError:
        rows = []   # nothing stored for the mine in the period
    primary = _primary_points(store, mine)
    points = sort_points(_points(rows, primary))
    station_names = {r["station_code"]: (r["station_name_zh"] or r["station_code"],
                                         r["station_name_en"] or r["station_code"]) for r in rows}
    subs: list[Any] = []
    if s.gap_rule != "exclude" and rows:
        subs = _substitutions(E.substitutions(store, p.label, level="station", mine_codes=[mine],
                                              gap_rule=s.gap_rule, engine=con), primary)
    findings = R.check(store, mine, p.label, engine=con, balance=bal).findings
    inp = inputs if inputs is not None else collect_inputs(store, mine, p)
    meta = ReportMeta(
        mine_code=mine, mine_name_zh=names["mine_zh"], mine_name_en=names["mine_en"],
        enterprise_zh=names["ent_zh"], enterprise_en=names["ent_en"], county_zh=names["county_zh"],
        county_en=names["county_en"], period_label=p.label, period_start=p.start, period_end=p.end, language=lang,
        generated_at=(generated_at or datetime.now(UTC)), software_version=__version__,
        methodology_id=bal.methodology_id, methodology_version=bal.methodology_version, paramsets=(),
        gwp_set=bal.gwp_set, gwp_horizon=bal.gwp_horizon, ref_state=REPORT_REF_STATE, density_name=dens.name,
        co2e_convention=s.co2e_convention, gap_rule=bal.gap_rule,  # type: ignore[arg-type]
    )
    appendix = VerificationAppendix(input_batches(inp), calibration_rows(store, mine, p), PeriodClose("open"))
    return MrvReport(meta, points, _balance(bal), tuple(subs), tuple(findings), tuple(_daily(bal, station_names)),
                     appendix)


# --------------------------------------------------------------------------------------------------------------
# region summary

SUMMARY_COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("mine_code", "煤矿编码", "mine code", ""),
    ("mine_name_zh", "煤矿名称", "mine", ""),
    ("county", "所在县", "county", ""),
    ("gas_class", "瓦斯等级", "gas class", ""),
    ("drained_nm3", "抽采量", "drained", "Nm³"),
    ("used_nm3", "利用量(含外输)", "used (incl. transfer)", "Nm³"),
    ("flared_nm3", "火炬燃烧量", "flared", "Nm³"),
    ("vented_nm3", "放空量", "vented", "Nm³"),
    ("residual_nm3", "未平衡量", "residual", "Nm³"),
    ("vam_liberated_nm3", "风排瓦斯量", "VAM liberated", "Nm³"),
    ("utilization_rate_drained_frac", "瓦斯利用率", "utilization rate", "%"),
    ("drainage_rate_frac", "抽采率", "drainage rate", "%"),
    ("emitted_ch4_t", "甲烷排放量(含采后)", "CH4 emitted (incl. post-mining)", "t"),
    ("co2e_t", "二氧化碳当量", "CO2e", "t"),
    ("close_status", "关账状态", "close status", ""),
)
"""Columns of the region summary: key, Chinese, English, unit (volumes pure CH4 at 0 °C)."""

_SUM_KEYS = ("drained_nm3", "used_nm3", "flared_nm3", "vented_nm3", "residual_nm3", "vam_liberated_nm3",
             "emitted_ch4_t", "co2e_t")


def region_summary(period: str, mines: Sequence[str] | None = None, *, store: Store | None = None,
                   settings: MrvSettings | None = None) -> list[dict[str, Any]]:
    """One row per mine of the period's headline figures (:data:`SUMMARY_COLUMNS`): a closed mine's from its
    latest frozen version (as its report shows them), an open mine's from the engine's balance (one totals query
    for all open mines). Rates are fractions (0–1); ``co2e_t`` is the settings' headline convention.

    Raises
    ------
    InputError
        Unknown mine, bad period or settings.
    """
    from minegas.accounting import balance as B
    from minegas.accounting.close import close_state
    from minegas.registry import repository as repo

    p = parse_period(period)
    s = (settings or MrvSettings())
    s.validate()
    s = s.resolved()
    st, own = _store_for(store)
    try:
        with st.session() as ss:
            infos = {m.code: m for m in repo.mines(ss)}
            codes = sorted(infos) if mines is None else list(mines)
            for c in codes:
                repo.mine(ss, c)
            states = {c: close_state(ss, c, p) for c in codes}
        open_codes = [c for c in codes if states[c] is None]
        bals = B.mine_balances(st, p.label, mine_codes=open_codes, methodology=s.methodology, gwp_set=s.gwp_set,
                               horizon=s.gwp_horizon, gap_rule=s.gap_rule) if open_codes else {}
    finally:
        if own:
            st.close()
    rows = []
    for c in codes:
        info = infos[c]
        row: dict[str, Any] = {"mine_code": c, "mine_name_zh": info.name_zh, "county": info.county_name_zh,
                               "gas_class": info.gas_class}
        state = states[c]
        if state is None:
            b = bals[c]
            head = b.co2e_of(s.co2e_convention)
            row.update(drained_nm3=b.drained_nm3, used_nm3=b.used_nm3, flared_nm3=b.flared_nm3,
                       vented_nm3=b.vented_nm3, residual_nm3=b.residual_nm3, vam_liberated_nm3=b.vam_liberated_nm3,
                       utilization_rate_drained_frac=b.utilization_rate_drained_frac,
                       drainage_rate_frac=b.drainage_rate_frac, emitted_ch4_t=b.emitted_ch4_t,
                       co2e_t=None if head is None else head.co2e_t, close_status="open")
        else:
            rep = state.latest.report["balance"]
            d = rep["derived"]
            conv = state.latest.settings["co2e_convention"]
            head = next((x for x in rep["co2e"] if x["convention"] == conv), None)
            row.update(drained_nm3=d["drained_nm3"], used_nm3=d["used_nm3"], flared_nm3=d["flared_nm3"],
                       vented_nm3=d["vented_nm3"], residual_nm3=rep["residual_nm3"],
                       vam_liberated_nm3=d["vam_liberated_nm3"],
                       utilization_rate_drained_frac=d["utilization_rate_drained_frac"],
                       drainage_rate_frac=d["drainage_rate_frac"], emitted_ch4_t=d["emitted_ch4_t"],
                       co2e_t=None if head is None else head["co2e_t"],
                       close_status=state.status if state.latest.no == 0 else f"restated #{state.latest.no}")
        rows.append(row)
    return rows


def render_region_summary_xlsx(rows: Sequence[Mapping[str, Any]], period: str, title: str = "") -> bytes:
    """The region summary as an .xlsx workbook: one sheet, bilingual headers, one row per mine, a total row whose
    sums and rates are formulas (rates = used / drained and drained / (drained + VAM) of the sums)."""
    import io

    import xlsxwriter
    from xlsxwriter.utility import xl_rowcol_to_cell

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                   "strings_to_urls": False,
                                   "default_format_properties": {"font_name": "等线", "font_size": 10}})
    wb.set_properties({"title": f"区域汇总 region summary {period}", "author": "minegas"})
    bold = wb.add_format({"bold": True})
    head = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7", "border": 1})
    num = wb.add_format({"num_format": "#,##0"})
    num3 = wb.add_format({"num_format": "#,##0.000"})
    pct = wb.add_format({"num_format": "0.00%"})
    tot = {k: wb.add_format({"bold": True, "top": 1, **({"num_format": f} if f else {})})
           for k, f in (("text", ""), ("num", "#,##0"), ("num3", "#,##0.000"), ("pct", "0.00%"))}
    ws = wb.add_worksheet("区域汇总 region summary")
    ws.write_string(0, 0, title or f"区域汇总 region summary · {period}", bold)
    ws.write_string(1, 0, "体积为0 °C、101.325 kPa下的甲烷纯量(Nm³) · pure CH4 at 0 °C, 101.325 kPa")
    col = {k: j for j, (k, *_rest) in enumerate(SUMMARY_COLUMNS)}
    for j, (_k, zh, en, unit) in enumerate(SUMMARY_COLUMNS):
        ws.write_string(2, j, f"{zh}\n{en}" + (f"\n({unit})" if unit else ""), head)
        ws.set_column(j, j, 14 if j > 1 else 16)
    ws.set_row(2, 48)
    r0 = 3
    for i, row in enumerate(rows):
        for j, (k, *_rest) in enumerate(SUMMARY_COLUMNS):
            v = row.get(k)
            if v is None:
                continue
            if isinstance(v, str):
                ws.write_string(r0 + i, j, v)
            else:
                fmt = pct if k.endswith("_frac") else num3 if k.endswith("_t") else num
                ws.write_number(r0 + i, j, float(v), fmt)
    r1 = r0 + len(rows) - 1
    t = r1 + 1
    ws.write_string(t, 0, "合计 total", tot["text"])
    sums: dict[str, float] = {}
    for k in _SUM_KEYS:
        j = col[k]
        sums[k] = math.fsum(float(r.get(k) or 0.0) for r in rows)
        a, b = xl_rowcol_to_cell(r0, j), xl_rowcol_to_cell(max(r0, r1), j)
        ws.write_formula(t, j, f"=SUM({a}:{b})" if rows else "=0", tot["num3" if k.endswith("_t") else "num"],
                         sums[k])
    dr, us, vam = (xl_rowcol_to_cell(t, col[k]) for k in ("drained_nm3", "used_nm3", "vam_liberated_nm3"))
    d, u, v = sums["drained_nm3"], sums["used_nm3"], sums["vam_liberated_nm3"]
    ws.write_formula(t, col["utilization_rate_drained_frac"], f'=IF({dr}>0,{us}/{dr},"")', tot["pct"],
                     u / d if d > 0 else "")
    ws.write_formula(t, col["drainage_rate_frac"], f'=IF({dr}+{vam}>0,{dr}/({dr}+{vam}),"")', tot["pct"],
                     d / (d + v) if d + v > 0 else "")
    ws.freeze_panes(3, 2)
    ws.autofilter(2, 0, max(2, r1), len(SUMMARY_COLUMNS) - 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(2)
    wb.close()
    return buf.getvalue()


def write_region_summary(period: str, out_dir: str | Path | None = None, mines: Sequence[str] | None = None, *,
                         store: Store | None = None, settings: MrvSettings | None = None,
                         title: str = "") -> dict[str, Path]:
    """Write :func:`region_summary` as ``region_<period>_summary.xlsx`` and ``.json`` (atomically) to ``out_dir``
    (default ``<MINEGAS_HOME>/reports``). Returns ``{format: path}``."""
    import json
    import re

    from minegas.reports.writer import atomic_write_bytes
    from minegas.settings import get_settings

    p = parse_period(period)
    rows = region_summary(p.label, mines, store=store, settings=settings)
    out = Path(out_dir) if out_dir is not None else get_settings().reports_dir
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", f"region_{p.label.replace('..', '--')}_summary")
    paths = {"xlsx": out / f"{stem}.xlsx", "json": out / f"{stem}.json"}
    atomic_write_bytes(paths["xlsx"], render_region_summary_xlsx(rows, p.label, title))
    atomic_write_bytes(paths["json"], (json.dumps({"period": p.label, "mines": rows}, ensure_ascii=False, indent=1,
                                                  allow_nan=False) + "\n").encode("utf-8"))
    return paths


def _finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)
