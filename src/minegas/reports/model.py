"""The content of one MRV report (监测、报告与核查报告), independent of the engine that computes it and of the format.

The MRV engine fills an :class:`MrvReport` from real totals; the writers (:mod:`minegas.reports.excel`,
:mod:`minegas.reports.html`, :mod:`minegas.reports.pdf`) only lay it out. Everything a verifier needs to
recompute or audit the figures is in the model: the settings behind them (methodology and version, parameter sets,
GWP set and horizon, reference state, named density, CO2e convention, gap rule) and the verification appendix
(input batches with their SHA-256, meter calibration status, period close and restatements).

Units follow docs/conventions.md: every volume is pure CH4 (纯量) or mixed gas (混合量) at 0 °C / 101.325 kPa
(``_nm3``), masses in tonnes (``_t``), durations in seconds (``_s``), fractions 0–1 (``_frac``), concentrations in
volume percent (``_pct``). Times are timezone-aware; calendar days are China Standard Time (§4).

:meth:`MrvReport.check` tests the internal consistency every report must have before it is written (the balance
closes, masses follow the named density, each point's seconds add up to the period, the daily report adds up to
the balance, CO2e follows the GWP set); the writers refuse an inconsistent report.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, Protocol

from minegas.accounting.compliance import Finding
from minegas.accounting.gaps import GAP_RULES
from minegas.errors import InputError, MinegasError, Problem
from minegas.measurements.flags import FLAG_LABELS, QaFlag
from minegas.periods import CST
from minegas.physics.climate import co2e_displaced_t, co2e_gross_t, co2e_net_t, gwp
from minegas.physics.density import Density, resolve_density
from minegas.physics.states import REF_STATES, RefState

ReportLang = Literal["zh", "en"]
Co2eConvention = Literal["gross", "net", "displaced"]
Co2eBasis = Literal["emitted", "destroyed"]
CloseStatus = Literal["open", "closed", "restated"]
CalibrationState = Literal["ok", "overdue", "failed", "none"]

SCHEMA = "minegas.mrv-report/1"
"""Identifier of the JSON shape produced by :meth:`MrvReport.to_dict`."""

LANGS: tuple[ReportLang, ...] = ("zh", "en")
CO2E_CONVENTIONS: tuple[Co2eConvention, ...] = ("gross", "net", "displaced")
STATION_ROLES: tuple[str, ...] = ("drainage_main", "drainage_branch", "pump_outlet", "safety_conveyance_inlet",
                                  "unit_inlet", "unit_outlet", "flare_inlet", "vent_stack", "transfer_out",
                                  "return_shaft", "other")
"""Station roles a point-total row may carry, in report order: every role of the registry
(:data:`minegas.registry.vocab.STATION_ROLES`, docs/registry.md) in the gas's path, plus 'other' for rows from
outside the registry."""

REL_TOL = 1e-6
"""Relative tolerance of the consistency checks (1 ppm of the largest term): totals computed by an engine in
float64 agree far better than this; a report off by more is inconsistent, not rounded."""

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _close(a: float, b: float, *scale: float) -> bool:
    """``a`` equals ``b`` to :data:`REL_TOL` of the largest magnitude involved (absolute 1e-9 near zero)."""
    ref = max([abs(a), abs(b), *(abs(s) for s in scale)])
    return abs(a - b) <= REL_TOL * ref + 1e-9


# --------------------------------------------------------------------------------------------------------------
# header


@dataclass(frozen=True)
class ParamSetRef:
    """A parameter set a report's figures used (docs/conventions.md §8): dotted id and version."""

    id: str
    version: str


@dataclass(frozen=True)
class ReportMeta:
    """Who, when and how: the header of a report.

    Attributes
    ----------
    mine_code : registry mine code (煤矿编码).
    mine_name_zh, mine_name_en : mine name.
    enterprise_zh, enterprise_en : enterprise (企业) owning the mine.
    county_zh, county_en : county (县(市、区)) of the mine.
    period_label : the period as parsed by :func:`minegas.periods.parse_period` (e.g. '2025-03').
    period_start, period_end : the half-open period ``[start, end)``, aware (China Standard Time boundaries).
    language : the language the report is rendered in, 'zh' or 'en' (Excel sheets are always bilingual).
    generated_at : when the report was generated (aware).
    software_version : minegas version that computed the figures.
    methodology_id, methodology_version : accounting methodology, e.g. 'CN-NDRC-2015-COAL' and its version text.
    paramsets : the parameter sets (id + version) the figures used.
    gwp_set, gwp_horizon : GWP set name and time horizon [years] (docs/conventions.md §3).
    ref_state : reference state of every volume in the report; '0C' (0 °C, 101.325 kPa; Nm³).
    density_name : the named CH4 density that turned volumes into masses (must belong to ``ref_state``).
    co2e_convention : the headline CO2e convention: 'gross', 'net' or 'displaced'.
    gap_rule : the gap-substitution rule applied ('epa_98_325', 'exclude', 'conservative').
    example : True for hand-made example content (labelled 示例 / EXAMPLE in every output).
    """

    mine_code: str
    mine_name_zh: str
    mine_name_en: str
    enterprise_zh: str
    enterprise_en: str
    county_zh: str
    county_en: str
    period_label: str
    period_start: datetime
    period_end: datetime
    language: ReportLang
    generated_at: datetime
    software_version: str
    methodology_id: str
    methodology_version: str
    paramsets: tuple[ParamSetRef, ...]
    gwp_set: str
    gwp_horizon: int
    ref_state: str
    density_name: str
    co2e_convention: Co2eConvention
    gap_rule: str
    example: bool = False

    @property
    def period_s(self) -> float:
        """Length of the period [s]."""
        return (self.period_end - self.period_start).total_seconds()

    @property
    def density(self) -> Density:
        """The named density (its reference state must be :attr:`ref_state`)."""
        return resolve_density(self.ref_state, self.density_name)

    @property
    def gwp_value(self) -> float:
        """CH4 GWP [t CO2e / t CH4] of :attr:`gwp_set` at :attr:`gwp_horizon`."""
        return gwp(self.gwp_set, self.gwp_horizon)

    @property
    def state(self) -> RefState:
        """The reference state object of :attr:`ref_state`."""
        return REF_STATES[self.ref_state]

    def mine_name(self, lang: ReportLang) -> str:
        return self.mine_name_zh if lang == "zh" else self.mine_name_en


