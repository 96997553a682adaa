"""The project calendar: which months operate, which are commissioning, and how output splits across years.

The cash-flow table is annual (column t = calendar year ``start_year + t``; t = 0 is the investment year). Dated
rules — grid connection in mid-year, commissioning months at reduced load and price, a tariff reform on
2021-05-01, a subsidy that ends 15 years after grid connection, CCER crediting that starts after networking — are
resolved **month by month** and aggregated to yearly shares, so commissioning years get monthly resolution while
the table stays annual.

A month's share of a full year's output is its weight ``w_m`` from a 12-value monthly shape (uniform by default;
e.g. heating-season projects put their weight in winter). A year's operating share is the sum of the weights of its
operating months × the load in each (``commissioning_load_frac`` during commissioning, 1 afterwards).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from minegas.errors import InputError, Problem

FloatArray = npt.NDArray[np.float64]


def month_index(day: dt.date) -> int:
    """Months since year 0 AD of a date's month (``year × 12 + month − 1``): a sortable month number."""
    return day.year * 12 + day.month - 1


@dataclass(frozen=True)
class Calendar:
    """Month-level operating profile of a project.

    Parameters
    ----------
    start_year : calendar year of t = 0 (the investment year).
    operating_years : N; the plant operates until the end of calendar year ``start_year + N``.
    operation_start : first operating month (grid connection / start of commissioning); must lie in year 1 or later.
    commissioning_months : months from ``operation_start`` at commissioning load and price (0 = none).
    commissioning_load_frac : output during commissioning as a fraction of normal output.
    monthly_shape : 12 non-negative weights (Jan…Dec) of a normal year's output; normalised to sum 1.
    tail_years : extra columns after the operating life for lagged cash (deferred subsidies, refunds).
    """

    start_year: int
    operating_years: int
    operation_start: dt.date
    commissioning_months: int = 0
    commissioning_load_frac: float = 1.0
    monthly_shape: tuple[float, ...] = (1.0,) * 12
    tail_years: int = 0

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        if self.operating_years < 1:
            problems.append(Problem("must be ≥ 1", field="timeline.operating_years", value=str(self.operating_years)))
        if self.operation_start.year < self.start_year + 1:
            problems.append(Problem(
                f"operation must start in year 1 ({self.start_year + 1}) or later: year 0 ({self.start_year}) is the "
                "investment year (RETScreen convention)", field="timeline.operation_start",
                value=str(self.operation_start), fix=f"set timeline.start_year to {self.operation_start.year - 1} or "
                f"move operation_start to {self.start_year + 1}-01 or later"))
        if self.operation_start.year > self.start_year + self.operating_years:
            problems.append(Problem("operation starts after the end of the operating life",
                                    field="timeline.operation_start", value=str(self.operation_start)))
        if self.commissioning_months < 0:
            problems.append(Problem("must be ≥ 0", field="timeline.commissioning_months",
                                    value=str(self.commissioning_months)))
        if not 0.0 <= self.commissioning_load_frac <= 1.0:
            problems.append(Problem("must be within 0–1", field="timeline.commissioning_load_frac",
                                    value=str(self.commissioning_load_frac)))
        w = np.asarray(self.monthly_shape, dtype=float)
        if w.shape != (12,) or np.any(w < 0) or not w.sum() > 0:
            problems.append(Problem("needs 12 non-negative weights (Jan…Dec) with a positive sum",
                                    field="timeline.monthly_shape", value=str(list(self.monthly_shape))))
        if problems:
            raise InputError("bad project timeline", problems)

    @property
    def n_periods(self) -> int:
        """Number of columns T of the cash-flow table: year 0, N operating years, tail years."""
        return self.operating_years + 1 + self.tail_years

    @property
    def years(self) -> npt.NDArray[np.int64]:
        """Calendar year of each column."""
        return np.arange(self.n_periods, dtype=np.int64) + self.start_year

    @property
    def weights(self) -> FloatArray:
        w = np.asarray(self.monthly_shape, dtype=float)
        return np.asarray(w / w.sum(), dtype=float)

    def _months(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], FloatArray]:
        """(t, month index, output weight) of every calendar month of the table."""
        t = np.repeat(np.arange(self.n_periods), 12)
        m = np.tile(np.arange(12), self.n_periods)
        mi = (self.start_year + t) * 12 + m
        return t, mi, self.weights[m]

    def monthly_output(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], FloatArray, npt.NDArray[np.bool_]]:
        """Per month: (t, month index, output share of a full normal year, is-commissioning)."""
        t, mi, w = self._months()
        start = month_index(self.operation_start)
        end = (self.start_year + self.operating_years + 1) * 12  # exclusive
        operating = (mi >= start) & (mi < end)
        comm = operating & (mi < start + self.commissioning_months)
        out = np.where(operating, w * np.where(comm, self.commissioning_load_frac, 1.0), 0.0)
        return t, mi, out, comm

    def yearly(self, mask: Callable[[npt.NDArray[np.int64]], npt.NDArray[np.bool_]] | None = None,
               commissioning: bool | None = None) -> FloatArray:
        """Output share per year (T,), optionally only of months where ``mask(month_index)`` holds and/or whose
        commissioning status equals ``commissioning``."""
        t, mi, out, comm = self.monthly_output()
        sel = np.ones_like(out, dtype=bool)
        if mask is not None:
            sel &= mask(mi)
        if commissioning is not None:
            sel &= comm if commissioning else ~comm
        return np.asarray(np.bincount(t, weights=np.where(sel, out, 0.0), minlength=self.n_periods), dtype=float)

    def output_share(self) -> FloatArray:
        """Share of a full normal year's output produced in each year (T,)."""
        return self.yearly()

    def commissioning_share(self) -> FloatArray:
        """Share of a full normal year's output produced during commissioning, per year (T,)."""
        return self.yearly(commissioning=True)

    def operating_time_frac(self) -> FloatArray:
        """Fraction of each calendar year in operation (months / 12, load ignored), for fixed costs (T,)."""
        t, mi, _ = self._months()
        start = month_index(self.operation_start)
        end = (self.start_year + self.operating_years + 1) * 12
        op = ((mi >= start) & (mi < end)).astype(float)
        return np.asarray(np.bincount(t, weights=op, minlength=self.n_periods), dtype=float) / 12.0

    def first_operating_t(self) -> int:
        """Column of the first operating year."""
        return self.operation_start.year - self.start_year

    def operating_year_number(self) -> FloatArray:
        """Operating-year number k = 1, 2, … of each column (0 for year 0, NaN-free: tail years keep counting)."""
        t = np.arange(self.n_periods, dtype=float)
        return np.asarray(np.maximum(t - self.first_operating_t() + 1, 0.0), dtype=float)
