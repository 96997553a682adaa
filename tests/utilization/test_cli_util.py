"""``minegas util`` through the real entry point: JSON shapes, exit codes 0/2."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from minegas.cli import main as cli_main
from minegas.cli import util


def run(args: list[str]) -> int:
    if "util" not in [g.name for g in cli_main.app.registered_groups]:
        cli_main.app.add_typer(util.app, name="util")
    return cli_main.main(args)


def out_json(capsys) -> object:
    return json.loads(capsys.readouterr().out)


def test_blend_json_hand_solved(capsys):
    code = run(["util", "blend", "--stream", "VAM:9000:0.25", "--stream", "D:100:35", "--target-pct", "1.2",
                "--capacity-nm3-min", "9000", "--json"])
    assert code == 0
    d = out_json(capsys)
    assert d["flows_nm3_min"]["D"] == pytest.approx(100.0)
    assert d["flows_nm3_min"]["VAM"] == pytest.approx(33.85 / 0.009, rel=1e-9)
    assert d["ch4_pct"] == pytest.approx(1.15, abs=1e-9)
    assert d["ch4_nm3_min"] == pytest.approx(35 + 0.0025 * 33.85 / 0.009, rel=1e-9)


def test_blend_tolerance_and_technology(capsys):
    code = run(["util", "blend", "--stream", "B:10:40", "--stream", "air:inf:0", "--target-pct", "6",
                "--tolerance-pct", "0.1", "--capacity-nm3-min", "500", "--technology", "thermal-island", "--json"])
    assert code == 0
    d = out_json(capsys)
    assert d["safe_transport"] is True and d["ch4_pct"] == pytest.approx(6.1, abs=1e-9)
    assert d["ch4_nm3_min"] == pytest.approx(4.0, rel=1e-9)


def test_blend_infeasible_exit_2(capsys):
    code = run(["util", "blend", "--stream", "VAM:9000:0.25", "--target-pct", "1.2", "--capacity-nm3-min", "9000"])
    assert code == 2
    assert "target concentration" in capsys.readouterr().err
    assert run(["util", "blend", "--stream", "D:10:40", "--stream", "air:inf:0", "--target-pct", "8",
                "--capacity-nm3-min", "100", "--json"]) == 2
    assert "explosive band" in capsys.readouterr().err


def test_blend_bad_stream_exit_2(capsys):
    assert run(["util", "blend", "--stream", "VAM:lots:0.25", "--target-pct", "1.2", "--capacity-nm3-min", "9"]) == 2
    assert "--stream" in capsys.readouterr().err


def test_catalog(capsys):
    assert run(["util", "catalog", "--json"]) == 0
    cat = out_json(capsys)
    assert len(cat) == 20 and {c["key"] for c in cat} >= {"rto-vam", "thermal-island", "porous-media-boiler"}
    assert run(["util", "catalog", "rto-vam", "--json"]) == 0
    one = out_json(capsys)
    assert one["parameters"]["destruction_efficiency_frac"]["source"] == "s003-t9"
    assert run(["util", "catalog", "rto-vam"]) == 0
    capsys.readouterr()
    assert run(["util", "catalog", "nope"]) == 2


def test_profile_and_design_check(tmp_path: Path, capsys):
    ts = pd.date_range("2025-01-01", periods=72, freq="20min", tz="Asia/Shanghai")
    pd.DataFrame({"ts": [t.isoformat() for t in ts], "station": "VAM", "flow_nm3_min": 9000.0,
                  "ch4_pct": 0.25}).to_csv(tmp_path / "s.csv", index=False)
    assert run(["util", "profile", str(tmp_path / "s.csv"), "--json", "--design-capacity-nm3-min", "9000",
                "--design-ch4-pct", "1.2", "--window", "0.2:1.2"]) == 0
    d = out_json(capsys)
    assert d["stations"]["VAM"]["mean_ch4_pct"] == pytest.approx(0.25)
    assert d["design_check"]["supported_frac"] == pytest.approx(0.25 / 1.2, rel=1e-9)
    assert d["design_check"]["binding"] == "gas supply"
    assert run(["util", "profile", str(tmp_path / "s.csv")]) == 0
    capsys.readouterr()
    assert run(["util", "profile", str(tmp_path / "s.csv"), "--window", "0.2:1.2"]) == 2
    (tmp_path / "naive.csv").write_text("ts,flow_nm3_min,ch4_pct\n2025-01-01 00:00,1,1\n", encoding="utf-8")
    assert run(["util", "profile", str(tmp_path / "naive.csv")]) == 2
    assert "naive.csv:2" in capsys.readouterr().err


def test_recommend_cli(tmp_path: Path, capsys):
    (tmp_path / "m.yaml").write_text(yaml.safe_dump({"mines": [{"id": "990000000001", "sources": [
        {"name": "VAM", "kind": "vam", "flow_nm3_min": 9000, "ch4_pct": 0.25},
        {"name": "LP", "kind": "drained", "flow_nm3_min": 300, "ch4_pct": 5.0}]}]}), encoding="utf-8")
    assert run(["util", "recommend", "--mine", "990000000001", "--sources", str(tmp_path / "m.yaml"),
                "--json", "--rank-by", "ch4"]) == 0
    d = out_json(capsys)
    assert d["rank_by"] == "ch4" and d["options"][0]["rank"] == 1 and d["excluded"]
    assert run(["util", "recommend", "--mine", "990000000001", "--sources", str(tmp_path / "m.yaml")]) == 0
    capsys.readouterr()
    assert run(["util", "recommend", "--mine", "x", "--sources", str(tmp_path / "m.yaml")]) == 2


def test_allocate_cli(tmp_path: Path, capsys):
    sc = {"scenario": "cli", "start": "2025-01-01", "steps": 3,
          "sources": [{"id": "S", "flow_nm3_min": [10, 20, 30], "ch4_pct": 40}],
          "units": [{"id": "E", "technology": "gas-engine", "capacity_flow_nm3_min": 25}],
          "links": [{"from": "S", "to": "E"}]}
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(sc), encoding="utf-8")
    assert run(["util", "allocate", str(tmp_path / "s.yaml"), "--json", "--excel", str(tmp_path / "o.xlsx")]) == 0
    d = out_json(capsys)
    # engine min load 50 % of 25: day 1 (10) is below it → off; days 2–3 take 20 and 25
    assert d["totals"]["ch4_in_units_nm3"] == pytest.approx((20 + 25) * 0.4 * 1440)
    assert Path(d["excel"]).exists()
    assert run(["util", "allocate", str(tmp_path / "s.yaml")]) == 0
    capsys.readouterr()
    sc["links"] = [{"from": "nowhere", "to": "E"}]
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(sc), encoding="utf-8")
    assert run(["util", "allocate", str(tmp_path / "bad.yaml")]) == 2
    assert "bad.yaml" in capsys.readouterr().err


def test_blend_over_a_profile(tmp_path: Path, capsys):
    # VAM all day; 35 % drained gas only in the first 6 hours → 6 feasible hours at 1.2 ± 0.05 %
    ts = pd.date_range("2025-01-01", periods=24, freq="1h", tz="Asia/Shanghai")
    rows = [{"ts": t.isoformat(), "station": "VAM", "flow_nm3_min": 9000.0, "ch4_pct": 0.25} for t in ts]
    rows += [{"ts": t.isoformat(), "station": "D", "flow_nm3_min": 100.0 if i < 6 else 0.0, "ch4_pct": 35.0}
             for i, t in enumerate(ts)]
    pd.DataFrame(rows).to_csv(tmp_path / "p.csv", index=False)
    assert run(["util", "blend", "--profile", str(tmp_path / "p.csv"), "--target-pct", "1.2",
                "--capacity-nm3-min", "9000", "--json"]) == 0
    d = out_json(capsys)
    assert d["hours_feasible"] == 6.0 and d["periods"] == 24
    assert d["periods_detail"][0]["ch4_nm3_min"] == pytest.approx(35 + 0.0025 * 33.85 / 0.009, rel=1e-9)
    assert run(["util", "blend", "--target-pct", "1.2", "--capacity-nm3-min", "9000"]) == 2