# --------------------------------------------------------------------------------------------------------------
# point totals


@dataclass(frozen=True)
class PointTotal:
    """Totals of one station (its primary point) over the period.

    Attributes
    ----------
    station_code, station_name_zh, station_name_en : the registry station.
    station_role : registry role (:data:`STATION_ROLES`), e.g. 'drainage_main' (抽采总管), 'vent_stack' (放空管).
    point_code : the primary point the totals come from ('' when the station total combines several points).
    mixed_nm3 : mixed gas (混合量; for a return shaft, the air) [Nm³].
    pure_ch4_nm3 : pure CH4 (纯量) [Nm³].
    ch4_t : CH4 mass [t] (``pure_ch4_nm3`` × the report's density).
    mean_flow_nm3_min : time-weighted mean mixed flow [Nm³/min] (None if nothing was covered).
    mean_ch4_pct : time-weighted mean CH4 concentration [%].
    mean_t_c : time-weighted mean gas temperature [°C] (None if not measured).
    mean_p_kpa : time-weighted mean pressure [kPa] as measured, of kind ``pressure_kind``.
    pressure_kind : 'gauge' (drainage mains report negative gauge pressure, 负压) or 'absolute'; None if no p.
    measured_s, substituted_s, missing_s : seconds of the period measured, substituted (数据替代) and missing;
        they add up to the period's length.
    flags : (QA flag name, number of readings) pairs, names of :class:`minegas.measurements.flags.QaFlag`.
    """

    station_code: str
    station_name_zh: str
    station_name_en: str
    station_role: str
    point_code: str
    mixed_nm3: float
    pure_ch4_nm3: float
    ch4_t: float
    mean_flow_nm3_min: float | None
    mean_ch4_pct: float | None
    mean_t_c: float | None
    mean_p_kpa: float | None
    pressure_kind: str | None
    measured_s: float
    substituted_s: float
    missing_s: float
    flags: tuple[tuple[str, int], ...] = ()

    @property
    def covered_s(self) -> float:
        """Seconds with a value (measured + substituted)."""
        return self.measured_s + self.substituted_s

    @property
    def coverage_frac(self) -> float | None:
        """Share of the period with a value (0–1); None for an empty period."""
        tot = self.measured_s + self.substituted_s + self.missing_s
        return self.covered_s / tot if tot > 0 else None

    def station_name(self, lang: ReportLang) -> str:
        return self.station_name_zh if lang == "zh" else self.station_name_en

    def flags_text(self, lang: ReportLang) -> str:
        """The flag summary as text, e.g. '标校 ×20; 分站故障 ×90' ('' when clean)."""
        i = 0 if lang == "zh" else 1
        return "; ".join(f"{FLAG_LABELS[QaFlag[name]][i]} ×{n}" for name, n in self.flags)


# --------------------------------------------------------------------------------------------------------------
# the mine balance


@dataclass(frozen=True)
class BalanceLine:
    """One line of the mine methane balance: a drainage system, a unit, a flare, a vent stack or a shaft.

    Attributes
    ----------
    code : system, unit or shaft code (e.g. 'H', 'GE1', 'VENT-H', 'R1').
    name_zh, name_en : its name.
    pure_ch4_nm3 : pure CH4 [Nm³].
    ch4_t : CH4 mass [t].
    """

    code: str
    name_zh: str
    name_en: str
    pure_ch4_nm3: float
    ch4_t: float

    def name(self, lang: ReportLang) -> str:
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class Co2eFigure:
    """A CO2e figure with its convention (docs/conventions.md §3).

    Attributes
    ----------
    convention : 'gross' (t CH4 × GWP), 'net' (t CH4 destroyed × (GWP − 44/16)) or 'displaced' (net + displaced
        power × grid EF + displaced heat × heat EF).
    basis : which CH4 it applies to: 'emitted' (排放) or 'destroyed' (销毁).
    ch4_t : the CH4 mass [t].
    gwp_set, gwp_horizon : GWP set and horizon [years].
    co2e_t : the CO2e [t].
    power_mwh, grid_ef_t_per_mwh, heat_gj, heat_ef_t_per_gj : displaced energy and its factors ('displaced' only).
    """

    convention: Co2eConvention
    basis: Co2eBasis
    ch4_t: float
    gwp_set: str
    gwp_horizon: int
    co2e_t: float
    power_mwh: float = 0.0
    grid_ef_t_per_mwh: float = 0.0
    heat_gj: float = 0.0
    heat_ef_t_per_gj: float = 0.0

    @property
    def gwp_value(self) -> float:
        return gwp(self.gwp_set, self.gwp_horizon)

    def expected_co2e_t(self) -> float:
        """The CO2e the convention gives for :attr:`ch4_t` (``minegas.physics.climate``)."""
        if self.convention == "gross":
            return float(co2e_gross_t(self.ch4_t, self.gwp_set, self.gwp_horizon))
        if self.convention == "net":
            return float(co2e_net_t(self.ch4_t, self.gwp_set, self.gwp_horizon))
        return float(co2e_displaced_t(self.ch4_t, self.gwp_set, self.gwp_horizon, power_mwh=self.power_mwh,
                                      grid_ef_t_per_mwh=self.grid_ef_t_per_mwh, heat_gj=self.heat_gj,
                                      heat_ef_t_per_gj=self.heat_ef_t_per_gj))


