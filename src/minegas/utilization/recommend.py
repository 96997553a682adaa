"""Recommendation: for a mine, rank utilization options per source and for blends of its sources.

For every source (VAM shaft, drained-gas station) and every catalog technology, and for blends of all the mine's
sources, an option is built when the gas fits (concentration window after dilution with air or blending,
minimum flow, explosive-band rules of :mod:`minegas.utilization.blending`); otherwise the option is listed as
excluded with the reasons. Enrichment technologies (VPSA, cryogenic) are chained to the uses their product fits.

Each option reports, per year of ``operating_hours_per_yr`` at the sources' mean flows:

- pure CH4 in and destroyed [Nm³, 0 °C] and [t] (density ``real-0C``, docs/conventions.md §2);
- electricity (gross, net of own use and feed power) [kWh], heat delivered [GJ], gas delivered [MJ LHV];
- CO2e with a named GWP set: ``co2e_gross_t`` = t CH4 destroyed × GWP, ``co2e_net_t`` = × (GWP − 44/16);
- CCER-10-001-V01 eligibility (the shared MRV function) and the eligible CH4 share;
- regulatory findings (Safety Regulations art. 184(5) as approval-required, never as a ban);
- investment and fixed O&M from the catalog, and NPV/IRR from :mod:`minegas.economics` through **one call**,
  :func:`evaluate_economics` (see its docstring for what happens when that module is not available).

Sources come from a mine-sources file (:func:`load_mine_sources`; YAML or TOML, each source either with mean
``flow_nm3_min``/``ch4_pct`` or a ``profile`` series file), or are measured: the registry's drainage mains and
return shafts with the MRV engine's time-weighted means from the measurement store
(:meth:`minegas.utilization.sources.MineGas.mine_sources`) — the same :class:`MineSources` record.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from minegas.accounting.methods.ccer_cmm import GasSource
from minegas.errors import InfeasibleError, InputError, Problem
from minegas.physics.climate import co2e_gross_t, co2e_net_t, gwp
from minegas.physics.density import ch4_mass_t
from minegas.utilization.blending import BlendSpec, Stream, design_blend
from minegas.utilization.catalog import (
    Catalog,
    Finding,
    Technology,
    capex_yuan,
    ccer_check,
    load_catalog,
    performance,
    regulatory_findings,
)

DEFAULT_OPERATING_HOURS = 8000.0
"""Operating hours per year (seed 003 表11 implies 8 000 h: 6 × 90 000 Nm³/h × 1.2 % × 8 000 h = 5 184万 Nm³)."""

DEFAULT_GWP = ("AR6-fossil", 100)
"""Dashboards' default GWP set (docs/conventions.md §3)."""

_DILUTION_TOL_PCT = 0.05
RankBy = Literal["npv", "co2e", "ch4", "energy"]


