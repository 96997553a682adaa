"""The region model: the demo region's content against the seeds, the layout it derives, and validation."""

from __future__ import annotations

import copy
import re

import pytest

from minegas.errors import InputError
from minegas.paramsets import load_paramset, parse_paramset
from minegas.synth import DEMO_REGION_PATH, Region, barometric_kpa, mine_layout
from minegas.synth.model import parse_region

JINCHENG_COUNTIES = {"140502": "城区", "140521": "沁水县", "140522": "阳城县", "140524": "陵川县",
                     "140525": "泽州县", "140581": "高平市"}
"""Jincheng's county-level divisions (GB/T 2260)."""


def test_isa_barometric_pressure_matches_the_standard_atmosphere_table() -> None:
    # ICAO/ISO 2533 standard atmosphere tables: 89 875 Pa at 1 000 m, 79 495 Pa at 2 000 m, 101 325 Pa at 0 m.
    assert barometric_kpa(0.0) == pytest.approx(101.325, abs=1e-9)
    assert barometric_kpa(1000.0) == pytest.approx(89.875, abs=0.005)
    assert barometric_kpa(2000.0) == pytest.approx(79.495, abs=0.005)


def test_demo_region_has_at_least_ten_mines_of_all_three_gas_classes(demo: Region) -> None:
    assert 12 <= len(demo.mines) <= 16
    classes = [m.gas_class for m in demo.mines]
    assert set(classes) == {"high", "outburst", "low"}
    # seed 000: 63 of 116 Jincheng mines are high-gas or outburst (54 %)
    share = sum(c != "low" for c in classes) / len(classes)
    assert 0.45 <= share <= 0.65


def test_demo_mines_are_fictional_jincheng_like(demo: Region) -> None:
    counties = {r.code: r.name_zh for r in demo.regions if r.level == "county"}
    assert counties == JINCHENG_COUNTIES
    assert {m.county_code for m in demo.mines} == set(JINCHENG_COUNTIES)
    for m in demo.mines:
        assert re.fullmatch(r"99\d{10}", m.code)
        assert "示例" in m.name_zh
        assert 0.6 <= m.capacity_mt_per_yr <= 5.0
        assert 700 <= m.elevation_m <= 1100
        assert 88.0 <= m.barometric_kpa <= 93.0
        assert m.barometric_kpa == round(barometric_kpa(m.elevation_m), 2)


def test_demo_drainage_scaled_to_the_2021_baseline_per_mine(demo: Region) -> None:
    # seed 000: 116 mines drained 20.7亿 m³ in 2021 → 20.7e8 / 116 / 525 600 min = 33.95 Nm³/min per mine
    per_mine = demo.param("baseline_drained_yi_m3") * 1e8 / demo.param("baseline_mines") / 525_600.0
    assert per_mine == pytest.approx(33.95, abs=0.01)
    total = sum(m.design_drained_pure_nm3_min() for m in demo.mines)
    assert total == pytest.approx(len(demo.mines) * per_mine, rel=0.05)


def test_low_gas_mines_stay_within_the_low_gas_limits(demo: Region) -> None:
    for m in demo.mines:
        total = m.design_drained_pure_nm3_min() + m.design_vam_pure_nm3_min()
        rel = total * 525_600 / (m.capacity_mt_per_yr * 1e6)
        if m.gas_class == "low":
            assert total <= 40.0 and rel <= 10.0, m.code
        else:
            assert rel > 10.0, m.code  # a high-gas or outburst mine emits more than the low-gas limit


