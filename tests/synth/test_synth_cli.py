"""``minegas synth`` and ``minegas synth fast`` through Typer, with the exit-code mapping of minegas.cli.main."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from minegas.cli.common import report_error
from minegas.cli.synth import app as synth_app
from minegas.errors import EXIT_REJECTED


def _invoke(args: list[str]) -> tuple[int, str]:
    """Run ``minegas synth …`` as cli/main.py would (sub-app attached as ``synth``; errors → exit codes)."""
    root = typer.Typer()
    root.add_typer(synth_app, name="synth")

    @root.command()
    def version() -> None:  # a second command keeps "synth" a sub-command
        pass

    r = CliRunner().invoke(root, ["synth", *args])
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        return report_error(r.exception), r.output
    return r.exit_code, r.output


def test_cli_generates_and_prints_a_bilingual_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINEGAS_LANG", "both")
    monkeypatch.setenv("COLUMNS", "250")
    out = tmp_path / "o"
    code, text = _invoke(["--start", "2025-03-01", "--days", "1", "--cadence", "300", "--seed", "1", "--out",
                          str(out), "--faults", "gaps=0.01,calibration=1,truncated=1", "--format", "kj,csv",
                          "--mines", "990522000001,990521000003", "--workers", "1"])
    assert code == 0, text
    for label in ("煤矿 mine", "利用率% utilization %", "合计 total", "990522000001", "990521000003"):
        assert label in text
    m = json.loads((out / "synth.json").read_text(encoding="utf-8"))
    assert [x["mine_code"] for x in m["mines"]] == ["990522000001", "990521000003"]
    assert m["faults"] == "gaps=0.01,calibration=1,truncated=1" and m["formats"] == ["kj", "csv"]
    assert (out / "registry" / "mines.csv").is_file() and list((out / "kj").iterdir())


def test_cli_json_output(tmp_path: Path) -> None:
    code, text = _invoke(["--end", "2025-03-01T02:00:00+08:00", "--out", str(tmp_path / "o"), "--format",
                          "parquet", "--mines", "990521000003", "--json", "--workers", "1"])
    assert code == 0
    m = json.loads(text)
    assert m["totals"]["readings"] == 10 * 120  # 10 points × 120 samples of 60 s (default cadence) in 2 h
    assert (tmp_path / "o" / "canonical" / "long" / "990521000003_202503.parquet").is_file()


@pytest.mark.parametrize(("args", "needle"), [
    (["--faults", "floods=1"], "floods"),
    (["--mines", "123"], "123"),
    (["--cadence", "0"], "cadence"),
    (["--format", "xml"], "xml"),
])
def test_cli_rejects_bad_requests_with_exit_code_2(tmp_path: Path, args: list[str], needle: str) -> None:
    code, _ = _invoke(["--days", "1", "--out", str(tmp_path / "o"), "--workers", "1", *args])
    assert code == EXIT_REJECTED


def test_cli_requires_an_output_folder() -> None:
    code, text = _invoke(["--days", "1"])
    assert code == 2 and "--out" in text


def test_cli_fast_writes_exactly_n_rows(tmp_path: Path) -> None:
    out = tmp_path / "r.parquet"
    code, text = _invoke(["fast", "--rows", "12345", "--out", str(out), "--chunk-rows", "5000", "--json"])
    assert code == 0
    info = json.loads(text)
    f = pq.ParquetFile(out)
    assert info["rows"] == f.metadata.num_rows == 12345 and f.metadata.num_row_groups == 3