# --- inputs --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    """A gas source of a mine at its mean delivery.

    Parameters
    ----------
    name : station label.
    kind : 'vam' (风排瓦斯) or 'drained' (抽采瓦斯).
    flow_nm3_min : mean mixed flow [Nm³/min, 0 °C].
    ch4_pct : flow-weighted mean CH4 [%].
    diluted_from_pct : set when the stream is gas of higher concentration diluted on purpose (CCER exclusion).
    """

    name: str
    kind: Literal["vam", "drained"]
    flow_nm3_min: float
    ch4_pct: float
    diluted_from_pct: float | None = None

    @property
    def ch4_nm3_min(self) -> float:
        return self.flow_nm3_min * self.ch4_pct / 100.0


@dataclass(frozen=True)
class MineSources:
    """A mine and its sources (from a mine-sources file, or measured: :mod:`minegas.utilization.sources`)."""

    mine: str
    sources: list[Source]
    name: str | None = None
    underground: bool = True
    closed: bool = False


class _ProfileRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    file: str
    station: str | None = None
    time_col: str = "ts"
    flow_col: str = "flow_nm3_min"
    ch4_col: str = "ch4_pct"
    station_col: str | None = "station"
    tz: str | None = None


class _SourceModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    kind: Literal["vam", "drained"]
    flow_nm3_min: float | None = Field(default=None, ge=0)
    ch4_pct: float | None = Field(default=None, ge=0, le=100)
    diluted_from_pct: float | None = Field(default=None, ge=0, le=100)
    profile: _ProfileRef | None = None

    @model_validator(mode="after")
    def _one_basis(self) -> _SourceModel:
        if self.profile is None and (self.flow_nm3_min is None or self.ch4_pct is None):
            raise ValueError("give flow_nm3_min and ch4_pct, or a profile")
        if self.profile is not None and (self.flow_nm3_min is not None or self.ch4_pct is not None):
            raise ValueError("give either flow_nm3_min/ch4_pct or a profile, not both")
        return self


class _MineModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    name: str | None = None
    underground: bool = True
    closed: bool = False
    sources: list[_SourceModel] = Field(min_length=1)


class _FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mines: list[_MineModel] = Field(min_length=1)


def load_mine_sources(path: str | Path, mine: str) -> MineSources:
    """Read mine ``mine`` from a mine-sources file (YAML or TOML; schema in docs/utilization.md).

    Raises
    ------
    InputError
        Naming the file and field when the file is malformed, the mine is absent, or a profile cannot be read.
    """
    p = Path(path)
    origin = str(p)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{origin}: cannot read", [Problem(str(exc), file=origin)]) from None
    try:
        data = tomllib.loads(text) if p.suffix.lower() == ".toml" else yaml.safe_load(text)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{origin}: not valid {'TOML' if p.suffix.lower() == '.toml' else 'YAML'}",
                         [Problem(str(exc).splitlines()[0], file=origin, fix="correct the syntax")]) from None
    try:
        model = _FileModel.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"{origin}: not a valid mine-sources file", [
            Problem(e["msg"], file=origin, field=".".join(str(x) for x in e["loc"]),
                    fix="see docs/utilization.md, 'Mine-sources file'") for e in exc.errors()]) from None
    found = [m for m in model.mines if m.id == mine]
    if not found:
        raise InputError(f"{origin}: mine not found", [Problem(f"no mine {mine!r}", file=origin, field="mines.id",
                         value=mine, fix=f"use one of {[m.id for m in model.mines]}")])
    m = found[0]
    sources: list[Source] = []
    for s in m.sources:
        if s.profile is None:
            assert s.flow_nm3_min is not None and s.ch4_pct is not None
            sources.append(Source(s.name, s.kind, s.flow_nm3_min, s.ch4_pct, s.diluted_from_pct))
            continue
        from minegas.utilization.profiles import hourly, read_series

        ref = s.profile
        fpath = (p.parent / ref.file) if not Path(ref.file).is_absolute() else Path(ref.file)
        frame = read_series(fpath, time_col=ref.time_col, flow_col=ref.flow_col, ch4_col=ref.ch4_col,
                            station_col=ref.station_col, tz=ref.tz)
        if ref.station is not None:
            frame = frame[frame["station"] == ref.station]
            if frame.empty:
                raise InputError(f"{origin}: profile station not found", [Problem(
                    f"no rows of station {ref.station!r} in {fpath}", file=origin,
                    field=f"sources.{s.name}.profile.station", value=ref.station)])
        per = hourly(frame)
        per = per[per["samples"] > 0]
        flow = float(per["flow_nm3_min"].mean())
        pure = float(per["ch4_nm3_min"].mean())
        sources.append(Source(s.name, s.kind, flow, 100.0 * pure / flow if flow > 0 else 0.0, s.diluted_from_pct))
    return MineSources(m.id, sources, m.name, m.underground, m.closed)


# --- outputs -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EconomicsOutcome:
    """The economic step's answer for one option (``status`` 'ok', 'unavailable' or 'error')."""

    status: Literal["ok", "unavailable", "error"]
    npv_yuan: float | None = None
    irr_frac: float | None = None
    payback_yr: float | None = None
    policy: str | None = None
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Option:
    """A feasible option with its yearly figures (volumes pure CH4, Nm³ at 0 °C)."""

    technology: str
    label_zh: str
    label_en: str
    sources: list[str]
    flows_nm3_min: dict[str, float]
    inlet_flow_nm3_min: float
    inlet_ch4_pct: float
    ch4_in_nm3_min: float
    operating_hours_per_yr: float
    ch4_in_nm3_yr: float
    ch4_destroyed_nm3_yr: float
    ch4_destroyed_t_yr: float
    electricity_gross_kwh_yr: float
    electricity_net_kwh_yr: float
    heat_gj_yr: float
    gas_lhv_mj_yr: float
    co2e_gross_t_yr: float
    co2e_net_t_yr: float
    gwp_set: str
    gwp_horizon_yr: int
    capex_yuan: float
    opex_fixed_yuan_yr: float
    life_yr: float
    ccer_eligible: bool
    ccer_eligible_share: float
    ccer_reasons: list[str]
    findings: list[Finding]
    notes: list[str] = field(default_factory=list)
    economics: EconomicsOutcome | None = None
    rank: int | None = None

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return d


