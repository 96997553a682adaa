"""``minegas ingest PATH...`` — monitoring files into the measurement store (docs/store.md).

Thin: expand the paths, call :func:`minegas.measurements.ingest.ingest_paths` with a Rich progress bar, print a
summary table and, when input was rejected, the rejection report (file, record, field, value, fix) on stderr —
exit code 2. ``register(app)`` adds the command to the ``minegas`` application.
"""

from __future__ import annotations

import csv
import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from minegas.cli.common import console, err_console, print_json
from minegas.i18n import current_lang

_L: dict[str, tuple[str, str]] = {
    "title": ("数据入库", "ingest"),
    "files": ("文件", "files"),
    "stored": ("已入库", "stored"),
    "partial": ("部分入库", "partially stored"),
    "rejected": ("被拒绝", "rejected"),
    "skipped": ("已跳过(重复文件)", "skipped (already ingested)"),
    "not_stored": ("未入库类型", "type not stored"),
    "records": ("记录", "records"),
    "readings_new": ("新增读数", "new readings"),
    "duplicate": ("重复(相同)", "duplicates (identical)"),
    "conflict": ("重复(冲突)", "duplicates (conflicting)"),
    "unmapped": ("未登记测点读数", "readings of unmapped points"),
    "definitions": ("测点定义(CDDY)", "point definitions (CDDY)"),
    "records_rejected": ("被拒绝记录", "records rejected"),
    "commit": ("提交", "commit"),
    "nothing": ("无新数据，未提交", "nothing new, no commit"),
    "report": ("拒绝报告", "rejection report"),
    "item": ("项目", "item"),
    "count": ("数量", "count"),
}


def _l(key: str) -> str:
    zh, en = _L.get(key, (key, key))
    lang = current_lang()
    return zh if lang == "zh" else en if lang == "en" else f"{zh} {en}"


def _write_report(path: Path, rows: list[dict[str, object]]) -> None:
    """CSV (UTF-8 with BOM for Excel) of every rejection, written atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["file", "status", "record", "field", "value", "message", "fix"])
        w.writeheader()
        w.writerows(rows)
    tmp.replace(path)


def ingest(
    paths: Annotated[list[str], typer.Argument(help="files, folders (searched recursively) or glob patterns")],
    partial: Annotated[bool, typer.Option("--partial", help="store the good records of damaged files and report "
                                                            "the rest")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="reject readings of points/mines the registry does not "
                                                          "map, instead of storing them as unmapped")] = False,
    timezone: Annotated[str | None, typer.Option("--timezone", help="zone of times without offset in canonical "
                                                                   "files, e.g. Asia/Shanghai")] = None,
    report: Annotated[Path | None, typer.Option("--report", help="also write the rejection report to this CSV "
                                                                 "file")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the outcome as JSON")] = False,
) -> None:
    """入库 · Ingest monitoring files (KJ text, DB14 XML, canonical CSV/Parquet) into the measurement store.

    One run is one commit. Re-ingesting a file adds nothing. Exit code 2 when any file or record was rejected
    (nothing of a rejected file is stored unless --partial).
    """
    from minegas.measurements.ingest import expand_paths, ingest_paths
    from minegas.measurements.store import Store

    files = expand_paths(paths)
    with Store.open() as store:
        note = "minegas ingest " + " ".join(shlex.quote(a) for a in sys.argv[2:])[:900]
        if as_json or not console.is_terminal:
            rep = ingest_paths(store, files, partial=partial, strict=strict, note=note, timezone=timezone)
        else:
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=console, transient=True) as prog:
                task = prog.add_task(_l("title"), total=len(files))
                rep = ingest_paths(store, files, partial=partial, strict=strict, note=note, timezone=timezone,
                                   progress=lambda _o: prog.advance(task))
    rows: list[dict[str, object]] = []
    for f in rep.files:
        if f.status in ("rejected", "partial"):
            for p in f.problems:
                rows.append({"file": f.path, "status": f.status, "record": p.line, "field": p.field,
                             "value": p.value, "message": p.message, "fix": p.fix})
    if report is not None and rows:
        _write_report(report, rows)
    if as_json:
        print_json(rep.as_dict())
    else:
        tot = rep.totals()
        t = Table(title=_l("title"))
        t.add_column(_l("item"))
        t.add_column(_l("count"), justify="right")
        for key in ("stored", "partial", "rejected", "skipped", "not_stored"):
            t.add_row(f"{_l('files')}: {_l(key)}", f"{tot['files_' + key]:,}")
        t.add_row(_l("records"), f"{tot['records']:,}")
        t.add_row(_l("readings_new"), f"{tot['stored']:,}")
        t.add_row(_l("duplicate"), f"{tot['duplicate']:,}")
        t.add_row(_l("conflict"), f"{tot['conflict']:,}")
        t.add_row(_l("unmapped"), f"{tot['unmapped']:,}")
        t.add_row(_l("definitions"), f"{tot['definitions']:,}")
        t.add_row(_l("records_rejected"), f"{tot['rejected']:,}")
        console.print(t)
        c = rep.commit
        console.print(f"{_l('commit')}: {c.token} (+{c.files_added} / −{c.files_removed} Parquet)" if c
                      else _l("nothing"), highlight=False)
    if rep.rejected:
        err_console.print(f"[bold red]{_l('report')}:[/]", markup=True)
        for f in rep.files:
            if f.status not in ("rejected", "partial"):
                continue
            err_console.print(f"{f.path}: {f.status} — {f.message}", highlight=False, markup=False)
            for p in f.problems[:50]:
                err_console.print(f"  - {p}", highlight=False, markup=False)
            if len(f.problems) > 50:
                err_console.print(f"  … {len(f.problems) - 50} more (see --report)", highlight=False)
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    """Add ``minegas ingest`` to the application."""
    app.command("ingest")(ingest)
