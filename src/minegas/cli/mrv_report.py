"""``minegas mrv report | close | restate | restatements | verify`` — MRV reports and period close
(docs/reports.md "Period close and restatement"). Thin: parse, call :mod:`minegas.reports.from_engine` or
:mod:`minegas.accounting.close`, render.

:func:`register` adds the commands to the ``minegas mrv`` Typer app (``minegas.cli.mrv``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from minegas.cli.common import console, print_json
from minegas.i18n import current_lang

if TYPE_CHECKING:
    from minegas.accounting.close import CloseOutcome, FigureDiff

_L: dict[str, tuple[str, str]] = {
    "written": ("已写出报告", "reports written"), "closed": ("已关账", "closed"),
    "unchanged": ("无变化，未记录", "unchanged, nothing recorded"), "restated": ("已更正重报", "restated"),
    "version": ("版本", "version"), "by": ("操作人", "by"), "at": ("时间", "at"), "hash": ("SHA-256", "SHA-256"),
    "reason": ("原因", "reason"), "batches": ("输入批次", "input batches"), "figure": ("项目", "figure"),
    "old": ("原值", "old"), "new": ("新值", "new"), "delta": ("差值", "delta"), "pct": ("变化 %", "change %"),
    "verify_ok": ("核验通过：重新计算与关账哈希一致", "verified: the recomputation matches the closed hash"),
    "verify_bad": ("核验未通过：重新计算与关账哈希不一致", "NOT verified: the recomputation differs from the closed hash"),
    "tampered": ("关账记录已被改动（哈希不符）", "the stored close record was altered (hashes do not match)"),
    "inputs": ("输入变化", "input changes"), "settings": ("设置变化", "settings changed"),
    "history": ("关账与更正记录", "close and restatements"), "open": ("未关账", "not closed"),
    "status": ("状态", "status"), "more": ("另有 {n} 项差异（--json 查看全部）", "{n} more differences (--json for all)"),
}


def _l(key: str, **kw: Any) -> str:
    zh, en = _L.get(key, (key, key))
    lang = current_lang()
    text = zh if lang == "zh" or zh == en else en if lang == "en" else f"{zh} {en}"
    return text.format(**kw) if kw else text


MineOpt = Annotated[str, typer.Option("--mine", help="煤矿编码 mine code")]
PeriodOpt = Annotated[str, typer.Option("--period", help="期间 period (CST): 2025-03, 2025-Q1, 2025-03-01..2025-03-07")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]
MethOpt = Annotated[str | None, typer.Option("--methodology", help="核算方法 methodology (default cn-2015)")]
GwpOpt = Annotated[str | None, typer.Option("--gwp", help="GWP set: SAR TAR AR4 AR5 AR5-CCF AR6 AR6-fossil …")]
HorizonOpt = Annotated[int | None, typer.Option("--horizon", help="GWP horizon [years]: 100 or 20")]
GapOpt = Annotated[str | None, typer.Option("--gap-rule", help="gap rule: exclude | epa_98_325 | conservative")]


def _settings(methodology: str | None, gwp: str | None, horizon: int | None, gap_rule: str | None) -> Any:
    from minegas.reports.from_engine import MrvSettings

    if methodology is None and gwp is None and horizon is None and gap_rule is None:
        return None
    return MrvSettings.make(methodology, gwp, horizon, gap_rule=gap_rule)


def _formats(text: str) -> list[str]:
    from minegas.reports.writer import FORMATS

    fmts = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in fmts if f not in FORMATS]
    if bad or not fmts:
        raise typer.BadParameter(f"unknown format(s) {', '.join(bad) or '(none)'}; use {', '.join(FORMATS)}",
                                 param_hint="--format")
    return fmts


def report(
    mine: MineOpt,
    period: PeriodOpt,
    lang: Annotated[str, typer.Option("--lang", help="PDF/HTML 语言 language: zh | en (Excel is bilingual)")] = "zh",
    fmt: Annotated[str, typer.Option("--format", help="formats, comma-separated: xlsx,pdf,html,json")] = "xlsx,pdf,html",
    out: Annotated[Path | None, typer.Option("--out", help="output folder (default <MINEGAS_HOME>/reports)")] = None,
    methodology: MethOpt = None, gwp: GwpOpt = None, horizon: HorizonOpt = None, gap_rule: GapOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """报告 · Write the MRV report of a mine and period: Excel (point totals, balance, substitutions, findings,
    日报, verification appendix), PDF and HTML in Chinese or English. A closed period shows its frozen figures and
    restatement status; an open one is marked 未关账 / not closed."""
    from minegas.reports.from_engine import write_mrv_report

    if lang not in ("zh", "en"):
        raise typer.BadParameter("use zh or en", param_hint="--lang")
    paths = write_mrv_report(mine, period, out, formats=_formats(fmt), lang=lang,  # type: ignore[arg-type]
                             settings=_settings(methodology, gwp, horizon, gap_rule))
    if as_json:
        print_json({k: str(v) for k, v in paths.items()})
        return
    console.print(f"{_l('written')}:", highlight=False)
    for p in paths.values():
        console.print(f"  {p}", highlight=False)


def _outcome(o: CloseOutcome, as_json: bool) -> None:
    if as_json:
        print_json(o.as_dict())
        return
    v = o.version
    console.print(f"{o.mine} {o.period}: {_l(o.action)} — {_l('version')} {v.no} ({v.kind}), {_l('by')} {v.by}, "
                  f"{v.at:%Y-%m-%d %H:%M:%S} UTC", highlight=False)
    console.print(f"{_l('hash')}: {v.content_sha256}", highlight=False)
    console.print(f"{_l('batches')}: {len(v.inputs['hashed']['batches'])}", highlight=False)
    if o.diff is not None:
        _print_diff([_fd(d) for d in o.diff["figures"]], o.diff["inputs"], o.diff["settings"])


def _fd(d: dict[str, Any]) -> FigureDiff:
    from minegas.accounting.close import FigureDiff

    return FigureDiff(d["key"], d["old"], d["new"], d["delta"], d["pct"])


def _num(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:,.6g}" if abs(x) < 1e6 else f"{x:,.1f}"
    return "—" if x is None else str(x)


def _print_diff(figs: list[FigureDiff], inputs: dict[str, Any], settings: list[str], limit: int = 40) -> None:
    if figs:
        t = Table()
        for k in ("figure", "old", "new", "delta", "pct"):
            t.add_column(_l(k), justify="left" if k == "figure" else "right")
        for d in figs[:limit]:
            t.add_row(d.key, _num(d.old), _num(d.new), _num(d.delta), "—" if d.pct is None else f"{d.pct:+.4g} %")
        console.print(t)
        if len(figs) > limit:
            console.print(_l("more", n=len(figs) - limit), highlight=False)
    if inputs:
        lines = []
        for b in inputs.get("batches_added", []):
            lines.append(f"+ {b['file_name']} {b['sha256']}")
        for b in inputs.get("batches_removed", []):
            lines.append(f"− {b['file_name']} {b['sha256']}")
        for ds in ("readings", "aligned"):
            rows = inputs.get(ds)
            if rows and rows["changed"]:
                lines.append(f"{ds}: {rows['old_rows']:,} → {rows['new_rows']:,} rows, content changed")
        for sect, ch in inputs.get("registry", {}).items():
            lines.append(f"registry {sect}: " + "; ".join(f"{k} {', '.join(v)}" for k, v in ch.items()))
        if lines:
            console.print(f"{_l('inputs')}:\n  " + "\n  ".join(lines), highlight=False)
    if settings:
        console.print(f"{_l('settings')}: {', '.join(settings)}", highlight=False)


def close(
    mine: MineOpt, period: PeriodOpt,
    by: Annotated[str, typer.Option("--by", help="关账人 who closes the period (verifier)")],
    methodology: MethOpt = None, gwp: GwpOpt = None, horizon: HorizonOpt = None, gap_rule: GapOpt = None,
    note: Annotated[str | None, typer.Option("--note", help="备注 note recorded with the close")] = None,
    as_json: JsonOpt = False,
) -> None:
    """关账 · Close a mine's period: freeze and hash its figures and inputs. Closing again with identical figures
    changes nothing; with different ones it is refused (exit 2) — use ``restate``."""
    from minegas.accounting.close import close_period

    o = close_period(mine, period, by, methodology, gwp, horizon, gap_rule=gap_rule, note=note)
    _outcome(o, as_json)


def restate(
    mine: MineOpt, period: PeriodOpt,
    by: Annotated[str, typer.Option("--by", help="更正人 who restates")],
    reason: Annotated[str, typer.Option("--reason", help="更正原因 why (late data, registry correction …)")],
    methodology: MethOpt = None, gwp: GwpOpt = None, horizon: HorizonOpt = None, gap_rule: GapOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """更正重报 · Recompute a closed period and record the next numbered restatement with its differences
    (the closed record is never changed). Nothing is recorded when nothing changed."""
    from minegas.accounting.close import restate as do_restate

    o = do_restate(mine, period, by, reason, methodology=methodology, gwp=gwp, horizon=horizon, gap_rule=gap_rule)
    _outcome(o, as_json)


def restatements(mine: MineOpt, period: PeriodOpt, as_json: JsonOpt = False) -> None:
    """更正记录 · The close and every restatement of a mine's period, with their hashes and differences."""
    from minegas.accounting.close import history

    state = history(mine, period)
    if as_json:
        print_json({"mine": mine, "period": period, "status": state.status if state else "open",
                    "versions": [v.summary() for v in state.versions] if state else []})
        return
    if state is None:
        console.print(f"{mine} {period}: {_l('open')}", highlight=False)
        return
    t = Table(title=f"{_l('history')} — {mine} {state.period} ({_l(state.status)})")
    for k in ("version", "by", "at", "reason", "hash", "batches"):
        t.add_column(_l(k))
    for v in state.versions:
        t.add_row(str(v.no), v.by, f"{v.at:%Y-%m-%d %H:%M:%S}", v.reason, v.content_sha256[:16] + "…",
                  str(len(v.inputs["hashed"]["batches"])))
    console.print(t)
    for v in state.versions[1:]:
        assert v.diff is not None
        console.rule(f"{_l('version')} {v.no}", style="dim")
        _print_diff([_fd(d) for d in v.diff["figures"]], v.diff["inputs"], v.diff["settings"], limit=20)


def verify(mine: MineOpt, period: PeriodOpt, as_json: JsonOpt = False) -> None:
    """核验 · Recompute a closed period and compare with its stored hash. Exit 2 when they differ (figures,
    inputs or settings changed since the close, or the stored record was altered)."""
    from minegas.accounting.close import verify as do_verify

    r = do_verify(mine, period)
    if as_json:
        print_json(r.as_dict())
    else:
        console.print(f"{mine} {r.period} ({_l('version')} {r.version_no}): "
                      f"{_l('verify_ok') if r.ok else _l('verify_bad')}", highlight=False)
        console.print(f"  stored     {r.stored_sha256}\n  recomputed {r.recomputed_sha256}", highlight=False)
        if not r.record_intact:
            console.print(f"[bold red]{_l('tampered')}[/]", highlight=False)
        _print_diff(r.figures, r.inputs, r.settings)
    if not r.ok:
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    """Add ``report``, ``close``, ``restate``, ``restatements`` and ``verify`` to the ``minegas mrv`` app."""
    app.command("report")(report)
    app.command("close")(close)
    app.command("restate")(restate)
    app.command("restatements")(restatements)
    app.command("verify")(verify)
