"""Sensitivity analysis: one-at-a-time tornado, Morris screening and Sobol' indices (SALib).

- **Tornado** (RETScreen style): each variable moved alone to its low and high value (default ±``swing_frac`` of
  its base, clipped to the parameter's bounds), all others at base; bars sorted by the swing
  ``|metric(high) − metric(low)|``. All 2k variants run as one vectorised batch.
- **Morris** elementary effects (``SALib.sample.morris`` / ``SALib.analyze.morris``): μ* ranks influence, σ flags
  non-linearity or interaction.
- **Sobol'** first-order and total indices (``SALib.sample.sobol`` Saltelli/Sobol' sequence,
  ``SALib.analyze.sobol``).

The SALib wrappers take any vectorised model ``f(X) → Y`` (:func:`morris_indices`, :func:`sobol_indices`), so
they are tested on analytic functions with known indices; :func:`morris` and :func:`sobol` apply them to a scenario.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from minegas.economics.cashflow import PARAMETERS, compile_scenario, run
from minegas.economics.scenario import Scenario, SensitivityVariable, resolve_scenario
from minegas.errors import InputError, Problem

FloatArray = npt.NDArray[np.float64]
Model = Callable[[FloatArray], FloatArray]

DEFAULT_VARIABLES = (
    "supply_scale", "availability_frac", "electrical_efficiency_frac", "heat_efficiency_frac",
    "product_recovery_frac", "capex_scale", "opex_scale", "tariff_base_yuan_per_kwh",
    "tariff_benchmark_yuan_per_kwh", "electricity_to_mine_yuan_per_kwh", "heat_yuan_per_gj", "gas_sale_yuan_per_nm3",
    "natural_gas_yuan_per_nm3", "standard_coal_yuan_per_t", "utilization_subsidy_yuan_per_nm3",
    "carbon_price_yuan_per_t", "discount_rate_frac",
)
"""Variables of the default tornado (those with a non-zero base value in the scenario)."""


@dataclass(frozen=True)
class Bar:
    """One tornado bar."""

    name: str
    unit: str
    base_value: float
    low_value: float
    high_value: float
    metric_low: float
    metric_high: float

    @property
    def swing(self) -> float:
        return abs(self.metric_high - self.metric_low)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "unit": self.unit, "base_value": self.base_value, "low_value": self.low_value,
                "high_value": self.high_value, "metric_low": self.metric_low, "metric_high": self.metric_high,
                "swing": self.swing}


@dataclass(frozen=True)
class Tornado:
    metric: str
    base_metric: float
    bars: list[Bar]

    def to_dict(self) -> dict[str, Any]:
        return {"method": "tornado", "metric": self.metric, "base_metric": self.base_metric,
                "bars": [b.as_dict() for b in self.bars]}


def _ranges(sc: Scenario, base: dict[str, float], variables: Sequence[SensitivityVariable] | None,
            swing: float) -> list[tuple[str, float, float]]:
    specs = list(variables) if variables else [SensitivityVariable(name=n) for n in DEFAULT_VARIABLES
                                               if n in base and base[n] not in (0.0,) and np.isfinite(base[n])]
    out = []
    problems = []
    for v in specs:
        if v.name not in PARAMETERS:
            problems.append(Problem(f"{v.name!r} is not a parameter the engine can vary", field="sensitivity.variables",
                                    value=v.name, fix="use a name from docs/economics.md (Parameters)"))
            continue
        b = base[v.name]
        if not np.isfinite(b):
            problems.append(Problem("has no finite base value in this scenario (unlimited)",
                                    field="sensitivity.variables", value=v.name))
            continue
        p = PARAMETERS[v.name]
        lo = v.low if v.low is not None else b * (1.0 - swing)
        hi = v.high if v.high is not None else b * (1.0 + swing)
        lo, hi = float(np.clip(lo, p.low, p.high)), float(np.clip(hi, p.low, p.high))
        out.append((v.name, lo, hi))
    if problems:
        raise InputError("bad sensitivity variables", problems)
    return out


def tornado(scenario: Scenario | str, metric: str = "npv_project_yuan",
            variables: Sequence[SensitivityVariable] | None = None, swing_frac: float | None = None) -> Tornado:
    """One-at-a-time sensitivity of ``metric`` to each variable, sorted by swing (largest first)."""
    sc = resolve_scenario(scenario) if isinstance(scenario, str) else scenario
    c = compile_scenario(sc)
    swing = swing_frac if swing_frac is not None else sc.sensitivity.swing_frac
    specs = _ranges(sc, c.base, variables if variables is not None else (sc.sensitivity.variables or None), swing)
    k = len(specs)
    if k == 0:
        raise InputError("nothing to vary", [Problem("no sensitivity variable with a non-zero base value",
                                                     field="sensitivity.variables")])
    ov: dict[str, FloatArray] = {}
    for j, (name, lo, hi) in enumerate(specs):
        col = np.full(2 * k + 1, c.base[name])
        col[2 * j] = lo
        col[2 * j + 1] = hi
        ov[name] = col
    b = run(c, ov, detail=False)
    if metric not in b.metrics:
        raise InputError("unknown metric", [Problem(f"no metric {metric!r}", field="metric",
                                                    fix=f"use one of {', '.join(sorted(b.metrics))}")])
    y = np.asarray(b.metrics[metric], dtype=float)
    bars = [Bar(name, PARAMETERS[name].unit, c.base[name], lo, hi, float(y[2 * j]), float(y[2 * j + 1]))
            for j, (name, lo, hi) in enumerate(specs)]
    bars.sort(key=lambda bar: -bar.swing if np.isfinite(bar.swing) else 0.0)
    return Tornado(metric, float(y[-1]), bars)


def _problem(names: Sequence[str], bounds: Sequence[tuple[float, float]]) -> dict[str, Any]:
    return {"num_vars": len(names), "names": list(names), "bounds": [list(b) for b in bounds]}


def morris_indices(names: Sequence[str], bounds: Sequence[tuple[float, float]], model: Model, *,
                   trajectories: int = 20, levels: int = 4, seed: int = 0) -> dict[str, dict[str, float]]:
    """Morris μ, μ*, σ for a vectorised model ``f(X (n, k)) → Y (n,)`` (SALib)."""
    prob = _problem(names, bounds)
    x = morris_sample.sample(prob, trajectories, num_levels=levels, seed=seed)
    y = np.asarray(model(x), dtype=float)
    res = morris_analyze.analyze(prob, x, y, num_levels=levels, seed=seed)
    return {n: {"mu": float(res["mu"][i]), "mu_star": float(res["mu_star"][i]), "sigma": float(res["sigma"][i]),
                "mu_star_conf": float(res["mu_star_conf"][i])} for i, n in enumerate(names)}


def sobol_indices(names: Sequence[str], bounds: Sequence[tuple[float, float]], model: Model, *, n: int = 1024,
                  seed: int = 0) -> dict[str, dict[str, float]]:
    """Sobol' first-order (S1) and total (ST) indices for a vectorised model (SALib); ``n`` a power of 2."""
    if n < 2 or n & (n - 1):
        raise InputError("bad Sobol' sample size", [Problem("n must be a power of 2 (e.g. 512, 1024)", field="n",
                                                            value=str(n))])
    prob = _problem(names, bounds)
    x = sobol_sample.sample(prob, n, calc_second_order=False, seed=seed)
    y = np.asarray(model(x), dtype=float)
    res = sobol_analyze.analyze(prob, y, calc_second_order=False, seed=seed)
    return {nm: {"S1": float(res["S1"][i]), "ST": float(res["ST"][i]), "S1_conf": float(res["S1_conf"][i]),
                 "ST_conf": float(res["ST_conf"][i])} for i, nm in enumerate(names)}


