"""Period syntax and China Standard Time cuts (docs/conventions.md §4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minegas.errors import InputError
from minegas.periods import CST, parse_period, period_label

UTC = UTC


@pytest.mark.parametrize(("text", "kind", "start_utc", "days"), [
    ("2025", "year", datetime(2024, 12, 31, 16, tzinfo=UTC), 365),
    ("2024", "year", datetime(2023, 12, 31, 16, tzinfo=UTC), 366),
    ("2025-Q1", "quarter", datetime(2024, 12, 31, 16, tzinfo=UTC), 90),
    ("2025-q4", "quarter", datetime(2025, 9, 30, 16, tzinfo=UTC), 92),
    ("2025-03", "month", datetime(2025, 2, 28, 16, tzinfo=UTC), 31),
    ("2024-02", "month", datetime(2024, 1, 31, 16, tzinfo=UTC), 29),
    ("2025-12", "month", datetime(2025, 11, 30, 16, tzinfo=UTC), 31),
    ("2025-W10", "week", datetime(2025, 3, 2, 16, tzinfo=UTC), 7),
    ("2025-03-01", "day", datetime(2025, 2, 28, 16, tzinfo=UTC), 1),
    ("2025-03-01..2025-03-31", "range", datetime(2025, 2, 28, 16, tzinfo=UTC), 31),
])
def test_parse(text, kind, start_utc, days):
    p = parse_period(text)
    assert p.kind == kind
    assert p.start_utc == start_utc
    assert p.days == days


@pytest.mark.parametrize("bad", ["2025-13", "2025-02-30", "2025-Q5", "2025-W54", "25-03", "2025-03-05..2025-03-01",
                                 "March", ""])
def test_bad_periods(bad):
    with pytest.raises(InputError) as e:
        parse_period(bad)
    assert e.value.problems[0].fix


def test_split_months_of_a_quarter_and_clipped_range():
    q = parse_period("2025-Q1")
    assert [p.label for p in q.split("month")] == ["2025-01", "2025-02", "2025-03"]
    r = parse_period("2025-01-20..2025-02-10")
    parts = list(r.split("month"))
    assert [p.label for p in parts] == ["2025-01", "2025-02"]
    assert [p.days for p in parts] == [12, 10]
    assert sum(p.seconds for p in r.split("day")) == r.seconds


def test_label_cuts_in_cst():
    # 2025-03-31 16:30 UTC is 2025-04-01 00:30 CST: April, Q2
    ts = datetime(2025, 3, 31, 16, 30, tzinfo=UTC)
    assert period_label(ts, "month") == "2025-04"
    assert period_label(ts, "quarter") == "2025-Q2"
    assert period_label(ts, "day") == "2025-04-01"
    with pytest.raises(ValueError):
        period_label(datetime(2025, 1, 1), "day")


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)))
def test_every_instant_in_exactly_its_day_month_and_year(naive):
    ts = naive.replace(tzinfo=CST)
    for kind in ("day", "month", "quarter", "year"):
        p = parse_period(period_label(ts, kind))
        assert p.contains(ts)
        assert not p.contains(p.end) and p.contains(p.end - timedelta(microseconds=1))
