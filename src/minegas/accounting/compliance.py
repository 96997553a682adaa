"""Compliance rules as pure functions over time series → findings.

Each check takes monitored series (sample times in UTC epoch seconds, values, QA mask) and returns
:class:`Finding` records — rule, clause, severity, time window, evidence, and a message in Chinese and English.
Means over windows are time-weighted (:mod:`minegas.accounting.reference_integration`, gaps excluded, the covered
share reported); calendar windows (days, hours) are cut in China Standard Time (UTC+8, docs/conventions.md §4).

Rules (sources and tags in docs/methodologies.md):

- ``GB21522-2024.no-venting`` — gas ≥ 8 % CH4 with ≥ 10 m³/min pure CH4 drained, both 24-h means, must not be
  vented [S]; rolling 24-h windows and calendar days; both reference-state verdicts when the state matters.
- ``GB21522-2008.no-venting`` — surface CBM (any concentration) and drained gas ≥ 30 % must not be vented [S].
- ``CMSR.direct-combustion`` — Coal Mine Safety Regulations, drained-gas article (art. 184 in the 2016 edition;
  the number is [U]) item (5): drained gas below 30 % must not be burned directly as fuel [S]; reported as a finding
  that needs approval, not a ban.
- ``CMSR.dry-drainage`` — the same article, item (3): with dry-type drainage equipment the drained gas must be
  ≥ 25 % CH4 [S]; a finding that needs approval.
- ``SAFETY.explosive-inlet`` — a utilisation inlet inside the explosive range of CH4 in air (5–16 %, parameters).
- ``SX-2022.no-dilution`` — Shanxi Energy Bureau guidance of August 2022: diluting gas before venting is forbidden
  (严禁掺混排放) [S]; a concentration drop between pump outlet and vent stack while the pure CH4 flows agree.
- ``TARGET.<id>`` — utilisation-rate targets (Jincheng ≥ 60 %, Shanxi 50 % by 2025).
- ``CCER-10-001.revocation`` — gas into the safety-conveyance system exceeding the drainage-pump outlet [S].
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from minegas.accounting.methods.ccer_cmm import revocation_triggered
from minegas.accounting.methods.gb21522 import (
    GB21522_2008,
    GB21522_2024,
    METHODOLOGY_ID_2008,
    METHODOLOGY_ID_2024,
    OPERATORS,
    Gb21522_2008,
    Gb21522_2024,
    MineStatus,
)
from minegas.accounting.reference_integration import Method, WindowTotals, window_integrals
from minegas.errors import InputError, Problem
from minegas.periods import CST
from minegas.physics.safety import DRY_DRAINAGE_MIN_PCT, HIGH_CONC_MIN_PCT, ExplosiveRange
from minegas.physics.states import convert_state, ref_state

Severity = Literal["violation", "warning", "approval_required", "safety", "data_quality", "info"]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

CST_OFFSET_S = 8 * 3600
"""China Standard Time is UTC+8 (no DST): calendar windows start at multiples of the window after −8 h."""

MIN_COVERAGE_FRAC_DEFAULT = 0.75
"""Share of a window that must be covered by quality-assured data for a verdict. Our assumption [U]: the
monitoring clauses of GB 21522-2024 were not available; 0.75 (18 h of 24) is a parameter."""

DEFAULT_MAX_GAP_S = 300.0
"""Longest segment integrated when a series does not say (5 min for 1-min data); the registry's per-point
``max_gap_s`` should be passed instead."""


@dataclass(frozen=True)
class Finding:
    """One compliance finding.

    Attributes
    ----------
    rule_id : stable rule identifier, e.g. 'GB21522-2024.no-venting'.
    clause : the clause or document it rests on (with confidence tags).
    severity : 'violation', 'warning', 'approval_required', 'safety', 'data_quality' or 'info'.
    window_start, window_end : the time window the finding covers (aware, UTC).
    evidence : figures behind the finding (JSON-serialisable).
    message_zh, message_en : the finding in Chinese and English.
    """

    rule_id: str
    clause: str
    severity: Severity
    window_start: datetime
    window_end: datetime
    evidence: dict[str, Any]
    message_zh: str
    message_en: str


@dataclass(frozen=True, eq=False)
class Series:
    """One monitored quantity as samples.

    Parameters
    ----------
    t_s : sample times, UTC epoch seconds, strictly increasing.
    value : values (unit in the caller's name, e.g. ``ch4_pct``, ``ch4_flow_nm3_min``); NaN counts as not ok.
    ok : quality-assured mask (None: every finite value); build it from the QA flags and ``EXCLUDE_MASK``.
    max_gap_s : longest segment integrated [s] (the point's registry ``max_gap_s``).
    method : 'trapezoid' or 'hold'.
    name : point or station code, for evidence.
    """

    t_s: FloatArray
    value: FloatArray
    ok: BoolArray | None = None
    max_gap_s: float = DEFAULT_MAX_GAP_S
    method: Method = "trapezoid"
    name: str = ""

    def __post_init__(self) -> None:
        t = np.asarray(self.t_s, dtype=float)
        v = np.asarray(self.value, dtype=float)
        ok = np.ones(v.shape, dtype=bool) if self.ok is None else np.asarray(self.ok, dtype=bool)
        if t.ndim != 1 or t.shape != v.shape or ok.shape != v.shape:
            raise InputError(f"series {self.name!r}: times, values and ok must have the same length",
                             [Problem(f"{t.shape}, {v.shape}, {ok.shape}", field=self.name or "series")])
        ok = ok & np.isfinite(v)
        if t.size > 1 and not np.all(np.diff(t) > 0):
            raise InputError(f"series {self.name!r}: times must be strictly increasing",
                             [Problem("unsorted or duplicate time stamps", field=self.name or "series",
                                      fix="sort by time and drop duplicates")])
        object.__setattr__(self, "t_s", t)
        object.__setattr__(self, "value", v)
        object.__setattr__(self, "ok", ok)

    @property
    def okmask(self) -> BoolArray:
        assert self.ok is not None
        return self.ok

    def windows(self, starts: FloatArray, ends: FloatArray) -> WindowTotals:
        """Time-weighted totals over windows ``[start, end)`` (gaps excluded)."""
        return window_integrals(self.t_s, self.value, self.ok, starts, ends, method=self.method,
                                max_gap_s=self.max_gap_s)


# --------------------------------------------------------------------------------------------------------------
# helpers


def _utc(t_s: float) -> datetime:
    return datetime.fromtimestamp(float(t_s), UTC)


def _cst_midnight_s(d: date) -> float:
    return datetime(d.year, d.month, d.day, tzinfo=CST).timestamp()


def calendar_windows(t_first_s: float, t_last_s: float, window_s: float = 86_400.0) -> tuple[FloatArray, FloatArray]:
    """CST-aligned windows ``[k·W − 8 h, (k+1)·W − 8 h)`` that overlap ``[t_first_s, t_last_s)``.

    With the default ``window_s`` these are the China Standard Time calendar days. A series ending exactly on
    a boundary (e.g. a sample at midnight closing the last day) does not open a further window.
    """
    if not window_s > 0 or (86_400.0 % window_s != 0 and window_s % 86_400.0 != 0):
        raise InputError("calendar windows must divide a day or be whole days",
                         [Problem("bad window", field="window_s", value=str(window_s))])
    k0 = math.floor((t_first_s + CST_OFFSET_S) / window_s)
    k1 = max(k0, math.ceil((t_last_s + CST_OFFSET_S) / window_s) - 1)
    k = np.arange(k0, k1 + 1, dtype=float)
    starts = k * window_s - CST_OFFSET_S
    return starts, starts + window_s


def _runs(mask: BoolArray) -> list[tuple[int, int]]:
    """Inclusive index ranges of the runs of True in ``mask``."""
    m = np.asarray(mask, dtype=bool)
    if not m.any():
        return []
    d = np.diff(np.concatenate(([0], m.astype(np.int8), [0])))
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1) - 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _f(x: float | np.floating[Any] | None, nd: int = 4) -> float | None:
    if x is None:
        return None
    xf = float(x)
    return None if math.isnan(xf) else round(xf, nd)


def _sample_episodes(series: Series, cond: BoolArray, min_duration_s: float) -> list[tuple[int, int]]:
    """Runs of consecutive quality-assured samples meeting ``cond`` (a non-ok sample or a pause longer than
    ``max_gap_s`` ends a run), at least ``min_duration_s`` long."""
    m = cond & series.okmask
    out: list[tuple[int, int]] = []
    for i0, i1 in _runs(m):
        # split a run where consecutive samples are further apart than max_gap_s
        idx = np.arange(i0, i1 + 1)
        breaks = np.flatnonzero(np.diff(series.t_s[idx]) > series.max_gap_s)
        lo = i0
        for b in breaks.tolist():
            out.append((lo, i0 + b))
            lo = i0 + b + 1
        out.append((lo, i1))
    return [(a, b) for a, b in out if series.t_s[b] - series.t_s[a] >= min_duration_s]


# --------------------------------------------------------------------------------------------------------------
# GB 21522-2024 / 2008


@dataclass(frozen=True)
class WindowVerdict:
    """GB 21522 verdict on one window (a rolling 24 h or a calendar day)."""

    start: datetime
    end: datetime
    basis: Literal["rolling_24h", "calendar_day"]
    applicable: bool
    coverage_frac: float
    ch4_pct: float | None
    pure_flow_nm3_min: float | None
    pure_flow_rule_m3_min: float | None
    vented_nm3_min: float | None
    banned: bool | None
    banned_0c: bool | None
    banned_20c: bool | None
    violation: bool
    violation_other_state: bool


@dataclass(frozen=True)
class VentingAssessment:
    """Outcome of :func:`check_gb21522_2024` / :func:`check_gb21522_2008`: findings plus every day's verdict."""

    findings: list[Finding]
    days: list[WindowVerdict]
    n_rolling_windows: int = 0
    n_rolling_violations: int = 0
    methodology: str = METHODOLOGY_ID_2024


@dataclass(eq=False)
class _WindowStats:
    starts: FloatArray
    ends: FloatArray
    conc: FloatArray
    q0: FloatArray
    vent: FloatArray | None
    coverage: FloatArray


def _window_stats(ch4_pct: Series, flow: Series | None, vented: Series | None, starts: FloatArray,
                  ends: FloatArray) -> _WindowStats:
    wc = ch4_pct.windows(starts, ends)
    cov = wc.coverage_frac
    q0 = np.full(starts.shape, np.nan)
    if flow is not None:
        wq = flow.windows(starts, ends)
        q0 = wq.mean
        cov = np.minimum(cov, wq.coverage_frac)
    vent = None
    if vented is not None:
        wv = vented.windows(starts, ends)
        vent = wv.mean
        cov = np.minimum(cov, wv.coverage_frac)
    return _WindowStats(starts, ends, wc.mean, q0, vent, cov)


def _vent_mask(st: _WindowStats, tol: float) -> BoolArray:
    if st.vent is None:
        return np.ones(st.starts.shape, dtype=bool)  # the outlet vents what it drains
    return np.nan_to_num(st.vent, nan=0.0) > tol


def _rolling_bounds(ref: Series, window_s: float, not_before_s: float) -> tuple[FloatArray, FloatArray]:
    if ref.t_s.size == 0:
        return np.zeros(0), np.zeros(0)
    ends = ref.t_s[ref.t_s >= max(ref.t_s[0] + window_s, not_before_s + window_s)]
    return ends - window_s, ends


def _episode_findings(
    st: _WindowStats, mask: BoolArray, *, rule_id: str, clause: str, severity: Severity, basis: str,
    extra: Callable[[slice], dict[str, Any]], msg: Callable[[dict[str, Any]], tuple[str, str]],
) -> list[Finding]:
    out: list[Finding] = []
    for i0, i1 in _runs(mask):
        sl = slice(i0, i1 + 1)
        ev: dict[str, Any] = {
            "basis": basis, "n_windows": i1 - i0 + 1,
            "first_window_end": _utc(st.ends[i0]).isoformat(), "last_window_end": _utc(st.ends[i1]).isoformat(),
            "ch4_pct_max": _f(np.nanmax(st.conc[sl])), "ch4_pct_min": _f(np.nanmin(st.conc[sl])),
            "min_coverage_frac": _f(np.min(st.coverage[sl])),
        }
        if not np.all(np.isnan(st.q0[sl])):
            ev["pure_flow_nm3_min_max"] = _f(np.nanmax(st.q0[sl]))
            ev["pure_flow_nm3_min_min"] = _f(np.nanmin(st.q0[sl]))
        if st.vent is not None:
            ev["vented_nm3_min_max"] = _f(np.nanmax(st.vent[sl]))
        ev.update(extra(sl))
        zh, en = msg(ev)
        out.append(Finding(rule_id, clause, severity, _utc(st.starts[i0]), _utc(st.ends[i1]), ev, zh, en))
    return out


CLAUSE_2024 = ("GB 21522-2024: CH4 ≥ 8 % and pure CH4 drainage flow ≥ 10 m³/min (24-h means) must not be vented "
               "directly [S; standard text not available, reference state of 10 m³/min [U]]")


def check_gb21522_2024(
    ch4_pct: Series,
    ch4_flow_nm3_min: Series,
    *,
    mine_status: MineStatus,
    vented_ch4_flow_nm3_min: Series | None = None,
    params: Gb21522_2024 = GB21522_2024,
    min_coverage_frac: float = MIN_COVERAGE_FRAC_DEFAULT,
    vent_tolerance_nm3_min: float = 0.0,
    rolling: bool = True,
    outlet: str = "",
) -> VentingAssessment:
    """GB 21522-2024 venting ban on a drainage outlet, on rolling 24-h windows and CST calendar days.

    Parameters
    ----------
    ch4_pct : CH4 concentration of the drained gas [%].
    ch4_flow_nm3_min : pure CH4 drainage flow (抽采纯量) [Nm³/min, 0 °C].
    mine_status : 'new' (bound from 2025-04-01) or 'existing' (from 2027-04-01 [S]).
    vented_ch4_flow_nm3_min : pure CH4 vented at the outlet [Nm³/min]; None means the outlet vents all it drains.
    params : thresholds, operators, reference state (default 20 °C [U]) and dates.
    min_coverage_frac : share of a window that must be covered for a verdict (assumption [U], 0.75).
    vent_tolerance_nm3_min : vented flow (24-h mean) up to which the gas counts as not vented.
    rolling : also evaluate a 24-h window ending at each sample of ``ch4_pct``.
    outlet : name for evidence and messages.

    Returns
    -------
    :class:`VentingAssessment` with: one 'violation' finding per run of violating rolling windows and per
    violating calendar day (evidence: means, coverage, both reference-state verdicts); 'warning' findings where
    only the other reference state (0 °C ↔ 20 °C) would ban; 'data_quality' findings for runs of days without
    enough data; and every calendar day's :class:`WindowVerdict`.
    """
    p = params
    eff_s = _cst_midnight_s(p.effective_for(mine_status))
    f_rule = float(convert_state(1.0, "0C", p.flow_ref_state))
    f_20 = float(convert_state(1.0, "0C", "20C"))
    op_c, op_q = OPERATORS[p.conc_op], OPERATORS[p.flow_op]
    other = "0C" if p.flow_ref_state != "0C" else "20C"

    def verdicts(st: _WindowStats) -> tuple[BoolArray, BoolArray, BoolArray, BoolArray, BoolArray, BoolArray]:
        enough = (st.coverage >= min_coverage_frac) & ~np.isnan(st.conc) & ~np.isnan(st.q0)
        conc = np.nan_to_num(st.conc, nan=-1.0)
        q0 = np.nan_to_num(st.q0, nan=-1.0)
        c_over = op_c(conc, p.conc_min_pct)
        b_rule = enough & c_over & op_q(q0 * f_rule, p.pure_flow_min_m3_min)
        b_0 = enough & c_over & op_q(q0, p.pure_flow_min_m3_min)
        b_20 = enough & c_over & op_q(q0 * f_20, p.pure_flow_min_m3_min)
        vent = _vent_mask(st, vent_tolerance_nm3_min)
        viol = b_rule & vent
        b_other = b_0 if other == "0C" else b_20
        viol_other_only = b_other & ~b_rule & vent
        return enough, b_rule, b_0, b_20, viol, viol_other_only

    def extra(st: _WindowStats, b_0: BoolArray, b_20: BoolArray) -> Callable[[slice], dict[str, Any]]:
        def f(sl: slice) -> dict[str, Any]:
            q = st.q0[sl]
            return {"outlet": outlet, "ref_state": p.flow_ref_state,
                    "pure_flow_rule_state_m3_min_max": _f(np.nanmax(q) * f_rule) if q.size else None,
                    "threshold_nm3_min": _f(p.threshold_nm3_min),
                    "verdict_0c_any": bool(b_0[sl].any()), "verdict_20c_any": bool(b_20[sl].any()),
                    "state_sensitive": bool((b_0[sl] != b_20[sl]).any()), "mine_status": mine_status}
        return f

    rs_rule, rs_other = ref_state(p.flow_ref_state), ref_state(other)
    op_zh = {">=": "≥", ">": ">"}

    def msg_violation(ev: dict[str, Any]) -> tuple[str, str]:
        sens = ev["state_sensitive"]
        state_zh = "（参比状态敏感：按0 °C与20 °C判定结果不同）" if sens else ""
        state_en = " (reference-state sensitive: at 0 °C and at 20 °C the verdicts differ)" if sens else ""
        b_zh = "滚动24小时" if ev["basis"] == "rolling_24h" else "日历日"
        b_en = "rolling 24-h" if ev["basis"] == "rolling_24h" else "calendar-day"
        return (f"{outlet}：{b_zh}平均甲烷浓度{op_zh[p.conc_op]}{p.conc_min_pct:g}%且抽采纯量"
                f"{op_zh[p.flow_op]}{p.pure_flow_min_m3_min:g} m³/min（{rs_rule.label_zh}），但瓦斯被直接排放，"
                f"违反GB 21522-2024{state_zh}",
                f"{outlet}: {b_en} means of CH4 {p.conc_op} {p.conc_min_pct:g} % and pure CH4 {p.flow_op} "
                f"{p.pure_flow_min_m3_min:g} m³/min ({rs_rule.label_en}) while the gas is vented — GB 21522-2024 "
                f"venting ban{state_en}")

    def msg_other(ev: dict[str, Any]) -> tuple[str, str]:
        return (f"{outlet}：按{rs_rule.label_zh}参比状态未超限，但若10 m³/min为{rs_other.label_zh}将构成违规排放"
                "（标准中的参比状态未确认）",
                f"{outlet}: not banned with the 10 m³/min at {rs_rule.label_en}, but banned if it were at "
                f"{rs_other.label_en} (the standard's reference state is unconfirmed)")

    findings: list[Finding] = []
    n_roll = n_roll_viol = 0
    if rolling:
        rs, re_ = _rolling_bounds(ch4_pct, p.window_s, eff_s)
        if rs.size:
            st = _window_stats(ch4_pct, ch4_flow_nm3_min, vented_ch4_flow_nm3_min, rs, re_)
            _, _, b0, b20, viol, viol_o = verdicts(st)
            n_roll, n_roll_viol = int(rs.size), int(viol.sum())
            findings += _episode_findings(st, viol, rule_id="GB21522-2024.no-venting", clause=CLAUSE_2024,
                                          severity="violation", basis="rolling_24h", extra=extra(st, b0, b20),
                                          msg=msg_violation)
            findings += _episode_findings(st, viol_o, rule_id="GB21522-2024.no-venting.reference-state",
                                          clause=CLAUSE_2024, severity="warning", basis="rolling_24h",
                                          extra=extra(st, b0, b20), msg=msg_other)
    days: list[WindowVerdict] = []
    if ch4_pct.t_s.size:
        ds, de = calendar_windows(float(ch4_pct.t_s[0]), float(ch4_pct.t_s[-1]))
        st = _window_stats(ch4_pct, ch4_flow_nm3_min, vented_ch4_flow_nm3_min, ds, de)
        enough, b_rule, b0, b20, viol, viol_o = verdicts(st)
        applicable = ds >= eff_s
        viol &= applicable
        viol_o &= applicable
        for k in range(ds.size):
            ok_k = bool(enough[k])
            days.append(WindowVerdict(
                _utc(ds[k]), _utc(de[k]), "calendar_day", bool(applicable[k]), float(st.coverage[k]),
                _f(st.conc[k]), _f(st.q0[k]), _f(st.q0[k] * f_rule),
                _f(st.vent[k]) if st.vent is not None else None,
                bool(b_rule[k]) if ok_k else None,
                bool(b0[k]) if ok_k else None, bool(b20[k]) if ok_k else None, bool(viol[k]), bool(viol_o[k])))
        for k in np.flatnonzero(viol).tolist():
            findings += _episode_findings(_slice_stats(st, k), np.array([True]), rule_id="GB21522-2024.no-venting",
                                          clause=CLAUSE_2024, severity="violation", basis="calendar_day",
                                          extra=extra(_slice_stats(st, k), b0[k:k + 1], b20[k:k + 1]),
                                          msg=msg_violation)
        for k in np.flatnonzero(viol_o).tolist():
            findings += _episode_findings(_slice_stats(st, k), np.array([True]),
                                          rule_id="GB21522-2024.no-venting.reference-state", clause=CLAUSE_2024,
                                          severity="warning", basis="calendar_day",
                                          extra=extra(_slice_stats(st, k), b0[k:k + 1], b20[k:k + 1]), msg=msg_other)
        findings += _coverage_findings(st, applicable & ~enough, min_coverage_frac, "GB21522-2024.data-coverage",
                                       outlet)
    return VentingAssessment(findings, days, n_roll, n_roll_viol, METHODOLOGY_ID_2024)


def _slice_stats(st: _WindowStats, k: int) -> _WindowStats:
    sl = slice(k, k + 1)
    return _WindowStats(st.starts[sl], st.ends[sl], st.conc[sl], st.q0[sl],
                        st.vent[sl] if st.vent is not None else None, st.coverage[sl])


def _coverage_findings(st: _WindowStats, mask: BoolArray, min_cov: float, rule_id: str, outlet: str) -> list[Finding]:
    out: list[Finding] = []
    for i0, i1 in _runs(mask):
        ev = {"outlet": outlet, "n_days": i1 - i0 + 1, "min_coverage_frac_required": min_cov,
              "coverage_frac_min": _f(np.min(st.coverage[i0:i1 + 1]))}
        out.append(Finding(rule_id, f"coverage ≥ {min_cov:g} of each day required for a verdict (assumption [U])",
                           "data_quality", _utc(st.starts[i0]), _utc(st.ends[i1]), ev,
                           f"{outlet}：{i1 - i0 + 1}天的有效监测数据不足{min_cov:.0%}，无法判定是否合规",
                           f"{outlet}: {i1 - i0 + 1} day(s) with less than {min_cov:.0%} valid data — no verdict"))
    return out


CLAUSE_2008 = ("GB 21522-2008: surface CBM must not be vented; drained gas with CH4 ≥ 30 % must not be vented [S; "
               "standard text not available]")


def check_gb21522_2008(
    ch4_pct: Series,
    *,
    origin: Literal["drained", "surface_cbm"] = "drained",
    vented_ch4_flow_nm3_min: Series | None = None,
    mine_status: MineStatus = "existing",
    params: Gb21522_2008 = GB21522_2008,
    superseded_by: Gb21522_2024 | None = GB21522_2024,
    min_coverage_frac: float = MIN_COVERAGE_FRAC_DEFAULT,
    vent_tolerance_nm3_min: float = 0.0,
    outlet: str = "",
) -> VentingAssessment:
    """GB 21522-2008 venting ban on CST calendar-day means (the standard's averaging basis is not in our
    sources; daily time-weighted means are our choice [U]).

    Applies from 2008-07-01 until the mine's GB 21522-2024 compliance date (``superseded_by``; None = no end),
    per :func:`minegas.accounting.methods.gb21522.applicable_standards` [U].

    Parameters
    ----------
    ch4_pct : CH4 concentration of the gas at the outlet [%].
    origin : 'drained' (banned at ≥ 30 %) or 'surface_cbm' (banned at any concentration).
    vented_ch4_flow_nm3_min : pure CH4 vented [Nm³/min]; None means the outlet vents all of it.
    """
    start_s = _cst_midnight_s(params.effective)
    end_s = _cst_midnight_s(superseded_by.effective_for(mine_status)) if superseded_by else math.inf
    op_c = OPERATORS[params.conc_op]
    findings: list[Finding] = []
    days: list[WindowVerdict] = []
    if ch4_pct.t_s.size == 0:
        return VentingAssessment(findings, days, methodology=METHODOLOGY_ID_2008)
    ds, de = calendar_windows(float(ch4_pct.t_s[0]), float(ch4_pct.t_s[-1]))
    st = _window_stats(ch4_pct, None, vented_ch4_flow_nm3_min, ds, de)
    enough = (st.coverage >= min_coverage_frac) & ~np.isnan(st.conc)
    applicable = (ds >= start_s) & (de <= end_s)
    conc = np.nan_to_num(st.conc, nan=-1.0)
    banned = enough & (np.ones_like(enough) if origin == "surface_cbm" else op_c(conc, params.conc_min_pct))
    viol = banned & _vent_mask(st, vent_tolerance_nm3_min) & applicable
    for k in range(ds.size):
        days.append(WindowVerdict(_utc(ds[k]), _utc(de[k]), "calendar_day", bool(applicable[k]),
                                  float(st.coverage[k]), _f(st.conc[k]), None, None,
                                  _f(st.vent[k]) if st.vent is not None else None,
                                  bool(banned[k]) if enough[k] else None, None, None, bool(viol[k]), False))

    def extra(sl: slice) -> dict[str, Any]:
        return {"outlet": outlet, "origin": origin, "threshold_pct": params.conc_min_pct}

    def msg(ev: dict[str, Any]) -> tuple[str, str]:
        if origin == "surface_cbm":
            return (f"{outlet}：地面开发煤层气被直接排放，违反GB 21522-2008",
                    f"{outlet}: surface CBM vented — GB 21522-2008 venting ban")
        return (f"{outlet}：日平均甲烷浓度≥{params.conc_min_pct:g}%的抽采瓦斯被直接排放，违反GB 21522-2008",
                f"{outlet}: drained gas with a daily mean of ≥ {params.conc_min_pct:g} % CH4 vented — "
                "GB 21522-2008 venting ban")

    for k in np.flatnonzero(viol).tolist():
        findings += _episode_findings(_slice_stats(st, k), np.array([True]), rule_id="GB21522-2008.no-venting",
                                      clause=CLAUSE_2008, severity="violation", basis="calendar_day", extra=extra,
                                      msg=msg)
    findings += _coverage_findings(st, applicable & ~enough, min_coverage_frac, "GB21522-2008.data-coverage", outlet)
    return VentingAssessment(findings, days, methodology=METHODOLOGY_ID_2008)


# --------------------------------------------------------------------------------------------------------------
# Coal Mine Safety Regulations, explosive range


CLAUSE_CMSR = ("煤矿安全规程 (2016, amended by MEM Order No. 8, in force 2022-04-01), article on drained gas "
               "(抽采瓦斯必须遵守下列规定; art. 184 in the 2016 edition — number [U]) [S]")


def _sample_findings(series: Series, cond: BoolArray, min_duration_s: float, *, rule_id: str, clause: str,
                     severity: Severity, evidence: dict[str, Any],
                     msg: Callable[[dict[str, Any]], tuple[str, str]]) -> list[Finding]:
    out: list[Finding] = []
    for a, b in _sample_episodes(series, cond, min_duration_s):
        vals = series.value[a:b + 1]
        ev = dict(evidence)
        ev.update({"point": series.name, "n_samples": b - a + 1, "duration_s": float(series.t_s[b] - series.t_s[a]),
                   "value_min": _f(vals.min()), "value_max": _f(vals.max()), "value_mean": _f(vals.mean())})
        zh, en = msg(ev)
        out.append(Finding(rule_id, clause, severity, _utc(series.t_s[a]), _utc(series.t_s[b]), ev, zh, en))
    return out


def check_direct_combustion(inlet_ch4_pct: Series, *, unit: str, approved: bool = False,
                            running: BoolArray | None = None, min_duration_s: float = 0.0,
                            threshold_pct: float = HIGH_CONC_MIN_PCT) -> list[Finding]:
    """Drained gas below 30 % CH4 burned directly as fuel (item 5 of the drained-gas article) [S].

    A finding that needs approval (severity 'approval_required'; 'info' once ``approved``), not a ban: units
    with a safety-conveyance system that burn < 30 % gas (thermal islands, porous-media boilers) are common and
    the seed report calls the rule a barrier.

    Parameters
    ----------
    inlet_ch4_pct : CH4 at the unit's fuel inlet [%].
    unit : the unit's name.
    approved : the unit has the approval (evidence kept, severity 'info').
    running : mask on the samples of ``inlet_ch4_pct`` when the unit burns gas (None: always).
    min_duration_s : shortest episode reported [s].
    threshold_pct : 30 % [S].
    """
    cond = inlet_ch4_pct.value < threshold_pct
    if running is not None:
        cond = cond & np.asarray(running, dtype=bool)
    return _sample_findings(
        inlet_ch4_pct, cond, min_duration_s, rule_id="CMSR.direct-combustion", clause=CLAUSE_CMSR + " item (5)",
        severity="info" if approved else "approval_required",
        evidence={"unit": unit, "threshold_pct": threshold_pct, "approved": approved},
        msg=lambda ev: (f"{unit}：直接燃烧甲烷浓度低于{threshold_pct:g}%的抽采瓦斯（最低{ev['value_min']}%），需经批准",
                        f"{unit}: drained gas below {threshold_pct:g} % CH4 burned directly (min {ev['value_min']} %) "
                        "— needs approval under the Coal Mine Safety Regulations"))


def check_dry_drainage(pump_ch4_pct: Series, *, pump: str, dry_type: bool, min_duration_s: float = 0.0,
                       threshold_pct: float = DRY_DRAINAGE_MIN_PCT) -> list[Finding]:
    """Dry-type drainage equipment drawing gas below 25 % CH4 (item 3 of the drained-gas article) [S].

    Severity 'approval_required'. No findings for wet-type (water-ring) pumps (``dry_type=False``).
    """
    if not dry_type:
        return []
    return _sample_findings(
        pump_ch4_pct, pump_ch4_pct.value < threshold_pct, min_duration_s, rule_id="CMSR.dry-drainage",
        clause=CLAUSE_CMSR + " item (3)", severity="approval_required",
        evidence={"pump": pump, "threshold_pct": threshold_pct},
        msg=lambda ev: (f"{pump}：干式抽采设备抽采瓦斯浓度低于{threshold_pct:g}%（最低{ev['value_min']}%）",
                        f"{pump}: dry-type drainage equipment drawing gas below {threshold_pct:g} % CH4 "
                        f"(min {ev['value_min']} %)"))


def check_explosive_inlet(inlet_ch4_pct: Series, *, unit: str, explosive_range: ExplosiveRange | None = None,
                          running: BoolArray | None = None, min_duration_s: float = 0.0,
                          safe_transport: bool = False) -> list[Finding]:
    """Utilisation inlet gas inside the explosive range of CH4 in air (default 5–16 %, parameters; see
    :mod:`minegas.physics.safety`).

    Severity 'safety' — or 'info' when the unit has a safe-transport system (``safe_transport``: flame arresters,
    explosion suppression, water seals; the registry's ``unit.safe_transport``), the design that lets thermal
    islands, porous-media boilers and low-concentration engines take gas inside the band (seed 003 §4.4): the
    finding then records the hours for the verifier without calling them a hazard.
    """
    er = explosive_range or ExplosiveRange()
    cond = np.asarray(er.contains(inlet_ch4_pct.value), dtype=bool)
    if running is not None:
        cond = cond & np.asarray(running, dtype=bool)
    return _sample_findings(
        inlet_ch4_pct, cond, min_duration_s, rule_id="SAFETY.explosive-inlet",
        clause=f"explosive range of CH4 in air {er.lel_pct:g}–{er.uel_pct:g} % (Chinese practice; UNECE BPG 5–15 %)",
        severity="info" if safe_transport else "safety",
        evidence={"unit": unit, "lel_pct": er.lel_pct, "uel_pct": er.uel_pct, "safe_transport": safe_transport},
        msg=lambda ev: (f"{unit}：入口甲烷浓度处于爆炸范围{er.lel_pct:g}–{er.uel_pct:g}%内"
                        + ("（装置配有安全输送系统）" if safe_transport else ""),
                        f"{unit}: inlet CH4 inside the explosive range {er.lel_pct:g}–{er.uel_pct:g} %"
                        + (" (the unit has a safe-transport system)" if safe_transport else "")))


# --------------------------------------------------------------------------------------------------------------
# dilution between pump outlet and vent stack (Shanxi 2022)

CLAUSE_DILUTION = ("山西省能源局《关于推动煤矿瓦斯综合利用的指导意见》(2022-08): 严禁掺混排放 — diluting gas before "
                   "venting is forbidden [S]")


def check_dilution(
    pump_ch4_pct: Series,
    stack_ch4_pct: Series,
    *,
    pump_ch4_flow_nm3_min: Series | None = None,
    stack_ch4_flow_nm3_min: Series | None = None,
    window_s: float = 3600.0,
    conc_drop_tol_pp: float = 1.0,
    conc_drop_tol_frac: float = 0.05,
    flow_tol_frac: float = 0.05,
    min_coverage_frac: float = MIN_COVERAGE_FRAC_DEFAULT,
    outlet: str = "",
) -> list[Finding]:
    """Dilution between the pump outlet and the vent stack (严禁掺混排放, Shanxi 2022 guidance [S]).

    On CST-aligned windows of ``window_s``, the time-weighted CH4 concentration at the stack is compared with the
    pump outlet. A drop larger than both ``conc_drop_tol_pp`` (percentage points) and ``conc_drop_tol_frac`` of the
    pump concentration is dilution (severity 'violation') **while the pure CH4 flows agree** within
    ``flow_tol_frac`` — the same CH4 reaches the stack, so the drop can only be air added on the way. When the pure
    flows disagree the drop may be a metering or routing effect: a 'data_quality' finding instead. Without flow
    series the concentration test alone decides. The tolerances are parameters (no text sets them) [U].

    Evidence gives the implied air added, ``Q_pure × 100 / φ_stack − Q_pure × 100 / φ_pump`` [Nm³/min].
    """
    if pump_ch4_pct.t_s.size == 0 or stack_ch4_pct.t_s.size == 0:
        return []
    t0 = max(float(pump_ch4_pct.t_s[0]), float(stack_ch4_pct.t_s[0]))
    t1 = min(float(pump_ch4_pct.t_s[-1]), float(stack_ch4_pct.t_s[-1]))
    if t1 <= t0:
        return []
    ws, we = calendar_windows(t0, t1, window_s)
    wp, wst = pump_ch4_pct.windows(ws, we), stack_ch4_pct.windows(ws, we)
    cov = np.minimum(wp.coverage_frac, wst.coverage_frac)
    cp, cs = wp.mean, wst.mean
    have_flows = pump_ch4_flow_nm3_min is not None and stack_ch4_flow_nm3_min is not None
    qp = qs = np.full(ws.shape, np.nan)
    if pump_ch4_flow_nm3_min is not None and stack_ch4_flow_nm3_min is not None:
        fp, fs = pump_ch4_flow_nm3_min.windows(ws, we), stack_ch4_flow_nm3_min.windows(ws, we)
        qp, qs = fp.mean, fs.mean
        cov = np.minimum(cov, np.minimum(fp.coverage_frac, fs.coverage_frac))
    enough = (cov >= min_coverage_frac) & ~np.isnan(cp) & ~np.isnan(cs)
    if have_flows:
        enough &= ~np.isnan(qp) & ~np.isnan(qs)
    drop = np.nan_to_num(cp - cs, nan=0.0)
    dropped = enough & (drop > conc_drop_tol_pp) & (drop > conc_drop_tol_frac * np.nan_to_num(cp, nan=0.0))
    if have_flows:
        consistent = np.abs(np.nan_to_num(qs - qp, nan=np.inf)) <= flow_tol_frac * np.nan_to_num(qp, nan=0.0)
    else:
        consistent = np.ones(ws.shape, dtype=bool)
    out: list[Finding] = []
    for mask, kind in ((dropped & consistent, "dilution"), (dropped & ~consistent, "metering")):
        for i0, i1 in _runs(mask):
            sl = slice(i0, i1 + 1)
            ev: dict[str, Any] = {
                "outlet": outlet, "window_s": window_s, "n_windows": i1 - i0 + 1,
                "pump_ch4_pct_mean": _f(np.mean(cp[sl])), "stack_ch4_pct_mean": _f(np.mean(cs[sl])),
                "conc_drop_pp_max": _f(np.max(drop[sl])), "conc_drop_tol_pp": conc_drop_tol_pp,
                "conc_drop_tol_frac": conc_drop_tol_frac, "flows_checked": have_flows,
            }
            if have_flows:
                ev["pump_ch4_flow_nm3_min_mean"] = _f(np.mean(qp[sl]))
                ev["stack_ch4_flow_nm3_min_mean"] = _f(np.mean(qs[sl]))
                ev["flow_tol_frac"] = flow_tol_frac
                with np.errstate(divide="ignore", invalid="ignore"):
                    air = qp[sl] * 100.0 / cs[sl] - qp[sl] * 100.0 / cp[sl]
                ev["implied_air_added_nm3_min_mean"] = _f(np.mean(air))
            if kind == "dilution":
                out.append(Finding(
                    "SX-2022.no-dilution", CLAUSE_DILUTION, "violation", _utc(ws[i0]), _utc(we[i1]), ev,
                    f"{outlet}：放空管甲烷浓度比抽采泵出口低{ev['conc_drop_pp_max']}个百分点而纯量一致，疑似掺混排放",
                    f"{outlet}: CH4 at the vent stack is up to {ev['conc_drop_pp_max']} points below the pump outlet "
                    "while the pure CH4 flows agree — gas diluted before venting"))
            else:
                out.append(Finding(
                    "SX-2022.no-dilution.metering", CLAUSE_DILUTION, "data_quality", _utc(ws[i0]), _utc(we[i1]), ev,
                    f"{outlet}：放空管与抽采泵出口的浓度及纯量均不一致，无法判定是否掺混，请核查计量",
                    f"{outlet}: concentration drop between pump outlet and stack, but the pure CH4 flows disagree — "
                    "check the meters; dilution cannot be assessed"))
    return out


# --------------------------------------------------------------------------------------------------------------
# utilisation-rate targets


@dataclass(frozen=True)
class UtilizationTarget:
    """A gas-utilisation-rate target: utilised / drained pure CH4 ≥ ``min_frac``."""

    target_id: str
    min_frac: float
    scope_zh: str
    scope_en: str
    source: str
    confidence: str
    year: int | None = None


JINCHENG_UNDERGROUND = UtilizationTarget(
    "jincheng-underground-60", 0.60, "晋城市井下抽采瓦斯利用率", "Jincheng underground drained-gas utilisation",
    "seed 000: 晋城市煤层气千亿级产业集群发展规划 (晋市政发〔2022〕28号): underground drainage ≥ 20亿 m³/yr with "
    "utilisation ≥ 60 %", "verified", None)
"""Jincheng municipal plan (seed 000): utilisation of underground drained gas ≥ 60 % (its own 2025 figures give
59.1 %, see SEEDS-DIGEST)."""

SHANXI_2025 = UtilizationTarget(
    "shanxi-cmm-2025-50", 0.50, "山西省煤矿瓦斯利用率（2025年）", "Shanxi CMM utilisation rate (2025)",
    "Shanxi Energy Bureau 《关于推动煤矿瓦斯综合利用的指导意见》(2022-08) [S]; seed 003: 2025 goal 55亿 m³/yr, "
    "utilisation 50 %", "secondary", 2025)
"""Shanxi provincial target: gas-utilisation rate ≥ 50 % by 2025 [S]."""


def utilization_rate(drained_ch4_nm3: float, utilized_ch4_nm3: float) -> float | None:
    """Utilisation rate = utilised / drained pure CH4 (same state) [–]; None when nothing was drained."""
    if not (drained_ch4_nm3 >= 0 and utilized_ch4_nm3 >= 0):
        raise InputError("utilisation rate: volumes must be ≥ 0",
                         [Problem("negative volume", field="drained_ch4_nm3/utilized_ch4_nm3",
                                  value=str((drained_ch4_nm3, utilized_ch4_nm3)))])
    return utilized_ch4_nm3 / drained_ch4_nm3 if drained_ch4_nm3 > 0 else None


def check_utilization_target(drained_ch4_nm3: float, utilized_ch4_nm3: float, target: UtilizationTarget, *,
                             window_start: datetime, window_end: datetime, scope: str = "") -> list[Finding]:
    """Compare a period's utilisation rate with a target: a 'warning' finding when it is missed, a
    'data_quality' finding when more is utilised than drained (check the meters and the boundary)."""
    rate = utilization_rate(drained_ch4_nm3, utilized_ch4_nm3)
    ev: dict[str, Any] = {"scope": scope, "target_id": target.target_id, "target_frac": target.min_frac,
                          "drained_ch4_nm3": drained_ch4_nm3, "utilized_ch4_nm3": utilized_ch4_nm3,
                          "rate_frac": _f(rate, 6), "source": target.source, "confidence": target.confidence}
    if rate is None:
        return []
    if rate > 1.0 + 1e-9:
        return [Finding(f"TARGET.{target.target_id}.balance", target.source, "data_quality", window_start, window_end,
                        ev, f"{scope}：利用量大于抽采量（利用率{rate:.1%}），请核查计量与统计边界",
                        f"{scope}: more CH4 utilised than drained ({rate:.1%}) — check meters and boundary")]
    if rate < target.min_frac:
        return [Finding(f"TARGET.{target.target_id}", target.source, "warning", window_start, window_end, ev,
                        f"{scope}：瓦斯利用率{rate:.1%}，低于目标{target.min_frac:.0%}（{target.scope_zh}）",
                        f"{scope}: utilisation rate {rate:.1%} below the {target.min_frac:.0%} target "
                        f"({target.scope_en})")]
    return []


# --------------------------------------------------------------------------------------------------------------
# CCER-10-001 revocation rule on monitored series

CLAUSE_REVOCATION = ("CCER-10-001-V01 data-integrity rule: gas flow into the mine-gas safety-conveyance system "
                     "exceeding the connected drainage-pump outlet → project revoked once confirmed [S]")


@dataclass(frozen=True)
class RevocationWindow:
    """Volumes compared in one window [Nm³] and the outcome."""

    start: datetime
    end: datetime
    inlet_nm3: float
    pump_outlet_nm3: float
    coverage_frac: float
    triggered: bool | None


@dataclass(frozen=True)
class RevocationAssessment:
    findings: list[Finding]
    windows: list[RevocationWindow] = field(default_factory=list)


def check_ccer_revocation(
    conveyance_inlet_flow_nm3_min: Series,
    pump_outlet_flow_nm3_min: Series,
    *,
    tolerance_frac: float = 0.0,
    window_s: float = 86_400.0,
    min_coverage_frac: float = MIN_COVERAGE_FRAC_DEFAULT,
    project: str = "",
) -> RevocationAssessment:
    """CCER-10-001 revocation check per CST-aligned window (default: calendar days).

    Both flows integrate to volumes [Nm³] over each window (the same basis: both mixed or both pure CH4, at 0 °C);
    :func:`minegas.accounting.methods.ccer_cmm.revocation_triggered` decides with the metering tolerance. Windows
    with less than ``min_coverage_frac`` data on either meter are not judged. Each triggering window is a
    'violation' finding.
    """
    if conveyance_inlet_flow_nm3_min.t_s.size == 0 or pump_outlet_flow_nm3_min.t_s.size == 0:
        return RevocationAssessment([])
    t0 = min(float(conveyance_inlet_flow_nm3_min.t_s[0]), float(pump_outlet_flow_nm3_min.t_s[0]))
    t1 = max(float(conveyance_inlet_flow_nm3_min.t_s[-1]), float(pump_outlet_flow_nm3_min.t_s[-1]))
    ws, we = calendar_windows(t0, t1, window_s)
    wi, wo = conveyance_inlet_flow_nm3_min.windows(ws, we), pump_outlet_flow_nm3_min.windows(ws, we)
    cov = np.minimum(wi.coverage_frac, wo.coverage_frac)
    windows: list[RevocationWindow] = []
    findings: list[Finding] = []
    for k in range(ws.size):
        vin, vout = float(wi.integral[k]) / 60.0, float(wo.integral[k]) / 60.0  # Nm³/min · s → Nm³
        judged = bool(cov[k] >= min_coverage_frac)
        trig = revocation_triggered(vin, vout, tolerance_frac) if judged else None
        windows.append(RevocationWindow(_utc(ws[k]), _utc(we[k]), vin, vout, float(cov[k]), trig))
        if trig:
            ev = {"project": project, "inlet_nm3": _f(vin, 3), "pump_outlet_nm3": _f(vout, 3),
                  "excess_frac": _f(vin / vout - 1.0 if vout > 0 else math.inf, 6), "tolerance_frac": tolerance_frac,
                  "coverage_frac": _f(float(cov[k]))}
            findings.append(Finding(
                "CCER-10-001.revocation", CLAUSE_REVOCATION, "violation", _utc(ws[k]), _utc(we[k]), ev,
                f"{project}：进入瓦斯安全输送系统的气量（{vin:.0f} Nm³）大于抽采泵出口气量（{vout:.0f} Nm³），"
                "经核实将撤销项目",
                f"{project}: gas into the safety-conveyance system ({vin:.0f} Nm³) exceeds the drainage-pump outlet "
                f"({vout:.0f} Nm³) — the project is revoked once confirmed"))
    return RevocationAssessment(findings, windows)
