"""The cash-flow engine: scenario → yearly quantities → yearly cash → metrics, vectorised over draws.

Conventions (RETScreen, econ research note §2.3 and §4): investment in year 0; flows at the end of each year;
prices and costs entered in year-0 terms and escalated from year 1 (``(1+e)^t``), with separate rates for general
inflation (O&M), energy prices, the grid tariff and the carbon price. Every array is shaped ``(D, T)``: D draws
(1 for a single evaluation) by T years (year 0, N operating years, and tail years that collect lagged cash such as
deferred subsidies). A Monte Carlo run is therefore the same program with D = 10⁵.

Two layers:

1. **Physics** (pure CH4 at 0 °C, :mod:`minegas.physics`): supply ``S`` (profile × scale × (1−d)^(k−1)); gas used
   ``U = min(S, intake capacity × 8760 h) × availability``; fuel energy ``E = U × LHV``; power
   ``min(E η_el / 3.6, kW × 8760 × availability)``, own use, net, to grid / to the mine; heat ``min(E η_h, demand)``;
   product gas ``U × recovery``; CH4 destroyed; CO2e (gross, net of combustion CO2, with displaced power and heat);
   standard coal (tce_hv, tce_power, tce_heat). Full-year rates are multiplied by each year's operating share
   (:class:`~minegas.economics.timeline.Calendar`), so part years and commissioning months are exact.
2. **Money**: tariff regimes and subsidy cash timing (:mod:`~minegas.economics.tariff`), sales and avoided
   purchases, utilization subsidies (:mod:`~minegas.economics.subsidy`), carbon credits, capex, O&M, VAT with
   carry-forward and refund, depreciation, income tax with loss carry-forward (:mod:`~minegas.economics.tax`),
   level-annuity debt and DSCR (:mod:`~minegas.economics.debt`).

Cash-flow definitions (each a line of the result; docs/economics.md):

- ``cash_in`` = grid sales paid at once + cleared tariff subsidy + power to the mine + heat + gas sales + avoided
  purchases + carbon + utilization subsidy + one-off awards + VAT refund (sales incl. VAT);
- ``cash_out`` = O&M and gas purchases (incl. VAT) + VAT payable;
- ``cfads`` = cash_in − cash_out (before income tax);
- ``cf_project`` = −capex + grant + cfads − income tax (unlevered) + residual value;
- ``cf_equity`` = −capex + grant + debt drawn + cfads − income tax (with interest deducted) − debt service + residual.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from minegas.economics import debt as debtmod
from minegas.economics import policies as pol
from minegas.economics import subsidy as submod
from minegas.economics import supply as supmod
from minegas.economics import tariff as tarmod
from minegas.economics import tax as taxmod
from minegas.economics.scenario import Scenario
from minegas.economics.timeline import Calendar, month_index
from minegas.errors import InputError, Problem
from minegas.physics.blending import two_stream_split
from minegas.physics.climate import co2e_gross_t, co2e_net_t, gwp
from minegas.physics.density import ch4_mass_t, resolve_density
from minegas.physics.energy import electricity_kwh, energy_mj, tce_heat, tce_hv, tce_power

FloatArray = npt.NDArray[np.float64]

HOURS_PER_YEAR = 8760.0
"""Hours per (365-day) year."""


@dataclass(frozen=True)
class ParamSpec:
    """A scalar input that sensitivity and Monte Carlo runs may vary per draw."""

    description: str
    unit: str
    low: float = -math.inf
    high: float = math.inf


PARAMETERS: dict[str, ParamSpec] = {
    # supply and plant
    "supply_scale": ParamSpec("multiplier on the gas-supply profile", "1", 0.0),
    "supply_decline_frac": ParamSpec("yearly decline of the supply", "1/yr", 0.0, 0.99),
    "intake_ch4_nm3_per_h": ParamSpec("plant intake capacity, pure CH4", "Nm³/h", 0.0),
    "availability_frac": ParamSpec("operating hours / 8760", "1", 0.0, 1.0),
    "destruction_frac": ParamSpec("CH4 destruction efficiency", "1", 0.0, 1.0),
    "electrical_efficiency_frac": ParamSpec("electrical efficiency (LHV, gross)", "1", 0.0, 0.65),
    "parasitic_frac": ParamSpec("own use / parasitic load, share of gross power", "1", 0.0, 0.99),
    "grid_export_frac": ParamSpec("share of net power exported to the grid", "1", 0.0, 1.0),
    "heat_efficiency_frac": ParamSpec("useful heat / fuel energy (LHV)", "1", 0.0, 1.0),
    "heat_demand_gj_per_year": ParamSpec("heat demand (full year)", "GJ/yr", 0.0),
    "product_recovery_frac": ParamSpec("CH4 recovery into the product gas", "1", 0.0, 1.0),
    "capacity_kw": ParamSpec("electrical capacity", "kW", 0.0),
    # prices
    "electricity_to_mine_yuan_per_kwh": ParamSpec("price of power supplied to the mine", "元/kWh", 0.0),
    "heat_yuan_per_gj": ParamSpec("heat price", "元/GJ", 0.0),
    "gas_sale_yuan_per_nm3": ParamSpec("product gas price, per Nm³ pure CH4", "元/Nm³", 0.0),
    "natural_gas_yuan_per_nm3": ParamSpec("natural-gas price (avoided purchase)", "元/Nm³", 0.0),
    "natural_gas_lhv_mj_per_nm3": ParamSpec("natural-gas LHV", "MJ/Nm³", 1e-9),
    "displaced_boiler_efficiency_frac": ParamSpec("efficiency of the boilers displaced", "1", 1e-9, 1.0),
    "standard_coal_yuan_per_t": ParamSpec("standard-coal price (avoided purchase)", "元/tce", 0.0),
    "gas_cost_yuan_per_nm3": ParamSpec("price paid for gas used, per Nm³ pure CH4", "元/Nm³", 0.0),
    # tariff
    "tariff_benchmark_yuan_per_kwh": ParamSpec("subsidised tariff (Shanxi 0.509) or flat price + adder", "元/kWh", 0.0),
    "tariff_base_yuan_per_kwh": ParamSpec("coal base price (Shanxi 0.332) or flat price", "元/kWh", 0.0),
    "tariff_low_yuan_per_kwh": ParamSpec("低电价 settlement price (Shanxi 0.4048)", "元/kWh", 0.0),
    "commissioning_price_frac": ParamSpec("share of the base price paid while commissioning", "1", 0.0, 1.0),
    "paid_on_time_frac": ParamSpec("share of the cleared subsidy paid on time", "1", 0.0, 1.0),
    "tariff_escalation_frac": ParamSpec("tariff escalation", "1/yr", -0.99),
    # subsidies and carbon
    "utilization_subsidy_yuan_per_nm3": ParamSpec("utilization subsidy rate (fixed mode)", "元/Nm³", 0.0),
    "tiered_yuan_per_award_nm3": ParamSpec("fund per award m³ (tiered mode)", "元/m³", 0.0),
    "one_off_yuan": ParamSpec("one-off award", "元", 0.0),
    "capex_grant_frac": ParamSpec("capital grant, share of the investment", "1", 0.0, 1.0),
    "carbon_price_yuan_per_t": ParamSpec("carbon-credit price", "元/t CO2e", 0.0),
    "carbon_escalation_frac": ParamSpec("carbon-price escalation", "1/yr", -0.99),
    # costs and finance
    "capex_scale": ParamSpec("multiplier on the investment", "1", 0.0),
    "opex_scale": ParamSpec("multiplier on O&M", "1", 0.0),
    "fixed_opex_yuan_per_year": ParamSpec("fixed O&M (year-0 terms)", "元/yr", 0.0),
    "variable_opex_yuan_per_nm3": ParamSpec("variable O&M per Nm³ CH4 used", "元/Nm³", 0.0),
    "variable_opex_yuan_per_kwh": ParamSpec("variable O&M per gross kWh", "元/kWh", 0.0),
    "inflation_frac": ParamSpec("general inflation (O&M escalation)", "1/yr", -0.99),
    "energy_escalation_frac": ParamSpec("energy-price escalation", "1/yr", -0.99),
    "discount_rate_frac": ParamSpec("discount rate (nominal)", "1/yr", -0.99),
    "debt_frac": ParamSpec("debt share of the year-0 investment", "1", 0.0, 1.0),
    "interest_rate_frac": ParamSpec("interest rate", "1/yr", 0.0),
    "income_tax_rate_frac": ParamSpec("income-tax rate", "1", 0.0, 0.99),
    "vat_refund_frac": ParamSpec("refund share of VAT paid on power sales", "1", 0.0, 1.0),
    "residual_frac": ParamSpec("residual value at the end of life, share of the investment", "1", 0.0, 1.0),
}
"""Every scalar a draw may change, with unit and bounds (docs/economics.md, "Parameters")."""


@dataclass(frozen=True)
class Static:
    """Per-scenario inputs that draws do not change (calendar shares, flags, lags)."""

    n: int
    years: npt.NDArray[np.int64]
    first_op_t: int
    last_op_t: int
    supply_base: FloatArray            # (T,) full-year supply before scale and decline [Nm³/yr]
    decline_exp: FloatArray            # (T,) k − 1 in operating columns
    share: FloatArray                  # (T,) output share of a full year
    op_time: FloatArray                # (T,) fraction of the year operating
    regimes: dict[str, FloatArray]     # tariff regime shares (T,)
    heating_share: FloatArray          # (T,) output share in heating-season months
    credit_share: FloatArray           # (T,) output share in carbon-crediting months
    util_mask: FloatArray              # (T,) 1 where the utilization subsidy applies
    util_by_year: FloatArray           # (T,) dated policy rates [元/Nm³] added to the drawable fixed rate
    capex_items: FloatArray            # (T,) investment per column before capex_scale [元]
    periodic: FloatArray               # (T,) periodic costs before opex_scale [元]
    holiday: FloatArray                # (T,) income-tax multiplier
    technology: str
    heat_use: str
    tariff_kind: str
    clearing_lag: int
    deferral_years: int
    vat_enabled: bool
    include_vat: bool
    power_to_mine_is_sale: bool
    vat_rates: dict[str, float]
    capex_input_vat_frac: float
    opex_input_vat_frac: float
    vat_refund_lag: int
    vat_refund_taxable: bool
    subsidies_taxable: bool
    grant_reduces_depreciation: bool
    utilization_mode: str
    utilization_basis: str
    cbm_factor: float
    heating_factor: float
    growth_tiers: tuple[submod.GrowthTier, ...]
    one_off_t: int
    carbon_enabled: bool
    carbon_eligible_share: float
    carbon_convention: str
    gwp_name: str
    gwp_horizon: int
    gwp_value: float
    density_name: str
    grid_ef_t_per_mwh: float
    heat_ef_t_per_gj: float
    coal_rate_gce_per_kwh: float
    coal_boiler_eff: float
    sold_gas_destroyed: bool
    depreciation_years: int
    tax_salvage_frac: float
    loss_years: int
    debt_term: int
    dscr_target: float | None
    npv_convention: str
    mirr_finance: float | None
    mirr_reinvest: float | None
    fixed_opex_frac_of_capex: float
    fixed_quantities: dict[str, FloatArray] | None = None


@dataclass(frozen=True)
class Compiled:
    """A scenario resolved against the policy library: base parameter values, static inputs and provenance."""

    scenario: Scenario
    calendar: Calendar
    static: Static
    base: dict[str, float]
    provenance: dict[str, str]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Batch:
    """Result of :func:`run`: yearly lines (D, T), metrics (D,), and what produced them."""

    compiled: Compiled
    params: dict[str, FloatArray]
    lines: dict[str, FloatArray]
    metrics: dict[str, FloatArray]
    irr_status: dict[str, npt.NDArray[np.int8]]
    clipped: dict[str, int] = field(default_factory=dict)

    @property
    def draws(self) -> int:
        return int(next(iter(self.lines.values())).shape[0])

    @property
    def years(self) -> npt.NDArray[np.int64]:
        return self.compiled.static.years


# --- compiling a scenario ---------------------------------------------------------------------------------------

def _cite(prov: dict[str, str], name: str, policy_id: str, pname: str) -> Any:
    ps = pol.load(policy_id)
    prov[name] = ps.citation(pname)
    return ps.value(pname)


def _month_mask(months: list[int]) -> Any:
    ms = np.asarray(months, dtype=int) - 1

    def f(mi: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        return np.isin(mi % 12, ms)

    return f


def compile_scenario(sc: Scenario) -> Compiled:
    """Resolve a scenario: defaults from the policy library (with citations), calendar shares, base parameters.

    Raises
    ------
    InputError
        Inconsistent inputs (names the scenario file and field), e.g. debt above 100 % of the investment.
    """
    origin = sc.origin or sc.scenario
    prov: dict[str, str] = {}
    notes: list[str] = list(sc.notes)
    tl = sc.timeline
    n_op = tl.operating_years

    # --- tariff rules and lags
    tariff_kind = sc.tariff.kind
    sx: tarmod.ShanxiTariff | None = None
    clearing_lag = 0
    deferral = 0
    paid_on_time = 1.0
    if tariff_kind == "shanxi":
        sx = pol.shanxi_tariff(sc.tariff.approval_cutoff)
        prov["tariff"] = pol.citation(pol.SHANXI_TARIFF, "benchmark_yuan_per_kwh")
        clearing_lag = sc.tariff.clearing_lag_years if sc.tariff.clearing_lag_years is not None else int(
            _cite(prov, "clearing_lag_years", pol.SHANXI_TARIFF, "clearing_lag_years"))
        deferral = sc.tariff.deferral_years if sc.tariff.deferral_years is not None else int(
            _cite(prov, "deferral_years", pol.SHANXI_TARIFF, "deferral_years"))
        paid_on_time = sc.tariff.paid_on_time_frac if sc.tariff.paid_on_time_frac is not None else float(
            _cite(prov, "paid_on_time_frac", pol.SHANXI_TARIFF, "paid_on_time_frac"))
    vat_lag = sc.tax.vat_refund_lag_years
    tail = max(clearing_lag + (deferral if paid_on_time < 1.0 or deferral else 0), vat_lag)
    cal = Calendar(tl.start_year, n_op, tl.start, tl.commissioning_months, tl.commissioning_load_frac,
                   tuple(tl.monthly_shape) if tl.monthly_shape else (1.0,) * 12, tail)
    n = cal.n_periods
    first_op = cal.first_operating_t()
    last_op = n_op

    # --- regimes
    if tariff_kind == "shanxi":
        assert sx is not None
        rs = tarmod.shanxi_shares(cal, sx, sc.tariff.scheme, sc.tariff.approval_date, sc.tariff.grid_connection)
        notes.extend(rs.notes)
    elif tariff_kind == "flat":
        rs = tarmod.flat_shares(cal, sc.tariff.adder_years if sc.tariff.adder_yuan_per_kwh else None,
                                sc.tariff.grid_connection)
    else:
        rs = tarmod.RegimeShares({r: (cal.output_share() if r == "base" else np.zeros(n)) for r in tarmod.REGIMES},
                                 "none", None, False)
    share = cal.output_share()

    # --- supply
    s = sc.supply
    level: float | None = None
    decline = s.decline_frac_per_year if s.profile == "decline" else 0.0
    if s.profile in ("constant", "decline"):
        if s.ch4_nm3_per_year is not None:
            level = s.ch4_nm3_per_year
        elif s.ch4_flow_nm3_min is not None:
            level = supmod.pure_nm3_per_year_from_flow(s.ch4_flow_nm3_min)
        elif s.mixed_flow_m3_per_h is not None:
            level = supmod.pure_nm3_per_year_from_mixed(s.mixed_flow_m3_per_h, float(s.ch4_pct or 0.0),
                                                         s.mixed_flow_state)
        elif s.mixed_flow_scfm is not None:
            level = supmod.pure_nm3_per_year_from_scfm(s.mixed_flow_scfm, float(s.ch4_pct or 0.0))
    elif s.profile == "monitoring":
        level, decline = supmod.fit_monitoring(s.monthly_ch4_nm3 or [], s.fit_decline)
        notes.append(f"supply from monitoring data: {level:,.0f} Nm³/yr, fitted decline {decline:.1%}/yr")
    prof = supmod.profile(s.profile, n_op, level_nm3_per_year=level, series_nm3=s.series_ch4_nm3)
    supply_base = np.zeros(n)
    decline_exp = np.zeros(n)
    for t in range(first_op, last_op + 1):
        k = t - first_op + 1
        supply_base[t] = prof[k - 1]
        decline_exp[t] = k - 1

    # --- plant
    p = sc.plant
    intake = math.inf
    if p.intake_ch4_nm3_per_h is not None:
        intake = p.intake_ch4_nm3_per_h
    elif p.intake_mixed_nm3_per_h is not None:
        intake = p.intake_mixed_nm3_per_h * float(p.intake_ch4_pct or 0.0) / 100.0
    heat_demand = math.inf
    if p.heat_demand_gj_per_year is not None:
        heat_demand = p.heat_demand_gj_per_year
    elif p.steam_t_per_h is not None:
        heat_demand = float(p.steam_t_per_h) * float(p.steam_enthalpy_gj_per_t or 0.0) * float(p.heating_hours_per_year
                                                                                                or 0.0)
    recovery = 0.0
    if p.technology == "gas-sales":
        if p.product_recovery_frac is not None:
            recovery = p.product_recovery_frac
        else:
            fp, ft, ff = float(p.product_ch4_pct or 0), float(p.tail_ch4_pct or 0), float(p.feed_ch4_pct or 0)
            prod_flow, _ = two_stream_split(fp, ft, ff, 1.0)  # product share of the feed flow (mass balance)
            recovery = prod_flow * fp / ff
            notes.append(f"product gas {prod_flow:.1%} of the feed flow at {fp:g} %, tail {ft:g} %: CH4 recovery "
                         f"{recovery:.1%} (mass balance, minegas.physics.blending.two_stream_split)")

    # --- policies: VAT, income tax, CCER
    vat_rates = {
        "electricity": float(_cite(prov, "vat_electricity", pol.VAT, "electricity_rate_frac")),
        "heat": float(_cite(prov, "vat_heat", pol.VAT, "heat_rate_frac")),
        "gas": float(_cite(prov, "vat_gas", pol.VAT, "gas_rate_frac")),
        "carbon": float(_cite(prov, "vat_carbon", pol.VAT, "carbon_rate_frac")),
        "purchases": float(_cite(prov, "vat_purchases", pol.VAT, "purchases_rate_frac")),
    }
    refund = sc.tax.vat_refund_frac if sc.tax.vat_refund_frac is not None else (
        float(_cite(prov, "vat_refund_frac", pol.VAT, "gas_power_refund_frac"))
        if p.technology in ("power", "chp") else 0.0)
    refund_taxable = sc.tax.vat_refund_taxable if sc.tax.vat_refund_taxable is not None else bool(
        _cite(prov, "vat_refund_taxable", pol.VAT, "refund_taxable"))
    tax_rate = sc.tax.income_tax_rate_frac if sc.tax.income_tax_rate_frac is not None else float(
        _cite(prov, "income_tax_rate_frac", pol.INCOME_TAX, "rate_frac"))
    dep_years = sc.tax.depreciation_years if sc.tax.depreciation_years is not None else int(
        _cite(prov, "depreciation_years", pol.INCOME_TAX, "depreciation_years"))
    tax_salvage = sc.tax.salvage_frac if sc.tax.salvage_frac is not None else float(
        _cite(prov, "tax_salvage_frac", pol.INCOME_TAX, "salvage_frac"))
    loss_years = sc.tax.loss_carryforward_years if sc.tax.loss_carryforward_years is not None else int(
        _cite(prov, "loss_carryforward_years", pol.INCOME_TAX, "loss_carryforward_years"))
    ex = sc.tax.holiday_exempt_years if sc.tax.holiday_exempt_years is not None else int(
        _cite(prov, "holiday_exempt_years", pol.INCOME_TAX, "holiday_exempt_years"))
    hf = sc.tax.holiday_half_years if sc.tax.holiday_half_years is not None else int(
        _cite(prov, "holiday_half_years", pol.INCOME_TAX, "holiday_half_years"))
    holiday = taxmod.holiday_multiplier(n, first_op, ex, hf)

    em = sc.emissions
    g = gwp(em.gwp, em.horizon)
    dens = resolve_density("0C", em.density)
    grid_ef = em.grid_ef_t_per_mwh if em.grid_ef_t_per_mwh is not None else float(
        _cite(prov, "grid_ef_t_per_mwh", pol.CCER, "grid_ef_t_per_mwh"))

    # --- carbon
    c = sc.carbon
    carbon_price = 0.0
    elig_share = 0.0
    credit_share = np.zeros(n)
    convention: str = c.convention or "displaced"
    if c.enabled:
        carbon_price = c.price_yuan_per_t if c.price_yuan_per_t is not None else float(
            _cite(prov, "carbon_price_yuan_per_t", pol.CCER, "price_yuan_per_t"))
        if c.convention is None:
            convention = str(_cite(prov, "carbon_convention", pol.CCER, "er_convention"))
        trial = c.trial_months if c.trial_months is not None else int(
            _cite(prov, "trial_months", pol.CCER, "trial_months"))
        years_cr = c.crediting_years if c.crediting_years is not None else int(
            _cite(prov, "crediting_years", pol.CCER, "crediting_years"))
        start_m = month_index(c.networking or tl.start) + trial
        end_m = start_m + 12 * years_cr
        credit_share = cal.yearly(mask=lambda mi: (mi >= start_m) & (mi < end_m))
        from minegas.accounting.methods.ccer_cmm import GasSource, ccer_eligibility

        gas_sources = [GasSource(cs.name, cs.kind, cs.ch4_pct, cs.ch4_share_frac * float(prof[0]),
                                 cs.diluted_from_pct) for cs in c.sources] or [
            GasSource(sc.scenario, s.kind, float(s.ch4_pct if s.ch4_pct is not None else 0.0), float(prof[0]),
                      s.diluted_from_pct)]
        elig = ccer_eligibility(
            gas_sources,
            flameless_oxidation=p.flameless_oxidation,
            heat_used=p.technology in ("power", "heat", "chp") and (p.electrical_efficiency_frac > 0
                                                                      or p.heat_efficiency_frac > 0))
        elig_share = elig.eligible_ch4_share if elig.eligible else 0.0
        if not c.require_eligibility:
            elig_share = 1.0
            notes.append("carbon credits counted without the CCER-10-001-V01 eligibility check "
                         "(carbon.require_eligibility = false)")
        elif not elig.eligible:
            notes.append("not eligible under CCER-10-001-V01 — no carbon revenue: " + "; ".join(elig.reasons))
        cr_start = dt.date(start_m // 12, start_m % 12 + 1, 1)
        notes.append(f"carbon crediting from {cr_start:%Y-%m} (networking + {trial}-month trial) for {years_cr} years"
                     + (f"; CCER-10-001-V01 eligible share of the CH4 {elig_share:.0%}" if c.require_eligibility
                        else ""))

    # --- subsidies
    sub = sc.subsidies
    util_rate = 0.0
    util_by_year = np.zeros(n)
    if sub.utilization_yuan_per_nm3 is not None:
        util_rate = sub.utilization_yuan_per_nm3
        prov["utilization_subsidy_yuan_per_nm3"] = f"scenario {origin}"
    else:
        for pid in sub.utilization_policies:
            for t_ in range(first_op, last_op + 1):
                mid = dt.date(int(cal.years[t_]), 7, 1)
                if pid == pol.CENTRAL_SUBSIDY:
                    util_by_year[t_] += pol.central_fixed_rate(mid) or 0.0
                elif pid == pol.GUIZHOU:
                    ps_ = pol.load(pid)
                    if ps_.valid_on(mid):
                        if sub.mine_utilization_frac is None:
                            raise InputError("Guizhou CMM award needs the mine's utilization rate", [Problem(
                                "policy.guizhou.cmm-support pays 0.1 or 0.2 元/m³ by the mine's gas utilization rate",
                                file=origin, field="subsidies.mine_utilization_frac",
                                fix="give the mine's utilization rate (0–1), e.g. 0.6")])
                        util_by_year[t_] += float(submod.guizhou_cmm_rate(
                            sub.mine_utilization_frac, float(ps_.value("cmm_low_yuan_per_nm3")),
                            float(ps_.value("cmm_high_yuan_per_nm3")), float(ps_.value("cmm_low_from_frac")),
                            float(ps_.value("cmm_high_above_frac"))))
                else:
                    ps_ = pol.load(pid)
                    if ps_.valid_on(mid):
                        util_by_year[t_] += float(ps_.value("provincial_yuan_per_nm3"))
            ps_ = pol.load(pid)
            prov[f"utilization:{pid}"] = f"{ps_.id} v{ps_.version}: {ps_.title.get('en', '')} ({ps_.sources[0].document})"
        if sub.utilization_policies and not util_by_year.any():
            notes.append(f"no fixed utilization subsidy in {', '.join(sub.utilization_policies)} for "
                         f"{cal.years[first_op]}–{cal.years[last_op]} (the central fund is tiered since 2019: "
                         "subsidies.utilization_mode = 'tiered')")
    one_off = sub.one_off_yuan
    if pol.GUIZHOU in sub.utilization_policies and one_off == 0.0 and pol.load(pol.GUIZHOU).valid_on(tl.start):
        gz = pol.load(pol.GUIZHOU)
        if p_tech_power := sc.plant.technology in ("power", "chp"):
            one_off = submod.guizhou_power_one_off(float(sc.plant.capacity_kw or 0.0),
                                                   float(gz.value("power_one_off_small_yuan")),
                                                   float(gz.value("power_one_off_large_yuan")),
                                                   float(gz.value("power_threshold_kw")))
        elif sc.plant.technology == "gas-sales":
            one_off = float(gz.value("enrichment_one_off_yuan"))
        if one_off:
            prov["one_off_yuan"] = gz.citation("power_one_off_small_yuan" if p_tech_power else
                                               "enrichment_one_off_yuan")
            notes.append(f"Guizhou one-off award for a new {'power' if p_tech_power else 'enrichment'} plant: "
                         f"{one_off / 1e4:,.0f}万元 in year {sub.one_off_year}")
    tiered_rate = sub.tiered_yuan_per_award_nm3 if sub.tiered_yuan_per_award_nm3 is not None else (
        float(_cite(prov, "tiered_yuan_per_award_nm3", pol.CENTRAL_SUBSIDY, "tiered_yuan_per_award_nm3"))
        if sub.utilization_mode == "tiered" else 0.0)
    cbm_factor = float(pol.value(pol.CENTRAL_SUBSIDY, "cbm_volume_factor"))
    heating_factor = float(pol.value(pol.CENTRAL_SUBSIDY, "heating_season_factor"))
    heating_months = list(pol.value(pol.CENTRAL_SUBSIDY, "heating_season_months"))
    heating_share = cal.yearly(mask=_month_mask(heating_months))
    tiers = pol.growth_tiers() if sub.utilization_mode == "tiered" else submod.DEFAULT_TIERS
    util_mask = np.zeros(n)
    util_mask[first_op:last_op + 1] = 1.0
    if sub.utilization_years is not None:
        util_mask[first_op + sub.utilization_years:] = 0.0

    # --- capex and periodic costs
    capex_items = np.zeros(n)
    for it in sc.capex.items:
        if it.year >= n:
            raise InputError("capex beyond the horizon", [Problem("the spend year lies after the last year",
                                                                  file=origin, field=f"capex.items.{it.name}.year",
                                                                  value=str(it.year))])
        capex_items[it.year] += it.total_yuan
    periodic = np.zeros(n)
    for pc in sc.opex.periodic:
        for t in range(first_op, last_op + 1):
            k = t - first_op + 1
            if k % pc.every_years == 0 and t < last_op:
                periodic[t] += pc.yuan

    # --- tariff base values
    if tariff_kind == "shanxi":
        assert sx is not None
        bench, base_p, low_p = sx.benchmark_yuan_per_kwh, sx.coal_base_yuan_per_kwh, sx.low_price_yuan_per_kwh
        comm = sc.tariff.commissioning_price_frac if sc.tariff.commissioning_price_frac is not None else \
            sx.commissioning_price_frac
    elif tariff_kind == "flat":
        base_p = float(sc.tariff.price_yuan_per_kwh or 0.0)
        bench = base_p + sc.tariff.adder_yuan_per_kwh
        low_p = base_p
        comm = sc.tariff.commissioning_price_frac if sc.tariff.commissioning_price_frac is not None else 1.0
    else:
        bench = base_p = low_p = 0.0
        comm = 1.0
        if p.grid_export_frac > 0 and p.technology in ("power", "chp"):
            notes.append("power is exported to the grid but no tariff is set (tariff.kind = 'none'): export earns 0")

    f = sc.finance
    debtmod.check_debt_fraction(f.debt_frac, file=origin)

    base: dict[str, float] = {
        "supply_scale": 1.0,
        "supply_decline_frac": decline,
        "intake_ch4_nm3_per_h": intake,
        "availability_frac": p.operating_hours_per_year / HOURS_PER_YEAR,
        "destruction_frac": p.destruction_frac,
        "electrical_efficiency_frac": p.electrical_efficiency_frac,
        "parasitic_frac": p.parasitic_frac,
        "grid_export_frac": p.grid_export_frac,
        "heat_efficiency_frac": p.heat_efficiency_frac,
        "heat_demand_gj_per_year": heat_demand,
        "product_recovery_frac": recovery,
        "capacity_kw": float(p.capacity_kw or 0.0),
        "electricity_to_mine_yuan_per_kwh": sc.prices.electricity_to_mine_yuan_per_kwh,
        "heat_yuan_per_gj": sc.prices.heat_yuan_per_gj,
        "gas_sale_yuan_per_nm3": sc.prices.gas_sale_yuan_per_nm3,
        "natural_gas_yuan_per_nm3": sc.prices.natural_gas_yuan_per_nm3,
        "natural_gas_lhv_mj_per_nm3": sc.prices.natural_gas_lhv_mj_per_nm3,
        "displaced_boiler_efficiency_frac": sc.prices.displaced_boiler_efficiency_frac,
        "standard_coal_yuan_per_t": sc.prices.standard_coal_yuan_per_t,
        "gas_cost_yuan_per_nm3": sc.prices.gas_cost_yuan_per_nm3,
        "tariff_benchmark_yuan_per_kwh": bench,
        "tariff_base_yuan_per_kwh": base_p,
        "tariff_low_yuan_per_kwh": low_p,
        "commissioning_price_frac": comm,
        "paid_on_time_frac": paid_on_time,
        "tariff_escalation_frac": sc.tariff.escalation_frac,
        "utilization_subsidy_yuan_per_nm3": util_rate,
        "tiered_yuan_per_award_nm3": tiered_rate,
        "one_off_yuan": one_off,
        "capex_grant_frac": sub.capex_grant_frac,
        "carbon_price_yuan_per_t": carbon_price,
        "carbon_escalation_frac": c.escalation_frac,
        "capex_scale": 1.0,
        "opex_scale": 1.0,
        "fixed_opex_yuan_per_year": sc.opex.fixed_yuan_per_year,
        "variable_opex_yuan_per_nm3": sc.opex.variable_yuan_per_nm3,
        "variable_opex_yuan_per_kwh": sc.opex.variable_yuan_per_kwh,
        "inflation_frac": f.inflation_frac,
        "energy_escalation_frac": f.energy_escalation_frac,
        "discount_rate_frac": f.discount_rate_frac,
        "debt_frac": f.debt_frac,
        "interest_rate_frac": f.interest_rate_frac,
        "income_tax_rate_frac": tax_rate,
        "vat_refund_frac": refund,
        "residual_frac": f.salvage_frac,
    }
    static = Static(
        n=n, years=cal.years, first_op_t=first_op, last_op_t=last_op, supply_base=supply_base,
        decline_exp=decline_exp, share=share, op_time=cal.operating_time_frac(), regimes=rs.shares,
        heating_share=heating_share, credit_share=credit_share, util_mask=util_mask, util_by_year=util_by_year, capex_items=capex_items,
        periodic=periodic, holiday=holiday, technology=p.technology, heat_use=p.heat_use, tariff_kind=tariff_kind,
        clearing_lag=clearing_lag, deferral_years=deferral, vat_enabled=sc.tax.vat_enabled,
        include_vat=sc.prices.include_vat, power_to_mine_is_sale=sc.prices.power_to_mine_is_sale,
        vat_rates=vat_rates, capex_input_vat_frac=sc.capex.input_vat_frac, opex_input_vat_frac=sc.opex.input_vat_frac,
        vat_refund_lag=vat_lag, vat_refund_taxable=refund_taxable, subsidies_taxable=sub.taxable,
        grant_reduces_depreciation=sub.grant_reduces_depreciation, utilization_mode=sub.utilization_mode,
        utilization_basis=sub.utilization_basis, cbm_factor=cbm_factor, heating_factor=heating_factor,
        growth_tiers=tiers, one_off_t=sub.one_off_year, carbon_enabled=c.enabled, carbon_eligible_share=elig_share,
        carbon_convention=convention, gwp_name=em.gwp, gwp_horizon=em.horizon, gwp_value=g, density_name=dens.name,
        grid_ef_t_per_mwh=grid_ef, heat_ef_t_per_gj=em.heat_ef_t_per_gj,
        coal_rate_gce_per_kwh=em.grid_coal_rate_gce_per_kwh, coal_boiler_eff=em.coal_boiler_efficiency_frac,
        sold_gas_destroyed=p.sold_gas_counts_as_destroyed, depreciation_years=dep_years, tax_salvage_frac=tax_salvage,
        loss_years=loss_years, debt_term=f.debt_term_years, dscr_target=f.dscr_target, npv_convention=f.npv_convention,
        mirr_finance=f.mirr_finance_rate_frac, mirr_reinvest=f.mirr_reinvest_rate_frac,
        fixed_opex_frac_of_capex=sc.opex.fixed_frac_of_capex,
    )
    if sub.one_off_year >= n:
        raise InputError("one-off award beyond the horizon", [Problem("year lies after the last year", file=origin,
                                                                      field="subsidies.one_off_year")])
    return Compiled(sc, cal, static, base, prov, tuple(notes))


# --- running ---------------------------------------------------------------------------------------------------

def _params(c: Compiled, overrides: Mapping[str, npt.ArrayLike] | None, draws: int | None, clip: bool
            ) -> tuple[dict[str, FloatArray], int, dict[str, int]]:
    ov = dict(overrides or {})
    unknown = sorted(set(ov) - set(PARAMETERS))
    if unknown:
        raise InputError("unknown parameter", [Problem(f"{u!r} is not a parameter the engine can vary", field=u,
                                                       fix="see minegas.economics.PARAMETERS / docs/economics.md")
                                               for u in unknown])
    d = draws or 1
    for v in ov.values():
        a = np.asarray(v, dtype=float)
        if a.ndim == 1:
            d = max(d, a.size)
    out: dict[str, FloatArray] = {}
    clipped: dict[str, int] = {}
    problems: list[Problem] = []
    for name, spec in PARAMETERS.items():
        a = np.asarray(ov.get(name, c.base[name]), dtype=float)
        if a.ndim == 0:
            col = np.full((1, 1), float(a))
        elif a.ndim == 1 and a.size in (1, d):
            col = a.reshape(-1, 1).copy()
        else:
            problems.append(Problem(f"expected a scalar or {d} values", field=name, value=str(a.shape)))
            continue
        if name in ov:
            bad = (col < spec.low) | (col > spec.high) | np.isnan(col)
            if bad.any():
                if clip and not np.isnan(col).any():
                    clipped[name] = int(bad.sum())
                    col = np.clip(col, spec.low, spec.high)
                else:
                    problems.append(Problem(f"outside [{spec.low}, {spec.high}] {spec.unit}", field=name,
                                            value=str(col[bad][0])))
        out[name] = col
    if problems:
        raise InputError("bad parameter values", problems)
    if not clip:
        debtmod.check_debt_fraction(out["debt_frac"], field="debt_frac")
    return out, d, clipped


def _col(a: FloatArray, d: int) -> FloatArray:
    """A (1, 1) or (D, 1) parameter column as a vector of length D."""
    v = np.asarray(a, dtype=float).reshape(-1)
    return np.broadcast_to(v, (d,)).copy() if v.size == 1 else v


def _sales(q: FloatArray, rate: float, st: Static) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(cash incl. VAT, net of VAT, VAT) of a sale whose price × quantity is ``q``."""
    if not st.vat_enabled or rate == 0.0:
        return q, q, np.zeros_like(q)
    if st.include_vat:
        net = q / (1.0 + rate)
        return q, net, q - net
    return q * (1.0 + rate), q, q * rate


