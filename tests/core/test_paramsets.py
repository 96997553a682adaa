"""The parameter-set format (docs/conventions.md §8)."""

from __future__ import annotations

import datetime as dt

import pytest

from minegas.errors import InputError
from minegas.paramsets import load_paramset, parse_paramset

GOOD = {
    "paramset": "policy.test.tariff",
    "version": "2021.1",
    "kind": "policy",
    "title": {"zh": "测试", "en": "test"},
    "valid_from": "2021-05-01",
    "sources": [{"id": "s003", "document": "iGDP 2024", "section": "附录"}],
    "parameters": {
        "tariff_yuan_per_kwh": {"value": 0.509, "unit": "元/kWh", "source": "s003", "confidence": "verified"},
        "deferral_years": {"value": 1, "unit": "yr", "confidence": "assumption", "range": [0, 3]},
    },
    "tables": {"t": {"columns": {"a": "", "b": "亿元"}, "rows": [{"a": "x", "b": 1.0}], "source": "s003"}},
    "notes": [{"id": "n1", "text": "cut-off dated three ways", "source": "s003"}],
}


def test_good_set_round_trip(tmp_path):
    ps = parse_paramset(GOOD)
    assert ps.value("tariff_yuan_per_kwh") == 0.509
    assert ps.valid_on(dt.date(2021, 5, 1)) and not ps.valid_on(dt.date(2021, 4, 30))
    assert "附录" in ps.citation("tariff_yuan_per_kwh")
    assert ps.table("t").rows[0]["b"] == 1.0
    with pytest.raises(KeyError, match="no parameter"):
        ps.value("nope")


@pytest.mark.parametrize(("mutate", "field_fragment"), [
    (lambda d: d["parameters"]["tariff_yuan_per_kwh"].update(source="nowhere"), "unknown source"),
    (lambda d: d["parameters"]["deferral_years"].pop("range"), "range"),
    (lambda d: d["parameters"]["tariff_yuan_per_kwh"].update(confidence="sure"), "confidence"),
    (lambda d: d.update(valid_to="2020-01-01"), "valid_to"),
    (lambda d: d["tables"]["t"]["rows"].append({"zz": 1}), "not declared"),
    (lambda d: d.pop("sources"), "sources"),
])
def test_bad_sets_rejected(mutate, field_fragment):
    import copy

    d = copy.deepcopy(GOOD)
    mutate(d)
    with pytest.raises(InputError) as e:
        parse_paramset(d, "x.yaml")
    assert "x.yaml" in str(e.value)
    assert field_fragment in str(e.value)


def test_load_yaml_errors(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("paramset: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.yaml"):
        load_paramset(p)
    p.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(InputError, match="mapping"):
        load_paramset(p)
