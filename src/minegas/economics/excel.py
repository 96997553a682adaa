"""Excel export of the yearly cash-flow table with formulas people can follow (XlsxWriter).

Two sheets:

- **Inputs (输入)**: the scalar parameters as *named cells* (``discount_rate``, ``tariff_base``, ``vat_electricity`` …,
  each with unit and source) and the yearly physical quantities the engine computed (grid energy by tariff regime,
  power to the mine, heat, product gas, CH4 used, credited CO2e, capex, operating share …).
- **CashFlow (现金流量表)**: one column per year; every money cell is an Excel formula on the inputs and on the cells
  above it — escalation, tariff regimes and the deferred subsidy (cash *lag* years later), sales, VAT with
  carry-forward and refund, O&M, depreciation, debt (``PMT``), income tax with FIFO loss carry-forward, project and
  equity cash flows, NPV (``=B + NPV(r, C:…)``: t = 0 undiscounted), IRR. Each formula cell also stores the engine's
  value as its cached result, so the file shows numbers before Excel recalculates; change an input and Excel
  recomputes the table.

The workbook is written atomically (temporary file + ``os.replace``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from xlsxwriter import Workbook
from xlsxwriter.utility import xl_col_to_name

from minegas.economics.evaluation import Evaluation
from minegas.economics.tariff import REGIMES

_FIRST_COL = 2  # column C holds year 0 on both sheets


def _col(t: int) -> str:
    return xl_col_to_name(_FIRST_COL + t)


class _Sheet:
    """Row bookkeeping: key → 1-based Excel row of a yearly line."""

    def __init__(self) -> None:
        self.rows: dict[str, int] = {}

    def ref(self, key: str, t: int, sheet: str | None = None, absolute_row: bool = False) -> str:
        r = self.rows[key]
        cell = f"{_col(t)}{'$' if absolute_row else ''}{r}"
        return f"{sheet}!{cell}" if sheet else cell


def _scalar_inputs(e: Evaluation) -> list[tuple[str, str, float, str, str]]:
    """(defined name, label, value, unit, source) of every scalar the formulas use."""
    c = e.compiled
    st = c.static
    P = {k: float(v.reshape(-1)[0]) for k, v in e.batch.params.items()}
    prov = c.provenance
    vr = st.vat_rates

    def src(key: str, default: str = "scenario") -> str:
        return prov.get(key, default)

    principal = float(e.batch.lines["debt_drawn"][0, 0])
    return [
        ("discount_rate", "折现率 discount rate", P["discount_rate_frac"], "1/yr", "scenario finance"),
        ("esc_energy", "能源价格上涨率 energy-price escalation", P["energy_escalation_frac"], "1/yr", "scenario"),
        ("esc_inflation", "通货膨胀率 inflation (O&M)", P["inflation_frac"], "1/yr", "scenario"),
        ("esc_tariff", "上网电价调整率 tariff escalation", P["tariff_escalation_frac"], "1/yr", "scenario"),
        ("esc_carbon", "碳价上涨率 carbon-price escalation", P["carbon_escalation_frac"], "1/yr", "scenario"),
        ("tariff_benchmark", "补贴电价/标杆电价 subsidised tariff", P["tariff_benchmark_yuan_per_kwh"], "元/kWh",
         src("tariff")),
        ("tariff_base", "燃煤基准价 coal base price", P["tariff_base_yuan_per_kwh"], "元/kWh", src("tariff")),
        ("tariff_low", "低电价 low-price settlement", P["tariff_low_yuan_per_kwh"], "元/kWh", src("tariff")),
        ("commissioning_frac", "调试期电价比例 commissioning price share", P["commissioning_price_frac"], "1",
         src("tariff")),
        ("paid_on_time", "补贴按期兑付比例 subsidy paid on time", P["paid_on_time_frac"], "1",
         src("paid_on_time_frac")),
        ("price_power_mine", "供煤矿电价 price of power to the mine", P["electricity_to_mine_yuan_per_kwh"], "元/kWh",
         "scenario prices"),
        ("price_heat", "热价 heat price", P["heat_yuan_per_gj"], "元/GJ", "scenario prices"),
        ("price_gas", "产品气价 product gas price", P["gas_sale_yuan_per_nm3"], "元/Nm³", "scenario prices"),
        ("price_ng", "天然气价 natural-gas price", P["natural_gas_yuan_per_nm3"], "元/Nm³", "scenario prices"),
        ("price_coal", "标煤价 standard-coal price", P["standard_coal_yuan_per_t"], "元/tce", "scenario prices"),
        ("price_gas_cost", "购气价 gas purchase price", P["gas_cost_yuan_per_nm3"], "元/Nm³", "scenario prices"),
        ("price_carbon", "碳价 carbon price", P["carbon_price_yuan_per_t"], "元/t CO2e", src("carbon_price_yuan_per_t")),
        ("vat_electricity", "电力增值税率 VAT electricity", vr["electricity"], "1", src("vat_electricity")),
        ("vat_mine", "供煤矿电力增值税率 VAT power to the mine", vr["electricity"] if st.power_to_mine_is_sale else 0.0,
         "1", src("vat_electricity")),
        ("vat_heat", "热力增值税率 VAT heat", vr["heat"], "1", src("vat_heat")),
        ("vat_gas", "燃气增值税率 VAT gas", vr["gas"], "1", src("vat_gas")),
        ("vat_carbon", "减排量增值税率 VAT carbon credits", vr["carbon"], "1", src("vat_carbon")),
        ("vat_purchases", "进项税率 VAT on purchases", vr["purchases"], "1", src("vat_purchases")),
        ("capex_vat_frac", "可抵扣投资比例 VAT-deductible share of capex", st.capex_input_vat_frac, "1", "scenario"),
        ("opex_vat_frac", "可抵扣运维比例 VAT-deductible share of O&M", st.opex_input_vat_frac, "1", "scenario"),
        ("vat_refund_frac", "增值税即征即退比例 VAT refund share", P["vat_refund_frac"], "1", src("vat_refund_frac")),
        ("income_tax_rate", "所得税率 income-tax rate", P["income_tax_rate_frac"], "1", src("income_tax_rate_frac")),
        ("dep_years", "折旧年限 depreciation years", float(st.depreciation_years), "yr", src("depreciation_years")),
        ("tax_salvage", "残值率(税) tax salvage share", st.tax_salvage_frac, "1", src("tax_salvage_frac")),
        ("fixed_opex", "固定运维 fixed O&M (year-0 terms)", P["fixed_opex_yuan_per_year"], "元/yr", "scenario opex"),
        ("fixed_opex_frac", "固定运维占投资比例 fixed O&M share of capex", st.fixed_opex_frac_of_capex, "1/yr",
         "scenario opex"),
        ("var_opex_nm3", "可变运维(每方) variable O&M per Nm³", P["variable_opex_yuan_per_nm3"], "元/Nm³", "scenario"),
        ("var_opex_kwh", "可变运维(每度) variable O&M per kWh", P["variable_opex_yuan_per_kwh"], "元/kWh", "scenario"),
        ("debt_principal", "贷款额 loan drawn in year 0", principal, "元", "scenario finance"),
        ("interest_rate", "贷款利率 interest rate", P["interest_rate_frac"], "1/yr", "scenario finance"),
        ("debt_term", "还款年限 repayment years", float(st.debt_term), "yr", "scenario finance"),
    ]


YEARLY_INPUTS = (
    ("kwh_commissioning", "上网电量-调试期 grid kWh, commissioning", "kWh"),
    ("kwh_benchmark", "上网电量-标杆/全额 grid kWh at the full tariff", "kWh"),
    ("kwh_low", "上网电量-低电价 grid kWh, low-price", "kWh"),
    ("kwh_deferred", "上网电量-以收定支 grid kWh, 以收定支", "kWh"),
    ("kwh_base", "上网电量-基准价 grid kWh at the coal base", "kWh"),
    ("power_mine_kwh", "供煤矿电量 power to the mine", "kWh"),
    ("heat_gj", "供热量 useful heat", "GJ"),
    ("product_ch4_nm3", "产品气(纯甲烷) product gas, pure CH4", "Nm³"),
    ("natural_gas_displaced_nm3", "替代天然气 natural gas displaced", "Nm³"),
    ("coal_displaced_tce", "替代标煤 coal displaced", "tce"),
    ("er_credited_t", "签发减排量 credited CO2e", "t CO2e"),
    ("ch4_used_nm3", "利用甲烷(纯量) CH4 used", "Nm³"),
    ("power_gross_kwh", "发电量(毛) gross power", "kWh"),
    ("util_base", "补贴计量 subsidy base (volume or award volume)", "Nm³"),
    ("util_rate", "补贴标准 subsidy rate", "元/Nm³"),
    ("one_off_award", "一次性奖补 one-off award", "元"),
    ("capex", "投资 investment", "元"),
    ("capex_grant", "投资补助 capital grant", "元"),
    ("op_time", "运行时间比例 share of the year operating", "1"),
    ("periodic_cost", "周期性费用(基年价) periodic costs, year-0 terms", "元"),
    ("holiday", "所得税减免系数 income-tax holiday multiplier", "1"),
    ("residual", "期末残值 residual value", "元"),
)


def _yearly_values(e: Evaluation) -> dict[str, list[float]]:
    L = e.batch.lines
    st = e.compiled.static
    P = e.batch.params
    n = st.n
    out: dict[str, list[float]] = {}
    for key, _, _ in YEARLY_INPUTS:
        if key in L:
            out[key] = [float(v) for v in L[key][0]]
    vol = L["ch4_used_nm3"] if st.utilization_basis == "used" else L["ch4_destroyed_nm3"]
    if st.utilization_mode == "fixed":
        rate = (float(P["utilization_subsidy_yuan_per_nm3"].reshape(-1)[0]) + st.util_by_year) * st.util_mask
        out["util_base"] = [float(v) for v in vol[0]]
        out["util_rate"] = [float(v) for v in rate]
    else:
        out["util_base"] = [float(v) for v in L["award_volume_m3"][0]]
        out["util_rate"] = [float(P["tiered_yuan_per_award_nm3"].reshape(-1)[0])] * n
    out["op_time"] = [float(v) for v in st.op_time]
    out["periodic_cost"] = [float(v) for v in st.periodic * float(P["opex_scale"].reshape(-1)[0])]
    out["holiday"] = [float(v) for v in st.holiday]
    return out


def write_workbook(e: Evaluation, path: str | Path) -> Path:
    """Write the cash-flow workbook of a single evaluation to ``path`` (atomically). Returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=str(target.parent))
    os.close(fd)
    try:
        _build(e, tmp)
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _build(e: Evaluation, filename: str) -> None:
    st = e.compiled.static
    L = e.batch.lines
    n = st.n
    years = e.years
    wb = Workbook(filename)
    font = {"font_name": "Microsoft YaHei", "font_size": 10}
    f_head = wb.add_format({**font, "bold": True, "bg_color": "#DDEBF7", "border": 1})
    f_label = wb.add_format({**font})
    f_bold = wb.add_format({**font, "bold": True})
    f_num = wb.add_format({**font, "num_format": "#,##0.00"})
    f_int = wb.add_format({**font, "num_format": "#,##0"})
    f_pct = wb.add_format({**font, "num_format": "0.00%"})
    f_in = wb.add_format({**font, "num_format": "#,##0.0000", "bg_color": "#FFF2CC"})
    f_sum = wb.add_format({**font, "num_format": "#,##0", "bold": True, "top": 1})

    # ---------------- Inputs
    wi = wb.add_worksheet("Inputs")
    wi.set_column(0, 0, 46)
    wi.set_column(1, 1, 18)
    wi.set_column(2, 2 + n, 14)
    wi.write(0, 0, f"{e.scenario.scenario} — 输入 Inputs", f_bold)
    wi.write(1, 0, "黄色单元格可修改 · yellow cells are inputs; the CashFlow sheet recomputes from them", f_label)
    wi.write_row(2, 0, ["参数 parameter", "名称 name", "值 value", "单位 unit", "来源 source"], f_head)
    r = 3
    for name, label, value, unit, source in _scalar_inputs(e):
        wi.write(r, 0, label, f_label)
        wi.write(r, 1, name, f_label)
        wi.write_number(r, 2, value, f_in)
        wi.write(r, 3, unit, f_label)
        wi.write(r, 4, source, f_label)
        wb.define_name(name, f"=Inputs!$C${r + 1}")
        r += 1
    r += 1
    yin = _Sheet()
    wi.write(r, 0, "逐年数量(引擎计算) yearly quantities from the engine", f_bold)
    r += 1
    wi.write(r, 0, "年份 year", f_head)
    wi.write(r, 1, "", f_head)
    for t, y in enumerate(years):
        wi.write_number(r, _FIRST_COL + t, y, f_head)
    r += 1
    vals = _yearly_values(e)
    for key, label, unit in YEARLY_INPUTS:
        wi.write(r, 0, label, f_label)
        wi.write(r, 1, unit, f_label)
        for t in range(n):
            wi.write_number(r, _FIRST_COL + t, vals.get(key, [0.0] * n)[t], f_in)
        yin.rows[key] = r + 1
        r += 1

    def I(key: str, t: int) -> str:  # noqa: E743 - short helper for formulas
        return yin.ref(key, t, "Inputs")

    # ---------------- CashFlow
    ws = wb.add_worksheet("CashFlow")
    ws.set_column(0, 0, 44)
    ws.set_column(1, 1, 10)
    ws.set_column(2, 2 + n, 15)
    ws.freeze_panes(3, 2)
    ws.write(0, 0, f"{e.scenario.scenario} — 现金流量表 cash-flow table (元)", f_bold)
    ws.write(1, 0, "年末现金流; 第0年为投资年, 不折现 · end-of-year flows; year 0 = investment, undiscounted", f_label)
    ws.write(2, 0, "年份 year", f_head)
    ws.write(2, 1, "", f_head)
    for t, y in enumerate(years):
        ws.write_number(2, _FIRST_COL + t, y, f_head)
    ws.write(3, 0, "t (年序 year index)", f_label)
    for t in range(n):
        ws.write_number(3, _FIRST_COL + t, t, f_int)
    cf = _Sheet()
    cf.rows["t"] = 4
    pending: list[tuple[int, str, str, Callable[[int], str], Any, Any]] = []
    row = [5]  # next 1-based row

    def line(key: str, label: str, unit: str, fn: Callable[[int], str], values: Any, fmt: Any = f_int) -> None:
        """Register a yearly line; formulas are written after every row number is known (forward references)."""
        cf.rows[key] = row[0]
        pending.append((row[0], label, unit, fn, values, fmt))
        row[0] += 1

    def C(key: str, t: int) -> str:
        return cf.ref(key, t)

    def v(key: str) -> Any:
        return L[key][0]

    def esc(name: str) -> Callable[[int], str]:
        return lambda t: f"=(1+{name})^{C('t', t)}"

    line("esc_energy", "能源价格系数 energy escalation", "1", esc("esc_energy"), v("escalation_energy"), f_num)
    line("esc_inflation", "通胀系数 inflation escalation", "1", esc("esc_inflation"), v("escalation_inflation"), f_num)
    line("esc_tariff", "电价系数 tariff escalation", "1", esc("esc_tariff"), v("escalation_tariff"), f_num)
    line("esc_carbon", "碳价系数 carbon escalation", "1", esc("esc_carbon"), v("escalation_carbon"), f_num)

    # tariff: regimes, the subsidy accrued and its cash lag years later
    price_now = {"commissioning": "commissioning_frac*tariff_base", "benchmark": "tariff_benchmark",
                 "low": "tariff_low", "deferred": "tariff_base", "base": "tariff_base"}
    line("rev_grid_now", "上网电费(当年结算) grid sales paid in the year", "元",
         lambda t: "=(" + "+".join(f"{I(f'kwh_{rg}', t)}*{price_now[rg]}" for rg in REGIMES)
         + f")*{C('esc_tariff', t)}", v("rev_grid_now"))
    later = "(tariff_benchmark-tariff_base)" if st.tariff_kind == "shanxi" else "0"
    line("tariff_subsidy_accrued", "电价补贴(应结算) tariff subsidy accrued", "元",
         lambda t: f"={I('kwh_deferred', t)}*{later}*{C('esc_tariff', t)}", v("tariff_subsidy_accrued"))
    l1 = st.clearing_lag
    l2 = st.clearing_lag + st.deferral_years

    def subsidy_cash(t: int) -> str:
        parts = []
        if t - l1 >= 0:
            parts.append(f"paid_on_time*{C('tariff_subsidy_accrued', t - l1)}")
        if t - l2 >= 0:
            parts.append(f"(1-paid_on_time)*{C('tariff_subsidy_accrued', t - l2)}")
        return "=" + ("+".join(parts) if parts else "0")

    line("tariff_subsidy_cash", f"电价补贴到账(清算滞后{l1}年, 缓付{st.deferral_years}年) subsidy cash", "元",
         subsidy_cash, v("tariff_subsidy_cash"))

    def mine(t: int) -> str:
        return f"={I('power_mine_kwh', t)}*price_power_mine*{C('esc_energy', t)}"

    def zero(t: int) -> str:
        return "=0"

    line("rev_power_mine", "售煤矿电费 power sold to the mine", "元", mine if st.power_to_mine_is_sale else zero,
         v("rev_power_mine"))
    line("avoided_power", "节省购电 avoided power purchases", "元", zero if st.power_to_mine_is_sale else mine,
         v("avoided_power"))
    line("rev_heat", "售热收入 heat sales", "元",
         (lambda t: f"={I('heat_gj', t)}*price_heat*{C('esc_energy', t)}") if st.heat_use == "sold" else zero,
         v("rev_heat"))
    line("rev_gas", "售气收入 gas sales", "元", lambda t: f"={I('product_ch4_nm3', t)}*price_gas*{C('esc_energy', t)}",
         v("rev_gas"))
    line("avoided_natural_gas", "节省天然气 avoided natural gas", "元",
         lambda t: f"={I('natural_gas_displaced_nm3', t)}*price_ng*{C('esc_energy', t)}", v("avoided_natural_gas"))
    line("avoided_coal", "节省燃煤 avoided coal", "元",
         lambda t: f"={I('coal_displaced_tce', t)}*price_coal*{C('esc_energy', t)}", v("avoided_coal"))
    line("rev_carbon", "碳减排收入 carbon credits", "元",
         lambda t: f"={I('er_credited_t', t)}*price_carbon*{C('esc_carbon', t)}", v("rev_carbon"))
    line("util_subsidy", "利用补贴 utilization subsidy", "元", lambda t: f"={I('util_base', t)}*{I('util_rate', t)}",
         v("util_subsidy"))
    line("one_off_award", "一次性奖补 one-off award", "元", lambda t: f"={I('one_off_award', t)}", v("one_off_award"))

    # VAT
    sales = (("rev_grid_now", "vat_electricity", True), ("tariff_subsidy_cash", "vat_electricity", True),
             ("rev_power_mine", "vat_mine", True), ("rev_heat", "vat_heat", False), ("rev_gas", "vat_gas", False),
             ("rev_carbon", "vat_carbon", False))
    vat_on = st.vat_enabled
    incl = st.include_vat

    def cash_of(key: str, rate: str, t: int) -> str:
        return C(key, t) if (incl or not vat_on) else f"{C(key, t)}*(1+{rate})"

    line("sales_cash", "销售收入(含税) sales incl. VAT", "元",
         lambda t: "=" + "+".join(cash_of(k, r_, t) for k, r_, _ in sales),
         sum(L[f"sales_{k}_cash"][0] for k in ("grid_now", "tariff_subsidy", "power_mine", "heat", "gas", "carbon")))

    def vat_expr(keys: tuple[tuple[str, str, bool], ...]) -> Callable[[int], str]:
        if not vat_on:
            return zero
        return lambda t: "=" + "+".join(f"{cash_of(k, r_, t)}*{r_}/(1+{r_})" for k, r_, _ in keys)

    line("vat_output", "销项税 output VAT", "元", vat_expr(sales), v("vat_output"))
    line("vat_output_power", "其中电力销项税 of which on power", "元", vat_expr(tuple(x for x in sales if x[2])), None)
    capex_rng = f"Inputs!${_col(0)}${yin.rows['capex']}:${_col(n - 1)}${yin.rows['capex']}"
    line("opex_fixed", "固定运维 fixed O&M", "元",
         lambda t: f"=(fixed_opex+fixed_opex_frac*SUM({capex_rng}))*{I('op_time', t)}*{C('esc_inflation', t)}",
         v("opex_fixed"))
    line("opex_variable", "可变运维 variable O&M", "元",
         lambda t: f"=(var_opex_nm3*{I('ch4_used_nm3', t)}+var_opex_kwh*{I('power_gross_kwh', t)})"
                   f"*{C('esc_inflation', t)}", v("opex_variable"))
    line("opex_periodic", "周期性费用 periodic costs", "元", lambda t: f"={I('periodic_cost', t)}*{C('esc_inflation', t)}",
         v("opex_periodic"))
    line("gas_cost", "购气费 gas purchases", "元", lambda t: f"={I('ch4_used_nm3', t)}*price_gas_cost*{C('esc_energy', t)}",
         v("gas_cost"))
    line("opex_total", "运营成本合计 O&M total", "元",
         lambda t: f"={C('opex_fixed', t)}+{C('opex_variable', t)}+{C('opex_periodic', t)}+{C('gas_cost', t)}",
         v("opex_total"), f_sum)
    line("vat_input_capex", "进项税-投资 input VAT on capex", "元",
         (lambda t: f"={I('capex', t)}*capex_vat_frac*vat_purchases/(1+vat_purchases)") if vat_on else zero,
         v("vat_input_capex"))
    line("vat_input_opex", "进项税-运维 input VAT on O&M", "元",
         (lambda t: f"=({C('opex_total', t)}-{C('gas_cost', t)})*opex_vat_frac*vat_purchases/(1+vat_purchases)")
         if vat_on else zero, None)
    line("vat_input_gas", "进项税-购气 input VAT on gas", "元",
         (lambda t: f"={C('gas_cost', t)}*vat_gas/(1+vat_gas)") if vat_on else zero, None)

    def inputs_vat(t: int) -> str:
        return f"{C('vat_input_capex', t)}+{C('vat_input_opex', t)}+{C('vat_input_gas', t)}"

    line("vat_payable", "应缴增值税 VAT payable", "元",
         lambda t: f"=MAX(0,{C('vat_output', t)}-({inputs_vat(t)})"
                   + (f"-{C('vat_credit', t - 1)}" if t >= 1 else "") + ")", v("vat_payable"))
    line("vat_credit", "留抵税额 input VAT carried forward", "元",
         lambda t: f"=MAX(0,{inputs_vat(t)}" + (f"+{C('vat_credit', t - 1)}" if t >= 1 else "")
                   + f"-{C('vat_output', t)})", v("vat_credit"))
    lag = st.vat_refund_lag

    def refund(t: int) -> str:
        if t - lag < 0:
            return "=0"
        s_ = t - lag
        return (f"=vat_refund_frac*IF({C('vat_output', s_)}>0,{C('vat_payable', s_)}*{C('vat_output_power', s_)}"
                f"/{C('vat_output', s_)},0)")

    line("vat_refund", f"增值税即征即退(滞后{lag}年) VAT refund", "元", refund, v("vat_refund"))
    line("cash_in", "现金流入 cash in", "元",
         lambda t: f"={C('sales_cash', t)}+{C('avoided_natural_gas', t)}+{C('avoided_coal', t)}"
                   f"+{C('avoided_power', t)}+{C('util_subsidy', t)}+{C('one_off_award', t)}+{C('vat_refund', t)}",
         v("cash_in"), f_sum)
    line("cash_out", "现金流出(运营) cash out", "元", lambda t: f"={C('opex_total', t)}+{C('vat_payable', t)}",
         v("cash_out"), f_sum)
    line("cfads", "偿债前现金流 CFADS (pre-tax)", "元", lambda t: f"={C('cash_in', t)}-{C('cash_out', t)}", v("cfads"),
         f_sum)

    # depreciation and taxable income
    grant_rng = f"Inputs!${_col(0)}${yin.rows['capex_grant']}:${_col(n - 1)}${yin.rows['capex_grant']}"
    first = st.first_op_t

    def dep(t: int) -> str:
        vic = f"${_col(0)}${cf.rows['vat_input_capex']}:${_col(n - 1)}${cf.rows['vat_input_capex']}"
        base = f"(SUM({capex_rng})-SUM({vic}){'-SUM(' + grant_rng + ')' if st.grant_reduces_depreciation else ''})"
        return (f"=IF(AND({C('t', t)}>={first},{C('t', t)}<{first}+dep_years),{base}*(1-tax_salvage)/dep_years,0)")

    line("depreciation", "折旧 depreciation", "元", dep, v("depreciation"))

    def taxable(t: int) -> str:
        terms = [f"{C('sales_cash', t)}-{C('vat_output', t)}", C("avoided_natural_gas", t), C("avoided_coal", t),
                 C("avoided_power", t), C("one_off_award", t)]
        if st.subsidies_taxable:
            terms.append(C("util_subsidy", t))
        if st.vat_refund_taxable:
            terms.append(C("vat_refund", t))
        if not st.grant_reduces_depreciation:
            terms.append(I("capex_grant", t))
        return "=" + "+".join(terms)

    line("revenue_net", "应税收入(不含税) taxable revenue", "元", taxable, v("revenue_net"))
    line("opex_net", "不含税运营成本 O&M excl. input VAT", "元",
         lambda t: f"={C('opex_total', t)}-{C('vat_input_opex', t)}-{C('vat_input_gas', t)}", v("opex_net"))
    line("ebit", "息税前利润 EBIT", "元", lambda t: f"={C('revenue_net', t)}-{C('opex_net', t)}-{C('depreciation', t)}",
         v("ebit"), f_sum)

    # debt: level annuity (PMT) from year 1
    def in_term(t: int) -> str:
        return f"AND({C('t', t)}>=1,{C('t', t)}<=debt_term)"

    line("debt_drawn", "贷款提款 loan drawn", "元", lambda t: "=debt_principal" if t == 0 else "=0", v("debt_drawn"))
    line("debt_payment", "还本付息 debt service (PMT)", "元",
         lambda t: f"=IF({in_term(t)},PMT(interest_rate,debt_term,-debt_principal),0)", v("debt_service"))
    line("interest", "利息 interest", "元",
         lambda t: "=0" if t == 0 else f"=IF({in_term(t)},{C('debt_balance', t - 1)}*interest_rate,0)", v("interest"))
    line("principal", "还本 principal repaid", "元",
         lambda t: "=0" if t == 0 else f"=IF({in_term(t)},{C('debt_payment', t)}-{C('interest', t)},0)",
         v("principal"))
    line("debt_balance", "贷款余额 loan balance", "元",
         lambda t: "=debt_principal" if t == 0 else f"={C('debt_balance', t - 1)}-{C('principal', t)}",
         v("debt_balance"))
    line("dscr", "偿债备付率 DSCR", "1",
         lambda t: f"=IF({C('debt_payment', t)}>0,{C('cfads', t)}/{C('debt_payment', t)},0)",
         [x if x == x else 0.0 for x in v("dscr")], f_num)

    # income tax with FIFO loss carry-forward (K years): project (no interest) and equity (interest deducted)
    k = st.loss_years
    for tag, label, deduct, engine in (("u", "项目 project", False, "unlevered"),
                                       ("l", "资本金 equity", True, "levered")):
        def tx(t: int, tag: str = tag, deduct: bool = deduct) -> str:
            return f"={C('ebit', t)}" + (f"-{C('interest', t)}" if deduct else "")

        def cl(t: int, tag: str = tag) -> str:
            return f"=MAX(0,-{C(f'taxable_{tag}', t)})" + (f"+{C(f'cl_{tag}', t - 1)}" if t >= 1 else "")

        def prev(key: str, t: int) -> str:
            return C(key, t - 1) if t >= 1 else "0"

        def ex(t: int, tag: str = tag) -> str:
            old = C(f"cl_{tag}", t - k - 1) if t - k - 1 >= 0 else "0"
            return f"=MAX(0,{old}-{prev(f'cu_{tag}', t)}-{prev(f'ce_{tag}', t)})"

        def use(t: int, tag: str = tag) -> str:
            return (f"=MIN(MAX(0,{prev(f'cl_{tag}', t)}-{prev(f'cu_{tag}', t)}-{prev(f'ce_{tag}', t)}"
                    f"-{C(f'exp_{tag}', t)}),MAX(0,{C(f'taxable_{tag}', t)}))")

        line(f"taxable_{tag}", f"应纳税所得额(弥补前) taxable income, {label}", "元", tx, v(f"taxable_{engine}"))
        line(f"cl_{tag}", "累计亏损 cumulative losses CL", "元", cl, None)
        line(f"exp_{tag}", f"过期亏损(超过{k}年) losses lapsing", "元", ex, None)
        line(f"use_{tag}", "弥补亏损 losses used", "元", use, v(f"loss_used_{engine}"))
        def cu(t: int, tag: str = tag) -> str:
            return f"={prev(f'cu_{tag}', t)}+{C(f'use_{tag}', t)}"

        def ce(t: int, tag: str = tag) -> str:
            return f"={prev(f'ce_{tag}', t)}+{C(f'exp_{tag}', t)}"

        def tax(t: int, tag: str = tag) -> str:
            return f"=income_tax_rate*{I('holiday', t)}*MAX(0,{C(f'taxable_{tag}', t)}-{C(f'use_{tag}', t)})"

        line(f"cu_{tag}", "累计弥补 cumulative used CU", "元", cu, None)
        line(f"ce_{tag}", "累计过期 cumulative lapsed CE", "元", ce, None)
        line(f"tax_{tag}", f"所得税 income tax, {label}", "元", tax, v(f"tax_{engine}"))

    line("capex_out", "投资 investment", "元", lambda t: f"={I('capex', t)}", v("capex"))
    line("grant_in", "投资补助 capital grant", "元", lambda t: f"={I('capex_grant', t)}", v("capex_grant"))
    line("residual_in", "期末残值 residual value", "元", lambda t: f"={I('residual', t)}", v("residual"))
    line("cf_project", "项目净现金流(税后) project cash flow", "元",
         lambda t: f"=-{C('capex_out', t)}+{C('grant_in', t)}+{C('cfads', t)}-{C('tax_u', t)}+{C('residual_in', t)}",
         v("cf_project"), f_sum)
    line("cf_equity", "资本金净现金流 equity cash flow", "元",
         lambda t: f"=-{C('capex_out', t)}+{C('grant_in', t)}+{C('debt_drawn', t)}+{C('cfads', t)}-{C('tax_l', t)}"
                   f"-{C('debt_payment', t)}+{C('residual_in', t)}", v("cf_equity"), f_sum)
    line("cf_cum", "累计净现金流 cumulative project cash flow", "元",
         lambda t: f"={C('cf_project', t)}" + (f"+{C('cf_cum', t - 1)}" if t >= 1 else ""), v("cf_project_cumulative"))
    rate = float(e.batch.params["discount_rate_frac"].reshape(-1)[0])
    line("df", "折现系数(t=0不折现) discount factor", "1", lambda t: f"=1/(1+discount_rate)^{C('t', t)}",
         [(1 + rate) ** -t for t in range(n)], f_num)
    line("cf_disc", "折现净现金流 discounted project cash flow", "元", lambda t: f"={C('cf_project', t)}*{C('df', t)}",
         [float(x) * (1 + rate) ** -t for t, x in enumerate(v("cf_project"))])

    for rr, label, unit, fn, values, fmt in pending:
        ws.write(rr - 1, 0, label, f_sum if fmt is f_sum else f_label)
        ws.write(rr - 1, 1, unit, f_label)
        for t in range(n):
            val = float(values[t]) if values is not None else 0.0
            ws.write_formula(rr - 1, _FIRST_COL + t, fn(t), fmt, val if val == val else 0.0)

    # metrics
    r0 = row[0] + 1
    ws.write(r0 - 1, 0, "指标 metrics", f_bold)
    first_c, rest0, last_c = _col(0), _col(1), _col(n - 1)
    pr, er = cf.rows["cf_project"], cf.rows["cf_equity"]
    m = e.metrics
    metric_rows: list[tuple[str, str, str, str, float | None, Any]] = [
        ("npv_project_yuan", "项目净现值(t=0不折现) project NPV, t = 0 convention", "元",
         f"={first_c}{pr}+NPV(discount_rate,{rest0}{pr}:{last_c}{pr})", m["npv_project_yuan"], f_int),
        ("npv_project_excel_yuan", "Excel NPV()(首年也折现) Excel convention", "元",
         f"=NPV(discount_rate,{first_c}{pr}:{last_c}{pr})",
         (m["npv_project_yuan"] or 0.0) / (1 + float(e.batch.params["discount_rate_frac"].reshape(-1)[0]))
         if e.compiled.static.npv_convention == "t0" else m["npv_project_yuan"], f_int),
        ("npv_equity_yuan", "资本金净现值 equity NPV", "元",
         f"={first_c}{er}+NPV(discount_rate,{rest0}{er}:{last_c}{er})", m["npv_equity_yuan"], f_int),
        ("irr_project_frac", "项目内部收益率 project IRR", "1", f"=IRR({first_c}{pr}:{last_c}{pr})",
         m["irr_project_frac"], f_pct),
        ("irr_equity_frac", "资本金内部收益率 equity IRR", "1", f"=IRR({first_c}{er}:{last_c}{er})", m["irr_equity_frac"],
         f_pct),
    ]
    for j, (key, label, unit, formula, mval, fmt) in enumerate(metric_rows):
        rr = r0 + 1 + j
        cf.rows[key] = rr
        ws.write(rr - 1, 0, label, f_label)
        ws.write(rr - 1, 1, unit, f_label)
        ws.write_formula(rr - 1, _FIRST_COL, formula, fmt, mval if mval is not None else 0.0)
    note_r = r0 + 1 + len(metric_rows) + 1
    ws.write(note_r - 1, 0, "说明 notes", f_bold)
    for j, text in enumerate(list(e.compiled.notes) + list(e.warnings)):
        ws.write(note_r + j, 0, text, f_label)
    wb.close()
