"""The Excel export: real formulas that, evaluated independently, reproduce the engine; inputs drive the table."""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import openpyxl
import pytest

from economics.xlsx_eval import Evaluator
from minegas.economics import evaluate, shipped_scenarios
from minegas.economics.excel import write_workbook

CHECK = {  # CashFlow row label prefix → engine line
    "上网电费(当年结算)": "rev_grid_now", "电价补贴到账": "tariff_subsidy_cash", "利用补贴": "util_subsidy",
    "销项税": "vat_output", "应缴增值税": "vat_payable", "增值税即征即退": "vat_refund", "现金流入": "cash_in",
    "现金流出": "cash_out", "折旧": "depreciation", "息税前利润": "ebit", "利息": "interest",
    "所得税 income tax, 项目": "tax_unlevered", "所得税 income tax, 资本金": "tax_levered",
    "项目净现金流": "cf_project", "资本金净现金流": "cf_equity", "累计净现金流": "cf_project_cumulative",
}


def _check_workbook(e, path):
    ev = Evaluator(path)
    n = len(e.years)
    ws = ev.wb["CashFlow"]
    assert isinstance(ws["C5"].value, str) and ws["C5"].value.startswith("=")  # formulas, not numbers
    for label, line in CHECK.items():
        r = ev.find_row("CashFlow", label)
        got = ev.row_values("CashFlow", r, 3, n)
        want = e.line(line)
        scale = max(1.0, float(np.abs(want).max()))
        assert got == pytest.approx(want.tolist(), abs=1e-7 * scale), (e.scenario.scenario, label)
    r_npv = ev.find_row("CashFlow", "项目净现值")
    assert float(ev.cell("CashFlow", f"C{r_npv}")) == pytest.approx(e.metrics["npv_project_yuan"], rel=1e-9)
    r_xl = ev.find_row("CashFlow", "Excel NPV()")
    assert float(ev.cell("CashFlow", f"C{r_xl}")) == pytest.approx(
        e.metrics["npv_project_yuan"] / (1 + e.compiled.base["discount_rate_frac"]), rel=1e-9)
    r_irr = ev.find_row("CashFlow", "项目内部收益率")
    assert float(ev.cell("CashFlow", f"C{r_irr}")) == pytest.approx(e.metrics["irr_project_frac"], abs=1e-9)
    return ev


@pytest.mark.parametrize("name", ["sanzhang", "zhaiyadi", "chengzhuang-baisha", "fuyan", "bofang", "westvamp",
                                  "gaohe"])
def test_formulas_reproduce_the_engine(tmp_path, name):
    e = evaluate(shipped_scenarios()[name])
    _check_workbook(e, write_workbook(e, tmp_path / f"{name}.xlsx"))


def test_deferral_debt_losses_and_prices_without_vat(tmp_path, make_scenario):
    sc = make_scenario(timeline={"commissioning_months": 18, "commissioning_load_frac": 0.1},
                       tariff={"deferral_years": 2, "paid_on_time_frac": 0.3},
                       finance={"debt_frac": 0.8, "interest_rate_frac": 0.06, "debt_term_years": 7},
                       tax={"loss_carryforward_years": 2, "vat_refund_lag_years": 1},
                       prices={"include_vat": False}, capex={"input_vat_frac": 0.7},
                       opex={"fixed_yuan_per_year": 6.0e6, "input_vat_frac": 0.5})
    e = evaluate(sc)
    assert e.line("loss_used_levered").sum() > 0 and e.line("tariff_subsidy_cash").sum() > 0
    _check_workbook(e, write_workbook(e, tmp_path / "x.xlsx"))


def test_changing_an_input_recomputes_like_the_engine(tmp_path):
    sc = shipped_scenarios()["bofang"]
    e = evaluate(sc)
    ev = Evaluator(write_workbook(e, tmp_path / "b.xlsx"))
    ev.set_name("price_ng", 3.5)
    e2 = evaluate(sc, {"natural_gas_yuan_per_nm3": 3.5})
    r = ev.find_row("CashFlow", "项目净现金流")
    assert ev.row_values("CashFlow", r, 3, len(e.years)) == pytest.approx(e2.line("cf_project").tolist(), rel=1e-9)
    r_irr = ev.find_row("CashFlow", "项目内部收益率")
    assert float(ev.cell("CashFlow", f"C{r_irr}")) == pytest.approx(e2.metrics["irr_project_frac"], abs=1e-9)


def test_cached_values_and_atomic_write(tmp_path):
    e = evaluate("bofang")
    p = write_workbook(e, tmp_path / "sub" / "c.xlsx")
    wb = openpyxl.load_workbook(p, data_only=True)  # cached results, as Excel shows them before recalculation
    ws = wb["CashFlow"]
    ev = Evaluator(p)
    r = ev.find_row("CashFlow", "项目净现金流")
    cached = [ws.cell(r, 3 + t).value for t in range(len(e.years))]
    assert cached == pytest.approx(e.line("cf_project").tolist())
    assert float(npf.irr(cached)) == pytest.approx(e.metrics["irr_project_frac"], abs=1e-9)
    assert not list((tmp_path / "sub").glob("*.xlsx.tmp*")) and len(list((tmp_path / "sub").iterdir())) == 1
