"""The cash-flow engine: physics chain, escalation, VAT/tax wiring, conservation properties, guardrails."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minegas.economics import PARAMETERS, compile_scenario, evaluate, evaluate_many
from minegas.economics.supply import fit_monitoring, pure_nm3_per_year_from_scfm
from minegas.errors import InputError
from minegas.physics import ch4_mass_t


def test_physics_chain_by_hand(make_scenario):
    e = evaluate(make_scenario())
    t = 2
    used = 1.0e7 * 8000 / 8760                      # supply unconstrained, 8000 h of 8760
    assert e.line("ch4_used_nm3")[t] == pytest.approx(used)
    assert e.line("ch4_destroyed_nm3")[t] == pytest.approx(used * 0.99)
    fuel_mj = used * 35.8
    gross = min(fuel_mj * 0.3 / 3.6, 4000 * 8000)   # fuel-limited vs capacity-limited
    assert e.line("power_gross_kwh")[t] == pytest.approx(gross)
    assert e.line("power_grid_kwh")[t] == pytest.approx(gross * 0.9)
    assert e.line("ch4_destroyed_t")[t] == pytest.approx(float(ch4_mass_t(used * 0.99, "0C", "real-0C")))
    assert e.line("co2e_net_t")[t] == pytest.approx(e.line("ch4_destroyed_t")[t] * (21 - 2.75))
    assert e.line("tce_power")[t] == pytest.approx(gross * 0.9 * 300 / 1e6)


def test_capacity_limit_binds(make_scenario):
    e = evaluate(make_scenario(plant={"capacity_kw": 1000}))
    assert e.line("power_gross_kwh")[3] == pytest.approx(1000 * 8000)


def test_escalation_from_year_one(make_scenario):
    e = evaluate(make_scenario(finance={"inflation_frac": 0.03}))
    # fixed O&M of 1.0e6 (year-0 terms) is 1.03e6 in year 1 and 1.03² e6 in year 2
    assert e.line("opex_fixed")[1] == pytest.approx(1.0e6 * 1.03)
    assert e.line("opex_fixed")[2] == pytest.approx(1.0e6 * 1.03 ** 2)
    assert e.line("opex_fixed")[0] == 0.0


def test_vat_and_tax_wiring(make_scenario):
    e = evaluate(make_scenario(tax={"vat_refund_frac": 0.0}, capex={"input_vat_frac": 0.0}))
    t = 3
    # prices include VAT: output VAT = sales × 13/113
    sales = e.line("rev_grid_now")[t] + e.line("tariff_subsidy_cash")[t]
    assert e.line("vat_output")[t] == pytest.approx(sales * 0.13 / 1.13)
    assert e.line("vat_payable")[t] == pytest.approx(e.line("vat_output")[t])
    # taxable = sales excl. VAT − O&M − depreciation; depreciation = 3e7 × 0.95 / 15
    assert e.line("depreciation")[t] == pytest.approx(3.0e7 * 0.95 / 15)
    ebit = sales / 1.13 - 1.0e6 - 3.0e7 * 0.95 / 15
    assert e.line("ebit")[t] == pytest.approx(ebit)
    cash = sales - 1.0e6 - e.line("vat_payable")[t] - e.line("tax_unlevered")[t]
    assert e.line("cf_project")[t] == pytest.approx(cash)


def test_vat_refund_on_power(make_scenario):
    e = evaluate(make_scenario(tax={"vat_refund_frac": 1.0}))
    t = 3
    assert e.line("vat_refund")[t] == pytest.approx(e.line("vat_payable")[t])  # all sales are power sales


def test_debt_flows_and_guardrail(make_scenario, tmp_path):
    e = evaluate(make_scenario(finance={"debt_frac": 0.7, "interest_rate_frac": 0.05, "debt_term_years": 8}))
    assert e.line("debt_drawn")[0] == pytest.approx(0.7 * 3.0e7)
    assert e.line("principal").sum() == pytest.approx(0.7 * 3.0e7)
    service = e.line("debt_service")[1:9]
    assert np.allclose(service, service[0])
    assert e.metrics["dscr_min"] == pytest.approx(np.nanmin(e.line("dscr")))
    # equity cash flow = project cash flow + loan − debt service + tax shield of interest
    cf = e.line("cf_project") + e.line("debt_drawn") - e.line("debt_service") + e.line("tax_unlevered") - e.line(
        "tax_levered")
    assert e.line("cf_equity") == pytest.approx(cf)
    p = tmp_path / "bad.yaml"
    p.write_text("scenario: bad\ntimeline: {start_year: 2020, operating_years: 10}\n"
                 "supply: {ch4_nm3_per_year: 1.0e7}\n"
                 "plant: {technology: power, capacity_kw: 1000, electrical_efficiency_frac: 0.3}\n"
                 "capex: {items: [{name: x, yuan: 1.0e7}]}\nfinance: {debt_frac: 1.2}\n", encoding="utf-8")
    with pytest.raises(InputError) as ei:
        evaluate(str(p))
    assert "100 %" in str(ei.value) and "bad.yaml" in str(ei.value) and "debt_frac" in str(ei.value)
    with pytest.raises(InputError):
        evaluate_many(make_scenario(), {"debt_frac": np.array([0.5, 1.5])})


def test_dscr_sized_debt_is_capped(make_scenario):
    e = evaluate(make_scenario(finance={"debt_frac": 0.5, "dscr_target": 1.05, "interest_rate_frac": 0.05}))
    assert e.line("debt_drawn")[0] == pytest.approx(0.5 * 3.0e7)
    assert any("guardrail" in w for w in e.warnings)
    e2 = evaluate(make_scenario(finance={"debt_frac": 1.0, "dscr_target": 3.0, "interest_rate_frac": 0.05}))
    assert e2.metrics["dscr_min"] == pytest.approx(3.0, rel=1e-6)


def test_overrides_and_batch_do_not_touch_the_scenario(make_scenario):
    sc = make_scenario()
    before = sc.model_dump()
    base = evaluate(sc).metrics["npv_project_yuan"]
    b = evaluate_many(sc, {"capex_scale": np.array([0.8, 1.0, 1.2])})
    assert b.metrics["npv_project_yuan"][1] == pytest.approx(base)
    assert b.metrics["npv_project_yuan"][0] > base > b.metrics["npv_project_yuan"][2]
    assert sc.model_dump() == before
    assert evaluate(sc).metrics["npv_project_yuan"] == base
    with pytest.raises(InputError, match="unknown parameter"):
        evaluate_many(sc, {"nope": [1.0]})
    with pytest.raises(InputError):
        evaluate_many(sc, {"availability_frac": [1.5]})
    clipped = evaluate_many(sc, {"availability_frac": np.array([1.5, 0.5])}, clip=True)
    assert clipped.clipped == {"availability_frac": 1}


def test_every_parameter_is_in_the_base(make_scenario):
    c = compile_scenario(make_scenario())
    assert set(c.base) == set(PARAMETERS)


def test_npv_convention_switch(make_scenario):
    a = evaluate(make_scenario())
    b = evaluate(make_scenario(finance={"npv_convention": "excel"}))
    assert b.metrics["npv_project_yuan"] == pytest.approx(a.metrics["npv_project_yuan"] / 1.08)


def test_monitoring_profile_fit_recovers_decline():
    months = 36
    v = 1.0e6 * (1 - 0.12) ** (np.arange(months) / 12)
    level, d = fit_monitoring(v)
    assert d == pytest.approx(0.12, abs=1e-9)
    assert level == pytest.approx(v[-12:].sum())
    with pytest.raises(InputError):
        fit_monitoring([1.0, 2.0])
    with pytest.raises(InputError):
        fit_monitoring([1.0, 0.0, 2.0, 3.0])


def test_monitoring_profile_in_a_scenario(make_scenario):
    monthly = (8.0e5 * 0.99 ** np.arange(24)).tolist()
    e = evaluate(make_scenario(supply={"profile": "monitoring", "monthly_ch4_nm3": monthly,
                                       "ch4_nm3_per_year": None}))
    s = e.line("supply_nm3")
    assert s[2] / s[1] == pytest.approx(0.99 ** 12, rel=1e-9)
    assert any("monitoring" in n for n in e.compiled.notes)


def test_series_and_decline_profiles(make_scenario):
    e = evaluate(make_scenario(supply={"profile": "decline", "decline_frac_per_year": 0.05}))
    s = e.line("supply_nm3")
    assert s[2] / s[1] == pytest.approx(0.95)
    ser = [1e7, 9e6, 8e6] + [7e6] * 17
    e2 = evaluate(make_scenario(supply={"profile": "series", "series_ch4_nm3": ser, "ch4_nm3_per_year": None}))
    assert e2.line("supply_nm3")[1:4].tolist() == pytest.approx([1e7, 9e6, 8e6])
    with pytest.raises(InputError, match="series"):
        evaluate(make_scenario(supply={"profile": "series", "series_ch4_nm3": [1e7], "ch4_nm3_per_year": None}))


def test_scfm_conversion_westvamp():
    # 150,000 scfm × 0.9 % → 1,350 scfm CH4 → × 0.0283168 m³/ft³ × 525,600 min → 60 °F → 0 °C (×273.15/288.706)
    v = pure_nm3_per_year_from_scfm(150_000, 0.9)
    assert v == pytest.approx(1350 * 0.028316846592 * 525_600 * 273.15 / (519.67 / 1.8), rel=1e-12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scale=st.floats(0.0, 2.0), avail=st.floats(0.05, 1.0), eff=st.floats(0.05, 0.45), par=st.floats(0.0, 0.5),
       capex=st.floats(0.2, 3.0), infl=st.floats(-0.02, 0.08))
def test_conservation_properties(make_scenario, scale, avail, eff, par, capex, infl):
    sc = make_scenario()  # the factory is stateless: sharing it across examples is safe
    b = evaluate_many(sc, {"supply_scale": [scale], "availability_frac": [avail], "electrical_efficiency_frac": [eff],
                           "parasitic_frac": [par], "capex_scale": [capex], "inflation_frac": [infl]})
    L = {k: v[0] for k, v in b.lines.items()}
    assert np.all(L["ch4_destroyed_nm3"] <= L["ch4_used_nm3"] + 1e-6)
    assert np.all(L["ch4_used_nm3"] <= L["supply_nm3"] + 1e-6)
    assert np.all(L["power_net_kwh"] <= L["power_gross_kwh"] + 1e-6)
    assert L["power_grid_kwh"] + L["power_mine_kwh"] == pytest.approx(L["power_net_kwh"])
    assert L["cfads"] == pytest.approx(L["cash_in"] - L["cash_out"])
    assert L["cf_project"] == pytest.approx(-L["capex"] + L["capex_grant"] + L["cfads"] - L["tax_unlevered"]
                                            + L["residual"])
    assert L["tariff_subsidy_cash"].sum() == pytest.approx(L["tariff_subsidy_accrued"].sum())
    assert L["depreciation"].sum() <= L["capex"].sum() + 1e-6
    assert np.all(L["tax_unlevered"] >= 0) and np.all(L["vat_payable"] >= 0)
