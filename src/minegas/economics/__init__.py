"""Project economics for mine-methane utilization: cash flow, policies, metrics, sensitivity and risk.

Plain function API (no I/O in the engine; file loading lives in :mod:`~minegas.economics.scenario`):

- :func:`evaluate` — one scenario → :class:`Evaluation` (metrics, all IRR roots, yearly table, provenance);
- :func:`evaluate_many` — one scenario with arrays of parameter values → a vectorised :class:`Batch`;
- :func:`evaluate_option` — an option given by yearly quantities (used by :mod:`minegas.utilization`);
- :func:`tornado`, :func:`morris`, :func:`sobol` (:mod:`~minegas.economics.sensitivity`) and
  :func:`monte_carlo` (:mod:`~minegas.economics.montecarlo`);
- :func:`case_rows` (:mod:`~minegas.economics.cases`) — the seed report's published figures against the engine.

Conventions are in docs/economics.md; units are in every name (``_yuan``, ``_kwh``, ``_nm3`` at 0 °C, ``_frac``).
"""

from minegas.economics.cashflow import PARAMETERS, Batch, Compiled, compile_scenario, run
from minegas.economics.evaluation import Evaluation, evaluate, evaluate_many, evaluate_option
from minegas.economics.irr import irr_analysis, irr_roots, irr_vectorized, mirr, npv
from minegas.economics.scenario import (
    Scenario,
    load_scenario,
    parse_scenario,
    resolve_scenario,
    shipped_scenarios,
)

__all__ = [
    "PARAMETERS", "Batch", "Compiled", "Evaluation", "Scenario", "compile_scenario", "evaluate", "evaluate_many",
    "evaluate_option", "irr_analysis", "irr_roots", "irr_vectorized", "load_scenario", "mirr", "npv",
    "parse_scenario", "resolve_scenario", "run", "shipped_scenarios",
]