@dataclass(frozen=True)
class Exclusion:
    """An option that does not fit, with the reasons."""

    technology: str
    sources: list[str]
    reasons: list[str]


@dataclass
class Recommendation:
    """Ranked options and exclusions for one mine."""

    mine: str
    rank_by: RankBy
    gwp_set: str
    gwp_horizon_yr: int
    operating_hours_per_yr: float
    options: list[Option]
    excluded: list[Exclusion]
    economics_status: str
    sources: list[Source]

    def as_dict(self) -> dict[str, Any]:
        return {"mine": self.mine, "rank_by": self.rank_by, "gwp_set": self.gwp_set,
                "gwp_horizon_yr": self.gwp_horizon_yr, "operating_hours_per_yr": self.operating_hours_per_yr,
                "economics_status": self.economics_status, "ref_state": "0C",
                "sources": [asdict(s) for s in self.sources], "options": [o.as_dict() for o in self.options],
                "excluded": [asdict(e) for e in self.excluded]}


# --- the economic step (one call) ----------------------------------------------------------------------------

def evaluate_economics(option: Option, policy: str | None = None, discount_rate_frac: float | None = None
                       ) -> EconomicsOutcome:
    """NPV/IRR of one option via :mod:`minegas.economics` — the single place utilization asks for money figures.

    The economics module is written by another part of the project; this adapter calls its plain function API
    (``minegas.economics.evaluate_option``) with the option's physical figures (capex, fixed O&M, yearly
    electricity, heat, gas, CH4 destroyed, CCER share, life) and the chosen policy set. If that API is not there,
    the outcome is ``unavailable`` with the reason, and ranking falls back to CO2e.
    """
    try:
        from minegas import economics
    except ImportError as exc:  # pragma: no cover - the package exists as a folder
        return EconomicsOutcome("unavailable", reason=f"minegas.economics cannot be imported: {exc}")
    fn = getattr(economics, "evaluate_option", None)
    if fn is None:
        return EconomicsOutcome("unavailable", policy=policy,
                                reason="minegas.economics has no evaluate_option() yet — NPV/IRR not computed")
    inputs = {
        "technology": option.technology, "capex_yuan": option.capex_yuan,
        "opex_fixed_yuan_per_yr": option.opex_fixed_yuan_yr, "life_yr": option.life_yr,
        "electricity_net_kwh_per_yr": option.electricity_net_kwh_yr, "heat_gj_per_yr": option.heat_gj_yr,
        "gas_lhv_mj_per_yr": option.gas_lhv_mj_yr, "ch4_utilized_nm3_per_yr": option.ch4_in_nm3_yr,
        "ch4_destroyed_t_per_yr": option.ch4_destroyed_t_yr, "co2e_net_t_per_yr": option.co2e_net_t_yr,
        "ccer_eligible_share": option.ccer_eligible_share if option.ccer_eligible else 0.0,
        "gwp_set": option.gwp_set, "gwp_horizon_yr": option.gwp_horizon_yr,
    }
    try:
        res = fn(inputs, policy=policy, discount_rate_frac=discount_rate_frac)
    except (InputError, InfeasibleError) as exc:
        return EconomicsOutcome("error", policy=policy, reason=str(exc))
    get = res.get if isinstance(res, dict) else (lambda k, d=None: getattr(res, k, d))
    return EconomicsOutcome("ok", npv_yuan=get("npv_yuan"), irr_frac=get("irr_frac"),
                            payback_yr=get("payback_yr"), policy=policy,
                            details=res if isinstance(res, dict) else {})


# --- option building -----------------------------------------------------------------------------------------

def _gas_sources(sources: Sequence[Source], used: dict[str, float], hours: float) -> list[GasSource]:
    return [GasSource(s.name, s.kind, s.ch4_pct, used.get(s.name, 0.0) * s.ch4_pct / 100.0 * 60.0 * hours,
                      s.diluted_from_pct) for s in sources if used.get(s.name, 0.0) > 0]


