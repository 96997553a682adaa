"""Scenario files (YAML and TOML, errors naming file, line and field), the CLI and the utilization entry point."""

from __future__ import annotations

import json
import tomllib

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minegas.cli.main import main
from minegas.economics import evaluate, evaluate_option, load_scenario, resolve_scenario, shipped_scenarios
from minegas.economics.scenario import SCENARIO_DIR, SHIPPED, parse_scenario
from minegas.errors import InputError


def test_yaml_and_toml_give_the_same_scenario(tmp_path):
    data = tomllib.loads((SCENARIO_DIR / "bofang.toml").read_text(encoding="utf-8"))
    p = tmp_path / "bofang.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    a = load_scenario(p)
    b = resolve_scenario("bofang")
    assert a.model_dump() == b.model_dump()
    assert evaluate(a).metrics == evaluate(b).metrics


def test_validation_errors_name_file_line_and_field(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("scenario: bad\n"
                 "timeline: {start_year: 2020, operating_years: 10}\n"
                 "supply: {ch4_nm3_per_year: 1.0e7}\n"
                 "plant:\n"
                 "  technology: power\n"
                 "  capacity_kw: 1000\n"
                 "  electrical_efficiency_frac: 1.5\n"
                 "capex: {items: [{name: x, yuan: 1.0e7}]}\n", encoding="utf-8")
    with pytest.raises(InputError) as ei:
        load_scenario(p)
    prob = ei.value.problems[0]
    assert prob.file == str(p) and prob.field == "plant.electrical_efficiency_frac" and prob.line == 7
    assert "docs/economics.md" in (prob.fix or "")


def test_bad_files_rejected(tmp_path):
    p = tmp_path / "x.yaml"
    p.write_text("scenario: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML"):
        load_scenario(p)
    q = tmp_path / "x.toml"
    q.write_text("scenario = \n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid TOML"):
        load_scenario(q)
    r = tmp_path / "x.json"
    r.write_text("{}", encoding="utf-8")
    with pytest.raises(InputError, match="format"):
        load_scenario(r)
    with pytest.raises(InputError, match="unknown scenario"):
        resolve_scenario("no-such-case")
    s = tmp_path / "y.yaml"
    s.write_text("scenario: y\ntimeline: {start_year: 2020, operating_years: 5, operation_start: 2020-06}\n"
                 "supply: {ch4_nm3_per_year: 1.0}\nplant: {technology: heat, heat_efficiency_frac: 0.8}\n"
                 "capex: {items: [{name: x, yuan: 1.0}]}\n", encoding="utf-8")
    with pytest.raises(InputError, match="investment year"):
        evaluate(str(s))  # operation in year 0 contradicts the RETScreen convention


def test_with_updates_returns_a_new_scenario():
    sc = resolve_scenario("sanzhang")
    lo = sc.with_updates(tariff={"scheme": "low-price"})
    assert sc.tariff.scheme == "yishou-dingzhi" and lo.tariff.scheme == "low-price"
    with pytest.raises(InputError):
        sc.with_updates(nope={"x": 1})


def test_shipped_scenarios_are_the_seven():
    assert set(shipped_scenarios()) == set(SHIPPED) and len(SHIPPED) == 7


# --- CLI -------------------------------------------------------------------------------------------------------

def _json(capsys):
    return json.loads(capsys.readouterr().out)


def test_cli_evaluate_json_and_excel(capsys, tmp_path):
    x = tmp_path / "out.xlsx"
    assert main(["econ", "evaluate", "bofang", "--json", "--excel", str(x)]) == 0
    d = _json(capsys)
    assert d["scenario"] == "bofang" and d["excel"] == str(x) and x.exists()
    assert d["metrics"]["npv_project_yuan"] == pytest.approx(evaluate("bofang").metrics["npv_project_yuan"])
    assert "t = 0" in d["conventions"]["npv"]
    assert main(["econ", "evaluate", "sanzhang", "--scheme", "low-price", "--json"]) == 0
    d2 = _json(capsys)
    assert sum(d2["table"]["tariff_subsidy_cash"]) == 0.0


def test_cli_evaluate_human_output(capsys):
    assert main(["econ", "evaluate", "zhaiyadi"]) == 0
    out = capsys.readouterr().out
    assert "project NPV" in out and "项目净现值" in out


def test_cli_bad_scenario_exits_2(capsys, tmp_path):
    assert main(["econ", "evaluate", "no-such-case"]) == 2
    p = tmp_path / "bad.toml"
    p.write_text('scenario = "b"\n[timeline]\nstart_year = 2020\noperating_years = 0\n', encoding="utf-8")
    assert main(["econ", "evaluate", str(p), "--json"]) == 2
    assert main(["econ", "risk", "bofang", "--draws", "1"]) == 2


def test_cli_cases_json(capsys):
    assert main(["econ", "cases", "--json"]) == 0
    rows = _json(capsys)
    assert len(rows) >= 80
    assert set(rows[0]) == {"case", "quantity", "unit", "published", "computed", "deviation_pct", "explanation"}
    sub = next(r for r in rows if r["case"] == "bofang" and r["quantity"] == "subsidy_yuan_per_yr")
    assert abs(sub["deviation_pct"]) <= 2
    assert main(["econ", "cases", "--case", "fuyan", "--json"]) == 0
    assert {r["case"] for r in _json(capsys)} == {"fuyan"}
    assert main(["econ", "cases", "--case", "nope"]) == 2
    assert main(["econ", "cases", "--case", "bofang"]) == 0
    assert "reproduced" in capsys.readouterr().out


def test_cli_risk_and_sensitivity_json(capsys):
    assert main(["econ", "risk", "bofang", "--draws", "300", "--seed", "3", "--json"]) == 0
    d = _json(capsys)
    assert d["draws"] == 300 and 0.0 <= d["prob_npv_negative"] <= 1.0
    assert main(["econ", "risk", "bofang", "--draws", "300", "--seed", "3", "--json"]) == 0
    assert _json(capsys)["summary"] == d["summary"]  # same seed, same answer
    assert main(["econ", "sensitivity", "bofang", "--json"]) == 0
    t = _json(capsys)
    assert t["method"] == "tornado" and t["bars"][0]["swing"] >= t["bars"][-1]["swing"]
    assert main(["econ", "sensitivity", "bofang", "--method", "sobol", "--n", "64", "--json"]) == 0
    assert _json(capsys)["method"] == "sobol"
    assert main(["econ", "sensitivity", "bofang", "--method", "morris", "--n", "10", "--json"]) == 0
    assert "mu_star" in next(iter(_json(capsys)["indices"].values()))
    assert main(["econ", "sensitivity", "bofang", "--swing", "2"]) == 2
    assert main(["econ", "risk", "sanzhang", "--draws", "200"]) == 0
    assert "P10" in capsys.readouterr().out


# --- the utilization entry point ---------------------------------------------------------------------------------

def test_evaluate_option_contract():
    inputs = {"technology": "rto-vam", "capex_yuan": 1.7e8, "opex_fixed_yuan_per_yr": 6.8e6, "life_yr": 20,
              "electricity_net_kwh_per_yr": 9.6e7, "heat_gj_per_yr": 1.0e5, "gas_lhv_mj_per_yr": 0.0,
              "ch4_utilized_nm3_per_yr": 5.184e7, "ch4_destroyed_t_per_yr": 36_450.0, "co2e_net_t_per_yr": 6.6e5,
              "ccer_eligible_share": 0.6, "gwp_set": "SAR", "gwp_horizon_yr": 100}
    r = evaluate_option(inputs)
    assert {"npv_yuan", "irr_frac", "payback_yr"} <= set(r)
    assert r["tariff_scheme"] == "coal-base"
    r_y = evaluate_option(inputs, policy="yishou-dingzhi")
    assert r_y["npv_yuan"] > r["npv_yuan"]  # the 0.509 tariff is worth more than the coal base
    no_c = evaluate_option({**inputs, "ccer_eligible_share": 0.0})
    assert no_c["npv_yuan"] < r["npv_yuan"]  # carbon revenue counts
    r8 = evaluate_option(inputs, discount_rate_frac=0.12)
    assert r8["npv_yuan"] < r["npv_yuan"]
    with pytest.raises(InputError):
        evaluate_option({"capex_yuan": 1.0})
    with pytest.raises(InputError):
        evaluate_option(inputs, policy="policy.nope")


# --- fuzzing the scenario parser -----------------------------------------------------------------------------------

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20)
_sections = st.sampled_from(["scenario", "timeline", "supply", "plant", "capex", "tariff", "finance", "tax",
                             "prices", "risk", "nope"])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_sections, _json_values, max_size=8))
def test_parse_scenario_fuzz_only_raises_input_error(data):
    try:
        parse_scenario(data, "<fuzz>")
    except InputError as exc:
        assert exc.problems and all(p.file == "<fuzz>" for p in exc.problems)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_load_scenario_fuzz_text(tmp_path, text):
    p = tmp_path / "f.yaml"
    p.write_text(text, encoding="utf-8")
    try:
        load_scenario(p)
    except InputError:
        pass
