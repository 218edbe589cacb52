"""Questions asked of the rollups: counts per period and per group of dimensions.

``figures(store, query)`` covers each period (in the asked time zone) with rollup
buckets (``core/stats/periods.cover``), reads them from both databases (on SQLite
the events file holds what jobs, items and matches counted; the main file what
review and reports counted) and adds them up. It never reads the event table.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from brightline.core.stats import durations as hist
from brightline.core.stats.periods import (
    BY_VALUES,
    By,
    Period,
    cover,
    parse_day,
    period_start,
    periods,
    zone,
)
from brightline.core.stats.suppression import MARK, Margin, suppress
from brightline.errors import InputError
from brightline.services.store import Store
from brightline.services.store import stats as store_stats

#: ``--group`` names and the columns they read.
DIMS = {
    "list": "list_name",
    "category": "category",
    "signal_type": "signal_type",
    "method": "method",
    "source": "source",
    "content_type": "content_type",
    "destination": "destination",
    "outcome": "outcome",
}
#: Each figure: the event kind it counts and the outcomes (None: any).
MEASURES: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "jobs": ("job", ("started",)),
    "jobs_failed": ("job", ("failed", "interrupted")),
    "items": ("item", None),
    "matched_items": ("item", ("matched",)),
    "item_errors": ("item", ("error",)),
    "matches": ("match", None),
    "actions": ("action", None),
    "review_queued": ("review", ("queued",)),
    "review_confirmed": ("review", ("confirmed",)),
    "review_rejected": ("review", ("rejected",)),
    "review_escalated": ("review", ("escalated",)),
    "review_overturned": ("review", ("overturned",)),
    "reports_drafted": ("report", ("drafted",)),
    "reports_submitted": ("report", ("submitted",)),
    "reports_filed": ("report", ("filed",)),
    "reports_retracted": ("report", ("retracted",)),
    "reports_failed": ("report", ("failed",)),
}
#: Durations (detection → first decision, → report filed) given as median and p90.
TIMES = {"decision": "time_to_decision", "report": "time_to_report"}
_MAX_RANGES = 200


@dataclass(frozen=True)
class Query:
    first: date
    last: date
    by: By = "month"
    group: tuple[str, ...] = ()
    tz: str = "UTC"
    suppress: bool = False
    min_cell: int = 10


def make_query(
    first: str | date | None = None,
    last: str | date | None = None,
    by: str = "month",
    group: Sequence[str] = (),
    tz: str = "UTC",
    *,
    suppress: bool = False,
    min_cell: int = 10,
    today: date | None = None,
) -> Query:
    """A checked query. Defaults: ``last`` today (in ``tz``), ``first`` the first day
    of the period eleven periods before (so twelve periods)."""
    where = zone(tz)
    if by not in BY_VALUES:
        raise InputError(f"by must be one of {', '.join(BY_VALUES)}, not {by!r}")
    for g in group:
        if g not in DIMS:
            raise InputError(f"unknown group {g!r} (known: {', '.join(DIMS)})")
    end = parse_day(last, "to") if last else today or datetime.now(where).date()
    start = parse_day(first, "from") if first else _twelve_back(end, by)
    if end < start:
        raise InputError("the last day (to) is before the first (from)")
    if (end - start).days > 366 * 20:
        raise InputError("ask for twenty years at most")
    return Query(start, end, by, tuple(dict.fromkeys(group)), tz, suppress, min_cell)


def _twelve_back(end: date, by: str) -> date:
    if by == "day":
        return end - timedelta(days=29)
    if by == "week":
        return period_start(end, "week") - timedelta(weeks=11)
    if by == "month":
        index = end.year * 12 + end.month - 1 - 11
        return date(index // 12, index % 12 + 1, 1)
    if by == "quarter":
        q = period_start(end, "quarter")
        index = q.year * 12 + q.month - 1 - 9
        return date(index // 12, index % 12 + 1, 1)
    return date(end.year - 4, 1, 1)


@dataclass
class Figures:
    query: Query
    periods: list[Period]
    #: (period label, group values…) -> measure -> count
    cells: dict[tuple[str | None, ...], dict[str, int]]
    #: (period label, group values…) -> measure -> {bucket: count}
    times: dict[tuple[str | None, ...], dict[str, dict[int, int]]] = field(default_factory=dict)

    def totals(self) -> dict[str, int]:
        out = dict.fromkeys(MEASURES, 0)
        for values in self.cells.values():
            for k, v in values.items():
                out[k] += v
        return out

    def total_times(self) -> dict[str, dict[int, int]]:
        out: dict[str, dict[int, int]] = {m: defaultdict(int) for m in TIMES}
        for by_measure in self.times.values():
            for m, h in by_measure.items():
                for b, n in h.items():
                    out[m][b] += n
        return out


def figures(store: Store, query: Query) -> Figures:
    spans = periods(query.first, query.last, query.by, zone(query.tz))
    ranges = _ranges(spans)
    starts = [p.start for p in spans]
    cols = [DIMS[g] for g in query.group]
    cells: dict[tuple[str | None, ...], dict[str, int]] = {}
    if not query.group:
        cells = {(p.label,): dict.fromkeys(MEASURES, 0) for p in spans}
    read = cols if "outcome" in cols else [*cols, "outcome"]  # figures are per outcome
    for conn in _connections(store):
        for level, spans_of_level in ranges.items():
            for chunk in _chunks(spans_of_level):
                for row in store_stats.count_rows(conn, level, chunk, read, _KINDS):
                    _add_count(cells, spans, starts, row, cols)
    times: dict[tuple[str | None, ...], dict[str, dict[int, int]]] = {}
    time_cols = [c for c in cols if c in ("list_name", "category")]
    if len(time_cols) == len(cols):
        for conn in _connections(store):
            for level, spans_of_level in ranges.items():
                for chunk in _chunks(spans_of_level):
                    for row in store_stats.duration_rows(conn, level, chunk, cols):
                        _add_time(times, spans, starts, row, cols)
    return Figures(query, spans, cells, times)


_KINDS = sorted({kind for kind, _ in MEASURES.values()})
#: (kind, outcome) -> the figures an event counts in; (kind, None): whatever the outcome.
_MEASURES_OF: dict[tuple[str, str | None], list[str]] = defaultdict(list)
for _name, (_kind, _outs) in MEASURES.items():
    for _out in _outs or (None,):
        _MEASURES_OF[(_kind, _out)].append(_name)


def _add_count(
    cells: dict[tuple[str | None, ...], dict[str, int]],
    spans: list[Period],
    starts: list[int],
    row: Any,
    cols: list[str],
) -> None:
    label = spans[bisect.bisect_right(starts, int(row.start)) - 1].label
    key = (label, *(getattr(row, c) or None for c in cols))
    values = cells.setdefault(key, dict.fromkeys(MEASURES, 0))
    for name in _MEASURES_OF.get((row.kind, row.outcome), ()):
        values[name] += int(row.count)
    for name in _MEASURES_OF.get((row.kind, None), ()):
        values[name] += int(row.count)


def _add_time(
    times: dict[tuple[str | None, ...], dict[str, dict[int, int]]],
    spans: list[Period],
    starts: list[int],
    row: Any,
    cols: list[str],
) -> None:
    label = spans[bisect.bisect_right(starts, int(row.start)) - 1].label
    key = (label, *(getattr(row, c) or None for c in cols))
    by_measure = times.setdefault(key, {})
    h = by_measure.setdefault(str(row.measure), defaultdict(int))
    h[int(row.bucket)] += int(row.count)


def _ranges(spans: list[Period]) -> dict[str, list[tuple[int, int]]]:
    out: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for p in spans:
        for level, lo, hi in cover(p.start, p.end):
            ranges = out[level]
            if ranges and ranges[-1][1] == lo:
                ranges[-1] = (ranges[-1][0], hi)
            else:
                ranges.append((lo, hi))
    return dict(out)


def _chunks(ranges: list[tuple[int, int]]) -> Iterator[list[tuple[int, int]]]:
    for i in range(0, len(ranges), _MAX_RANGES):
        yield ranges[i : i + _MAX_RANGES]


def _connections(store: Store) -> Iterator[Connection]:
    opens: list[Callable[[], AbstractContextManager[Connection]]] = [store.connect]
    if store.events_engine is not store.engine:
        opens.append(store.connect_events)
    for open_ in opens:
        with open_() as conn:
            yield conn


# -- rendering ----------------------------------------------------------------------


def as_json(fig: Figures, *, hide: bool) -> dict[str, Any]:
    """``{"from", "to", "by", "tz", "group", "suppressed", "min_cell", "totals",
    "rows"}``; with ``hide`` small cells (and those that would give them away) are
    ``null``."""
    q = fig.query
    keys = sorted(fig.cells, key=_sort_key)
    totals: dict[str, int | None] = dict(fig.totals())
    rows_values: dict[tuple[str | None, ...], dict[str, int | None]] = {
        k: dict(fig.cells[k]) for k in keys
    }
    if hide:
        for m in MEASURES:
            column = {k: fig.cells[k][m] for k in keys}
            result = suppress(column, [Margin("total", tuple(keys))], q.min_cell)
            for k in result.cells:
                rows_values[k][m] = None
            if "total" in result.margins:
                totals[m] = None
    total_times = fig.total_times()
    totals.update(_times(total_times, hide, q.min_cell))
    rows = []
    for k in keys:
        row: dict[str, Any] = {"period": k[0]}
        row.update({g: v for g, v in zip(q.group, k[1:], strict=True)})
        row.update(rows_values[k])
        if all(c in ("list", "category") for c in q.group):
            row.update(_times(fig.times.get(k, {}), hide, q.min_cell))
        rows.append(row)
    return {
        "from": q.first.isoformat(),
        "to": q.last.isoformat(),
        "by": q.by,
        "tz": q.tz,
        "group": list(q.group),
        "suppressed": hide,
        "min_cell": q.min_cell,
        "totals": totals,
        "rows": rows,
    }


def _times(by_measure: dict[str, dict[int, int]], hide: bool, min_cell: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for measure, name in TIMES.items():
        h = by_measure.get(measure, {})
        n = sum(h.values())
        small = hide and 0 < n < min_cell
        out[f"{name}_median_s"] = None if small else _round(hist.quantile(h, 0.5))
        out[f"{name}_p90_s"] = None if small else _round(hist.quantile(h, 0.9))
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _sort_key(key: tuple[str | None, ...]) -> tuple[str, ...]:
    return tuple(v or "" for v in key)


def csv_rows(data: dict[str, Any]) -> Iterator[list[str]]:
    """The rows of ``as_json`` as CSV lines (a header first); a suppressed figure is
    written ``[c]``."""
    fixed = ["period", *data["group"]]
    first = data["rows"][0] if data["rows"] else dict.fromkeys(MEASURES)
    header = fixed + [k for k in first if k not in fixed]
    yield header
    for row in data["rows"]:
        hidden = {h for h in header if data["suppressed"] and h in MEASURES and row[h] is None}
        yield [MARK if h in hidden else _cell(row.get(h)) for h in header]


def _cell(value: Any) -> str:
    return "" if value is None else str(value)
