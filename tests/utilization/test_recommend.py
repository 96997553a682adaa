"""Recommendation: options per source and for blends, figures by hand, CCER shares, findings, exclusions,
ranking with and without the economics step, and the mine-sources file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import minegas.economics as economics
from minegas.errors import InputError
from minegas.physics.climate import gwp
from minegas.utilization.recommend import MineSources, Source, load_mine_sources, recommend

MINE = MineSources("990000000001", [Source("VAM", "vam", 9000, 0.25), Source("LP", "drained", 300, 5.0),
                                    Source("HP", "drained", 60, 35.0), Source("MID", "drained", 150, 13.0)],
                   name="示例煤矿 demo")


@pytest.fixture(scope="module")
def rec():
    return recommend(MINE)


def _opt(rec, tech, sources):
    return next(o for o in rec.options if o.technology == tech and o.sources == sources)


def test_single_source_rto_by_hand(rec):
    o = _opt(rec, "rto-vam", ["VAM"])
    ch4_yr = 9000 * 0.0025 * 60 * 8000                      # 1 080万 Nm³ in
    assert o.ch4_in_nm3_yr == pytest.approx(ch4_yr, rel=1e-9)
    assert o.ch4_destroyed_nm3_yr == pytest.approx(0.95 * ch4_yr, rel=1e-9)
    t = 0.95 * ch4_yr * 0.7175e-3
    assert o.ch4_destroyed_t_yr == pytest.approx(t, rel=1e-9)
    assert o.co2e_net_t_yr == pytest.approx(t * (gwp("AR6-fossil", 100) - 44 / 16), rel=1e-9)
    assert o.co2e_gross_t_yr == pytest.approx(t * gwp("AR6-fossil", 100), rel=1e-9)
    assert o.electricity_net_kwh_yr == pytest.approx(ch4_yr * 35.8 * 0.19 / 3.6 * 0.8, rel=1e-9)
    assert o.ccer_eligible and o.ccer_eligible_share == pytest.approx(1.0)
    assert o.findings == []


def test_blend_option_ccer_share_excludes_rich_gas(rec):
    o = _opt(rec, "rto-vam", ["VAM", "LP", "HP", "MID"])
    assert o.inlet_ch4_pct == pytest.approx(1.0, abs=0.05 + 1e-9)
    f = o.flows_nm3_min
    ch4 = {"VAM": f["VAM"] * 0.25, "LP": f["LP"] * 5.0, "HP": f["HP"] * 35.0, "MID": f["MID"] * 13.0}
    assert o.ccer_eligible
    assert o.ccer_eligible_share == pytest.approx((ch4["VAM"] + ch4["LP"]) / sum(ch4.values()), rel=1e-9)
    assert o.ch4_in_nm3_min == pytest.approx(sum(ch4.values()) / 100, rel=1e-9)


def test_findings_and_exclusions(rec):
    ti = _opt(rec, "thermal-island", ["LP"])
    assert ti.inlet_ch4_pct == pytest.approx(5.0)
    assert [x.severity for x in ti.findings] == ["approval-required", "info"]
    assert not ti.ccer_eligible
    ex = {(e.technology, tuple(e.sources)): e.reasons for e in rec.excluded}
    assert "below the window" in ex[("boiler", ("VAM",))][0]
    assert "outside the window" in ex[("vpsa", ("HP",))][0]
    assert any(o.technology.startswith("vpsa+") and o.sources == ["MID"] for o in rec.options)


def test_ranking_falls_back_to_co2e_without_economics(monkeypatch):
    monkeypatch.delattr(economics, "evaluate_option", raising=False)
    r = recommend(MINE)
    assert r.rank_by == "co2e" and "evaluate_option" in r.economics_status
    assert all(o.economics is not None and o.economics.status == "unavailable" for o in r.options)
    vals = [o.co2e_net_t_yr for o in r.options]
    assert vals == sorted(vals, reverse=True)
    assert [o.rank for o in r.options] == list(range(1, len(r.options) + 1))


def test_ranking_with_the_real_economics_module(rec):
    if getattr(economics, "evaluate_option", None) is None:
        pytest.skip("minegas.economics.evaluate_option is not available")
    assert rec.rank_by == "npv" and rec.economics_status == "ok"
    npv = [o.economics.npv_yuan for o in rec.options]
    assert all(v is not None and np.isfinite(v) for v in npv)
    assert npv == sorted(npv, reverse=True)


def test_ranking_by_npv_through_the_economics_call(monkeypatch):
    calls = []

    def fake(inputs, policy=None, discount_rate_frac=None):
        calls.append((inputs["technology"], policy))
        return {"npv_yuan": 100.0 * inputs["co2e_net_t_per_yr"] - inputs["capex_yuan"], "irr_frac": 0.1}

    monkeypatch.setattr(economics, "evaluate_option", fake, raising=False)
    r = recommend(MINE, policy="policy.shanxi.gas-power-tariff")
    assert r.rank_by == "npv" and r.economics_status == "ok"
    npv = [o.economics.npv_yuan for o in r.options]
    assert npv == sorted(npv, reverse=True)
    assert len(calls) == len(r.options) and {p for _, p in calls} == {"policy.shanxi.gas-power-tariff"}


def test_minimum_flow_exclusion():
    r = recommend(MineSources("m", [Source("tiny", "drained", 0.1, 35.0)]), technologies=["gas-engine", "boiler"])
    assert not r.options
    assert all("below the minimum" in e.reasons[0] for e in r.excluded)


def test_bad_inputs():
    with pytest.raises(InputError):
        recommend(MINE, operating_hours_per_yr=0)
    with pytest.raises(InputError):
        recommend(MineSources("m", []))
    with pytest.raises(InputError):
        recommend(MINE, technologies=["nope"])


def test_mine_sources_file_yaml_toml_and_profile(tmp_path: Path):
    ts = pd.date_range("2025-01-01", periods=48, freq="1h", tz="Asia/Shanghai")
    pd.DataFrame({"ts": [t.isoformat() for t in ts], "station": "HP", "flow_nm3_min": np.r_[np.full(24, 50.0),
                  np.full(24, 70.0)], "ch4_pct": 35.0}).to_csv(tmp_path / "hp.csv", index=False)
    (tmp_path / "m.yaml").write_text("""
