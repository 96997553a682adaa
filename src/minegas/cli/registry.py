"""``minegas registry`` — import, export and show the registry (mines, stations, points, units …).

The database comes from :func:`minegas.settings.get_settings` (``MINEGAS_HOME`` / ``MINEGAS_DATABASE_URL``).
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from minegas.cli.common import console, print_json
from minegas.errors import ConfigError
from minegas.i18n import Lang, current_lang
from minegas.i18n import label as i18n_label
from minegas.registry import vocab
from minegas.settings import get_settings

app = typer.Typer(
    name="registry",
    help="登记簿 · Registry of mines, stations, points and units: import, export, show.",
    no_args_is_help=True,
    add_completion=False,
)

_LABELS: dict[str, tuple[str, str]] = {
    "import_title": ("登记簿导入", "registry import"),
    "dry_run": ("试运行，未写入", "dry run, nothing written"),
    "table": ("表", "table"),
    "inserted": ("新增", "inserted"),
    "updated": ("更新", "updated"),
    "unchanged": ("未变", "unchanged"),
    "total": ("合计", "total"),
    "exported": ("已导出", "exported"),
    "code": ("编码", "code"),
    "name": ("名称", "name"),
    "mine": ("煤矿", "mine"),
    "county": ("县(市、区)", "county"),
    "status": ("状态", "status"),
    "capacity_mt": ("产能 Mt/a", "capacity Mt/yr"),
    "barometric": ("大气压 kPa", "barometric kPa"),
    "role": ("作用", "role"),
    "drainage_system": ("抽采系统", "drainage system"),
    "primary": ("计量依据", "primary measurement"),
    "unit": ("装置", "unit"),
    "station": ("测站", "station"),
    "quantity": ("测量量", "quantity"),
    "sensor": ("传感器类型", "sensor type"),
    "kind": ("类别", "kind"),
    "technology": ("技术", "technology"),
    "el_kw": ("发电 kW", "electric kW"),
    "flow": ("流量 Nm³/min", "flow Nm³/min"),
    "window": ("甲烷浓度 %", "CH4 window %"),
    "empty": ("(无记录)", "(no rows)"),
}


def _l(key: str, lang: Lang | None = None) -> str:
    """Label from this module's table, else from minegas.i18n."""
    if key not in _LABELS:
        return i18n_label(key, lang)
    zh, en = _LABELS[key]
    lang = lang or current_lang()
    return zh if lang == "zh" else en if lang == "en" else f"{zh} {en}"


def _v(value: str | None) -> str:
    """An enumeration value with its label (e.g. ``high 高瓦斯``)."""
    if value is None:
        return ""
    zh_en = vocab.LABELS.get(value)
    if zh_en is None or current_lang() == "en":
        return value
    return f"{value} {zh_en[0]}"


def _num(x: float | None, fmt: str = ",.6g") -> str:
    return "" if x is None else format(x, fmt)


def _table_label(name: str) -> str:
    from minegas.registry.importer import SPECS

    zh, en = SPECS[name].label
    lang = current_lang()
    return zh if lang == "zh" else en if lang == "en" else f"{zh} {en}"


def _initialised(url: str) -> bool:
    from minegas.registry.db import is_initialised

    try:
        return is_initialised(url)
    except ConfigError:
        raise
    except Exception as exc:  # unreachable server, bad credentials …
        raise ConfigError(f"cannot open the registry database: {type(exc).__name__}: {exc}") from None


def _require_initialised(url: str) -> None:
    from minegas.registry.db import head_revision

    if not _initialised(url):
        raise ConfigError(f"the registry database is not initialised at schema {head_revision()} — fix: run "
                          "`minegas init` (or `minegas registry import FILES` to create and fill it)")


@app.command("import")
def import_cmd(
    paths: Annotated[list[Path], typer.Argument(help="CSV files named after the tables, folders of them, or "
                                                     ".xlsx workbooks")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="validate only; write nothing")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
) -> None:
    """导入 · Validate and upsert registry files (nothing is written if any row is rejected: exit code 2)."""
    from minegas.registry.db import session_scope, upgrade_to_head
    from minegas.registry.importer import import_registry

    s = get_settings()
    if dry_run and not _initialised(s.database_url):
        if _exists(s.database_url):
            _require_initialised(s.database_url)  # exists at an older schema: say so
        # validate against an empty registry without creating anything
        from minegas.registry.db import make_engine

        engine = make_engine("sqlite://")
        try:
            upgrade_to_head(engine)
            with session_scope(engine) as session:
                summary = import_registry(session, paths, dry_run=True)
        finally:
            engine.dispose()
    else:
        if not dry_run:
            upgrade_to_head(s.database_url)
        with session_scope(s.database_url) as session:
            summary = import_registry(session, paths, dry_run=dry_run)
    if as_json:
        print_json({"dry_run": summary.dry_run, "sources": summary.sources,
                    "tables": {k: dataclasses.asdict(v) for k, v in summary.counts.items()}})
        return
    title = _l("import_title") + (f" ({_l('dry_run')})" if dry_run else "")
    t = Table(title=title)
    t.add_column(_l("table"))
    for k in ("inserted", "updated", "unchanged"):
        t.add_column(_l(k), justify="right")
    tot = [0, 0, 0]
    for name, c in summary.counts.items():
        if c.total == 0:
            continue
        t.add_row(_table_label(name), str(c.inserted), str(c.updated), str(c.unchanged))
        tot = [tot[0] + c.inserted, tot[1] + c.updated, tot[2] + c.unchanged]
    t.add_row(_l("total"), *map(str, tot), style="bold")
    console.print(t)


