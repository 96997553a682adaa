"""The shipped reference sets: every file validates, ids are unique, every cited source is declared, every quoted
figure is in its seed, and spot checks of figures against the seed text quoted here."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from data_api.refdata_common import REFERENCE_IDS, squash
from minegas import data
from minegas.paramsets import ParamSet

QUOTE = re.compile(r"「(.*?)」")
SEED_OF_SOURCE = re.compile(r"^s(000|001|003)-")

# Parameters whose printed figure is a word, not digits: the word that must appear in the value quote.
VALUE_WORDS = {
    ("reference.shanxi.mine-classes-2019", "cmm_use_2020_share_of_china_pct"): "一半多",  # more than half
    ("reference.shanxi.mine-classes-2019", "cbm_resource_share_of_china_pct"): "三成",  # three tenths
    ("reference.national.context", "low_concentration_share_of_coal_ch4_pct"): "九成",  # nine tenths
}


def _all_shipped_files() -> list[str]:
    root = data.data_dir()
    return sorted(str(p.resolve()) for ext in ("*.yaml", "*.yml") for p in root.rglob(ext))


# ---------------------------------------------------------------------------------------------------------------
# validation, ids, sources
# ---------------------------------------------------------------------------------------------------------------

def test_every_shipped_file_validates_with_unique_ids() -> None:
    data.clear_cache()
    sets = data.list_paramsets()
    ids = [s.id for s in sets]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    # every file under data/ was loaded, each exactly once
    assert sorted(str(Path(s.path).resolve()) for s in sets) == _all_shipped_files()
    assert REFERENCE_IDS <= set(ids)


def test_ids_follow_kind_scope_name_convention() -> None:
    # docs/conventions.md §8: dotted id <kind>.<scope>.<name>
    for s in data.list_paramsets():
        parts = s.id.split(".")
        assert len(parts) >= 3, s.id
        assert parts[0] == s.kind, f"{s.path}: id {s.id} does not start with its kind {s.kind}"
        assert all(re.fullmatch(r"[a-z0-9][a-z0-9-]*", p) for p in parts), s.id


def test_reference_folder_holds_exactly_the_six_sets(ref: data.Catalog) -> None:
    assert set(ref.ids()) == REFERENCE_IDS
    for s in ref.summaries():
        assert s.kind == "reference"
        assert s.title.get("zh") and s.title.get("en")


def _raw(ps: ParamSet) -> dict[str, Any]:
    return yaml.safe_load(Path(ps.path or "").read_text(encoding="utf-8"))


@pytest.mark.parametrize("set_id", sorted(REFERENCE_IDS))
def test_every_cited_source_is_declared(ref: data.Catalog, set_id: str) -> None:
    # checked on the raw YAML, independently of the loader's own checks
    raw = _raw(ref.load(set_id))
    declared = [s["id"] for s in raw["sources"]]
    assert len(declared) == len(set(declared)), "duplicate source ids"
    cited: list[tuple[str, str]] = []
    for name, p in (raw.get("parameters") or {}).items():
        cited.append((f"parameters.{name}", p["source"]))
    for name, t in (raw.get("tables") or {}).items():
        cited.append((f"tables.{name}", t["source"]))
        for i, row in enumerate(t["rows"]):
            if "source" in row:
                for sid in row["source"] if isinstance(row["source"], list) else [row["source"]]:
                    cited.append((f"tables.{name}.rows.{i}", sid))
            if "section" in row:
                cited.append((f"tables.{name}.rows.{i}.section", row["section"]))
    for i, n in enumerate(raw.get("notes") or []):
        cited.append((f"notes.{i}", n["source"]))
    missing = [(where, sid) for where, sid in cited if sid not in declared]
    assert not missing
    # every figure carries a source and a confidence; seed figures are 'verified' (what the document says)
    for name, p in (raw.get("parameters") or {}).items():
        assert p["source"] and p["unit"] is not None and p["confidence"] in ("verified", "secondary"), name
    unused = set(declared) - {sid for _, sid in cited}
    assert not unused, f"declared but never cited: {unused}"


@pytest.mark.parametrize("set_id", sorted(REFERENCE_IDS))
def test_note_ids_unique_within_set(ref: data.Catalog, set_id: str) -> None:
    ids = [n.id for n in ref.load(set_id).notes]
    assert len(ids) == len(set(ids))


# ---------------------------------------------------------------------------------------------------------------
# quotes against the seed documents
# ---------------------------------------------------------------------------------------------------------------

def _printed_forms(v: Any) -> set[str]:
    forms = {str(v)}
    if isinstance(v, float) and v.is_integer():
        forms.add(str(int(v)))
    if isinstance(v, int | float) and abs(v) >= 1000:
        forms.add(f"{v:,}")
    return forms


def _seed_of(source: Any) -> str | None:
    if isinstance(source, list):
        source = source[0] if source else None
    m = SEED_OF_SOURCE.match(str(source or ""))
    return m.group(1) if m else None


def test_every_quote_is_in_its_seed_and_holds_the_value(ref: data.Catalog, seeds: dict[str, str]) -> None:
    checked = 0
    problems: list[str] = []
    for set_id in sorted(REFERENCE_IDS):
        ps = ref.load(set_id)
        for name, p in ps.parameters.items():
            quotes = QUOTE.findall(p.note or "")
            seed = _seed_of(p.source)
            if seed is None:
                continue
            assert quotes, f"{set_id}:{name} has no 「quote」 from seed {seed}"
            for k, q in enumerate(quotes):
                checked += 1
                if squash(q) not in seeds[seed]:
                    problems.append(f"{set_id}:{name}: not in seed {seed}: {q}")
                elif k == 0:
                    word = VALUE_WORDS.get((set_id, name))
                    if word is not None:
                        ok = word in q
                    else:
                        ok = any(f in squash(q) for f in _printed_forms(p.value))
                    if not ok:
                        problems.append(f"{set_id}:{name}: value {p.value} not in its quote {q}")
        for tname, t in ps.tables.items():
            seed_t = _seed_of(t.source)
            for q in QUOTE.findall(t.note or ""):
                checked += 1
                if seed_t and squash(q) not in seeds[seed_t]:
                    problems.append(f"{set_id}:{tname}: not in seed {seed_t}: {q}")
            for i, row in enumerate(t.rows):
                if "quote" not in row:
                    continue
                seed_r = _seed_of(row.get("source") or t.source)
                assert seed_r, f"{set_id}:{tname} row {i} quotes but cites no seed"
                checked += 1
                if squash(row["quote"]) not in seeds[seed_r]:
                    problems.append(f"{set_id}:{tname}[{i}]: not in seed {seed_r}: {row['quote']}")
                elif "value" in row and not any(f in squash(row["quote"]) for f in _printed_forms(row["value"])):
                    problems.append(f"{set_id}:{tname}[{i}]: value {row['value']} not in {row['quote']}")
        for n in ps.notes:
            all_seeds = "".join(seeds.values())
            for q in QUOTE.findall(n.text):
                checked += 1
                if squash(q) not in all_seeds:
                    problems.append(f"{set_id}: note {n.id}: not in any seed: {q}")
    assert not problems, "\n".join(problems)
    assert checked > 250  # the sets quote their figures; a sudden drop means quotes were lost


def _nearest_year_before(text: str, pos: int) -> int | None:
    years = list(re.finditer(r"(20\d\d)年", text[max(0, pos - 220):pos]))
    return int(years[-1].group(1)) if years else None


def _label_value_matches(seed: str, label: str, value: float, year: int) -> bool:
    """Is 'label … value亿元' printed (within a clause) under the given year?"""
    for v in _printed_forms(value):
        pat = re.escape(label) + r"[^,，、;；。()（）]{0,10}?" + re.escape(v) + r"亿元"
        for m in re.finditer(pat, seed):
            if _nearest_year_before(seed, m.start()) == year:
                return True
    return False


def test_cluster_tables_match_seed_000(ref: data.Catalog, seeds: dict[str, str]) -> None:
    seed = seeds["000"]
    clusters = ref.table("reference.jincheng.cluster-targets", "cluster_output_value")
    items = ref.table("reference.jincheng.cluster-targets", "cluster_sub_items")
    missing = []
    for _, r in clusters.iterrows():
        for year in (2025, 2030):
            if not _label_value_matches(seed, r.cluster_zh, r[f"y{year}_yi_yuan"], year):
                missing.append((r.cluster_zh, year))
    for _, r in items.iterrows():
        for year in (2025, 2030):
            v = r[f"y{year}_yi_yuan"]
            if v is None or (isinstance(v, float) and math.isnan(v)):
                continue
            if not _label_value_matches(seed, r.item_zh, v, year):
                missing.append((r.item_zh, year))
    assert not missing


# ---------------------------------------------------------------------------------------------------------------
# spot checks: the seed text is quoted here, the figures read from it by hand
# ---------------------------------------------------------------------------------------------------------------

def test_spot_underground_drainage_2021(ref: data.Catalog) -> None:
    # seed 000 第一章 第二节 三、井下抽采: "我市境内共有各类煤矿116座,其中,63座为高瓦斯矿井和煤与瓦斯突出矿井,
    # 在63座矿井中已有57座矿井建有地面永久抽采系统并实施规模化抽采。2021年,全市煤矿瓦斯抽采总量达20.7亿立方米,
    # 利用总量12.35亿立方米,利用率达59.66%。"
    b = "reference.jincheng.baseline-2021"
    assert ref.value(b, "coal_mines_count") == 116
    assert ref.value(b, "high_gas_or_outburst_mines_count") == 63
    assert ref.value(b, "mines_with_permanent_surface_drainage_count") == 57
    assert ref.value(b, "underground_drained_2021_yi_m3") == 20.7
    assert ref.value(b, "underground_used_2021_yi_m3") == 12.35
    assert ref.value(b, "underground_utilization_2021_pct") == 59.66
    assert ref.load(b).param("underground_drained_2021_yi_m3").unit == "亿m³"
    q = ref.quantity(b, "underground_drained_2021_yi_m3")
    assert (q.base_value, q.base_unit) == (2.07e9, "m³")


def test_spot_gas_power_2021(ref: data.Catalog) -> None:
    # seed 000 第一章 第二节 七: "现有煤矿瓦斯发电站31座,总装机容量621.1兆瓦。2021年,全市瓦斯发电企业发电总量达
    # 33.68亿千瓦时,全年消耗瓦斯气量约9.05亿立方米(折纯量)。"
    b = "reference.jincheng.baseline-2021"
    assert ref.value(b, "mine_gas_power_plants_count") == 31
    assert ref.value(b, "mine_gas_power_capacity_mw") == 621.1
    assert ref.value(b, "mine_gas_power_generation_2021_yi_kwh") == 33.68
    assert ref.value(b, "mine_gas_power_gas_2021_yi_m3") == 9.05
    assert "折纯" in ref.load(b).param("mine_gas_power_gas_2021_yi_m3").note


def test_spot_storage_rules(ref: data.Catalog) -> None:
    # seed 000 第一章 第二节 四: "…到2020年至少形成不低于保障本行政区域平均3天需求量的储气能力”;“城镇燃气企业要
    # 建立天然气储备,到2020年形成不低于其年用气量5%的储气能力”。截至2021年底,全市储气调峰设施8座,储罐容积7.58万
    # 立方米,储气能力4737.5万立方米。可同时满足县级以上人民政府日均3天需求量(约618万立方米);城镇燃气企业年用气量
    # 5%(约3770万立方米)储气能力需求。"
    b = "reference.jincheng.baseline-2021"
    assert ref.value(b, "storage_rule_government_days") == 3
    assert ref.value(b, "storage_rule_city_gas_pct") == 5
    assert ref.value(b, "storage_sites_count") == 8
    assert ref.value(b, "storage_tank_volume_wan_m3") == 7.58
    assert ref.value(b, "storage_gas_capacity_wan_m3") == 4737.5
    assert ref.value(b, "storage_need_government_3_days_wan_m3") == 618
    assert ref.value(b, "storage_need_city_gas_5pct_wan_m3") == 3770
    assert "年用气量" in ref.load(b).param("storage_rule_city_gas_pct").note


def test_spot_resources_rights_reserves(ref: data.Catalog) -> None:
    # seed 000 第一章 第一节/第二节: "全市矿业权范围内煤层气地质资源总量约为6141亿立方米" ; "晋城现有23个煤层气矿业权,
    # 辖区内煤层气矿业权登记面积共计2744.988平方千米" ; "全市累计煤层气探明地质储量3706.48亿立方米" ;
    # "郑庄、柿庄、马必、潘庄、枣园等区块备案的煤层气探明地质储量分别是1600.81亿立方米、691.04亿立方米、662.93亿
    # 立方米、377.48亿立方米、137.87亿立方米"
    b = "reference.jincheng.baseline-2021"
    assert ref.value(b, "resource_in_rights_yi_m3") == 6141
    assert ref.value(b, "rights_count") == 23
    assert ref.value(b, "rights_area_km2") == 2744.988
    assert ref.value(b, "proven_reserves_yi_m3") == 3706.48
    blocks = ref.table(b, "proven_reserves_by_block").set_index("block_zh")["proven_reserves_yi_m3"].to_dict()
    assert blocks == {"郑庄": 1600.81, "柿庄": 691.04, "马必": 662.93, "潘庄": 377.48, "枣园": 137.87}


def test_spot_cluster_summary(ref: data.Catalog) -> None:
    # seed 000 第三章 第三节: "2025年全市煤层气产业集群总产值力争达到500亿元,其中:勘探开发产业集群产值167亿元、加工储运
    # 产业集群产值97亿元、高效利用产业集群产值144亿元、科技创新产业集群产值12亿元、生产服务产业集群产值30亿元、装备材料
    # 产业集群产值24亿元、物流交易产业集群产值8亿元、辐射行业产业集群产值18亿元。2030年…1000亿元,其中:…130亿元、…129
    # 亿元、…220亿元、…40亿元、…98亿元、…85亿元、…33亿元、…265亿元。"
    t = ref.table("reference.jincheng.cluster-targets", "cluster_output_value")
    assert t["y2025_yi_yuan"].tolist() == [167, 97, 144, 12, 30, 24, 8, 18]
    assert t["y2030_yi_yuan"].tolist() == [130, 129, 220, 40, 98, 85, 33, 265]
    assert t.attrs["units"]["y2030_yi_yuan"] == "亿元"


def test_spot_mine_gas_targets(ref: data.Catalog) -> None:
    # seed 000 第四章 第三节 六: "预计到2025年发电量37.56亿千瓦时,消耗瓦斯10.12亿立方米,矿区供热和生活用气2.88亿立方米;
    # 2025年发电量41.95亿千瓦时,消耗瓦斯11.33亿立方米,矿区供热和生活用气3.67亿立方米。" — the second "2025" is 2030.
    pt = ref.table("reference.jincheng.cluster-targets", "physical_targets")
    got = {(r.indicator, r.year): r.value for r in pt.itertuples() if r.indicator.startswith("mine_gas_")
           and r.year in (2025, 2030)}
    assert got == {("mine_gas_power_generation", 2025): 37.56, ("mine_gas_power_gas", 2025): 10.12,
                   ("mine_gas_heating_domestic_gas", 2025): 2.88, ("mine_gas_power_generation", 2030): 41.95,
                   ("mine_gas_power_gas", 2030): 11.33, ("mine_gas_heating_domestic_gas", 2030): 3.67}
    second = pt[(pt.indicator == "mine_gas_power_generation") & (pt.year == 2030)].iloc[0]
    assert second.quote.startswith("2025年")  # stored as printed …
    assert "mine-gas-2030-labelled-2025" in second.note  # … with the note


def test_spot_table4_mine_classes(ref: data.Catalog) -> None:
    # seed 003 表4: "高瓦斯礦井 28.06*10^8 16.68*10^8 40.5% / 煤與瓦斯突出礦井 17.64*10^8 8.08*10^8 54.2% /
    # 低瓦斯礦井 18.21*10^8 15.63*10^8 14.1%"
    t = ref.table("reference.shanxi.mine-classes-2019", "mine_class_2019").set_index("mine_class")
    assert t.loc["high-gas", ["liberated", "net_emitted", "utilization_pct"]].tolist() == [28.06, 16.68, 40.5]
    assert t.loc["outburst", ["liberated", "net_emitted", "utilization_pct"]].tolist() == [17.64, 8.08, 54.2]
    assert t.loc["low-gas", ["liberated", "net_emitted", "utilization_pct"]].tolist() == [18.21, 15.63, 14.1]
    assert t.attrs["units"]["liberated"] == "×10⁸m³"
    assert data.to_base_units(28.06, t.attrs["units"]["liberated"]) == (2.806e9, "m³")


def test_spot_table9_vam_vs_thermal_island(ref: data.Catalog) -> None:
    # seed 003 表9: "適宜運行甲烷濃度 0.3%-1.2% 3%-8% 裝置進氣量(Nm3/h) 60,000 12,000 … CH4氧化率 95% 99.9%
    # 綜合熱效率 60% 90%", both for "瓦斯濃度5%,純量10Nm3/min"
    t = ref.table("reference.technology.concentration-windows", "vam_oxidizer_vs_thermal_island").set_index("device")
    assert t.loc["vam-oxidizer"][["window_min_pct", "window_max_pct", "inlet_nm3_h", "oxidation_pct",
                                  "heat_efficiency_pct"]].tolist() == [0.3, 1.2, 60000, 95, 60]
    assert t.loc["thermal-island"][["window_min_pct", "window_max_pct", "inlet_nm3_h", "oxidation_pct",
                                    "heat_efficiency_pct"]].tolist() == [3, 8, 12000, 99.9, 90]
    # 10 Nm³/min pure CH4 at 5 % is 12,000 Nm³/h of mixture; in 60,000 Nm³/h it is diluted to 1.0 %
    pure_nm3_h = 10 * 60
    assert pure_nm3_h / 0.05 == t.loc["thermal-island", "inlet_nm3_h"]
    assert pure_nm3_h / t.loc["vam-oxidizer", "inlet_nm3_h"] * 100 == pytest.approx(1.0)


def test_spot_concentration_windows(ref: data.Catalog) -> None:
    # seed 003 §2.2.3: "甲烷濃度5%-16%的低濃度瓦斯具有爆炸風險"; §3.3.3: "把低濃度瓦斯與乏風瓦斯混合至濃度達到1.2%"
    tid = "reference.technology.concentration-windows"
    assert (ref.value(tid, "explosive_band_min_pct"), ref.value(tid, "explosive_band_max_pct")) == (5, 16)
    assert ref.value(tid, "rto_blend_pct") == 1.2
    bands = ref.table(tid, "utilization_by_concentration")
    assert bands["band"].tolist() == ["ge30", "9-30", "1-9", "lt1"]
    # the four bands tile 0–100 %
    edges = sorted(zip(bands.lower_pct, bands.upper_pct, strict=True))
    assert edges[0][0] == 0 and edges[-1][1] == 100
    assert all(a[1] == b[0] for a, b in itertools.pairwise(edges))
    assert bands.set_index("band").loc["lt1", "cases"] == "case 1; case 4"
    routing = ref.table(tid, "routing_bands")
    assert set(routing.confidence) == {"secondary"}
    assert all(isinstance(s, list) and s for s in routing.source)


def test_spot_seed_001(ref: data.Catalog) -> None:
    # seed 001: "資源量約2.56萬億立方米,占山西的30.8%" ; "2020年,全市煤層氣(天然氣)利用總量達7.89億立方米" ;
    # "每利用1億立方米煤層氣,相當于節約標煤12萬噸、減排二氧化碳150萬噸"
    n = "reference.national.context"
    assert ref.value(n, "jinzhong_cbm_resource_wan_yi_m3") == 2.56
    assert ref.value(n, "jinzhong_share_of_shanxi_resource_pct") == 30.8
    assert ref.value(n, "jinzhong_gas_use_2020_yi_m3") == 7.89
    assert ref.value(n, "rule_of_thumb_coal_saved_wan_tce") == 12
    assert ref.value(n, "rule_of_thumb_co2_cut_wan_t") == 150
    # Jinzhong's share: 2.56万亿 / Shanxi 8.31万亿 (seed 000) = 30.8 %
    assert 2.56 / ref.value("reference.jincheng.baseline-2021", "shanxi_resource_wan_yi_m3") * 100 == pytest.approx(
        30.8, abs=0.05)
    # the rule of thumb by heating value (docs/conventions.md §3): 1e8 m³ × 35.8 MJ/m³ / 29.3076 MJ/kgce = 12.2万 tce
    assert 1e8 * 35.8 / 29.3076 / 1e3 / 1e4 == pytest.approx(12.2, abs=0.05)


def test_spot_national_context(ref: data.Catalog) -> None:
    # seed 003 §1.3.1: "中國2018年甲烷排放達到13.46億噸二氧化碳當量(CO2e),約占當年中國總溫室氣體排放的14%。其中能源
    # 供應是最大的甲烷排放源,占比42%,包括煤礦開采和礦后活動中的煤礦甲烷(39%)和油氣開采的甲烷排放(3%)"
    n = "reference.national.context"
    assert ref.value(n, "china_ch4_2018_yi_t_co2e") == 13.46
    assert ref.value(n, "china_ch4_share_of_ghg_2018_pct") == 14
    by_source = ref.table(n, "china_ch4_2018_by_source").set_index("source_sector")["share_pct"]
    assert by_source["coal-mining"] + by_source["oil-gas"] == ref.value(n, "china_energy_share_of_ch4_2018_pct")
    assert by_source.sum() == 100
    # §1.1: "2022年全球溫室氣體排放大概在537.86億噸二氧化碳當量,其中甲烷占比21%"
    assert (ref.value(n, "global_ghg_2022_yi_t_co2e"), ref.value(n, "global_ch4_share_2022_pct")) == (537.86, 21)
    assert ref.table(n, "china_cmm_by_stage")["share_pct"].sum() == 100


# ---------------------------------------------------------------------------------------------------------------
# arithmetic the documents get right (the ones they get wrong are in test_seed_contradictions.py)
# ---------------------------------------------------------------------------------------------------------------

def test_baseline_internal_consistency(ref: data.Catalog) -> None:
    b = "reference.jincheng.baseline-2021"
    v = lambda name: ref.value(b, name)  # noqa: E731
    assert v("vertical_wells_count") + v("horizontal_wells_count") == v("wells_drilled_count")
    assert v("exploration_rights_count") + v("production_rights_count") == v("rights_count")
    assert v("exploration_rights_area_km2") + v("production_rights_area_km2") == pytest.approx(v("rights_area_km2"))
    assert (v("blocks_with_filed_reserves_count") + v("blocks_unfiled_contract_count")
            + v("blocks_unfiled_newly_granted_count")) == v("blocks_count")
    assert v("underground_used_2021_yi_m3") / v("underground_drained_2021_yi_m3") * 100 == pytest.approx(59.66, abs=0.005)
    assert ref.table(b, "local_use_by_sector_2021")["use_yi_m3"].sum() == pytest.approx(v("local_use_2021_yi_m3"))
    assert ref.table(b, "output_value_by_segment_2021")["output_value_yi_yuan"].sum() == pytest.approx(
        v("output_value_2021_yi_yuan"))
    assert len(ref.table(b, "operators")) == v("operators_count")
    assert len(ref.table(b, "coal_chemical_capacity")) == 7
    # shares printed in 第一章 第一节 (亿 m³ against 万亿 m³: × 1e4)
    pct = lambda a, c: a / c * 100  # noqa: E731
    assert pct(v("resource_in_rights_yi_m3"), v("shanxi_resource_wan_yi_m3") * 1e4) == pytest.approx(7.39, abs=0.005)
    assert pct(v("resource_in_rights_yi_m3"), v("china_resource_wan_yi_m3") * 1e4) == pytest.approx(1.67, abs=0.005)
    assert pct(v("surface_output_2021_yi_m3"), v("shanxi_output_2021_yi_m3")) == pytest.approx(69.62, abs=0.005)
    assert pct(v("surface_output_2021_yi_m3"), v("china_output_2021_yi_m3")) == pytest.approx(51.41, abs=0.005)
    assert pct(v("rights_area_km2"), v("shanxi_rights_area_wan_km2") * 1e4) == pytest.approx(8.27, abs=0.005)
    assert pct(v("rights_area_km2"), v("china_rights_area_wan_km2") * 1e4) == pytest.approx(5.34, abs=0.005)
    assert pct(v("proven_reserves_yi_m3"), v("shanxi_proven_reserves_yi_m3")) == pytest.approx(56.16, abs=0.005)
    assert pct(v("proven_reserves_yi_m3"), v("china_proven_reserves_yi_m3")) == pytest.approx(39.02, abs=0.005)
    assert pct(v("proven_reserves_yi_m3"), v("resource_in_rights_yi_m3")) == pytest.approx(60.36, abs=0.005)
    assert pct(v("shanxi_proven_reserves_yi_m3"), v("shanxi_resource_wan_yi_m3") * 1e4) == pytest.approx(7.94, abs=0.005)
    assert pct(v("china_proven_reserves_yi_m3"), v("china_resource_wan_yi_m3") * 1e4) == pytest.approx(2.58, abs=0.005)
    assert pct(v("local_use_2021_yi_m3"), v("surface_output_2021_yi_m3")) == pytest.approx(15, abs=0.5)


def test_cluster_totals_and_exact_sub_item_sums(ref: data.Catalog) -> None:
    tid = "reference.jincheng.cluster-targets"
    clusters = ref.table(tid, "cluster_output_value").set_index("cluster")
    assert clusters["y2025_yi_yuan"].sum() == ref.value(tid, "total_output_value_2025_yi_yuan") == 500
    assert clusters["y2030_yi_yuan"].sum() == ref.value(tid, "total_output_value_2030_yi_yuan") == 1000
    sums = ref.table(tid, "cluster_sub_items").groupby("cluster")[["y2025_yi_yuan", "y2030_yi_yuan"]].sum()
    for cluster in clusters.index:
        for col in ("y2025_yi_yuan", "y2030_yi_yuan"):
            diff = round(sums.loc[cluster, col] - clusters.loc[cluster, col], 6)
            if cluster in ("processing-storage-transport", "utilization"):
                assert diff != 0  # the two clusters whose printed sub-items do not add up (see contradictions)
            else:
                assert diff == 0, (cluster, col)
    comp = ref.table(tid, "sub_item_components")
    mg = comp[comp.parent == "mine-gas-use"].set_index("component")
    for col in ("y2025_yi_yuan", "y2030_yi_yuan"):
        assert mg.loc["power-incl-heat-sales", col] + mg.loc["mine-heating-domestic", col] == pytest.approx(
            mg.loc["subtotal", col])


def test_table4_utilization_reproduces(ref: data.Catalog) -> None:
    t = ref.table("reference.shanxi.mine-classes-2019", "mine_class_2019")
    computed = (t.liberated - t.net_emitted) / t.liberated * 100
    assert (computed - t.utilization_pct).abs().max() < 0.1
    assert ref.table("reference.shanxi.mine-classes-2019", "cmm_use_split")["share_pct"].sum() == pytest.approx(100)
