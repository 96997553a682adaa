"""Compliance runs over store data, on a hand-made day of the fixture mine (tests/data/registry, 990000000001,
Jincheng / Shanxi) whose expected findings are worked out by hand:

- drainage main DRN-H: 50 m³/min at 20 °C of 35 % gas all day, no vent meter (the outlet vents what it drains):
  pure CH4 = 50 × 273.15/293.15 × 0.35 = 16.31 Nm³/min (17.5 m³/min at 20 °C);
  GB 21522-2008 (≥ 30 % must not be vented): one violating calendar day; GB 21522-2024 (≥ 8 % and ≥ 10 m³/min,
  24-h means): not yet binding in March 2025 (new mines 2025-04-01, existing 2027-04 [S]) — as a what-if it
  bans the whole day (rolling windows and the calendar day);
- the gas-engine inlet GE-IN (20 Nm³/min): 10 % CH4 from 08:00 to 10:00 CST, 40 % otherwise: the explosive band
  5–16 % (a 'safety' finding) and direct combustion below 30 % (approval required), one episode each;
- utilisation 8 of 16.31 Nm³/min (≈ 0.48 while the inlet reads 40 %): below Jincheng's 60 % and Shanxi's 50 %.
"""

from __future__ import annotations

from datetime import timedelta

import engine_helpers  # noqa: F401  (puts tests/measurements on the path)
import pytest
from store_helpers import DRN_CH4, DRN_FLOW, cdss, local, make_store

from minegas.accounting import balance as B
from minegas.accounting import runs as R
from minegas.measurements.ingest import ingest_paths
from minegas.measurements.store import Store

MINE = "990000000001"
DAY = "2025-03-01"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    root = tmp_path_factory.mktemp("compliance")
    st = make_store(root)
    t = local("2025-02-28 00:00:00")
    end = local("2025-03-02 00:00:00")
    rows = []
    k = 0
    while t <= end:
        low = local("2025-03-01 08:00:00") <= t <= local("2025-03-01 10:00:00")
        w = (-1) ** k * 0.05   # a little movement, so no value repeats long enough to look like a stuck sensor
        rows += [(DRN_FLOW, f"{50.0 + 2 * w:.2f}", 0, t), (DRN_CH4, f"{35.0 + w:.2f}", 0, t),
                 ("GE1-FLOW", f"{20.0 + w:.2f}", 0, t), ("GE1-CH4", f"{(10.0 if low else 40.0) + w:.2f}", 0, t)]
        t += timedelta(minutes=5)
        k += 1
    for k, day0 in enumerate((local("2025-02-28 00:00:00"), local("2025-03-01 00:00:00"))):
        part = [r for r in rows if day0 <= r[3] < day0 + timedelta(days=1) or (k == 1 and r[3] == end)]
        cdss(root / "kj", day0 + timedelta(days=1), part)
    assert not ingest_paths(st, [root / "kj"]).rejected
    yield st
    st.close()


def _by_rule(run: R.ComplianceRun) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in run.findings:
        out.setdefault(f.rule_id, []).append(f)
    return out


def test_findings_of_the_day(store: Store) -> None:
    run = R.check(store, MINE, DAY)
    got = _by_rule(run)
    v08 = got["GB21522-2008.no-venting"]
    assert len(v08) == 1 and v08[0].severity == "violation"
    assert v08[0].window_start == local("2025-03-01 00:00:00")
    assert v08[0].evidence["ch4_pct_max"] == pytest.approx(35.0, abs=0.05)
    assert "GB21522-2024.no-venting" not in got            # not binding in March 2025
    (ex,) = got["SAFETY.explosive-inlet"]
    assert ex.severity == "safety" and ex.window_start == local("2025-03-01 08:00:00")
    assert ex.window_end == local("2025-03-01 10:00:00") and ex.evidence["value_max"] == pytest.approx(10.0, abs=0.06)
    (dc,) = got["CMSR.direct-combustion"]
    assert dc.severity == "approval_required"
    b = B.mine_balance(store, MINE, DAY)
    rate = b.used_nm3 / b.drained_nm3
    assert 0.45 < rate < 0.5
    assert {f.rule_id for f in run.findings if f.rule_id.startswith("TARGET")} == {
        "TARGET.jincheng-underground-60", "TARGET.shanxi-cmm-2025-50"}
    assert any("dry" in s for s in run.skipped)
    assert run.counts()["SAFETY.explosive-inlet"] == 1


def test_gb21522_2024_what_if(store: Store) -> None:
    run = R.check(store, MINE, DAY, what_if_2024=True)
    w = [f for f in run.findings if f.rule_id == "GB21522-2024.no-venting"]
    assert w and all(f.evidence.get("what_if") for f in w)
    cal = [f for f in w if f.evidence["basis"] == "calendar_day"]
    assert len(cal) == 1
    # 50 m³/min at 20 °C of 35 % gas: 16.31 Nm³/min at 0 °C, 17.5 m³/min at the rule's 20 °C
    assert cal[0].evidence["pure_flow_nm3_min_max"] == pytest.approx(50 * 273.15 / 293.15 * 0.35, abs=0.01)
    assert cal[0].evidence["pure_flow_rule_state_m3_min_max"] == pytest.approx(17.5, abs=0.01)
    assert cal[0].evidence["verdict_0c_any"] and cal[0].evidence["verdict_20c_any"]
    rolling = [f for f in w if f.evidence["basis"] == "rolling_24h"]
    assert len(rolling) == 1 and rolling[0].window_end <= local("2025-03-02 00:00:00")


def test_existing_vs_new_mine_before_april_2025(store: Store) -> None:
    # a new mine is bound from 2025-04-01: still nothing in March
    run = R.check(store, MINE, DAY, mine_status="new")
    assert not [f for f in run.findings if f.rule_id.startswith("GB21522-2024")]
    from minegas.errors import InputError

    with pytest.raises(InputError, match="mine status"):
        R.check(store, MINE, DAY, mine_status="old")  # type: ignore[arg-type]


def test_findings_table(store: Store) -> None:
    run = R.check(store, MINE, DAY)
    t = R.findings_table(run.findings)
    assert t.num_rows == len(run.findings) and "evidence_json" in t.column_names


@pytest.mark.parametrize(("safe", "lo", "hi", "expected"), [
    (True, 3.0, 8.0, True),       # thermal island (seed 003 表9: 3–8 %)
    (True, 6.0, 8.0, True),       # porous-media boiler
    (True, 25.0, 100.0, False),   # a gas engine for ≥ 25 % gas: in-band inlet gas is not its design
    (False, 3.0, 8.0, False),     # no safe-transport system
    (True, 0.2, 1.2, False),      # RTO on VAM: its window lies below the band
    (True, None, None, True),     # no window recorded: the safe-transport system decides
])
def test_units_designed_for_gas_inside_the_band(safe: bool, lo: float | None, hi: float | None,
                                                expected: bool) -> None:
    from types import SimpleNamespace

    unit = SimpleNamespace(safe_transport=safe, ch4_min_pct=lo, ch4_max_pct=hi)
    assert R._designed_for_band(unit) is expected
