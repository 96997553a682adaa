"""Fixtures for the economics tests: a small power scenario built in memory."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from minegas.economics.scenario import Scenario, parse_scenario

BASE: dict[str, Any] = {
    "scenario": "test-power",
    "timeline": {"start_year": 2020, "operating_years": 20, "operation_start": "2021-01"},
    "supply": {"profile": "constant", "ch4_nm3_per_year": 1.0e7, "ch4_pct": 6.0, "kind": "drained"},
    "plant": {"technology": "power", "capacity_kw": 4000, "operating_hours_per_year": 8000,
              "destruction_frac": 0.99, "electrical_efficiency_frac": 0.3, "parasitic_frac": 0.1,
              "grid_export_frac": 1.0},
    "tariff": {"kind": "shanxi", "scheme": "yishou-dingzhi"},
    "capex": {"items": [{"name": "plant", "yuan": 3.0e7}]},
    "opex": {"fixed_yuan_per_year": 1.0e6},
    "finance": {"discount_rate_frac": 0.08},
}


def _merge(base: dict[str, Any], upd: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in upd.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


@pytest.fixture
def make_scenario() -> Callable[..., Scenario]:
    """Build a scenario from the base test dict with nested updates, e.g. ``make_scenario(tariff={"scheme": …})``."""

    def f(**upd: Any) -> Scenario:
        return parse_scenario(_merge(BASE, upd), "<test>")

    return f
