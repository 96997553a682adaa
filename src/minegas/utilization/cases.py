"""Utilization checks built on the seed report's cases (seed 003, iGDP 2024): the 伏岩 design-vs-actual check and
the 表9 comparison of a VAM oxidiser with a thermal island. Figures are quoted with their section; arithmetic that
derives one figure from others is spelled out next to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from minegas.utilization.catalog import SourceSizing, size_for_source, technology
from minegas.utilization.profiles import (
    DesignCheck,
    PublishedFigure,
    UnitDesign,
    design_vs_actual,
    frame_from_arrays,
    hourly,
)

# --- 伏岩 (case 4), seed 003 §4.4 ------------------------------------------------------------------------------

FUYAN_RTO_COUNT = 6
"""6 台 RTO (§4.4.2)."""
FUYAN_RTO_FLOW_NM3_H = 90_000.0
"""单台装置乏风处理流量为 9×10⁴ Nm³/h (§4.4.2)."""
FUYAN_WINDOW_PCT = (0.2, 1.2)
"""允许的甲烷浓度 0.2%–1.2% (§4.4.2)."""
FUYAN_DESIGN_PCT = 1.2
"""进气中甲烷含量约为 1.2% (§4.4.2)."""
FUYAN_VAM_PCT = (0.2, 0.3)
"""乏风瓦斯 浓度范围 0.2–0.3% (§4.4.1, 表11)."""
FUYAN_DESIGN_HOURS = 8000.0
"""Hours per year implied by 表11: 6 × 90 000 Nm³/h × 1.2 % × 8 000 h = 5 184万 Nm³."""
FUYAN_DESIGN_CH4_NM3_YR = 5184e4
"""表11 乏风年消费量 5184万 Nm³ (pure CH4)."""
FUYAN_CAPACITY_MW = 15.0
"""15 MW 汽轮发电机组 (§4.4.2)."""
FUYAN_ACTUAL_KWH_PER_DAY = 6e4
"""现在的日发电量为 6 万度左右, 是设计条件下日发电量的 1/6 (§4.4.2)."""
FUYAN_ACTUAL_CH4_NM3_YR = 1095e4
"""估算目前每年实际的甲烷摧毁量达到 1095 万 Nm³ (§4.4.3)."""


def fuyan_unit() -> UnitDesign:
    """The 伏岩 oxidiser plant as one unit: 6 × 90 000 Nm³/h = 9 000 Nm³/min at 1.2 %, window 0.2–1.2 %."""
    return UnitDesign("伏岩 6×RTO", FUYAN_RTO_COUNT * FUYAN_RTO_FLOW_NM3_H / 60.0, FUYAN_DESIGN_PCT,
                      FUYAN_WINDOW_PCT[0], FUYAN_WINDOW_PCT[1], safe_transport=False)


def fuyan_supply(year: int = 2024, topup_ch4_nm3_min: float = 0.0, topup_pct: float = 4.5) -> pd.DataFrame:
    """An hourly supply profile built from the report's figures (a sample frame for :func:`hourly`).

    - ``VAM``: the RTOs' design air flow, 6 × 90 000 Nm³/h = 9 000 Nm³/min, at a CH4 concentration that swings
      daily across the report's 0.2–0.3 % (``0.25 + 0.05 sin(2π h/24)``, mean 0.25 %). The report gives no
      return-air flow; any larger airflow changes nothing, because the oxidisers take at most 9 000 Nm³/min.
    - ``topup``: the low-concentration drained gas (3–6 %) that should lift the mix to 1.2 %. The report says this
      source is not stable (来源并不稳定) and gives no quantity, so the default is none; pass a pure CH4 flow
      [Nm³/min] to test other assumptions.

    Times are hourly over the calendar year (CST), stored in UTC.
    """
    ts = pd.date_range(f"{year}-01-01", f"{year + 1}-01-01", freq="1h", inclusive="left", tz="Asia/Shanghai")
    h = np.arange(len(ts), dtype=float)
    mid = (FUYAN_VAM_PCT[0] + FUYAN_VAM_PCT[1]) / 2.0
    amp = (FUYAN_VAM_PCT[1] - FUYAN_VAM_PCT[0]) / 2.0
    vam_pct = mid + amp * np.sin(2.0 * np.pi * h / 24.0)
    vam_flow = np.full(len(ts), FUYAN_RTO_COUNT * FUYAN_RTO_FLOW_NM3_H / 60.0)
    series = {"VAM": (vam_flow, vam_pct)}
    if topup_ch4_nm3_min > 0:
        series["topup"] = (np.full(len(ts), topup_ch4_nm3_min * 100.0 / topup_pct), np.full(len(ts), topup_pct))
    return frame_from_arrays(ts.tz_convert("UTC"), series)


def fuyan_published() -> list[PublishedFigure]:
    """The report's two actual/design ratios for 伏岩, with what each compares.

    - 1/6: "日发电量 6 万度左右, 是设计条件下日发电量的 1/6" — 6万 kWh/day against 15 MW × 24 h = 36万 kWh/day.
    - 1095/5184 = 0.211: CH4 destroyed per year (1095万 Nm³, §4.4.3) against the design gas (5184万 Nm³, 表11).
      1095万 = 6万 kWh/day × 365 / 2.0 kWh per Nm³, i.e. the report converted power to gas at ≈ 20 % electric
      efficiency (2.0 / 9.94 kWh per Nm³ LHV).
    """
    return [
        PublishedFigure("stated 1/6", 1.0 / 6.0,
                        f"{FUYAN_ACTUAL_KWH_PER_DAY:,.0f} kWh/day vs {FUYAN_CAPACITY_MW:g} MW × 24 h"),
        PublishedFigure("implied 1095/5184", FUYAN_ACTUAL_CH4_NM3_YR / FUYAN_DESIGN_CH4_NM3_YR,
                        "CH4 destroyed per year vs the design gas of 表11"),
    ]


def fuyan_design_check(year: int = 2024, topup_ch4_nm3_min: float = 0.0) -> DesignCheck:
    """Design vs actual for 伏岩 on :func:`fuyan_supply` (acceptance check of the utilization issue)."""
    return design_vs_actual(hourly(fuyan_supply(year, topup_ch4_nm3_min)), fuyan_unit(), published=fuyan_published())


# --- 表9 (seed 003 §4.2.2) ------------------------------------------------------------------------------------

TABLE9_CH4_NM3_MIN = 10.0
"""表9 气源条件: 纯量 10 Nm³/min."""
TABLE9_SOURCE_PCT = 5.0
"""表9 气源条件: 瓦斯浓度 5 %."""


@dataclass(frozen=True)
class Table9:
    """The 表9 comparison recomputed from the catalog: sizing and efficiencies of both units."""

    vam_oxidiser: SourceSizing
    thermal_island: SourceSizing
    oxidation_frac: tuple[float, float]
    heat_recovery_frac: tuple[float, float]
    windows_pct: tuple[tuple[float, float], tuple[float, float]]


def table9() -> Table9:
    """Size the VAM oxidiser (rto-vam) and the thermal island for 10 Nm³/min pure CH4 at 5 % (seed 003 表9)."""
    rto, ti = technology("rto-vam"), technology("thermal-island")
    return Table9(size_for_source(rto, TABLE9_CH4_NM3_MIN, TABLE9_SOURCE_PCT),
                  size_for_source(ti, TABLE9_CH4_NM3_MIN, TABLE9_SOURCE_PCT),
                  (rto.destruction_efficiency_frac, ti.destruction_efficiency_frac),
                  (rto.heat_recovery_frac or 0.0, ti.heat_recovery_frac or 0.0),
                  ((rto.ch4_min_pct, rto.ch4_max_pct), (ti.ch4_min_pct, ti.ch4_max_pct)))
