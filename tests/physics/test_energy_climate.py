"""Energy, coal equivalent and CO2e — vectors from mrv-methodologies.md §6, §7 and the seeds' rule of thumb."""

from __future__ import annotations

import pytest

from minegas.errors import InputError, MethodologyError
from minegas.physics import climate, energy
from minegas.physics.density import ch4_mass_t


def test_tce_of_1e8_m3():
    # MRV note §7: 1e8 m³ at 35.8 MJ/m³ → 122 153 tce; at 33.4 (20 °C basis) → 113 964 tce
    assert energy.tce_hv(energy.energy_mj(1e8, "0C")) == pytest.approx(122_153, abs=1)
    assert energy.tce_hv(1e8 * 33.4) == pytest.approx(113_964, abs=1)


def test_heating_value_scales_with_state():
    assert energy.heating_value_mj_per_m3("0C") == 35.8
    assert energy.heating_value_mj_per_m3("0C", "hhv") == 39.8
    assert energy.heating_value_mj_per_m3("20C") == pytest.approx(35.8 * 273.15 / 293.15)
    assert energy.heating_value_mj_per_m3("20C") == pytest.approx(33.4, abs=0.05)  # the note's ≈33.4
    with pytest.raises(MethodologyError):
        energy.heating_value_mj_per_m3("0C", "gcv")


def test_power_potential_vector():
    # MRV note §7: 10e6 m³ × 35.8 / 3600 × 0.38 = 37 789 MWh
    kwh = energy.electricity_kwh(energy.energy_mj(10e6), 0.38)
    assert kwh / 1000 == pytest.approx(37_788.9, abs=0.1)


def test_tce_power_case2():
    # seed 003 case 2: 1920万 kWh to the mine, 5766 t standard coal saved — at 300 gce/kWh that is 5760 t (0.1 %)
    assert energy.tce_power(1920e4, 300) == pytest.approx(5760.0)
    assert abs(energy.tce_power(1920e4, 300) / 5766 - 1) < 0.002


def test_tce_heat():
    # 68 000 GJ of heat is 68e3 × 1000 / 29.3076 / 1000 = 2320.2 tce; displacing a 90 % boiler: 2578.02 tce
    assert energy.tce_heat(68_000) == pytest.approx(2320.22, abs=0.01)
    assert energy.tce_heat(68_000, 0.9) == pytest.approx(2578.02, abs=0.01)


@pytest.mark.parametrize(("name", "h100", "h20"), [
    ("SAR", 21, None), ("TAR", 23, 62), ("AR4", 25, 72), ("AR5", 28, 84), ("AR5-CCF", 34, 86),
    ("AR6", 27.9, 81.2), ("AR6-fossil", 29.8, 82.5), ("AR6-nonfossil", 27.0, 80.8),
])
def test_gwp_sets(name, h100, h20):
    assert climate.gwp(name, 100) == h100
    if h20 is None:
        with pytest.raises(MethodologyError, match="20-year"):
            climate.gwp(name, 20)
    else:
        assert climate.gwp(name, 20) == h20


def test_gwp_errors():
    with pytest.raises(InputError):
        climate.gwp("AR7")
    with pytest.raises(MethodologyError):
        climate.gwp("AR6", 500)


@pytest.mark.parametrize(("rho_name", "state", "gwp_name", "mt"), [
    # MRV note §6 table (Mt CO2e for 1e8 m³), rows 0.716 and 0.67 (0.7174 row: real-0C is 0.7175)
    ("cdm", "0C", "SAR", 1.5036), ("cdm", "0C", "AR4", 1.7900), ("cdm", "0C", "AR6", 1.9976),
    ("cdm", "0C", "AR5", 2.0048), ("cdm", "0C", "AR6-fossil", 2.1337), ("cdm", "0C", "AR5-CCF", 2.4344),
    ("ipcc-2006", "20C", "SAR", 1.4070), ("ipcc-2006", "20C", "AR4", 1.6750), ("ipcc-2006", "20C", "AR6", 1.8693),
    ("ipcc-2006", "20C", "AR5", 1.8760), ("ipcc-2006", "20C", "AR6-fossil", 1.9966),
    ("ipcc-2006", "20C", "AR5-CCF", 2.2780),
])
def test_co2e_table(rho_name, state, gwp_name, mt):
    t = ch4_mass_t(1e8, state, rho_name)
    assert climate.co2e_gross_t(t, gwp_name) / 1e6 == pytest.approx(mt, abs=6e-5)


def test_net_of_combustion():
    # MRV note §6: charging the combustion CO2 (0.197 Mt for 1e8 m³ at 0.7174) leaves 1.309 Mt at GWP 21
    t = 1e8 * 0.7174 / 1000
    assert t * 44 / 16 / 1e6 == pytest.approx(0.197, abs=5e-4)
    assert climate.co2e_net_t(t, "SAR") / 1e6 == pytest.approx(1.309, abs=5e-4)


def test_westvamp_net():
    # econ note §4.8: ≈13 600 t CH4/yr destroyed, (GWP 21 − 2.75) → ≈249 000 t CO2e ("≈250 000 t" reported)
    assert climate.co2e_net_t(13_600, "SAR") == pytest.approx(248_200, rel=1e-9)


def test_displaced_credit_and_implied_gwp():
    v = climate.co2e_displaced_t(1000, "AR5", power_mwh=500, grid_ef_t_per_mwh=0.5703, heat_gj=100,
                                 heat_ef_t_per_gj=0.1)
    assert v == pytest.approx(1000 * (28 - 2.75) + 285.15 + 10)
    assert climate.implied_gwp(21_000, 1000) == 21.0
    assert climate.implied_gwp(18_250, 1000, "net") == pytest.approx(21.0)
    with pytest.raises(MethodologyError):
        climate.implied_gwp(1, 0)
