"""The contradiction notes: every contradiction of SEEDS-DIGEST.md is recorded, and every computed figure in a
note is reproduced here from the data sets (or, for case figures not held in a data set, from the note's own
printed inputs, which are cross-checked against the data sets where they are held)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from data_api.refdata_common import REFERENCE_IDS
from minegas import data
from minegas.physics.density import density

C = "reference.seeds.contradictions"
B = "reference.jincheng.baseline-2021"
T = "reference.jincheng.cluster-targets"
S = "reference.shanxi.mine-classes-2019"
N = "reference.national.context"
W = "reference.technology.concentration-windows"

# Every contradiction listed in SEEDS-DIGEST.md ("Contradictions in the text" of seed 000 and the whole
# "More contradictions in the seeds" section), plus the 表13 column mix-up noted among seed 003's cases.
DIGEST_CONTRADICTIONS = {
    # 000, "Contradictions in the text"
    "chemical-2025-value", "storage-value-year", "processing-subitems-sum", "utilization-subitems-sum",
    # 000, "More contradictions"
    "output-per-km2", "mine-gas-plants-kept", "peaked-yet-rising", "mine-gas-use-below-60pct",
    "lng-storage-ratio", "chemical-unit-value", "allocation-2030-exceeds-supply", "storage-demand-implied",
    "eight-goals-lists-seven", "six-vs-seven-universities", "shanxi-share-of-china-resource",
    # 000, the 2030 figures labelled "2025" (digest "Other plan figures")
    "mine-gas-2030-labelled-2025",
    # 003, "More contradictions"
    "tariff-notice-date", "subsidy-cutoff-dates", "case4-settlement-vs-no-subsidy", "case4-one-sixth-vs-50-70",
    "case4-design-vs-released", "case4-destroyed-fraction", "case1-table-vs-text", "case2-turbine-13mw",
    "case3-adsorbent-200-wan-t", "case3-feed-concentration", "case3-tail-product", "case3-revenue", "case3-roi",
    "case3-profit", "vam-definition", "shanxi-growth-rate", "implied-gwp", "cost-premium-150pct",
    # 003, digest "Unit cost (table 13)"
    "table13-case-label",
}
LOCAL_ONLY_NOTES = {"symbols-lost-in-conversion"}  # data-quality notes that are not contradictions


def _pt(ref: data.Catalog, indicator: str, year: int) -> float:
    pt = ref.table(T, "physical_targets")
    rows = pt[(pt.indicator == indicator) & (pt.year == year)]
    assert len(rows) == 1, (indicator, year)
    return float(rows.iloc[0].value)


def _sub_items(ref: data.Catalog, cluster: str) -> pd.DataFrame:
    items = ref.table(T, "cluster_sub_items")
    return items[items.cluster == cluster].set_index("item")


def _cluster(ref: data.Catalog, cluster: str, year: int) -> float:
    return float(ref.table(T, "cluster_output_value").set_index("cluster").loc[cluster, f"y{year}_yi_yuan"])


Checker = Callable[[data.Catalog, dict[str, Any]], dict[str, float]]


def _chemical_2025(ref: data.Catalog, f: dict[str, Any]) -> dict[str, float]:
    util = _sub_items(ref, "utilization")["y2025_yi_yuan"].copy()
    util["chemical"] = _pt(ref, "chemical_gas_sales_value", 2025)
    return {"computed_utilization_sum_with_55_yi_yuan": util.sum()}


def _sum(cluster: str) -> Checker:
    def check(ref: data.Catalog, f: dict[str, Any]) -> dict[str, float]:
        items = _sub_items(ref, cluster)
        return {"computed_sum_2025_yi_yuan": items["y2025_yi_yuan"].sum(),
                "computed_sum_2030_yi_yuan": items["y2030_yi_yuan"].sum()}
    return check


def _per_km2(ref: data.Catalog, f: dict[str, Any]) -> dict[str, float]:
    v = lambda n: ref.value(B, n)  # noqa: E731
    return {  # 亿 m³ / km² → 万 m³/km²: × 1e8 / 1e4
        "computed_wan_m3_per_km2": v("surface_output_2021_yi_m3") * 1e4 / v("rights_area_km2"),
        "computed_shanxi_wan_m3_per_km2": v("shanxi_output_2021_yi_m3") * 1e4 / (v("shanxi_rights_area_wan_km2") * 1e4),
        "computed_china_wan_m3_per_km2": v("china_output_2021_yi_m3") * 1e4 / (v("china_rights_area_wan_km2") * 1e4),
    }


def _plants_kept(ref: data.Catalog, f: dict[str, Any]) -> dict[str, float]:
    pt = ref.table(T, "physical_targets").set_index("indicator")
    kept_mw = pt.loc["mine_gas_chp_capacity", "value"] * 1e4 / 1e3  # 万 kW → MW
    return {"computed_kept_capacity_mw": kept_mw,
            "computed_capacity_increase_mw": kept_mw - ref.value(B, "mine_gas_power_capacity_mw")}


def _peaked(ref: data.Catalog, f: dict[str, Any]) -> dict[str, float]:
    return {"computed_power_growth_2021_2030_pct":
            (_pt(ref, "mine_gas_power_generation", 2030) / ref.value(B, "mine_gas_power_generation_2021_yi_kwh") - 1) * 100}


def _use_60pct(ref: data.Catalog, f: dict[str, Any]) -> dict[str, float]:
    out = {}
    for y in (2025, 2030):
        use = _pt(ref, "mine_gas_power_gas", y) + _pt(ref, "mine_gas_heating_domestic_gas", y)
        out[f"computed_use_{y}_yi_m3"] = use
        out[f"computed_utilization_{y}_pct"] = use / _pt(ref, "underground_drainage", y) * 100
    return out


def _lng_ratio(ref: data.Catalog, f: dict[str, Any]) -> dict[str, float]:
    pt = ref.table(T, "physical_targets").set_index("indicator")["value"]
    planned = pt["lng_peak_shaving_storage"] * 1e8 / (pt["lng_peak_shaving_tank"] * 1e4 * pt["lng_peak_shaving_tanks"])
    existing = ref.value(B, "storage_gas_capacity_wan_m3") / ref.value(B, "storage_tank_volume_wan_m3")
    return {"computed_planned_ratio": planned, "computed_existing_ratio": existing}


def _chem_unit(ref: data.Catalog, f: dict[str, Any]) -> dict[str, float]:
    return {  # 亿元 / 亿 m³ = 元/m³
        "computed_2025_yuan_per_m3": _pt(ref, "chemical_gas_sales_value", 2025) / _pt(ref, "chemical_gas", 2025),
        "computed_2030_yuan_per_m3": _pt(ref, "chemical_gas_sales_value", 2030) / _pt(ref, "chemical_gas", 2030),
        "computed_cluster_2025_yuan_per_m3": _sub_items(ref, "utilization").loc["chemical", "y2025_yi_yuan"]
        / _pt(ref, "chemical_gas", 2025),
    }


def _allocation(ref: data.Catalog, f: dict[str, Any]) -> dict[str, float]:
    lng_feed = _pt(ref, "lng_output", 2030) * ref.value(B, "lng_feed_gas_2021_yi_m3") / ref.value(B, "lng_output_2021_wan_t")
    allocated = (_pt(ref, "residential_gas", 2030) + _pt(ref, "public_commercial_gas", 2030)
                 + _pt(ref, "chemical_gas", 2030) + _pt(ref, "mine_gas_power_gas", 2030)
                 + _pt(ref, "mine_gas_heating_domestic_gas", 2030) + lng_feed
                 + _pt(ref, "cng_gas", 2030) + _pt(ref, "export_cap", 2030))
    return {"computed_lng_feed_2030_yi_m3": lng_feed, "computed_allocated_2030_yi_m3": allocated}


def _storage_demand(ref: data.Catalog, f: dict[str, Any]) -> dict[str, float]:
    return {  # 万 m³ → 亿 m³: / 1e4
        "computed_demand_from_3_days_yi_m3": ref.value(B, "storage_need_government_3_days_wan_m3") * 365
        / ref.value(B, "storage_rule_government_days") / 1e4,
        "computed_demand_from_5pct_yi_m3": ref.value(B, "storage_need_city_gas_5pct_wan_m3")
        / (ref.value(B, "storage_rule_city_gas_pct") / 100) / 1e4,
    }


def _count(key: str, out: str) -> Checker:
    return lambda ref, f: {out: len(f[key].split("、"))}


def _shanxi_share(ref: data.Catalog, f: dict[str, Any]) -> dict[str, float]:
    return {"computed_share_pct": ref.value(B, "shanxi_resource_wan_yi_m3") / ref.value(B, "china_resource_wan_yi_m3") * 100}


def _case4_tariff(ref: data.Catalog, f: dict[str, Any]) -> dict[str, float]:
    return {"computed_tariff_yuan_per_kwh": f["share_of_base"] * f["coal_base_yuan_per_kwh"]}


def _case4_sixth(ref: data.Catalog, f: dict[str, Any]) -> dict[str, float]:
    return {"computed_case4_fraction_pct": 100 / 6,
            "computed_case1_fraction_pct": f["case1_destroyed_wan_nm3"] / f["case1_design_wan_nm3"] * 100}


def _case4_design(ref: data.Catalog, f: dict[str, Any]) -> dict[str, float]:
    design = f["rto_count"] * f["rto_flow_nm3_h"] * f["blend_pct"] / 100 * f["hours_per_year"] / 1e4
    return {"computed_design_wan_nm3": design, "computed_design_over_released": design / f["released_wan_m3"]}


def _case4_destroyed(ref: data.Catalog, f: dict[str, Any]) -> dict[str, float]:
    return {"computed_fraction_pct": f["destroyed_wan_nm3"] / f["design_wan_nm3"] * 100,
            "computed_one_sixth_wan_nm3": f["design_wan_nm3"] / 6}


def _adsorbent(ref: data.Catalog, f: dict[str, Any]) -> dict[str, float]:
    return {"computed_t_at_min": f["cost_min_wan_yuan"] / f["price_min_wan_yuan_per_t"],
            "computed_t_at_max": f["cost_max_wan_yuan"] / f["price_max_wan_yuan_per_t"]}


def _tail(ref: data.Catalog, f: dict[str, Any]) -> dict[str, float]:
    # CH4 balance: F·cf = P·cp + (F − P)·ct  ⇒  P = F (cf − ct) / (cp − ct)
    return {"computed_product_nm3_h":
            f["feed_nm3_h"] * (f["feed_pct"] - f["tail_pct"]) / (f["product_pct"] - f["tail_pct"])}


def _growth(ref: data.Catalog, f: dict[str, Any]) -> dict[str, float]:
    a, b = ref.value(S, "unconventional_gas_output_2015_yi_m3"), ref.value(S, "unconventional_gas_output_2020_yi_m3")
    return {"computed_pct_per_year": ((b / a) ** (1 / f["years"]) - 1) * 100}


def _gwp(ref: data.Catalog, f: dict[str, Any]) -> dict[str, float]:
    rho_t_per_m3 = f["density_kg_m3"] / 1000
    return {
        "computed_seed001_gwp": f["seed001_co2_wan_t"] * 1e4 / (f["seed001_gas_yi_m3"] * 1e8 * rho_t_per_m3),
        "computed_case1_gwp": f["case1_co2_wan_t"] / (f["case1_ch4_wan_nm3"] * rho_t_per_m3),
        "computed_case2_gwp": f["case2_co2_wan_t"] / (f["case2_ch4_wan_m3"] * rho_t_per_m3),
        "computed_case5_gwp": f["case5_co2_wan_t"] / (f["case5_ch4_wan_m3"] * rho_t_per_m3),
    }


def _premium(ref: data.Catalog, f: dict[str, Any]) -> dict[str, float]:
    base = ref.value(N, "wind_pv_unit_cost_yuan_per_kw")
    return {"computed_vam_premium_pct": (f["vam_yuan_per_kw"] / base - 1) * 100,
            "computed_low_conc_premium_pct": (f["low_conc_yuan_per_kw"] / base - 1) * 100}


def _table13(ref: data.Catalog, f: dict[str, Any]) -> dict[str, float]:
    kw = f["capacity_mw"] * 1000
    return {"computed_unit_cost_yuan_per_kw": f["investment_wan_yuan"] * 1e4 / kw,
            "computed_case2_unit_cost_yuan_per_kw": f["case2_investment_wan_yuan"] * 1e4 / kw,
            "computed_vam_unit_cost_yuan_per_kw":
            (f["vam_investment_min_yi_yuan"] + f["vam_investment_max_yi_yuan"]) / 2 * 1e8 / (f["vam_capacity_mw"] * 1000)}


CHECKS: dict[str, Checker] = {
    "chemical-2025-value": _chemical_2025,
    "processing-subitems-sum": _sum("processing-storage-transport"),
    "utilization-subitems-sum": _sum("utilization"),
    "output-per-km2": _per_km2,
    "mine-gas-plants-kept": _plants_kept,
    "peaked-yet-rising": _peaked,
    "mine-gas-use-below-60pct": _use_60pct,
    "lng-storage-ratio": _lng_ratio,
    "chemical-unit-value": _chem_unit,
    "allocation-2030-exceeds-supply": _allocation,
    "storage-demand-implied": _storage_demand,
    "eight-goals-lists-seven": _count("listed_goals_zh", "computed_listed_goal_count"),
    "six-vs-seven-universities": _count("listed_universities_zh", "computed_listed_university_count"),
    "shanxi-share-of-china-resource": _shanxi_share,
    "case4-settlement-vs-no-subsidy": _case4_tariff,
    "case4-one-sixth-vs-50-70": _case4_sixth,
    "case4-design-vs-released": _case4_design,
    "case4-destroyed-fraction": _case4_destroyed,
    "case3-adsorbent-200-wan-t": _adsorbent,
    "case3-tail-product": _tail,
    "case3-revenue": lambda ref, f: {"computed_revenue_wan_yuan": f["ch4_wan_nm3"] * f["price_yuan_per_m3"]},
    "case3-roi": lambda ref, f: {"computed_investment_wan_yuan": f["profit_wan_yuan"] / (f["roi_pct"] / 100)},
    "case3-profit": lambda ref, f: {"computed_profit_wan_yuan": f["ch4_wan_nm3"] * f["net_profit_yuan_per_m3"]},
    "shanxi-growth-rate": _growth,
    "implied-gwp": _gwp,
    "cost-premium-150pct": _premium,
    "table13-case-label": _table13,
}


def _decimals(x: float) -> int:
    s = repr(float(x))
    return 0 if isinstance(x, int) else len(s.split(".")[1]) if "." in s and "e" not in s else 0


def _matches(stored: float, expected: float) -> bool:
    """``stored`` is ``expected`` rounded to the decimals it is written with."""
    return abs(stored - expected) <= 0.5 * 10 ** -_decimals(stored) + 1e-9


def _central(ref: data.Catalog) -> dict[str, data.NoteRecord]:
    return {n.id: n for n in ref.notes(C)}


def test_every_digest_contradiction_is_recorded(ref: data.Catalog) -> None:
    central = _central(ref)
    assert set(central) == DIGEST_CONTRADICTIONS
    for n in central.values():
        assert n.source and n.citation and n.citation.startswith("seed 00"), n.id
        assert len(n.text) > 60, n.id


def test_every_computed_figure_has_a_check() -> None:
    # a computed_* figure without a check would go unverified
    for note_id, check in CHECKS.items():
        assert note_id in DIGEST_CONTRADICTIONS, note_id
        assert callable(check)


@pytest.mark.parametrize("set_id", sorted(REFERENCE_IDS))
def test_computed_figures_reproduce(ref: data.Catalog, set_id: str) -> None:
    central = _central(ref)
    for n in ref.notes(set_id):
        computed = {k: v for k, v in n.figures.items() if k.startswith("computed_")}
        if not computed:
            continue
        assert n.id in CHECKS, f"{set_id}: note {n.id} has computed figures but no check"
        expected = CHECKS[n.id](ref, central[n.id].figures)
        for key, stored in computed.items():
            assert key in expected, f"{set_id}: note {n.id}: no check for {key}"
            assert _matches(stored, expected[key]), f"{set_id}: note {n.id}: {key} = {stored}, computed {expected[key]}"


def test_central_notes_compute_every_check(ref: data.Catalog) -> None:
    # the other direction: each check's figures are all stated in the central note
    central = _central(ref)
    for note_id, check in CHECKS.items():
        stated = {k for k in central[note_id].figures if k.startswith("computed_")}
        assert set(check(ref, central[note_id].figures)) == stated, note_id


def test_local_notes_point_to_a_contradiction(ref: data.Catalog) -> None:
    central = _central(ref)
    for set_id in REFERENCE_IDS - {C}:
        for n in ref.notes(set_id):
            assert n.id in central or n.id in LOCAL_ONLY_NOTES, f"{set_id}: note {n.id}"
            if n.id in central:
                assert "reference.seeds.contradictions" in n.text
                # a figure stated in both places has the same value
                for k, v in n.figures.items():
                    if k in central[n.id].figures:
                        assert central[n.id].figures[k] == v, (set_id, n.id, k)


def test_note_inputs_agree_with_the_data_sets(ref: data.Catalog) -> None:
    """Printed inputs repeated in a note are the figures the data sets hold."""
    f = {n.id: n.figures for n in ref.notes(C)}
    bv = lambda n: ref.value(B, n)  # noqa: E731
    assert f["output-per-km2"]["surface_output_2021_yi_m3"] == bv("surface_output_2021_yi_m3")
    assert f["output-per-km2"]["rights_area_km2"] == bv("rights_area_km2")
    assert f["output-per-km2"]["printed_wan_m3_per_km2"] == bv("output_per_rights_area_wan_m3_per_km2")
    assert f["mine-gas-plants-kept"]["baseline_plants_2021"] == bv("mine_gas_power_plants_count")
    assert f["mine-gas-plants-kept"]["kept_plants"] == _pt_any(ref, "mine_gas_chp_plants")
    assert f["mine-gas-use-below-60pct"]["power_gas_2025_yi_m3"] == _pt(ref, "mine_gas_power_gas", 2025)
    assert f["mine-gas-use-below-60pct"]["drained_2025_yi_m3"] == _pt(ref, "underground_drainage", 2025)
    assert f["mine-gas-use-below-60pct"]["promised_min_utilization_pct"] == _pt_any(ref, "underground_utilization_floor")
    assert f["chemical-2025-value"]["cluster_paragraph_2025_yi_yuan"] == _sub_items(ref, "utilization").loc[
        "chemical", "y2025_yi_yuan"]
    assert f["chemical-2025-value"]["chemical_section_2025_yi_yuan"] == _pt(ref, "chemical_gas_sales_value", 2025)
    assert f["chemical-2025-value"]["printed_utilization_2025_yi_yuan"] == _cluster(ref, "utilization", 2025)
    assert f["processing-subitems-sum"]["printed_2030_yi_yuan"] == _cluster(ref, "processing-storage-transport", 2030)
    assert f["utilization-subitems-sum"]["printed_2030_yi_yuan"] == _cluster(ref, "utilization", 2030)
    assert f["storage-value-year"]["value_yi_yuan"] == _sub_items(ref, "processing-storage-transport").loc[
        "storage-peak-shaving", "y2030_yi_yuan"]
    assert f["allocation-2030-exceeds-supply"]["supply_2030_yi_m3"] == _pt(ref, "cbm_output", 2030)
    assert f["storage-demand-implied"]["local_use_2021_yi_m3"] == bv("local_use_2021_yi_m3")
    assert f["shanxi-share-of-china-resource"]["seed003_share_pct"] == ref.value(S, "cbm_resource_share_of_china_pct")
    assert f["shanxi-growth-rate"]["printed_pct_per_year"] == ref.value(
        S, "unconventional_gas_growth_2015_2020_pct_per_year")
    assert f["vam-definition"]["vam_max_pct"] == ref.value(W, "vam_definition_max_pct")
    assert f["vam-definition"]["vam_share_of_underground_pct"] == ref.value(N, "vam_share_of_underground_pct")
    assert f["implied-gwp"]["seed001_co2_wan_t"] == ref.value(N, "rule_of_thumb_co2_cut_wan_t")
    assert f["implied-gwp"]["seed001_gas_yi_m3"] == ref.value(N, "rule_of_thumb_gas_yi_m3")
    # the density used for the implied GWPs is the named density 'cn-2015' (docs/conventions.md §2)
    assert f["implied-gwp"]["density_kg_m3"] == density("cn-2015").kg_m3
    case4 = f["case4-design-vs-released"]
    assert case4["blend_pct"] == ref.value(W, "rto_blend_pct")
    assert case4["rto_flow_nm3_h"] == ref.quantity(W, "rto_unit_flow").base_value
    assert f["cost-premium-150pct"]["wind_pv_yuan_per_kw"] == ref.value(N, "wind_pv_unit_cost_yuan_per_kw")
    labelled = f["mine-gas-2030-labelled-2025"]
    assert labelled["second_power_yi_kwh"] == _pt(ref, "mine_gas_power_generation", 2030)


def _pt_any(ref: data.Catalog, indicator: str) -> float:
    pt = ref.table(T, "physical_targets")
    rows = pt[pt.indicator == indicator]
    assert len(rows) == 1
    return float(rows.iloc[0].value)


# --- the brief's worked examples, spelled out -----------------------------------------------------------------

def test_mine_gas_2025_use_is_59_1_pct_of_drainage(ref: data.Catalog) -> None:
    # seed 000 第四章: 2025 power gas 10.12 + mine heating/domestic 2.88 = 13.0亿 m³ of 22亿 m³ drained
    use = _pt(ref, "mine_gas_power_gas", 2025) + _pt(ref, "mine_gas_heating_domestic_gas", 2025)
    assert use == pytest.approx(13.0)
    assert round(use / _pt(ref, "underground_drainage", 2025) * 100, 1) == 59.1
    assert use / _pt(ref, "underground_drainage", 2025) * 100 < _pt_any(ref, "underground_utilization_floor")


def test_sub_item_sums_from_table_rows(ref: data.Catalog) -> None:
    proc = _sub_items(ref, "processing-storage-transport")
    util = _sub_items(ref, "utilization")
    assert round(proc["y2025_yi_yuan"].sum(), 2) == 97.19  # 1.69 + 60 + 23 + 12.5 → 97.2, printed 97
    assert round(proc["y2030_yi_yuan"].sum(), 2) == 129.25  # 1.75 + 89 + 13 + 25.5 → 129.3, printed 129
    assert round(util["y2025_yi_yuan"].sum(), 2) == 143.8  # 6.8 + 7 + 6 + 84 + 18 + 22, printed 144
    assert round(util["y2030_yi_yuan"].sum(), 2) == 219.5  # 7.5 + 8 + 7 + 100 + 72 + 25, printed 220
    comp = ref.table(T, "sub_item_components").set_index("parent")
    # the printed subtotals agree with the sums: 加工 61.7 + 储运 35.5 = 97.2; 90.8 + 38.5 = 129.3
    assert comp.loc["processing", "y2025_yi_yuan"] + comp.loc["storage-transport", "y2025_yi_yuan"] == pytest.approx(97.2)
    assert comp.loc["processing", "y2030_yi_yuan"] + comp.loc["storage-transport", "y2030_yi_yuan"] == pytest.approx(129.3)


def test_output_per_km2_is_155_4_not_159_5(ref: data.Catalog) -> None:
    # 42.67亿 m³ / 2744.988 km² = 1.5545e6 m³/km² = 155.4万 m³/km²
    assert round(42.67e8 / 2744.988 / 1e4, 1) == 155.4
    assert ref.value(B, "output_per_rights_area_wan_m3_per_km2") == 159.5  # stored as printed


def test_rounding_rule_rejects_wrong_figures() -> None:
    # the comparison used above is strict enough to catch a wrong stored figure
    assert _matches(155.4, 155.45) and not _matches(155.4, 155.6)
    assert _matches(4714, 4714.29) and not _matches(4714, 4715.0)
    assert _matches(781.25, 781.25) and not _matches(781.25, 781.3)