mines:
  - id: "990000000001"
    name: 示例煤矿
    sources:
      - {name: VAM, kind: vam, flow_nm3_min: 9000, ch4_pct: 0.25}
      - name: HP
        kind: drained
        profile: {file: hp.csv}
""", encoding="utf-8")
    ms = load_mine_sources(tmp_path / "m.yaml", "990000000001")
    hp = ms.sources[1]
    assert hp.flow_nm3_min == pytest.approx(60.0) and hp.ch4_pct == pytest.approx(35.0)
    (tmp_path / "m.toml").write_text('[[mines]]\nid = "x"\n[[mines.sources]]\nname = "V"\nkind = "vam"\n'
                                     'flow_nm3_min = 100\nch4_pct = 0.3\n', encoding="utf-8")
    assert load_mine_sources(tmp_path / "m.toml", "x").sources[0].ch4_pct == 0.3
    with pytest.raises(InputError, match="mine not found"):
        load_mine_sources(tmp_path / "m.yaml", "nope")
    (tmp_path / "bad.yaml").write_text("mines:\n  - id: x\n    sources:\n      - {name: V, kind: vam, ch4_pct: 1}\n",
                                       encoding="utf-8")
    with pytest.raises(InputError) as ei:
        load_mine_sources(tmp_path / "bad.yaml", "x")
    assert "bad.yaml" in str(ei.value) and "mines.0.sources.0" in str(ei.value)
