"""``minegas util`` — utilization engineering: catalog, source profiles, recommendations, blend design, allocation.

Thin: parse, call :mod:`minegas.utilization`, render (Chinese and English labels, ``--json`` for machines).
Errors are raised as minegas exceptions; ``minegas.cli.main.main`` maps them to exit codes (2 for rejected input
and infeasible designs).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from minegas.cli.common import console, print_json
from minegas.errors import InputError, Problem

app = typer.Typer(
    name="util",
    help="利用工程 · Utilization engineering: technology catalog, source profiles, recommendations, blend design, "
         "regional allocation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_L: dict[str, tuple[str, str]] = {
    "technology": ("技术", "technology"), "window": ("浓度窗口", "CH4 window [%]"),
    "destruction": ("甲烷销毁率", "destruction"), "eff_el": ("发电效率", "el. eff."),
    "eff_heat": ("供热效率", "heat eff."), "safe": ("安全输送", "safe transport"),
    "ccer": ("无焰氧化(CCER)", "flameless (CCER)"), "rule": ("规程184(5)", "art. 184(5)"),
    "capex": ("投资", "capex"), "min_flow": ("最小纯量", "min pure CH4 [Nm³/min]"),
    "station": ("测站", "station"), "mean_flow": ("平均混合流量", "mean flow [Nm³/min]"),
    "mean_pure": ("平均纯量", "mean pure CH4 [Nm³/min]"), "mean_pct": ("平均浓度", "mean CH4 [%]"),
    "p10_90": ("纯量P10–P90", "pure P10–P90"), "data": ("数据完整率", "data"),
    "supply": ("供气时间比", "supply"), "trend": ("趋势", "trend [%/yr]"), "band": ("爆炸范围内", "in 5–16 %"),
    "stream": ("气流", "stream"), "flow": ("流量", "flow [Nm³/min]"), "ch4": ("浓度", "CH4 [%]"),
    "pipe": ("管段", "pipe"), "role": ("类型", "role"), "rank": ("排序", "rank"),
    "sources": ("气源", "sources"), "inlet": ("进气浓度", "inlet [%]"),
    "destroyed": ("年销毁量", "CH4 destroyed [万Nm³/yr]"), "power": ("年净发电", "net power [万kWh/yr]"),
    "heat": ("年供热", "heat [GJ/yr]"), "co2e": ("年减排(净)", "CO2e net [t/yr]"),
    "npv": ("净现值", "NPV [万元]"), "findings": ("法规提示", "findings"),
    "unit": ("去向装置", "to unit"), "share": ("占比", "share of CH4"), "kind": ("类别", "kind"),
    "feeds": ("去向", "feeds"),
}


def _l(key: str) -> str:
    from minegas.i18n import current_lang

    zh, en = _L.get(key, (key, key))
    lang = current_lang()
    return zh if lang == "zh" else en if lang == "en" else f"{zh} {en}"


# --- catalog -------------------------------------------------------------------------------------------------

@app.command()
def catalog(
    key: Annotated[str | None, typer.Argument(help="technology key (omit for the whole catalog)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """技术目录 · List the technology catalog, or one entry with the source of every value."""
    from minegas.utilization.catalog import load_catalog

    cat = load_catalog()
    if key is not None:
        tech = cat[key]
        if as_json:
            d = tech.as_dict()
            ps = tech.paramset
            d["parameters"] = {n: p.model_dump() for n, p in ps.parameters.items()} if ps else {}
            d["sources"] = [s.model_dump() for s in ps.sources] if ps else []
            print_json(d)
            return
        t = Table(title=f"{tech.name_zh} {tech.name_en} ({tech.paramset_id})")
        for col in ("parameter", "value", "unit", "confidence", "source"):
            t.add_column(col)
        assert tech.paramset is not None
        for n, p in tech.paramset.parameters.items():
            src = next((s for s in tech.paramset.sources if s.id == p.source), None)
            rng = f" [{p.range[0]:g}–{p.range[1]:g}]" if p.range else ""
            t.add_row(n, f"{p.value}{rng}", p.unit, p.confidence,
                      (src.document + (f", {src.section}" if src.section else "")) if src else "")
        console.print(t)
        return
    if as_json:
        print_json([t.as_dict() for t in cat.values()])
        return
    t = Table(title="技术目录 technology catalog")
    for k in ("technology", "window", "destruction", "eff_el", "eff_heat", "min_flow", "safe", "ccer", "rule",
              "capex"):
        t.add_column(_l(k))
    for tech in cat.values():
        basis = {"kw_el": "元/kWe", "kw_th": "元/kWth", "nm3_h": "元/(Nm³/h)"}[tech.capex_basis]
        t.add_row(f"{tech.key}\n{tech.name_zh}", f"{tech.ch4_min_pct:g}–{tech.ch4_max_pct:g}",
                  f"{tech.destruction_efficiency_frac:.3g}", f"{tech.eff_el_frac:.3g}",
                  f"{tech.eff_heat_frac:.3g}", f"{tech.min_ch4_flow_nm3_min:g}",
                  "✓" if tech.safe_transport else "", "✓" if tech.flameless_oxidation else "",
                  tech.combustion_rule, f"{tech.capex_yuan_per_basis:,.0f} {basis}")
    console.print(t)


# --- profile -------------------------------------------------------------------------------------------------

def _window(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        lo, hi = (float(v) for v in text.split(":"))
    except ValueError:
        raise InputError("bad --window", [Problem("expected MIN:MAX in %", field="--window", value=text,
                                                  fix="e.g. --window 0.2:1.2")]) from None
    return lo, hi


def _step_s(freq: str) -> tuple[int, float]:
    import pandas as pd

    try:
        sec = pd.Timedelta(freq).total_seconds()
    except ValueError:
        raise InputError("bad --freq", [Problem("not a pandas offset", field="--freq", value=freq,
                                                fix="e.g. 1h or 1D")]) from None
    if not sec > 0:
        raise InputError("bad --freq", [Problem("must be a positive duration", field="--freq", value=freq,
                                                fix="e.g. 1h or 1D")])
    return int(sec), sec / 3600.0


def _profile_row(t: Table, name: str, p: Any) -> None:
    pc = p.percentiles["ch4_nm3_min"]
    t.add_row(name, f"{p.mean_flow_nm3_min:,.2f}", f"{p.mean_ch4_nm3_min:,.3f}", f"{p.mean_ch4_pct:.3f}",
              f"{pc['p10']:.3g}–{pc['p90']:.3g}", f"{p.data_frac:.1%}", f"{p.supply_frac:.1%}",
              f"{p.class_hours_frac['explosive_band']:.1%}",
              f"{p.trend_pct_per_yr:+.1f}" if p.trend_pct_per_yr is not None else "—")


def _profile_table(title: str) -> Table:
    t = Table(title=title)
    for k in ("station", "mean_flow", "mean_pure", "mean_pct", "p10_90", "data", "supply", "band", "trend"):
        t.add_column(_l(k))
    return t


def _print_check(check: Any) -> None:
    console.print(f"设计对比 design vs actual: {check.supported_frac:.3f} of design CH4 "
                  f"({check.design_ch4_nm3_min:g} Nm³/min); binding 制约因素: {check.binding}; "
                  f"hours short of gas {check.hours_short_gas_supply:g}, of unit limits "
                  f"{check.hours_short_unit_constraints:g}", highlight=False)


@app.command()
def profile(
    file: Annotated[Path | None, typer.Argument(
        help="series file (.csv or .parquet) with time, flow and CH4 columns; omit with --mine/--period")] = None,
    mine: Annotated[str | None, typer.Option("--mine", help="mine code (煤矿编码): profile its stations from the "
                                                             "measurement store")] = None,
    period: Annotated[str | None, typer.Option("--period", help="with --mine: 2025-03, 2025-Q1, "
                                                                 "2025-03-01..2025-03-07 … (CST)")] = None,
    station: Annotated[list[str] | None, typer.Option(
        "--station", help="with --mine: profile these stations (repeatable; default the mine's sources)")] = None,
    unit: Annotated[str | None, typer.Option(
        "--unit", help="with --mine: design vs actual of this registry unit")] = None,
    time_col: Annotated[str, typer.Option("--time-col")] = "ts",
    flow_col: Annotated[str, typer.Option("--flow-col", help="mixed flow column [Nm³/min at 0 °C]")] = "flow_nm3_min",
    ch4_col: Annotated[str, typer.Option("--ch4-col", help="CH4 column [%]")] = "ch4_pct",
    station_col: Annotated[str, typer.Option("--station-col")] = "station",
    tz: Annotated[str | None, typer.Option("--tz", help="time zone of times without offset, e.g. Asia/Shanghai")]
    = None,
    freq: Annotated[str, typer.Option("--freq", help="aggregation period (pandas offset, e.g. 1h, 1D)")] = "1h",
    design_capacity: Annotated[float | None, typer.Option(
        "--design-capacity-nm3-min", help="file mode, existing unit: design inlet flow [Nm³/min at 0 °C]")] = None,
    design_pct: Annotated[float | None, typer.Option(
        "--design-ch4-pct", help="existing unit: design CH4 [%] (with --unit: overrides the registry-derived "
                                 "design point)")] = None,
    window: Annotated[str | None, typer.Option(
        "--window", help="file mode, existing unit: accepted CH4 window MIN:MAX [%]")] = None,
    safe_transport: Annotated[bool, typer.Option(
        "--safe-transport", help="file mode: the unit has a safe-transport system")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """供气分析 · Source profiles per station (distributions, duration curve, availability, trend) from a series
    file or from the measurement store (--mine, --period), and design vs actual of an existing unit."""
    if (file is None) == (mine is None):
        raise InputError("profile: give a series file or --mine", [Problem(
            "exactly one of FILE and --mine is needed", field="FILE/--mine",
            fix="minegas util profile series.csv …, or minegas util profile --mine ID --period P")])
    if mine is not None:
        _profile_store(mine, period, station, unit, freq, design_pct, design_capacity, window, safe_transport,
                       as_json)
        return
    assert file is not None
    store_only = [n for n, v in (("--period", period), ("--station", station), ("--unit", unit)) if v]
    if store_only:
        raise InputError("profile: option needs --mine", [Problem(
            f"{', '.join(store_only)} select data in the measurement store", field=store_only[0],
            fix="add --mine ID (and --period), or drop the option")])
    from minegas.utilization.profiles import (
        UnitDesign,
        design_vs_actual,
        hourly,
        read_series,
        station_profile,
    )

    frame = read_series(file, time_col=time_col, flow_col=flow_col, ch4_col=ch4_col, station_col=station_col,
                        tz=tz)
    if frame.empty:
        raise InputError(f"{file}: no rows", [Problem("the file has no data rows", file=str(file))])
    _, step_h = _step_s(freq)
    per = hourly(frame, freq)
    profs = {st: station_profile(per, st, step_h) for st in sorted(per["station"].unique())}
    check = None
    if design_capacity is not None or design_pct is not None or window is not None:
        w = _window(window)
        if design_capacity is None or design_pct is None or w is None:
            raise InputError("design check needs all of its options", [Problem(
                "give --design-capacity-nm3-min, --design-ch4-pct and --window together", field="--design-*")])
        check = design_vs_actual(per, UnitDesign(file.stem, design_capacity, design_pct, w[0], w[1],
                                                 safe_transport))
    if as_json:
        print_json({"stations": {k: v.as_dict() for k, v in profs.items()},
                    "design_check": check.as_dict() if check else None, "ref_state": "0C", "freq": freq})
        return
    t = _profile_table(f"供气分析 source profile — {file.name} ({freq})")
    for st, p in profs.items():
        _profile_row(t, st, p)
    console.print(t)
    if check is not None:
        _print_check(check)


def _profile_store(mine: str, period: str | None, stations: list[str] | None, unit: str | None, freq: str,
                   design_pct: float | None, design_capacity: float | None, window: str | None,
                   safe_transport: bool, as_json: bool) -> None:
    from minegas.utilization.sources import load_mine_gas

    if period is None:
        raise InputError("profile: --mine needs --period", [Problem(
            "the store's data are selected by a period", field="--period", fix="e.g. --period 2025-03")])
    file_only = [n for n, v in (("--design-capacity-nm3-min", design_capacity), ("--window", window),
                                ("--safe-transport", safe_transport)) if v]
    if file_only:
        raise InputError("profile: option not used with --mine", [Problem(
            f"{', '.join(file_only)} describe a unit of a series file; registry units have their design point",
            field=file_only[0], fix="use --unit CODE (and --design-ch4-pct to override the design concentration)")])
    step_s, _ = _step_s(freq)
    gas = load_mine_gas(mine, period, step_s=step_s)
    picked = {}
    for code in stations or []:
        gas.station(code)
        picked[code] = gas.profile(code)
    check = gas.unit_check(unit, design_ch4_pct=design_pct) if unit is not None else None
    if as_json:
        out: dict[str, Any] = {"mine": gas.mine.code, "name_zh": gas.mine.name_zh, "name_en": gas.mine.name_en,
                               "period": gas.period.label, "freq": freq, "ref_state": "0C"}
        if stations:
            out["stations"] = {k: (v.as_dict() if v is not None else None) for k, v in picked.items()}
        else:
            out["sources"] = [s.as_dict() for s in gas.sources]
        out["design_check"] = check.as_dict() if check is not None else None
        print_json(out)
        return
    t = _profile_table(f"供气分析 source profile — {gas.mine.name_zh} {gas.mine.code}, {gas.period.label} ({freq})")
    if stations:
        for code, p in picked.items():
            if p is None:
                t.add_row(code, *(["—"] * 8))
            else:
                _profile_row(t, code, p)
        console.print(t)
    else:
        for s in gas.sources:
            if s.profile is None:
                t.add_row(f"{s.station_code} ({s.kind})", *(["—"] * 8))
            else:
                _profile_row(t, f"{s.station_code} ({s.kind})", s.profile)
        console.print(t)
        f = Table(title="去向 where the gas goes (MRV totals, pure CH4)")
        for k in ("sources", "unit", "kind", "share"):
            f.add_column(_l(k))
        for s in gas.sources:
            for fd in s.feeds:
                f.add_row(s.station_code, f"{fd.target} {fd.name_zh}", fd.kind,
                          f"{fd.share_frac:.1%}" if fd.share_frac is not None else "—")
        console.print(f)
    if check is not None:
        pot = check.potential.supported_frac if check.potential is not None else None
        console.print(
            f"设计对比 design vs actual — {check.unit_code} {check.name_zh}: design {check.design.design_ch4_nm3_min:g} "
            f"Nm³/min CH4 ({check.design_basis}); supported 实际支撑 {check.supported_frac:.3f} (hours), intake "
            f"{check.intake_frac:.3f} (period), with vented/released gas 含放空气 "
            f"{f'{pot:.3f}' if pot is not None else '—'}; binding 制约因素: {check.actual.binding}",
            highlight=False)
        for n in check.notes:
            console.print(f"! {n}", highlight=False)


# --- recommend -----------------------------------------------------------------------------------------------

@app.command()
def recommend(
    mine: Annotated[str, typer.Option("--mine", help="mine id (煤矿编码)")],
    sources: Annotated[Path | None, typer.Option(
        "--sources", help="mine-sources file (YAML/TOML; docs/utilization.md); omit to use --period")] = None,
    period: Annotated[str | None, typer.Option(
        "--period", help="measured sources of the mine from the store over this period (CST), e.g. 2025-03")] = None,
    rank_by: Annotated[str | None, typer.Option("--rank-by", help="npv | co2e | ch4 | energy")] = None,
    gwp: Annotated[str, typer.Option("--gwp", help="GWP set (SAR AR4 AR5 AR6 AR6-fossil …)")] = "AR6-fossil",
    horizon: Annotated[int, typer.Option("--horizon", help="GWP horizon [years]: 100 or 20")] = 100,
    hours: Annotated[float, typer.Option("--hours", help="operating hours per year")] = 8000.0,
    policy: Annotated[str | None, typer.Option("--policy", help="policy set for the economics step")] = None,
    top: Annotated[int, typer.Option("--top", help="show the first N options")] = 15,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """推荐方案 · Ranked utilization options for a mine's sources and their blend, with exclusions and reasons —
    sources from a file (--sources) or measured in the store (--period)."""
    from minegas.utilization.recommend import load_mine_sources
    from minegas.utilization.recommend import recommend as run

    if rank_by is not None and rank_by not in ("npv", "co2e", "ch4", "energy"):
        raise typer.BadParameter("use npv, co2e, ch4 or energy", param_hint="--rank-by")
    if (sources is None) == (period is None):
        raise InputError("recommend: give --sources or --period", [Problem(
            "exactly one of --sources FILE (declared sources) and --period P (measured sources) is needed",
            field="--sources/--period", fix="e.g. minegas util recommend --mine ID --period 2025-03")])
    measured = None
    if sources is not None:
        ms = load_mine_sources(sources, mine)
    else:
        from minegas.utilization.sources import load_mine_gas

        assert period is not None
        gas = load_mine_gas(mine, period)
        measured = gas.sources
        ms = gas.mine_sources()
    rec = run(ms, rank_by=rank_by, gwp_set=gwp, horizon=horizon, operating_hours_per_yr=hours,  # type: ignore[arg-type]
              policy=policy)
    if as_json:
        out = rec.as_dict()
        if measured is not None:
            out["period"] = gas.period.label
            out["measured_sources"] = [s.as_dict(profile=False) for s in measured]
        print_json(out)
        return
    if measured is not None:
        st = Table(title=f"气源 measured sources — {gas.mine.name_zh} {gas.mine.code}, {gas.period.label}")
        for k in ("station", "kind", "mean_flow", "mean_pure", "mean_pct", "data", "supply", "feeds"):
            st.add_column(_l(k))
        for s in measured:
            st.add_row(s.station_code, s.kind, f"{s.flow_nm3_min:,.2f}", f"{s.ch4_flow_nm3_min:,.3f}",
                       f"{s.ch4_pct:.3f}", f"{s.data_frac:.1%}", f"{s.supply_frac:.1%}",
                       ", ".join(f"{fd.target} {fd.share_frac:.0%}" if fd.share_frac is not None else fd.target
                                 for fd in s.feeds))
        console.print(st)
    t = Table(title=f"推荐方案 options — {ms.name or ''} {ms.mine} (rank by {rec.rank_by}; {gwp} {horizon} yr)")
    for k in ("rank", "technology", "sources", "inlet", "destroyed", "power", "heat", "co2e", "npv", "ccer",
              "findings"):
        t.add_column(_l(k))
    for o in rec.options[:top]:
        npv = o.economics.npv_yuan if o.economics is not None else None
        t.add_row(str(o.rank), f"{o.technology}\n{o.label_zh}", ", ".join(o.sources), f"{o.inlet_ch4_pct:.3g}",
                  f"{o.ch4_destroyed_nm3_yr / 1e4:,.1f}", f"{o.electricity_net_kwh_yr / 1e4:,.1f}",
                  f"{o.heat_gj_yr:,.0f}", f"{o.co2e_net_t_yr:,.0f}",
                  f"{npv / 1e4:,.0f}" if npv is not None else "—",
                  f"✓ {o.ccer_eligible_share:.0%}" if o.ccer_eligible else "✗",
                  "; ".join(f.severity for f in o.findings))
    console.print(t)
    if rec.economics_status != "ok":
        console.print(f"经济评价 economics: {rec.economics_status}", highlight=False)
    console.print(f"排除 excluded: {len(rec.excluded)} (see --json for the reasons)", highlight=False)


# --- blend ---------------------------------------------------------------------------------------------------

@app.command()
def blend(
    target_pct: Annotated[float, typer.Option("--target-pct", help="target inlet CH4 P [%]")],
    capacity: Annotated[float, typer.Option("--capacity-nm3-min", help="unit flow capacity [Nm³/min at 0 °C]")],
    stream: Annotated[list[str] | None, typer.Option(
        "--stream", help="NAME:FLOW_NM3_MIN:CH4_PCT[:KIND] — available maximum flow at 0 °C; FLOW 'inf' for air")]
    = None,
    profile_file: Annotated[Path | None, typer.Option(
        "--profile", help="series file (ts, station, flow_nm3_min, ch4_pct): design every period and report the "
                          "hours a blend is feasible; --stream values are added as constant streams")] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="time zone of --profile times without offset")] = None,
    freq: Annotated[str, typer.Option("--freq", help="period of --profile (pandas offset)")] = "1h",
    tolerance_pct: Annotated[float, typer.Option("--tolerance-pct", help="T: blend within P ± T [percentage points]")]
    = 0.05,
    safe_transport: Annotated[bool | None, typer.Option(
        "--safe-transport/--no-safe-transport", help="unit inlet has a safe-transport system (default: from "
                                                     "--technology, else no)")] = None,
    technology: Annotated[str | None, typer.Option("--technology", help="catalog key of the unit")] = None,
    lel_pct: Annotated[float, typer.Option("--lel-pct", help="lower explosive limit [%]")] = 5.0,
    uel_pct: Annotated[float, typer.Option("--uel-pct", help="upper explosive limit [%]")] = 16.0,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """配气设计 · Blend streams to a target concentration: maximum CH4 throughput, then least total flow.

    Infeasible targets exit with code 2 and name the binding constraint(s).
    """
    from minegas.utilization.blending import BlendSpec, design_blend, parse_stream
    from minegas.utilization.catalog import technology as tech_of

    streams = [parse_stream(s) for s in stream or []]
    if not streams and profile_file is None:
        raise InputError("no streams", [Problem("give --stream NAME:FLOW_NM3_MIN:CH4_PCT (repeatable) or --profile",
                                                field="--stream")])
    safe = bool(safe_transport)
    notes: list[str] = []
    if technology is not None:
        tech = tech_of(technology)
        if safe_transport is None:
            safe = tech.safe_transport
        if not tech.accepts(target_pct):
            notes.append(f"target {target_pct:g} % is outside {technology}'s window "
                         f"{tech.ch4_min_pct:g}–{tech.ch4_max_pct:g} %")
    spec = BlendSpec(target_pct, capacity, tolerance_pct, safe, lel_pct, uel_pct)
    if profile_file is not None:
        _blend_profile(profile_file, streams, spec, tz, freq, as_json, notes)
        return
    d = design_blend(streams, spec)
    if as_json:
        out: dict[str, Any] = d.as_dict()
        out["notes"] = notes
        print_json(out)
        return
    t = Table(title=f"配气设计 blend — target {target_pct:g} ± {tolerance_pct:g} %, capacity {capacity:g} Nm³/min")
    for k in ("stream", "flow", "ch4"):
        t.add_column(_l(k))
    for s in streams:
        t.add_row(s.name, f"{d.flows_nm3_min[s.name]:,.4f}", f"{s.ch4_pct:g}")
    t.add_row("= inlet", f"{d.total_flow_nm3_min:,.4f}", f"{d.ch4_pct:.4f}")
    console.print(t)
    console.print(f"CH4 {d.ch4_nm3_min:,.4f} Nm³/min; topology {d.topology}; order {' → '.join(d.order)}; "
                  f"binding {', '.join(d.binding) or '—'}", highlight=False)
    for f in d.flags + notes:
        console.print(f"! {f}", highlight=False)
    if not math.isfinite(d.total_flow_nm3_min):  # pragma: no cover - capacity bounds it
        raise InputError("unbounded blend", [Problem("total flow is not finite", field="--capacity-nm3-min")])


def _blend_profile(path: Path, streams: list[Any], spec: Any, tz: str | None, freq: str, as_json: bool,
                   notes: list[str]) -> None:
    import numpy as np
    import pandas as pd

    from minegas.utilization.blending import blend_over_time
    from minegas.utilization.profiles import hourly, read_series, wide

    try:
        step_h = pd.Timedelta(freq).total_seconds() / 3600.0
    except ValueError:
        raise InputError("bad --freq", [Problem("not a pandas offset", field="--freq", value=freq,
                                                fix="e.g. 1h or 1D")]) from None
    per = hourly(read_series(path, tz=tz), freq)
    idx, names, flow, pct = wide(per)
    for s in streams:
        names.append(s.name)
        flow = np.column_stack([flow, np.full(len(idx), s.flow_nm3_min)])
        pct = np.column_stack([pct, np.full(len(idx), s.ch4_pct)])
    if len(set(names)) != len(names):
        raise InputError("duplicate stream names", [Problem("a --stream has the name of a station in the profile",
                                                            field="--stream", value=", ".join(names))])
    hb = blend_over_time(names, flow, pct, spec, step_hours=step_h)
    if as_json:
        print_json({"hours_feasible": hb.hours_feasible, "feasible_frac": hb.feasible_frac,
                    "periods": len(idx), "step_hours": step_h, "ch4_nm3": hb.ch4_nm3,
                    "periods_detail": [{"period": t.isoformat(), "feasible": bool(f), "ch4_pct": float(c),
                                        "ch4_nm3_min": float(q), "flows_nm3_min": dict(zip(names, map(float, row),
                                                                                           strict=True))}
                                       for t, f, c, q, row in zip(idx, hb.feasible, hb.ch4_pct, hb.ch4_nm3_min,
                                                                  hb.flows_nm3_min, strict=True)],
                    "notes": notes, "ref_state": "0C"})
        return
    console.print(f"配气可行时间 feasible: {hb.hours_feasible:g} h of {len(idx) * step_h:g} h "
                  f"({hb.feasible_frac:.1%}); CH4 through the unit {hb.ch4_nm3:,.0f} Nm³", highlight=False)
    for n in notes:
        console.print(f"! {n}", highlight=False)


# --- allocate ------------------------------------------------------------------------------------------------

@app.command()
def allocate(
    scenario: Annotated[Path, typer.Argument(help="allocation scenario (YAML or TOML; docs/utilization.md)")],
    excel: Annotated[Path | None, typer.Option("--excel", help="write the schedules to this .xlsx file")] = None,
    gap: Annotated[float | None, typer.Option("--gap", help="relative MIP gap (overrides the scenario)")] = None,
    time_limit: Annotated[float | None, typer.Option("--time-limit-s", help="solver time limit [s]")] = None,
    threads: Annotated[int | None, typer.Option("--threads", help="solver threads")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
) -> None:
    """区域配气优化 · Allocate time-varying sources to units and pipelines (LP/MILP with HiGHS)."""
    from minegas.utilization.allocation import allocate as run
    from minegas.utilization.allocation import load_scenario

    sc, base = load_scenario(scenario)
    res = run(sc, base, mip_rel_gap=gap, time_limit_s=time_limit, threads=threads)
    written = None
    if excel is not None:
        from minegas.utilization.excel import write_allocation_xlsx

        written = write_allocation_xlsx(res, excel)
    if as_json:
        s = res.summary()
        s["excel"] = str(written) if written else None
        s["binding"] = res.binding.head(200).to_dict(orient="records")
        print_json(s)
        return
    t = Table(title=f"区域配气 allocation — {sc.scenario} ({sc.objective})", show_header=False)
    t.add_row("求解状态 status", f"{res.status} (MIP gap {res.mip_gap if res.mip_gap is not None else '—'})")
    t.add_row("目标值 objective", f"{res.objective_value:,.2f}")
    t.add_row("规模 size", ", ".join(f"{k} {v:,}" for k, v in res.size.items()))
    t.add_row("求解时间 solve time", f"{res.seconds_solve:.2f} s")
    for k, v in res.totals.items():
        t.add_row(k, f"{v:,.1f}")
    t.add_row("紧约束 binding", f"{len(res.binding):,}")
    console.print(t)
    if written:
        console.print(f"Excel: {written}", highlight=False)
