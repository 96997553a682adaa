"""Utilization subsidies for coalbed methane / coal mine methane (煤层气(煤矿瓦斯)开发利用补贴).

Rules (seed 003 appendix 1; econ research note §4.3; values in the ``policy.*`` parameter sets):

- central fixed rate per m³ utilized: 0.2 元/m³ (from 2007), 0.3 元/m³ (2016–2018, MOF 2016-02-14 notice); from
  2019 no fixed rate (MOF 2019-06-11 supplementary notice);
- from 2019/2020 the fund is allocated "more growth, more award" (多增多补) with a winter bonus (冬增冬补)
  (Clean Energy Development Fund measures, 2020-06-12, arts. 12–13):

  - counted volume ``V = shale + 1.2 × CBM + tight-gas increment over 2017`` (CBM, incl. CMM, counts × 1.2)
    [seed 003 appendix, verified in the seed text];
  - award volume ``A_t = V_{t−1} + 1.5 × (H_t − H_{t−1}) + (V_t − V_{t−1}) × k``, floored at 0, where H is the
    heating-season volume and ``k`` = 1.25 / 1.5 / 1.75 / 2 for growth 0–5 / 5–10 / 10–20 / > 20 % (the same
    coefficients as deductions for a decline) [research note §4.3 citing a summary of the MOF measures: secondary];
  - a region's award = national fund × (its award volume / national award volume);

- Shanxi provincial: 0.05 元/m³, raised by 0.05 to 0.10 元/m³ during the 2015–2017 coverage programme;
- Guizhou (2021–2025): CMM 0.1 元/m³ at a utilization rate of 35–55 % (inclusive), 0.2 above 55 %; surface CBM
  0.2; one-off 50万元 for new gas power ≤ 1000 kW, 80万元 above; 500万元 for a new enrichment plant;
- Shaanxi (2014): 0.1 元/m³ (pure) on measured utilization, for local enterprises.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from minegas.errors import InputError, Problem

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class GrowthTier:
    """Growth band ``[low_frac, high_frac)`` and its coefficient k."""

    low_frac: float
    high_frac: float
    k: float


DEFAULT_TIERS: tuple[GrowthTier, ...] = (
    GrowthTier(0.0, 0.05, 1.25), GrowthTier(0.05, 0.10, 1.5), GrowthTier(0.10, 0.20, 1.75),
    GrowthTier(0.20, float("inf"), 2.0),
)
"""多增多补 growth coefficients (research note §4.3 [S]); the live values are in the policy parameter set."""


def growth_coefficient(growth_frac: npt.ArrayLike, tiers: Sequence[GrowthTier] = DEFAULT_TIERS) -> FloatArray:
    """Coefficient k for a growth (or, by its absolute value, a decline) of the counted volume."""
    g = np.abs(np.asarray(growth_frac, dtype=float))
    out = np.full(g.shape, tiers[-1].k, dtype=float)
    for tier in reversed(tiers):
        out = np.where((g >= tier.low_frac) & (g < tier.high_frac), tier.k, out)
    return out


def counted_volume(cbm_nm3: npt.ArrayLike, shale_nm3: npt.ArrayLike = 0.0, tight_increment_nm3: npt.ArrayLike = 0.0,
                   cbm_factor: float = 1.2) -> FloatArray:
    """Volume counted for the award: ``shale + cbm_factor × CBM + tight-gas increment over 2017`` [m³]."""
    return np.asarray(np.asarray(shale_nm3, float) + cbm_factor * np.asarray(cbm_nm3, float)
                      + np.asarray(tight_increment_nm3, float), dtype=float)


def award_volume(counted_nm3: npt.ArrayLike, heating_nm3: npt.ArrayLike, counted_prev_nm3: npt.ArrayLike,
                 heating_prev_nm3: npt.ArrayLike, heating_factor: float = 1.5,
                 tiers: Sequence[GrowthTier] = DEFAULT_TIERS) -> FloatArray:
    """Award volume of one year: ``max(0, V_prev + h (H − H_prev) + (V − V_prev) k(growth))`` [m³].

    ``growth = (V − V_prev)/V_prev``; with ``V_prev = 0`` (a first year) the growth is taken as unbounded (top tier).
    """
    v = np.asarray(counted_nm3, dtype=float)
    vp = np.asarray(counted_prev_nm3, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(vp > 0, (v - vp) / np.where(vp > 0, vp, 1.0), np.inf)
    k = growth_coefficient(g, tiers)
    a = vp + heating_factor * (np.asarray(heating_nm3, float) - np.asarray(heating_prev_nm3, float)) + (v - vp) * k
    return np.asarray(np.maximum(a, 0.0), dtype=float)


def award_series(counted_nm3: FloatArray, heating_nm3: FloatArray, heating_factor: float = 1.5,
                 tiers: Sequence[GrowthTier] = DEFAULT_TIERS, counted_before_nm3: float = 0.0,
                 heating_before_nm3: float = 0.0) -> FloatArray:
    """Award volumes for consecutive years, shape (D, T) or (T,): each year against the year before."""
    v = np.atleast_2d(np.asarray(counted_nm3, dtype=float))
    h = np.atleast_2d(np.asarray(heating_nm3, dtype=float))
    vp = np.concatenate([np.full((v.shape[0], 1), counted_before_nm3), v[:, :-1]], axis=1)
    hp = np.concatenate([np.full((h.shape[0], 1), heating_before_nm3), h[:, :-1]], axis=1)
    out = award_volume(v, h, vp, hp, heating_factor, tiers)
    return out if np.ndim(counted_nm3) > 1 else out[0]


def allocate_fund(national_fund_yuan: float, local_award_nm3: npt.ArrayLike, national_award_nm3: float) -> FloatArray:
    """A region's (or company's) award [元] = fund × local award volume / national award volume."""
    if not national_award_nm3 > 0:
        raise InputError("bad award allocation", [Problem("the national award volume must be > 0",
                                                          field="national_award_nm3", value=str(national_award_nm3))])
    return np.asarray(national_fund_yuan * np.asarray(local_award_nm3, dtype=float) / national_award_nm3, dtype=float)


def guizhou_cmm_rate(utilization_frac: npt.ArrayLike, low_rate: float = 0.1, high_rate: float = 0.2,
                     low_from: float = 0.35, high_above: float = 0.55) -> FloatArray:
    """Guizhou CMM utilization award [元/m³]: 0 below 35 %, 0.1 for 35–55 % (inclusive), 0.2 above 55 %."""
    u = np.asarray(utilization_frac, dtype=float)
    return np.asarray(np.where(u > high_above, high_rate, np.where(u >= low_from, low_rate, 0.0)), dtype=float)


def guizhou_power_one_off(capacity_kw: float, small_yuan: float = 5e5, large_yuan: float = 8e5,
                          threshold_kw: float = 1000.0) -> float:
    """Guizhou one-off award for a new mine-gas power plant [元]: 50万 up to 1000 kW (inclusive), 80万 above."""
    return small_yuan if capacity_kw <= threshold_kw else large_yuan


def fixed_rate_subsidy(volume_nm3: npt.ArrayLike, rate_yuan_per_nm3: npt.ArrayLike) -> FloatArray:
    """Subsidy [元] = utilized pure volume [m³] × rate [元/m³]."""
    return np.asarray(np.asarray(volume_nm3, dtype=float) * np.asarray(rate_yuan_per_nm3, dtype=float), dtype=float)