def _sum_nm3(lines: Iterable[BalanceLine]) -> float:
    return math.fsum(x.pure_ch4_nm3 for x in lines)


def _sum_t(lines: Iterable[BalanceLine]) -> float:
    return math.fsum(x.ch4_t for x in lines)


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


@dataclass(frozen=True)
class MineBalance:
    """The mine methane balance (甲烷平衡) over the period, pure CH4.

    Identity (checked): ``drained = utilized + flared + vented + transferred + residual`` and
    ``VAM liberated = VAM oxidized + VAM released``.

    Attributes
    ----------
    drained : drained gas (抽采量) by drainage system.
    utilized : drained gas used on site (利用量), by utilization unit.
    flared : drained gas burned in flares (火炬燃烧), by flare.
    vented : drained gas vented (放空), by vent stack.
    transferred : drained gas sent off site (外输), by transfer point.
    residual_nm3, residual_t : unaccounted difference (未平衡量) = drained − the outflows above (meter differences).
    vam_liberated : ventilation air methane (风排瓦斯) leaving by each return shaft, before any oxidiser.
    vam_oxidized : VAM destroyed by oxidisers (乏风氧化), by unit.
    destroyed_nm3, destroyed_t : CH4 destroyed (销毁量), as the methodology counts it (e.g. unit × destruction
        efficiency; off-site transfer at 1 per 40 CFR 98.323).
    emitted_underground_nm3, emitted_underground_t : underground-mining CH4 emitted, as the methodology counts it.
    post_mining_ch4_t : post-mining CH4 (采后活动) [t] from coal production × emission factor.
    co2e : CO2e figures by convention.
    """

    drained: tuple[BalanceLine, ...]
    utilized: tuple[BalanceLine, ...]
    flared: tuple[BalanceLine, ...]
    vented: tuple[BalanceLine, ...]
    transferred: tuple[BalanceLine, ...]
    residual_nm3: float
    residual_t: float
    vam_liberated: tuple[BalanceLine, ...]
    vam_oxidized: tuple[BalanceLine, ...]
    destroyed_nm3: float
    destroyed_t: float
    emitted_underground_nm3: float
    emitted_underground_t: float
    post_mining_ch4_t: float
    co2e: tuple[Co2eFigure, ...] = ()

    # --- sums [Nm³] ---
    @property
    def drained_nm3(self) -> float:
        return _sum_nm3(self.drained)

    @property
    def utilized_nm3(self) -> float:
        return _sum_nm3(self.utilized)

    @property
    def flared_nm3(self) -> float:
        return _sum_nm3(self.flared)

    @property
    def vented_nm3(self) -> float:
        return _sum_nm3(self.vented)

    @property
    def transferred_nm3(self) -> float:
        return _sum_nm3(self.transferred)

    @property
    def used_nm3(self) -> float:
        """Gas used (利用量) = utilized on site + transferred off site; flaring is destruction, not use."""
        return self.utilized_nm3 + self.transferred_nm3

    @property
    def vam_liberated_nm3(self) -> float:
        return _sum_nm3(self.vam_liberated)

    @property
    def vam_oxidized_nm3(self) -> float:
        return _sum_nm3(self.vam_oxidized)

    @property
    def vam_released_nm3(self) -> float:
        """VAM released to the atmosphere = liberated − oxidized."""
        return self.vam_liberated_nm3 - self.vam_oxidized_nm3

    @property
    def liberated_nm3(self) -> float:
        """CH4 liberated by the mine (瓦斯涌出量) = drained + VAM liberated."""
        return self.drained_nm3 + self.vam_liberated_nm3

    @property
    def closure_nm3(self) -> float:
        """``drained − (utilized + flared + vented + transferred + residual)``; zero for a consistent balance."""
        return self.drained_nm3 - math.fsum([self.utilized_nm3, self.flared_nm3, self.vented_nm3,
                                             self.transferred_nm3, self.residual_nm3])

    # --- sums [t] ---
    @property
    def drained_t(self) -> float:
        return _sum_t(self.drained)

    @property
    def used_t(self) -> float:
        return _sum_t(self.utilized) + _sum_t(self.transferred)

    @property
    def vam_released_t(self) -> float:
        return _sum_t(self.vam_liberated) - _sum_t(self.vam_oxidized)

    @property
    def emitted_ch4_t(self) -> float:
        """CH4 emitted [t] including post-mining = underground + post-mining."""
        return self.emitted_underground_t + self.post_mining_ch4_t

    # --- rates ---
    @property
    def utilization_rate_drained_frac(self) -> float | None:
        """Utilization rate (瓦斯利用率) = used / drained (0–1). Seed 000 (晋城规划 §1.2.3): 12.35 / 20.7 亿 m³ =
        59.66 %."""
        return _ratio(self.used_nm3, self.drained_nm3)

    @property
    def utilization_rate_liberated_frac(self) -> float | None:
        """Used / liberated (drained + VAM) (0–1): the share of all the mine's CH4 that is used."""
        return _ratio(self.used_nm3, self.liberated_nm3)

    @property
    def drainage_rate_frac(self) -> float | None:
        """Mine drainage rate (矿井瓦斯抽采率) = drained / (drained + VAM liberated) (0–1).

        Definition of 煤矿瓦斯抽采达标暂行规定 (2011) as we recall it [U: text not seen]."""
        return _ratio(self.drained_nm3, self.liberated_nm3)

    def co2e_headline(self, convention: Co2eConvention) -> Co2eFigure | None:
        """The first CO2e figure of ``convention`` (None if the report has none)."""
        return next((c for c in self.co2e if c.convention == convention), None)


