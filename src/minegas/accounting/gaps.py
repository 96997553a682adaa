"""Gap and QA substitution rules, chosen per methodology (pure functions, no I/O).

A *gap* is time for which a parameter has no quality-assured value: readings flagged by the QA mask
(docs/conventions.md §6), non-numeric readings, or a pause between two readings longer than the point's
``max_gap_s``. Three rules decide what fills it:

``epa_98_325``
    40 CFR 98.325 (Subpart FF missing-data procedure) [V, MRV research note §2.3]: substitute the arithmetic mean
    of the quality-assured values immediately before and immediately after the gap; if there is no
    quality-assured value before the gap, use the first quality-assured value after it. Applied **to each
    parameter separately** (CH4 concentration, flow rate, temperature, pressure, moisture), before FF-1/FF-3
    multiply the parameter averages. The rule says nothing about a gap with no value *after* it (the end of the
    available record): by default that time stays missing; ``trailing="last_before"`` substitutes the last value
    before it instead — our assumption [U], not the rule's text.
``exclude``
    No substitution: the gap's duration is reported as missing and the period total covers measured time only.
``conservative``
    For emissions the higher of the values before and after the gap, for emission reductions the lower
    (``direction``). Our conservative-estimate rule in the spirit of CDM/CCER monitoring practice; no text we hold
    prescribes it [U]. With a value on one side only, that value is used.

Every total built on these rules reports how many seconds were measured, substituted and missing (see
:mod:`minegas.accounting.reference_integration`); 40 CFR 98.3(c)(8) asks for the hours of substitute data per
parameter [V].

The scalar :meth:`GapRule.substitute` works on ``float`` and on :class:`fractions.Fraction` alike (the exact
reference integrator uses it); :meth:`GapRule.substitute_array` is its NumPy twin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, TypeVar

import numpy as np
import numpy.typing as npt

from minegas.errors import InputError, Problem

GapRuleName = Literal["epa_98_325", "exclude", "conservative"]
Direction = Literal["emission", "reduction"]
Trailing = Literal["missing", "last_before"]

GAP_RULES: tuple[GapRuleName, ...] = ("epa_98_325", "exclude", "conservative")

Num = TypeVar("Num", float, Fraction)


@dataclass(frozen=True)
class GapRule:
    """A gap-substitution rule (see module docstring).

    Parameters
    ----------
    name : 'epa_98_325', 'exclude' or 'conservative'.
    direction : for 'conservative': 'emission' takes the higher neighbour, 'reduction' the lower.
    trailing : for 'epa_98_325': what fills a gap with no quality-assured value after it — 'missing' (default;
        the rule is silent) or 'last_before' (assumption [U]).
    """

    name: GapRuleName = "exclude"
    direction: Direction = "emission"
    trailing: Trailing = "missing"

    def __post_init__(self) -> None:
        problems = []
        if self.name not in GAP_RULES:
            problems.append(Problem(f"unknown gap rule {self.name!r}", field="gap_rule", value=str(self.name),
                                    fix=f"use one of {', '.join(GAP_RULES)}"))
        if self.direction not in ("emission", "reduction"):
            problems.append(Problem("direction must be 'emission' or 'reduction'", field="direction",
                                    value=str(self.direction), fix="emission: higher neighbour; reduction: lower"))
        if self.trailing not in ("missing", "last_before"):
            problems.append(Problem("trailing must be 'missing' or 'last_before'", field="trailing",
                                    value=str(self.trailing)))
        if problems:
            raise InputError("bad gap rule", problems)

    @property
    def substitutes(self) -> bool:
        """True if the rule ever fills a gap (False for 'exclude')."""
        return self.name != "exclude"

    def substitute(self, before: Num | None, after: Num | None) -> Num | None:
        """The value that fills a gap, from the quality-assured values just before and just after it.

        Parameters
        ----------
        before, after : the neighbouring quality-assured values (None where there is none).

        Returns
        -------
        The substitute value (same type as the inputs), or None when the gap stays missing.
        """
        if self.name == "exclude":
            return None
        if self.name == "epa_98_325":
            if before is not None and after is not None:
                return (before + after) / 2  # 98.325: arithmetic mean of the values before and after
            if after is not None:
                return after  # 98.325: first quality-assured value after the gap
            if before is not None and self.trailing == "last_before":
                return before  # [U] assumption: the rule does not cover a gap without a value after it
            return None
        # conservative
        if before is not None and after is not None:
            return max(before, after) if self.direction == "emission" else min(before, after)
        return after if after is not None else before

    def substitute_array(self, before: npt.NDArray[np.float64],
                         after: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Vectorised :meth:`substitute`: ``before``/``after`` hold NaN where there is no neighbour; the result
        is NaN where the gap stays missing."""
        b = np.asarray(before, dtype=float)
        a = np.asarray(after, dtype=float)
        hb, ha = ~np.isnan(b), ~np.isnan(a)
        out = np.full(np.broadcast(b, a).shape, np.nan)
        if self.name == "exclude":
            return out
        both = hb & ha
        if self.name == "epa_98_325":
            out = np.where(both, (b + a) / 2, out)
            out = np.where(~hb & ha, a, out)
            if self.trailing == "last_before":
                out = np.where(hb & ~ha, b, out)
            return out
        pick = np.maximum(b, a) if self.direction == "emission" else np.minimum(b, a)
        out = np.where(both, pick, out)
        out = np.where(~hb & ha, a, out)
        return np.where(hb & ~ha, b, out)


