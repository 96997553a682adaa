"""The minegas.data loader: lookup, caching, DataFrames, base units, and every error path (bad files are
rejected with an InputError naming the file and the field)."""

from __future__ import annotations

import math
import tempfile
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from minegas import data
from minegas.errors import InputError

GOOD = """\
paramset: reference.test.good
version: "1"
kind: reference
title: {zh: 测试, en: test}
sources:
  - {id: s1, document: "a document", section: "§1"}
parameters:
  drained_yi_m3: {value: 20.7, unit: 亿m³, source: s1, confidence: verified}
  label: {value: "text", unit: "", source: s1, confidence: verified}
tables:
  t:
    source: s1
    columns: {name: "", amount_wan_t: 万t, source: ""}
    rows:
      - {name: a, amount_wan_t: 1.5, source: s1}
      - {name: b}
notes:
  - {id: n1, text: "a doubt", source: s1, figures: {computed_x: 1.0}}
"""


def _write(root: Path, rel: str, text: str) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def _problems(root: Path) -> list[str]:
    with pytest.raises(InputError) as ei:
        data.Catalog(root).ids()
    return [str(p) for p in ei.value.problems]


# ---------------------------------------------------------------------------------------------------------------
# the happy path
# ---------------------------------------------------------------------------------------------------------------

def test_recursive_load_value_table_notes(tmp_path: Path) -> None:
    _write(tmp_path, "reference/good.yaml", GOOD)
    _write(tmp_path, "policies/deep/other.yml", GOOD.replace("reference.test.good", "reference.test.other"))
    cat = data.Catalog(tmp_path)
    assert cat.ids() == ["reference.test.good", "reference.test.other"]  # both folders, .yaml and .yml
    assert cat.value("reference.test.good", "drained_yi_m3") == 20.7
    q = cat.quantity("reference.test.good", "drained_yi_m3")
    assert (q.value, q.unit, q.base_value, q.base_unit) == (20.7, "亿m³", 2.07e9, "m³")
    assert cat.quantity("reference.test.good", "label").base_value is None

    df = cat.table("reference.test.good", "t")
    assert list(df.columns) == ["name", "amount_wan_t", "source"]
    assert df.attrs["units"] == {"name": "", "amount_wan_t": "万t", "source": ""}
    assert (df.attrs["paramset"], df.attrs["table"], df.attrs["source"]) == ("reference.test.good", "t", "s1")
    assert df.amount_wan_t.iloc[0] == 1.5 and math.isnan(df.amount_wan_t.iloc[1])

    notes = cat.notes("reference.test.good")
    assert [(n.paramset, n.id, n.citation, n.figures) for n in notes] == [
        ("reference.test.good", "n1", "a document, §1", {"computed_x": 1.0})]
    assert len(cat.notes()) == 2
    s = cat.summaries()[0]
    assert (s.id, s.version, s.kind, s.title["en"]) == ("reference.test.good", "1", "reference", "test")
    assert s.path.endswith("good.yaml")


def test_load_is_cached_until_cleared(tmp_path: Path) -> None:
    p = _write(tmp_path, "a.yaml", GOOD)
    cat = data.Catalog(tmp_path)
    first = cat.load("reference.test.good")
    assert cat.load("reference.test.good") is first
    p.write_text(GOOD.replace("20.7", "21.0"), encoding="utf-8")
    assert cat.value("reference.test.good", "drained_yi_m3") == 20.7  # cached
    cat.clear()
    assert cat.value("reference.test.good", "drained_yi_m3") == 21.0


