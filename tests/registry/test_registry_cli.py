"""`minegas registry import|export|show` through minegas.cli.main.main (exit codes 0 / 1 / 2)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from registry_helpers import MINE, REGISTRY_DATA, set_cell

from minegas.cli.main import main


def test_import_creates_and_fills_the_registry(minegas_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["registry", "import", str(REGISTRY_DATA)]) == 0
    out = capsys.readouterr().out
    assert "新增 inserted" in out and "测点 points" in out
    assert (minegas_home / "registry.sqlite").exists()
    assert main(["registry", "import", "--json", str(REGISTRY_DATA)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["tables"]["point"] == {"inserted": 0, "updated": 0, "unchanged": 17}


def test_import_rejected_exit_2(minegas_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path / "in"
    shutil.copytree(REGISTRY_DATA, d)
    set_cell(d / "stations.csv", 2, "mine_code", "990000000009")
    assert main(["registry", "import", str(d)]) == 2
    err = capsys.readouterr().err
    assert "stations.csv:2" in err and "unknown mine" in err
    assert main(["registry", "show", "mines", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # nothing was imported


def test_dry_run_on_uninitialised_home_creates_nothing(minegas_home: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["registry", "import", "--dry-run", "--json", str(REGISTRY_DATA)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["dry_run"] is True and summary["tables"]["mine"]["inserted"] == 1
    assert not (minegas_home / "registry.sqlite").exists()


def test_dry_run_rejects_with_exit_2(minegas_home: Path, tmp_path: Path) -> None:
    f = tmp_path / "mines.csv"
    f.write_text("code,name_zh\n1,x\n", encoding="utf-8")
    assert main(["registry", "import", "--dry-run", str(f)]) == 2


def test_show(minegas_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["registry", "import", str(REGISTRY_DATA)]) == 0
    capsys.readouterr()
    assert main(["registry", "show", "mines", "--json"]) == 0
    mines = json.loads(capsys.readouterr().out)
    assert [m["code"] for m in mines] == [MINE] and mines[0]["county_code"] == "140521"
    assert main(["registry", "show", "points", "--mine", MINE, "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 17
    assert main(["registry", "show", "stations", "--json"]) == 0
    assert {s["code"] for s in json.loads(capsys.readouterr().out)} == {"DRN-H", "PUMP-OUT", "GE-IN", "VENT-1",
                                                                         "RET-1"}
    assert main(["registry", "show", "units", "--mine", MINE]) == 0
    assert "GE1" in capsys.readouterr().out
    assert main(["registry", "show", "mines"]) == 0
    out = capsys.readouterr().out
    assert "煤矿 mines" in out and "生产" in out  # the status label (narrow test console wraps the names)
    assert main(["registry", "show", "stations", "--mine", "123"]) == 2
    assert main(["registry", "show", "things"]) == 2  # usage error


def test_show_and_export_need_an_initialised_registry(minegas_home: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["registry", "show", "mines"]) == 1
    assert "minegas init" in capsys.readouterr().err
    assert main(["registry", "export", str(tmp_path / "out")]) == 1
    assert not (minegas_home / "registry.sqlite").exists()


def test_export(minegas_home: Path, tmp_path: Path) -> None:
    assert main(["registry", "import", str(REGISTRY_DATA)]) == 0
    assert main(["registry", "export", str(tmp_path / "out")]) == 0
    assert len(list((tmp_path / "out").glob("*.csv"))) == 10
    assert main(["registry", "export", str(tmp_path / "book.xlsx")]) == 0
    assert (tmp_path / "book.xlsx").stat().st_size > 0
    blocker = tmp_path / "file.txt"
    blocker.write_text("x", encoding="utf-8")
    assert main(["registry", "export", str(blocker)]) == 2
    # the exported folder imports back unchanged
    assert main(["registry", "import", str(tmp_path / "out")]) == 0


def test_init_then_import(minegas_home: Path) -> None:
    assert main(["init"]) == 0
    assert main(["registry", "import", str(REGISTRY_DATA / "regions.csv")]) == 0
