"""Methodology runs over store data, checked by hand against the methodologies' printed equations.

The store: the demo region's noise-free data (3 days at 5 min, every flow metered). Each expected value below is
recomputed independently — the parameter averages with the NumPy reference integrator on the raw readings, the
equations written out with their printed constants — and compared with the run.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pytest
from engine_helpers import NOISE_FREE_QA, build_store, day_bounds, epoch_s, ok_mask

from minegas.accounting import balance as B
from minegas.accounting import runs as R
from minegas.accounting.gaps import EPA_98_325
from minegas.accounting.reference_integration import integrate
from minegas.errors import InputError, MethodologyError
from minegas.measurements.store import Store
from minegas.registry.repository import point_configs_frame
from minegas.synth import generate

PERIOD = "2025-03-01..2025-03-03"
MINE = "990525000001"        # VPSA mine: two shafts, two drainage systems
RTO_MINE = "990522000001"    # RTO blending 35 % and 5.5 % drained gas with VAM


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    root: Path = tmp_path_factory.mktemp("runs")
    generate("demo", start="2025-03-01", days=3, cadence_s=300, seed=9, out_dir=root / "synth", formats=("kj",),
             noise=False, precision="full", mines=[MINE, RTO_MINE])
    return build_store(root, root / "synth", NOISE_FREE_QA)


def _mean(store: Store, point: str, cfg: dict) -> tuple[float, float]:
    """Period mean of a point (canonical unit) with 98.325 substitution, and its covered seconds."""
    r = store.read("readings", [MINE])
    x = r.filter(pc.equal(r.column("point_code"), point)).sort_by("ts")
    t = epoch_s(x.column("ts"))
    v = x.column("value").to_numpy() * cfg["scale"] * cfg["unit_factor"] + (cfg["unit_offset"] or 0.0)
    ok = ok_mask(x.column("flags").to_numpy(), v)
    a, _ = day_bounds(date(2025, 3, 1))
    _, b = day_bounds(date(2025, 3, 3))
    tot = integrate(t, np.where(ok, v, 0.0), ok, [(a, b)], max_gap_s=cfg["max_gap_s"], gap_rule=EPA_98_325)[0]
    assert tot.mean is not None
    return tot.mean, tot.measured_s + tot.substituted_s


def test_epa_ff1_by_hand(store: Store) -> None:
    run = R.run_methodology(store, "epa-ff", MINE, PERIOD)
    assert run.methodology_id == "US-EPA-40CFR98-FF" and run.gap_rule == "epa_98_325" and run.gwp_set is None
    assert run.density == "epa-ff" and run.density_state == "60F"
    with store.session() as s:
        cfg = [c for c in point_configs_frame(s, [MINE]).to_pylist() if c["station_code"] == "R1"]
        from minegas.registry import repository as repo

        baro = repo.mine(s, MINE).barometric_kpa
    q = {c["quantity"]: c for c in cfg}
    v, cov = _mean(store, q["air_flow"]["point_code"], q["air_flow"])
    c, _ = _mean(store, q["ch4_pct"]["point_code"], q["ch4_pct"])
    t_c, _ = _mean(store, q["temperature"]["point_code"], q["temperature"])
    p_g, _ = _mean(store, q["pressure"]["point_code"], q["pressure"])
    # 40 CFR 98.323 FF-1 as printed: V × (C/100) × 0.0423 × (520/T) × (P/1) × 1440 × n × 0.454/1000
    cfm = v / 0.028316846592
    t_r = (t_c + 273.15) * 1.8
    p_atm = (baro + p_g) / 101.325
    n = cov / 86400.0
    want = cfm * (c / 100.0) * 0.0423 * (520.0 / t_r) * p_atm * 1440.0 * n * 0.454 / 1000.0
    row = next(r for r in run.rows if r["item"] == "FF-1 R1")
    assert row["ch4_t"] == pytest.approx(want, rel=1e-9)
    assert run.results["ventilation_t"] == pytest.approx(math.fsum(
        r["ch4_t"] for r in run.rows if r["item"].startswith("FF-1")), rel=1e-12)
    # FF-7 = FF-2 + FF-4 − FF-6
    res = run.results
    assert res["net_ch4_t"] == pytest.approx(res["ventilation_t"] + res["degasification_t"] - res["destroyed_t"])
    assert res["degasification_t"] > 0 and res["destroyed_t"] > 0
    assert any("VPSA1" in n for n in run.notes)   # no manufacturer DE: not a destruction device


def test_cn_2015_by_hand(store: Store) -> None:
    run = R.run_methodology(store, "cn-2015", MINE, PERIOD)
    b = B.mine_balance(store, MINE, PERIOD, methodology="cn-2015")
    flared_destroyed = math.fsum(x.destroyed_nm3 for x in b.destruction if x.kind == "flare")
    net = (b.vam_liberated_nm3 + b.drained_nm3 - flared_destroyed - b.used_nm3 - b.vam_oxidized_nm3) / 1e4
    assert run.results["underground_net_wan_nm3"] == pytest.approx(net, rel=1e-12)
    assert run.results["underground_ch4_t"] == pytest.approx(net * 7.17, rel=1e-12)   # 7.17 t / 10⁴ Nm³
    assert run.results["underground_co2e_t"] == pytest.approx(net * 7.17 * 21, rel=1e-12)
    assert run.results["post_mining_ch4_t"] == pytest.approx(b.coal_production_t * 2.01 / 1000.0)  # high-gas 2.01
    assert run.gwp_set == "SAR" and run.density == "cn-2015"


def test_ipcc_by_hand(store: Store) -> None:
    run = R.run_methodology(store, "ipcc-2006", MINE, PERIOD)
    b = B.mine_balance(store, MINE, PERIOD, methodology="ipcc-2006")
    k = 293.15 / 273.15 * 0.67e-6   # Nm³ at 0 °C → m³ at 20 °C → Gg (IPCC 0.67 kg/m³)
    assert run.results["underground_mining_gg"] == pytest.approx((b.vam_liberated_nm3 + b.drained_nm3) * k)
    assert run.results["recovered_gg"] == pytest.approx(b.destroyed_nm3 * k)
    assert run.results["total_t"] == pytest.approx(run.results["total_gg"] * 1000.0)


def test_ccer_eligibility_of_the_rto(store: Store) -> None:
    with pytest.raises(MethodologyError, match="GWP"):
        R.run_methodology(store, "ccer-10-001", RTO_MINE, PERIOD)
    run = R.run_methodology(store, "ccer-10-001", RTO_MINE, PERIOD, gwp_set="AR5", grid_ef_t_per_mwh=0.5703)
    (row,) = run.rows
    assert row["item"] == "RTO1" and row["eligible"] is True
    # the 35 % high-suction gas is outside CCER-10-001 (not below 8 %); the 5.5 % gas and VAM are in
    assert row["excluded_sources"] == "RTO1-IN-H"
    assert set(row["sources"].split(",")) == {"RTO1-IN-H", "RTO1-IN-L", "RTO1-IN-R1"}
    assert 0 < row["eligible_ch4_share"] < 1
    assert row["er_t"] > 0 and run.results["er_t"] == row["er_t"]
    assert any("no outlet CH4 measurement" in n for n in run.notes)


def test_unknown_methodology(store: Store) -> None:
    with pytest.raises(InputError, match="methodology"):
        R.run_methodology(store, "bogus", MINE, PERIOD)
    with pytest.raises(InputError):
        R.run_methodology(store, "cn-2015", "000000000000", PERIOD)
