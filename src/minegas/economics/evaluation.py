"""The plain function API other modules call: :func:`evaluate` (one scenario), :func:`evaluate_many` (arrays of
inputs, one vectorised run), :func:`evaluate_option` (an option described by yearly quantities — the entry point
:mod:`minegas.utilization` uses).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from minegas.economics import irr as irrmod
from minegas.economics import policies as pol
from minegas.economics.cashflow import Batch, Compiled, compile_scenario, run
from minegas.economics.scenario import Scenario, parse_scenario, resolve_scenario
from minegas.errors import InputError, Problem

SCALAR_METRICS = (
    "npv_project_yuan", "npv_equity_yuan", "irr_project_frac", "irr_equity_frac", "mirr_project_frac",
    "payback_simple_yr", "payback_discounted_yr", "lcoe_yuan_per_kwh", "lcoh_yuan_per_gj", "lcog_yuan_per_nm3",
    "abatement_cost_yuan_per_t", "capex_per_kw_yuan", "capex_total_yuan", "benefit_cost_ratio", "dscr_min",
    "dscr_avg",
)

TABLE_LINES = (
    "supply_nm3", "ch4_used_nm3", "ch4_destroyed_nm3", "ch4_destroyed_t", "fuel_lhv_mj", "power_gross_kwh",
    "power_own_use_kwh", "power_net_kwh", "power_grid_kwh", "power_mine_kwh", "heat_gj", "product_ch4_nm3",
    "natural_gas_displaced_nm3", "co2e_gross_t", "co2e_net_t", "co2e_displaced_t", "er_credited_t", "tce_hv",
    "tce_power", "tce_heat",
    "rev_grid_now", "tariff_subsidy_accrued", "tariff_subsidy_cash", "rev_power_mine", "rev_heat", "rev_gas",
    "avoided_natural_gas", "avoided_coal", "avoided_power", "rev_carbon", "util_subsidy", "one_off_award",
    "vat_output", "vat_input", "vat_payable", "vat_refund", "cash_in", "opex_fixed", "opex_variable",
    "opex_periodic", "gas_cost", "opex_total", "cash_out", "cfads", "capex", "capex_grant", "depreciation", "ebit",
    "interest", "principal", "debt_service", "dscr", "tax_unlevered", "tax_levered", "residual", "cf_project",
    "cf_equity", "cf_project_cumulative",
)
"""The lines of the yearly table (units in the names; money in 元)."""


@dataclass(frozen=True)
class Evaluation:
    """One scenario evaluated: metrics, the IRR analysis, the yearly table, and where the numbers came from."""

    scenario: Scenario
    batch: Batch
    metrics: dict[str, float | None]
    irr_project: irrmod.IrrAnalysis
    irr_equity: irrmod.IrrAnalysis
    warnings: list[str] = field(default_factory=list)

    @property
    def compiled(self) -> Compiled:
        return self.batch.compiled

    @property
    def years(self) -> list[int]:
        return [int(y) for y in self.batch.years]

    def line(self, name: str) -> npt.NDArray[np.float64]:
        """One yearly line (T,) of the single evaluation."""
        return np.asarray(self.batch.lines[name][0], dtype=float)

    def table(self) -> dict[str, list[float]]:
        """The yearly table: line name → values by year (``year`` and ``t`` first)."""
        out: dict[str, list[float]] = {"year": [float(y) for y in self.years],
                                       "t": [float(t) for t in range(len(self.years))]}
        for k in TABLE_LINES:
            if k in self.batch.lines:
                out[k] = [float(v) for v in self.batch.lines[k][0]]
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (metrics, IRR analysis, conventions, provenance, notes, warnings, yearly table)."""
        st = self.compiled.static

        def irr_d(a: irrmod.IrrAnalysis) -> dict[str, Any]:
            return {"irr_frac": a.irr, "roots_frac": a.roots, "mirr_frac": a.mirr, "sign_changes": a.sign_changes,
                    "status": a.status, "reason": a.reason, "warnings": a.warnings}

        return {
            "scenario": self.scenario.scenario,
            "title": self.scenario.title,
            "source": self.scenario.source,
            "file": self.scenario.origin,
            "metrics": self.metrics,
            "irr_project": irr_d(self.irr_project),
            "irr_equity": irr_d(self.irr_equity),
            "conventions": {
                "npv": ("t = 0 is the investment year, undiscounted (numpy-financial)" if st.npv_convention == "t0"
                        else "Excel: the first flow is discounted one period"),
                "discount_rate_frac": self.batch.compiled.base["discount_rate_frac"],
                "cash_flows": "end of year; investment in year 0; prices escalated from year 1",
                "volumes": "Nm³ pure CH4 at 0 °C, 101.325 kPa",
                "gwp": f"{st.gwp_name} {st.gwp_horizon}-yr = {st.gwp_value}",
                "density": st.density_name,
                "carbon_convention": st.carbon_convention,
                "tariff": st.tariff_kind,
            },
            "provenance": self.compiled.provenance,
            "notes": list(self.compiled.notes),
            "warnings": self.warnings,
            "table": self.table(),
        }


