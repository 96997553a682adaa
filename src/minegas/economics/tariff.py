"""Grid tariffs and their **cash timing**: the Shanxi mine-gas power tariff (以收定支 / 低电价 / coal base) and a
flat tariff with an optional time-limited adder (Shaanxi/Guizhou style "benchmark + subsidy").

Shanxi (seed 003 §4.1.3, §4.4.3, §5.1 and appendix 1; parameter set ``policy.shanxi.gas-power-tariff``):

- before the reform (2021-05-01) the benchmark 0.509 元/kWh (2017 notice) is paid in full;
- from 2021-05-01 an eligible project chooses
  - **以收定支** (``yishou-dingzhi``): tariff 0.509, of which the grid pays the coal base 0.332 at once and the
    rest (0.509 − 0.332 = 0.177) is *cleared yearly* — cash the following year (``clearing_lag_years``), and when the
    fund is short the unpaid part waits (``deferral_years`` more, for the share not ``paid_on_time_frac``);
  - **低电价** (``low-price``): 0.4048 paid in full in the year;
- the subsidy ends 15 years after grid connection; afterwards the coal base price is paid;
- projects approved (核准) on or after the cut-off get the coal base only (``coal-base``); the seed dates the
  cut-off three ways (2020-08-07 in §4.1.3; the 2021 tariff notice, dated February 2021 in table 5 and March 2021
  in §4.1.4) — default 2020-08-07, a parameter;
- during commissioning the plant is paid 80 % of the coal base (0.2656 元/kWh at 伏岩, §4.4.3, citing the 2011
  SERC rules on commercial operation), with no subsidy.

Each month of output is assigned one regime; the yearly *share* of a full year's output in each regime multiplies
the annual grid energy. Prices per regime:

=============== ======================== =========================
regime           paid in the year          accrued, paid later
=============== ======================== =========================
commissioning    f × base                  —
benchmark        benchmark (0.509)         —
low              low price (0.4048)        —
deferred         base (0.332)              benchmark − base
base             base                      —
=============== ======================== =========================
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from minegas.economics.timeline import Calendar, month_index
from minegas.errors import InputError, Problem

FloatArray = npt.NDArray[np.float64]

REGIMES = ("commissioning", "benchmark", "low", "deferred", "base")
"""Tariff regimes of a month's output (see module docstring)."""

ShanxiScheme = Literal["yishou-dingzhi", "low-price", "coal-base"]
SHANXI_SCHEMES: tuple[str, ...] = ("yishou-dingzhi", "low-price", "coal-base")


@dataclass(frozen=True)
class ShanxiTariff:
    """Parameters of the Shanxi mine-gas tariff (values and sources in ``policy.shanxi.gas-power-tariff``).

    Attributes
    ----------
    benchmark_yuan_per_kwh : 0.509, the 2017 benchmark and the 以收定支 tariff.
    coal_base_yuan_per_kwh : 0.332, the coal-fired base price (燃煤发电基准价).
    low_price_yuan_per_kwh : 0.4048, the 低电价 settlement price.
    reform_date : 2021-05-01, first day of the two-option settlement.
    approval_cutoff : projects approved on or after this date get the coal base only.
    subsidy_years : years after grid connection during which the subsidised tariff applies (15).
    commissioning_price_frac : share of the coal base paid during commissioning (0.8).
    clearing_lag_years : years between the output and the cash of the cleared subsidy (1: cleared yearly).
    """

    benchmark_yuan_per_kwh: float = 0.509
    coal_base_yuan_per_kwh: float = 0.332
    low_price_yuan_per_kwh: float = 0.4048
    reform_date: dt.date = dt.date(2021, 5, 1)
    approval_cutoff: dt.date = dt.date(2020, 8, 7)
    subsidy_years: int = 15
    commissioning_price_frac: float = 0.8
    clearing_lag_years: int = 1


@dataclass(frozen=True)
class RegimeShares:
    """Share of a full year's grid output in each tariff regime, per year (each shape (T,)), and the rules used."""

    shares: dict[str, FloatArray]
    scheme: str
    subsidy_end: dt.date | None
    eligible_for_subsidy: bool
    notes: tuple[str, ...] = ()

    def total(self) -> FloatArray:
        return np.asarray(sum(self.shares.values()), dtype=float)


def _empty(n: int) -> dict[str, FloatArray]:
    return {r: np.zeros(n) for r in REGIMES}