def _target(tech: Technology, sources: Sequence[Source]) -> tuple[float, float] | None:
    """Inlet target ``(P, T)`` for feeding ``sources`` (with air) to ``tech``; None when all are too lean.

    One source inside the window is fed as it is (T = 0). Otherwise the blend aims at the technology's design
    concentration ± 0.05 (RTO 1.0 %, porous media 8 %), else a richer single source is diluted to the top of the
    window, and a blend may sit anywhere in the window (P = mid-window, T = half-width).
    """
    hi_c = max(s.ch4_pct for s in sources)
    if hi_c < tech.ch4_min_pct:
        return None
    if len(sources) == 1 and tech.accepts(sources[0].ch4_pct):
        return sources[0].ch4_pct, 0.0
    half = (tech.ch4_max_pct - tech.ch4_min_pct) / 2.0
    tol = min(_DILUTION_TOL_PCT, half)
    if tech.ch4_design_pct is not None:
        t = min(max(tech.ch4_design_pct, tech.ch4_min_pct + tol), tech.ch4_max_pct - tol)
        return t, tol
    if len(sources) == 1:
        return tech.ch4_max_pct - tol, tol
    return tech.ch4_min_pct + half, half


def build_option(tech: Technology, sources: Sequence[Source], *, hours: float, gwp_set: str, horizon: int,
                 mine: MineSources, catalog: Catalog, chained_from: tuple[Technology, Source] | None = None
                 ) -> Option | Exclusion:
    """One option (or the reasons it is excluded) for ``tech`` fed by ``sources`` plus ambient air."""
    names = [s.name for s in sources]
    key = tech.key if chained_from is None else f"{chained_from[0].key}+{tech.key}"
    reasons: list[str] = []
    tgt = _target(tech, sources)
    if tgt is None:
        reasons.append(f"sources at {max(s.ch4_pct for s in sources):g} % are below the window "
                       f"{tech.ch4_min_pct:g}–{tech.ch4_max_pct:g} % (enrich first, or blend with richer gas)")
        return Exclusion(key, names, reasons)
    target, tol = tgt
    streams = [Stream(s.name, s.flow_nm3_min, s.ch4_pct, s.kind) for s in sources]
    if not (len(sources) == 1 and tol == 0.0):
        streams.append(Stream("air", math.inf, 0.0, "air"))
    supply = sum(s.flow_nm3_min for s in sources)
    pure = sum(s.ch4_nm3_min for s in sources)
    cap = max(supply, pure * 100.0 / max(target - tol, 1e-6)) * 1.0001 + 1e-6   # the unit is sized to the supply
    try:
        d = design_blend(streams, BlendSpec(target, cap, tol, tech.safe_transport))
    except InfeasibleError as exc:
        reasons.append(f"no blend reaches {target:g} ± {tol:g} %: binding {', '.join(exc.binding)}")
        return Exclusion(key, names, reasons)
    ch4_in = d.ch4_nm3_min
    if ch4_in < tech.min_ch4_flow_nm3_min:
        reasons.append(f"pure CH4 flow {ch4_in:.3g} Nm³/min is below the minimum {tech.min_ch4_flow_nm3_min:g} "
                       f"Nm³/min ({tech.citation('min_ch4_flow_nm3_min')})")
        return Exclusion(key, names, reasons)
    notes: list[str] = list(d.flags)
    unused = [f"{s.name}: {s.flow_nm3_min - d.flows_nm3_min[s.name]:.4g} Nm³/min unused"
              for s in sources if s.flow_nm3_min - d.flows_nm3_min[s.name] > 1e-6 * max(1.0, s.flow_nm3_min)]
    if unused:
        notes.append("not all gas fits the blend — " + "; ".join(unused))
    ch4_in_yr = ch4_in * 60.0 * hours
    feed_yr = d.total_flow_nm3_min * 60.0 * hours
    perf = performance(tech, ch4_in_yr, feed_yr)
    e_net = perf.electricity_net_kwh
    cap_y = capex_yuan(tech, ch4_in, d.total_flow_nm3_min, tech.heat_used_default)
    life = tech.life_yr
    opex = tech.opex_fixed_frac_per_yr * cap_y
    findings = regulatory_findings(tech, d.ch4_pct, min(s.ch4_pct for s in sources if s.kind == "drained")
                                   if any(s.kind == "drained" for s in sources) else d.ch4_pct)
    destroyed = perf.ch4_destroyed_nm3
    label_zh, label_en = tech.name_zh, tech.name_en
    if chained_from is not None:
        enr, feed = chained_from
        # the enrichment step: feed power, its capex, the tail vented
        feed_flow = feed.flow_nm3_min * (d.flows_nm3_min[sources[0].name] / sources[0].flow_nm3_min
                                         if sources[0].flow_nm3_min > 0 else 0.0)
        feed_kwh = feed_flow * 60.0 * hours * (enr.specific_power_kwh_per_nm3_feed or 0.0)
        e_net -= feed_kwh
        enr_cap = capex_yuan(enr, feed.ch4_nm3_min, feed_flow, False)
        cap_y += enr_cap
        opex += enr.opex_fixed_frac_per_yr * enr_cap
        life = min(life, enr.life_yr)
        notes.append(f"{enr.name_en}: {feed_flow:.4g} Nm³/min feed at {feed.ch4_pct:g} % → product at "
                     f"{enr.product_ch4_pct:g} % ({enr.recovery_frac:.3g} recovery); the tail at "
                     f"{enr.tail_ch4_pct:g} % is vented; {feed_kwh:,.0f} kWh/yr for the enrichment")
        label_zh, label_en = f"{enr.name_zh}→{tech.name_zh}", f"{enr.name_en} → {tech.name_en}"
        findings = regulatory_findings(enr, feed.ch4_pct) + findings
        gs = [GasSource(feed.name, feed.kind, feed.ch4_pct, feed_flow * feed.ch4_pct / 100.0 * 60.0 * hours,
                        feed.diluted_from_pct)]
        names = [feed.name]
        flows = {feed.name: feed_flow}
    else:
        gs = _gas_sources(sources, d.flows_nm3_min, hours)
        flows = {k: v for k, v in d.flows_nm3_min.items()}
    elig = ccer_check(tech, gs, underground_mine=mine.underground, mine_closed=mine.closed)
    t_destroyed = float(ch4_mass_t(destroyed, "0C"))
    return Option(
        technology=key, label_zh=label_zh, label_en=label_en, sources=names, flows_nm3_min=flows,
        inlet_flow_nm3_min=d.total_flow_nm3_min, inlet_ch4_pct=d.ch4_pct, ch4_in_nm3_min=ch4_in,
        operating_hours_per_yr=hours, ch4_in_nm3_yr=ch4_in_yr, ch4_destroyed_nm3_yr=destroyed,
        ch4_destroyed_t_yr=t_destroyed, electricity_gross_kwh_yr=perf.electricity_gross_kwh,
        electricity_net_kwh_yr=e_net, heat_gj_yr=perf.heat_gj, gas_lhv_mj_yr=perf.gas_lhv_mj,
        co2e_gross_t_yr=float(co2e_gross_t(t_destroyed, gwp_set, horizon)),
        co2e_net_t_yr=float(co2e_net_t(t_destroyed, gwp_set, horizon)), gwp_set=gwp_set, gwp_horizon_yr=horizon,
        capex_yuan=cap_y, opex_fixed_yuan_yr=opex, life_yr=life, ccer_eligible=elig.eligible,
        ccer_eligible_share=elig.eligible_ch4_share, ccer_reasons=list(elig.reasons), findings=findings,
        notes=notes)


