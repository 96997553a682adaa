"""Monte Carlo risk analysis: correlated draws of uncertain inputs, one vectorised run of the engine.

- Distributions (absolute values in the parameter's unit): ``normal`` (mean, sd), ``lognormal`` (median, sigma of
  ln), ``uniform`` (low, high), ``triangular`` (low, mode, high), ``pert`` (low, mode, high; Beta with
  α = 1 + 4 (mode − low)/(high − low), β = 1 + 4 (high − mode)/(high − low), Vose 2008).
- Correlation: a Gaussian copula. The requested ``rho`` is a **rank (Spearman) correlation**, converted to the
  copula's normal correlation by ``r = 2 sin(π ρ_s / 6)`` (Kruskal 1958), so the sample rank correlation of the draws
  matches the request whatever the marginals (e.g. the grid tariff with the coal price, research note §4.7). The
  correlation matrix must be positive definite (Cholesky).
- Reproducible: one ``numpy.random.Generator`` seeded by ``seed``.
- The base case is evaluated separately and is never overwritten by the draws (RETScreen: risk inputs do not flow
  back into the other sheets); draws outside a parameter's physical bounds are clipped and counted.
- Results: P10/P50/P90, mean of NPV, IRR and the other metrics; probability that NPV < 0; share of draws whose IRR is
  undefined (with the reason codes of :mod:`minegas.economics.irr`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special, stats

from minegas.economics import irr as irrmod
from minegas.economics.cashflow import PARAMETERS, compile_scenario, run
from minegas.economics.evaluation import SCALAR_METRICS, Evaluation, evaluate
from minegas.economics.scenario import Correlation, RiskVariable, Scenario, resolve_scenario
from minegas.errors import InputError, Problem

FloatArray = npt.NDArray[np.float64]

SUMMARY_METRICS = ("npv_project_yuan", "npv_equity_yuan", "irr_project_frac", "irr_equity_frac",
                   "payback_simple_yr", "lcoe_yuan_per_kwh", "lcoh_yuan_per_gj", "abatement_cost_yuan_per_t",
                   "dscr_min")


def _ppf(v: RiskVariable, u: FloatArray, z: FloatArray) -> FloatArray:
    """Inverse CDF of a risk variable at uniforms ``u`` (``z`` = the matching standard normals)."""
    if v.dist == "normal":
        return np.asarray(float(v.mean or 0) + float(v.sd or 0) * z, dtype=float)
    if v.dist == "lognormal":
        return np.asarray(float(v.median or 0) * np.exp(float(v.sigma or 0) * z), dtype=float)
    lo, hi = float(v.low or 0), float(v.high or 0)
    if v.dist == "uniform":
        return lo + (hi - lo) * u
    mode = float(v.mode if v.mode is not None else lo)
    if v.dist == "triangular":
        fc = (mode - lo) / (hi - lo)
        left = lo + np.sqrt(u * (hi - lo) * (mode - lo))
        right = hi - np.sqrt((1.0 - u) * (hi - lo) * (hi - mode))
        return np.asarray(np.where(u < fc, left, right), dtype=float)
    a = 1.0 + 4.0 * (mode - lo) / (hi - lo)
    b = 1.0 + 4.0 * (hi - mode) / (hi - lo)
    return np.asarray(lo + (hi - lo) * stats.beta.ppf(u, a, b), dtype=float)


def gaussian_correlation(spearman_rho: float) -> float:
    """Normal-copula correlation giving a rank correlation ``spearman_rho``: ``2 sin(π ρ_s / 6)``."""
    return 2.0 * math.sin(math.pi * spearman_rho / 6.0)


def sample(variables: Sequence[RiskVariable], correlations: Sequence[Correlation], draws: int, seed: int
           ) -> dict[str, FloatArray]:
    """Draw ``draws`` correlated values of each variable (dict name → array (draws,)).

    Raises
    ------
    InputError
        Unknown or repeated variable, a correlation naming a variable not drawn, or a correlation matrix that is
        not positive definite.
    """
    names = [v.name for v in variables]
    problems = [Problem(f"{n!r} is not a parameter the engine can vary", field="risk.variables", value=n,
                        fix="use a name from docs/economics.md (Parameters)") for n in names if n not in PARAMETERS]
    problems += [Problem("drawn twice", field="risk.variables", value=n) for n in {n for n in names if names.count(n) > 1}]
    k = len(names)
    corr = np.eye(k)
    for c in correlations:
        if c.a not in names or c.b not in names or c.a == c.b:
            problems.append(Problem("a correlation must name two different drawn variables", field="risk.correlations",
                                    value=f"{c.a} ~ {c.b}"))
            continue
        i, j = names.index(c.a), names.index(c.b)
        corr[i, j] = corr[j, i] = gaussian_correlation(c.rho)
    if problems:
        raise InputError("bad risk specification", problems)
    try:
        chol = np.linalg.cholesky(corr)
    except np.linalg.LinAlgError:
        raise InputError("bad risk specification", [Problem(
            "the correlation matrix is not positive definite", field="risk.correlations",
            fix="weaken or remove correlations so that the set is consistent (e.g. a~b 0.9, b~c 0.9, a~c −0.9 "
                "cannot hold together)")]) from None
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((draws, k)) @ chol.T
    u = special.ndtr(z)
    return {v.name: _ppf(v, u[:, i], z[:, i]) for i, v in enumerate(variables)}


def spearman(a: FloatArray, b: FloatArray) -> float:
    """Sample rank correlation of two arrays."""
    return float(stats.spearmanr(a, b).statistic)


@dataclass(frozen=True)
class RiskResult:
    """A Monte Carlo run: the untouched base case, the draws, per-draw metrics and their summary."""

    scenario: str
    draws: int
    seed: int
    base: Evaluation
    inputs: dict[str, FloatArray]
    metrics: dict[str, FloatArray]
    irr_status: npt.NDArray[np.int8]
    summary: dict[str, dict[str, float | None]]
    prob_npv_negative: float
    irr_undefined_share: float
    correlations: list[dict[str, Any]] = field(default_factory=list)
    clipped: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no per-draw arrays)."""
        reasons = {irrmod.IRR_STATUS_TEXT[int(k)]: int((self.irr_status == k).sum())
                   for k in np.unique(self.irr_status)}
        return {
            "scenario": self.scenario, "draws": self.draws, "seed": self.seed,
            "base": {k: self.base.metrics.get(k) for k in SUMMARY_METRICS},
            "summary": self.summary,
            "prob_npv_negative": self.prob_npv_negative,
            "irr_undefined_share": self.irr_undefined_share,
            "irr_status_counts": reasons,
            "inputs": {k: {"p10": float(np.percentile(v, 10)), "p50": float(np.percentile(v, 50)),
                           "p90": float(np.percentile(v, 90))} for k, v in self.inputs.items()},
            "correlations": self.correlations,
            "clipped": self.clipped,
        }