def test_unknown_id_and_name(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", GOOD)
    cat = data.Catalog(tmp_path)
    with pytest.raises(KeyError, match=r"did you mean reference\.test\.good"):
        cat.load("reference.test.goood")
    with pytest.raises(KeyError, match=r"known ids: reference\.test\.good"):
        cat.load("zzz")
    with pytest.raises(KeyError, match="no parameter 'nope'"):
        cat.value("reference.test.good", "nope")
    with pytest.raises(KeyError, match="no table 'nope'"):
        cat.table("reference.test.good", "nope")


def test_module_api_on_shipped_data() -> None:
    data.clear_cache()
    assert data.data_dir().name == "data" and (data.data_dir() / "reference").is_dir()
    assert data.load("reference.jincheng.baseline-2021") is data.load("reference.jincheng.baseline-2021")
    assert data.value("reference.jincheng.baseline-2021", "surface_output_2021_yi_m3") == 42.67
    df = data.table("reference.jincheng.cluster-targets", "cluster_output_value")
    assert df.attrs["units"]["y2025_yi_yuan"] == "亿元"
    ids = {n.id for n in data.notes("reference.seeds.contradictions")}
    assert "output-per-km2" in ids
    assert {n.paramset for n in data.notes()} >= {"reference.seeds.contradictions", "reference.jincheng.baseline-2021"}
    with pytest.raises(KeyError, match="did you mean"):
        data.load("reference.jincheng.baseline-2012")


# ---------------------------------------------------------------------------------------------------------------
# error paths: each names the file and the field
# ---------------------------------------------------------------------------------------------------------------

def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    _write(tmp_path, "bad.yaml", "paramset: x\nparameters: {a: [1, 2\n")
    (msg,) = _problems(tmp_path)
    assert "bad.yaml:" in msg and "correct the YAML syntax" in msg


def test_missing_unit_names_file_and_field(tmp_path: Path) -> None:
    _write(tmp_path, "bad.yaml", GOOD.replace("  drained_yi_m3: {value: 20.7, unit: 亿m³,", "  drained_yi_m3: {value: 20.7,"))
    (msg,) = _problems(tmp_path)
    assert "bad.yaml" in msg and "field 'parameters.drained_yi_m3.unit'" in msg and "conventions.md §8" in msg


def test_parameter_citing_undeclared_source(tmp_path: Path) -> None:
    _write(tmp_path, "bad.yaml", GOOD.replace("source: s1, confidence: verified}\n  label", "source: s9, confidence: verified}\n  label"))
    (msg,) = _problems(tmp_path)
    assert "bad.yaml" in msg and "unknown source 's9'" in msg


def test_note_citing_undeclared_source(tmp_path: Path) -> None:
    _write(tmp_path, "bad.yaml", GOOD.replace('text: "a doubt", source: s1', 'text: "a doubt", source: s7'))
    (msg,) = _problems(tmp_path)
    assert "bad.yaml" in msg and "field 'notes.0.source'" in msg and "'s7'" in msg


@pytest.mark.parametrize("cited", ["s5", "[s1, s5]"])
def test_table_row_citing_undeclared_source(tmp_path: Path, cited: str) -> None:
    _write(tmp_path, "bad.yaml", GOOD.replace("amount_wan_t: 1.5, source: s1}", f"amount_wan_t: 1.5, source: {cited}}}"))
    (msg,) = _problems(tmp_path)
    assert "bad.yaml" in msg and "field 'tables.t.rows.0.source'" in msg and "'s5'" in msg


def test_row_with_undeclared_column(tmp_path: Path) -> None:
    _write(tmp_path, "bad.yaml", GOOD.replace("- {name: b}", "- {name: b, colour: red}"))
    (msg,) = _problems(tmp_path)
    assert "bad.yaml" in msg and "tables.t" in msg and "colour" in msg


def test_duplicate_set_id_across_files(tmp_path: Path) -> None:
    _write(tmp_path, "a/one.yaml", GOOD)
    _write(tmp_path, "b/two.yaml", GOOD)
    (msg,) = _problems(tmp_path)
    assert "two.yaml" in msg and "field 'paramset'" in msg and "one.yaml already uses it" in msg


def test_duplicate_note_id(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", GOOD + '  - {id: n1, text: "again"}\n')
    (msg,) = _problems(tmp_path)
    assert "field 'notes.1.id'" in msg and "duplicate note id" in msg


def test_duplicate_yaml_key_is_rejected_not_silently_replaced(tmp_path: Path) -> None:
    text = GOOD.replace("  label:", "  drained_yi_m3: {value: 99, unit: 亿m³, source: s1, confidence: verified}\n  label:")
    _write(tmp_path, "dup.yaml", text)
    (msg,) = _problems(tmp_path)
    assert "dup.yaml:9" in msg and "duplicate key 'drained_yi_m3'" in msg and "first at line 8" in msg


def test_not_utf8_and_not_a_mapping(tmp_path: Path) -> None:
    (tmp_path / "latin1.yaml").write_bytes("title: 瓦斯".encode("gb18030"))
    _write(tmp_path, "list.yaml", "- 1\n- 2\n")
    msgs = _problems(tmp_path)
    assert any("latin1.yaml" in m and "not UTF-8" in m for m in msgs)
    assert any("list.yaml" in m and "top level must be a mapping" in m for m in msgs)


def test_problems_of_all_files_reported_together(tmp_path: Path) -> None:
    _write(tmp_path, "ok.yaml", GOOD)
    _write(tmp_path, "b1.yaml", GOOD.replace("reference.test.good", "reference.test.b1").replace("kind: reference", "kind: nonsense"))
    _write(tmp_path, "b2.yaml", GOOD.replace("reference.test.good", "reference.test.b2").replace('version: "1"\n', ""))
    msgs = _problems(tmp_path)
    assert any("b1.yaml" in m and "field 'kind'" in m for m in msgs)
    assert any("b2.yaml" in m and "field 'version'" in m for m in msgs)


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="directory not found"):
        data.Catalog(tmp_path / "nowhere").ids()


def test_assumption_needs_range(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", GOOD.replace("source: s1, confidence: verified}\n  label", "source: s1, confidence: assumption}\n  label"))
    (msg,) = _problems(tmp_path)
    assert "parameters.drained_yi_m3" in msg and "range" in msg


