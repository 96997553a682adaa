"""Source profiles: reading user series (validation, fuzzing), hourly aggregation, distributions, duration curve,
availability, trend, and design vs actual (the 伏岩 acceptance check)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minegas.errors import InputError
from minegas.utilization.cases import (
    FUYAN_ACTUAL_CH4_NM3_YR,
    FUYAN_DESIGN_CH4_NM3_YR,
    fuyan_design_check,
    fuyan_supply,
    fuyan_unit,
)
from minegas.utilization.profiles import (
    UnitDesign,
    design_vs_actual,
    duration_curve,
    frame_from_arrays,
    hourly,
    profile,
    read_series,
    station_profile,
)


def _csv(tmp: Path, text: str, name: str = "s.csv") -> Path:
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p


def test_read_csv_with_offsets(tmp_path):
    p = _csv(tmp_path, "ts,station,flow_nm3_min,ch4_pct\n"
                       "2025-03-01T08:00:00+08:00,P1,100,35\n"
                       "2025-03-01T00:30:00Z,P1,,\n"
                       "2025-03-01T09:00:00+08:00,P2,50.5,4.5\n")
    f = read_series(p)
    assert list(f.columns) == ["ts", "station", "flow_nm3_min", "ch4_pct"]
    assert str(f["ts"].dt.tz) == "UTC"
    assert f.loc[f["station"] == "P1", "ts"].iloc[0] == pd.Timestamp("2025-03-01T00:00:00Z")
    assert np.isnan(f.loc[f["station"] == "P1", "flow_nm3_min"].iloc[1])    # empty cell = gap, not an error


def test_read_rejects_with_file_line_field(tmp_path):
    p = _csv(tmp_path, "ts,flow_nm3_min,ch4_pct\n"
                       "2025-03-01T08:00:00,100,35\n"
                       "2025-03-01T09:00:00+08:00,abc,35\n"
                       "2025-03-01T10:00:00+08:00,-5,35\n"
                       "2025-03-01T11:00:00+08:00,10,135\n"
                       "yesterday,10,35\n")
    with pytest.raises(InputError) as ei:
        read_series(p)
    msg = str(ei.value)
    for frag in ("s.csv:2", "no UTC offset", "s.csv:3", "not a number", "s.csv:4", "≥ 0", "s.csv:5", "0–100",
                 "s.csv:6", "time not understood"):
        assert frag in msg, frag
    assert [pr.line for pr in ei.value.problems] == [2, 3, 4, 5, 6]


def test_read_naive_times_with_declared_zone(tmp_path):
    p = _csv(tmp_path, "time,q,c\n2025-03-01 08:00:00,100,35\n")
    f = read_series(p, time_col="time", flow_col="q", ch4_col="c", tz="Asia/Shanghai", station="HP")
    assert f["ts"].iloc[0] == pd.Timestamp("2025-03-01T00:00:00Z") and f["station"].iloc[0] == "HP"


def test_read_missing_columns_and_types(tmp_path):
    with pytest.raises(InputError, match="missing columns"):
        read_series(_csv(tmp_path, "ts,flow\n2025-03-01T08:00:00+08:00,1\n"))
    with pytest.raises(InputError, match="unsupported"):
        read_series(_csv(tmp_path, "x", name="s.json"))


def test_read_parquet(tmp_path):
    ts = pd.date_range("2025-03-01", periods=3, freq="1h", tz="Asia/Shanghai")
    t = pa.table({"ts": ts, "flow_nm3_min": [1.0, 2.0, 3.0], "ch4_pct": [10.0, 10.0, 10.0]})
    pq.write_table(t, tmp_path / "x.parquet")
    f = read_series(tmp_path / "x.parquet")
    assert f["station"].iloc[0] == "x" and len(f) == 3
    naive = pa.table({"ts": pd.date_range("2025-03-01", periods=2, freq="1h"), "flow_nm3_min": [1.0, 2.0],
                      "ch4_pct": [5.0, 5.0]})
    pq.write_table(naive, tmp_path / "n.parquet")
    with pytest.raises(InputError, match="no time zone"):
        read_series(tmp_path / "n.parquet")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=300))
def test_read_series_fuzz(tmp_path, text):
    p = tmp_path / "fuzz.csv"
    p.write_text("ts,flow_nm3_min,ch4_pct\n" + text, encoding="utf-8")
    try:
        f = read_series(p)
    except InputError:
        return
    assert (f["flow_nm3_min"].dropna() >= 0).all()
    assert f["ch4_pct"].dropna().between(0, 100).all()
    assert str(f["ts"].dt.tz) == "UTC"


def test_hourly_aggregation_by_hand():
    # two samples in one hour: flows 10 and 30 Nm³/min at 10 % and 20 % → mean flow 20, pure (1 + 6)/2 = 3.5,
    # concentration 100 × 3.5 / 20 = 17.5 % (flow-weighted, not the 15 % plain mean); then a one-hour gap
    ts = pd.to_datetime(["2025-01-01T00:10Z", "2025-01-01T00:40Z", "2025-01-01T02:00Z"])
    f = pd.DataFrame({"ts": ts, "station": "A", "flow_nm3_min": [10, 30, 5], "ch4_pct": [10, 20, 40]})
    h = hourly(f)
    assert len(h) == 3 and list(h["samples"]) == [2, 0, 1]
    assert h["flow_nm3_min"].iloc[0] == pytest.approx(20.0)
    assert h["ch4_nm3_min"].iloc[0] == pytest.approx(3.5)
    assert h["ch4_pct"].iloc[0] == pytest.approx(17.5)
    assert np.isnan(h["flow_nm3_min"].iloc[1])
    p = station_profile(h, "A")
    assert p.data_frac == pytest.approx(2 / 3)
    assert p.total_ch4_nm3 == pytest.approx((3.5 + 2.0) * 60)


def test_duration_curve():
    x, v = duration_curve(np.arange(1, 101, dtype=float), points=5)
    assert list(x) == [0, 25, 50, 75, 100]
    assert v[0] == 100 and v[-1] == 1 and v[2] == pytest.approx(50.5)
    assert np.all(np.diff(v) <= 0)


def test_profile_statistics_and_trend():
    # a year of hourly data: pure CH4 declines linearly from 10 to 9 Nm³/min (−1 Nm³/min/yr), 30 % gas;
    # every 10th hour missing; one day at 0 flow
    ts = pd.date_range("2024-01-01", "2025-01-01", freq="1h", inclusive="left", tz="UTC")
    t_yr = (ts - ts[0]).total_seconds().to_numpy() / (365.25 * 86400)
    pure = 10.0 - t_yr
    flow = pure / 0.30
    flow[24 * 100:24 * 101] = 0.0
    keep = np.arange(len(ts)) % 10 != 3
    f = frame_from_arrays(ts[keep], {"HP": (flow[keep], np.full(keep.sum(), 30.0))})
    prof = profile(f)["HP"]
    last = np.flatnonzero(keep)[-1]                      # the span runs from the first to the last hour with data
    assert prof.periods == last + 1
    assert prof.data_frac == pytest.approx(keep[:last + 1].mean(), rel=1e-12)
    assert prof.supply_frac == pytest.approx(1 - keep[24 * 100:24 * 101].sum() / keep.sum(), rel=1e-12)
    assert prof.trend_ch4_nm3_min_per_yr == pytest.approx(-1.0, rel=0.02)
    assert prof.trend_pct_per_yr == pytest.approx(-100 / 9.5, rel=0.03)
    zero = keep[24 * 100:24 * 101].sum()                 # hours with data but no flow count as 0 % CH4 ("vam")
    assert prof.class_hours_frac["high"] == pytest.approx(1 - zero / keep.sum(), rel=1e-12)
    assert prof.class_hours_frac["vam"] == pytest.approx(zero / keep.sum(), rel=1e-12)
    assert prof.percentiles["ch4_pct"]["p50"] == pytest.approx(30.0)
    dc = prof.duration_curve
    assert dc["ch4_nm3_min"].iloc[0] == pytest.approx(pure[keep].max(), rel=1e-6)
    assert prof.as_dict()["station"] == "HP"


def test_design_vs_actual_unit_limited():
    # 35 % gas only, no air, into a 0.2–1.2 % unit: plenty of CH4 but it cannot enter → unit constraints
    ts = pd.date_range("2025-01-01", periods=48, freq="1h", tz="UTC")
    f = frame_from_arrays(ts, {"HP": (np.full(48, 100.0), np.full(48, 35.0))})
    r = design_vs_actual(hourly(f), UnitDesign("rto", 1500, 1.2, 0.2, 1.2))
    assert r.supported_frac == 0.0 and r.binding == "unit constraints"
    # with air available the same gas supports the design fully (18 Nm³/min of 35 Nm³/min)
    f2 = frame_from_arrays(ts, {"HP": (np.full(48, 100.0), np.full(48, 35.0)),
                                "air": (np.full(48, 1e5), np.zeros(48))})
    r2 = design_vs_actual(hourly(f2), UnitDesign("rto", 1500, 1.2, 0.2, 1.2))
    assert r2.supported_frac == pytest.approx(1.0) and r2.binding.startswith("none")


def test_fuyan_design_vs_actual_acceptance():
    # seed 003 §4.4: design 6 × 90 000 Nm³/h at 1.2 % = 108 Nm³/min pure CH4; supply VAM 0.2–0.3 % (mean 0.25 %)
    # in the oxidisers' 9 000 Nm³/min, top-up gas unstable (none). By hand: 9000 × 0.25 % / 108 = 0.2083.
    r = fuyan_design_check()
    assert fuyan_unit().design_ch4_nm3_min == pytest.approx(108.0)
    assert r.supported_frac == pytest.approx(22.5 / 108.0, rel=1e-6)
    assert r.binding == "gas supply" and r.hours_short_gas_supply == r.periods_with_data
    stated, implied = 1 / 6, FUYAN_ACTUAL_CH4_NM3_YR / FUYAN_DESIGN_CH4_NM3_YR
    assert implied == pytest.approx(0.2112, abs=1e-4)
    assert stated <= r.supported_frac <= implied                      # lands in the report's own band
    text = " ".join(r.comparison)
    assert "inside the published band" in text and "disagree" in text
    # the design CH4 per year at 8 000 h reproduces 表11's 5184万 Nm³
    assert fuyan_unit().design_ch4_nm3_min * 60 * 8000 == pytest.approx(FUYAN_DESIGN_CH4_NM3_YR)


def test_fuyan_with_topup_leaves_the_band():
    # 10 Nm³/min of pure CH4 top-up at 4.5 % (222.2 Nm³/min) displaces VAM in the 9 000 Nm³/min capacity:
    # (10 + 0.25 % × (9000 − 222.2)) / 108 = 0.2958, above both published figures
    r = fuyan_design_check(topup_ch4_nm3_min=10.0)
    assert r.supported_frac == pytest.approx((10 + 0.0025 * (9000 - 10 / 0.045)) / 108, rel=1e-6)
    assert any("outside the published band" in c for c in r.comparison)
    f = fuyan_supply()
    assert f["ch4_pct"].min() >= 0.2 - 1e-12 and f["ch4_pct"].max() <= 0.3 + 1e-12
