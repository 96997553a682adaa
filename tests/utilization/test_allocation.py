"""Regional allocation LP/MILP: hand-solved optima, duals, gas holders and contracts that link steps, the three
objectives, validation, scipy cross-checks and the Excel export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pytest
import yaml
from scipy.optimize import Bounds, LinearConstraint, milp

from minegas.errors import InfeasibleError, InputError
from minegas.physics.climate import gwp
from minegas.utilization.allocation import (
    RHO_T_PER_NM3,
    Scenario,
    allocate,
    build_model,
    load_scenario,
    synthetic_scenario,
)
from minegas.utilization.excel import write_allocation_xlsx

DAY_MIN = 1440.0


def _sc(**kw) -> Scenario:
    base = {"scenario": "t", "start": "2025-01-01", "steps": 1}
    base.update(kw)
    return Scenario.model_validate(base)


def test_hand_solved_lp_with_duals():
    # A 100 Nm³/min at 40 %, B (VAM) 1000 at 0.5 %; engine G (50, η 0.995), RTO R (2000, ≤ 1.2 %, η 0.95).
    # G takes 50 (20 CH4); R is full at 2000 × 1.2 % = 24 CH4 (all of B's 5 + 19 from A, the rest air);
    # destroyed = (0.995·20 + 0.95·24) × 1440 = 61 488 Nm³. 2.5 Nm³/min of A is vented.
    sc = _sc(sources=[{"id": "A", "flow_nm3_min": 100, "ch4_pct": 40},
                      {"id": "B", "kind": "vam", "flow_nm3_min": 1000, "ch4_pct": 0.5}],
             units=[{"id": "G", "technology": "gas-engine", "capacity_flow_nm3_min": 50, "min_load_frac": 0},
                    {"id": "R", "technology": "rto-vam", "capacity_flow_nm3_min": 2000, "min_load_frac": 0}],
             links=[{"from": "A", "to": "G"}, {"from": "A", "to": "R"}, {"from": "B", "to": "R"}])
    a = allocate(sc)
    assert a.optimal and a.objective_value == pytest.approx(61488.0, rel=1e-9)
    assert a.totals["ch4_vented_nm3"] == pytest.approx(2.5 * 0.4 * DAY_MIN, rel=1e-9)
    u = a.units.set_index("unit")
    assert u.loc["R", "inlet_ch4_pct"] == pytest.approx(1.2, rel=1e-9)
    assert u.loc["R", "inlet_flow_nm3_min"] == pytest.approx(2000, rel=1e-9)
    sp = a.shadow_prices.set_index(["constraint", "entity"])["dual"]
    # one more Nm³/min of engine capacity moves 0.4 CH4 from venting to the engine: 0.4 × 0.995 × 1440
    assert sp[("capacity", "G")] == pytest.approx(0.4 * 0.995 * DAY_MIN, rel=1e-9)
    # one more Nm³/min of RTO capacity carries 1.2 % more CH4: 0.012 × 0.95 × 1440
    assert sp[("capacity", "R")] == pytest.approx(0.012 * 0.95 * DAY_MIN, rel=1e-9)
    assert {("capacity", "G"), ("capacity", "R")} <= set(zip(a.binding["constraint"], a.binding["entity"],
                                                             strict=True))
    # conservation: available = into units + vented
    assert a.totals["ch4_available_nm3"] == pytest.approx(a.totals["ch4_in_units_nm3"] + a.totals["ch4_vented_nm3"])


def test_min_load_binaries():
    # 30 Nm³/min of 40 % gas; E1 (100, min 50 %) cannot run; E2 (40, min 50 %) takes all 30
    sc = _sc(sources=[{"id": "S", "flow_nm3_min": 30, "ch4_pct": 40}],
             units=[{"id": "E1", "technology": "gas-engine", "capacity_flow_nm3_min": 100, "min_load_frac": 0.5},
                    {"id": "E2", "technology": "gas-engine", "capacity_flow_nm3_min": 40, "min_load_frac": 0.5}],
             links=[{"from": "S", "to": "E1"}, {"from": "S", "to": "E2"}], mip_rel_gap=0.0)
    a = allocate(sc)
    u = a.units.set_index("unit")
    assert u.loc["E1", "on"] == 0 and u.loc["E2", "on"] == 1
    assert u.loc["E2", "inlet_flow_nm3_min"] == pytest.approx(30.0)
    assert a.objective_value == pytest.approx(30 * 0.4 * 0.995 * DAY_MIN, rel=1e-9)
    assert a.size["integers"] == 2


def test_gas_holder_links_steps():
    # day 1: 60 Nm³/min, day 2: none; engine capacity 30. A 43 200 Nm³ holder carries day 1's surplus to day 2.
    base = {"steps": 2, "sources": [{"id": "S", "flow_nm3_min": [60, 0], "ch4_pct": 35}],
            "units": [{"id": "E", "technology": "gas-engine", "capacity_flow_nm3_min": 30, "min_load_frac": 0}],
            "links": [{"from": "S", "to": "E"}]}
    without = allocate(_sc(**base))
    with_h = allocate(_sc(**base, storage=[{"id": "H", "source": "S", "capacity_nm3": 30 * DAY_MIN}]))
    per_day = 30 * 0.35 * 0.995 * DAY_MIN
    assert without.objective_value == pytest.approx(per_day, rel=1e-9)
    assert with_h.objective_value == pytest.approx(2 * per_day, rel=1e-9)
    lv = with_h.storage["level_nm3"].to_numpy()
    assert lv == pytest.approx([30 * DAY_MIN, 0.0], abs=1e-6)
    # a smaller holder: half of it
    half = allocate(_sc(**base, storage=[{"id": "H", "source": "S", "capacity_nm3": 15 * DAY_MIN}]))
    assert half.objective_value == pytest.approx(1.5 * per_day, rel=1e-9)
    assert half.storage["level_nm3"].to_numpy() == pytest.approx([15 * DAY_MIN, 0.0], abs=1e-6)
    hb = half.binding[half.binding["constraint"] == "holder_capacity"]
    # one more Nm³ of holder room carries one more Nm³ of 35 % gas to day 2: 0.35 × 0.995
    assert list(hb["entity"]) == ["H"] and hb["dual"].iloc[0] == pytest.approx(0.35 * 0.995, rel=1e-9)


def test_contracts_hard_and_soft():
    src = [{"id": "S", "flow_nm3_min": 10, "ch4_pct": 40}]
    lnk = [{"from": "S", "to": "E"}]
    # 31 daily steps of January; the engine can take 4 CH4/min = 178 560 Nm³ in the month
    hard = {"id": "E", "technology": "gas-engine", "capacity_flow_nm3_min": 100, "min_load_frac": 0,
            "contracts": [{"period": "month", "min_ch4_nm3": 200_000}]}
    with pytest.raises(InfeasibleError) as ei:
        allocate(_sc(steps=31, sources=src, units=[hard], links=lnk))
    assert ei.value.binding == ["contracts"]
    soft = dict(hard, contracts=[{"period": "month", "min_ch4_nm3": 200_000, "shortfall_penalty_yuan_per_nm3": 1}])
    a = allocate(_sc(steps=31, sources=src, units=[soft], links=lnk, objective="max_profit"))
    assert a.optimal
    assert a.units["ch4_in_nm3"].sum() == pytest.approx(4 * DAY_MIN * 31, rel=1e-9)
    # a maximum contract caps the intake
    cap = dict(hard, contracts=[{"period": "all", "max_ch4_nm3": 100_000}])
    b = allocate(_sc(steps=31, sources=src, units=[cap], links=lnk))
    assert b.units["ch4_in_nm3"].sum() == pytest.approx(100_000, rel=1e-9)
    assert ("contract", "E") in set(zip(b.binding["constraint"], b.binding["entity"], strict=True))


def test_max_profit_by_hand():
    # 10 Nm³/min at 50 % into a gas engine: per Nm³ CH4 35.8 × 0.35 / 3.6 × 0.95 kWh × 0.5 元 + 0.3 subsidy
    sc = _sc(objective="max_profit", sources=[{"id": "S", "flow_nm3_min": 10, "ch4_pct": 50}],
             units=[{"id": "E", "technology": "gas-engine", "capacity_flow_nm3_min": 100, "min_load_frac": 0,
                     "price_electricity_yuan_per_kwh": 0.5, "subsidy_yuan_per_nm3_ch4": 0.3}],
             links=[{"from": "S", "to": "E", "cost_yuan_per_nm3": 0.01}])
    a = allocate(sc)
    per = 35.8 * 0.35 / 3.6 * 0.95 * 0.5 + 0.3
    assert a.objective_value == pytest.approx(5 * DAY_MIN * per - 10 * DAY_MIN * 0.01, rel=1e-9)
    # a link so costly that running loses money: nothing flows
    sc2 = sc.model_copy(update={"links": [sc.links[0].model_copy(update={"cost_yuan_per_nm3": 10.0})]})
    assert allocate(sc2).units["ch4_in_nm3"].sum() == pytest.approx(0.0, abs=1e-9)


def test_min_co2e_by_hand():
    # VAM 1000 Nm³/min at 0.5 % (5 CH4/min); RTO capacity 500 → 2.5 CH4/min in at η 0.95, 2.5 vented.
    # emitted [t] = (2.5 × GWP + 2.5 × 0.05 × GWP + 2.5 × 0.95 × 44/16) × 1440 × 0.7175e-3
    sc = _sc(objective="min_co2e", gwp={"set": "AR5", "horizon": 100},
             sources=[{"id": "V", "kind": "vam", "flow_nm3_min": 1000, "ch4_pct": 0.5}],
             units=[{"id": "R", "technology": "rto-vam", "capacity_flow_nm3_min": 500, "min_load_frac": 0}],
             links=[{"from": "V", "to": "R"}])
    a = allocate(sc)
    g = gwp("AR5", 100)
    expect = (2.5 * g + 2.5 * 0.05 * g + 2.5 * 0.95 * 44 / 16) * DAY_MIN * RHO_T_PER_NM3
    assert a.objective_value == pytest.approx(expect, rel=1e-9)
    assert a.totals["co2e_emitted_t"] == pytest.approx(expect, rel=1e-9)


def test_validation_rejects():
    with pytest.raises(InputError, match="explosive band"):
        build_model(_sc(sources=[{"id": "S", "flow_nm3_min": 1, "ch4_pct": 40}],
                        units=[{"id": "B", "technology": "boiler", "capacity_flow_nm3_min": 5, "ch4_min_pct": 10}],
                        links=[{"from": "S", "to": "B"}]))
    with pytest.raises(InputError, match="constant concentration"):
        build_model(_sc(steps=2, sources=[{"id": "S", "flow_nm3_min": 1, "ch4_pct": [40, 41]}],
                        units=[{"id": "E", "technology": "gas-engine", "capacity_flow_nm3_min": 5}],
                        links=[{"from": "S", "to": "E"}], storage=[{"id": "H", "source": "S", "capacity_nm3": 1}]))
    with pytest.raises(InputError, match="2 steps"):
        build_model(_sc(steps=2, sources=[{"id": "S", "flow_nm3_min": [1, 2, 3], "ch4_pct": 40}],
                        units=[{"id": "E", "technology": "gas-engine", "capacity_flow_nm3_min": 5}],
                        links=[{"from": "S", "to": "E"}]))
    with pytest.raises(InputError, match="unknown technology"):
        build_model(_sc(sources=[{"id": "S", "flow_nm3_min": 1, "ch4_pct": 40}],
                        units=[{"id": "E", "technology": "warp-drive", "capacity_flow_nm3_min": 5}],
                        links=[{"from": "S", "to": "E"}]))


def test_load_scenario_errors_name_file_and_field(tmp_path: Path):
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump({"scenario": "x", "start": "2025-01-01", "steps": 1,
                                 "sources": [{"id": "S", "flow_nm3_min": 1, "ch4_pct": 140}],
                                 "units": [{"id": "E", "technology": "gas-engine", "capacity_flow_nm3_min": 5}],
                                 "links": [{"from": "Q", "to": "E"}]}), encoding="utf-8")
    with pytest.raises(InputError) as ei:
        load_scenario(p)
    assert "bad.yaml" in str(ei.value)
    (tmp_path / "bad.toml").write_text("scenario = [", encoding="utf-8")
    with pytest.raises(InputError, match="not valid TOML"):
        load_scenario(tmp_path / "bad.toml")


def test_series_file_and_toml(tmp_path: Path):
    (tmp_path / "flows.csv").write_text("S\n10\n20\n", encoding="utf-8")
    (tmp_path / "s.toml").write_text('''
scenario = "toml"
start = 2025-01-01
steps = 2
[[sources]]
id = "S"
ch4_pct = 40
flow_nm3_min = {file = "flows.csv", column = "S"}
[[units]]
id = "E"
technology = "gas-engine"
capacity_flow_nm3_min = 100
min_load_frac = 0
[[links]]
from = "S"
to = "E"
''', encoding="utf-8")
    sc, base = load_scenario(tmp_path / "s.toml")
    a = allocate(sc, base)
    assert a.units["ch4_in_nm3"].to_numpy() == pytest.approx([4 * DAY_MIN, 8 * DAY_MIN])


def _scipy_objective(m):
    cons = LinearConstraint(m.a, m.row_lo, m.row_hi)
    sign = -1.0 if m.maximize else 1.0
    r = milp(sign * m.c, constraints=cons, integrality=m.integer.astype(int), bounds=Bounds(m.col_lo, m.col_hi),
             options={"mip_rel_gap": 1e-9})
    assert r.status == 0, r.message
    return sign * r.fun


@pytest.mark.parametrize("objective", ["max_ch4_destroyed", "max_profit", "min_co2e"])
def test_synthetic_region_matches_scipy_milp(objective):
    sc = synthetic_scenario(n_sources=9, n_units=6, steps=8, seed=3, holders=2, contracts=2, objective=objective)
    sc = sc.model_copy(update={"mip_rel_gap": 1e-9})
    a = allocate(sc)
    m = build_model(sc)
    assert a.objective_value == pytest.approx(_scipy_objective(m), rel=1e-6)
    # every unit inlet respects its window and capacity; sources are never over-drawn
    for u in m.units:
        rows = a.units[(a.units["unit"] == u.id) & (a.units["inlet_flow_nm3_min"] > 1e-6)]
        assert (rows["inlet_ch4_pct"] >= u.cmin - 1e-6).all() and (rows["inlet_ch4_pct"] <= u.cmax + 1e-6).all()
        assert (rows["inlet_flow_nm3_min"] <= u.cap * (1 + 1e-7)).all()
    used = a.schedule.groupby(["source", "step"])["flow_nm3_min"].sum()
    for (s, t), q in used.items():
        i = m.source_ids.index(s)
        stored = 0.0
        if not a.storage.empty and s in set(a.storage["source"]):
            row = a.storage[(a.storage["source"] == s) & (a.storage["step"] == t)].iloc[0]
            stored = row["discharge_nm3_min"] - row["charge_nm3_min"]
        assert q <= m.avail[i, t] + stored + 1e-6


def test_excel_export_round_trip(tmp_path: Path):
    a = allocate(synthetic_scenario(n_sources=6, n_units=4, steps=5, seed=5, holders=1, contracts=1))
    out = write_allocation_xlsx(a, tmp_path / "alloc")
    assert out.suffix == ".xlsx" and out.exists()
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames == ["摘要 Summary", "调度 Schedule", "装置 Units", "放空 Unused gas", "储气 Storage",
                             "约束 Binding", "影子价格 Shadow prices"]
    summary = {r[0]: r[1] for r in wb["摘要 Summary"].iter_rows(min_row=2, values_only=True) if r[0]}
    assert summary["目标值 objective value"] == pytest.approx(a.objective_value)
    sched = list(wb["调度 Schedule"].iter_rows(values_only=True))
    assert len(sched) == len(a.schedule) + 1 and sched[0][0] == "时段 step"
    flows = np.array([r[4] for r in sched[1:]], dtype=float)
    assert flows.sum() == pytest.approx(a.schedule["flow_nm3_min"].sum())
    assert not list(tmp_path.glob(".minegas-*"))                       # no temp file left behind