def _exists(url: str) -> bool:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.get_backend_name() != "sqlite" or u.database in (None, "", ":memory:"):
        return True
    return Path(str(u.database)).expanduser().exists()


@app.command("export")
def export_cmd(
    out: Annotated[Path, typer.Argument(help="a folder (one CSV per table) or a file name ending in .xlsx")],
) -> None:
    """导出 · Write the registry as CSV files (folder) or an Excel workbook, in the import format."""
    from minegas.registry.db import session_scope
    from minegas.registry.exporter import export_registry

    s = get_settings()
    _require_initialised(s.database_url)
    with session_scope(s.database_url) as session:
        files = export_registry(session, out)
    console.print(f"{_l('exported')}: {out} ({len(files)} file{'s' if len(files) != 1 else ''})",
                  highlight=False)


class ShowWhat(StrEnum):
    mines = "mines"
    stations = "stations"
    points = "points"
    units = "units"


@app.command("show")
def show_cmd(
    what: Annotated[ShowWhat, typer.Argument(help="mines | stations | points | units")],
    mine: Annotated[str | None, typer.Option("--mine", help="only this mine (煤矿编码)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """查看 · List mines, stations, points or units."""
    from minegas.registry import repository as repo
    from minegas.registry.db import session_scope

    s = get_settings()
    _require_initialised(s.database_url)
    with session_scope(s.database_url) as session:
        mine_list = [repo.mine(session, mine)] if mine is not None else repo.mines(session)
        stations = [x for m in mine_list for x in repo.stations(session, m.code)] \
            if what is ShowWhat.stations else []
        points = [x for m in mine_list for x in repo.points(session, m.code)] if what is ShowWhat.points else []
        units = [x for m in mine_list for x in repo.units(session, m.code)] if what is ShowWhat.units else []
    by_what: dict[ShowWhat, list[Any]] = {ShowWhat.mines: mine_list, ShowWhat.stations: stations,
                                          ShowWhat.points: points, ShowWhat.units: units}
    rows = by_what[what]
    if as_json:
        print_json([dataclasses.asdict(r) for r in rows])
        return
    t = Table(title=i18n_label(what.value))
    if what is ShowWhat.mines:
        for k in ("code", "name", "county", "gas_class", "status", "capacity_mt", "barometric"):
            t.add_column(_l(k), justify="right" if k in ("capacity_mt", "barometric") else "left")
        for m in mine_list:
            t.add_row(m.code, m.name_zh, f"{m.county_code} {m.county_name_zh}", _v(m.gas_class), _v(m.status),
                      _num(m.capacity_mt_per_yr), _num(m.barometric_kpa))
    elif what is ShowWhat.stations:
        for k in ("mine", "code", "name", "role", "drainage_system", "primary", "unit"):
            t.add_column(_l(k))
        for st in stations:
            t.add_row(st.mine_code, st.code, st.name_zh, _v(st.role), st.drainage_system, st.primary_measurement,
                      st.unit_code or "")
    elif what is ShowWhat.points:
        for k in ("mine", "code", "station", "quantity", "sensor", "name"):
            t.add_column(_l(k))
        for p in points:
            t.add_row(p.mine_code, p.code, p.station_code or "", p.quantity, p.kj_sensor_type or "",
                      p.name_zh or "")
    else:
        for k in ("mine", "code", "name", "kind", "technology", "el_kw", "flow", "window", "status"):
            t.add_column(_l(k), justify="right" if k in ("el_kw", "flow") else "left")
        for u in units:
            window = "" if u.ch4_min_pct is None and u.ch4_max_pct is None else \
                f"{_num(u.ch4_min_pct, 'g')}–{_num(u.ch4_max_pct, 'g')}"
            t.add_row(u.mine_code, u.code, u.name_zh, _v(u.kind), u.technology, _num(u.capacity_el_kw),
                      _num(u.capacity_flow_nm3_min), window, _v(u.status))
    if not rows:
        console.print(_l("empty"))
        return
    console.print(t)
