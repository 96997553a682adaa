"""CCER-10-001 emission reductions (illustrative vector, MRV note §4.1) and the ACM0008 fallback vector (§4.3)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from minegas.accounting.methods.ccer_cmm import (
    BaselineFactors,
    CcerPeriodInputs,
    GasSource,
    MethaneUse,
    acm0008_emission_reductions,
    ccer_eligibility,
    crediting_window,
    emission_reductions,
)
from minegas.errors import InputError, MethodologyError
from minegas.physics.energy import electricity_kwh, energy_mj

VAM_ONLY = ccer_eligibility([GasSource("VAM", "vam", 0.5, 40e6)], flameless_oxidation=True, heat_used=True)

# VAM 1 000 000 Nm³/h at 0.50 % for 8 000 h → 40.0e6 Nm³ CH4 in; η_ox 0.97 → 1.2e6 Nm³ out
VECTOR = CcerPeriodInputs(ch4_in_nm3=1_000_000 * 0.005 * 8000, ch4_out_nm3=40e6 * 0.03,
                          net_power_mwh=(12 - 3) * 8000)
GRID = BaselineFactors(grid_ef_t_per_mwh=0.5703)


@pytest.mark.parametrize(("gwp_set", "be_ch4", "er"), [("SAR", 583_396.8, 548_061.2), ("AR5", 777_862.4, 742_526.8)])
def test_illustrative_vector(gwp_set, be_ch4, er):
    r = emission_reductions(VECTOR, GRID, eligibility=VAM_ONLY, gwp_set=gwp_set)
    assert r.ch4_in_t == pytest.approx(28_640.0)          # 40e6 × 0.716 / 1000
    assert r.ch4_oxidised_t == pytest.approx(27_780.8)    # × 0.97
    assert r.ch4_unoxidised_t == pytest.approx(859.2)
    assert r.oxidation_frac == pytest.approx(0.97)
    assert r.be_ch4_t == pytest.approx(be_ch4)
    assert r.be_elec_t == pytest.approx(41_061.6)         # 72 000 MWh × 0.5703
    assert r.pe_oxidation_co2_t == pytest.approx(76_397.2)  # 27 780.8 × 2.75
    assert r.er_t == pytest.approx(er)


def test_oxidation_co2_switch_and_heat_baseline():
    r = emission_reductions(VECTOR, GRID, eligibility=VAM_ONLY, gwp_set="SAR", charge_oxidation_co2=False)
    assert r.er_t == pytest.approx(583_396.8 + 41_061.6)
    # 101 000 GJ heat replacing a 0.9-efficient coal boiler at 0.0946 t CO2/GJ fuel: 101 000 / 0.9 × 0.0946
    heat = CcerPeriodInputs(1e6, 0.0, heat_supplied_gj=101_000)
    f = BaselineFactors(heat_baseline_efficiency_frac=0.9, heat_baseline_fuel_ef_t_per_gj=0.0946)
    assert emission_reductions(heat, f, eligibility=VAM_ONLY, gwp_set="SAR").be_heat_t == \
        pytest.approx(101_000 / 0.9 * 0.0946)


def test_project_emissions_charged_in_full():
    inp = CcerPeriodInputs(1e6, 1e4, aux_power_import_mwh=100, fossil_fuel_co2_t=50, leakage_t=5)
    r = emission_reductions(inp, GRID, eligibility=VAM_ONLY, gwp_set="SAR")
    ox = (1e6 - 1e4) * 0.716e-3
    assert r.er_t == pytest.approx(ox * 21 - ox * 2.75 - 100 * 0.5703 - 50 - 5)


def test_fuyan_blend_credits_eligible_share_only():
    # seed 003 §4.4 (伏岩): VAM + 3–6 % gas + > 30 % gas blended to 1.2 %; only in-scope CH4 is credited
    srcs = [GasSource("VAM", "vam", 0.25, 1200e4), GasSource("low", "drained", 4.5, 1500e4),
            GasSource("high", "drained", 35.0, 2484e4)]
    el = ccer_eligibility(srcs, flameless_oxidation=True, heat_used=True)
    share = (1200 + 1500) / 5184
    inp = CcerPeriodInputs(5184e4, 0.02 * 5184e4, net_power_mwh=98_000)
    r = emission_reductions(inp, GRID, eligibility=el, gwp_set="SAR")
    ox = 0.98 * 5184e4 * 0.716e-3
    assert r.eligible_ch4_share == pytest.approx(share)
    assert r.be_ch4_t == pytest.approx(ox * share * 21)
    assert r.be_elec_t == pytest.approx(98_000 * share * 0.5703)
    assert r.pe_oxidation_co2_t == pytest.approx(ox * share * 2.75)
    assert any("pro rata" in x for x in r.reasons)


def test_not_eligible_is_not_credited():
    el = ccer_eligibility([GasSource("VAM", "vam", 0.5, 1e6)], flameless_oxidation=False, heat_used=True)
    r = emission_reductions(VECTOR, GRID, eligibility=el, gwp_set="SAR")
    assert r.er_t == 0.0 and not r.credited and r.be_ch4_t == 0.0


def test_inputs_checked():
    with pytest.raises(InputError):
        CcerPeriodInputs(1.0, 2.0)  # more out than in
    with pytest.raises(InputError) as ei:
        CcerPeriodInputs(-1.0, 0.0)
    assert ei.value.problems[0].field == "ch4_in_nm3"
    with pytest.raises(InputError):
        BaselineFactors(heat_baseline_efficiency_frac=0.0)
    with pytest.raises(MethodologyError):
        emission_reductions(VECTOR, GRID, eligibility=VAM_ONLY, gwp_set="SAR", density_name="ipcc-2006")
    with pytest.raises(MethodologyError):
        emission_reductions(VECTOR, GRID, eligibility=VAM_ONLY, gwp_set="SAR", horizon=20)


def test_crediting_window_after_networking():
    a, b = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC)
    net = datetime(2025, 2, 15, tzinfo=UTC)
    assert crediting_window(a, b, net) == (net, b)
    assert crediting_window(a, b, None) is None
    assert crediting_window(a, b, datetime(2025, 5, 1, tzinfo=UTC)) is None
    assert crediting_window(a, b, datetime(2024, 1, 1, tzinfo=UTC)) == (a, b)
    with pytest.raises(InputError):
        crediting_window(datetime(2025, 1, 1), b, net)


def test_acm0008_vector():
    # MRV note §4.3: GWP 28, ρ 0.716; engines 10e6 m³ CH4 at 0.995, enclosed flare 2e6 m³ at 0.90
    uses = [MethaneUse("engines", 10e6, 0.995), MethaneUse("flare", 2e6, 0.90)]
    power_mwh = electricity_kwh(energy_mj(10e6), 0.38) / 1000  # 10e6 × 35.8 / 3600 × 0.38 = 37 788.9 MWh
    assert power_mwh == pytest.approx(37_788.9, abs=0.05)
    kw = dict(gwp_set="AR5", displaced_power_mwh=power_mwh, grid_ef_t_per_mwh=0.5703, project_energy_mwh=1500)
    r = acm0008_emission_reductions(uses, **kw)
    assert r.md_t == pytest.approx(7124.2 + 1288.8)       # 10e6×0.995×0.716e-3 + 2e6×0.9×0.716e-3
    assert r.be_md_t == pytest.approx(235_564.0)
    assert r.pe_md_t == pytest.approx(23_135.75)
    assert r.pe_um_t == pytest.approx(5012.0)              # (50 000 + 200 000) × 0.716e-3 × 28
    assert r.be_use_t == pytest.approx(21_551.0, abs=0.05)
    assert r.pe_me_t == pytest.approx(855.45)
    assert r.er_t == pytest.approx(228_111.8, abs=0.05)
    # alternative convention "BE = all captured": BE 240 576 t, ER 233 123.8 t
    alt = acm0008_emission_reductions(uses, be_basis="captured", **kw)
    assert alt.be_md_t == pytest.approx(240_576.0)
    assert alt.er_t == pytest.approx(233_123.8, abs=0.05)
    # not charging the unburnt CH4 a second time adds PE_UM back
    assert acm0008_emission_reductions(uses, charge_unburnt=False, **kw).er_t == pytest.approx(r.er_t + 5012.0)
    with pytest.raises(InputError):
        acm0008_emission_reductions(uses, be_basis="vented", **kw)  # type: ignore[arg-type]
