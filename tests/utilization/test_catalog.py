"""Technology catalog: completeness, validation, the seed's 表9 comparison, performance arithmetic, rules."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from minegas.accounting.methods.ccer_cmm import GasSource
from minegas.errors import InputError
from minegas.registry.vocab import TECHNOLOGIES
from minegas.utilization.cases import table9
from minegas.utilization.catalog import (
    CATALOG_DIR,
    capex_yuan,
    ccer_check,
    load_catalog,
    load_catalog_dir,
    performance,
    regulatory_findings,
    technology,
)


def test_every_registry_technology_has_an_entry():
    cat = load_catalog()
    assert set(cat) == set(TECHNOLOGIES)


def test_every_assumption_has_a_range_and_every_value_a_source():
    for tech in load_catalog().values():
        ps = tech.paramset
        assert ps is not None and ps.kind == "technology"
        for name, p in ps.parameters.items():
            assert p.source is not None, f"{tech.key}.{name} has no source"
            numeric = isinstance(p.value, int | float) and not isinstance(p.value, bool)
            if p.confidence == "assumption" and numeric:  # a yes/no assumption has no range
                assert p.range is not None, f"{tech.key}.{name}"


def test_units_without_safe_transport_stay_out_of_the_band():
    for tech in load_catalog().values():
        if tech.output != "vent" and not tech.safe_transport:
            assert tech.ch4_max_pct < 5.0 or tech.ch4_min_pct > 16.0, tech.key


def test_table9_inlet_flows_and_efficiencies():
    # seed 003 §4.2.2 表9: 10 Nm³/min pure CH4 at 5 %: VAM oxidiser 60 000 Nm³/h (0.3–1.2 %), thermal island
    # 12 000 Nm³/h (3–8 %); CH4 oxidation 95 % vs 99.9 %; comprehensive heat efficiency 60 % vs 90 %.
    t = table9()
    assert t.vam_oxidiser.inlet_flow_nm3_h == pytest.approx(60_000.0)
    assert t.thermal_island.inlet_flow_nm3_h == pytest.approx(12_000.0)
    assert t.vam_oxidiser.operating_pct == pytest.approx(1.0)
    assert t.thermal_island.operating_pct == pytest.approx(5.0)
    assert t.thermal_island.dilution_air_nm3_min == pytest.approx(0.0)
    assert t.vam_oxidiser.dilution_air_nm3_min == pytest.approx(800.0)  # 1000 − 200 Nm³/min of 5 % gas
    assert t.oxidation_frac == (pytest.approx(0.95), pytest.approx(0.999))
    assert t.heat_recovery_frac == (pytest.approx(0.60), pytest.approx(0.90))
    # heat recovered per minute by hand: 10 × 35.8 MJ × 0.6 = 214.8 vs × 0.9 = 322.2 → the island recovers 1.5×
    assert t.vam_oxidiser.heat_recovered_mj_min == pytest.approx(214.8)
    assert t.thermal_island.heat_recovered_mj_min == pytest.approx(322.2)
    # CH4 destroyed: 9.5 vs 9.99 Nm³/min
    assert t.vam_oxidiser.ch4_destroyed_nm3_min == pytest.approx(9.5)
    assert t.thermal_island.ch4_destroyed_nm3_min == pytest.approx(9.99)
    assert t.windows_pct[1] == (3.0, 8.0)


def test_operating_point_and_lean_source():
    rto = technology("rto-vam")
    assert rto.operating_pct(0.5) == 0.5
    assert rto.operating_pct(35.0) == rto.ch4_design_pct
    with pytest.raises(ValueError):
        technology("thermal-island").operating_pct(1.0)


def test_performance_reproduces_case_outputs():
    # case 2 (寨崖底, seed 003 §4.2.3): 1200万 m³ CH4 → 1920万 kWh; the catalog's η_el is derived from these, so
    # this checks the arithmetic chain E = V × 35.8, kWh = E × η / 3.6 to 0.1 %.
    p = performance(technology("thermal-island"), 1200e4)
    assert p.electricity_net_kwh == pytest.approx(1920e4, rel=1e-3)
    assert p.ch4_destroyed_nm3 == pytest.approx(1200e4 * 0.999)
    # case 4 (伏岩, 表11): 5184万 Nm³ → 0.98亿 kWh gross and 10.1万 GJ heat
    p = performance(technology("rto-vam"), 5184e4)
    assert p.electricity_gross_kwh == pytest.approx(0.98e8, rel=5e-3)
    assert p.heat_gj == pytest.approx(10.1e4, rel=5e-3)
    # own use 20 % (case 1): net = 0.8 × gross
    assert p.electricity_net_kwh == pytest.approx(0.8 * p.electricity_gross_kwh)
    # heat not used → no heat
    assert performance(technology("rto-vam"), 100.0, heat_used=False).heat_gj == 0.0
    # porous media (case 5): 202.8万 m³ × 35.8 MJ × 0.88 = 63 890 GJ (the seed prints 6.8万 GJ — 6 % apart)
    p = performance(technology("porous-media-boiler"), 202.8e4)
    assert p.heat_gj == pytest.approx(202.8e4 * 35.8 * 0.88 / 1000)
    # VPSA feed power: 0.1 kWh per Nm³ of feed
    assert performance(technology("vpsa"), 13.0, 100.0).electricity_net_kwh == pytest.approx(-10.0)
    with pytest.raises(InputError):
        performance(technology("boiler"), -1.0)


def test_capex_by_basis():
    rto = technology("rto-vam")
    # 10 Nm³/min pure → 10 × 35.8 / 60 MW thermal = 5 966.7 kW × 0.19 = 1 133.7 kWe × 12 333 元/kW
    assert capex_yuan(rto, 10.0, 1000.0, True) == pytest.approx(10 * 35.8 / 60 * 1000 * 0.19 * 12333)
    pm = technology("porous-media-boiler")
    assert capex_yuan(pm, 1.0, 12.5, True) == pytest.approx(35.8 / 60 * 1000 * 0.88 * 2800)
    vp = technology("vpsa")
    assert capex_yuan(vp, 26.0, 200.0, False) == pytest.approx(200 * 60 * 3333)


def test_safety_regulation_finding_is_not_a_ban():
    f = regulatory_findings(technology("thermal-island"), 5.0)
    assert [x.severity for x in f] == ["approval-required", "info"]
    assert "184" in f[0].clause and "not a ban" in f[0].message_en
    assert [x.severity for x in regulatory_findings(technology("porous-media-boiler"), 8.0)] == [
        "approval-required", "info"]
    assert regulatory_findings(technology("boiler"), 40.0) == []
    assert [x.severity for x in regulatory_findings(technology("gas-engine"), 25.0)] == ["check"]
    assert regulatory_findings(technology("rto-vam"), 1.2, 35.0) == []
    # diluting 40 % gas to 6 % and burning it directly is still below 30 % at the burner
    assert regulatory_findings(technology("thermal-island"), 6.0, 40.0)[0].severity == "approval-required"


def test_ccer_uses_the_shared_function():
    rto = technology("rto-vam")
    # 伏岩-style: VAM + 3–6 % + > 30 % gas; the ≥ 8 % gas is excluded from the eligible share
    srcs = [GasSource("VAM", "vam", 0.25, 600.0), GasSource("LC", "drained", 4.5, 300.0),
            GasSource("HC", "drained", 35.0, 100.0)]
    e = ccer_check(rto, srcs)
    assert e.eligible and e.eligible_ch4_share == pytest.approx(0.9)
    assert "HC" in e.excluded_sources
    e2 = ccer_check(technology("thermal-island"), srcs[1:2])
    assert not e2.eligible and any("flameless" in r for r in e2.reasons)
    assert not ccer_check(rto, srcs[:1], mine_closed=True).eligible


def _write(tmp: Path, name: str, data: dict) -> Path:
    p = tmp / name
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def test_validation_names_file_and_field(tmp_path: Path):
    data = yaml.safe_load((CATALOG_DIR / "boiler.yaml").read_text(encoding="utf-8"))
    del data["parameters"]["eff_heat_frac"]
    data["parameters"]["ch4_min_pct"]["value"] = 4.0   # window now reaches into the band
    _write(tmp_path, "boiler.yaml", data)
    with pytest.raises(InputError) as ei:
        load_catalog_dir(tmp_path)
    msg = str(ei.value)
    assert "boiler.yaml" in msg and "parameters.eff_heat_frac" in msg and "parameters.safe_transport" in msg


def test_validation_rejects_bad_fraction_and_capex(tmp_path: Path):
    data = yaml.safe_load((CATALOG_DIR / "rto-vam.yaml").read_text(encoding="utf-8"))
    data["parameters"]["destruction_efficiency_frac"] = {"value": 1.5, "unit": "1", "source": "s003-t9",
                                                         "confidence": "secondary"}
    data["parameters"]["capex_yuan_per_nm3_h"] = {"value": 1.0, "unit": "x", "source": "s003-t9",
                                                  "confidence": "secondary"}
    _write(tmp_path, "rto.yaml", data)
    with pytest.raises(InputError) as ei:
        load_catalog_dir(tmp_path)
    assert "destruction_efficiency_frac" in str(ei.value) and "capex" in str(ei.value)
    with pytest.raises(InputError):
        load_catalog_dir(tmp_path / "empty")


def test_unknown_key_lists_valid_keys():
    with pytest.raises(InputError) as ei:
        technology("steam-engine")
    assert "rto-vam" in str(ei.value)
