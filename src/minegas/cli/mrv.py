"""``minegas mrv …`` — the MRV engine: totals, the mine methane balance and roll-ups, compliance checks,
completeness and methodology runs (docs/mrv.md). Thin: each command opens the store of the data home, calls
:mod:`minegas.accounting.api` and renders a bilingual table or JSON.

Exit codes (docs/conventions.md §9): 0 ok — also when ``check`` finds violations (findings are results, not
errors); 2 for rejected input (unknown mine, bad period, gap rule, GWP …); 1 for errors.
"""

from __future__ import annotations

import importlib.util
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from minegas.cli.common import console, print_json
from minegas.i18n import current_lang

app = typer.Typer(
    name="mrv",
    help="甲烷监测、报告与核查 · MRV engine: period totals, mine methane balance and roll-ups, compliance checks.",
    no_args_is_help=True,
    add_completion=False,
)

_L: dict[str, tuple[str, str]] = {
    "station": ("测站", "station"), "point": ("测点", "point"), "role": ("角色", "role"), "period": ("期间", "period"),
    "mixed": ("混合量 Nm³", "mixed Nm³"), "pure": ("纯量 Nm³", "pure CH4 Nm³"), "ch4_t": ("甲烷 t", "CH4 t"),
    "ch4_pct": ("浓度 %", "CH4 %"), "measured": ("实测 h", "measured h"), "substituted": ("替代 h", "substituted h"),
    "missing": ("缺失 h", "missing h"), "coverage": ("完整率", "coverage"), "mean": ("均值", "mean"),
    "unit": ("单位", "unit"), "totals": ("期间累计", "period totals"), "balance": ("甲烷平衡", "methane balance"),
    "drained": ("抽采量", "drained"), "utilized": ("利用量", "utilized"), "flared": ("火炬燃烧", "flared"),
    "vented": ("放空量", "vented"), "transferred": ("外输量", "transferred"), "residual": ("未平衡量", "residual"),
    "vam_liberated": ("风排瓦斯", "VAM liberated"), "vam_oxidized": ("乏风氧化", "VAM oxidized"),
    "vam_released": ("风排放空", "VAM released"), "destroyed": ("销毁量", "destroyed"),
    "slip": ("未燃逸散", "unburnt slip"), "emitted_ug": ("井工排放", "emitted underground"),
    "post_mining": ("采后活动排放", "post-mining"), "emitted": ("甲烷排放合计", "CH4 emitted (incl. post-mining)"),
    "util_rate": ("瓦斯利用率(利用/抽采)", "utilization rate (used/drained)"),
    "util_rate_lib": ("利用/涌出", "used/liberated"), "drain_rate": ("抽采率", "drainage rate"),
    "co2e_gross": ("CO2当量(总)", "CO2e gross"), "co2e_net": ("CO2当量(净,扣除燃烧)", "CO2e net"),
    "co2e_displaced": ("CO2当量(含替代能源)", "CO2e displaced"), "item": ("项目", "item"),
    "nm3": ("纯量 Nm³", "pure CH4 Nm³"), "t": ("t", "t"), "code": ("代码", "code"), "n_mines": ("煤矿数", "mines"),
    "findings": ("合规发现", "findings"), "rule": ("规则", "rule"), "severity": ("级别", "severity"),
    "window": ("时段", "window"), "message": ("说明", "message"), "none": ("无", "none"),
    "skipped": ("未执行", "not run"), "day": ("日期", "day"), "uploads": ("上传 收到/应收", "uploads received/expected"),
    "stations_cov": ("测站完整率 均值/最低", "station coverage mean/min"), "worst": ("最差测站", "worst station"),
    "completeness": ("数据完整率", "data completeness"), "methodology": ("方法学", "methodology"),
    "result": ("结果", "result"), "notes": ("说明", "notes"), "mine": ("煤矿", "mine"),
    "warnings": ("提示", "warnings"), "density": ("密度", "density"), "gwp": ("GWP", "GWP"),
    "gap_rule": ("缺测规则", "gap rule"), "mines": ("各矿", "mines"),
}


def _l(key: str) -> str:
    zh, en = _L.get(key, (key, key))
    lang = current_lang()
    return zh if lang == "zh" else en if lang == "en" else f"{zh} {en}"


class EngineOpt(StrEnum):
    duckdb = "duckdb"
    pyspark = "pyspark"


class GapOpt(StrEnum):
    exclude = "exclude"
    epa_98_325 = "epa_98_325"
    conservative = "conservative"


