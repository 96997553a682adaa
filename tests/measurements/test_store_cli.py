"""CLI: ``minegas ingest`` (exit 0; 2 with a rejection report naming file, record, field and value; idempotent)
and ``minegas store stats --json | unmapped | manifest --json | gc | rebuild | compact``, run in-process on a
fresh data home (``MINEGAS_HOME``) the way ``minegas.cli.main.main`` runs them."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import typer
from store_helpers import DRN_CH4, KJ_DATA, REGISTRY_DATA, cdss, local
from typer.testing import CliRunner

from minegas.cli import ingest as cli_ingest
from minegas.cli import store as cli_store
from minegas.cli.common import report_error
from minegas.registry import db
from minegas.registry.importer import import_registry
from minegas.settings import get_settings

UNKNOWN = "99000000000102MN009900000999"
T0 = local("2025-03-01 10:00:00")


def _app() -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False)
    cli_ingest.register(app)
    app.add_typer(cli_store.app, name="store")

    @app.command()
    def version() -> None:  # a second command keeps Typer in multi-command mode
        """unused"""

    return app


def run(*args: str) -> tuple[int, str, str]:
    """Run a command; exceptions map to exit codes like minegas.cli.main.main."""
    result = CliRunner().invoke(_app(), list(args), catch_exceptions=True)
    code = result.exit_code
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        code = report_error(result.exception)
    return code, result.stdout, result.stderr


@pytest.fixture
def home(minegas_home: Path) -> Path:
    url = get_settings().database_url
    db.upgrade_to_head(url)
    with db.session_scope(url) as s:
        import_registry(s, [REGISTRY_DATA])
    return minegas_home


def test_ingest_then_stats_and_reingest(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(KJ_DATA, folder)
    code, out, _ = run("ingest", str(folder))
    assert code == 0 and "new readings" in out
    code, out, _ = run("store", "stats", "--json")
    st = json.loads(out)
    assert code == 0 and st["readings"] == 12 and st["points"] == 12 and st["batches"] == 4
    code, out, _ = run("ingest", str(folder), "--json")
    rep = json.loads(out)
    assert code == 0 and rep["commit"] is None and rep["totals"]["files_skipped"] == 4
    assert json.loads(run("store", "stats", "--json")[1]) == st


def test_rejection_report_and_exit_code(home: Path, tmp_path: Path) -> None:
    f = cdss(tmp_path / "in", T0, [(DRN_CH4, "30.0", 0, T0), (DRN_CH4, "30.2", 0, local("2025-03-01 10:01:00"))])
    f.write_text(f.read_text(encoding="utf-8").replace("2025-03-01 10:01:00", "2025-13-01 10:01:00"),
                 encoding="utf-8")
    report = tmp_path / "rejected.csv"
    code, _, err = run("ingest", str(f), "--report", str(report))
    assert code == 2
    assert f.name in err and ":2" in err and "数据时间(ts)" in err and "2025-13-01 10:01:00" in err
    with report.open(encoding="utf-8-sig") as fh:
        (row,) = list(csv.DictReader(fh))
    assert (row["file"], row["record"], row["field"], row["status"]) == (str(f), "2", "数据时间(ts)", "rejected")
    assert json.loads(run("store", "stats", "--json")[1])["readings"] == 0
    code, _, _ = run("ingest", str(f), "--partial")
    assert code == 2                               # something was still rejected …
    assert json.loads(run("store", "stats", "--json")[1])["readings"] == 1     # … but the good record is stored


def test_missing_path_is_rejected(home: Path, tmp_path: Path) -> None:
    code, _, _ = run("ingest", str(tmp_path / "nothing-here"))
    assert code == 2


def test_unmapped_rebuild_manifest_gc_compact(home: Path, tmp_path: Path) -> None:
    f = cdss(tmp_path / "in", T0, [(DRN_CH4, "30.0", 0, T0), (UNKNOWN, "7", 0, T0)])
    assert run("ingest", str(f))[0] == 0
    code, out, _ = run("store", "unmapped", "--json")
    (u,) = json.loads(out)
    assert code == 0 and u["point_code"] == UNKNOWN and u["readings"] == 1
    assert run("store", "unmapped")[0] == 0
    # the registry learns the point → rebuild clears the UNMAPPED flag (raw readings unchanged)
    reg = tmp_path / "reg"
    reg.mkdir()
    (reg / "points.csv").write_text("mine_code,code,station_code,quantity\n"
                                    f"990000000001,{UNKNOWN},DRN-H,temperature\n", encoding="utf-8")
    (reg / "point_configs.csv").write_text("mine_code,point_code,valid_from,unit\n"
                                           f"990000000001,{UNKNOWN},2024-01-01,°C\n", encoding="utf-8")
    with db.session_scope(get_settings().database_url) as s:
        import_registry(s, [reg])
    code, out, _ = run("store", "rebuild")
    assert code == 0
    assert json.loads(run("store", "unmapped", "--json")[1]) == []
    m = json.loads(run("store", "manifest", "--json")[1])
    paths = [x["path"] for x in m["datasets"]["readings"]]
    assert len(paths) == 1 and all(Path(x["abs_path"]).is_file() for x in m["datasets"]["readings"])
    # an orphan (a file no manifest lists) is removed by gc
    orphan = home / "store" / "readings" / "mine=990000000001" / "month=2025-03" / "part-orphan-00001.parquet"
    orphan.write_bytes(b"PAR1")
    code, out, _ = run("store", "gc", "--json")
    assert code == 0 and json.loads(out)["deleted"] == [orphan.relative_to(home / "store").as_posix()]
    assert not orphan.exists() and Path(m["datasets"]["readings"][0]["abs_path"]).is_file()
    assert run("store", "compact")[0] == 0
    assert run("store", "manifest")[0] == 0
