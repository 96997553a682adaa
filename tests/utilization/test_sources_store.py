"""Sources, profiles, design vs actual and recommendations from the measurement store, on a small generated region
(minegas.synth generate → registry import → ingest): four days at 5 min of the 伏岩-like RTO mine 990522000001
(docs/synth.md: RTO1 = 6 × 90 000 Nm³/h at 1.2 %, starved by the generator) and the counter-metered mine
990521000001, with a few injected faults.

Figures are checked against the MRV engine's own totals (hours must add up to them), against hand integration of
the stored samples, and against the generator's physical truth (truth/<mine>.parquet, Nm³/min at 0 °C).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from minegas.cli import main as cli_main
from minegas.cli import util
from minegas.errors import InputError
from minegas.measurements.flags import EXCLUDE_MASK
from minegas.measurements.ingest import ingest_paths
from minegas.measurements.store import Store
from minegas.periods import CST
from minegas.registry import db
from minegas.registry.importer import import_registry
from minegas.settings import get_settings
from minegas.synth import generate
from minegas.utilization.recommend import recommend
from minegas.utilization.sources import MineGas, load_mine_gas, mine_sources

RTO_MINE, COUNTER_MINE = "990522000001", "990521000001"
PERIOD = "2025-03-01..2025-03-04"
DAYS = 4
A_S = datetime(2025, 3, 1, tzinfo=CST).timestamp()
B_S = A_S + DAYS * 86400.0


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A data home (registry + store) holding the generated region, and the generator's output folder."""
    root = tmp_path_factory.mktemp("srcregion")
    gen = root / "synth"
    generate("demo", start="2025-03-01", days=DAYS, cadence_s=300, seed=3, out_dir=gen, formats=("kj",),
             mines=[RTO_MINE, COUNTER_MINE], faults="gaps=0.002,calibration=1,stuck=1")
    home = root / "home"
    home.mkdir()
    s = get_settings(home)
    db.upgrade_to_head(s.database_url)
    with db.session_scope(s.database_url) as ss:
        import_registry(ss, [gen / "registry"])
    with Store(s.store_dir, s.database_url) as store:
        rep = ingest_paths(store, [gen / "kj"])
        assert rep.commit is not None and rep.commit.readings_added > 0
    return home, gen


@pytest.fixture(scope="module")
def store(region: tuple[Path, Path]):
    s = get_settings(region[0])
    with Store(s.store_dir, s.database_url) as st:
        yield st


@pytest.fixture(scope="module")
def gas(store: Store) -> dict[str, MineGas]:
    return {m: load_mine_gas(m, PERIOD, store=store) for m in (RTO_MINE, COUNTER_MINE)}


def truth_hours(gen: Path, mine: str) -> pd.DataFrame:
    """The generator's physical truth as hourly means per station (pure and mixed, Nm³/min at 0 °C)."""
    t = pq.read_table(gen / "truth" / f"{mine}.parquet").to_pandas()
    t["station_code"] = t["station_code"].astype(str)
    t = t[(t["ts"] >= pd.Timestamp(A_S, unit="s", tz="UTC")) & (t["ts"] < pd.Timestamp(B_S, unit="s", tz="UTC"))]
    return (t.set_index("ts").groupby("station_code")[["pure_nm3_min", "flow_nm3_min"]].resample("1h").mean()
            .reset_index())


# --- hours against the MRV engine and by hand -----------------------------------------------------------------


def test_hours_add_up_to_the_mrv_totals(gas: dict[str, MineGas]) -> None:
    checked = 0
    for g in gas.values():
        tot = g.totals.set_index("station_code")
        for code, h in g.hours.groupby("station"):
            assert len(h) == DAYS * 24
            row = tot.loc[code]
            assert h["ch4_nm3"].sum() == pytest.approx(row["ch4_nm3"], rel=1e-9, abs=1e-6), code
            assert h["mixed_nm3"].sum() == pytest.approx(row["mixed_nm3"], rel=1e-9, abs=1e-6), code
            assert h["covered_s"].sum() == pytest.approx(row["measured_s"], abs=1e-6), code
            checked += 1
    assert checked == len(gas[RTO_MINE].stations) + len(gas[COUNTER_MINE].stations) == 18
    # the counter (totaliser) main of 990521000001 is integrated as increments, and still adds up
    assert gas[COUNTER_MINE].station("H-MAIN").primary_measurement == "cumulative_pure"