def _rank_key(o: Option, rank_by: RankBy) -> tuple[float, float]:
    energy = o.electricity_net_kwh_yr * 3.6 + o.heat_gj_yr * 1000.0 + o.gas_lhv_mj_yr
    if rank_by == "npv":
        npv = o.economics.npv_yuan if o.economics is not None and o.economics.npv_yuan is not None else None
        return (npv if npv is not None else -math.inf, o.co2e_net_t_yr)
    if rank_by == "ch4":
        return (o.ch4_destroyed_nm3_yr, o.co2e_net_t_yr)
    if rank_by == "energy":
        return (energy, o.co2e_net_t_yr)
    return (o.co2e_net_t_yr, energy)


def recommend(mine: MineSources, *, rank_by: RankBy | None = None, gwp_set: str = DEFAULT_GWP[0],
              horizon: int = DEFAULT_GWP[1], operating_hours_per_yr: float = DEFAULT_OPERATING_HOURS,
              policy: str | None = None, discount_rate_frac: float | None = None,
              catalog: Catalog | None = None, technologies: Sequence[str] | None = None) -> Recommendation:
    """Ranked options per source and for the blend of all sources of ``mine``, with exclusions and reasons.

    Parameters
    ----------
    mine : the mine and its sources.
    rank_by : 'npv' (needs the economics module), 'co2e' (net), 'ch4' (destroyed) or 'energy' (delivered);
        default 'npv' when economics is available, else 'co2e'.
    gwp_set, horizon : GWP set and horizon for the CO2e figures (validated by minegas.physics.climate).
    operating_hours_per_yr : hours per year the option runs at the sources' mean flows.
    policy, discount_rate_frac : passed to the economics step.
    technologies : restrict to these catalog keys (default: all but 'vent').
    """
    gwp(gwp_set, horizon)
    if not 0 < operating_hours_per_yr <= 8784:
        raise InputError("recommend: bad operating hours", [Problem("must be within (0, 8784] h",
                         field="operating_hours_per_yr", value=str(operating_hours_per_yr))])
    if not mine.sources:
        raise InputError("recommend: no sources", [Problem(f"mine {mine.mine!r} has no sources", field="sources")])
    cat = catalog or load_catalog()
    keys = list(technologies) if technologies is not None else [k for k in cat if k != "vent"]
    for k in keys:
        cat[k]
    options: list[Option] = []
    excluded: list[Exclusion] = []
    kw = {"hours": operating_hours_per_yr, "gwp_set": gwp_set, "horizon": horizon, "mine": mine, "catalog": cat}
    usable = [s for s in mine.sources if s.flow_nm3_min > 0 and s.ch4_pct > 0]
    for s in mine.sources:
        if s not in usable:
            excluded.append(Exclusion("*", [s.name], ["source has no flow or no CH4"]))
    groups: list[list[Source]] = [[s] for s in usable]
    if len(usable) > 1:
        groups.append(list(usable))
    for grp in groups:
        for k in keys:
            tech = cat[k]
            if tech.output == "enrich":
                if len(grp) != 1:
                    continue
                src = grp[0]
                if not tech.accepts(src.ch4_pct):
                    excluded.append(Exclusion(k, [src.name], [
                        f"feed at {src.ch4_pct:g} % is outside the window {tech.ch4_min_pct:g}–"
                        f"{tech.ch4_max_pct:g} %"]))
                    continue
                if src.ch4_nm3_min < tech.min_ch4_flow_nm3_min:
                    excluded.append(Exclusion(k, [src.name], [
                        f"pure CH4 flow {src.ch4_nm3_min:.3g} Nm³/min is below the minimum "
                        f"{tech.min_ch4_flow_nm3_min:g} Nm³/min"]))
                    continue
                assert tech.recovery_frac is not None and tech.product_ch4_pct is not None
                prod_ch4 = src.ch4_nm3_min * tech.recovery_frac
                product = Source(f"{src.name}→{k}", "drained", prod_ch4 * 100.0 / tech.product_ch4_pct,
                                 tech.product_ch4_pct)
                chained = 0
                for k2 in keys:
                    down = cat[k2]
                    if down.output in ("enrich", "vent") or not down.accepts(tech.product_ch4_pct):
                        continue
                    r = build_option(down, [product], chained_from=(tech, src), **kw)  # type: ignore[arg-type]
                    if isinstance(r, Option):
                        options.append(r)
                        chained += 1
                if not chained:
                    excluded.append(Exclusion(k, [src.name], [f"no catalog use accepts the {tech.product_ch4_pct:g} "
                                                              "% product at this flow"]))
                continue
            r = build_option(tech, grp, **kw)  # type: ignore[arg-type]
            (options if isinstance(r, Option) else excluded).append(r)  # type: ignore[arg-type]
    # deduplicate blend options identical to a single-source option (the blend used one source only)
    seen: set[tuple[str, tuple[tuple[str, float], ...]]] = set()
    unique: list[Option] = []
    for o in options:
        sig = (o.technology, tuple(sorted((k, round(v, 9)) for k, v in o.flows_nm3_min.items() if v > 0)))
        if sig in seen:
            continue
        seen.add(sig)
        unique.append(o)
    econ_status = "not requested"
    for o in unique:
        o.economics = evaluate_economics(o, policy, discount_rate_frac)
    if unique:
        statuses = {o.economics.status for o in unique if o.economics is not None}
        econ_status = "ok" if statuses == {"ok"} else next(
            (o.economics.reason or o.economics.status for o in unique
             if o.economics is not None and o.economics.status != "ok"), "unavailable")
    chosen: RankBy = rank_by or ("npv" if econ_status == "ok" else "co2e")
    unique.sort(key=lambda o: _rank_key(o, chosen), reverse=True)
    for i, o in enumerate(unique, 1):
        o.rank = i
    return Recommendation(mine.mine, chosen, gwp_set, horizon, operating_hours_per_yr, unique, excluded,
                          econ_status, list(mine.sources))