def _scalar(a: npt.NDArray[np.float64]) -> float | None:
    v = float(a[0])
    return v if math.isfinite(v) else None


def evaluate(scenario: Scenario | str, overrides: Mapping[str, float] | None = None) -> Evaluation:
    """Evaluate one scenario (an object, a file path or a shipped name) with optional scalar overrides.

    The scenario object is never modified; overrides apply to this evaluation only.
    """
    sc = resolve_scenario(scenario) if isinstance(scenario, str) else scenario
    c = compile_scenario(sc)
    b = run(c, overrides)
    metrics = {k: _scalar(b.metrics[k]) for k in SCALAR_METRICS}
    r = float(np.asarray(b.params["discount_rate_frac"]).reshape(-1)[0])
    st = c.static
    fin = st.mirr_finance if st.mirr_finance is not None else r
    rei = st.mirr_reinvest if st.mirr_reinvest is not None else r
    ap = irrmod.irr_analysis(b.lines["cf_project"][0], fin, rei)
    ae = irrmod.irr_analysis(b.lines["cf_equity"][0], fin, rei)
    # the reported IRR is the analysis' (all roots known); the vectorised one agrees where there is one root
    metrics["irr_project_frac"] = ap.irr
    metrics["irr_equity_frac"] = ae.irr
    warnings = [f"project IRR: {w}" for w in ap.warnings] + [f"equity IRR: {w}" for w in ae.warnings]
    if ap.status == "undefined":
        warnings.append(f"project IRR {ap.reason}")
    if "debt_capped_by_fraction" in b.lines and b.lines["debt_capped_by_fraction"][0, 0] > 0:
        warnings.append("DSCR-sized debt capped at finance.debt_frac of the investment (guardrail: debt ≤ 100 %)")
    return Evaluation(sc, b, metrics, ap, ae, warnings)


def evaluate_many(scenario: Scenario | str, overrides: Mapping[str, npt.ArrayLike], *, clip: bool = False) -> Batch:
    """Evaluate many variants of one scenario in one vectorised run.

    Parameters
    ----------
    scenario : object, file path or shipped name.
    overrides : parameter name (see :data:`minegas.economics.cashflow.PARAMETERS`) → array of D values (or scalar).
    clip : clip values outside a parameter's bounds instead of rejecting them.

    Returns
    -------
    :class:`~minegas.economics.cashflow.Batch` with lines (D, T) and metrics (D,).
    """
    sc = resolve_scenario(scenario) if isinstance(scenario, str) else scenario
    return run(compile_scenario(sc), overrides, clip=clip)


# --- the utilization entry point ------------------------------------------------------------------------------

DEFAULT_OPTION_PRICES = {
    "heat_as_natural_gas_yuan_per_nm3": 4.0,
    "heat_displaced_boiler_efficiency_frac": 0.88,
    "gas_sale_yuan_per_nm3": 1.7,
}
"""Prices :func:`evaluate_option` uses for heat and gas (seed 003 §4.5.3: heat displaces natural gas at 4 元/Nm³ in
boilers of 88 %; §4.3.3: enriched gas sold at 1.7 元/Nm³ pure). Electricity is paid by the chosen tariff policy."""


