"""``minegas econ`` — project economics: evaluate, sensitivity, risk, and the seed report's cases.

Thin: parse options, call :mod:`minegas.economics`, render a Rich table (Chinese and English labels) or JSON.
Errors propagate to :func:`minegas.cli.main.main`, which maps them to exit codes (bad scenario → 2).
"""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from minegas.cli.common import console, print_json
from minegas.i18n import current_lang

app = typer.Typer(
    name="econ",
    help="项目经济评价 · Project economics: cash flow, policies, metrics, sensitivity, Monte Carlo, seed cases.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_LABELS: dict[str, tuple[str, str]] = {
    "npv_project_yuan": ("项目净现值", "project NPV"),
    "npv_equity_yuan": ("资本金净现值", "equity NPV"),
    "irr_project_frac": ("项目内部收益率", "project IRR"),
    "irr_equity_frac": ("资本金内部收益率", "equity IRR"),
    "mirr_project_frac": ("修正内部收益率", "project MIRR"),
    "payback_simple_yr": ("静态投资回收期", "simple payback"),
    "payback_discounted_yr": ("动态投资回收期", "discounted payback"),
    "lcoe_yuan_per_kwh": ("平准化度电成本", "LCOE"),
    "lcoh_yuan_per_gj": ("平准化供热成本", "levelized cost of heat"),
    "lcog_yuan_per_nm3": ("平准化产气成本", "levelized cost of gas"),
    "abatement_cost_yuan_per_t": ("单位减排成本", "cost per t CO2e abated"),
    "capex_per_kw_yuan": ("单位千瓦造价", "investment per kW"),
    "capex_total_yuan": ("总投资", "investment"),
    "benefit_cost_ratio": ("效益费用比", "benefit–cost ratio"),
    "dscr_min": ("最小偿债备付率", "minimum DSCR"),
    "dscr_avg": ("平均偿债备付率", "average DSCR"),
    "metric": ("指标", "metric"),
    "value": ("数值", "value"),
    "unit": ("单位", "unit"),
    "year": ("年份", "year"),
    "case": ("案例", "case"),
    "quantity": ("项目", "quantity"),
    "published": ("公开值", "published"),
    "computed": ("计算值", "computed"),
    "deviation": ("偏差%", "deviation %"),
    "status": ("结论", "status"),
    "explanation": ("说明", "explanation"),
    "variable": ("变量", "variable"),
    "low": ("低值", "low"),
    "high": ("高值", "high"),
    "swing": ("摆幅", "swing"),
    "notes": ("说明", "notes"),
    "warnings": ("警告", "warnings"),
    "p10": ("P10", "P10"),
    "p50": ("P50", "P50"),
    "p90": ("P90", "P90"),
    "prob_npv_negative": ("净现值<0概率", "P(NPV < 0)"),
    "base": ("基准", "base case"),
}


def _l(key: str) -> str:
    zh, en = _LABELS.get(key, (key, key))
    lang = current_lang()
    return zh if lang == "zh" else en if lang == "en" else f"{zh} {en}"


_UNITS = {"_yuan": "元", "_frac": "", "_yr": "yr", "_per_kwh": "元/kWh", "_per_gj": "元/GJ", "_per_nm3": "元/Nm³",
          "_per_t": "元/t", "_per_kw_yuan": "元/kW"}


def _fmt(key: str, v: float | None) -> tuple[str, str]:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—", ""
    if key.endswith("_frac"):
        return f"{v:.2%}", ""
    if key.endswith("_yr"):
        return f"{v:.2f}", "yr"
    if key in ("benefit_cost_ratio", "dscr_min", "dscr_avg"):
        return f"{v:.2f}", ""
    if key == "capex_per_kw_yuan":
        return f"{v:,.0f}", "元/kW"
    for suf, unit in (("_per_kwh", "元/kWh"), ("_per_gj", "元/GJ"), ("_per_nm3", "元/Nm³"), ("_per_t", "元/t")):
        if key.endswith(suf):
            return f"{v:,.3f}", unit
    if abs(v) >= 1e4:
        return f"{v / 1e4:,.1f}万", "元"
    return f"{v:,.2f}", "元"


def _num(v: float, unit: str) -> str:
    return f"{v:.0f}" if unit == "yr" else f"{v:,.6g}"


class Scheme(StrEnum):
    yishou = "yishou-dingzhi"
    low = "low-price"
    coal = "coal-base"


class Method(StrEnum):
    tornado = "tornado"
    morris = "morris"
    sobol = "sobol"


def _load(scenario: str, scheme: Scheme | None) -> Any:
    from minegas.economics.scenario import resolve_scenario

    sc = resolve_scenario(scenario)
    if scheme is not None:
        sc = sc.with_updates(tariff={"scheme": scheme.value})
    return sc


