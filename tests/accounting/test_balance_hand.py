"""The mine methane balance by hand: a small mine whose every figure is computed below (pure function
minegas.accounting.balance.compute_balance), the station assignment on the fixture registry, a topology change
during the period, and roll-up argument checks.

Hand calculation (methodology cn-2015: density 0.717 kg/Nm³ [NDRC 2015, 7.17 t/10⁴ Nm³], GWP SAR 21, flare
oxidation 0.98, post-mining 2.01 kg/t for a high-gas mine), period 2025-03-01..02, pure CH4 Nm³:

    day        MAIN  GE-IN  FL-IN  VENT  VPSA-IN (OUT)  SHAFT  RTO-IN(VAM)
    03-01      1000   500    100    250   100    (80)    2000   600
    03-02      1000   500    100    300   100    (85)    2000   600

    drained 2000 = utilized (GE 1000 + VPSA 200) + flared 200 + vented 550 + residual 50 (day 1)
    VAM liberated 4000 = oxidized 1200 (RTO) + released 2800
    destroyed: GE 1000×0.98 = 980; flare 200×0.98 = 196; RTO 1200×0.97 = 1164; VPSA product 165×1 = 165 → 2505
    slip: 20 + 4 + 36 + (200 − 165) = 95
    emitted underground = 550 + 2800 + 95 + 50 = 3495 Nm³ × 0.717e-3 = 2.505915 t
    post-mining: 31 000 t in March × 2/31 = 2 000 t × 2.01 kg/t = 4.02 t
    gross CO2e = (2.505915 + 4.02) × 21 = 137.044215 t; net = 2505 × 0.717e-3 × (21 − 44/16) = 32.77855125 t
    rates: used/drained 1200/2000 = 0.6; used/liberated 1200/6000 = 0.2; drainage 2000/6000 = 1/3
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import engine_helpers  # noqa: F401  (puts tests/measurements on the path)
import pyarrow as pa
import pytest
from store_helpers import REGISTRY_DATA, make_store

from minegas.accounting import balance as B
from minegas.errors import InputError
from minegas.periods import CST
from minegas.registry import repository as repo
from minegas.registry.repository import GasLinkInfo, MineInfo, StationInfo, UnitInfo

EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
MINE = MineInfo(code="M1", name_zh="手算煤矿", name_en="hand mine", enterprise_code="E1", enterprise_name_zh="企业",
                county_code="140521", county_name_zh="沁水县", city_code="140500", province_code="140000",
                gas_class="high", mining_method="underground", capacity_mt_per_yr=3.0, status="producing",
                latitude_deg=None, longitude_deg=None, elevation_m=None, barometric_kpa=90.0,
                relative_emission_m3_per_t=None, absolute_emission_m3_min=None, closed_on=None, flooded=None)


def st(code: str, role: str, system: str, unit: str | None = None) -> StationInfo:
    return StationInfo("M1", code, code, code, role, system, "mixed_flow_x_ch4", unit)


def un(code: str, kind: str, tech: str, de: float | None, feeds: str = "drained") -> UnitInfo:
    return UnitInfo("M1", code, code, code, kind, tech, None, None, None, None, None, de, True, True, feeds, None,
                    "operating")


def link(a: str, b: str | None = None, u: str | None = None, since: datetime = EPOCH,
         until: datetime | None = None) -> GasLinkInfo:
    return GasLinkInfo("M1", a, b, u, since, until)


STATIONS = [st("MAIN", "drainage_main", "high"), st("GE-IN", "unit_inlet", "high", "GE"),
            st("FL-IN", "flare_inlet", "high", "FL"), st("VENT", "vent_stack", "high"),
            st("VPSA-IN", "unit_inlet", "high", "VP"), st("VPSA-OUT", "unit_outlet", "high", "VP"),
            st("SHAFT", "return_shaft", "none"), st("RTO-IN", "unit_inlet", "none", "RTO")]
UNITS = [un("GE", "utilization", "gas-engine", 0.98), un("FL", "flare", "flare-enclosed", 0.99),
         un("V", "vent_stack", "vent", 0.0), un("RTO", "utilization", "rto-vam", 0.97, "vam"),
         un("VP", "utilization", "vpsa", None)]
LINKS = [link("MAIN", "GE-IN"), link("GE-IN", u="GE"), link("MAIN", "FL-IN"), link("FL-IN", u="FL"),
         link("MAIN", "VENT"), link("VENT", u="V"), link("MAIN", "VPSA-IN"), link("VPSA-IN", u="VP"),
         link("SHAFT", "RTO-IN"), link("RTO-IN", u="RTO")]
DAY1 = {"MAIN": 1000.0, "GE-IN": 500.0, "FL-IN": 100.0, "VENT": 250.0, "VPSA-IN": 100.0, "VPSA-OUT": 80.0,
        "SHAFT": 2000.0, "RTO-IN": 600.0}
DAY2 = {**DAY1, "VENT": 300.0, "VPSA-OUT": 85.0}


def day_totals(days: dict[date, dict[str, float]]) -> pa.Table:
    rows = []
    for d, vals in days.items():
        for code, v in vals.items():
            rows.append({"station_code": code, "day": d, "ch4_nm3": v, "flow_mixed_nm3": v * 2.5,
                         "measured_s": 86400.0, "substituted_s": 0.0, "missing_s": 0.0,
                         "ch4_pct_integral": 40.0 * 86400.0, "ch4_pct_measured_s": 86400.0,
                         "ch4_pct_substituted_s": 0.0})
    return pa.Table.from_pylist(rows)


def hand_balance(methodology: str = "cn-2015", links: list[GasLinkInfo] = LINKS, **kw: object) -> B.MineBalance:
    return B.compute_balance(mine=MINE, stations=STATIONS, units=UNITS, links=links,
                             day_totals=day_totals({date(2025, 3, 1): DAY1, date(2025, 3, 2): DAY2}),
                             period="2025-03-01..2025-03-02", coal_by_month={"2025-03": 31000.0},
                             methodology=methodology, **kw)  # type: ignore[arg-type]


def test_the_hand_calculation() -> None:
    b = hand_balance()
    assert b.drained_nm3 == 2000.0
    assert {x.code: x.pure_ch4_nm3 for x in b.lines_of("utilized")} == {"GE": 1000.0, "VP": 200.0}
    assert b.flared_nm3 == 200.0 and b.vented_nm3 == 550.0 and b.transferred_nm3 == 0.0
    assert b.residual_nm3 == 50.0 and b.residual_by_system_nm3 == {"high": 50.0}
    assert b.vam_liberated_nm3 == 4000.0 and b.vam_oxidized_nm3 == 1200.0 and b.vam_released_nm3 == 2800.0
    d = {x.unit_code: x for x in b.destruction}
    assert d["GE"].destroyed_nm3 == pytest.approx(980.0) and d["GE"].basis == "registry DE"
    assert d["FL"].destroyed_nm3 == pytest.approx(196.0) and d["FL"].basis == "methodology flare DE"
    assert d["RTO"].destroyed_nm3 == pytest.approx(1164.0) and d["RTO"].vam_input_nm3 == 1200.0
    assert d["VP"].destroyed_nm3 == 165.0 and d["VP"].basis == "enrichment product"
    assert "V" not in d
    assert b.destroyed_nm3 == pytest.approx(2505.0) and b.slip_nm3 == pytest.approx(95.0)
    assert b.emitted_underground_nm3 == pytest.approx(3495.0)
    assert b.emitted_underground_t == pytest.approx(2.505915)
    assert b.coal_production_t == pytest.approx(2000.0) and b.post_mining_ch4_t == pytest.approx(4.02)
    assert b.co2e_of("gross").co2e_t == pytest.approx(137.044215)   # type: ignore[union-attr]
    assert b.co2e_of("net").co2e_t == pytest.approx(32.77855125)    # type: ignore[union-attr]
    assert b.co2e_of("displaced").co2e_t == pytest.approx(32.77855125)  # type: ignore[union-attr]
    assert b.utilization_rate_drained_frac == pytest.approx(0.6)
    assert b.utilization_rate_liberated_frac == pytest.approx(0.2)
    assert b.drainage_rate_frac == pytest.approx(1 / 3)
    assert [x.residual_nm3 for x in b.daily] == [50.0, 0.0]
    assert [x.mean_ch4_pct for x in b.daily] == [40.0, 40.0]
    assert b.closure_nm3 == 0.0
    assert any("residual" in w for w in b.warnings)


def test_methodology_conventions_change_destruction() -> None:
    epa = hand_balance("epa-ff", gwp_set="AR5")
    d = {x.unit_code: x for x in epa.destruction}
    assert d["FL"].destroyed_nm3 == pytest.approx(198.0) and d["FL"].basis == "registry DE"   # no 0.98 override
    assert epa.post_mining_ch4_t == 0.0
    no_res = hand_balance(residual_as_emitted=False)
    assert no_res.emitted_underground_nm3 == pytest.approx(3445.0)


def test_topology_changes_apply_per_cst_day() -> None:
    """From 2025-03-02 00:00 CST the engine inlet feeds the flare instead (a re-piped outlet)."""
    cut = datetime(2025, 3, 2, tzinfo=CST).astimezone(UTC)
    links = [x for x in LINKS if x.from_station_code != "GE-IN"] + [
        link("GE-IN", u="GE", until=cut), link("GE-IN", u="FL", since=cut)]
    b = hand_balance(links=links)
    assert {x.code: x.pure_ch4_nm3 for x in b.lines_of("utilized")} == {"GE": 500.0, "VP": 200.0}
    assert b.flared_nm3 == 700.0
    assert b.residual_nm3 == 50.0   # the drained gas still balances


def test_stations_of_the_fixture_registry(tmp_path) -> None:
    store = make_store(tmp_path)
    try:
        with store.session() as s:
            sts, uns = repo.stations(s, "990000000001"), repo.units(s, "990000000001")
            lks = repo.topology(s, "990000000001", datetime(2025, 3, 1, tzinfo=UTC))
    finally:
        store.close()
    a = B.classify(sts, uns, lks)
    assert (a["DRN-H"].category, a["DRN-H"].code) == ("drained", "high")
    assert a["PUMP-OUT"].category is None              # intermediate: not added
    assert (a["GE-IN"].category, a["GE-IN"].code, a["GE-IN"].system) == ("utilized", "GE1", "high")
    assert (a["VENT-1"].category, a["VENT-1"].code) == ("vented", "V1")
    assert (a["RET-1"].category, a["RET-1"].code) == ("vam_liberated", "RET-1")
    assert REGISTRY_DATA.exists()


def test_rollup_rejects_bad_levels_and_mixed_settings() -> None:
    b1 = hand_balance()
    b2 = hand_balance("epa-ff", gwp_set="AR5")
    with pytest.raises(InputError, match="level"):
        B.rollup([b1], "galaxy")
    with pytest.raises(InputError, match="incompatible"):
        B.rollup([b1, b2], "county")
    r = B.rollup([b1, b1], "enterprise").to_pylist()[0]
    assert r["drained_nm3"] == 4000.0 and r["n_mines"] == 2 and r["utilization_rate_drained_frac"] == 0.6


def test_unknown_methodology_and_gwp() -> None:
    with pytest.raises(InputError, match="methodology"):
        hand_balance("bogus")
    from minegas.errors import MethodologyError

    with pytest.raises(MethodologyError):
        hand_balance(gwp_set="SAR", horizon=20)   # SAR defines no 20-year GWP