EPA_98_325 = GapRule("epa_98_325")
"""The 40 CFR 98.325 rule as printed (trailing gaps stay missing)."""

EXCLUDE = GapRule("exclude")
"""No substitution; gaps are reported as missing."""


def neighbour_indices(ok: npt.ArrayLike) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """For each sample k: the index of the last ok sample at or before k, and of the first ok sample at or
    after k (−1 where there is none).

    Parameters
    ----------
    ok : boolean mask of quality-assured samples.
    """
    m = np.asarray(ok, dtype=bool)
    n = m.size
    idx = np.arange(n, dtype=np.int64)
    last = np.maximum.accumulate(np.where(m, idx, -1)) if n else idx
    big = np.int64(n)
    first_rev = np.minimum.accumulate(np.where(m, idx, big)[::-1])[::-1] if n else idx
    first = np.where(first_rev == big, -1, first_rev)
    return last.astype(np.int64), first.astype(np.int64)


@dataclass(frozen=True, eq=False)
class FilledSamples:
    """A parameter's samples after gap substitution.

    Attributes
    ----------
    values : the samples with substitutes in place (NaN where the gap stays missing).
    substituted : True where a substitute was used.
    missing : True where no value could be put (no quality-assured value, or rule 'exclude').
    rule : the rule applied.
    """

    values: npt.NDArray[np.float64]
    substituted: npt.NDArray[np.bool_]
    missing: npt.NDArray[np.bool_]
    rule: GapRule

    @property
    def n_measured(self) -> int:
        return int((~self.substituted & ~self.missing).sum())

    @property
    def n_substituted(self) -> int:
        return int(self.substituted.sum())

    @property
    def n_missing(self) -> int:
        return int(self.missing.sum())


def fill_samples(values: Sequence[float] | npt.ArrayLike, ok: Sequence[bool] | npt.ArrayLike | None = None,
                 rule: GapRule = EPA_98_325) -> FilledSamples:
    """Fill the non-quality-assured samples of one parameter's series (sample by sample).

    Used for spot or periodic measurements (e.g. the quarterly FF-1 parameters, averaged arithmetically). A
    missing sample takes ``rule.substitute(last ok value before it, first ok value after it)``; a run of missing
    samples gets the same value throughout (98.325 speaks of the values before and after *the gap*).
    Continuous series are integrated over time instead (:mod:`minegas.accounting.reference_integration`), where
    the same rule fills the gap's duration.

    Parameters
    ----------
    values : the samples (any unit); NaN counts as not quality-assured.
    ok : quality-assured mask (default: every finite value is ok).
    rule : the gap rule (default 40 CFR 98.325).

    Returns
    -------
    :class:`FilledSamples`.

    Examples
    --------
    MRV research note §2.6: ``[0.50, –, –, 0.54]`` → both gaps 0.52; ``[–, 0.61, 0.63]`` → 0.61.
    """
    v = np.asarray(values, dtype=float)
    if v.ndim != 1:
        raise InputError("fill_samples needs a 1-D series", [Problem("not one-dimensional", field="values")])
    okm = np.ones(v.shape, dtype=bool) if ok is None else np.asarray(ok, dtype=bool)
    if okm.shape != v.shape:
        raise InputError("fill_samples: values and ok differ in length",
                         [Problem(f"{v.size} values, {okm.size} flags", field="ok")])
    m = okm & np.isfinite(v)
    last, first = neighbour_indices(m)
    before = np.where(last >= 0, v[np.maximum(last, 0)], np.nan) if v.size else v
    after = np.where(first >= 0, v[np.maximum(first, 0)], np.nan) if v.size else v
    sub = rule.substitute_array(before, after)
    out = np.where(m, v, sub)
    substituted = ~m & ~np.isnan(sub)
    missing = ~m & np.isnan(sub)
    return FilledSamples(out, substituted, missing, rule)