def test_three_seed_cases_are_modelled(demo: Region) -> None:
    cases = {m.case: m for m in demo.mines if m.case}
    assert set(cases) == {"c3-vpsa", "c4-rto-starving", "c5-porous-boiler"}
    vpsa = next(u for u in cases["c3-vpsa"].units if u.technology == "vpsa")
    assert vpsa.capacity_flow_nm3_min * 60 == pytest.approx(12_000)  # seed 003 case 3: 12 000 Nm³/h feed
    assert vpsa.product_ch4_pct == 30 and vpsa.duty_frac < 0.5 and vpsa.season == "heating"
    rto = next(u for u in cases["c4-rto-starving"].units if u.technology == "rto-vam")
    assert rto.capacity_flow_nm3_min * 60 == pytest.approx(6 * 90_000)  # 6 RTOs × 90 000 Nm³/h
    assert rto.blend_target_pct == 1.2 and rto.feeds == "blend" and "R1" in rto.sources
    pmb = next(u for u in cases["c5-porous-boiler"].units if u.technology == "porous-media-boiler")
    low = cases["c5-porous-boiler"].system("low")
    assert pmb.ch4_min_pct <= 6 and pmb.ch4_max_pct >= 8 and 6 <= low.ch4_pct <= 8  # "6–8 % gas"


def test_each_mine_has_drainage_systems_shafts_and_units(demo: Region) -> None:
    for m in demo.mines:
        assert {s.system for s in m.drainage} <= {"high", "low"} and m.drainage
        assert 1 <= len(m.shafts) <= 3
        for s in m.drainage:
            lo, hi = (-60, -10) if s.system == "high" else (-25, -5)
            assert lo <= s.suction_kpa <= hi
            assert 5 <= s.ch4_pct <= 60
        for r in m.shafts:
            assert 5000 <= r.air_m3_min <= 30000 and 0.1 <= r.ch4_pct <= 0.75
    meters = {s.flow_meter for m in demo.mines for s in m.drainage}
    assert meters == {"working", "0C", "20C"}
    assert {s.counter for m in demo.mines for s in m.drainage} == {None, "none", "daily", "monthly"}
    techs = {u.technology for m in demo.mines for u in m.units}
    assert {"gas-engine", "boiler", "civil-gas", "vpsa", "rto-vam", "porous-media-boiler", "flare-enclosed",
            "low-conc-gas-engine", "pipeline", "thermal-island"} <= techs


def test_layout_point_codes_follow_the_kj_layout(demo: Region) -> None:
    for m in demo.mines:
        la = mine_layout(m)
        codes = [p.code for p in la.points]
        assert len(codes) == len(set(codes))
        for p in la.points:
            # <煤矿编码 12><系统编码 2><数值类型 2><传感器类型 4><测点号 8> (research note §2.1)
            mm = re.fullmatch(r"(\d{12})(01|02)(MN|LJ)(\d{4})(\d{8})", p.code)
            assert mm, p.code
            assert mm.group(1) == m.code and mm.group(2) == p.kj_system and mm.group(3) == p.value_type
            assert mm.group(4) == p.sensor_type
        assert all(la.points_of(s.code) for s in la.stations)


def test_layout_topology_routes_every_main_to_units_and_one_vent(demo: Region) -> None:
    for m in demo.mines:
        la = mine_layout(m)
        unit_codes = {u.code for u in la.units}
        station = {s.code: s for s in la.stations}
        for s in la.stations:
            outs = [lk for lk in la.links if lk.from_station == s.code]
            if s.kind == "main":
                kinds = [station[lk.to_station].kind for lk in outs if lk.to_station]
                assert kinds.count("vent") == 1 and all(k in ("inlet", "vent") for k in kinds)
            elif s.kind in ("inlet", "vent", "vam_inlet"):
                assert len(outs) == 1 and outs[0].to_unit in unit_codes
                assert s.kind == "vent" or outs[0].to_unit == s.unit_code
        for lk in la.links:
            assert (lk.to_station is None) != (lk.to_unit is None)


def test_meter_changes_split_configurations(demo: Region) -> None:
    m = demo.mine("990521000002")
    la = mine_layout(m)
    flow = next(p for p in la.points if p.station == "H-MAIN" and p.quantity == "flow_mixed")
    cfgs = [c for c in la.configs if c.point_code == flow.code]
    assert [(c.meter, c.unit) for c in cfgs] == [("0C", "m³/min"), ("20C", "m³/h")]
    assert cfgs[0].valid_to == cfgs[1].valid_from