def _scenario_model(scenario: Scenario | str, metric: str, variables: Sequence[SensitivityVariable] | None,
                    swing_frac: float | None) -> tuple[list[str], list[tuple[float, float]], Model]:
    sc = resolve_scenario(scenario) if isinstance(scenario, str) else scenario
    c = compile_scenario(sc)
    swing = swing_frac if swing_frac is not None else sc.sensitivity.swing_frac
    specs = [s for s in _ranges(sc, c.base, variables if variables is not None else (sc.sensitivity.variables or None),
                                swing) if s[2] > s[1]]
    names = [s[0] for s in specs]
    bounds = [(s[1], s[2]) for s in specs]

    def model(x: FloatArray) -> FloatArray:
        b = run(c, {nm: x[:, i] for i, nm in enumerate(names)}, clip=True, detail=False)
        y = np.asarray(b.metrics[metric], dtype=float)
        if not np.isfinite(y).all():
            raise InputError("metric undefined for some samples", [Problem(
                f"{metric} is undefined (e.g. IRR without a root) for {int((~np.isfinite(y)).sum())} samples",
                field="metric", fix="use npv_project_yuan, or narrow the ranges")])
        return y

    return names, bounds, model


def morris(scenario: Scenario | str, metric: str = "npv_project_yuan",
           variables: Sequence[SensitivityVariable] | None = None, swing_frac: float | None = None,
           trajectories: int = 20, seed: int = 0) -> dict[str, Any]:
    """Morris screening of a scenario's ``metric`` over the sensitivity ranges."""
    names, bounds, model = _scenario_model(scenario, metric, variables, swing_frac)
    return {"method": "morris", "metric": metric, "trajectories": trajectories, "seed": seed,
            "indices": morris_indices(names, bounds, model, trajectories=trajectories, seed=seed)}


def sobol(scenario: Scenario | str, metric: str = "npv_project_yuan",
          variables: Sequence[SensitivityVariable] | None = None, swing_frac: float | None = None,
          n: int = 512, seed: int = 0) -> dict[str, Any]:
    """Sobol' indices of a scenario's ``metric`` over the sensitivity ranges (uniform on each range)."""
    names, bounds, model = _scenario_model(scenario, metric, variables, swing_frac)
    return {"method": "sobol", "metric": metric, "n": n, "seed": seed,
            "indices": sobol_indices(names, bounds, model, n=n, seed=seed)}
