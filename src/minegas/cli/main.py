"""The ``minegas`` command."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from minegas import __version__
from minegas.cli.common import console, print_json, report_error
from minegas.i18n import label

app = typer.Typer(
    name="minegas",
    help="minegas — 煤层气/煤矿瓦斯 MRV、利用工程、项目经济与区域规划 · CBM/CMM MRV, utilization, economics, planning.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class StateOpt(StrEnum):
    c0 = "0C"
    c20 = "20C"
    f60 = "60F"


@app.command()
def version() -> None:
    """版本 · Print the minegas version."""
    console.print(f"minegas {__version__}")


@app.command()
def init() -> None:
    """初始化数据目录 · Create the data home: registry database (migrated to the latest schema) and store.

    The location is $MINEGAS_HOME, else $XDG_DATA_HOME/minegas, else ~/.local/share/minegas.
    """
    from minegas.services.home import init_home

    info = init_home()
    t = Table(show_header=False)
    t.add_row(label("data_home"), str(info["home"]))
    t.add_row(label("registry_db"), info["database_url_redacted"])
    t.add_row(label("store"), str(info["store_dir"]))
    t.add_row("schema", str(info["schema_revision"]))
    console.print(t)
    console.print(label("initialised"))


@app.command()
def convert(
    ch4_m3: Annotated[float, typer.Option("--ch4-m3", help="纯甲烷体积 pure CH4 volume [m³] at --state")],
    state: Annotated[StateOpt, typer.Option("--state", help="参比状态 reference state of the volume")] = StateOpt.c0,
    gwp: Annotated[str, typer.Option("--gwp", help="GWP set: SAR TAR AR4 AR5 AR5-CCF AR6 AR6-fossil AR6-nonfossil")] = "SAR",
    horizon: Annotated[int, typer.Option("--horizon", help="GWP time horizon [years]: 100 or 20")] = 100,
    density: Annotated[str | None, typer.Option("--density", help="named CH4 density (docs/conventions.md §2)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """换算 · Convert a pure CH4 volume to mass, CO2e, energy and standard coal."""
    from minegas.physics.calculator import convert_ch4_volume

    if horizon not in (100, 20):
        raise typer.BadParameter("horizon must be 100 or 20", param_hint="--horizon")
    r = convert_ch4_volume(ch4_m3, state.value, gwp, horizon, density)
    if as_json:
        print_json(r)
        return
    c = r["constants"]
    t = Table(title=f"{label('ch4_volume')}: {ch4_m3:,.6g} m³ @ {r['state']}")
    t.add_column(label("quantity"))
    t.add_column(label("value"), justify="right")
    t.add_column(label("unit"))
    t.add_row(label("ch4_mass"), f"{r['ch4_t']:,.3f}", "t")
    t.add_row(label("co2e_gross"), f"{r['co2e_t']:,.1f}", f"t CO2e ({gwp}, {horizon} yr)")
    t.add_row(label("co2e_net"), f"{r['co2e_net_t']:,.1f}", f"t CO2e ({gwp}, {horizon} yr)")
    t.add_row(label("energy_lhv"), f"{r['energy_mj']:,.0f}", "MJ")
    t.add_row(label("tce_hv"), f"{r['tce']:,.1f}", "tce")
    console.print(t)
    console.print(f"{label('density')}: {c['density']['name']} = {c['density']['kg_m3']:.6g} kg/m³ — "
                  f"{c['density']['source']}", highlight=False)
    console.print(f"{label('gwp')}: {gwp} {horizon} yr = {c['gwp']['value']} — {c['gwp']['source']}",
                  highlight=False)


def _register_subcommands() -> None:
    """Attach the command groups of the other modules (each module owns its Typer sub-app)."""
    import importlib

    for mod_name, group in (
        ("minegas.cli.registry", "registry"),
        ("minegas.cli.data", "data"),
        ("minegas.cli.demo", None),
        ("minegas.cli.econ", "econ"),
        ("minegas.cli.util", "util"),
        ("minegas.cli.synth", "synth"),
        ("minegas.cli.store", "store"),
        ("minegas.cli.ingest", None),
        ("minegas.cli.mrv", "mrv"),
    ):
        try:
            mod = importlib.import_module(mod_name)
        except ModuleNotFoundError as exc:
            if exc.name == mod_name:
                continue
            raise
        if group is None:
            mod.register(app)
        else:
            app.add_typer(mod.app, name=group)


_register_subcommands()


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and map errors to exit codes (0 ok, 1 error, 2 input rejected/infeasible).

    Usage errors (unknown option, bad value) are reported by Typer and exit with 2.
    """
    try:
        app(args=argv, prog_name="minegas")
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except KeyboardInterrupt:
        return 1
    except Exception as e:
        return report_error(e)
    return 0


if __name__ == "__main__":
    sys.exit(main())
