"""`minegas demo` now ingests the generated month, computes every demo mine's methane balance next to the
generator's truth and runs the compliance checks (one day here, to keep the test short)."""

from __future__ import annotations

import pytest

from minegas.cli.main import main
from minegas.services.demo import run_demo
from minegas.settings import get_settings


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("demo-mrv")
    s = get_settings(home=home, database_url=f"sqlite:///{home / 'registry.sqlite'}")
    return s, run_demo(s, period="2025-03-01", cadence_s=300)


def test_demo_balances_next_to_the_truth(demo) -> None:
    _, r = demo
    assert r.ingest["stored_files"] > 0 and r.ingest["store_readings"] > 0
    assert set(r.balances) == {m.code for m in r.mines} and len(r.balances) == 14
    drained = sum(b.drained_nm3 for b in r.balances.values())
    used = sum(b.used_nm3 for b in r.balances.values())
    truth_drained = sum(t["drained_nm3"] for t in r.truth.values())
    truth_used = sum(t["used_nm3"] for t in r.truth.values())
    # measured with faults (one truncated upload per mine = 1 h of 24 missing under the China guideline's
    # 'exclude' rule, gaps, calibrations) and noise, vs the generator's physics
    assert truth_drained * 0.88 < drained < truth_drained
    assert used / drained == pytest.approx(truth_used / truth_drained, abs=0.03)
    for b in r.balances.values():
        assert b.methodology_id == "CN-NDRC-2015-COAL" and b.gwp_set == "SAR"
        assert b.co2e_of("gross") is not None
    # the demo region vents ≥ 30 % gas on its high-suction systems: GB 21522-2008 findings
    rules = {k for f in r.findings.values() for k in f}
    assert "GB21522-2008.no-venting" in rules and "SAFETY.explosive-inlet" in rules


def test_demo_is_still_idempotent(demo) -> None:
    s, first = demo
    again = run_demo(s, period="2025-03-01", cadence_s=300)
    assert again.ingest["stored_files"] == 0
    assert again.ingest["skipped_files"] == first.ingest["stored_files"] + first.ingest["skipped_files"]
    assert again.ingest["store_readings"] == first.ingest["store_readings"]
    a = {c: b.drained_nm3 for c, b in first.balances.items()}
    assert {c: b.drained_nm3 for c, b in again.balances.items()} == a


def test_demo_cli_prints_the_balance(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("MINEGAS_HOME", str(tmp_path / "h"))
    monkeypatch.delenv("MINEGAS_DATABASE_URL", raising=False)
    assert main(["demo", "--period", "2025-03-02"]) == 0
    out = capsys.readouterr().out
    assert "甲烷平衡" in out and "methane balance" in out and "合规发现" in out
