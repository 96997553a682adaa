"""``minegas mrv …``: totals, balance (mine and roll-ups), check, completeness and methodology runs on a data home,
through the real ``minegas`` entry point (exit codes: 0 ok — also with findings —, 2 rejected input); and the hook
that attaches the report module's commands exactly when that module exists."""

from __future__ import annotations

import importlib.util
import json
from datetime import timedelta
from pathlib import Path

import engine_helpers  # noqa: F401  (puts tests/measurements on the path)
import pytest
from store_helpers import DRN_CH4, DRN_FLOW, REGISTRY_DATA, cdss, local

from minegas.cli import main as cli_main
from minegas.cli import mrv
from minegas.measurements.ingest import ingest_paths
from minegas.measurements.store import Store
from minegas.registry import db
from minegas.registry.importer import import_registry
from minegas.settings import get_settings

MINE = "990000000001"


def _minegas(argv: list[str]) -> int:
    """Run the ``minegas`` command; the ``mrv`` group is attached to the root app for the test when the root does
    not attach it itself (its registration list belongs to minegas.cli.main)."""
    if not any(g.name == "mrv" for g in cli_main.app.registered_groups):
        mrv.register(cli_main.app)
    return cli_main.main(argv)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    h = tmp_path_factory.mktemp("home")
    s = get_settings(home=h)
    db.upgrade_to_head(s.database_url)
    with db.session_scope(s.database_url) as ss:
        import_registry(ss, [REGISTRY_DATA])
    store = Store(s.store_dir, s.database_url)
    t, end, rows, k = local("2025-02-28 00:00:00"), local("2025-03-02 00:00:00"), [], 0
    while t <= end:
        w = (-1) ** k * 0.05
        low = local("2025-03-01 08:00:00") <= t <= local("2025-03-01 10:00:00")
        rows += [(DRN_FLOW, f"{50.0 + 2 * w:.2f}", 4 if k == 300 else 0, t), (DRN_CH4, f"{35.0 + w:.2f}", 0, t),
                 ("GE1-FLOW", f"{20.0 + w:.2f}", 0, t), ("GE1-CH4", f"{(10.0 if low else 40.0) + w:.2f}", 0, t)]
        t += timedelta(minutes=5)
        k += 1
    for day0 in (local("2025-02-28 00:00:00"), local("2025-03-01 00:00:00")):
        cdss(h / "kj", day0 + timedelta(days=1), [r for r in rows if day0 <= r[3] < day0 + timedelta(days=1)])
    assert not ingest_paths(store, [h / "kj"]).rejected
    store.close()
    return h