def physics(c: Compiled, P: Mapping[str, FloatArray], lean: bool = False) -> dict[str, FloatArray]:
    """Yearly physical quantities (D, T): gas, energy, power, heat, product, CH4 destroyed, CO2e, tce.

    Quantities a scenario does not have (heat of a power plant …) are a shared (1, T) row of zeros, and lines that do
    not vary across draws stay (1, T): only what the draws change is computed D times. ``lean`` skips the lines no
    cash flow or metric needs (standard coal, the CO2e conventions other than the carbon convention).
    """
    st = c.static
    share = st.share[None, :]
    Z = np.zeros((1, st.n))
    if st.fixed_quantities is not None:
        fq = st.fixed_quantities
        qf = {k: np.asarray(v, dtype=float)[None, :] * share for k, v in fq.items()}
        qf.setdefault("supply_nm3", qf.get("ch4_used_nm3", Z))
        return _derived(c, qf, P, lean)
    shape_t = st.supply_base[None, :]
    if np.any(P["supply_decline_frac"]):
        shape_t = shape_t * (1.0 - P["supply_decline_frac"]) ** st.decline_exp[None, :]
    supply_full = shape_t * P["supply_scale"]
    cap = P["intake_ch4_nm3_per_h"] * HOURS_PER_YEAR
    used_full = np.minimum(supply_full, cap) if np.isfinite(cap).any() else supply_full
    used = used_full * (P["availability_frac"] * share)       # CH4 used in each year [Nm³]
    fuel = np.asarray(energy_mj(used, "0C", "lhv"))          # LHV fuel energy [MJ]
    q: dict[str, FloatArray] = {"supply_nm3": supply_full * st.op_time[None, :], "ch4_used_nm3": used,
                                "fuel_lhv_mj": fuel}
    tech = st.technology
    if tech in ("power", "chp"):
        p_fuel = np.asarray(electricity_kwh(fuel, P["electrical_efficiency_frac"]))
        p_cap = (P["capacity_kw"] * HOURS_PER_YEAR * P["availability_frac"]) * share
        gross = np.minimum(p_fuel, p_cap)
        own = gross * P["parasitic_frac"]
        net = gross - own
        grid = net * P["grid_export_frac"] if np.any(P["grid_export_frac"] != 1.0) else net
        q["power_gross_kwh"], q["power_own_use_kwh"], q["power_net_kwh"] = gross, own, net
        q["power_grid_kwh"] = grid
        q["power_mine_kwh"] = net - grid if grid is not net else Z
    else:
        for k in ("power_gross_kwh", "power_own_use_kwh", "power_net_kwh", "power_grid_kwh", "power_mine_kwh"):
            q[k] = Z
    if tech in ("heat", "chp", "oxidation") and np.any(P["heat_efficiency_frac"]):
        heat = fuel * (P["heat_efficiency_frac"] / 1000.0)
        if np.isfinite(P["heat_demand_gj_per_year"]).any():
            heat = np.minimum(heat, P["heat_demand_gj_per_year"] * share)
        q["heat_gj"] = heat
    else:
        q["heat_gj"] = Z
    if tech == "gas-sales":
        product = used * P["product_recovery_frac"]
        q["product_ch4_nm3"] = product
        q["ch4_destroyed_nm3"] = product if st.sold_gas_destroyed else Z
    else:
        q["product_ch4_nm3"] = Z
        q["ch4_destroyed_nm3"] = used * P["destruction_frac"]
    return _derived(c, q, P, lean)


