"""``minegas data list | show | notes`` (text and --json) and their exit codes."""

from __future__ import annotations

import json

import pytest

from data_api.refdata_common import REFERENCE_IDS
from minegas import data
from minegas.cli.main import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_json_on_all_shipped_sets(capsys: pytest.CaptureFixture[str]) -> None:
    data.clear_cache()
    code, out, _ = _run(capsys, "data", "list", "--json")
    assert code == 0
    rows = json.loads(out)
    assert REFERENCE_IDS <= {r["id"] for r in rows}
    baseline = next(r for r in rows if r["id"] == "reference.jincheng.baseline-2021")
    assert baseline == {"id": "reference.jincheng.baseline-2021", "version": "2022.1", "kind": "reference",
                        "title": baseline["title"], "path": "reference/jincheng-baseline-2021.yaml"}
    assert set(baseline["title"]) == {"zh", "en"}


def test_list_text_is_bilingual(capsys: pytest.CaptureFixture[str], reference_only: data.Catalog,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = _run(capsys, "data", "list")
    assert code == 0
    assert "参数集 parameter set" in out and "版本 version" in out
    assert "reference.seeds.contradictions" in out


def test_show_json_parameters_tables_notes(capsys: pytest.CaptureFixture[str], reference_only: data.Catalog) -> None:
    code, out, _ = _run(capsys, "data", "show", "reference.jincheng.baseline-2021", "--json")
    assert code == 0
    doc = json.loads(out)
    p = doc["parameters"]["underground_drained_2021_yi_m3"]
    assert (p["value"], p["unit"], p["base_value"], p["base_unit"]) == (20.7, "亿m³", 2.07e9, "m³")
    assert (p["source"], p["confidence"]) == ("s000-1.2.3", "verified")
    assert "第一章 第二节 三、井下抽采" in p["citation"]
    assert doc["tables"]["proven_reserves_by_block"]["columns"]["proven_reserves_yi_m3"] == "亿m³"
    assert {n["id"] for n in doc["notes"]} >= {"output-per-km2"}
    assert any(s["id"] == "s000-1.2.3" for s in doc["sources"])


def test_show_text(capsys: pytest.CaptureFixture[str], reference_only: data.Catalog,
                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    code, out, _ = _run(capsys, "data", "show", "reference.shanxi.mine-classes-2019")
    assert code == 0
    for label in ("参数 parameters", "单位 unit", "来源 source", "可信度 confidence", "表 table: mine_class_2019",
                  "数据质量说明 data-quality notes"):
        assert label in out, label
    assert "28.06" in out and "×10⁸m³" in out


def test_show_english_only(capsys: pytest.CaptureFixture[str], reference_only: data.Catalog,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINEGAS_LANG", "en")
    monkeypatch.setenv("COLUMNS", "250")
    code, out, _ = _run(capsys, "data", "show", "reference.technology.concentration-windows")
    assert code == 0
    assert "parameters" in out and "参数" not in out
    assert "Gas-utilization technology windows" in out


def test_show_unknown_id_exits_2_with_suggestion(capsys: pytest.CaptureFixture[str],
                                                 reference_only: data.Catalog) -> None:
    code, out, err = _run(capsys, "data", "show", "reference.jincheng.baseline-2012")
    assert code == 2
    assert "did you mean" in (out + err) and "reference.jincheng.baseline-2021" in (out + err)


def test_notes_json_lists_every_contradiction(capsys: pytest.CaptureFixture[str], reference_only: data.Catalog) -> None:
    code, out, _ = _run(capsys, "data", "notes", "--set", "reference.seeds.contradictions", "--json")
    assert code == 0
    notes = json.loads(out)
    assert len(notes) == len(data.load("reference.seeds.contradictions").notes) == 35
    n = next(x for x in notes if x["id"] == "mine-gas-use-below-60pct")
    assert n["figures"]["computed_utilization_2025_pct"] == 59.1
    assert n["citation"].startswith("seed 000")
    code, out, _ = _run(capsys, "data", "notes", "--json")
    assert {x["paramset"] for x in json.loads(out)} > {"reference.seeds.contradictions"}


def test_notes_text_and_unknown_set(capsys: pytest.CaptureFixture[str], reference_only: data.Catalog,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    code, out, _ = _run(capsys, "data", "notes", "--set", "reference.national.context")
    assert code == 0
    assert "数据质量说明 data-quality notes" in out and "implied-gwp" in out
    code, _, _ = _run(capsys, "data", "notes", "--set", "nope")
    assert code == 2


def test_bad_shipped_file_exits_2_naming_the_file(capsys: pytest.CaptureFixture[str], tmp_path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "broken.yaml").write_text("paramset: reference.x.y\nversion: '1'\n", encoding="utf-8")
    monkeypatch.setattr(data, "_default", data.Catalog(tmp_path))
    code, _, err = _run(capsys, "data", "list")
    assert code == 2
    assert "broken.yaml" in err and "input rejected" in err
