"""``minegas store …`` — the measurement store: stats, unmapped points, manifest, rebuild, gc, compact
(docs/store.md). Thin: each command opens the store of the data home and calls
:class:`minegas.measurements.store.Store`.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from minegas.cli.common import console, print_json
from minegas.i18n import current_lang

app = typer.Typer(
    name="store",
    help="监测数据仓库 · Measurement store: stats, unmapped points, manifest, rebuild, gc, compact.",
    no_args_is_help=True,
    add_completion=False,
)

_L: dict[str, tuple[str, str]] = {
    "readings": ("读数", "readings"), "points": ("测点", "points"), "batches": ("入库批次", "batches"),
    "rejected_files": ("被拒绝文件", "rejected files"), "mines": ("煤矿", "mines"),
    "partitions": ("分区", "partitions"), "files": ("Parquet 文件", "Parquet files"), "bytes": ("字节", "bytes"),
    "unmapped_readings": ("未登记测点读数", "unmapped readings"),
    "unmapped_points": ("未登记测点", "unmapped points"), "conflicts": ("冲突", "conflicts"),
    "point_defs": ("测点定义(CDDY)", "point definitions (CDDY)"), "aligned_samples": ("对齐样本", "aligned samples"),
    "aligned_files": ("对齐文件", "aligned files"), "stations": ("测站", "stations"),
    "stats": ("数据仓库统计", "store statistics"), "item": ("项目", "item"), "count": ("数量", "count"),
    "mine": ("煤矿", "mine"), "point": ("测点", "point"), "first": ("最早", "first"), "last": ("最晚", "last"),
    "reason": ("原因", "reason"), "cddy": ("CDDY 定义", "CDDY definition"), "none": ("(无)", "(none)"),
    "unmapped": ("未登记测点", "unmapped points"), "dataset": ("数据集", "dataset"), "month": ("月份", "month"),
    "rows": ("行", "rows"), "deleted": ("已删除", "deleted"), "would_delete": ("将删除", "would delete"),
    "commit": ("提交", "commit"), "nothing": ("无变化，未提交", "nothing changed, no commit"),
}


def _l(key: str) -> str:
    zh, en = _L.get(key, (key, key))
    lang = current_lang()
    return zh if lang == "zh" else en if lang == "en" else f"{zh} {en}"


def _store() -> Any:
    from minegas.measurements.store import Store

    return Store.open()


def _snapshot(store: Any) -> Any:
    from minegas.measurements.mapping import load_snapshot

    with store.session() as s:
        return load_snapshot(s)


@app.command()
def stats(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """统计 · Counts of the store (readings, points, batches, files, unmapped, conflicts …)."""
    with _store() as store:
        st = store.stats()
    if as_json:
        print_json(st)
        return
    t = Table(title=_l("stats"))
    t.add_column(_l("item"))
    t.add_column(_l("count"), justify="right")
    for k, v in st.items():
        t.add_row(_l(k), f"{v:,}")
    console.print(t)


@app.command()
def unmapped(
    mine: Annotated[str | None, typer.Option("--mine", help="only this mine (煤矿编码)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """未登记测点 · Points whose readings are stored but not mapped in the registry (and why)."""
    with _store() as store:
        rows = store.unmapped(_snapshot(store))
    if mine is not None:
        rows = [r for r in rows if r["mine_code"] == mine]
    if as_json:
        print_json(rows)
        return
    t = Table(title=f"{_l('unmapped')} ({len(rows)})")
    for k in ("mine", "point", "readings", "first", "last", "reason", "cddy"):
        t.add_column(_l(k))
    for r in rows:
        d = r["cddy"]
        cd = "" if d is None else " ".join(str(x) for x in (d["sensor_type_code"], d["value_type"], d["unit"],
                                                           d["location"]) if x)
        t.add_row(r["mine_code"], r["point_code"], f"{r['readings']:,}", r["first_ts"] or "", r["last_ts"] or "",
                  r["reason"] or "", cd)
    console.print(t if rows else _l("none"))


@app.command()
def manifest(as_json: Annotated[bool, typer.Option("--json", help="print the full manifest as JSON (for Spark "
                                                                  "or any external reader)")] = False) -> None:
    """清单 · The manifest: the Parquet files that exist (the single truth between registry and files)."""
    with _store() as store:
        m = store.manifest()
    if as_json:
        print_json(m)
        return
    t = Table(title=f"manifest — {m['root']}")
    for k in ("dataset", "mine", "month", "files", "rows", "bytes"):
        t.add_column(_l(k), justify="right" if k in ("files", "rows", "bytes") else "left")
    agg: dict[tuple[str, str, str], list[int]] = {}
    for ds, files in m["datasets"].items():
        for f in files:
            a = agg.setdefault((ds, f["mine_code"], f["month"]), [0, 0, 0])
            a[0] += 1
            a[1] += f["rows"]
            a[2] += f["bytes"]
    for (ds, mc, mo), (n, r, b) in sorted(agg.items()):
        t.add_row(ds, mc, mo, f"{n:,}", f"{r:,}", f"{b:,}")
    console.print(t)


@app.command()
def rebuild(mine: Annotated[list[str] | None, typer.Option("--mine", help="only these mines")] = None) -> None:
    """重建 · Recompute QA flags, predecessor columns and aligned samples from the raw readings (after a
    registry change). One commit; raw readings are not changed."""
    with _store() as store:
        res = store.rebuild(_snapshot(store), mine_codes=mine)
    console.print(f"{_l('commit')}: {res.token} — {res.aligned_partitions} aligned partitions, "
                  f"+{res.files_added} / −{res.files_removed} Parquet" if res.token else _l("nothing"),
                  highlight=False)


@app.command()
def compact() -> None:
    """压缩 · Merge every partition's files into one (one commit)."""
    with _store() as store:
        res = store.compact(_snapshot(store))
    console.print(f"{_l('commit')}: {res.token} (+{res.files_added} / −{res.files_removed} Parquet)"
                  if res.token else _l("nothing"), highlight=False)


@app.command()
def gc(dry_run: Annotated[bool, typer.Option("--dry-run", help="list, delete nothing")] = False,
       as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """清理 · Delete orphan files (not in the manifest: left by interrupted writes)."""
    with _store() as store:
        res = store.gc(dry_run=dry_run)
    if as_json:
        print_json(res)
        return
    console.print(f"{_l('would_delete' if dry_run else 'deleted')}: {len(res['deleted'])} ({res['bytes']:,} B)",
                  highlight=False)
    for p in res["deleted"][:50]:
        console.print(f"  {p}", highlight=False, markup=False)
