"""Financial metrics of a cash-flow batch, vectorised over draws.

Definitions (docs/economics.md, "Metrics"; all discounting with the t = 0 convention unless the scenario asks for
the Excel convention, which divides every present value by (1+r)):

- **NPV** (project, equity) [元]: ``Σ_t CF_t (1+r)^−t`` (:func:`minegas.economics.irr.npv`).
- **IRR** (project, equity) [fraction/yr]: vectorised root finding with a status per draw (never a silent NaN);
  single evaluations also list all real roots and the MIRR (:func:`~minegas.economics.irr.irr_analysis`).
- **MIRR** [fraction/yr] at the finance and reinvestment rates (default: the discount rate).
- **Simple payback** [yr]: first time the cumulative undiscounted project cash flow reaches 0, interpolated linearly
  within the year (year 0 = the investment year; NaN when never reached within the table).
- **Discounted payback** [yr]: the same with discounted cash flows.
- **LCOE** [元/kWh] = (PV(capex − grant) + PV(O&M incl. gas purchases) − PV(heat, gas and avoided-fuel credits)) /
  PV(net power delivered); **LCOH** [元/GJ] the same per GJ of useful heat with power credited; **LCOG** [元/Nm³]
  per Nm³ of product CH4 (pre-tax, without subsidies or carbon revenue).
- **Cost per t CO2e abated** [元/t] = (PV(capex − grant + O&M) − PV(energy revenues and avoided purchases)) /
  PV(CO2e) — "levelized cost of abatement" (research note §4.6); energy revenues include the tariff as paid
  (its subsidy element too) but not utilization subsidies, awards or carbon revenue; CO2e by the carbon convention
  (displaced by default). Negative: the project pays for itself without carbon money.
- **Capex per kW** [元/kW] = total investment / electrical capacity.
- **Benefit–cost ratio** = PV(cash in + grant + residual) / PV(capex + cash out + income tax).
- **DSCR** min and average over the repayment years (CFADS before income tax / debt service).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from minegas.economics import debt as debtmod
from minegas.economics import irr as irrmod

if TYPE_CHECKING:
    from minegas.economics.cashflow import Compiled

FloatArray = npt.NDArray[np.float64]


def payback(cashflows: FloatArray, cumulative: FloatArray | None = None) -> FloatArray:
    """Years until the cumulative cash flow first reaches ≥ 0, interpolated within the year; NaN if never.

    Year 0 is the investment year; a project recovering its investment exactly at the end of year 3 has payback 3.
    Shape (D, T) → (D,). ``cumulative`` may pass the running sum when it is already known.
    """
    cf = np.atleast_2d(np.asarray(cashflows, dtype=float))
    cum = np.cumsum(cf, axis=1) if cumulative is None else np.atleast_2d(cumulative)
    ok = cum >= 0
    k = np.argmax(ok, axis=1)
    rows_all = np.arange(cf.shape[0])
    reached = ok[rows_all, k]
    out = np.full(cf.shape[0], np.nan)
    rows = np.nonzero(reached)[0]
    kk = k[rows]
    at0 = kk == 0
    out[rows[at0]] = 0.0
    r2 = rows[~at0]
    k2 = kk[~at0]
    prev = cum[r2, k2 - 1]
    step = cf[r2, k2]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(step > 0, -prev / step, 1.0)
    out[r2] = (k2 - 1) + np.clip(frac, 0.0, 1.0)
    return out


def _pv(x: FloatArray, df: FloatArray) -> FloatArray:
    """Present values Σ_t x_t df_t per row; ``df`` (T,) (one rate: a matrix-vector product) or (D, T).

    Lines that do not vary across draws are broadcast views (row stride 0): their PV is computed once."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 2 and x.shape[0] > 1 and x.strides[0] == 0:
        one = _pv(x[:1], df if df.ndim == 1 else df[:1]) if df.ndim == 1 else None
        if one is not None:
            return np.full(x.shape[0], one[0])
    if df.ndim == 1:
        return np.asarray(np.einsum("dt,t->d", np.atleast_2d(x), df), dtype=float)
    return np.asarray(np.einsum("dt,dt->d", np.atleast_2d(x), df), dtype=float)


