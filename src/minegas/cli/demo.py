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

    ref = r.reference
    rt = Table(title=f"参考数据 reference data: {ref['paramsets']} sets, {ref['notes']} data-quality notes")
    for col in ("项目 item", label("value"), label("unit"), label("source")):
        rt.add_column(col)
    for f in ref["figures"]:
        rt.add_row(f["label"], f"{f['value']:g}", f["unit"], f["set"])
    console.print(rt)
    console.print(f"输入 input: {r.input_dir}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the top-level ``demo`` command."""
    app.command("demo")(demo)
