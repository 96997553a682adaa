"""The policy library: dated, sourced parameter sets (``src/minegas/data/policies/*.yaml``, kind ``policy``) that a
scenario picks, and typed accessors for the rules the cash-flow engine applies.

Every default the engine takes from a policy is recorded with its citation (document, section, confidence), so an
evaluation can say where each number came from (``Evaluation.provenance``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from minegas.economics.subsidy import GrowthTier
from minegas.economics.tariff import ShanxiTariff
from minegas.errors import InputError, Problem
from minegas.paramsets import ParamSet

SHANXI_TARIFF = "policy.shanxi.gas-power-tariff"
CENTRAL_SUBSIDY = "policy.central.cbm-utilization-subsidy"
SHANXI_SUBSIDY = "policy.shanxi.cbm-utilization-subsidy"
GUIZHOU = "policy.guizhou.cmm-support"
SHAANXI = "policy.shaanxi.cmm-support"
VAT = "policy.china.vat"
INCOME_TAX = "policy.china.income-tax"
CCER = "policy.china.ccer"
SAFETY_INVESTMENT = "policy.central.safety-investment"


def load(policy_id: str) -> ParamSet:
    """The parameter set ``policy_id`` from the shipped data (:mod:`minegas.data`).

    Raises
    ------
    InputError
        Unknown id (the message lists close matches) or an invalid shipped file.
    """
    from minegas import data

    try:
        return data.load(policy_id)
    except KeyError as exc:
        raise InputError("unknown policy", [Problem(str(exc).strip('"'), field="policies", value=policy_id,
                                                    fix="use an id listed by `minegas data list`")]) from None


def library() -> dict[str, ParamSet]:
    """Every policy set shipped (kind ``policy``), by id."""
    from minegas import data

    return {s.id: data.load(s.id) for s in data.list_paramsets() if s.kind == "policy"}


def value(policy_id: str, name: str) -> Any:
    """One parameter value of a policy set."""
    return load(policy_id).value(name)


def citation(policy_id: str, name: str) -> str:
    """Human-readable citation of a policy parameter (set, version, document, section, confidence)."""
    return load(policy_id).citation(name)


def _date(v: Any) -> dt.date:
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))


def shanxi_tariff(approval_cutoff: dt.date | None = None) -> ShanxiTariff:
    """The Shanxi tariff rules from ``policy.shanxi.gas-power-tariff`` (cut-off overridable, see its notes)."""
    ps = load(SHANXI_TARIFF)
    return ShanxiTariff(
        benchmark_yuan_per_kwh=float(ps.value("benchmark_yuan_per_kwh")),
        coal_base_yuan_per_kwh=float(ps.value("coal_base_yuan_per_kwh")),
        low_price_yuan_per_kwh=float(ps.value("low_price_yuan_per_kwh")),
        reform_date=_date(ps.value("reform_date")),
        approval_cutoff=approval_cutoff or _date(ps.value("approval_cutoff_date")),
        subsidy_years=int(ps.value("subsidy_years")),
        commissioning_price_frac=float(ps.value("commissioning_price_frac")),
        clearing_lag_years=int(ps.value("clearing_lag_years")),
    )


def central_fixed_rate(on: dt.date) -> float | None:
    """Central fixed utilization subsidy [元/m³] valid on a date, or None where no fixed rate applies (from 2019)."""
    ps = load(CENTRAL_SUBSIDY)
    for row in ps.table("fixed_rates").rows:
        if _date(row["valid_from"]) <= on < _date(row["valid_to"]):
            return float(row["yuan_per_nm3"])
    return None


def growth_tiers() -> tuple[GrowthTier, ...]:
    """The 多增多补 growth tiers from ``policy.central.cbm-utilization-subsidy``."""
    rows = load(CENTRAL_SUBSIDY).table("growth_tiers").rows
    return tuple(GrowthTier(float(r["growth_from_frac"]),
                            float("inf") if r.get("growth_to_frac") is None else float(r["growth_to_frac"]),
                            float(r["k"])) for r in rows)


def provincial_rate(policy_id: str, on: dt.date | None = None) -> float:
    """Provincial utilization subsidy [元/m³] of a provincial policy set (Shanxi, Shaanxi), checked for validity."""
    ps = load(policy_id)
    if on is not None and not ps.valid_on(on):
        raise InputError("policy not valid on that date", [Problem(
            f"{policy_id} is valid {ps.valid_from} – {ps.valid_to or 'open'}, not on {on}", field="subsidies.policies",
            fix="choose a set valid in the project's years or give subsidies.utilization_yuan_per_nm3")])
    return float(ps.value("provincial_yuan_per_nm3"))