def _raw(store: Store, mine: str, station: str) -> pd.DataFrame:
    t = store.read("aligned", [mine], ["2025-03"], columns=["station_code", "ts", "flags", "ch4_flow_nm3_min"])
    t = t.filter(pc.equal(t.column("station_code"), station)).to_pandas().sort_values("ts")
    t["t"] = (t["ts"] - pd.Timestamp(0, tz="UTC")).dt.total_seconds()
    return t


def test_an_hour_by_hand(store: Store, gas: dict[str, MineGas]) -> None:
    """Trapezoid on the return shaft R1 (linear interpolation at the hour bounds) and increments on the counter
    main, for a fully covered hour, recomputed from the stored samples with plain NumPy."""
    raw = _raw(store, RTO_MINE, "R1")
    h = gas[RTO_MINE].hours
    h = h[(h["station"] == "R1") & (h["covered_s"] == 3600)]
    row = h.iloc[len(h) // 2]
    a = row["period"].timestamp()
    b = a + 3600
    sel = raw[(raw["t"] > a - 400) & (raw["t"] < b + 400)]
    t, v = sel["t"].to_numpy(), sel["ch4_flow_nm3_min"].to_numpy()
    assert ((sel["flags"].astype("int64") & EXCLUDE_MASK) == 0).all()
    inner = (t > a) & (t < b)
    tt = np.concatenate([[a], t[inner], [b]])
    vv = np.concatenate([[np.interp(a, t, v)], v[inner], [np.interp(b, t, v)]])
    assert row["ch4_nm3_min"] == pytest.approx(np.trapezoid(vv, tt) / 3600.0, rel=1e-12)

    raw = _raw(store, COUNTER_MINE, "H-MAIN")
    h = gas[COUNTER_MINE].hours
    row = h[(h["station"] == "H-MAIN") & (h["covered_s"] == 3600)].iloc[10]
    a = row["period"].timestamp()
    b = a + 3600
    t, v = raw["t"].to_numpy(), raw["ch4_flow_nm3_min"].to_numpy()
    # a counter's rate holds over (t[i−1], t[i]]
    area = sum(v[i] * (min(t[i], b) - max(t[i - 1], a)) for i in range(1, len(t)) if t[i] > a and t[i - 1] < b)
    assert row["ch4_nm3"] * 60 == pytest.approx(area, rel=1e-12)


# --- sources and what they feed --------------------------------------------------------------------------------


def test_sources_of_the_rto_mine(region: tuple[Path, Path], gas: dict[str, MineGas]) -> None:
    g = gas[RTO_MINE]
    src = {s.station_code: s for s in g.sources}
    assert {k: v.kind for k, v in src.items()} == {"H-MAIN": "drained", "L-MAIN": "drained", "R1": "vam",
                                                     "R2": "vam"}
    assert src["H-MAIN"].drainage_system == "high" and src["L-MAIN"].drainage_system == "low"
    tot = g.totals.set_index("station_code")
    for code, s in src.items():
        # means are the MRV engine's; the concentration is flow-weighted
        assert s.ch4_nm3 == tot.loc[code, "ch4_nm3"]
        assert s.ch4_pct == pytest.approx(100 * s.ch4_flow_nm3_min / s.flow_nm3_min, rel=1e-12)
        assert s.profile is not None and s.profile.total_ch4_nm3 == pytest.approx(s.ch4_nm3, rel=1e-9)
        assert 0.9 < s.data_frac <= 1.0
    feeds = {c: {f.target: f for f in s.feeds} for c, s in src.items()}
    hm = feeds["H-MAIN"]
    assert hm["RTO1"].stations == ("RTO1-IN-H",) and hm["RTO1"].kind == "utilization"
    assert hm["RTO1"].technology == "rto-vam"
    assert hm["VENT-H"].kind == "vent_stack" and hm["VENT-H"].stations == ("H-VENT",)
    ch4 = dict(zip(g.totals["station_code"], g.totals["ch4_nm3"].astype(float), strict=True))
    assert hm["RTO1"].share_frac == pytest.approx(ch4["RTO1-IN-H"] / ch4["H-MAIN"])
    assert set(feeds["L-MAIN"]) >= {"RTO1", "VENT-L"}
    # VAM: what the oxidiser does not draw goes to the atmosphere; R2 feeds nothing
    assert set(feeds["R1"]) == {"RTO1", "atmosphere"}
    assert sum(f.share_frac or 0 for f in feeds["R1"].values()) == pytest.approx(1.0, rel=1e-12)
    assert feeds["R1"]["RTO1"].stations == ("RTO1-IN-R1",)
    assert set(feeds["R2"]) == {"atmosphere"} and feeds["R2"]["atmosphere"].share_frac == pytest.approx(1.0)
    # against the generator's truth: mean pure CH4 of each source over the period
    tr = truth_hours(region[1], RTO_MINE).groupby("station_code")["pure_nm3_min"].mean()
    for code, s in src.items():
        assert s.ch4_flow_nm3_min == pytest.approx(tr[code], rel=0.02), code
    # the mine-sources record for recommend()
    ms = g.mine_sources()
    assert ms.mine == RTO_MINE and ms.underground and not ms.closed
    assert [(x.name, x.kind) for x in ms.sources] == [(c, src[c].kind) for c in src]


def test_sources_of_the_counter_mine(region: tuple[Path, Path], gas: dict[str, MineGas]) -> None:
    g = gas[COUNTER_MINE]
    src = {s.station_code: s for s in g.sources}
    assert set(src) == {"H-MAIN", "L-MAIN", "R1", "R2"}
    hm = {f.target: f for f in src["H-MAIN"].feeds}
    assert {"GE1", "PIPE1", "VENT-H"} <= set(hm)
    assert hm["PIPE1"].kind == "offsite_transfer" and hm["GE1"].stations == ("GE1-IN",)
    tr = truth_hours(region[1], COUNTER_MINE).groupby("station_code")["pure_nm3_min"].mean()
    assert src["H-MAIN"].ch4_flow_nm3_min == pytest.approx(tr["H-MAIN"], rel=0.02)


def test_public_mine_sources_with_settings(region: tuple[Path, Path], gas: dict[str, MineGas]) -> None:
    got = mine_sources(RTO_MINE, PERIOD, get_settings(region[0]))
    assert [s.station_code for s in got] == [s.station_code for s in gas[RTO_MINE].sources]
    assert [s.ch4_nm3 for s in got] == [s.ch4_nm3 for s in gas[RTO_MINE].sources]
    with pytest.raises(InputError, match="no measurements"):
        mine_sources(RTO_MINE, "2025-02", get_settings(region[0]))
    with pytest.raises(InputError):
        mine_sources("990000000009", PERIOD, get_settings(region[0]))


# --- design vs actual of the 伏岩-like RTO -------------------------------------------------------------------------


def test_rto_design_vs_actual_against_the_truth(region: tuple[Path, Path], gas: dict[str, MineGas]) -> None:
    c = gas[RTO_MINE].unit_check("RTO1")
    assert c.design.design_ch4_nm3_min == pytest.approx(108.0) and "top of the window" in c.design_basis
    assert c.inlet_stations == ("RTO1-IN-H", "RTO1-IN-L", "RTO1-IN-R1")
    tr = truth_hours(region[1], RTO_MINE)
    pure = tr.pivot(index="ts", columns="station_code", values="pure_nm3_min")
    mixed = tr.pivot(index="ts", columns="station_code", values="flow_nm3_min")
    inlet = pure[["RTO1-IN-H", "RTO1-IN-L", "RTO1-IN-R1"]].sum(axis=1)
    want = float(np.minimum(1.0, inlet / 108.0).mean())
    assert c.supported_frac == pytest.approx(want, rel=0.01)
    assert 0.10 < c.supported_frac < 0.20                      # starved: about 1/6 of the design (docs/synth.md)
    assert c.actual.binding == "gas supply" and c.actual.hours_short_gas_supply == c.actual.periods_with_data
    assert c.intake_frac == pytest.approx(float(inlet.mean() / 108.0), rel=0.01)
    # potential: all drained gas (inlets + vents) and the whole shaft R1 as VAM, up to 9 000 Nm³/min at ≤ 1.2 %
    rich_p = pure[["RTO1-IN-H", "RTO1-IN-L", "H-VENT", "L-VENT"]].sum(axis=1)
    rich_q = mixed[["RTO1-IN-H", "RTO1-IN-L", "H-VENT", "L-VENT"]].sum(axis=1)
    vam_c = pure["R1"] / mixed["R1"]
    pot = rich_p + np.minimum(mixed["R1"], 9000.0 - rich_q) * vam_c
    assert ((pot / 9000.0) < 0.012).all()                      # the hand solution stays inside the window
    assert c.potential is not None and set(c.potential_streams) == {"H-VENT", "L-VENT", "R1-released"}
    assert c.potential.supported_frac == pytest.approx(float(np.minimum(1.0, pot / 108.0).mean()), rel=0.02)
    assert c.potential.supported_frac > 2 * c.supported_frac
    with pytest.raises(InputError, match="unknown unit"):
        gas[RTO_MINE].unit_check("NOPE")


def test_design_check_of_a_gas_engine_uses_its_nameplate(gas: dict[str, MineGas]) -> None:
    g = gas[COUNTER_MINE]
    u = g.unit("GE1")
    c = g.unit_check("GE1")
    assert u.capacity_el_kw is not None and u.capacity_flow_nm3_min is not None
    from minegas.utilization.catalog import technology

    want = u.capacity_el_kw * 60.0 / (35800.0 * technology("gas-engine").eff_el_frac)
    assert c.design.design_ch4_nm3_min == pytest.approx(min(want, u.capacity_flow_nm3_min), rel=1e-12)
    assert c.inlet_stations == ("GE1-IN",)
    # fed 1:1 from its inlet (window 25–100 %, no dilution): supported = min(1, inlet CH4 / design) hour by hour
    h = g.hours[g.hours["station"] == "GE1-IN"].dropna(subset=["ch4_nm3_min"])
    cap_ch4 = np.minimum(h["ch4_nm3_min"], h["flow_nm3_min"].clip(upper=u.capacity_flow_nm3_min) * h["ch4_pct"] / 100)
    assert c.supported_frac == pytest.approx(float(np.minimum(1.0, cap_ch4 / c.design.design_ch4_nm3_min).mean()),
                                             rel=1e-6)


# --- recommendations from measured sources -------------------------------------------------------------------------


def test_recommend_from_measured_sources(gas: dict[str, MineGas]) -> None:
    g = gas[RTO_MINE]
    rec = recommend(g.mine_sources())
    r1 = next(s for s in g.sources if s.station_code == "R1")
    rto = next(o for o in rec.options if o.technology == "rto-vam" and o.sources == ["R1"])
    # VAM at ~0.23 % lies in the RTO window (0.2–1.2 %): fed as it is, all of it
    assert rto.inlet_ch4_pct == pytest.approx(r1.ch4_pct, rel=1e-9)
    assert rto.ch4_in_nm3_min == pytest.approx(r1.ch4_flow_nm3_min, rel=1e-9)
    assert rto.ch4_in_nm3_yr == pytest.approx(r1.ch4_flow_nm3_min * 60 * 8000, rel=1e-9)
    excl = [e for e in rec.excluded if e.technology == "gas-engine" and e.sources == ["L-MAIN"]]
    assert excl and "below the window" in excl[0].reasons[0]
    assert any(o.sources == ["H-MAIN", "L-MAIN", "R1", "R2"] for o in rec.options)       # the blend of all sources
    assert [o.rank for o in rec.options] == list(range(1, len(rec.options) + 1))
    if rec.economics_status == "ok":
        npv = [o.economics.npv_yuan for o in rec.options if o.economics is not None
               and o.economics.npv_yuan is not None]
        assert len(npv) == len(rec.options)
        assert rec.rank_by == "npv" and npv == sorted(npv, reverse=True)


# --- CLI --------------------------------------------------------------------------------------------------------


def run(args: list[str]) -> int:
    if "util" not in [g.name for g in cli_main.app.registered_groups]:
        cli_main.app.add_typer(util.app, name="util")
    return cli_main.main(args)


@pytest.fixture
def home_env(region: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MINEGAS_HOME", str(region[0]))
    monkeypatch.delenv("MINEGAS_DATABASE_URL", raising=False)
    return region[0]


def test_cli_profile_from_the_store(home_env: Path, gas: dict[str, MineGas], capsys: pytest.CaptureFixture[str]
                                    ) -> None:
    assert run(["util", "profile", "--mine", RTO_MINE, "--period", PERIOD, "--unit", "RTO1", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["period"] == PERIOD and d["ref_state"] == "0C"
    assert [s["station_code"] for s in d["sources"]] == ["H-MAIN", "L-MAIN", "R1", "R2"]
    api = gas[RTO_MINE].unit_check("RTO1")
    assert d["design_check"]["supported_frac"] == pytest.approx(api.supported_frac, rel=1e-12)
    assert d["design_check"]["design"]["design_ch4_nm3_min"] == pytest.approx(108.0)
    r1 = next(s for s in d["sources"] if s["station_code"] == "R1")
    assert r1["profile"]["total_ch4_nm3"] == pytest.approx(r1["ch4_nm3"], rel=1e-9)
    assert {f["target"] for f in r1["feeds"]} == {"RTO1", "atmosphere"}
    assert run(["util", "profile", "--mine", RTO_MINE, "--period", PERIOD, "--station", "RTO1-IN-R1", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    tot = gas[RTO_MINE].totals.set_index("station_code")
    assert d["stations"]["RTO1-IN-R1"]["total_ch4_nm3"] == pytest.approx(tot.loc["RTO1-IN-R1", "ch4_nm3"], rel=1e-9)
    assert run(["util", "profile", "--mine", RTO_MINE, "--period", PERIOD, "--unit", "RTO1",
                "--design-ch4-pct", "1.0", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["design_check"]["design"]["design_ch4_nm3_min"] == pytest.approx(90.0)
    assert run(["util", "profile", "--mine", RTO_MINE, "--period", PERIOD, "--freq", "1D", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["sources"][0]["profile"]["periods"] == DAYS
    assert run(["util", "profile", "--mine", RTO_MINE, "--period", PERIOD, "--unit", "RTO1"]) == 0
    out = capsys.readouterr().out
    assert "RTO1" in out and "design vs actual" in out


@pytest.mark.parametrize(("args", "msg"), [
    (["--mine", RTO_MINE], "--period"),
    (["--mine", RTO_MINE, "--period", PERIOD, "--station", "XX"], "unknown station"),
    (["--mine", RTO_MINE, "--period", PERIOD, "--unit", "XX"], "unknown unit"),
    (["--mine", RTO_MINE, "--period", PERIOD, "--window", "0.2:1.2"], "--window"),
    (["--mine", RTO_MINE, "--period", "2025-02"], "no measurements"),
    (["--mine", RTO_MINE, "--period", "2025-13"], "2025-13"),
    (["--mine", RTO_MINE, "--period", PERIOD, "--freq", "7h"], "does not divide a day"),
    (["--period", PERIOD], "exactly one of FILE and --mine"),
    (["x.csv", "--mine", RTO_MINE], "exactly one of FILE and --mine"),
    (["x.csv", "--unit", "RTO1"], "--unit"),
])
def test_cli_profile_rejections(home_env: Path, capsys: pytest.CaptureFixture[str], args: list[str], msg: str
                                ) -> None:
    assert run(["util", "profile", *args]) == 2
    assert msg in capsys.readouterr().err


def test_cli_recommend_from_the_store(home_env: Path, gas: dict[str, MineGas],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["util", "recommend", "--mine", RTO_MINE, "--period", PERIOD, "--json", "--rank-by", "co2e"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["period"] == PERIOD and d["rank_by"] == "co2e"
    assert [s["station_code"] for s in d["measured_sources"]] == ["H-MAIN", "L-MAIN", "R1", "R2"]
    src = {s.station_code: s for s in gas[RTO_MINE].sources}
    assert {s["name"]: s["flow_nm3_min"] for s in d["sources"]} == pytest.approx(
        {k: v.flow_nm3_min for k, v in src.items()}, rel=1e-12)
    co2e = [o["co2e_net_t_yr"] for o in d["options"]]
    assert co2e == sorted(co2e, reverse=True) and d["excluded"]
    assert run(["util", "recommend", "--mine", RTO_MINE, "--period", PERIOD, "--top", "3"]) == 0
    assert "measured sources" in capsys.readouterr().out
    assert run(["util", "recommend", "--mine", RTO_MINE]) == 2
    assert "--sources/--period" in capsys.readouterr().err
    assert run(["util", "recommend", "--mine", "990000000009", "--period", PERIOD]) == 2
