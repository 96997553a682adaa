"""40 CFR 98 Subpart FF — the research note's vectors FF1-a … FF8 (§2.6), each recomputed by hand in the comment."""

from __future__ import annotations

import numpy as np
import pytest

from minegas.accounting.methods import epa_ff as ff
from minegas.errors import InputError


def vent(v, c, t, p, **kw):
    return ff.FlowParameters(v, c, "acfm", t, p, **kw)


# FF1-a: 500 000 × 1 × 0.005 × 0.0423 × (520/530) × 0.95 × 1440 × 90 × 0.454/1000 = 5 799.523 t
FF1_A = vent(500_000, 0.50, 530, 0.95)
# FF1-b: 300 000 × 0.003 × 0.0423 × (520/525) × 0.95 × 1440 × 91 × 0.454e-3 = 2 131.132 t
FF1_B = vent(300_000, 0.30, 525, 0.95)


def test_density_constant_is_epa_printed_value():
    assert ff.CH4_DENSITY_LB_PER_SCF == pytest.approx(0.0423, rel=1e-14)
    assert ff.T_PER_LB == 0.454 / 1000


def test_ff1_vectors():
    assert ff.ff1_ventilation_t(FF1_A, 90) == pytest.approx(5799.523, abs=5e-4)
    assert ff.ff1_ventilation_t(FF1_B, 91) == pytest.approx(2131.132, abs=5e-4)
    # FF1-c: V wet, C dry, f_H2O 0.02 → MCF 0.98 → 5 683.533 t
    mcf_c = ff.moisture_correction_factor("wet", "dry", 0.02)
    assert mcf_c == pytest.approx(0.98)
    assert ff.ff1_ventilation_t(vent(500_000, 0.5, 530, 0.95, mcf=mcf_c), 90) == pytest.approx(5683.533, abs=5e-4)
    # FF1-d: V dry, C wet → MCF 1/0.98 → 5 917.881 t
    mcf_d = ff.moisture_correction_factor("dry", "wet", 0.02)
    assert ff.ff1_ventilation_t(vent(500_000, 0.5, 530, 0.95, mcf=mcf_d), 90) == pytest.approx(5917.881, abs=5e-4)
    # FF1-e: scfm → T/P factor 1: 500 000 × 0.005 × 0.0423 × 1440 × 90 × 0.454e-3 = 6 222.161 t
    assert ff.ff1_ventilation_t(ff.FlowParameters(500_000, 0.5, "scfm"), 90) == pytest.approx(6222.1608, abs=1e-4)


def test_ff2_sum():
    a, b = ff.ff1_ventilation_t(FF1_A, 90), ff.ff1_ventilation_t(FF1_B, 91)
    assert ff.ff2_ventilation_total_t([a, b]) == pytest.approx(7930.655, abs=5e-4)


def test_ff3_ff4_vectors():
    # FF3-a: 2 000 × 0.45 × 0.0423 × (520/540) × 1.0 × 1440 × 0.454e-3 = 23.96684 t/d; 7 days 167.768 t
    day_a = ff.FlowParameters(2000, 45, "acfm", 540, 1.0)
    assert ff.ch4_t_per_day(day_a) == pytest.approx(23.96684, abs=5e-6)
    week_a = ff.ff3_degasification_t([ff.DegasDay(day_a)] * 7)
    assert week_a == pytest.approx(167.768, abs=5e-4)
    assert ff.ff3_from_weekly_average(day_a, 7) == pytest.approx(week_a, rel=1e-14)
    # FF3-b: 1 500 acfm, 60 %, 535 °R, 0.98 atm, 7 d → 165.949 t
    week_b = ff.ff3_from_weekly_average(ff.FlowParameters(1500, 60, "acfm", 535, 0.98), 7)
    assert week_b == pytest.approx(165.949, abs=5e-4)
    # FF4: 13 weeks of each → 4 338.321 t
    assert ff.ff4_degasification_total_t([week_a] * 13 + [week_b] * 13) == pytest.approx(4338.321, abs=5e-4)


def test_ff3_partial_days():
    day = ff.FlowParameters(2000, 45, "acfm", 540, 1.0)
    # 5 full days and one 12-h day = 5.5 × 23.96684
    tot = ff.ff3_degasification_t([ff.DegasDay(day)] * 5 + [ff.DegasDay(day, 0.5)])
    assert tot == pytest.approx(5.5 * 23.9668416, rel=1e-9)
    with pytest.raises(InputError):
        ff.ff3_degasification_t([ff.DegasDay(day)] * 8)