def _add_months(day: dt.date, months: int) -> dt.date:
    m = month_index(day) + months
    return dt.date(m // 12, m % 12 + 1, 1)


def shanxi_shares(cal: Calendar, policy: ShanxiTariff, scheme: str, approval_date: dt.date | None,
                  grid_connection: dt.date | None = None) -> RegimeShares:
    """Regime shares per year for a Shanxi mine-gas power plant.

    Parameters
    ----------
    cal : the project calendar (operation start = grid connection unless ``grid_connection`` is given).
    policy : tariff parameters.
    scheme : 'yishou-dingzhi', 'low-price' or 'coal-base' (the plant's choice from 2021-05-01).
    approval_date : date of project approval (核准); None = before the cut-off (eligible).
    grid_connection : start of the 15-year subsidy clock (default: ``cal.operation_start``).
    """
    if scheme not in SHANXI_SCHEMES:
        raise InputError("unknown Shanxi tariff scheme", [Problem(
            f"must be one of {', '.join(SHANXI_SCHEMES)}", field="tariff.scheme", value=str(scheme))])
    n = cal.n_periods
    shares = _empty(n)
    t, mi, out, comm = cal.monthly_output()
    gc = grid_connection or cal.operation_start
    end = _add_months(gc, 12 * policy.subsidy_years)
    eligible = approval_date is None or approval_date < policy.approval_cutoff
    notes: list[str] = []
    if not eligible:
        notes.append(f"approved {approval_date} — on or after the cut-off {policy.approval_cutoff}: coal base price "
                     f"{policy.coal_base_yuan_per_kwh} only, no tariff subsidy")
        scheme_eff = "coal-base"
    else:
        scheme_eff = scheme
    reform = month_index(policy.reform_date)
    end_i = month_index(end)
    regime = np.full(mi.shape, "base", dtype=object)
    normal = ~comm
    if scheme_eff != "coal-base":
        in_subsidy = normal & (mi < end_i)
        regime[in_subsidy & (mi < reform)] = "benchmark"
        after = in_subsidy & (mi >= reform)
        regime[after] = "deferred" if scheme_eff == "yishou-dingzhi" else "low"
    regime[comm] = "commissioning"
    for r in REGIMES:
        sel = regime == r
        shares[r] = np.asarray(np.bincount(t, weights=np.where(sel, out, 0.0), minlength=n), dtype=float)
    return RegimeShares(shares, scheme_eff, end if eligible and scheme_eff != "coal-base" else None, eligible,
                        tuple(notes))


def flat_shares(cal: Calendar, adder_years: int | None, grid_connection: dt.date | None = None) -> RegimeShares:
    """Regime shares for a flat tariff ``price (+ adder for adder_years after grid connection)``.

    The months with the adder are put in the 'benchmark' regime (paid price + adder at once), later months and
    tariffs without adder in 'base'; commissioning months in 'commissioning'.
    """
    n = cal.n_periods
    shares = _empty(n)
    t, mi, out, comm = cal.monthly_output()
    gc = grid_connection or cal.operation_start
    regime = np.full(mi.shape, "base", dtype=object)
    end: dt.date | None = None
    if adder_years:
        end = _add_months(gc, 12 * adder_years)
        regime[(~comm) & (mi < month_index(end))] = "benchmark"
    regime[comm] = "commissioning"
    for r in REGIMES:
        shares[r] = np.asarray(np.bincount(t, weights=np.where(regime == r, out, 0.0), minlength=n), dtype=float)
    return RegimeShares(shares, "flat", end, bool(adder_years), ())


def deferred_cash(accrued_yuan: FloatArray, clearing_lag_years: int, deferral_years: int,
                  paid_on_time_frac: npt.ArrayLike) -> FloatArray:
    """Cash timing of a subsidy accrued in year t [元], shape (D, T).

    ``paid_on_time_frac`` of the year-t claim arrives in year t + clearing lag; the rest ``deferral_years`` later
    (以收定支: "不足部分单独统计、暂不兑付,待实际回收补贴资金超出应结算补贴额时,予以逐年追补"). Money is conserved as
    long as the table has enough tail years (the engine sizes them).
    """
    if clearing_lag_years < 0 or deferral_years < 0:
        raise InputError("bad subsidy timing", [Problem("lags must be ≥ 0 years", field="tariff.deferral_years",
                                                        value=f"{clearing_lag_years}, {deferral_years}")])
    a = np.atleast_2d(accrued_yuan)
    n = a.shape[1]
    p0 = np.asarray(paid_on_time_frac, dtype=float)
    p = p0.reshape(-1, 1) if p0.ndim else p0
    out = np.zeros_like(a, dtype=float)
    l1 = clearing_lag_years
    l2 = clearing_lag_years + deferral_years
    if l1 < n:
        out[:, l1:] += (a * p)[:, : n - l1]
    if l2 < n:
        out[:, l2:] += (a * (1.0 - p))[:, : n - l2]
    return out


def regime_prices(kind: str, *, benchmark: npt.ArrayLike, base: npt.ArrayLike, low: npt.ArrayLike,
                  commissioning_frac: npt.ArrayLike) -> tuple[dict[str, npt.ArrayLike], dict[str, npt.ArrayLike]]:
    """Prices paid at once and accrued for later, per regime [元/kWh] (see the module table)."""
    b = np.asarray(benchmark, dtype=float)
    c = np.asarray(base, dtype=float)
    now: dict[str, npt.ArrayLike] = {
        "commissioning": np.asarray(commissioning_frac, dtype=float) * c,
        "benchmark": b,
        "low": np.asarray(low, dtype=float),
        "deferred": c,
        "base": c,
    }
    later: dict[str, npt.ArrayLike] = {r: 0.0 for r in REGIMES}
    if kind == "shanxi":
        later["deferred"] = b - c
    return now, later
