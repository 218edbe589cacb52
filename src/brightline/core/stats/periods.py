"""Periods in a time zone, and how rollup buckets cover them.

Rollups (``services/stats``) count events in UTC buckets at three levels: 15 minutes
(``q``), UTC days (``d``) and UTC calendar months (``m``). A question's periods (a
day, ISO week, month, quarter or year in the asked time zone) are turned into UTC
intervals, and each interval is covered exactly by the coarsest buckets that fit:
whole UTC months in the middle, whole days around them, quarter-hours at the edges.
Every time zone in use today is offset from UTC by a whole number of quarter-hours,
so a local midnight always falls on a bucket edge and the figures are exact.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from brightline.errors import InputError

By = Literal["day", "week", "month", "quarter", "year"]
BY_VALUES: tuple[By, ...] = ("day", "week", "month", "quarter", "year")
Level = Literal["q", "d", "m"]
#: Length of the finest bucket, in seconds.
QUARTER = 900
DAY = 86_400


@dataclass(frozen=True, slots=True)
class Period:
    label: str
    #: UTC epoch seconds, start inclusive, end exclusive.
    start: int
    end: int


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone {name!r} (an IANA name: UTC, Europe/London)") from None


def parse_day(value: str | date, what: str) -> date:
    if isinstance(value, date):
        value = value.isoformat()
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"{what} must be a date (YYYY-MM-DD), not {value!r}") from None
    if not 1970 <= day.year <= 9000:
        raise InputError(f"{what} must be a date between 1970 and 9000")
    return day


def period_start(day: date, by: By) -> date:
    """The first day of the period holding ``day``."""
    if by == "day":
        return day
    if by == "week":
        return day - timedelta(days=day.weekday())  # ISO weeks start on Monday
    if by == "month":
        return day.replace(day=1)
    if by == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def next_start(day: date, by: By) -> date:
    """The first day of the period after the one starting on ``day``."""
    if by == "day":
        return day + timedelta(days=1)
    if by == "week":
        return day + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[by]
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def label(day: date, by: By) -> str:
    if by == "day":
        return day.isoformat()
    if by == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if by == "month":
        return f"{day.year}-{day.month:02d}"
    if by == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def epoch(day: date, tz: ZoneInfo) -> int:
    """Local midnight of ``day`` in ``tz``, as UTC epoch seconds."""
    local = datetime(day.year, day.month, day.day, tzinfo=tz)
    return int(local.astimezone(UTC).timestamp())


def periods(first: date, last: date, by: By, tz: ZoneInfo) -> list[Period]:
    """The periods from ``first`` to ``last`` (both days included) in ``tz``; the
    first and last may be partial (they start or end with the range)."""
    if last < first:
        raise InputError("the last day (to) is before the first (from)")
    out = []
    start = first
    end_day = last + timedelta(days=1)
    while start < end_day:
        nominal = period_start(start, by)
        stop = min(next_start(nominal, by), end_day)
        out.append(Period(label(nominal, by), epoch(start, tz), epoch(stop, tz)))
        start = stop
    return out


def month_start(t: int) -> int:
    """The UTC calendar month holding epoch second ``t``, as its first second."""
    d = datetime.fromtimestamp(t, UTC)
    return int(datetime(d.year, d.month, 1, tzinfo=UTC).timestamp())


def next_month(t: int) -> int:
    d = datetime.fromtimestamp(t, UTC)
    index = d.year * 12 + d.month
    return int(datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC).timestamp())


def bucket_starts(t: int) -> tuple[int, int, int]:
    """The quarter-hour, day and month buckets an event at epoch second ``t`` counts in."""
    day = t - t % DAY
    return t - t % QUARTER, day, _month_of_day(day)


@functools.lru_cache(maxsize=64)
def _month_of_day(day: int) -> int:
    return month_start(day)


def cover(start: int, end: int) -> list[tuple[Level, int, int, int]]:
    """Signed bucket ranges ``(level, first start, end, sign)`` whose counts, added
    with their signs, count [start, end) exactly once. Edges off a quarter-hour are
    moved down to one.

    The cheapest of three ways is taken at each level (fewest buckets read): whole
    buckets inside with finer edges; the range rounded to the *nearest* bucket edges,
    adding or subtracting the finer slivers between (a London month is one UTC month,
    minus its last hour, plus the hour before it); or finer buckets only.
    """
    start, end = start - start % QUARTER, end - end % QUARTER
    return _cover(start, end, 0, 1)


_ORDER: tuple[Level, ...] = ("m", "d", "q")


def _cover(lo: int, hi: int, i: int, sign: int) -> list[tuple[Level, int, int, int]]:
    if lo >= hi:
        return []
    level = _ORDER[i]
    if level == "q":
        return [("q", lo, hi, sign)]
    options = [_cover(lo, hi, i + 1, sign)]
    inner = (_ceil(lo, level), _floor(hi, level))
    nearest = (_round(lo, level), _round(hi, level))
    for a, b in {inner, nearest}:
        if a < b:
            head = _cover(lo, a, i + 1, sign) if lo < a else _cover(a, lo, i + 1, -sign)
            tail = _cover(b, hi, i + 1, sign) if b < hi else _cover(hi, b, i + 1, -sign)
            options.append([(level, a, b, sign), *head, *tail])
    return min(options, key=_cost)


def _floor(t: int, level: Level) -> int:
    return month_start(t) if level == "m" else t - t % (DAY if level == "d" else QUARTER)


def _ceil(t: int, level: Level) -> int:
    down = _floor(t, level)
    if down == t:
        return t
    return next_month(t) if level == "m" else down + (DAY if level == "d" else QUARTER)


def _round(t: int, level: Level) -> int:
    down, up = _floor(t, level), _ceil(t, level)
    return down if t - down <= up - t else up


def _cost(ranges: list[tuple[Level, int, int, int]]) -> int:
    """Buckets read: months are counted as days' worth of rows would be, a little more."""
    total = 0
    for level, lo, hi, _ in ranges:
        if level == "m":
            total += 2 * max(1, round((hi - lo) / (30 * DAY)))
        else:
            total += (hi - lo) // (DAY if level == "d" else QUARTER)
    return total
