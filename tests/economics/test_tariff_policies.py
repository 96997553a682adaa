"""Shanxi tariff schemes and their cash timing; subsidies; policy library."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from minegas.economics import evaluate, policies
from minegas.economics import subsidy as sub
from minegas.economics.tariff import ShanxiTariff, deferred_cash, shanxi_shares
from minegas.economics.timeline import Calendar
from minegas.errors import InputError


def _cash(e, name):
    return e.line(name)


def test_yishou_pays_base_now_and_subsidy_the_following_year(make_scenario):
    e = evaluate(make_scenario(timeline={"start_year": 2021, "operation_start": "2022-01"}))
    grid = e.line("power_grid_kwh")
    t = 1  # 2022, a full year under 以收定支
    assert e.line("rev_grid_now")[t] == pytest.approx(grid[t] * 0.332)
    assert e.line("tariff_subsidy_accrued")[t] == pytest.approx(grid[t] * (0.509 - 0.332))
    assert e.line("tariff_subsidy_cash")[t] == 0.0  # nothing in the year of the output …
    assert e.line("tariff_subsidy_cash")[t + 1] == pytest.approx(e.line("tariff_subsidy_accrued")[t])  # … next year


def test_switching_scheme_moves_subsidy_cash_later_not_sooner(make_scenario):
    y = evaluate(make_scenario(timeline={"start_year": 2021, "operation_start": "2022-01"}))
    lo = evaluate(make_scenario(timeline={"start_year": 2021, "operation_start": "2022-01"},
                                tariff={"scheme": "low-price"}))
    # 低电价: 0.4048 in full in the year, nothing deferred
    assert lo.line("tariff_subsidy_cash").sum() == 0.0
    grid = lo.line("power_grid_kwh")
    assert lo.line("rev_grid_now")[1] == pytest.approx(grid[1] * 0.4048)
    # cumulative tariff cash: 以收定支 never ahead of what it has earned; its subsidy element arrives a year late
    cum_y = np.cumsum(y.line("rev_grid_now") + y.line("tariff_subsidy_cash"))
    cum_earned_y = np.cumsum(y.line("rev_grid_now") + y.line("tariff_subsidy_accrued"))
    assert np.all(cum_y <= cum_earned_y + 1e-6)
    assert y.line("tariff_subsidy_cash")[1] == 0.0 and y.line("tariff_subsidy_cash")[2] > 0
    # in the first operating year 低电价 brings more cash than 以收定支 (0.4048 > 0.332 paid at once)
    assert lo.line("rev_grid_now")[1] > y.line("rev_grid_now")[1] + y.line("tariff_subsidy_cash")[1]


def test_deferral_shifts_cash_later_and_conserves_money(make_scenario):
    kw = {"timeline": {"start_year": 2021, "operation_start": "2022-01", "operating_years": 10}}
    base = evaluate(make_scenario(**kw))
    late = evaluate(make_scenario(**kw, tariff={"deferral_years": 3, "paid_on_time_frac": 0.4}))
    c1 = np.cumsum(late.line("tariff_subsidy_cash"))
    c0 = np.cumsum(np.pad(base.line("tariff_subsidy_cash"), (0, c1.size - base.line("tariff_subsidy_cash").size)))
    assert late.years[-1] == base.years[-1] + 3  # three more tail years collect the deferred cash
    assert np.all(c1 <= c0 + 1e-6)                      # never sooner
    assert c1[-1] == pytest.approx(c0[-1])              # the table has tail years: nothing lost
    assert late.line("tariff_subsidy_cash")[2] == pytest.approx(0.4 * late.line("tariff_subsidy_accrued")[1])
    assert late.line("tariff_subsidy_cash")[5] == pytest.approx(
        0.4 * late.line("tariff_subsidy_accrued")[4] + 0.6 * late.line("tariff_subsidy_accrued")[1])
    assert late.metrics["npv_project_yuan"] < base.metrics["npv_project_yuan"]


def test_deferred_cash_conservation_random():
    rng = np.random.default_rng(1)
    a = np.zeros((50, 30))
    a[:, :20] = rng.uniform(0, 100, (50, 20))
    p = rng.uniform(0, 1, 50)
    out = deferred_cash(a, 1, 4, p)
    assert out.sum(axis=1) == pytest.approx(a.sum(axis=1))
    assert np.all(np.cumsum(out, axis=1) <= np.cumsum(a, axis=1) + 1e-9)


def test_subsidy_ends_fifteen_years_after_grid_connection():
    cal = Calendar(2018, 25, dt.date(2019, 5, 1))
    rs = shanxi_shares(cal, ShanxiTariff(), "yishou-dingzhi", None)
    assert rs.subsidy_end == dt.date(2034, 5, 1)
    t2034 = 2034 - 2018
    # 2034: Jan–Apr subsidised (4 of 12 months), May–Dec at the coal base
    assert rs.shares["deferred"][t2034] == pytest.approx(4 / 12)
    assert rs.shares["base"][t2034] == pytest.approx(8 / 12)
    assert rs.shares["deferred"][t2034 + 1] == 0.0
    # 2019: May–Dec at the 0.509 benchmark paid in full; 2021: Jan–Apr benchmark, May–Dec 以收定支
    assert rs.shares["benchmark"][1] == pytest.approx(8 / 12)
    assert rs.shares["benchmark"][3] == pytest.approx(4 / 12)
    assert rs.shares["deferred"][3] == pytest.approx(8 / 12)


def test_approval_after_cutoff_gets_the_coal_base_only(make_scenario):
    e = evaluate(make_scenario(tariff={"approval_date": "2020-08-07"}))
    assert e.line("tariff_subsidy_accrued").sum() == 0.0
    assert e.line("rev_grid_now")[2] == pytest.approx(e.line("power_grid_kwh")[2] * 0.332)
    assert any("cut-off" in n for n in e.compiled.notes)
    # the alternative cut-off dates named in the policy notes move the line
    e2 = evaluate(make_scenario(tariff={"approval_date": "2020-12-01", "approval_cutoff": "2021-02-01"}))
    assert e2.line("tariff_subsidy_accrued").sum() > 0


def test_commissioning_paid_at_80_percent_of_base(make_scenario):
    e = evaluate(make_scenario(timeline={"operation_start": "2021-07", "commissioning_months": 6,
                                         "commissioning_load_frac": 0.5},
                               tariff={"approval_date": "2021-01-01"}))
    t = 1  # 2021: Jul–Dec commissioning at half load
    assert e.line("kwh_commissioning")[t] == pytest.approx(e.line("power_grid_kwh")[t])
    assert e.line("rev_grid_now")[t] / e.line("power_grid_kwh")[t] == pytest.approx(0.8 * 0.332)
    full = e.line("power_grid_kwh")[3]
    assert e.line("power_grid_kwh")[t] == pytest.approx(full * 6 / 12 * 0.5)


def test_flat_tariff_with_time_limited_adder(make_scenario):
    # Shaanxi style: 2005 benchmark (a user value here) + 0.25 元/kWh for 3 years
    e = evaluate(make_scenario(tariff={"kind": "flat", "price_yuan_per_kwh": 0.35, "adder_yuan_per_kwh": 0.25,
                                       "adder_years": 3}))
    g = e.line("power_grid_kwh")
    assert e.line("rev_grid_now")[1] == pytest.approx(g[1] * 0.60)
    assert e.line("rev_grid_now")[4] == pytest.approx(g[4] * 0.35)


# --- subsidies --------------------------------------------------------------------------------------------------

def test_award_volume_by_hand():
    # last year V=100, H=40; this year V=112 (growth 12 % → k = 1.75), H=50:
    # A = 100 + 1.5 × (50 − 40) + 12 × 1.75 = 136
    assert float(sub.award_volume(112, 50, 100, 40)) == pytest.approx(136.0)
    # a decline of 8 % is deducted with k = 1.5: A = 100 + 1.5 × (30 − 40) − 8 × 1.5 = 73
    assert float(sub.award_volume(92, 30, 100, 40)) == pytest.approx(73.0)
    assert float(sub.award_volume(10, 0, 100, 90)) == 0.0  # floored at zero
    assert sub.growth_coefficient([0.0, 0.05, 0.1999, 0.2, 3.0]).tolist() == [1.25, 1.5, 1.75, 2.0, 2.0]
    assert float(sub.counted_volume(100.0, shale_nm3=10.0)) == pytest.approx(130.0)  # CBM × 1.2


def test_award_series_and_allocation():
    a = sub.award_series(np.array([100.0, 110.0, 110.0]), np.array([40.0, 40.0, 50.0]), counted_before_nm3=100.0,
                         heating_before_nm3=40.0)
    # yr 1: no growth → 100; yr 2: +10 % (band 10–20 %, k 1.75) → 100 + 10 × 1.75; yr 3: flat, heating +10 → 110 + 15
    assert a.tolist() == pytest.approx([100.0, 117.5, 125.0])
    assert float(sub.allocate_fund(1e9, 2e6, 1e9)) == pytest.approx(2e6)
    with pytest.raises(InputError):
        sub.allocate_fund(1e9, 1, 0)


def test_guizhou_rules():
    assert sub.guizhou_cmm_rate([0.3, 0.35, 0.55, 0.56]).tolist() == [0.0, 0.1, 0.1, 0.2]
    assert sub.guizhou_power_one_off(1000) == 5e5 and sub.guizhou_power_one_off(1001) == 8e5


def test_policy_library_is_dated_and_sourced():
    lib = policies.library()
    assert {"policy.shanxi.gas-power-tariff", "policy.central.cbm-utilization-subsidy", "policy.china.vat",
            "policy.china.ccer", "policy.guizhou.cmm-support", "policy.shaanxi.cmm-support"} <= set(lib)
    for ps in lib.values():
        assert ps.kind == "policy" and ps.sources
        for p in ps.parameters.values():
            assert p.source is not None
    sx = policies.shanxi_tariff()
    assert (sx.benchmark_yuan_per_kwh, sx.coal_base_yuan_per_kwh, sx.low_price_yuan_per_kwh) == (0.509, 0.332, 0.4048)
    assert sx.approval_cutoff == dt.date(2020, 8, 7) and sx.subsidy_years == 15
    assert sx.commissioning_price_frac * sx.coal_base_yuan_per_kwh == pytest.approx(0.2656)
    assert policies.central_fixed_rate(dt.date(2010, 6, 1)) == 0.2
    assert policies.central_fixed_rate(dt.date(2017, 6, 1)) == 0.3
    assert policies.central_fixed_rate(dt.date(2020, 6, 1)) is None
    assert policies.growth_tiers()[-1].k == 2.0
    assert policies.value(policies.CENTRAL_SUBSIDY, "cbm_volume_factor") == 1.2
    assert policies.provincial_rate(policies.SHANXI_SUBSIDY, dt.date(2016, 1, 1)) == 0.10
    with pytest.raises(InputError):
        policies.provincial_rate(policies.SHANXI_SUBSIDY, dt.date(2020, 1, 1))
    with pytest.raises(InputError, match="unknown policy"):
        policies.load("policy.nope")


def test_dated_central_rates_apply_year_by_year(make_scenario):
    e = evaluate(make_scenario(timeline={"start_year": 2013, "operation_start": "2014-01", "operating_years": 8},
                               subsidies={"utilization_policies": ["policy.central.cbm-utilization-subsidy"]}))
    used = e.line("ch4_used_nm3")
    rate = e.line("util_subsidy")[1:9] / used[1:9]
    assert rate.tolist() == pytest.approx([0.2, 0.2, 0.3, 0.3, 0.3, 0.0, 0.0, 0.0])  # 2014 … 2021


def test_tiered_mode_runs_and_declines_are_deducted(make_scenario):
    e = evaluate(make_scenario(supply={"profile": "decline", "decline_frac_per_year": 0.1},
                               subsidies={"utilization_mode": "tiered", "tiered_yuan_per_award_nm3": 0.3}))
    award = e.line("award_volume_m3")
    counted = 1.2 * e.line("ch4_used_nm3")
    # a 10 % yearly decline falls in the 10–20 % band and is deducted at k = 1.75: the award is below the volume
    assert award[3] < counted[3]
    assert e.line("util_subsidy")[3] == pytest.approx(award[3] * 0.3)


def test_guizhou_and_shaanxi_policies_in_a_scenario(make_scenario):
    tl = {"start_year": 2021, "operation_start": "2022-01", "operating_years": 6}
    g = evaluate(make_scenario(timeline=tl, tariff={"kind": "flat", "price_yuan_per_kwh": 0.35},
                               subsidies={"utilization_policies": ["policy.guizhou.cmm-support"],
                                          "mine_utilization_frac": 0.6}))
    used = g.line("ch4_used_nm3")
    # 2022–2025 inside the 2021–2025 validity: 0.2 元/m³ above 55 % utilization; 2026+ nothing
    assert (g.line("util_subsidy")[1:5] / used[1:5]).tolist() == pytest.approx([0.2] * 4)
    assert g.line("util_subsidy")[5] == 0.0
    assert g.line("one_off_award")[1] == 8e5  # 4000 kW > 1000 kW: 80万元
    with pytest.raises(InputError, match="utilization rate"):
        evaluate(make_scenario(timeline=tl, subsidies={"utilization_policies": ["policy.guizhou.cmm-support"]}))
    s = evaluate(make_scenario(timeline=tl, tariff={"kind": "flat", "price_yuan_per_kwh": 0.3,
                                                    "adder_yuan_per_kwh": 0.25, "adder_years": 15},
                               subsidies={"utilization_policies": ["policy.shaanxi.cmm-support"]}))
    assert s.line("util_subsidy")[2] / s.line("ch4_used_nm3")[2] == pytest.approx(0.1)
