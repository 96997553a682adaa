"""Gas-supply profiles: pure CH4 available to the plant per operating year [Nm³, 0 °C, 101.325 kPa].

Gas supply is the dominant risk of mine-methane projects (EPA NEPIS P101518J, econ research note §4.7), so a
profile is a series, not a constant:

- ``constant``: the same volume every operating year;
- ``decline``: exponential decline ``S_k = S_1 (1 − d)^(k−1)`` for operating year k;
- ``series``: one value per operating year (e.g. a mine-plan forecast);
- ``monitoring``: derived from monitoring data — monthly pure CH4 volumes (e.g. the MRV module's monthly totals);
  the level is the last 12 months' total and, optionally, the decline is fitted by least squares on
  ``ln(monthly volume)`` (``numpy.polyfit``), annualised.

Flows convert with the project's conventions: a pure flow in Nm³/min × 525 600 min/yr; a mixed flow × CH4 % at its
named reference state converted to 0 °C (:func:`minegas.physics.convert_state`); scfm (60 °F, 1 atm) via
0.028 316 846 592 m³/ft³.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from minegas.errors import InputError, Problem
from minegas.physics.constants import M3_PER_FT3, MIN_PER_DAY
from minegas.physics.density import pure_volume
from minegas.physics.states import convert_state

FloatArray = npt.NDArray[np.float64]

MIN_PER_YEAR = MIN_PER_DAY * 365.0
"""Minutes in a 365-day year (525 600) — the year the seed report's "per year" figures use."""
HOURS_PER_YEAR = 8760.0
"""Hours in a 365-day year."""


def pure_nm3_per_year_from_flow(ch4_flow_nm3_min: float) -> float:
    """Annual pure CH4 [Nm³/yr] from a continuous pure flow [Nm³/min at 0 °C]."""
    return float(ch4_flow_nm3_min) * MIN_PER_YEAR


def pure_nm3_per_year_from_mixed(mixed_flow_m3_per_h: float, ch4_pct: float, state: str = "0C") -> float:
    """Annual pure CH4 [Nm³/yr] from a continuous mixed flow [m³/h at ``state``] and its CH4 concentration [%]."""
    v = float(pure_volume(mixed_flow_m3_per_h, ch4_pct)) * HOURS_PER_YEAR
    return float(convert_state(v, state, "0C"))


def pure_nm3_per_year_from_scfm(mixed_flow_scfm: float, ch4_pct: float) -> float:
    """Annual pure CH4 [Nm³/yr] from a mixed flow in standard cubic feet per minute (60 °F, 1 atm) and CH4 [%]."""
    m3_min_60f = float(pure_volume(mixed_flow_scfm, ch4_pct)) * M3_PER_FT3
    return float(convert_state(m3_min_60f * MIN_PER_YEAR, "60F", "0C"))


def fit_monitoring(monthly_ch4_nm3: Sequence[float], fit_decline: bool = True,
                   field: str = "supply.monthly_ch4_nm3") -> tuple[float, float]:
    """Level and decline from monthly pure CH4 volumes [Nm³ per month].

    Returns
    -------
    (level_nm3_per_year, decline_frac_per_year): the level is the sum of the last 12 months (months before are used
    only for the fit; with fewer than 12 months the mean month × 12); the decline is
    ``1 − exp(12 × slope)`` of a least-squares line through ``ln(V_month)`` (0 when ``fit_decline`` is false or the
    fit shows growth), clipped to [0, 0.9].

    Raises
    ------
    InputError
        Fewer than 3 months, or a non-positive month when a decline is fitted.
    """
    v = np.asarray(monthly_ch4_nm3, dtype=float)
    if v.ndim != 1 or v.size < 3 or np.any(~np.isfinite(v)) or np.any(v < 0):
        raise InputError("bad monitoring profile", [Problem(
            "needs at least 3 monthly pure CH4 volumes ≥ 0 [Nm³]", field=field, value=str(list(v)[:5]),
            fix="give one value per month, oldest first (e.g. the MRV monthly totals)")])
    last = v[-12:]
    level = float(last.sum()) if v.size >= 12 else float(last.mean() * 12.0)
    decline = 0.0
    if fit_decline:
        if np.any(v <= 0):
            raise InputError("bad monitoring profile", [Problem(
                "a decline can only be fitted to positive monthly volumes", field=field,
                fix="remove months without data, or set supply.fit_decline: false")])
        slope = float(np.polyfit(np.arange(v.size, dtype=float), np.log(v), 1)[0])
        decline = float(np.clip(1.0 - np.exp(12.0 * slope), 0.0, 0.9))
    return level, decline


def profile(kind: str, n_years: int, *, level_nm3_per_year: float | None = None, decline_frac: float = 0.0,
            series_nm3: Sequence[float] | None = None) -> FloatArray:
    """Base supply per operating year k = 1…N [Nm³/yr], shape (N,) — *without* the decline, which the engine applies
    as ``(1 − d)^(k−1)`` so that it can be drawn in Monte Carlo runs.

    For ``series`` the given values are returned (length must be ≥ N; extra values are ignored).
    """
    if kind in ("constant", "decline", "monitoring"):
        if level_nm3_per_year is None or not level_nm3_per_year >= 0:
            raise InputError("bad supply", [Problem("a supply level ≥ 0 is required", field="supply",
                                                    value=str(level_nm3_per_year))])
        return np.full(n_years, float(level_nm3_per_year))
    if kind == "series":
        s = np.asarray(series_nm3 if series_nm3 is not None else [], dtype=float)
        if s.size < n_years or np.any(~np.isfinite(s)) or np.any(s < 0):
            raise InputError("bad supply series", [Problem(
                f"needs one value ≥ 0 per operating year ({n_years}), got {s.size}", field="supply.series_ch4_nm3",
                fix="add values up to the operating life, or shorten timeline.operating_years")])
        return np.asarray(s[:n_years], dtype=float)
    raise InputError("bad supply profile", [Problem("must be constant, decline, series or monitoring",
                                                    field="supply.profile", value=str(kind))])