def compute_metrics(c: Compiled, P: Mapping[str, FloatArray], L: Mapping[str, FloatArray]
                    ) -> tuple[dict[str, FloatArray], dict[str, npt.NDArray[np.int8]]]:
    """All metrics of a batch; returns (metrics (D,), IRR status codes (D,))."""
    st = c.static
    d, n = L["cf_project"].shape
    r_all = np.asarray(P["discount_rate_frac"], dtype=float).reshape(-1)
    r: float | FloatArray = float(r_all[0]) if r_all.size == 1 else r_all
    conv = st.npv_convention
    df = irrmod.discount_factors(r, n, "excel" if conv == "excel" else "t0")
    df0 = irrmod.discount_factors(r, n, "t0")
    m: dict[str, FloatArray] = {}
    m["npv_project_yuan"] = _pv(L["cf_project"], df)
    m["npv_equity_yuan"] = _pv(L["cf_equity"], df)
    irr_p, s_p = irrmod.irr_vectorized(L["cf_project"])
    if np.any(L["debt_drawn"] != 0.0):
        irr_e, s_e = irrmod.irr_vectorized(L["cf_equity"])
    else:
        irr_e, s_e = irr_p, s_p
    m["irr_project_frac"] = irr_p
    m["irr_equity_frac"] = irr_e
    fin = st.mirr_finance if st.mirr_finance is not None else float(r_all[0])
    rei = st.mirr_reinvest if st.mirr_reinvest is not None else float(r_all[0])
    m["mirr_project_frac"] = irrmod.mirr(L["cf_project"], fin, rei)
    m["payback_simple_yr"] = payback(L["cf_project"], L.get("cf_project_cumulative"))
    m["payback_discounted_yr"] = payback(L["cf_project"] * df0)
    capex_net = L["capex"] - L["capex_grant"]
    opex = L["opex_total"]
    pv_cost = _pv(capex_net + opex, df)
    credit_heat_gas = L["sales_heat_cash"] + L["sales_gas_cash"] + L["avoided_natural_gas"] + L["avoided_coal"]
    power_rev = (L["sales_grid_now_cash"] + L["sales_tariff_subsidy_cash"] + L["sales_power_mine_cash"]
                 + L["avoided_power"])
    pv_power = _pv(L["power_net_kwh"], df)
    pv_heat = _pv(L["heat_gj"], df)
    pv_prod = _pv(L["product_ch4_nm3"], df)
    with np.errstate(divide="ignore", invalid="ignore"):
        m["lcoe_yuan_per_kwh"] = np.where(pv_power > 0, (pv_cost - _pv(credit_heat_gas, df)) / pv_power, np.nan)
        m["lcoh_yuan_per_gj"] = np.where(pv_heat > 0, (pv_cost - _pv(power_rev + L["sales_gas_cash"], df)) / pv_heat,
                                         np.nan)
        m["lcog_yuan_per_nm3"] = np.where(pv_prod > 0, (pv_cost - _pv(power_rev + L["sales_heat_cash"]
                                                                       + L["avoided_natural_gas"], df)) / pv_prod,
                                          np.nan)
        er_key = {"gross": "co2e_gross_t", "net": "co2e_net_t", "displaced": "co2e_displaced_t"}[st.carbon_convention]
        pv_er = _pv(L[er_key], df)
        energy_rev = power_rev + credit_heat_gas
        m["abatement_cost_yuan_per_t"] = np.where(pv_er > 0, (pv_cost - _pv(energy_rev, df)) / pv_er, np.nan)
        cap_kw = np.broadcast_to(np.asarray(P["capacity_kw"], dtype=float).reshape(-1), (d,))
        capex_sum = L["capex"].sum(axis=1)
        m["capex_per_kw_yuan"] = np.where(cap_kw > 0, capex_sum / np.where(cap_kw > 0, cap_kw, 1.0), np.nan)
        benefits = _pv(L["cash_in"] + L["capex_grant"] + L["residual"], df)
        costs = _pv(L["capex"] + L["cash_out"] + L["tax_unlevered"], df)
        m["benefit_cost_ratio"] = np.where(costs > 0, benefits / costs, np.nan)
    m["dscr_min"], m["dscr_avg"] = debtmod.dscr_summary(L["dscr"])
    m["capex_total_yuan"] = np.asarray(L["capex"].sum(axis=1), dtype=float)
    return m, {"irr_project_frac": s_p, "irr_equity_frac": s_e}