def _derived(c: Compiled, q: dict[str, FloatArray], P: Mapping[str, FloatArray], lean: bool = False
             ) -> dict[str, FloatArray]:
    """CH4 mass, CO2e, standard coal and displaced fuels from the base quantities (keys already given are kept)."""
    st = c.static
    Z = np.zeros((1, st.n))
    for k in ("power_gross_kwh", "power_own_use_kwh", "power_net_kwh", "power_grid_kwh", "power_mine_kwh", "heat_gj",
              "product_ch4_nm3", "ch4_destroyed_nm3", "ch4_used_nm3", "fuel_lhv_mj"):
        q.setdefault(k, Z)
    heat_any = q["heat_gj"] is not Z
    if "ch4_destroyed_t" not in q:
        q["ch4_destroyed_t"] = np.asarray(ch4_mass_t(q["ch4_destroyed_nm3"], "0C", st.density_name))
    need = {"gross", "net", "displaced"} if not lean else {st.carbon_convention}
    if "co2e_net_t" not in q and ("net" in need or "displaced" in need):
        q["co2e_net_t"] = np.asarray(co2e_net_t(q["ch4_destroyed_t"], st.gwp_name, st.gwp_horizon))
    if "co2e_gross_t" not in q and "gross" in need:
        q["co2e_gross_t"] = np.asarray(co2e_gross_t(q["ch4_destroyed_t"], st.gwp_name, st.gwp_horizon))
    delivered_kwh = q["power_net_kwh"]
    if "co2e_displaced_t" not in q and "displaced" in need:
        extra = delivered_kwh * (st.grid_ef_t_per_mwh / 1000.0)
        if heat_any and st.heat_ef_t_per_gj:
            extra = extra + q["heat_gj"] * st.heat_ef_t_per_gj
        # = co2e_displaced_t(...) of minegas.physics.climate, with the net part computed once
        q["co2e_displaced_t"] = q["co2e_net_t"] + extra
    if not lean:
        energy = q["fuel_lhv_mj"] if st.technology != "gas-sales" else np.asarray(
            energy_mj(q["product_ch4_nm3"], "0C", "lhv"))
        q["tce_hv"] = np.asarray(tce_hv(energy))
        q["tce_power"] = np.asarray(tce_power(delivered_kwh, st.coal_rate_gce_per_kwh))
        q["tce_heat"] = np.asarray(tce_heat(q["heat_gj"], st.coal_boiler_eff)) if heat_any else Z
    if st.heat_use == "natural-gas" and heat_any:
        q["natural_gas_displaced_nm3"] = q["heat_gj"] * (1000.0 / (P["natural_gas_lhv_mj_per_nm3"]
                                                                   * P["displaced_boiler_efficiency_frac"]))
    else:
        q["natural_gas_displaced_nm3"] = Z
    if st.heat_use == "coal" and heat_any:
        q["coal_displaced_tce"] = q.get("tce_heat", np.asarray(tce_heat(q["heat_gj"], st.coal_boiler_eff)))
    else:
        q["coal_displaced_tce"] = Z
    return q