def _summ(x: FloatArray) -> dict[str, float | None]:
    f = x[np.isfinite(x)]
    if f.size == 0:
        return {"p10": None, "p50": None, "p90": None, "mean": None, "std": None, "n": 0}
    p10, p50, p90 = np.percentile(f, [10, 50, 90])
    return {"p10": float(p10), "p50": float(p50), "p90": float(p90), "mean": float(f.mean()), "std": float(f.std()),
            "n": int(f.size)}


def monte_carlo(scenario: Scenario | str, draws: int | None = None, seed: int | None = None,
                variables: Sequence[RiskVariable] | None = None,
                correlations: Sequence[Correlation] | None = None) -> RiskResult:
    """Monte Carlo risk analysis of a scenario (defaults from its ``risk`` section).

    Parameters
    ----------
    scenario : object, file path or shipped name.
    draws : number of draws (default ``risk.draws``, RETScreen's 500).
    seed : random seed (default ``risk.seed``); the same seed gives the same draws.
    variables, correlations : override the scenario's risk section.
    """
    sc = resolve_scenario(scenario) if isinstance(scenario, str) else scenario
    vs = list(variables if variables is not None else sc.risk.variables)
    cs = list(correlations if correlations is not None else sc.risk.correlations)
    if not vs:
        raise InputError("nothing to draw", [Problem("the scenario has no risk variables", file=sc.origin,
                                                     field="risk.variables",
                                                     fix="add [[risk.variables]] entries (name, dist, parameters)")])
    n = int(draws if draws is not None else sc.risk.draws)
    if n < 2:
        raise InputError("too few draws", [Problem("need at least 2 draws", field="draws", value=str(n))])
    s = int(seed if seed is not None else sc.risk.seed)
    base = evaluate(sc)  # evaluated on its own: the draws below never touch it
    x = sample(vs, cs, n, s)
    b = run(compile_scenario(sc), x, clip=True, detail=False)
    m = {k: np.asarray(b.metrics[k], dtype=float) for k in SCALAR_METRICS}
    status = b.irr_status["irr_project_frac"]
    npv_ = m["npv_project_yuan"]
    achieved = [{"a": c.a, "b": c.b, "requested_spearman": c.rho, "achieved_spearman": spearman(x[c.a], x[c.b])}
                for c in cs]
    return RiskResult(
        scenario=sc.scenario, draws=n, seed=s, base=base, inputs=x, metrics=m, irr_status=status,
        summary={k: _summ(m[k]) for k in SUMMARY_METRICS},
        prob_npv_negative=float((npv_ < 0).mean()),
        irr_undefined_share=float(np.isnan(m["irr_project_frac"]).mean()),
        correlations=achieved, clipped=dict(b.clipped))
