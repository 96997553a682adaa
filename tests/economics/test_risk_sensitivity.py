"""Monte Carlo (reproducible, correlated, base case untouched) and sensitivity (tornado, SALib Morris/Sobol')."""

from __future__ import annotations

import numpy as np
import pytest

from minegas.economics import evaluate
from minegas.economics.montecarlo import gaussian_correlation, monte_carlo, sample, spearman
from minegas.economics.scenario import Correlation, RiskVariable, SensitivityVariable
from minegas.economics.sensitivity import morris_indices, sobol_indices, tornado
from minegas.errors import InputError

VARS = [RiskVariable(name="supply_scale", dist="triangular", low=0.5, mode=0.9, high=1.1),
        RiskVariable(name="tariff_base_yuan_per_kwh", dist="normal", mean=0.332, sd=0.02),
        RiskVariable(name="capex_scale", dist="pert", low=0.9, mode=1.0, high=1.4),
        RiskVariable(name="inflation_frac", dist="uniform", low=0.0, high=0.04),
        RiskVariable(name="opex_scale", dist="lognormal", median=1.0, sigma=0.1)]


def test_sampling_marginals_and_rank_correlation():
    corr = [Correlation(a="supply_scale", b="tariff_base_yuan_per_kwh", rho=0.7),
            Correlation(a="capex_scale", b="inflation_frac", rho=-0.4)]
    x = sample(VARS, corr, 40_000, 11)
    # triangular mean (a+b+c)/3; normal mean; PERT mean (a+4m+b)/6; uniform mean; lognormal median
    assert x["supply_scale"].mean() == pytest.approx((0.5 + 0.9 + 1.1) / 3, abs=3e-3)
    assert x["tariff_base_yuan_per_kwh"].mean() == pytest.approx(0.332, abs=5e-4)
    assert x["capex_scale"].mean() == pytest.approx((0.9 + 4 * 1.0 + 1.4) / 6, abs=3e-3)
    assert x["inflation_frac"].mean() == pytest.approx(0.02, abs=5e-4)
    assert np.median(x["opex_scale"]) == pytest.approx(1.0, abs=5e-3)
    assert x["supply_scale"].min() >= 0.5 and x["supply_scale"].max() <= 1.1
    # the requested correlations are rank correlations and are honoured
    assert spearman(x["supply_scale"], x["tariff_base_yuan_per_kwh"]) == pytest.approx(0.7, abs=0.02)
    assert spearman(x["capex_scale"], x["inflation_frac"]) == pytest.approx(-0.4, abs=0.02)
    assert spearman(x["supply_scale"], x["capex_scale"]) == pytest.approx(0.0, abs=0.02)
    assert gaussian_correlation(1.0) == pytest.approx(1.0)


def test_bad_risk_specs_rejected():
    with pytest.raises(InputError, match="positive definite"):
        sample(VARS[:3], [Correlation(a="supply_scale", b="tariff_base_yuan_per_kwh", rho=0.95),
                          Correlation(a="tariff_base_yuan_per_kwh", b="capex_scale", rho=0.95),
                          Correlation(a="supply_scale", b="capex_scale", rho=-0.95)], 100, 0)
    with pytest.raises(InputError):
        sample([RiskVariable(name="nope", dist="uniform", low=0, high=1)], [], 10, 0)
    with pytest.raises(ValueError):
        RiskVariable(name="supply_scale", dist="triangular", low=1.0, mode=0.5, high=2.0)


def test_monte_carlo_reproducible_and_base_untouched(make_scenario):
    sc = make_scenario()
    before = sc.model_dump()
    base = evaluate(sc).metrics
    r1 = monte_carlo(sc, draws=2000, seed=5, variables=VARS)
    r2 = monte_carlo(sc, draws=2000, seed=5, variables=VARS)
    r3 = monte_carlo(sc, draws=2000, seed=6, variables=VARS)
    assert np.array_equal(r1.metrics["npv_project_yuan"], r2.metrics["npv_project_yuan"])
    assert not np.array_equal(r1.metrics["npv_project_yuan"], r3.metrics["npv_project_yuan"])
    assert r1.base.metrics == base                              # the base case is evaluated apart from the draws
    assert evaluate(sc).metrics == base and sc.model_dump() == before
    s = r1.summary["npv_project_yuan"]
    assert s["p10"] <= s["p50"] <= s["p90"]
    npv_ = r1.metrics["npv_project_yuan"]
    assert r1.prob_npv_negative == pytest.approx(float((npv_ < 0).mean()))
    assert s["p50"] == pytest.approx(float(np.percentile(npv_, 50)))
    d = r1.to_dict()
    assert d["draws"] == 2000 and "summary" in d