def _nz(x: FloatArray) -> bool:
    """True unless ``x`` is all zeros (cheap test used to skip absent revenue and cost lines)."""
    return bool(np.any(x))


def run(c: Compiled, overrides: Mapping[str, npt.ArrayLike] | None = None, draws: int | None = None,
        *, clip: bool = False, detail: bool = True) -> Batch:
    """Evaluate a compiled scenario for D draws.

    Parameters
    ----------
    c : from :func:`compile_scenario`.
    overrides : parameter name → scalar or array of D values (names in :data:`PARAMETERS`); others keep the base.
    draws : D when no override is an array.
    clip : clip drawn values to the parameter bounds (Monte Carlo) instead of rejecting them; counts in
        ``Batch.clipped``.
    detail : also keep the per-regime energy lines (``kwh_<regime>``) the Excel export needs.

    Lines that do not vary across draws are computed once (shape (1, T)) and returned as broadcast views (D, T).
    """
    st = c.static
    P, d, clipped = _params(c, overrides, draws, clip)
    n = st.n
    t = np.arange(n, dtype=float)[None, :]
    Z = np.zeros((1, n))
    L: dict[str, FloatArray] = dict(physics(c, P, lean=not detail))
    esc_e = (1.0 + P["energy_escalation_frac"]) ** t
    esc_i = (1.0 + P["inflation_frac"]) ** t
    esc_tar = (1.0 + P["tariff_escalation_frac"]) ** t
    esc_c = (1.0 + P["carbon_escalation_frac"]) ** t
    L["escalation_energy"], L["escalation_inflation"] = esc_e, esc_i
    L["escalation_tariff"], L["escalation_carbon"] = esc_tar, esc_c
    share = st.share[None, :]
    inv_share = np.where(share > 0, 1.0 / np.where(share > 0, share, 1.0), 0.0)

    # --- tariff: the price paid at once and the subsidy accrued, averaged over the year's regimes
    grid_full = L["power_grid_kwh"] * inv_share
    now_p, later_p = tarmod.regime_prices(st.tariff_kind, benchmark=P["tariff_benchmark_yuan_per_kwh"],
                                          base=P["tariff_base_yuan_per_kwh"], low=P["tariff_low_yuan_per_kwh"],
                                          commissioning_frac=P["commissioning_price_frac"])
    avg_now: FloatArray = Z
    for r in tarmod.REGIMES:
        sh = st.regimes[r][None, :]
        if sh.any():
            avg_now = avg_now + sh * np.asarray(now_p[r])
            if detail:
                L[f"kwh_{r}"] = grid_full * sh
        elif detail:
            L[f"kwh_{r}"] = Z
    L["rev_grid_now"] = grid_full * (avg_now * esc_tar) if _nz(grid_full) else Z
    sh_def = st.regimes["deferred"][None, :]
    if sh_def.any() and _nz(grid_full):
        L["tariff_subsidy_accrued"] = grid_full * (sh_def * np.asarray(later_p["deferred"]) * esc_tar)
        L["tariff_subsidy_cash"] = tarmod.deferred_cash(L["tariff_subsidy_accrued"], st.clearing_lag,
                                                        st.deferral_years, P["paid_on_time_frac"])
    else:
        L["tariff_subsidy_accrued"] = L["tariff_subsidy_cash"] = Z
    # --- other sales and avoided purchases (year-0 prices × escalation)
    rev_mine = L["power_mine_kwh"] * (P["electricity_to_mine_yuan_per_kwh"] * esc_e) if _nz(L["power_mine_kwh"]) else Z
    if st.power_to_mine_is_sale:
        L["rev_power_mine"], L["avoided_power"] = rev_mine, Z
    else:  # the plant belongs to the mine: supplying it avoids purchases, it is not a sale
        L["rev_power_mine"], L["avoided_power"] = Z, rev_mine
    L["rev_heat"] = L["heat_gj"] * (P["heat_yuan_per_gj"] * esc_e) if st.heat_use == "sold" else Z
    L["rev_gas"] = L["product_ch4_nm3"] * (P["gas_sale_yuan_per_nm3"] * esc_e) if _nz(L["product_ch4_nm3"]) else Z
    L["avoided_natural_gas"] = (L["natural_gas_displaced_nm3"] * (P["natural_gas_yuan_per_nm3"] * esc_e)
                                if st.heat_use == "natural-gas" else Z)
    L["avoided_coal"] = (L["coal_displaced_tce"] * (P["standard_coal_yuan_per_t"] * esc_e)
                         if st.heat_use == "coal" else Z)

    # --- carbon
    if st.carbon_enabled and st.carbon_eligible_share > 0:
        er_key = {"gross": "co2e_gross_t", "net": "co2e_net_t", "displaced": "co2e_displaced_t"}[st.carbon_convention]
        L["er_credited_t"] = L[er_key] * (inv_share * st.credit_share[None, :] * st.carbon_eligible_share)
        L["rev_carbon"] = L["er_credited_t"] * (P["carbon_price_yuan_per_t"] * esc_c)
    else:
        L["er_credited_t"] = L["rev_carbon"] = Z

    # --- utilization subsidy and awards (fixed nominal amounts, not escalated)
    vol = L["ch4_used_nm3"] if st.utilization_basis == "used" else L["ch4_destroyed_nm3"]
    if st.utilization_mode == "fixed":
        rate_t = (P["utilization_subsidy_yuan_per_nm3"] + st.util_by_year[None, :]) * st.util_mask[None, :]
        L["util_subsidy"] = vol * rate_t if _nz(rate_t) else Z
    else:
        heat_frac = st.heating_share * inv_share[0]
        counted = submod.counted_volume(vol, cbm_factor=st.cbm_factor)
        award = submod.award_series(np.atleast_2d(counted), np.atleast_2d(counted * heat_frac[None, :]),
                                    st.heating_factor, st.growth_tiers)
        L["award_volume_m3"] = award * st.util_mask[None, :]
        L["util_subsidy"] = L["award_volume_m3"] * P["tiered_yuan_per_award_nm3"]
    one = np.zeros((P["one_off_yuan"].shape[0], n))
    one[:, st.one_off_t] = P["one_off_yuan"][:, 0]
    L["one_off_award"] = one

    # --- investment and O&M
    capex = st.capex_items[None, :] * P["capex_scale"]
    L["capex"] = capex
    capex_total = capex.sum(axis=1, keepdims=True)
    grant = np.zeros((capex_total.shape[0] if P["capex_grant_frac"].shape[0] == 1 else d, n))
    grant[:, 0] = (P["capex_grant_frac"] * capex_total)[:, 0]
    L["capex_grant"] = grant
    fixed = (P["fixed_opex_yuan_per_year"] + st.fixed_opex_frac_of_capex * capex_total) * st.op_time[None, :]
    L["opex_fixed"] = fixed * (P["opex_scale"] * esc_i)
    var_rate = P["variable_opex_yuan_per_nm3"] * L["ch4_used_nm3"] + P["variable_opex_yuan_per_kwh"] * L[
        "power_gross_kwh"]
    L["opex_variable"] = var_rate * (P["opex_scale"] * esc_i) if _nz(var_rate) else Z
    L["opex_periodic"] = st.periodic[None, :] * (P["opex_scale"] * esc_i) if st.periodic.any() else Z
    gas_p = P["gas_cost_yuan_per_nm3"]
    L["gas_cost"] = L["ch4_used_nm3"] * (gas_p * esc_e) if _nz(gas_p) else Z
    L["opex_total"] = L["opex_fixed"] + L["opex_variable"] + L["opex_periodic"] + L["gas_cost"]

    # --- VAT
    vr = st.vat_rates
    mine_rate = vr["electricity"] if st.power_to_mine_is_sale else 0.0
    sales = (("grid_now", L["rev_grid_now"], vr["electricity"], True),
             ("tariff_subsidy", L["tariff_subsidy_cash"], vr["electricity"], True),
             ("power_mine", L["rev_power_mine"], mine_rate, True),
             ("heat", L["rev_heat"], vr["heat"], False),
             ("gas", L["rev_gas"], vr["gas"], False),
             ("carbon", L["rev_carbon"], vr["carbon"], False))
    out_vat: FloatArray = Z
    power_vat: FloatArray = Z
    net_sales: FloatArray = Z
    cash_sales: FloatArray = Z
    for key, amt, rate, is_power in sales:
        if amt is Z:
            L[f"sales_{key}_cash"] = Z
            continue
        cash, net, vat = _sales(amt, rate, st)
        L[f"sales_{key}_cash"] = cash
        cash_sales = cash_sales + cash
        net_sales = net_sales + net
        out_vat = out_vat + vat
        if is_power:
            power_vat = power_vat + vat
    r_in = vr["purchases"]
    if st.vat_enabled:
        in_capex = L["capex"] * (st.capex_input_vat_frac * r_in / (1.0 + r_in))
        in_opex = (L["opex_total"] - L["gas_cost"]) * (st.opex_input_vat_frac * r_in / (1.0 + r_in))
        in_gas = L["gas_cost"] * (vr["gas"] / (1.0 + vr["gas"]))
    else:
        in_capex = in_opex = in_gas = Z
    L["vat_output"] = out_vat
    L["vat_input"] = in_capex + in_opex + in_gas
    L["vat_input_capex"] = in_capex
    L["vat_payable"], L["vat_credit"] = taxmod.vat_payable(L["vat_output"], L["vat_input"])
    refund_on = bool(np.any(P["vat_refund_frac"])) and _nz(power_vat)
    if refund_on:
        elig = np.where(out_vat > 0, power_vat / np.where(out_vat > 0, out_vat, 1.0), 0.0)
        L["vat_refund"] = taxmod.vat_refund(L["vat_payable"] * elig, P["vat_refund_frac"], st.vat_refund_lag)
    else:
        L["vat_refund"] = Z

    # --- cash in / out
    avoided = L["avoided_natural_gas"] + L["avoided_coal"] + L["avoided_power"]
    L["cash_in"] = cash_sales + avoided + L["util_subsidy"] + L["one_off_award"] + L["vat_refund"]
    L["cash_out"] = L["opex_total"] + L["vat_payable"]
    L["cfads"] = L["cash_in"] - L["cash_out"]

    # --- depreciation and income tax
    grant_in_base = L["capex_grant"].sum(axis=1) if st.grant_reduces_depreciation else 0.0
    dep_base = (L["capex"] - in_capex).sum(axis=1) - grant_in_base
    L["depreciation"] = taxmod.straight_line(dep_base, st.depreciation_years, n, salvage_frac=st.tax_salvage_frac,
                                             start_t=st.first_op_t)
    L["opex_net"] = L["opex_total"] - in_opex - in_gas
    taxable_income = net_sales + avoided + L["one_off_award"]
    if st.subsidies_taxable:
        taxable_income = taxable_income + L["util_subsidy"]
    if st.vat_refund_taxable:
        taxable_income = taxable_income + L["vat_refund"]
    if not st.grant_reduces_depreciation:
        taxable_income = taxable_income + L["capex_grant"]
    L["revenue_net"] = taxable_income
    L["ebit"] = taxable_income - L["opex_net"] - L["depreciation"]

    # --- debt
    capex0 = L["capex"][:, 0]
    cap_yuan = _col(P["debt_frac"], capex0.size if P["debt_frac"].shape[0] == 1 else d) * capex0
    if np.any(cap_yuan > 0):
        if st.dscr_target is not None:
            principal, capped = debtmod.size_by_dscr(np.broadcast_to(L["cfads"], (max(d, 1), n)),
                                                     P["interest_rate_frac"], st.debt_term, st.dscr_target,
                                                     np.broadcast_to(cap_yuan, (d,)))
            L["debt_capped_by_fraction"] = capped.astype(float)[:, None] * np.ones((1, n))
        else:
            principal = cap_yuan
        interest, repaid, balance = debtmod.schedule(principal, P["interest_rate_frac"], st.debt_term, n,
                                                     first_payment_t=1)
        drawn = np.zeros((principal.size, n))
        drawn[:, 0] = principal
    else:
        interest = repaid = balance = drawn = Z
    L["debt_drawn"], L["interest"], L["principal"], L["debt_balance"] = drawn, interest, repaid, balance
    L["debt_service"] = interest + repaid
    L["dscr"] = debtmod.dscr(np.broadcast_to(L["cfads"], np.broadcast_shapes(L["cfads"].shape, interest.shape)),
                             np.broadcast_to(L["debt_service"], np.broadcast_shapes(L["cfads"].shape,
                                                                                    interest.shape)))
    L["taxable_unlevered"] = L["ebit"]
    L["taxable_levered"] = L["ebit"] - interest
    tax_rate_d = P["income_tax_rate_frac"].reshape(-1)
    L["tax_unlevered"], L["loss_used_unlevered"], _ = taxmod.income_tax(
        L["taxable_unlevered"], tax_rate_d if tax_rate_d.size == L["ebit"].shape[0] else tax_rate_d[0],
        st.loss_years, st.holiday)
    if interest is not Z:
        tl = L["taxable_levered"]
        L["tax_levered"], L["loss_used_levered"], _ = taxmod.income_tax(
            tl, tax_rate_d if tax_rate_d.size == tl.shape[0] else tax_rate_d[0], st.loss_years, st.holiday)
    else:
        L["tax_levered"], L["loss_used_levered"] = L["tax_unlevered"], L["loss_used_unlevered"]

    # --- residual value and cash flows
    res = np.zeros((capex_total.shape[0] if P["residual_frac"].shape[0] == 1 else d, n))
    res[:, st.last_op_t] = (P["residual_frac"] * capex_total)[:, 0]
    L["residual"] = res
    L["cf_project"] = -L["capex"] + L["capex_grant"] + L["cfads"] - L["tax_unlevered"] + L["residual"]
    L["cf_equity"] = (L["cf_project"] + L["tax_unlevered"] - L["tax_levered"] + L["debt_drawn"] - L["debt_service"]
                      if interest is not Z or drawn is not Z else L["cf_project"])
    L["cf_project_cumulative"] = np.cumsum(np.broadcast_to(L["cf_project"], (d, n)), axis=1)

    lines = {k: np.broadcast_to(np.asarray(v, dtype=float), (d, n)) for k, v in L.items()}
    from minegas.economics.metrics import compute_metrics

    metrics, status = compute_metrics(c, P, lines)
    return Batch(c, P, lines, metrics, status, clipped)