# ---------------------------------------------------------------------------------------------------------------
# fuzzing: any file content is either a valid set or an InputError — never another exception
# ---------------------------------------------------------------------------------------------------------------

_yaml_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8))
_yaml_values = st.recursive(_yaml_scalars, lambda inner: st.lists(inner, max_size=3)
                            | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(raw=st.binary(max_size=300))
def test_fuzz_random_bytes(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "f.yaml").write_bytes(raw)
        try:
            data.Catalog(d).ids()
        except InputError as exc:
            assert exc.problems and all(p.file and p.file.endswith("f.yaml") for p in exc.problems)


@settings(max_examples=150, deadline=None)
@given(patch=st.dictionaries(st.sampled_from(["paramset", "version", "kind", "title", "sources", "parameters",
                                                "tables", "notes", "valid_from", "valid_to", "extra"]),
                             _yaml_values, max_size=4))
def test_fuzz_mutated_structure(patch: dict) -> None:
    doc = yaml.safe_load(GOOD)
    doc.update(patch)
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "f.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        try:
            ids = data.Catalog(d).ids()
        except InputError as exc:
            assert exc.problems and all(p.file and p.file.endswith("f.yaml") for p in exc.problems)
        else:
            assert ids == [str(doc["paramset"])]


# ---------------------------------------------------------------------------------------------------------------
# base units
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "unit", "expected"), [
    (20.7, "亿m³", (2.07e9, "m³")),
    (8.31, "万亿m³", (8.31e12, "m³")),
    (89, "万m³/日", (890000.0, "m³/日")),
    (159.5, "万m³/km²", (1.595e6, "m³/km²")),
    (1.34, "×10¹⁰m³", (1.34e10, "m³")),
    (28.06, "×10⁸m³", (2.806e9, "m³")),
    (9, "×10⁴Nm³/h", (90000.0, "Nm³/h")),
    (537.86, "亿t CO2e", (5.3786e10, "t CO2e")),
    (621.1, "MW", (621.1, "MW")),
    (59.66, "%", (59.66, "%")),
    ("text", "亿元", (None, "元")),
    (True, "万t", (None, "t")),
])
def test_to_base_units(value: object, unit: str, expected: tuple) -> None:
    assert data.to_base_units(value, unit) == expected


@given(v=st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
       prefix=st.sampled_from([("", 0), ("万", 4), ("亿", 8), ("万亿", 12), ("×10³", 3), ("×10¹⁰", 10)]),
       base=st.sampled_from(["m³", "t", "元", "kWh", "m³/年"]))
def test_to_base_units_scales_by_the_prefix_and_is_idempotent(v: float, prefix: tuple[str, int], base: str) -> None:
    got, unit = data.to_base_units(v, prefix[0] + base)
    assert unit == base
    assert got == pytest.approx(v * 10 ** prefix[1], rel=1e-12, abs=1e-300)
    assert data.to_base_units(got, unit) == (got, unit)