# --------------------------------------------------------------------------------------------------------------
# substitutions, daily report


@dataclass(frozen=True)
class Substitution:
    """One substituted gap of one parameter (数据替代记录), 40 CFR 98.3(c)(8) style.

    Attributes
    ----------
    station_code, point_code : where.
    parameter : the quantity substituted ('ch4_pct', 'flow_mixed', 'temperature', 'pressure', 'air_flow', ...).
    window_start, window_end : the substituted interval (aware).
    rule : gap rule name (:data:`minegas.accounting.gaps.GAP_RULES`).
    value_used : the substitute value, in ``unit``.
    unit : unit of the parameter as substituted ('%', 'Nm³/min', '°C', 'kPa', ...).
    seconds : substituted seconds within the period.
    before_value, after_value : the quality-assured values around the gap (None where there is none).
    reason_zh, reason_en : why the data were not usable (e.g. the QA flags).
    """

    station_code: str
    point_code: str
    parameter: str
    window_start: datetime
    window_end: datetime
    rule: str
    value_used: float
    unit: str
    seconds: float
    before_value: float | None = None
    after_value: float | None = None
    reason_zh: str = ""
    reason_en: str = ""

    def reason(self, lang: ReportLang) -> str:
        return self.reason_zh if lang == "zh" else self.reason_en


@dataclass(frozen=True)
class DailyRow:
    """One day of one drainage station in the daily report (日报), CST calendar day.

    Attributes
    ----------
    day : the CST calendar day.
    station_code, station_name_zh, station_name_en : the drainage main (抽采总管).
    mixed_nm3, pure_ch4_nm3 : mixed and pure drained gas [Nm³].
    mean_ch4_pct : time-weighted mean CH4 [%] (None if not covered).
    utilized_nm3 : pure CH4 of this system used (on site and off-site transfer) [Nm³].
    flared_nm3 : pure CH4 of this system flared [Nm³].
    vented_nm3 : pure CH4 of this system vented [Nm³].
    """

    day: date
    station_code: str
    station_name_zh: str
    station_name_en: str
    mixed_nm3: float
    pure_ch4_nm3: float
    mean_ch4_pct: float | None
    utilized_nm3: float
    flared_nm3: float
    vented_nm3: float

    @property
    def utilization_rate_frac(self) -> float | None:
        """Utilized / drained (0–1), None when nothing was drained."""
        return _ratio(self.utilized_nm3, self.pure_ch4_nm3)

    @property
    def residual_nm3(self) -> float:
        """Drained − utilized − flared − vented (meter differences of the day)."""
        return self.pure_ch4_nm3 - self.utilized_nm3 - self.flared_nm3 - self.vented_nm3

    def station_name(self, lang: ReportLang) -> str:
        return self.station_name_zh if lang == "zh" else self.station_name_en


@dataclass(frozen=True)
class DayTotal:
    """All drainage stations of one day summed (for charts and the daily totals)."""

    day: date
    pure_ch4_nm3: float
    utilized_nm3: float
    flared_nm3: float
    vented_nm3: float

    @property
    def utilization_rate_frac(self) -> float | None:
        return _ratio(self.utilized_nm3, self.pure_ch4_nm3)


# --------------------------------------------------------------------------------------------------------------
# verification appendix


@dataclass(frozen=True)
class InputBatch:
    """One ingested input file (输入数据批次) whose readings the totals use.

    Attributes
    ----------
    batch_id : ingest batch identifier.
    file_name : the file as received.
    bytes : its size [bytes].
    sha256 : SHA-256 of its bytes, 64 lowercase hex digits.
    records_accepted, records_rejected : records stored and records rejected at ingest.
    received_at : when it was received (aware).
    format : the reader used (e.g. 'kj-cdss', 'canonical-csv').
    """

    batch_id: str
    file_name: str
    bytes: int
    sha256: str
    records_accepted: int
    records_rejected: int
    received_at: datetime
    format: str = ""


class _CalibrationStatusLike(Protocol):
    point_code: str
    quantity: str
    last_performed_on: date | None
    last_kind: str | None
    last_result: str | None
    certificate: str | None
    next_due: date | None
    overdue: bool
    status: str


@dataclass(frozen=True)
class CalibrationRow:
    """Calibration status of one point at the end of the period (docs/registry.md ``calibration_status``).

    Attributes
    ----------
    point_code, quantity : the point.
    last_performed_on, last_kind, last_result, certificate : the last calibration record on or before the date.
    next_due : next calibration due.
    overdue : True if ``next_due`` is before the status date.
    status : 'ok', 'overdue', 'failed' or 'none' (no record).
    """

    point_code: str
    quantity: str
    last_performed_on: date | None
    last_kind: str | None
    last_result: str | None
    certificate: str | None
    next_due: date | None
    overdue: bool
    status: CalibrationState

    @classmethod
    def from_status(cls, s: _CalibrationStatusLike) -> CalibrationRow:
        """From a :class:`minegas.registry.repository.CalibrationStatus` (or anything with its attributes)."""
        return cls(s.point_code, s.quantity, s.last_performed_on, s.last_kind, s.last_result, s.certificate,
                   s.next_due, s.overdue, s.status)  # type: ignore[arg-type]


