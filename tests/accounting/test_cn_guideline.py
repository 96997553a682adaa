"""China NDRC 2015 coal guideline — vectors CN-UG-1/2, CN-PM-1/2, CN-FL-1 (MRV research note §3.4)."""

from __future__ import annotations

import pytest

from minegas.accounting.methods import cn_guideline as cn
from minegas.errors import InputError, MethodologyError


def test_cn_ug_1():
    # 1 500 + 2 000 − 100 − 1 200 = 2 200 × 10⁴ Nm³ × 7.17 t = 15 774 t CH4 × 21 = 331 254 t CO2e
    r = cn.underground_ch4([cn.MonthlyUndergroundGas(1500, 2000, 100, 1200)])
    assert r.net_wan_nm3 == pytest.approx(2200)
    assert r.ch4_t == pytest.approx(15_774.0)
    assert r.co2e_t == pytest.approx(331_254.0)
    assert (r.gwp_set, r.gwp_value, r.density) == ("SAR", 21.0, "cn-2015")


def test_monthly_clamp():
    months = [cn.MonthlyUndergroundGas(100, 50, 0, 200, "2025-01"), cn.MonthlyUndergroundGas(100, 50, 0, 0, "2025-02")]
    # January −50 is clamped to 0; February 150 → 150 × 7.17 = 1 075.5 t
    r = cn.underground_ch4(months)
    assert r.clamped_months == ["2025-01"] and r.ch4_t == pytest.approx(1075.5)
    # without monthly clamping the year nets to 100 → 717 t
    assert cn.underground_ch4(months, clamp_monthly=False).ch4_t == pytest.approx(717.0)


def test_gwp_is_a_parameter_and_density_state_is_checked():
    r = cn.underground_ch4([cn.MonthlyUndergroundGas(1500, 2000, 100, 1200)], gwp_set="AR5")
    assert r.co2e_t == pytest.approx(15_774.0 * 28)
    with pytest.raises(MethodologyError):
        cn.underground_ch4([cn.MonthlyUndergroundGas(1, 1)], density_name="ipcc-2006")  # 20 °C density


def test_cn_ug_2_spot_ventilation():
    # 150 Nm³/min × 30 d × 1440 × 10⁻⁴ = 648.0 × 10⁴ Nm³
    assert cn.ventilation_from_spot_wan_nm3(150, 30) == pytest.approx(648.0)
    with pytest.raises(InputError):
        cn.ventilation_from_spot_wan_nm3(150, 32)


def test_cn_pm_vectors():
    # CN-PM-1: 3 000 000 t × 2.01 kg/t = 6 030 t CH4 → 126 630 t CO2e
    high = cn.post_mining_ch4(3_000_000, "high")
    assert (high.ch4_t, high.co2e_t) == pytest.approx((6030.0, 126_630.0))
    assert cn.post_mining_ch4(3_000_000, "outburst").ch4_t == pytest.approx(6030.0)
    # CN-PM-2: low-gas 0.60 kg/t → 1 800 t → 37 800 t CO2e
    low = cn.post_mining_ch4(3_000_000, "low")
    assert (low.ch4_t, low.co2e_t) == pytest.approx((1800.0, 37_800.0))
    # surface post-mining 0.34 and surface mining 1.34 kg/t
    assert cn.post_mining_ch4(1_000_000, "low", underground=False).ch4_t == pytest.approx(340.0)
    assert cn.production_ch4(1_000_000, "surface_mining").ch4_t == pytest.approx(1340.0)


def test_ef_table_is_ipcc_m3_at_0_67():
    # the guideline's kg/t factors are the m³/t figures 3.0 / 0.9 / 0.5 / 2.0 × 0.67 kg/m³, rounded half up to 0.01:
    # 2.01, 0.603 → 0.60, 0.335 → 0.34, 1.34
    for key, m3 in (("post_mining_high_outburst", 3.0), ("post_mining_low", 0.9), ("post_mining_surface", 0.5),
                    ("surface_mining", 2.0)):
        assert cn.EF_KG_CH4_PER_T[key] == round(m3 * 0.67 + 1e-9, 2)


def test_mine_gas_class():
    assert cn.mine_gas_class(10.0, 40.0) == "low"
    assert cn.mine_gas_class(10.1, 20.0) == "high"
    assert cn.mine_gas_class(5.0, 40.1) == "high"
    assert cn.mine_gas_class(5.0, 10.0, outburst=True) == "outburst"


def test_cn_fl_1():
    # CC = 12 × 1 × 0.40 × 10 / 22.4 = 2.142857 t C/10⁴ Nm³; CO2 = 100 × 2.142857 × 0.98 × 44/12 = 770.0 t
    r = cn.flare(100, {"CH4": 0.40})
    assert r.carbon_content_t_per_wan_nm3 == pytest.approx(2.142857, abs=1e-6)
    assert r.co2_t == pytest.approx(770.0)
    assert r.ch4_destroyed_wan_nm3 == pytest.approx(39.2)


def test_flare_composition_with_ethane_and_co2():
    # 30 % CH4 + 2 % C2H6: CC = 12 × (0.30 + 2 × 0.02) × 10 / 22.4 = 1.821429; CO2 in the gas ignored by default
    cc = cn.flare_carbon_content_t_per_wan_nm3({"CH4": 0.30, "C2H6": 0.02, "CO2": 0.05})
    assert cc == pytest.approx(12 * 0.34 * 10 / 22.4)
    cc2 = cn.flare_carbon_content_t_per_wan_nm3({"CH4": 0.30, "C2H6": 0.02, "CO2": 0.05}, include_co2=True)
    assert cc2 == pytest.approx(12 * 0.39 * 10 / 22.4)
    with pytest.raises(InputError):
        cn.flare_carbon_content_t_per_wan_nm3({"H2S": 0.01})
    with pytest.raises(InputError):
        cn.flare_carbon_content_t_per_wan_nm3({"CH4": 0.8, "C2H6": 0.3})


def test_other_items():
    assert cn.co2_escape_t(10, 5) == pytest.approx(15 * 19.7)
    assert cn.purchased_electricity_co2_t(1000, 0.5366) == pytest.approx(536.6)
    with pytest.raises(InputError):
        cn.MonthlyUndergroundGas(-1, 0)