def test_region_file_is_a_valid_parameter_set() -> None:
    ps = load_paramset(DEMO_REGION_PATH)
    assert ps.id == "reference.demo.jincheng-demo" and ps.kind == "reference"
    for name, p in ps.parameters.items():
        if p.confidence == "assumption" and isinstance(p.value, int | float):
            assert p.range is not None and p.range[0] <= p.value <= p.range[1], name


def _mutated(mutate) -> tuple[dict, str]:
    import yaml

    data = yaml.safe_load(DEMO_REGION_PATH.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    mutate(data)
    return data, "bad-region.yaml"


def _rows(data: dict, table: str) -> list[dict]:
    return data["tables"][table]["rows"]


@pytest.mark.parametrize(("mutate", "field", "needle"), [
    (lambda d: _rows(d, "shafts")[0].update(ch4_pct=0.9), "tables.shafts[1].ch4_pct", "above the maximum"),
    (lambda d: _rows(d, "shafts")[0].update(air_m3_min=40000), "tables.shafts[1].air_m3_min", "above the maximum"),
    (lambda d: _rows(d, "drainage")[0].update(ch4_pct=70), "tables.drainage[1].ch4_pct", "above the maximum"),
    (lambda d: _rows(d, "drainage")[0].update(suction_kpa=-70), "tables.drainage[1].suction_kpa", "below"),
    (lambda d: _rows(d, "drainage")[1].update(suction_kpa=-40), "tables.drainage[2].suction_kpa", "below"),
    (lambda d: _rows(d, "mines")[0].update(code="140000000001"), "tables.mines[1].code", "must start with 99"),
    (lambda d: _rows(d, "mines")[0].update(county_code="999999"), "tables.mines[1].county_code", "unknown region"),
    (lambda d: _rows(d, "units")[0].update(sources="low+R9"), "tables.mines[1].code", "unknown shaft"),
    (lambda d: _rows(d, "units")[0].update(technology="vent"), "tables.units[1].technology", "does not fit"),
    (lambda d: _rows(d, "units")[0].update(ch4_min_pct=50, ch4_max_pct=40), "tables.units[1].ch4_min_pct",
     "minimum above"),
    (lambda d: _rows(d, "mines")[8].update(capacity_mt_per_yr=0.1), "tables.mines[9].gas_class",
     "exceeds the low-gas limits"),
    (lambda d: _rows(d, "drainage")[0].update(flow_meter="30C"), "tables.drainage[1].flow_meter", "unknown value"),
    (lambda d: d["parameters"].pop("noise_flow_rel"), "parameters.noise_flow_rel", "missing parameter"),
])
def test_invalid_regions_are_rejected_with_located_problems(mutate, field: str, needle: str) -> None:
    data, origin = _mutated(mutate)
    with pytest.raises(InputError) as ei:
        parse_region(parse_paramset(data, origin), origin)
    hits = [p for p in ei.value.problems if p.field == field and needle in p.message]
    assert hits, [str(p) for p in ei.value.problems]
    assert hits[0].file == origin and hits[0].fix


def test_unknown_mine_selection_is_rejected(demo: Region) -> None:
    with pytest.raises(InputError) as ei:
        demo.select(["990525000001", "123"])
    assert ei.value.problems[0].value == "123" and "990525000001" in (ei.value.problems[0].fix or "")
    assert demo.select(["990525000001"]).mine_codes == ("990525000001",)


def test_missing_region_file_is_rejected(tmp_path) -> None:
    from minegas.synth import load_region

    with pytest.raises(InputError) as ei:
        load_region(tmp_path / "nope.yaml")
    assert ei.value.problems[0].field == "--region"