@dataclass(frozen=True)
class RestatementDiff:
    """One figure changed by a restatement (更正): its previous and current value."""

    quantity: str
    label_zh: str
    label_en: str
    unit: str
    previous: float
    current: float

    @property
    def delta(self) -> float:
        return self.current - self.previous

    def label(self, lang: ReportLang) -> str:
        return self.label_zh if lang == "zh" else self.label_en


@dataclass(frozen=True)
class PeriodClose:
    """Close status of the period (期间关账).

    Attributes
    ----------
    status : 'open' (figures may still change), 'closed' or 'restated' (re-opened and closed again).
    closed_at : when it was (last) closed (aware); None while open.
    restatement_no : 0 for the original close, n for the n-th restatement.
    reason_zh, reason_en : why it was restated.
    diffs : the figures the restatement changed.
    """

    status: CloseStatus
    closed_at: datetime | None = None
    restatement_no: int = 0
    reason_zh: str = ""
    reason_en: str = ""
    diffs: tuple[RestatementDiff, ...] = ()

    def reason(self, lang: ReportLang) -> str:
        return self.reason_zh if lang == "zh" else self.reason_en


@dataclass(frozen=True)
class VerificationAppendix:
    """The verification appendix (核查附录): inputs, calibrations and the period's close status."""

    batches: tuple[InputBatch, ...]
    calibrations: tuple[CalibrationRow, ...]
    period_close: PeriodClose


# --------------------------------------------------------------------------------------------------------------
# the report