def evaluate_option(inputs: Mapping[str, Any], policy: str | None = None,
                    discount_rate_frac: float | None = None) -> dict[str, Any]:
    """NPV/IRR of a utilization option given by its yearly physical figures (the API :mod:`minegas.utilization`
    calls).

    Parameters
    ----------
    inputs : mapping with ``capex_yuan``, ``opex_fixed_yuan_per_yr``, ``life_yr``, ``electricity_net_kwh_per_yr``,
        ``heat_gj_per_yr``, ``gas_lhv_mj_per_yr`` (product gas sold, LHV), ``ch4_utilized_nm3_per_yr``,
        ``ch4_destroyed_t_per_yr``, ``co2e_net_t_per_yr``, ``ccer_eligible_share`` (0–1), ``gwp_set``,
        ``gwp_horizon_yr`` (and ``technology`` as a label; optional ``start_year``, default this year — the
        tariff regime depends on the calendar).
    policy : electricity settlement: None or 'coal-base' (Shanxi coal base 0.332 — what a project approved after
        the cut-off gets), 'yishou-dingzhi', 'low-price', or ``policy.shanxi.gas-power-tariff[:scheme]``.
    discount_rate_frac : default 0.08.

    Returns
    -------
    dict with ``npv_yuan``, ``irr_frac`` (None when undefined, with ``irr_reason``), ``payback_yr``, ``lcoe_yuan_per_kwh``,
    ``capex_yuan`` and the assumptions used. Investment in year 0, operation from year 1 for ``life_yr`` years, income
    tax and VAT from the policy library, CCER revenue at the policy price on ``co2e_net_t_per_yr × share``.
    """
    need = ("capex_yuan", "life_yr")
    missing = [k for k in need if k not in inputs]
    if missing:
        raise InputError("evaluate_option: missing inputs", [Problem("required", field=k) for k in missing])
    scheme = "coal-base"
    if policy:
        scheme = policy.split(":", 1)[1] if ":" in policy else (policy if policy in ("yishou-dingzhi", "low-price",
                                                                                     "coal-base") else scheme)
        if policy.split(":", 1)[0] not in (pol.SHANXI_TARIFF, "yishou-dingzhi", "low-price", "coal-base"):
            raise InputError("evaluate_option: unknown policy", [Problem(
                "use 'coal-base', 'yishou-dingzhi', 'low-price' or 'policy.shanxi.gas-power-tariff:<scheme>'",
                field="policy", value=policy)])
    life = round(float(inputs["life_yr"]))
    kwh = float(inputs.get("electricity_net_kwh_per_yr", 0.0) or 0.0)
    heat = float(inputs.get("heat_gj_per_yr", 0.0) or 0.0)
    gas_mj = float(inputs.get("gas_lhv_mj_per_yr", 0.0) or 0.0)
    used = float(inputs.get("ch4_utilized_nm3_per_yr", 0.0) or 0.0)
    destroyed_t = float(inputs.get("ch4_destroyed_t_per_yr", 0.0) or 0.0)
    co2e_net = float(inputs.get("co2e_net_t_per_yr", 0.0) or 0.0)
    share = float(inputs.get("ccer_eligible_share", 0.0) or 0.0)
    start = int(inputs.get("start_year") or dt.date.today().year)
    data = {
        "scenario": f"option:{inputs.get('technology', 'option')}",
        "timeline": {"start_year": start, "operating_years": max(life, 1)},
        "supply": {"profile": "constant", "ch4_nm3_per_year": used},
        "plant": {"technology": "chp", "capacity_kw": 1.0, "electrical_efficiency_frac": 0.3,
                  "heat_efficiency_frac": 0.5, "heat_use": "natural-gas"},
        "prices": {"natural_gas_yuan_per_nm3": DEFAULT_OPTION_PRICES["heat_as_natural_gas_yuan_per_nm3"],
                   "displaced_boiler_efficiency_frac": DEFAULT_OPTION_PRICES["heat_displaced_boiler_efficiency_frac"],
                   "gas_sale_yuan_per_nm3": DEFAULT_OPTION_PRICES["gas_sale_yuan_per_nm3"]},
        "tariff": {"kind": "shanxi", "scheme": scheme,
                   "approval_date": None if scheme != "coal-base" else f"{start}-01-01"},
        "carbon": {"enabled": share > 0, "require_eligibility": False, "convention": "net"},
        "emissions": {"gwp": str(inputs.get("gwp_set", "SAR")), "horizon": int(inputs.get("gwp_horizon_yr", 100))},
        "capex": {"items": [{"name": "investment", "yuan": float(inputs["capex_yuan"])}]},
        "opex": {"fixed_yuan_per_year": float(inputs.get("opex_fixed_yuan_per_yr", 0.0) or 0.0)},
        "finance": {"discount_rate_frac": 0.08 if discount_rate_frac is None else float(discount_rate_frac)},
    }
    sc = parse_scenario(data, "<evaluate_option>")
    c = compile_scenario(sc)
    st = c.static
    ones = np.where(st.share > 0, 1.0, 0.0)
    fixed = {
        "ch4_used_nm3": ones * used, "fuel_lhv_mj": ones * used * 35.8,
        "power_net_kwh": ones * kwh, "power_gross_kwh": ones * kwh, "power_grid_kwh": ones * kwh,
        "heat_gj": ones * heat, "product_ch4_nm3": ones * gas_mj / 35.8,
        "ch4_destroyed_t": ones * destroyed_t, "co2e_net_t": ones * co2e_net,
    }
    st2 = replace(st, fixed_quantities=fixed, technology="gas-sales" if gas_mj and not kwh else "chp",
                  carbon_eligible_share=share)
    b = run(replace(c, static=st2))
    ap = irrmod.irr_analysis(b.lines["cf_project"][0], float(data["finance"]["discount_rate_frac"]))  # type: ignore[index]
    return {
        "npv_yuan": _scalar(b.metrics["npv_project_yuan"]),
        "irr_frac": ap.irr,
        "irr_reason": ap.reason,
        "payback_yr": _scalar(b.metrics["payback_simple_yr"]),
        "lcoe_yuan_per_kwh": _scalar(b.metrics["lcoe_yuan_per_kwh"]),
        "capex_yuan": float(inputs["capex_yuan"]),
        "tariff_scheme": scheme,
        "assumptions": {"prices": DEFAULT_OPTION_PRICES, "tariff": pol.SHANXI_TARIFF,
                        "discount_rate_frac": data["finance"]["discount_rate_frac"]},  # type: ignore[index]
    }
