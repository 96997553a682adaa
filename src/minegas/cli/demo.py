"""``minegas demo`` — the main job on embedded defaults."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from minegas.cli.common import console, err_console
from minegas.i18n import label

GAS_CLASS_KEYS = {"high": "gas_class.high", "outburst": "gas_class.outburst", "low": "gas_class.low"}


def demo(
    period: Annotated[str, typer.Option(help="月份 month to generate and account (CST), e.g. 2025-03")] = "2025-03",
    cadence: Annotated[int, typer.Option(help="采样间隔 sampling interval of the generated data [s]")] = 300,
    seed: Annotated[int, typer.Option(help="随机种子 generator seed")] = 20250301,
) -> None:
    """演示 · Build the demo region (a Jincheng-like city) in $MINEGAS_HOME and print a summary."""
    from minegas.services.demo import run_demo

    r = run_demo(period=period, cadence_s=cadence, seed=seed,
                 progress=lambda m: err_console.print(f"[dim]· {m}[/]", highlight=False))
    console.rule(f"minegas demo — {r.period}")
    console.print(f"{label('data_home')}: {r.home}", highlight=False)
    console.print(f"{label('registry_db')}: schema {r.schema_revision}", highlight=False)

    t = Table(title=f"{label('mines')} ({r.counts['mines']})")
    for col in ("code", "名称 name", "县 county", label("gas_class"), "Mt/yr", "kPa"):
        t.add_column(col)
    for m in sorted(r.mines, key=lambda m: (m.county_code or "", m.code)):
        t.add_row(m.code, m.name_zh, m.county_name_zh or m.county_code or "", label(GAS_CLASS_KEYS[m.gas_class]),
                  f"{m.capacity_mt_per_yr:g}" if m.capacity_mt_per_yr is not None else "",
                  f"{m.barometric_kpa:.1f}" if m.barometric_kpa is not None else "")
    console.print(t)

    c = Table(show_header=False, title="规模 size")
    for k in ("stations", "points", "units"):
        c.add_row(label(k), str(r.counts[k]))
    c.add_row("技术 technologies", ", ".join(f"{k} ×{v}" for k, v in r.units_by_technology.items()))
    g = r.generated.get("totals", {})
    if g:
        c.add_row("生成读数 readings generated", f"{g['readings']:,}")
        c.add_row("KJ 文件 files", f"{g['kj_files']:,}")
        c.add_row("生成器真值 generator truth: drained / used",
                  f"{g['drained_nm3'] / 1e4:,.1f} / {g['used_nm3'] / 1e4:,.1f} 万Nm³ ({g['utilization_pct']:.1f} %)")
    console.print(c)

    if r.ingest:
        i = r.ingest
        console.print(f"入库 ingest: {i['stored_files']:,} files stored, {i['skipped_files']:,} already stored, "
                      f"{i['rejected_files']:,} rejected (injected faults) · store: {i['store_readings']:,} readings",
                      highlight=False)
    if r.balances:
        _print_balances(r)
    for d in r.design_checks:
        pot = f", {d['potential_frac']:.1%} with the vented gas 含放空气" if d["potential_frac"] is not None else ""
        console.print(f"设计对比 design vs actual · {d['mine_code']} {d['unit_code']} {d['name_zh']}: the measured gas "
                      f"supported {d['supported_frac']:.1%} of design ({d['design_ch4_nm3_min']:.0f} Nm³/min CH4; "
                      f"binding 约束: {d['binding']}{pot}) — {d['published']}", highlight=False)
    ref = r.reference
    rt = Table(title=f"参考数据 reference data: {ref['paramsets']} sets, {ref['notes']} data-quality notes")
    for col in ("项目 item", label("value"), label("unit"), label("source")):
        rt.add_column(col)
    for f in ref["figures"]:
        rt.add_row(f["label"], f"{f['value']:g}", f["unit"], f["set"])
    console.print(rt)
    console.print(f"输入 input: {r.input_dir}", highlight=False)
    for kind, path in r.reports.items():
        console.print(f"报告 report ({kind}): {path}", highlight=False)
    if r.report_note:
        console.print(f"[yellow]{r.report_note}[/]", highlight=False)


def _wan(x: float) -> str:
    return f"{x / 1e4:,.1f}"


def _print_balances(r: object) -> None:
    """The region's methane balance per mine and in total, next to the generator's truth; findings count."""
    from minegas.accounting.balance import rollup

    bs = r.balances  # type: ignore[attr-defined]
    truth = r.truth  # type: ignore[attr-defined]
    first = next(iter(bs.values()))
    t = Table(title=f"甲烷平衡 methane balance — {r.period} · {first.methodology_id} · "  # type: ignore[attr-defined]
                    f"{first.density_name} {first.density_kg_m3:g} kg/Nm³ · 万Nm³ pure CH4 at 0 °C")
    for col in ("煤矿 mine", "抽采 drained", "(真值 truth)", "利用 used", "(真值 truth)", "放空 vented",
                "风排 VAM", "利用率 utilization", "(真值 truth)", f"CO2e 总 gross t ({first.gwp_set})", "发现 findings"):
        t.add_column(col, justify="left" if col.startswith("煤矿") else "right")
    findings = r.findings  # type: ignore[attr-defined]
    for code, b in sorted(bs.items()):
        tr = truth.get(code, {})
        gross = b.co2e_of("gross")
        rate = b.utilization_rate_drained_frac
        t.add_row(f"{code} {b.mine_name_zh}", _wan(b.drained_nm3), _wan(tr.get("drained_nm3", 0.0)),
                  _wan(b.used_nm3), _wan(tr.get("used_nm3", 0.0)), _wan(b.vented_nm3), _wan(b.vam_liberated_nm3),
                  "" if rate is None else f"{100 * rate:.1f} %", f"{tr.get('utilization_pct', 0.0):.1f} %",
                  f"{gross.co2e_t:,.0f}" if gross else "", str(sum(findings.get(code, {}).values())))
    reg = rollup(bs.values(), "region").to_pylist()[0]
    tot_truth = {k: sum(v.get(k, 0.0) for v in truth.values()) for k in ("drained_nm3", "used_nm3")}
    t.add_row("合计 total", _wan(reg["drained_nm3"]), _wan(tot_truth["drained_nm3"]), _wan(reg["used_nm3"]),
              _wan(tot_truth["used_nm3"]), _wan(reg["vented_nm3"]), _wan(reg["vam_liberated_nm3"]),
              f"{100 * (reg['utilization_rate_drained_frac'] or 0):.1f} %",
              f"{100 * tot_truth['used_nm3'] / tot_truth['drained_nm3']:.1f} %" if tot_truth["drained_nm3"] else "",
              f"{reg['co2e_gross_t']:,.0f}", str(sum(sum(f.values()) for f in findings.values())))
    console.print(t)
    console.print("CO2e 总 gross = t CH4 emitted (vented + VAM released + unburnt slip + post-mining) × GWP "
                  f"{first.gwp_set} {first.gwp_horizon} yr (docs/conventions.md §3)", highlight=False)
    by_rule: dict[str, int] = {}
    for f in findings.values():
        for k, n in f.items():
            by_rule[k] = by_rule.get(k, 0) + n
    ft = Table(title="合规发现 compliance findings (GB 21522-2024 as a what-if: binding from 2025-04-01 / 2027-04)")
    ft.add_column("规则 rule")
    ft.add_column("数量 count", justify="right")
    for k, n in sorted(by_rule.items()):
        ft.add_row(k, str(n))
    console.print(ft)


def register(app: typer.Typer) -> None:
    """Add the top-level ``demo`` command."""
    app.command("demo")(demo)
