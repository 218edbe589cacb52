"""Periods in a time zone and the rollup buckets that cover them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brightline.core.stats.periods import QUARTER, bucket_starts, cover, periods, zone
from brightline.errors import InputError


def ts(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


def test_months_in_utc_are_whole_months() -> None:
    got = periods(date(2026, 1, 15), date(2026, 3, 31), "month", zone("UTC"))
    assert [p.label for p in got] == ["2026-01", "2026-02", "2026-03"]
    assert got[0].start == ts(2026, 1, 15) and got[0].end == ts(2026, 2, 1)
    assert got[-1].end == ts(2026, 4, 1)


def test_local_midnight_moves_with_summer_time() -> None:
    london = periods(date(2026, 6, 1), date(2026, 6, 30), "month", zone("Europe/London"))
    assert london[0].start == ts(2026, 5, 31, 23)  # BST: UTC+1
    winter = periods(date(2026, 12, 1), date(2026, 12, 1), "day", zone("Europe/London"))
    assert winter[0].start == ts(2026, 12, 1)


def test_weeks_quarters_and_years_are_labelled() -> None:
    tz = zone("UTC")
    assert [p.label for p in periods(date(2026, 1, 1), date(2026, 1, 12), "week", tz)] == [
        "2026-W01",
        "2026-W02",
        "2026-W03",
    ]
    assert [p.label for p in periods(date(2026, 2, 1), date(2026, 7, 1), "quarter", tz)] == [
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
    ]
    assert [p.label for p in periods(date(2025, 6, 1), date(2026, 1, 1), "year", tz)] == [
        "2025",
        "2026",
    ]


def test_bad_zone_and_reversed_range_are_input_errors() -> None:
    with pytest.raises(InputError):
        zone("Mars/Olympus")
    with pytest.raises(InputError):
        periods(date(2026, 2, 1), date(2026, 1, 1), "day", zone("UTC"))


def test_cover_uses_months_then_days_then_quarter_hours() -> None:
    got = cover(ts(2026, 1, 30, 23), ts(2026, 4, 2, 0, 15))
    assert ("m", ts(2026, 2, 1), ts(2026, 4, 1), 1) in got
    assert ("d", ts(2026, 1, 31), ts(2026, 2, 1), 1) in got
    assert ("q", ts(2026, 1, 30, 23), ts(2026, 1, 31), 1) in got
    assert ("d", ts(2026, 4, 1), ts(2026, 4, 2), 1) in got
    assert ("q", ts(2026, 4, 2), ts(2026, 4, 2, 0, 15), 1) in got


def test_a_month_an_hour_off_utc_is_a_month_plus_and_minus_an_hour() -> None:
    got = cover(ts(2026, 3, 31, 23), ts(2026, 4, 30, 23))  # April in London (BST)
    assert sorted(got) == [
        ("m", ts(2026, 4, 1), ts(2026, 5, 1), 1),
        ("q", ts(2026, 3, 31, 23), ts(2026, 4, 1), 1),
        ("q", ts(2026, 4, 30, 23), ts(2026, 5, 1), -1),
    ]


@given(
    st.integers(ts(2020, 1, 1) // QUARTER, ts(2030, 1, 1) // QUARTER),
    st.integers(0, 3 * 366 * 96),
    st.integers(ts(2020, 1, 1), ts(2030, 1, 1)),
)
def test_every_event_in_range_is_counted_exactly_once(start_q: int, length_q: int, t: int) -> None:
    start, end = start_q * QUARTER, (start_q + length_q) * QUARTER
    q, d, m = bucket_starts(t)
    bucket_of = {"q": q, "d": d, "m": m}
    counted = sum(sign for lv, lo, hi, sign in cover(start, end) if lo <= bucket_of[lv] < hi)
    assert counted == (1 if start <= t < end else 0)
