"""Accounting periods, cut in China Standard Time (docs/conventions.md §4).

Syntax: ``2025`` · ``2025-Q1`` · ``2025-03`` · ``2025-W10`` (ISO week) · ``2025-03-01`` ·
``2025-03-01..2025-03-31`` (both days included). Every period is half-open ``[start, end)``.
China Standard Time is UTC+8 with no daylight saving (since 1991), so a fixed offset is exact for all
data minegas handles.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from minegas.errors import InputError, Problem

CST = timezone(timedelta(hours=8), "CST")
"""China Standard Time (北京时间), UTC+8."""

UTC = UTC

PERIOD_KINDS = ("year", "quarter", "month", "week", "day", "range")

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$", re.IGNORECASE)
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")

_SYNTAX_HELP = "use 2025, 2025-Q1, 2025-03, 2025-W10, 2025-03-01 or 2025-03-01..2025-03-31"


@dataclass(frozen=True)
class Period:
    """A half-open interval ``[start, end)`` of China Standard Time with its label and kind."""

    label: str
    kind: str
    start: datetime
    end: datetime

    @property
    def start_utc(self) -> datetime:
        return self.start.astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        return self.end.astimezone(UTC)

    @property
    def seconds(self) -> float:
        """Length of the period [s]."""
        return (self.end - self.start).total_seconds()

    @property
    def days(self) -> float:
        """Length of the period [d]."""
        return self.seconds / 86400.0

    def contains(self, ts: datetime) -> bool:
        """True if the aware datetime ``ts`` lies in ``[start, end)``."""
        if ts.tzinfo is None:
            raise ValueError("contains() needs an aware datetime")
        return self.start <= ts < self.end

    def split(self, kind: str) -> Iterator[Period]:
        """Sub-periods of ``kind`` ('day', 'month', 'quarter', 'year') covering this period.

        Each piece is labelled with the full period that contains it and clipped to this period's bounds.
        """
        cursor = self.start
        while cursor < self.end:
            nxt = _next_boundary(cursor, kind)
            end = min(nxt, self.end)
            yield Period(label=_label(cursor, kind), kind=kind, start=cursor, end=end)
            cursor = end


def _label(t: datetime, kind: str) -> str:
    if kind == "day":
        return f"{t:%Y-%m-%d}"
    if kind == "month":
        return f"{t:%Y-%m}"
    if kind == "quarter":
        return f"{t.year}-Q{(t.month - 1) // 3 + 1}"
    if kind == "year":
        return f"{t.year}"
    raise ValueError(f"unknown period kind {kind!r}")


def _next_boundary(t: datetime, kind: str) -> datetime:
    """The first boundary of ``kind`` strictly after the start of the period containing ``t``."""
    if kind == "day":
        d = datetime(t.year, t.month, t.day, tzinfo=CST)
        return d + timedelta(days=1)
    if kind == "month":
        return datetime(t.year + (t.month == 12), t.month % 12 + 1, 1, tzinfo=CST)
    if kind == "quarter":
        q0 = (t.month - 1) // 3 * 3 + 1
        m = q0 + 3
        return datetime(t.year + (m > 12), (m - 1) % 12 + 1, 1, tzinfo=CST)
    if kind == "year":
        return datetime(t.year + 1, 1, 1, tzinfo=CST)
    raise ValueError(f"unknown period kind {kind!r}")


def _day(text: str, y: str, m: str, d: str) -> date:
    try:
        return date(int(y), int(m), int(d))
    except ValueError as exc:
        raise _bad(text, f"not a calendar date ({exc})") from None


def _bad(text: str, why: str) -> InputError:
    return InputError(f"bad period {text!r}",
                      [Problem(why, field="period", value=text, fix=_SYNTAX_HELP)])


def _at(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=CST)


def parse_period(text: str) -> Period:
    """Parse a period string (see module docstring) into a :class:`Period` in China Standard Time.

    Raises
    ------
    InputError
        If the text is not one of the accepted forms or names an impossible date.
    """
    s = text.strip()
    if ".." in s:
        a, _, b = s.partition("..")
        ma, mb = _DAY.match(a.strip()), _DAY.match(b.strip())
        if not (ma and mb):
            raise _bad(text, "a range needs two days YYYY-MM-DD..YYYY-MM-DD")
        da, db = _day(text, *ma.groups()), _day(text, *mb.groups())
        if db < da:
            raise _bad(text, "range ends before it starts")
        return Period(f"{da.isoformat()}..{db.isoformat()}", "range", _at(da), _at(db + timedelta(days=1)))
    if m := _YEAR.match(s):
        y = int(m.group(1))
        return Period(s, "year", datetime(y, 1, 1, tzinfo=CST), datetime(y + 1, 1, 1, tzinfo=CST))
    if m := _QUARTER.match(s):
        y, q = int(m.group(1)), int(m.group(2))
        start = datetime(y, 3 * q - 2, 1, tzinfo=CST)
        return Period(f"{y}-Q{q}", "quarter", start, _next_boundary(start, "quarter"))
    if m := _MONTH.match(s):
        y, mo = int(m.group(1)), int(m.group(2))
        if not 1 <= mo <= 12:
            raise _bad(text, "month must be 01–12")
        start = datetime(y, mo, 1, tzinfo=CST)
        return Period(s, "month", start, _next_boundary(start, "month"))
    if m := _WEEK.match(s):
        y, w = int(m.group(1)), int(m.group(2))
        try:
            d0 = date.fromisocalendar(y, w, 1)
        except ValueError:
            raise _bad(text, f"ISO year {y} has no week {w}") from None
        return Period(f"{y}-W{w:02d}", "week", _at(d0), _at(d0 + timedelta(days=7)))
    if m := _DAY.match(s):
        d = _day(text, *m.groups())
        return Period(s, "day", _at(d), _at(d + timedelta(days=1)))
    raise _bad(text, "unrecognised period")


def period_label(ts: datetime, kind: str) -> str:
    """Label of the ``kind`` period (day/month/quarter/year) that contains aware datetime ``ts`` (CST cut)."""
    if ts.tzinfo is None:
        raise ValueError("period_label() needs an aware datetime")
    return _label(ts.astimezone(CST), kind)