class ByOpt(StrEnum):
    period = "period"
    day = "day"
    month = "month"
    quarter = "quarter"
    year = "year"


class MethodOpt(StrEnum):
    cn = "cn-2015"
    ipcc = "ipcc-2006"
    epa = "epa-ff"
    ccer = "ccer-10-001"
    physical = "physical"


def _store() -> Any:
    from minegas.measurements.store import Store

    return Store.open()


def _f(x: Any, fmt: str = ",.1f") -> str:
    if x is None:
        return ""
    try:
        return format(float(x), fmt)
    except (TypeError, ValueError):
        return str(x)


def _pct(x: Any) -> str:
    return "" if x is None else f"{100.0 * float(x):.2f} %"


def _rows(table: Any) -> list[dict[str, Any]]:
    return [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()} for r in table.to_pylist()]


@app.command()
def totals(
    period: Annotated[str, typer.Option("--period", help="期间 period: 2025-03, 2025-Q1, 2025-03-01..2025-03-07 (CST)")],
    mine: Annotated[list[str] | None, typer.Option("--mine", help="煤矿编码 mine code (repeat; default all)")] = None,
    station: Annotated[list[str] | None, typer.Option("--station", help="only these stations (repeat)")] = None,
    gap_rule: Annotated[GapOpt, typer.Option("--gap-rule", help="缺测处理 gap rule")] = GapOpt.exclude,
    engine: Annotated[EngineOpt, typer.Option("--engine", help="query engine")] = EngineOpt.duckdb,
    by: Annotated[ByOpt, typer.Option("--by", help="one row per period, or per day/month/quarter/year")] = ByOpt.period,
    points: Annotated[bool, typer.Option("--points", help="per monitoring point instead of per station")] = False,
    density: Annotated[str, typer.Option("--density", help="named CH4 density at 0 °C for the mass")] = "real-0C",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """累计量 · Per-station (or per-point) totals of a period: mixed and pure CH4 Nm³ at 0 °C, CH4 t, means,
    hours measured/substituted/missing."""
    from minegas.accounting import api

    with _store() as store:
        if points:
            t = api.point_totals(period, mine, gap_rule=gap_rule.value, engine=engine.value, by=by.value,
                                 store=store)
        else:
            t = api.station_totals(period, mine, stations=station, gap_rule=gap_rule.value, engine=engine.value,
                                   by=by.value, density=density, parameters=True, store=store)
    if as_json:
        print_json(_rows(t))
        return
    tab = Table(title=f"{_l('totals')} — {period} · {_l('gap_rule')}: {gap_rule.value}")
    cols: tuple[str, ...]
    if points:
        cols = ("mine", "point", "period", "mean", "unit", "measured", "substituted", "missing")
        for c in cols:
            tab.add_column(_l(c), justify="left" if c in ("mine", "point", "period", "unit") else "right")
        for r in t.to_pylist():
            tab.add_row(r["mine_code"], r["point_code"], r["period"], _f(r["value_mean"], ",.4g"),
                        r["canonical_unit"] or "", _f(r["measured_s"] / 3600), _f(r["substituted_s"] / 3600),
                        _f(r["missing_s"] / 3600))
    else:
        cols = ("mine", "station", "role", "period", "mixed", "pure", "ch4_t", "ch4_pct", "measured", "substituted",
                "missing")
        for c in cols:
            tab.add_column(_l(c), justify="left" if c in ("mine", "station", "role", "period") else "right")
        for r in t.to_pylist():
            tab.add_row(r["mine_code"], r["station_code"], r["role"] or "", r["period"], _f(r["mixed_nm3"]),
                        _f(r["ch4_nm3"]), _f(r["ch4_t"], ",.3f"), _f(r["ch4_pct_mean"], ".2f"),
                        _f(r["measured_s"] / 3600), _f(r["substituted_s"] / 3600), _f(r["missing_s"] / 3600))
    console.print(tab)
    if not points:
        console.print(f"{_l('density')}: {density} · Nm³ = 0 °C, 101.325 kPa", highlight=False)


def _balance_table(b: Any) -> Table:
    tab = Table(title=f"{_l('balance')} — {b.mine_code} {b.mine_name_zh} · {b.period} · {b.methodology_id}")
    tab.add_column(_l("item"))
    tab.add_column(_l("code"))
    tab.add_column(_l("nm3"), justify="right")
    tab.add_column(_l("t"), justify="right")
    for cat in ("drained", "utilized", "flared", "vented", "transferred", "vam_liberated", "vam_oxidized"):
        for x in b.lines_of(cat):
            tab.add_row(_l(cat), x.code, _f(x.pure_ch4_nm3), _f(x.ch4_t, ",.3f"))
    tab.add_row(_l("residual"), "", _f(b.residual_nm3), _f(b.residual_t, ",.3f"))
    tab.add_row(_l("vam_released"), "", _f(b.vam_released_nm3), _f(b.vam_released_t, ",.3f"))
    tab.add_row(_l("destroyed"), "", _f(b.destroyed_nm3), _f(b.destroyed_t, ",.3f"))
    tab.add_row(_l("slip"), "", _f(b.slip_nm3), _f(b.slip_t, ",.3f"))
    tab.add_row(_l("emitted_ug"), "", _f(b.emitted_underground_nm3), _f(b.emitted_underground_t, ",.3f"))
    tab.add_row(_l("post_mining"), f"{b.post_mining_ef:g} {b.post_mining_ef_unit}", "", _f(b.post_mining_ch4_t, ",.3f"))
    tab.add_row(_l("emitted"), "", "", _f(b.emitted_ch4_t, ",.3f"))
    tab.add_row(_l("util_rate"), "", _pct(b.utilization_rate_drained_frac), "")
    tab.add_row(_l("util_rate_lib"), "", _pct(b.utilization_rate_liberated_frac), "")
    tab.add_row(_l("drain_rate"), "", _pct(b.drainage_rate_frac), "")
    for c in b.co2e:
        tab.add_row(_l(f"co2e_{c.convention}"), f"{c.gwp_set} {c.gwp_horizon} yr", "", _f(c.co2e_t, ",.1f"))
    return tab


@app.command()
def balance(
    period: Annotated[str, typer.Option("--period", help="期间 period (CST)")],
    mine: Annotated[str | None, typer.Option("--mine", help="煤矿编码 one mine")] = None,
    enterprise: Annotated[str | None, typer.Option("--enterprise", help="企业 roll up an enterprise")] = None,
    county: Annotated[str | None, typer.Option("--county", help="县 roll up a county (region code)")] = None,
    region: Annotated[str | None, typer.Option("--region", help="地区 roll up a city or province (region code); "
                                                                "'all' for every mine")] = None,
    methodology: Annotated[MethodOpt, typer.Option("--methodology", help="方法学 density, DE and post-mining "
                                                                         "conventions")] = MethodOpt.cn,
    gwp: Annotated[str | None, typer.Option("--gwp", help="GWP set: SAR TAR AR4 AR5 AR5-CCF AR6 AR6-fossil "
                                                          "AR6-nonfossil (default: the methodology's)")] = None,
    horizon: Annotated[int, typer.Option("--horizon", help="GWP horizon [years]: 100 or 20")] = 100,
    gap_rule: Annotated[GapOpt | None, typer.Option("--gap-rule", help="default: the methodology's")] = None,
    engine: Annotated[EngineOpt, typer.Option("--engine", help="query engine")] = EngineOpt.duckdb,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """甲烷平衡 · The mine methane balance, or its roll-up to an enterprise, county or region."""
    from minegas.accounting import api
    from minegas.accounting import balance as B

    chosen = [x for x in (mine, enterprise, county, region) if x is not None]
    if len(chosen) != 1:
        raise typer.BadParameter("give exactly one of --mine, --enterprise, --county, --region",
                                 param_hint="--mine/--enterprise/--county/--region")
    if horizon not in (100, 20):
        raise typer.BadParameter("horizon must be 100 or 20", param_hint="--horizon")
    kw: dict[str, Any] = {"methodology": methodology.value, "gwp": gwp, "horizon": horizon,
                          "gap_rule": None if gap_rule is None else gap_rule.value, "engine": engine.value}
    with _store() as store:
        if mine is not None:
            b = api.mine_balance(mine, period, store=store, **kw)
            if as_json:
                print_json(b.to_dict())
                return
            console.print(_balance_table(b))
            console.print(f"{_l('density')}: {b.density_name} = {b.density_kg_m3:.6g} kg/m³ ({b.density_state}) · "
                          f"{_l('gap_rule')}: {b.gap_rule} · Nm³ = 0 °C, 101.325 kPa", highlight=False)
            for w in b.warnings:
                console.print(f"[yellow]{_l('warnings')}:[/] {w}", highlight=False)
            return
        from minegas.registry import repository as repo

        with store.session() as s:
            mines = repo.mines(s)
        if enterprise is not None:
            level, code = "enterprise", enterprise
            sel = [m.code for m in mines if m.enterprise_code == enterprise]
        elif county is not None:
            level, code = "county", county
            sel = [m.code for m in mines if m.county_code == county]
        else:
            assert region is not None
            if region == "all":
                level, code = "region", "region"
                sel = [m.code for m in mines]
            else:
                level = "city" if any(m.city_code == region for m in mines) else "province"
                code = region
                sel = [m.code for m in mines if region in (m.city_code, m.province_code, m.county_code)]
        if not sel:
            from minegas.errors import InputError, Problem

            raise InputError("nothing to roll up", [Problem(f"no mine under {level} {code}", field=level, value=code,
                                                            fix="check the code (minegas registry show mines)")])
        bs = api.mine_balances(period, sel, store=store, **kw)
    roll = B.rollup(bs.values(), level)
    per_mine = B.balances_table(bs.values())
    if as_json:
        print_json({"rollup": _rows(roll), "mines": _rows(per_mine)})
        return
    r = roll.to_pylist()[0]
    tab = Table(title=f"{_l('balance')} — {level} {code} · {period} · {next(iter(bs.values())).methodology_id}")
    tab.add_column(_l("item"))
    tab.add_column(_l("nm3"), justify="right")
    for k, lab in (("drained_nm3", "drained"), ("utilized_nm3", "utilized"), ("flared_nm3", "flared"),
                   ("vented_nm3", "vented"), ("transferred_nm3", "transferred"), ("residual_nm3", "residual"),
                   ("vam_liberated_nm3", "vam_liberated"), ("vam_oxidized_nm3", "vam_oxidized"),
                   ("destroyed_nm3", "destroyed"), ("emitted_underground_nm3", "emitted_ug")):
        tab.add_row(_l(lab), _f(r[k]))
    tab.add_row(_l("util_rate"), _pct(r["utilization_rate_drained_frac"]))
    tab.add_row(_l("drain_rate"), _pct(r["drainage_rate_frac"]))
    for conv in ("gross", "net", "displaced"):
        tab.add_row(f"{_l('co2e_' + conv)} [t] ({r['gwp_set']} {r['gwp_horizon']})", _f(r[f"co2e_{conv}_t"]))
    console.print(tab)
    mt = Table(title=f"{_l('mines')} ({len(bs)})")
    for c in ("mine", "drained", "utilized", "vented", "util_rate", "co2e_gross"):
        mt.add_column(_l(c), justify="left" if c == "mine" else "right")
    for x in per_mine.to_pylist():
        mt.add_row(f"{x['mine_code']} {x['mine_name_zh']}", _f(x["drained_nm3"]), _f(x["utilized_nm3"]),
                   _f(x["vented_nm3"]), _pct(x["utilization_rate_drained_frac"]), _f(x["co2e_gross_t"]))
    console.print(mt)


@app.command()
def check(
    mine: Annotated[str, typer.Option("--mine", help="煤矿编码 mine code")],
    period: Annotated[str, typer.Option("--period", help="期间 period (CST)")],
    mine_status: Annotated[str, typer.Option("--mine-status", help="existing | new (GB 21522-2024 dates)")] = "existing",
    what_if_2024: Annotated[bool, typer.Option("--what-if-2024", help="also judge GB 21522-2024 as if in force")] = False,
    engine: Annotated[EngineOpt, typer.Option("--engine", help="query engine")] = EngineOpt.duckdb,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """合规检查 · Compliance findings (GB 21522-2008/2024 on rolling 24 h and calendar days, explosive band, direct
    combustion, dilution, CCER revocation, utilisation targets). Exit 0 even with findings."""
    from minegas.accounting import api

    if mine_status not in ("existing", "new"):
        raise typer.BadParameter("use existing or new", param_hint="--mine-status")
    with _store() as store:
        run = api.check_run(mine, period, mine_status=mine_status, what_if_2024=what_if_2024,  # type: ignore[arg-type]
                            engine=engine.value, store=store)
    if as_json:
        print_json({"mine_code": run.mine_code, "period": run.period, "counts": run.counts(),
                    "rules_applied": list(run.rules_applied), "skipped": list(run.skipped),
                    "parameters": run.parameters,
                    "findings": [{"rule_id": f.rule_id, "severity": f.severity, "clause": f.clause,
                                  "window_start": f.window_start.isoformat(), "window_end": f.window_end.isoformat(),
                                  "evidence": f.evidence, "message_zh": f.message_zh, "message_en": f.message_en}
                                 for f in run.findings]})
        return
    lang = current_lang()
    tab = Table(title=f"{_l('findings')} — {mine} · {run.period} ({len(run.findings)})")
    for c in ("rule", "severity", "window", "message"):
        tab.add_column(_l(c))
    for f in run.findings:
        msg = f.message_zh if lang == "zh" else f.message_en if lang == "en" else f"{f.message_zh}\n{f.message_en}"
        tab.add_row(f.rule_id, f.severity, f"{f.window_start:%Y-%m-%d %H:%M}–{f.window_end:%m-%d %H:%M} UTC", msg)
    console.print(tab if run.findings else _l("none"))
    for sk in run.skipped:
        console.print(f"[dim]{_l('skipped')}: {sk}[/]", highlight=False)


@app.command()
def completeness(
    period: Annotated[str, typer.Option("--period", help="期间 period (CST)")],
    mine: Annotated[str | None, typer.Option("--mine", help="煤矿编码 (default: every mine)")] = None,
    expected: Annotated[float | None, typer.Option("--expected-per-day", help="uploads expected per day "
                                                                              "(default: observed cadence)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """数据完整率 · Uploads received vs expected and station coverage per mine and CST day."""
    from minegas.accounting import api

    with _store() as store:
        t = api.completeness(mine, period, expected_per_day=expected, store=store)
    if as_json:
        print_json(_rows(t))
        return
    tab = Table(title=f"{_l('completeness')} — {period}")
    for c in ("mine", "day", "uploads", "stations_cov", "worst"):
        tab.add_column(_l(c))
    for r in t.to_pylist():
        exp = "" if r["uploads_expected"] is None else f"{r['uploads_expected']:.0f}"
        tab.add_row(r["mine_code"], str(r["day"]), f"{r['uploads_received']}/{exp}",
                    f"{_pct(r['station_coverage_mean_frac'])} / {_pct(r['station_coverage_min_frac'])}",
                    r["worst_station"] or "")
    console.print(tab)


@app.command()
def method(
    name: Annotated[str, typer.Argument(help="epa-ff | cn-2015 | ipcc-2006 | ccer-10-001")],
    mine: Annotated[str, typer.Option("--mine", help="煤矿编码 mine code")],
    period: Annotated[str, typer.Option("--period", help="期间 period (Subpart FF: a quarter)")],
    gwp: Annotated[str | None, typer.Option("--gwp", help="GWP set (CCER: required)")] = None,
    horizon: Annotated[int, typer.Option("--horizon", help="GWP horizon [years]")] = 100,
    grid_ef: Annotated[float, typer.Option("--grid-ef", help="grid EF [t CO2/MWh] (CCER)")] = 0.0,
    engine: Annotated[EngineOpt, typer.Option("--engine", help="query engine")] = EngineOpt.duckdb,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """方法学计算 · Apply a methodology (EPA Subpart FF, China 2015, IPCC 2006, CCER-10-001) to store data."""
    from minegas.accounting import api

    params: dict[str, Any] = {"grid_ef_t_per_mwh": grid_ef} if name == "ccer-10-001" else {}
    with _store() as store:
        r = api.run_methodology(name, mine, period, gwp=gwp, horizon=horizon, engine=engine.value, store=store,
                                **params)
    if as_json:
        print_json(r.to_dict())
        return
    tab = Table(title=f"{_l('methodology')}: {r.methodology_id} — {mine} · {r.period}")
    tab.add_column(_l("result"))
    tab.add_column("", justify="right")
    for k, v in r.results.items():
        tab.add_row(k, _f(v, ",.4g") if isinstance(v, float) else str(v))
    console.print(tab)
    console.print(f"{_l('density')}: {r.density} ({r.density_state}) · GWP: {r.gwp_set or '—'} · "
                  f"{_l('gap_rule')}: {r.gap_rule}", highlight=False)
    for n in r.notes:
        console.print(f"[dim]· {n}[/]", highlight=False)


# --- hook: the report helper's commands --------------------------------------------------------------------------
# `minegas mrv report` and `minegas mrv close` live in minegas/cli/mrv_report.py (another module's owner); they are
# attached here when — and only when — that module exists in the package.
if importlib.util.find_spec("minegas.cli.mrv_report") is not None:
    from minegas.cli import mrv_report

    mrv_report.register(app)


def register(root: typer.Typer) -> None:
    """Attach ``mrv`` to the root command (as a sub-app)."""
    root.add_typer(app, name="mrv")