@dataclass(frozen=True)
class MrvReport:
    """The complete content of one MRV report of one mine and period."""

    meta: ReportMeta
    points: tuple[PointTotal, ...]
    balance: MineBalance
    substitutions: tuple[Substitution, ...]
    findings: tuple[Finding, ...]
    daily: tuple[DailyRow, ...]
    appendix: VerificationAppendix

    def with_language(self, lang: ReportLang) -> MrvReport:
        """The same report rendered in ``lang``."""
        if lang not in LANGS:
            raise InputError("unsupported report language",
                             [Problem(f"no report language {lang!r}", field="lang", value=str(lang),
                                      fix="use zh (中文) or en (English)")])
        return dataclasses.replace(self, meta=dataclasses.replace(self.meta, language=lang))

    def day_totals(self) -> list[DayTotal]:
        """The daily report summed over stations, one entry per day (sorted)."""
        acc: dict[date, list[list[float]]] = {}
        for r in self.daily:
            acc.setdefault(r.day, [[], [], [], []])
            for lst, v in zip(acc[r.day], (r.pure_ch4_nm3, r.utilized_nm3, r.flared_nm3, r.vented_nm3), strict=True):
                lst.append(v)
        return [DayTotal(d, *(math.fsum(x) for x in acc[d])) for d in sorted(acc)]

    def file_stem(self, lang: ReportLang | None = None) -> str:
        """``<mine>_<period>_<lang>``: the file name of every format (characters outside ``[A-Za-z0-9._-]``
        become '_'; a range's '..' becomes '--')."""
        lg = lang or self.meta.language
        period = self.meta.period_label.replace("..", "--")
        raw = f"{self.meta.mine_code}_{period}_{lg}"
        return re.sub(r"[^A-Za-z0-9._-]", "_", raw)

    # --- serialisation ---
    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data: dataclass fields (datetimes and dates in ISO 8601), plus the derived
        balance sums and rates, the density and GWP values; ``schema`` names the shape."""
        d = _plain(self)
        assert isinstance(d, dict)
        b = self.balance
        d["balance"]["derived"] = {
            "drained_nm3": b.drained_nm3, "utilized_nm3": b.utilized_nm3, "flared_nm3": b.flared_nm3,
            "vented_nm3": b.vented_nm3, "transferred_nm3": b.transferred_nm3, "used_nm3": b.used_nm3,
            "vam_liberated_nm3": b.vam_liberated_nm3, "vam_oxidized_nm3": b.vam_oxidized_nm3,
            "vam_released_nm3": b.vam_released_nm3, "liberated_nm3": b.liberated_nm3, "closure_nm3": b.closure_nm3,
            "emitted_ch4_t": b.emitted_ch4_t,
            "utilization_rate_drained_frac": b.utilization_rate_drained_frac,
            "utilization_rate_liberated_frac": b.utilization_rate_liberated_frac,
            "drainage_rate_frac": b.drainage_rate_frac,
        }
        for row, r in zip(d["daily"], self.daily, strict=True):
            row["utilization_rate_frac"] = r.utilization_rate_frac
        m = self.meta
        d["meta"]["density_kg_m3"] = m.density.kg_m3
        d["meta"]["gwp_value"] = m.gwp_value
        return {"schema": SCHEMA, **d}

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text (UTF-8, non-ASCII kept, keys in model order)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1, allow_nan=False)

    # --- consistency ---
    def check(self) -> list[Problem]:
        """Every internal inconsistency of the report as a located :class:`Problem` (empty when consistent)."""
        return _check(self)

    def validate(self) -> MrvReport:
        """Raise :class:`InputError` listing every problem :meth:`check` finds; return the report otherwise."""
        problems = self.check()
        if problems:
            raise InputError(f"MRV report {self.meta.mine_code} {self.meta.period_label} is inconsistent; "
                             "nothing was written", problems)
        return self


def _plain(x: Any) -> Any:
    """Dataclasses, tuples, datetimes and dates → JSON-ready values."""
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return {f.name: _plain(getattr(x, f.name)) for f in dataclasses.fields(x)}
    if isinstance(x, datetime):
        return x.isoformat()
    if isinstance(x, date):
        return x.isoformat()
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


# --------------------------------------------------------------------------------------------------------------
# checks


@dataclass
class _Checker:
    problems: list[Problem] = field(default_factory=list)

    def add(self, where: str, message: str, value: object = None, fix: str | None = None) -> None:
        self.problems.append(Problem(message, file="report", field=where,
                                     value=None if value is None else str(value), fix=fix))

    def finite(self, where: str, x: float | None, *, nonneg: bool = False, optional: bool = False) -> bool:
        if x is None:
            if not optional:
                self.add(where, "missing value")
            return False
        if not isinstance(x, (int, float)) or not math.isfinite(x):
            self.add(where, "not a finite number", x)
            return False
        if nonneg and x < 0:
            self.add(where, "must be ≥ 0", x)
            return False
        return True

    def aware(self, where: str, t: datetime | None, optional: bool = False) -> bool:
        if t is None:
            if not optional:
                self.add(where, "missing time")
            return False
        if t.tzinfo is None or t.utcoffset() is None:
            self.add(where, "time without a UTC offset", t.isoformat(), "pass timezone-aware datetimes")
            return False
        return True


def _check_mass(c: _Checker, where: str, nm3: float, t: float, rho_t_per_m3: float, density_name: str) -> None:
    if c.finite(where + ".pure_ch4_nm3", nm3) and c.finite(where + ".ch4_t", t):
        if not _close(t, nm3 * rho_t_per_m3):
            c.add(where + ".ch4_t", f"CH4 mass does not follow density {density_name} "
                  f"({nm3:.6g} Nm³ × {rho_t_per_m3 * 1000:g} kg/m³ = {nm3 * rho_t_per_m3:.6g} t)", t)


def _check_meta(c: _Checker, m: ReportMeta) -> float | None:
    """Checks of the header; returns the density [t/m³] when it is usable."""
    if not m.mine_code:
        c.add("meta.mine_code", "empty mine code")
    if m.language not in LANGS:
        c.add("meta.language", "unsupported language", m.language, "zh or en")
    ok_t = c.aware("meta.period_start", m.period_start) & c.aware("meta.period_end", m.period_end)
    if ok_t and not m.period_end > m.period_start:
        c.add("meta.period_end", "period ends before it starts", m.period_end.isoformat())
    c.aware("meta.generated_at", m.generated_at)
    if m.co2e_convention not in CO2E_CONVENTIONS:
        c.add("meta.co2e_convention", "unknown CO2e convention", m.co2e_convention, "gross, net or displaced")
    if m.gap_rule not in GAP_RULES:
        c.add("meta.gap_rule", "unknown gap rule", m.gap_rule, f"one of {', '.join(GAP_RULES)}")
    try:
        gwp(m.gwp_set, m.gwp_horizon)
    except MinegasError as exc:
        c.add("meta.gwp_set", str(exc), f"{m.gwp_set}/{m.gwp_horizon}")
    if m.ref_state != "0C":
        c.add("meta.ref_state", "report volumes are exchanged at 0C (docs/conventions.md §1)", m.ref_state,
              "convert the volumes to 0 °C, 101.325 kPa")
    try:
        return m.density.t_per_m3
    except MinegasError as exc:
        c.add("meta.density_name", str(exc), m.density_name)
        return None


def _check(r: MrvReport) -> list[Problem]:
    c = _Checker()
    m = r.meta
    rho = _check_meta(c, m)
    times_ok = all(t.tzinfo is not None and t.utcoffset() is not None for t in (m.period_start, m.period_end))
    period_s = m.period_s if times_ok and m.period_end > m.period_start else 0.0

    # point totals
    seen: set[tuple[str, str]] = set()
    for i, p in enumerate(r.points):
        w = f"points[{i}]({p.station_code})"
        if (p.station_code, p.point_code) in seen:
            c.add(w, "duplicate station/point row", f"{p.station_code}/{p.point_code}")
        seen.add((p.station_code, p.point_code))
        if p.station_role not in STATION_ROLES:
            c.add(w + ".station_role", "unknown station role", p.station_role, ", ".join(STATION_ROLES))
        ok = c.finite(w + ".mixed_nm3", p.mixed_nm3, nonneg=True) & c.finite(w + ".pure_ch4_nm3", p.pure_ch4_nm3,
                                                                                nonneg=True)
        if ok and p.pure_ch4_nm3 > p.mixed_nm3 * (1 + REL_TOL) + 1e-9:
            c.add(w + ".pure_ch4_nm3", "pure CH4 exceeds the mixed volume", f"{p.pure_ch4_nm3} > {p.mixed_nm3}")
        if rho is not None:
            _check_mass(c, w, p.pure_ch4_nm3, p.ch4_t, rho, m.density_name)
        for name in ("mean_flow_nm3_min", "mean_t_c", "mean_p_kpa"):
            c.finite(f"{w}.{name}", getattr(p, name), optional=True)
        if c.finite(w + ".mean_ch4_pct", p.mean_ch4_pct, optional=True) and not 0 <= p.mean_ch4_pct <= 100:  # type: ignore[operator]
            c.add(w + ".mean_ch4_pct", "CH4 % outside 0–100", p.mean_ch4_pct)
        if p.mean_p_kpa is not None and p.pressure_kind not in ("gauge", "absolute"):
            c.add(w + ".pressure_kind", "a pressure needs its kind", p.pressure_kind, "gauge or absolute")
        secs = [p.measured_s, p.substituted_s, p.missing_s]
        if all(c.finite(f"{w}.{n}", s, nonneg=True) for n, s in zip(("measured_s", "substituted_s", "missing_s"),
                                                                        secs, strict=True)):
            if period_s > 0 and not _close(math.fsum(secs), period_s):
                c.add(w, f"measured + substituted + missing = {math.fsum(secs):g} s, not the period's {period_s:g} s",
                      fix="every second of the period is measured, substituted or missing")
        for name, n in p.flags:
            if name not in QaFlag.__members__:
                c.add(w + ".flags", "unknown QA flag", name, "use QaFlag names (docs/conventions.md §6)")
            if not (isinstance(n, int) and n >= 0):
                c.add(w + ".flags", "flag count must be a whole number ≥ 0", n)

    # balance
    b = r.balance
    groups = {"drained": b.drained, "utilized": b.utilized, "flared": b.flared, "vented": b.vented,
              "transferred": b.transferred, "vam_liberated": b.vam_liberated, "vam_oxidized": b.vam_oxidized}
    for gname, lines in groups.items():
        for i, ln in enumerate(lines):
            w = f"balance.{gname}[{i}]({ln.code})"
            if c.finite(w + ".pure_ch4_nm3", ln.pure_ch4_nm3, nonneg=True) and rho is not None:
                _check_mass(c, w, ln.pure_ch4_nm3, ln.ch4_t, rho, m.density_name)
    scalars = [("residual", b.residual_nm3, b.residual_t, False), ("destroyed", b.destroyed_nm3, b.destroyed_t, True),
               ("emitted_underground", b.emitted_underground_nm3, b.emitted_underground_t, True)]
    for name, nm3, t, nonneg in scalars:
        if c.finite(f"balance.{name}_nm3", nm3, nonneg=nonneg) and rho is not None:
            _check_mass(c, f"balance.{name}", nm3, t, rho, m.density_name)
    c.finite("balance.post_mining_ch4_t", b.post_mining_ch4_t, nonneg=True)
    balance_ok = not [p for p in c.problems if p.field and p.field.startswith("balance")]
    if balance_ok:
        outflows = [b.utilized_nm3, b.flared_nm3, b.vented_nm3, b.transferred_nm3, abs(b.residual_nm3)]
        if not _close(b.closure_nm3, 0.0, b.drained_nm3, *outflows):
            c.add("balance", f"the balance does not close: drained − (utilized + flared + vented + transferred + "
                  f"residual) = {b.closure_nm3:.6g} Nm³", fix="set residual = drained − the measured outflows")
        if b.vam_oxidized_nm3 > b.vam_liberated_nm3 * (1 + REL_TOL) + 1e-9:
            c.add("balance.vam_oxidized", "more VAM oxidized than liberated",
                  f"{b.vam_oxidized_nm3:.6g} > {b.vam_liberated_nm3:.6g}")
    for i, f in enumerate(b.co2e):
        w = f"balance.co2e[{i}]({f.convention})"
        if f.convention not in CO2E_CONVENTIONS:
            c.add(w, "unknown CO2e convention", f.convention, "gross, net or displaced")
            continue
        if f.basis not in ("emitted", "destroyed"):
            c.add(w + ".basis", "basis must be 'emitted' or 'destroyed'", f.basis)
        if f.convention != "gross" and f.basis != "destroyed":
            c.add(w + ".basis", f"the {f.convention} convention applies to CH4 destroyed", f.basis)
        if (f.gwp_set, f.gwp_horizon) != (m.gwp_set, m.gwp_horizon):
            c.add(w + ".gwp_set", f"GWP differs from the report's {m.gwp_set}/{m.gwp_horizon}",
                  f"{f.gwp_set}/{f.gwp_horizon}", "one GWP set per report")
        if not (c.finite(w + ".ch4_t", f.ch4_t, nonneg=True) and c.finite(w + ".co2e_t", f.co2e_t)):
            continue
        try:
            exp = f.expected_co2e_t()
        except MinegasError as exc:
            c.add(w, str(exc))
            continue
        if not _close(f.co2e_t, exp):
            c.add(w + ".co2e_t", f"CO2e does not follow the {f.convention} convention (expected {exp:.6g} t)",
                  f.co2e_t)
        expected_basis = b.emitted_ch4_t if f.basis == "emitted" else b.destroyed_t
        if not _close(f.ch4_t, expected_basis):
            c.add(w + ".ch4_t", f"CH4 differs from the balance's {f.basis} CH4 ({expected_basis:.6g} t)", f.ch4_t)
    if m.co2e_convention in CO2E_CONVENTIONS and b.co2e and b.co2e_headline(m.co2e_convention) is None:
        c.add("balance.co2e", f"no CO2e figure for the report's convention {m.co2e_convention!r}")

    # daily report
    day0 = m.period_start.astimezone(CST).date() if times_ok else None
    day1 = m.period_end.astimezone(CST).date() if times_ok else None
    keys: set[tuple[date, str]] = set()
    for i, d in enumerate(r.daily):
        w = f"daily[{i}]({d.day.isoformat()} {d.station_code})"
        if (d.day, d.station_code) in keys:
            c.add(w, "duplicate day/station row")
        keys.add((d.day, d.station_code))
        if day0 and day1 and not day0 <= d.day < day1:
            c.add(w + ".day", "day outside the period", d.day.isoformat())
        vals = [d.mixed_nm3, d.pure_ch4_nm3, d.utilized_nm3, d.flared_nm3, d.vented_nm3]
        names = ["mixed_nm3", "pure_ch4_nm3", "utilized_nm3", "flared_nm3", "vented_nm3"]
        if all(c.finite(f"{w}.{n}", v, nonneg=True) for n, v in zip(names, vals, strict=True)):
            if d.pure_ch4_nm3 > d.mixed_nm3 * (1 + REL_TOL) + 1e-9:
                c.add(w + ".pure_ch4_nm3", "pure CH4 exceeds the mixed volume")
        if c.finite(w + ".mean_ch4_pct", d.mean_ch4_pct, optional=True) and not 0 <= d.mean_ch4_pct <= 100:  # type: ignore[operator]
            c.add(w + ".mean_ch4_pct", "CH4 % outside 0–100", d.mean_ch4_pct)
    if r.daily and not [p for p in c.problems if p.field and p.field.startswith(("daily", "balance"))]:
        sums = {
            "drained": (math.fsum(d.pure_ch4_nm3 for d in r.daily), b.drained_nm3),
            "utilized + transferred": (math.fsum(d.utilized_nm3 for d in r.daily), b.used_nm3),
            "flared": (math.fsum(d.flared_nm3 for d in r.daily), b.flared_nm3),
            "vented": (math.fsum(d.vented_nm3 for d in r.daily), b.vented_nm3),
        }
        for name, (daily_sum, bal) in sums.items():
            if not _close(daily_sum, bal, b.drained_nm3):
                c.add("daily", f"the daily report's {name} ({daily_sum:.6g} Nm³) differs from the balance "
                      f"({bal:.6g} Nm³)")
        by_station: dict[str, list[float]] = {}
        for d in r.daily:
            by_station.setdefault(d.station_code, []).append(d.mixed_nm3)
        for p in r.points:
            if p.station_code in by_station and p.station_role == "drainage_main":
                s = math.fsum(by_station[p.station_code])
                if not _close(s, p.mixed_nm3):
                    c.add(f"daily({p.station_code})", f"daily mixed volumes add up to {s:.6g} Nm³, the point "
                          f"total says {p.mixed_nm3:.6g} Nm³")

    # substitutions
    for i, sub in enumerate(r.substitutions):
        w = f"substitutions[{i}]({sub.point_code} {sub.parameter})"
        if sub.rule not in GAP_RULES:
            c.add(w + ".rule", "unknown gap rule", sub.rule, ", ".join(GAP_RULES))
        c.finite(w + ".value_used", sub.value_used)
        if c.aware(w + ".window_start", sub.window_start) & c.aware(w + ".window_end", sub.window_end):
            span = (sub.window_end - sub.window_start).total_seconds()
            if span <= 0:
                c.add(w + ".window_end", "window ends before it starts")
            elif c.finite(w + ".seconds", sub.seconds, nonneg=True) and sub.seconds > span * (1 + REL_TOL):
                c.add(w + ".seconds", f"more seconds than the window's {span:g} s", sub.seconds)

    # findings
    for i, fd in enumerate(r.findings):
        c.aware(f"findings[{i}]({fd.rule_id}).window_start", fd.window_start)
        c.aware(f"findings[{i}]({fd.rule_id}).window_end", fd.window_end)

    # appendix
    a = r.appendix
    for i, bt in enumerate(a.batches):
        w = f"appendix.batches[{i}]({bt.file_name})"
        if not _SHA256.match(bt.sha256 or ""):
            c.add(w + ".sha256", "not a SHA-256 (64 lowercase hex digits)", bt.sha256)
        for attr in ("bytes", "records_accepted", "records_rejected"):
            v = getattr(bt, attr)
            if not (isinstance(v, int) and v >= 0):
                c.add(f"{w}.{attr}", "must be a whole number ≥ 0", v)
        c.aware(w + ".received_at", bt.received_at)
    for i, cal in enumerate(a.calibrations):
        if cal.status not in ("ok", "overdue", "failed", "none"):
            c.add(f"appendix.calibrations[{i}]({cal.point_code}).status", "unknown status", cal.status,
                  "ok, overdue, failed or none")
    pc = a.period_close
    if pc.status not in ("open", "closed", "restated"):
        c.add("appendix.period_close.status", "unknown status", pc.status, "open, closed or restated")
    if pc.status == "restated" and pc.restatement_no < 1:
        c.add("appendix.period_close.restatement_no", "a restated period has restatement number ≥ 1",
              pc.restatement_no)
    if pc.status != "restated" and (pc.restatement_no != 0 or pc.diffs):
        c.add("appendix.period_close", "restatement number and diffs belong to a restated period",
              pc.restatement_no)
    if pc.status != "open":
        c.aware("appendix.period_close.closed_at", pc.closed_at)
    return c.problems


def sort_points(points: Sequence[PointTotal]) -> tuple[PointTotal, ...]:
    """Point rows in registry role order (drainage mains, unit inlets and outlets, flares, vents, shafts)."""
    order = {r: i for i, r in enumerate(STATION_ROLES)}
    return tuple(sorted(points, key=lambda p: (order.get(p.station_role, len(order)), p.station_code)))