@app.command()
def evaluate(
    scenario: Annotated[str, typer.Argument(help="情景文件(.yaml/.toml)或内置情景名 · scenario file or shipped name")],
    scheme: Annotated[Scheme | None, typer.Option("--scheme", help="山西上网电价结算方式 · Shanxi settlement "
                                                                   "(overrides the scenario)")] = None,
    excel: Annotated[Path | None, typer.Option("--excel", help="导出现金流量表 · write the cash-flow workbook "
                                                                "(.xlsx, formulas)")] = None,
    years: Annotated[bool, typer.Option("--years/--no-years", help="显示逐年现金流 · show the yearly table")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """评价情景 · Evaluate a scenario: NPV, IRR (all roots, MIRR), payback, LCOE, DSCR, yearly cash flow."""
    from minegas.economics.evaluation import SCALAR_METRICS
    from minegas.economics.evaluation import evaluate as run_evaluate

    sc = _load(scenario, scheme)
    e = run_evaluate(sc)
    out_path = None
    if excel is not None:
        from minegas.economics.excel import write_workbook

        out_path = str(write_workbook(e, excel))
    if as_json:
        d = e.to_dict()
        if out_path:
            d["excel"] = out_path
        print_json(d)
        return
    t = Table(title=f"{sc.scenario} — {sc.title.get('zh', '')} {sc.title.get('en', '')}".strip())
    t.add_column(_l("metric"))
    t.add_column(_l("value"), justify="right")
    t.add_column(_l("unit"))
    for k in SCALAR_METRICS:
        val, unit = _fmt(k, e.metrics.get(k))
        t.add_row(_l(k), val, unit)
    console.print(t)
    if e.irr_project.roots and len(e.irr_project.roots) > 1:
        console.print(f"IRR roots: {', '.join(f'{r:.2%}' for r in e.irr_project.roots)}", highlight=False)
    if years:
        y = Table(title=f"{_l('year')} (元)")
        keys = ("cash_in", "cash_out", "capex", "tax_unlevered", "debt_service", "cf_project", "cf_equity",
                "cf_project_cumulative")
        y.add_column(_l("year"))
        for k in keys:
            y.add_column(k, justify="right")
        tab = e.table()
        for i, yr in enumerate(tab["year"]):
            y.add_row(str(int(yr)), *[f"{tab[k][i] / 1e4:,.1f}万" for k in keys])
        console.print(y)
    for n in list(e.compiled.notes):
        console.print(f"• {n}", highlight=False)
    for w in e.warnings:
        console.print(f"[yellow]⚠ {w}[/]", highlight=False)
    if out_path:
        console.print(f"Excel: {out_path}", highlight=False)


@app.command()
def sensitivity(
    scenario: Annotated[str, typer.Argument(help="情景文件或内置情景名 · scenario file or shipped name")],
    method: Annotated[Method, typer.Option("--method", help="tornado | morris | sobol")] = Method.tornado,
    metric: Annotated[str, typer.Option("--metric", help="指标 · metric, e.g. npv_project_yuan, irr_project_frac")
                      ] = "npv_project_yuan",
    swing: Annotated[float | None, typer.Option("--swing", help="默认变动幅度 · default ± swing (fraction)")] = None,
    samples: Annotated[int, typer.Option("--n", help="Sobol' base sample (power of 2) / Morris trajectories")] = 512,
    seed: Annotated[int, typer.Option("--seed", help="random seed (Morris, Sobol')")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """敏感性分析 · Sensitivity: one-at-a-time tornado, Morris screening or Sobol' indices (SALib)."""
    from minegas.economics import sensitivity as sens

    sc = _load(scenario, None)
    if swing is not None and not 0 < swing < 1:
        raise typer.BadParameter("must be between 0 and 1", param_hint="--swing")
    if method is Method.tornado:
        res = sens.tornado(sc, metric=metric, swing_frac=swing)
        if as_json:
            print_json(res.to_dict())
            return
        t = Table(title=f"tornado — {sc.scenario}: {_l(metric)} ({_l('base')} {_fmt(metric, res.base_metric)[0]})")
        for col in ("variable", "low", "high"):
            t.add_column(_l(col))
        t.add_column(f"{_l(metric)} @ {_l('low')}", justify="right")
        t.add_column(f"{_l(metric)} @ {_l('high')}", justify="right")
        t.add_column(_l("swing"), justify="right")
        for b in res.bars:
            t.add_row(b.name, f"{b.low_value:.4g}", f"{b.high_value:.4g}", _fmt(metric, b.metric_low)[0],
                      _fmt(metric, b.metric_high)[0], _fmt(metric, b.swing)[0])
        console.print(t)
        return
    out = (sens.morris(sc, metric=metric, swing_frac=swing, trajectories=min(samples, 200), seed=seed)
           if method is Method.morris else sens.sobol(sc, metric=metric, swing_frac=swing, n=samples, seed=seed))
    if as_json:
        print_json(out)
        return
    t = Table(title=f"{method.value} — {sc.scenario}: {_l(metric)}")
    t.add_column(_l("variable"))
    keys = ["mu_star", "mu", "sigma"] if method is Method.morris else ["S1", "ST", "S1_conf", "ST_conf"]
    for k in keys:
        t.add_column(k, justify="right")
    for name, ind in out["indices"].items():
        t.add_row(name, *[f"{ind[k]:.4g}" for k in keys])
    console.print(t)


@app.command()
def risk(
    scenario: Annotated[str, typer.Argument(help="情景文件或内置情景名 · scenario file or shipped name")],
    draws: Annotated[int | None, typer.Option("--draws", help="抽样次数 · number of draws (default risk.draws)")
                     ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="随机种子 · random seed (default risk.seed)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """风险分析 · Monte Carlo with correlated inputs: P10/P50/P90, P(NPV < 0); the base case is kept apart."""
    from minegas.economics.montecarlo import SUMMARY_METRICS, monte_carlo

    if draws is not None and draws < 2:
        raise typer.BadParameter("need at least 2 draws", param_hint="--draws")
    r = monte_carlo(_load(scenario, None), draws=draws, seed=seed)
    if as_json:
        print_json(r.to_dict())
        return
    t = Table(title=f"Monte Carlo — {r.scenario}: {r.draws} draws, seed {r.seed}")
    t.add_column(_l("metric"))
    for col in ("base", "p10", "p50", "p90"):
        t.add_column(_l(col), justify="right")
    for k in SUMMARY_METRICS:
        s = r.summary[k]
        if not s.get("n"):
            continue
        t.add_row(_l(k), _fmt(k, r.base.metrics.get(k))[0], *[_fmt(k, s[q])[0] for q in ("p10", "p50", "p90")])
    console.print(t)
    console.print(f"{_l('prob_npv_negative')}: {r.prob_npv_negative:.1%}", highlight=False)
    for c in r.correlations:
        console.print(f"rank correlation {c['a']} ~ {c['b']}: requested {c['requested_spearman']:.2f}, "
                      f"achieved {c['achieved_spearman']:.3f}", highlight=False)
    if r.clipped:
        console.print(f"clipped to bounds: {r.clipped}", highlight=False)


@app.command()
def cases(
    case: Annotated[list[str] | None, typer.Option("--case", help="只看某案例 · only this case (repeatable)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print a JSON list (case, quantity, unit, published, "
                                                         "computed, deviation_pct, explanation)")] = False,
) -> None:
    """案例核对 · The seed report's published case figures: computed value, deviation and explanation."""
    from minegas.economics.cases import SHIPPED_CASES, case_rows

    if case:
        unknown = [c for c in case if c not in SHIPPED_CASES]
        if unknown:
            raise typer.BadParameter(f"unknown case {', '.join(unknown)}; use one of {', '.join(SHIPPED_CASES)}",
                                     param_hint="--case")
    rows = case_rows(case or None)
    if as_json:
        print_json([r.as_json() for r in rows])
        return
    if console.width < 110:  # narrow terminal: one block per case instead of a wide table
        for name in dict.fromkeys(r.case for r in rows):
            console.rule(name)
            for r in (x for x in rows if x.case == name):
                comp = "—" if r.computed is None else _num(r.computed, r.unit)
                dev = "" if r.deviation_pct is None else f" ({r.deviation_pct:+.1f} %)"
                console.print(f"{r.quantity} [{r.unit}]: {_num(r.published, r.unit)} → {comp}{dev} {r.status}",
                              highlight=False, markup=False)
                if r.explanation:
                    console.print(f"    {r.explanation}", highlight=False, markup=False, style="dim")
        bad = [r for r in rows if r.status == "unexplained"]
        console.print(f"{len(rows)} rows: {sum(r.status == 'input' for r in rows)} scenario inputs, "
                      f"{sum(r.status == 'reproduced' for r in rows)} reproduced (±2 %), "
                      f"{sum(r.status == 'explained' for r in rows)} explained, {len(bad)} unexplained",
                      highlight=False)
        return
    t = Table(title="seed 003 cases + WestVAMP, Gaohe")
    for col in ("case", "quantity", "unit", "published", "computed", "deviation", "status"):
        t.add_column(_l(col), justify="right" if col in ("published", "computed", "deviation") else "left",
                     overflow="fold", no_wrap=col in ("published", "computed", "deviation"))
    notes: list[str] = []
    for r in rows:
        ref = ""
        if r.explanation:
            notes.append(r.explanation)
            ref = f" [{len(notes)}]"
        t.add_row(r.case, r.quantity, r.unit, _num(r.published, r.unit), "—" if r.computed is None else
                  _num(r.computed, r.unit),
                  "—" if r.deviation_pct is None else f"{r.deviation_pct:+.1f}", r.status + ref)
    console.print(t)
    for i, text in enumerate(notes, 1):
        console.print(f"[{i}] {text}", highlight=False, markup=False)
    bad = [r for r in rows if r.status == "unexplained"]
    console.print(f"{len(rows)} rows: {sum(r.status == 'input' for r in rows)} scenario inputs, "
                      f"{sum(r.status == 'reproduced' for r in rows)} reproduced (±2 %), "
                  f"{sum(r.status == 'explained' for r in rows)} explained, {len(bad)} unexplained", highlight=False)