@pytest.fixture
def env(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MINEGAS_HOME", str(home))
    monkeypatch.delenv("MINEGAS_DATABASE_URL", raising=False)
    return home


def _json(capsys: pytest.CaptureFixture[str]) -> object:
    return json.loads(capsys.readouterr().out)


def test_totals(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _minegas(["mrv", "totals", "--period", "2025-03-01", "--mine", MINE, "--json"]) == 0
    rows = {r["station_code"]: r for r in _json(capsys)}   # type: ignore[union-attr]
    assert set(rows) == {"DRN-H", "GE-IN"}
    r = rows["DRN-H"]
    assert r["measured_s"] + r["substituted_s"] + r["missing_s"] == 86400.0
    # 50 m³/min at 20 °C × 273.15/293.15 × 35 % = 16.31 Nm³/min over the measured minutes
    assert r["ch4_nm3"] == pytest.approx(50 * 273.15 / 293.15 * 0.35 * r["measured_s"] / 60, rel=2e-3)
    assert r["missing_s"] == 900.0   # the calibrating reading (2 × 300 s) and the last 5 minutes of the day
    assert r["gap_rule"] == "exclude" and r["density"] == "real-0C"
    # one calibrating flow reading (标校): excluded, then substituted by 98.325
    assert _minegas(["mrv", "totals", "--period", "2025-03-01", "--mine", MINE, "--gap-rule", "epa_98_325",
                     "--json"]) == 0
    sub = {r["station_code"]: r for r in _json(capsys)}   # type: ignore[union-attr]
    assert sub["DRN-H"]["substituted_s"] == 600.0 and sub["DRN-H"]["missing_s"] == r["missing_s"] - 600.0
    assert _minegas(["mrv", "totals", "--period", "2025-03-01", "--points", "--by", "day", "--json"]) == 0
    pts = _json(capsys)
    assert {p["point_code"] for p in pts} >= {DRN_FLOW, DRN_CH4, "GE1-FLOW", "GE1-CH4"}   # type: ignore[union-attr]
    assert _minegas(["mrv", "totals", "--period", "2025-03-01"]) == 0
    out = capsys.readouterr().out
    assert "期间累计" in out and "period totals" in out and "real-0C" in out


def test_balance_mine_and_rollups(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _minegas(["mrv", "balance", "--mine", MINE, "--period", "2025-03-01", "--json"]) == 0
    b = _json(capsys)
    s = b["summary"]   # type: ignore[index]
    assert s["methodology_id"] == "CN-NDRC-2015-COAL" and s["gwp_set"] == "SAR" and s["density"] == "cn-2015"
    assert s["drained_nm3"] > 0 and s["utilization_rate_drained_frac"] == pytest.approx(
        s["used_nm3"] / s["drained_nm3"])
    assert s["co2e_gross_t"] == pytest.approx(s["emitted_ch4_t"] * 21.0)
    assert _minegas(["mrv", "balance", "--county", "140521", "--period", "2025-03-01", "--json"]) == 0
    r = _json(capsys)
    assert r["rollup"][0]["drained_nm3"] == pytest.approx(s["drained_nm3"])   # type: ignore[index]
    assert _minegas(["mrv", "balance", "--region", "140500", "--period", "2025-03-01", "--gwp", "AR6",
                     "--horizon", "20", "--methodology", "physical"]) == 0
    out = capsys.readouterr().out
    assert "甲烷平衡" in out and "AR6 20" in out
    assert _minegas(["mrv", "balance", "--mine", MINE, "--period", "2025-03-01"]) == 0
    out = capsys.readouterr().out
    assert "methane balance" in out and "cn-2015" in out


@pytest.mark.parametrize("argv", [
    ["mrv", "balance", "--mine", "000000000000", "--period", "2025-03-01"],          # unknown mine
    ["mrv", "balance", "--mine", MINE, "--period", "2025-13"],                       # bad period
    ["mrv", "balance", "--mine", MINE, "--period", "2025-03", "--gwp", "SAR", "--horizon", "20"],  # SAR has no GWP-20
    ["mrv", "balance", "--mine", MINE, "--period", "2025-03", "--gwp", "AR7"],       # unknown GWP set
    ["mrv", "balance", "--period", "2025-03"],                                       # no selector
    ["mrv", "totals", "--period", "2025-03", "--gap-rule", "guess"],                 # unknown gap rule
    ["mrv", "check", "--mine", MINE, "--period", "2025-03", "--mine-status", "old"],
    ["mrv", "method", "ccer-10-001", "--mine", MINE, "--period", "2025-03"],         # CCER without a GWP
    ["mrv", "method", "bogus", "--mine", MINE, "--period", "2025-03"],
])
def test_rejected_input_exits_2(env: Path, argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert _minegas(argv) == 2
    capsys.readouterr()


def test_check_exits_0_with_findings(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _minegas(["mrv", "check", "--mine", MINE, "--period", "2025-03-01", "--json"]) == 0
    r = _json(capsys)
    assert r["counts"]["GB21522-2008.no-venting"] == 1   # type: ignore[index]
    assert r["counts"]["SAFETY.explosive-inlet"] == 1   # type: ignore[index]
    assert any(f["severity"] == "violation" for f in r["findings"])   # type: ignore[index]
    assert _minegas(["mrv", "check", "--mine", MINE, "--period", "2025-03-01", "--what-if-2024"]) == 0
    out = capsys.readouterr().out
    assert "合规发现" in out and "findings" in out and "(7)" in out   # 5 without the what-if + 2 (rolling, day)


def test_completeness_and_method(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _minegas(["mrv", "completeness", "--period", "2025-03-01", "--mine", MINE, "--json"]) == 0
    (row,) = _json(capsys)   # type: ignore[misc]
    assert row["uploads_received"] == 1 and row["stations"] == 2
    assert _minegas(["mrv", "method", "cn-2015", "--mine", MINE, "--period", "2025-03-01", "--json"]) == 0
    r = _json(capsys)
    assert r["methodology_id"] == "CN-NDRC-2015-COAL" and r["results"]["underground_ch4_t"] > 0   # type: ignore[index]
    assert _minegas(["mrv", "method", "epa-ff", "--mine", MINE, "--period", "2025-03-01"]) == 0
    assert "US-EPA-40CFR98-FF" in capsys.readouterr().out


def test_report_hook_follows_the_module() -> None:
    """`mrv report` / `mrv close` are attached if and only if minegas.cli.mrv_report exists in the package."""
    exists = importlib.util.find_spec("minegas.cli.mrv_report") is not None
    names = {c.name or (c.callback.__name__ if c.callback else "") for c in mrv.app.registered_commands}
    assert ("report" in names) == exists
    assert ("close" in names) == exists
    assert {"totals", "balance", "check", "completeness", "method"} <= names
