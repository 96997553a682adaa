"""``minegas synth``: the synthetic region generator (docs/synth.md).

``minegas synth --region demo --start 2025-03-01 --days 31 --cadence 60 --seed 1 --out DIR
[--faults gaps=0.01,calibration=2,stuck=1,resets=1,late=2,truncated=1] [--format kj,csv,parquet]
[--mines CODE,...]`` writes the region and prints a bilingual summary; ``minegas synth fast --rows N --out
FILE.parquet`` writes N canonical readings for benchmarks.

Wiring (cli/main.py): ``app.add_typer(minegas.cli.synth.app, name="synth")``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from minegas.cli.common import console, err_console, print_json
from minegas.i18n import Lang, current_lang

app = typer.Typer(
    name="synth",
    help="合成数据 · Generate a synthetic region: KJ files, canonical CSV/Parquet, registry CSVs, faults, ledger.",
    add_completion=False,
    pretty_exceptions_enable=False,
)

_LABELS: dict[str, tuple[str, str]] = {
    "mine": ("煤矿", "mine"),
    "class": ("瓦斯等级", "gas class"),
    "points": ("测点", "points"),
    "readings": ("生成读数", "readings"),
    "sent": ("已发送", "sent"),
    "stored": ("应入库", "to store"),
    "files": ("CDSS文件", "CDSS files"),
    "faults": ("故障读数", "faulty readings"),
    "drained": ("抽采纯量(万Nm³)", "drained (10⁴ Nm³)"),
    "used": ("利用纯量(万Nm³)", "used (10⁴ Nm³)"),
    "util": ("利用率%", "utilization %"),
    "vam": ("乏风纯量(万Nm³)", "VAM (10⁴ Nm³)"),
    "total": ("合计", "total"),
    "written": ("已写入", "written to"),
    "title": ("合成区域", "synthetic region"),
    "high": ("高瓦斯", "high-gas"),
    "outburst": ("突出", "outburst"),
    "low": ("低瓦斯", "low-gas"),
}


def _l(key: str, lang: Lang | None = None) -> str:
    lang = lang or current_lang()
    zh, en = _LABELS.get(key, (key, key))
    return zh if lang == "zh" else en if lang == "en" else f"{zh} {en}"


def _split(text: str | None) -> list[str]:
    return [x.strip() for x in (text or "").split(",") if x.strip()]


@app.callback(invoke_without_command=True)
def synth(
    ctx: typer.Context,
    region: Annotated[str, typer.Option("--region", help="区域 region: 'demo' or a region YAML file")] = "demo",
    start: Annotated[str, typer.Option("--start", help="起始 first day (CST) or ISO date-time with offset")] = "2025-03-01",
    days: Annotated[int | None, typer.Option("--days", help="天数 number of days (default 31 unless --end)")] = None,
    end: Annotated[str | None, typer.Option("--end", help="结束 end, exclusive (instead of --days)")] = None,
    cadence: Annotated[int, typer.Option("--cadence", help="采样间隔 sampling interval (s), 1–300")] = 60,
    seed: Annotated[int, typer.Option("--seed", help="随机种子 seed (same seed → identical files)")] = 0,
    out: Annotated[Path | None, typer.Option("--out", help="输出目录 output folder (replaced atomically)")] = None,
    faults: Annotated[str | None, typer.Option(
        "--faults", help="故障 e.g. gaps=0.01,calibration=2,stuck=1,resets=1,late=2,truncated=1,duplicates=1")] = None,
    fmt: Annotated[str, typer.Option("--format", help="格式 any of kj,tjsj,csv,parquet")] = "kj,csv,parquet",
    mines: Annotated[str | None, typer.Option("--mines", help="煤矿编码 restrict to these mine codes (comma-separated)")] = None,
    upload: Annotated[int, typer.Option("--upload-interval", help="上传间隔 KJ upload interval (s) (divides a day)")] = 3600,
    no_noise: Annotated[bool, typer.Option("--no-noise", help="无测量噪声 readings = physical truth")] = False,
    precision: Annotated[str, typer.Option("--precision", help="meter (meter resolution) or full")] = "meter",
    kj_newline: Annotated[str, typer.Option("--kj-newline", help="lf, crlf or none")] = "lf",
    kj_encoding: Annotated[str, typer.Option("--kj-encoding", help="utf-8 or gb18030")] = "utf-8",
    kj_json: Annotated[bool, typer.Option("--kj-json-quoted", help="write KJ payloads as JSON strings (quirk)")] = False,
    kj_mixed: Annotated[bool, typer.Option("--kj-mixed", help="vary the KJ style per mine")] = False,
    workers: Annotated[int | None, typer.Option("--workers", help="并行进程 processes (default: min(2, CPUs))")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the manifest as JSON")] = False,
) -> None:
    """合成区域 · Generate a synthetic region for a period and cadence (see docs/synth.md)."""
    if ctx.invoked_subcommand is not None:
        return
    if out is None:
        raise typer.BadParameter("an output folder is required", param_hint="--out")
    from minegas.synth import FaultSpec, KJStyle, generate

    spec = FaultSpec.parse(faults)
    style = KJStyle(kj_newline, kj_encoding, kj_json, kj_mixed)
    mine_list = _split(mines) or None
    n_workers = workers if workers is not None else max(1, min(2, os.cpu_count() or 1))
    if end is None and days is None:
        days = 31
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True, disable=as_json) as bar:
        task = bar.add_task(_l("title"), total=None)

        def tick(code: str) -> None:
            bar.update(task, advance=1, description=f"{_l('title')} {code}")

        from minegas.synth import load_region

        reg = load_region(region)
        bar.update(task, total=len(reg.select(mine_list).mines))
        res = generate(reg, start, end, cadence, seed, spec, out, _split(fmt), days=days, mines=mine_list,
                       upload_s=upload, noise=not no_noise, precision=precision, kj_style=style,
                       workers=n_workers, progress=tick)
    if as_json:
        print_json(res.manifest)
        return
    t = Table(title=f"{_l('title')}: {res.manifest['region']} · {res.manifest['start']} … {res.manifest['end']} · "
                    f"{cadence} s · seed {seed}" + (f" · {spec}" if spec.any else ""))
    for key in ("mine", "class", "points", "readings", "sent", "stored", "files", "faults", "drained", "used",
                "util", "vam"):
        t.add_column(_l(key), justify="left" if key in ("mine", "class") else "right")
    for s in res.mines:
        t.add_row(f"{s.mine_code} {s.name_zh}", _l(s.gas_class), str(s.points), f"{s.readings:,}", f"{s.sent:,}",
                  f"{s.stored:,}", str(s.kj_files), f"{sum(s.faults.values()):,}", f"{s.drained_nm3 / 1e4:,.1f}",
                  f"{s.used_nm3 / 1e4:,.1f}", f"{s.utilization_pct:.1f}", f"{s.vam_nm3 / 1e4:,.1f}")
    tot = res.totals
    t.add_row(_l("total"), "", str(sum(s.points for s in res.mines)), f"{int(tot['readings']):,}",
              f"{int(tot['sent']):,}", f"{int(tot['stored']):,}", str(int(tot["kj_files"])),
              f"{sum(sum(s.faults.values()) for s in res.mines):,}", f"{tot['drained_nm3'] / 1e4:,.1f}",
              f"{tot['used_nm3'] / 1e4:,.1f}", f"{tot['utilization_pct']:.1f}", f"{tot['vam_nm3'] / 1e4:,.1f}")
    console.print(t)
    console.print(f"{_l('written')}: {res.out_dir}", highlight=False)


@app.command("fast")
def fast(
    rows: Annotated[int, typer.Option("--rows", help="读数行数 number of readings to write")],
    out: Annotated[Path, typer.Option("--out", help="Parquet 文件 output file")],
    region: Annotated[str, typer.Option("--region", help="区域 region: 'demo' or a region YAML file")] = "demo",
    start: Annotated[str, typer.Option("--start", help="起始 first day (CST)")] = "2025-01-01",
    cadence: Annotated[int, typer.Option("--cadence", help="采样间隔 sampling interval (s), 1–300")] = 60,
    seed: Annotated[int, typer.Option("--seed", help="随机种子 seed")] = 0,
    chunk_rows: Annotated[int, typer.Option("--chunk-rows", help="rows per Parquet row group")] = 2_000_000,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
) -> None:
    """基准数据 · Write N synthetic readings straight to one canonical long Parquet file (benchmarks)."""
    from minegas.synth import write_fast_parquet

    info = write_fast_parquet(out, rows, region=region, seed=seed, cadence_s=cadence, start=start,
                              chunk_rows=chunk_rows)
    if as_json:
        print_json(info)
        return
    console.print(f"{_l('written')}: {info['path']} — {info['rows']:,} rows, {info['bytes']:,} bytes",
                  highlight=False)