def test_ff5_to_ff8_vectors():
    devices = [
        ff.DestructionDevice("flare", 1200.0, 0.98),                       # DE 0.98 → 1 176.0
        ff.DestructionDevice("engine", 2500.0, 0.995, energy_use=True),    # capped at 0.99 → 2 475.0
        ff.DestructionDevice("offsite", 800.0, offsite=True),              # DE 1 → 800.0
    ]
    assert [ff.ff5_destroyed_t(d) for d in devices] == pytest.approx([1176.0, 2475.0, 800.0])
    assert ff.ff6_destroyed_total_t(devices) == pytest.approx(4451.0)
    v = ff.ff2_ventilation_total_t([ff.ff1_ventilation_t(FF1_A, 90), ff.ff1_ventilation_t(FF1_B, 91)])
    d = 13 * ff.ff3_from_weekly_average(ff.FlowParameters(2000, 45, "acfm", 540, 1.0), 7) + \
        13 * ff.ff3_from_weekly_average(ff.FlowParameters(1500, 60, "acfm", 535, 0.98), 7)
    q = ff.quarter([ff.ff1_ventilation_t(FF1_A, 90), ff.ff1_ventilation_t(FF1_B, 91)], [d], devices)
    # FF7: 7 930.655 + 4 338.321 − 4 451.0 = 7 817.976 t
    assert q.net_ch4_t == pytest.approx(7817.976, abs=1e-3)
    assert ff.ff7_net_emissions_t(v, d, 4451.0) == pytest.approx(7817.976, abs=1e-3)
    # FF8: flare only (engine → Subpart C, off-site excluded): 1 176 × 44/16 = 3 234.0 t CO2
    assert q.co2_nonenergy_t == pytest.approx(3234.0)
    assert q.destroyed_by_device_t["engine"] == pytest.approx(2475.0)


def test_destruction_efficiency_rules():
    assert ff.destruction_efficiency(1.0) == 0.99
    assert ff.destruction_efficiency(None, offsite=True) == 1.0
    with pytest.raises(InputError):
        ff.destruction_efficiency(None)
    with pytest.raises(InputError):
        ff.destruction_efficiency(1.2)


def test_threshold_98_322f():
    # 36.5e6 acf × 0.0423 × 0.454/1000 = 700.95 t CH4
    assert ff.scf_to_t(36.5e6) == pytest.approx(700.9533, abs=1e-4)
    assert ff.ventilation_threshold_met(36.5e6) and not ff.ventilation_threshold_met(36.4e6)


@pytest.mark.parametrize(("kw", "field"), [
    ({"flow_cfm": -1.0, "ch4_pct": 1.0, "flow_basis": "scfm"}, "flow_cfm"),
    ({"flow_cfm": 1.0, "ch4_pct": 101.0, "flow_basis": "scfm"}, "ch4_pct"),
    ({"flow_cfm": 1.0, "ch4_pct": 1.0, "flow_basis": "acfm", "p_atm": 1.0}, "t_r"),
    ({"flow_cfm": 1.0, "ch4_pct": 1.0, "flow_basis": "acfm", "t_r": 530.0}, "p_atm"),
])
def test_bad_parameters_name_the_field(kw, field):
    with pytest.raises(InputError) as ei:
        ff.FlowParameters(**kw)
    assert ei.value.problems[0].field == field


def test_ff1_days_range_and_active_days():
    assert ff.active_days(2160) == 90
    with pytest.raises(InputError):
        ff.ff1_ventilation_t(FF1_A, 93)


def test_ff9_correction_scales_concentration():
    base = ff.ch4_t_per_day(ff.FlowParameters(1000, 1.0, "scfm"))
    assert ff.ch4_t_per_day(ff.FlowParameters(1000, 1.0, "scfm", k_goc=0.9)) == pytest.approx(0.9 * base)


def test_parameter_average_spot_samples_uses_98_325():
    # quarterly spot C: [0.50, –, –, 0.54] → filled 0.52, 0.52 → arithmetic mean 0.52
    t = np.array([0.0, 1.0, 2.0, 3.0])
    a = ff.parameter_average(t, [0.50, np.nan, np.nan, 0.54], None, (0.0, 4.0), continuous=False)
    assert a.mean == pytest.approx(0.52)
    assert (a.n_measured, a.n_substituted, a.n_missing) == (2, 2, 0)


def test_parameter_average_continuous_per_parameter_substitution():
    # Hourly V and C over 6 h. V is missing at 2 h (neighbours 100 and 140 → 120 over 1–3 h);
    # C is missing at 4 h (neighbours 0.4 and 0.6 → 0.5 over 3–5 h). Each is filled on its own.
    t = np.arange(7) * 3600.0
    v = np.array([100, 100, np.nan, 140, 140, 140, 140], dtype=float)
    c = np.array([0.4, 0.4, 0.4, 0.4, np.nan, 0.6, 0.6])
    av = ff.parameter_average(t, v, None, (0.0, 6 * 3600.0))
    ac = ff.parameter_average(t, c, None, (0.0, 6 * 3600.0))
    # V: 100 (0–1 h) + 120 × 2 h + 140 × 3 h = 760 → mean 126.667; 2 h substituted
    assert av.mean == pytest.approx(760 / 6) and av.substituted_hours == pytest.approx(2.0)
    # C: 0.4 × 3 + 0.5 × 2 + 0.6 × 1 = 2.8 → 0.46667; 2 h substituted
    assert ac.mean == pytest.approx(2.8 / 6) and ac.substituted_hours == pytest.approx(2.0)
    # FF-1 multiplies the averages (as printed), which differs from the average of the products
    p = ff.FlowParameters(av.mean, ac.mean, "scfm")
    prod_of_means = ff.ff1_ventilation_t(p, 1.0)
    assert prod_of_means == pytest.approx((760 / 6) * (2.8 / 6) / 100 * 0.0423 * 1440 * 0.454e-3)