def test_monte_carlo_of_a_shipped_scenario_with_correlation():
    r = monte_carlo("sanzhang", draws=5000, seed=1)
    c = r.correlations[0]
    assert c["a"] == "tariff_base_yuan_per_kwh" and c["achieved_spearman"] == pytest.approx(0.7, abs=0.03)
    with pytest.raises(InputError, match="nothing to draw"):
        monte_carlo("westvamp")


def test_tornado_ordering_and_values(make_scenario):
    sc = make_scenario()
    vs = [SensitivityVariable(name="opex_scale", low=0.8, high=1.2),
          SensitivityVariable(name="tariff_base_yuan_per_kwh", low=0.30, high=0.36),
          SensitivityVariable(name="capex_scale", low=0.5, high=1.5)]
    t = tornado(sc, variables=vs)
    assert [b.swing for b in t.bars] == sorted((b.swing for b in t.bars), reverse=True)
    base = evaluate(sc).metrics["npv_project_yuan"]
    assert t.base_metric == pytest.approx(base)
    cap = next(b for b in t.bars if b.name == "capex_scale")
    assert cap.metric_low == pytest.approx(evaluate(sc, {"capex_scale": 0.5}).metrics["npv_project_yuan"])
    assert cap.metric_low > base > cap.metric_high
    # NPV is linear in O&M: the swing is symmetric
    op = next(b for b in t.bars if b.name == "opex_scale")
    assert base - op.metric_high == pytest.approx(op.metric_low - base, rel=1e-6)
    with pytest.raises(InputError):
        tornado(sc, variables=[SensitivityVariable(name="nope")])


def _linear(x):
    return 4.0 * x[:, 0] + 2.0 * x[:, 1] + 1.0 * x[:, 2]


def test_sobol_on_a_linear_model_with_known_indices():
    # Y = 4 X1 + 2 X2 + X3, X_i ~ U(0, 1): S_i = a_i² / Σ a_j² = 16/21, 4/21, 1/21 and S_Ti = S_i
    idx = sobol_indices(["x1", "x2", "x3"], [(0, 1)] * 3, _linear, n=4096, seed=1)
    for name, a in (("x1", 16 / 21), ("x2", 4 / 21), ("x3", 1 / 21)):
        assert idx[name]["S1"] == pytest.approx(a, abs=0.03)
        assert idx[name]["ST"] == pytest.approx(a, abs=0.03)
    with pytest.raises(InputError):
        sobol_indices(["x1"], [(0, 1)], _linear, n=1000)


def test_morris_on_a_linear_model():
    # elementary effects of a linear model are its coefficients: μ* = (4, 2, 1), σ = 0
    idx = morris_indices(["x1", "x2", "x3"], [(0, 1)] * 3, _linear, trajectories=30, seed=2)
    assert [idx[n]["mu_star"] for n in ("x1", "x2", "x3")] == pytest.approx([4.0, 2.0, 1.0], abs=1e-9)
    assert max(idx[n]["sigma"] for n in idx) == pytest.approx(0.0, abs=1e-9)


def test_ishigami_sobol_first_order():
    # Ishigami (a = 7, b = 0.1) on [−π, π]³: S1 ≈ 0.314, 0.442, 0.0 (Saltelli et al. 2008)
    def ish(x):
        return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])

    idx = sobol_indices(["a", "b", "c"], [(-np.pi, np.pi)] * 3, ish, n=8192, seed=3)
    assert idx["a"]["S1"] == pytest.approx(0.314, abs=0.04)
    assert idx["b"]["S1"] == pytest.approx(0.442, abs=0.04)
    assert idx["c"]["S1"] == pytest.approx(0.0, abs=0.04)
    assert idx["c"]["ST"] > 0.2  # x3 acts only through its interaction with x1
