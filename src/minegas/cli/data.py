"""``minegas data``: browse the shipped parameter sets and reference data (docs/reference-data.md).

Commands: ``list`` (every set), ``show ID`` (parameters with unit, source and confidence; tables; notes),
``notes`` (the data-quality notes: contradictions and doubtful figures in the source documents).
Each takes ``--json`` for one machine-readable JSON document on stdout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from minegas import data
from minegas.cli.common import console, print_json
from minegas.i18n import current_lang

app = typer.Typer(
    name="data",
    help="参考数据 · Reference data and parameter sets: list, show, data-quality notes.",
    no_args_is_help=True,
    add_completion=False,
)

_LABELS: dict[str, tuple[str, str]] = {
    # labels of this command group (zh, en); the shared ones live in minegas.i18n
    "paramset": ("参数集", "parameter set"),
    "version": ("版本", "version"),
    "kind": ("类别", "kind"),
    "title": ("标题", "title"),
    "file": ("文件", "file"),
    "name": ("名称", "name"),
    "value": ("数值", "value"),
    "unit": ("单位", "unit"),
    "base": ("基本单位值", "in base units"),
    "source": ("来源", "source"),
    "confidence": ("可信度", "confidence"),
    "note": ("说明", "note"),
    "notes": ("数据质量说明", "data-quality notes"),
    "parameters": ("参数", "parameters"),
    "sources": ("文献", "sources"),
    "table": ("表", "table"),
    "figures": ("数字", "figures"),
    "id": ("编号", "id"),
    "valid": ("有效期", "valid"),
    "none": ("无", "none"),
}


def _l(key: str) -> str:
    zh, en = _LABELS[key]
    lang = current_lang()
    return zh if lang == "zh" else en if lang == "en" else f"{zh} {en}"


def _title(t: dict[str, str]) -> str:
    lang = current_lang()
    if lang in t:
        return t[lang]
    return " · ".join(v for k, v in t.items() if k in ("zh", "en")) or next(iter(t.values()), "")


def _fmt(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, list | tuple):
        return "; ".join(_fmt(x) for x in v)
    if isinstance(v, float):
        return f"{v:.12g}"
    return str(v)


def _load(paramset_id: str) -> Any:
    try:
        return data.load(paramset_id)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0]), param_hint="ID") from None


@app.command("list")
def list_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON document")] = False,
) -> None:
    """列出参数集 · List every parameter set (id, version, kind, title, file)."""
    sets = data.list_paramsets()
    if as_json:
        root = data.data_dir()
        print_json([{"id": s.id, "version": s.version, "kind": s.kind, "title": s.title,
                     "path": _rel(s.path, root)} for s in sets])
        return
    t = Table(title=_l("paramset"))
    for key in ("id", "version", "kind", "title", "file"):
        t.add_column(_l(key), overflow="fold")
    root = data.data_dir()
    for s in sets:
        t.add_row(s.id, s.version, s.kind, _title(s.title), _rel(s.path, root))
    console.print(t)


def _rel(path: str, root: Path) -> str:
    """``path`` relative to the data directory when it lies inside it."""
    try:
        return str(Path(path).resolve().relative_to(root))
    except ValueError:
        return path


@app.command("show")
def show_cmd(
    paramset_id: Annotated[str, typer.Argument(metavar="ID", help="dotted id, e.g. reference.jincheng.baseline-2021")],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON document")] = False,
) -> None:
    """显示参数集 · Show one parameter set: parameters (value, unit, source, confidence), tables, notes."""
    ps = _load(paramset_id)
    if as_json:
        print_json(_set_as_dict(ps))
        return
    console.print(f"[bold]{ps.id}[/] v{ps.version} ({ps.kind}) — {_title(ps.title)}", highlight=False)
    if ps.valid_from or ps.valid_to:
        console.print(f"{_l('valid')}: {ps.valid_from or '…'} – {ps.valid_to or '…'}", highlight=False)
    src = Table(title=_l("sources"))
    for key in ("id", "title", "note"):
        src.add_column(_l(key), overflow="fold")
    for s in ps.sources:
        src.add_row(s.id, s.document + (f", {s.section}" if s.section else ""), s.note or "")
    console.print(src)
    if ps.parameters:
        t = Table(title=_l("parameters"))
        for key in ("name", "value", "unit", "base", "source", "confidence", "note"):
            t.add_column(_l(key), overflow="fold", justify="right" if key in ("value", "base") else "left")
        for name, p in ps.parameters.items():
            q = data.quantity(ps.id, name)
            base = f"{q.base_value:.6g} {q.base_unit}" if q.base_value is not None and q.base_unit != p.unit else ""
            t.add_row(name, _fmt(p.value), p.unit, base, p.source or "", p.confidence, p.note or "")
        console.print(t)
    for name, tab in ps.tables.items():
        t = Table(title=f"{_l('table')}: {name}" + (f" ({tab.source})" if tab.source else ""))
        for col, unit in tab.columns.items():
            t.add_column(f"{col} [{unit}]" if unit else col, overflow="fold")
        for row in tab.rows:
            t.add_row(*[_fmt(row.get(c)) for c in tab.columns])
        console.print(t)
        if tab.note:
            console.print(f"  {tab.note}", highlight=False)
    if ps.notes:
        _print_notes(data.notes(ps.id))


def _set_as_dict(ps: Any) -> dict[str, Any]:
    params = {}
    for name, p in ps.parameters.items():
        q = data.quantity(ps.id, name)
        params[name] = {"value": p.value, "unit": p.unit, "base_value": q.base_value, "base_unit": q.base_unit,
                        "source": p.source, "confidence": p.confidence, "range": p.range, "note": p.note,
                        "citation": ps.citation(name)}
    return {
        "id": ps.id, "version": ps.version, "kind": ps.kind, "title": ps.title,
        "valid_from": ps.valid_from, "valid_to": ps.valid_to, "path": _rel(ps.path or "", data.data_dir()),
        "sources": [s.model_dump() for s in ps.sources],
        "parameters": params,
        "tables": {name: {"columns": t.columns, "rows": t.rows, "source": t.source, "note": t.note}
                   for name, t in ps.tables.items()},
        "notes": [n.model_dump() for n in ps.notes],
    }


def _print_notes(records: list[data.NoteRecord]) -> None:
    t = Table(title=_l("notes"))
    for key in ("paramset", "id", "note", "figures", "source"):
        t.add_column(_l(key), overflow="fold")
    for n in records:
        figs = ", ".join(f"{k}={_fmt(v)}" for k, v in n.figures.items())
        t.add_row(n.paramset, n.id, n.text, figs, n.citation or "")
    console.print(t)


@app.command("notes")
def notes_cmd(
    paramset_id: Annotated[str | None, typer.Option("--set", metavar="ID", help="only the notes of this set")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON document")] = False,
) -> None:
    """数据质量说明 · Data-quality notes: contradictions and doubtful figures in the source documents."""
    if paramset_id is not None:
        _load(paramset_id)
    records = data.notes(paramset_id)
    if as_json:
        print_json([{"paramset": n.paramset, "id": n.id, "text": n.text, "source": n.source,
                     "citation": n.citation, "figures": n.figures} for n in records])
        return
    if not records:
        console.print(_l("none"))
        return
    _print_notes(records)
