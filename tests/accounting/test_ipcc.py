"""IPCC 2006 Vol. 2 Ch. 4.1 — the research note's §5.2 and §5.3 vectors."""

from __future__ import annotations

import math

import pytest

from minegas.accounting.methods import ipcc
from minegas.errors import InputError, MethodologyError


@pytest.mark.parametrize(("level", "gg"), [("low", 33.5), ("average", 60.3), ("high", 83.75)])
def test_underground_mining_5mt(level, gg):
    # 5e6 t × {10, 18, 25} m³/t × 0.67e-6 Gg/m³
    assert ipcc.tier1_ch4_gg(5_000_000, "underground_mining", level) == pytest.approx(gg)


@pytest.mark.parametrize(("level", "gg"), [("low", 3.015), ("average", 8.375), ("high", 13.4)])
def test_underground_post_mining_5mt(level, gg):
    assert ipcc.tier1_ch4_gg(5_000_000, "underground_post_mining", level) == pytest.approx(gg)


def test_surface_2mt():
    assert ipcc.tier1_ch4_gg(2_000_000, "surface_mining") == pytest.approx(1.608)  # 1.2 m³/t
    assert ipcc.tier1_ch4_gg(2_000_000, "surface_post_mining") == pytest.approx(0.134)  # 0.1 m³/t


def test_levels_by_depth_and_overburden():
    assert ipcc.surface_level_for_overburden(20) == "low"
    assert ipcc.surface_level_for_overburden(60) == "high"
    assert ipcc.surface_level_for_overburden(40) == "average"
    assert ipcc.underground_level_for_depth(150) == "low"
    assert ipcc.underground_level_for_depth(450) == "high"


def test_tier2_post_mining_share():
    # 1 Mt with 10 m³/t in situ: pre-drained 30 % → 3 m³/t → 2.01 Gg; not pre-drained 10 % → 0.67 Gg
    assert ipcc.tier2_post_mining_gg(1_000_000, 10.0, True) == pytest.approx(2.01)
    assert ipcc.tier2_post_mining_gg(1_000_000, 10.0, False) == pytest.approx(0.67)


def test_tier3_needs_matching_density_state():
    assert ipcc.tier3_underground_gg(10e6, 5e6) == pytest.approx(15e6 * 0.67e-6)
    # measured 0 °C volumes with the IPCC 20 °C density is an error, with a 0 °C density it is fine
    with pytest.raises(MethodologyError):
        ipcc.tier3_underground_gg(10e6, 5e6, state="0C")
    assert ipcc.tier3_underground_gg(10e6, 5e6, state="0C", density_name="cdm") == pytest.approx(15e6 * 0.716e-6)


@pytest.mark.parametrize(("years", "f"), [(1, 0.78990), (5, 0.50011), (10, 0.37864), (20, 0.27843)])
def test_abandoned_dry(years, f):
    assert ipcc.decline_dry(years) == pytest.approx(f, abs=5e-6)


@pytest.mark.parametrize(("years", "f"), [(1, 0.51069), (5, 0.034735), (10, 0.0012065)])
def test_abandoned_flooding(years, f):
    assert ipcc.decline_flooding(years) == pytest.approx(f, rel=5e-5)


def test_abandoned_vector_e0():
    # E_0 = 10e6 m³/yr, T = 5, venting → 5.0011e6 m³ = 3.3507 Gg at 0.67 kg/m³
    e = ipcc.abandoned_emission_m3(10e6, 5, "venting")
    assert e == pytest.approx(5.0011e6, rel=1e-4)
    assert ipcc.volume_to_gg(e) == pytest.approx(3.3507, abs=5e-5)
    assert ipcc.abandoned_emission_m3(10e6, 5, "flooded") == 0.0
    # fleet with 80 % flooding: 0.2 × 0.50011 + 0.8 × 0.034735 of E_0
    assert ipcc.abandoned_fleet_emission_m3(1.0, 5) == pytest.approx(0.2 * 0.5001068 + 0.8 * 0.0347353, rel=1e-6)
    assert ipcc.decline_dry(0) == 1.0 and ipcc.decline_flooding(0) == 1.0


def test_abandoned_tier1_structure():
    # 10 mines × 0.5 gassy × 1e6 m³/mine/yr × 0.67e-6 − 1 Gg recovered = 2.35 Gg
    assert ipcc.abandoned_tier1_gg(10, 0.5, 1e6, recovered_gg=1.0) == pytest.approx(2.35)


def test_inventory_total():
    inv = ipcc.inventory(underground_mining_gg=60.3, underground_post_mining_gg=8.375, recovered_gg=10.0,
                         surface_mining_gg=1.608, surface_post_mining_gg=0.134, abandoned_gg=3.3507)
    assert inv.total_gg == pytest.approx(60.3 + 8.375 - 10 + 1.608 + 0.134 + 3.3507)
    assert inv.total_t == pytest.approx(inv.total_gg * 1000)
    with pytest.raises(InputError):
        ipcc.inventory(recovered_gg=-1.0)


def test_bad_inputs():
    with pytest.raises(InputError):
        ipcc.default_ef("deep_mining")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        ipcc.default_ef("surface_mining", "extreme")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        ipcc.decline_dry(-1)
    with pytest.raises(InputError):
        ipcc.tier12_ch4_gg(-1, 1)
    assert math.isclose(ipcc.gg_per_m3(), 0.67e-6)
