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
    "matches": ("match", ("",)),  # acted on; suppressed and quarantined counted apart
    "matches_suppressed": ("match", ("suppressed",)),
    "matches_quarantined": ("match", ("quarantined",)),
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
    layers = _layers(spans)
    cols = [DIMS[g] for g in query.group]
    cells: dict[tuple[str | None, ...], dict[str, int]] = {}
    if not query.group:
        cells = {(p.label,): dict.fromkeys(MEASURES, 0) for p in spans}
    read = cols if "outcome" in cols else [*cols, "outcome"]  # figures are per outcome
    for conn in _connections(store):
        for layer in layers:
            for chunk in _chunks(layer.ranges):
                found = store_stats.count_rows(conn, layer.level, chunk, read, _KINDS)
                _add_counts(cells, layer, found, len(cols), read.index("outcome"))
    times: dict[tuple[str | None, ...], dict[str, dict[int, int]]] = {}
    if all(c in ("list_name", "category") for c in cols):
        for conn in _connections(store):
            for layer in layers:
                for chunk in _chunks(layer.ranges):
                    found = store_stats.duration_rows(conn, layer.level, chunk, cols)
                    _add_times(times, layer, found, len(cols))
    return Figures(query, spans, cells, times)


@dataclass
class _Layer:
    """Bucket ranges of one level and sign that do not overlap, each for one period."""

    level: str
    sign: int
    ranges: list[tuple[int, int]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def label_of(self, start: int) -> str:
        return self.labels[bisect.bisect_right(self.ranges, (start, 2**62)) - 1]


def _layers(spans: list[Period]) -> list[_Layer]:
    pieces = sorted(
        (level, sign, lo, hi, p.label)
        for p in spans
        for level, lo, hi, sign in cover(p.start, p.end)
    )
    layers: list[_Layer] = []
    for level, sign, lo, hi, label in pieces:
        home = next(
            (x for x in layers if (x.level, x.sign) == (level, sign) and x.ranges[-1][1] <= lo),
            None,
        )
        if home is None:
            home = _Layer(level, sign)
            layers.append(home)
        home.ranges.append((lo, hi))
        home.labels.append(label)
    return layers


_KINDS = sorted({kind for kind, _ in MEASURES.values()})
#: (kind, outcome) -> the figures an event counts in; (kind, None): whatever the outcome.
_MEASURES_OF: dict[tuple[str, str | None], list[str]] = defaultdict(list)
for _name, (_kind, _outs) in MEASURES.items():
    for _out in _outs or (None,):
        _MEASURES_OF[(_kind, _out)].append(_name)


def _add_counts(
    cells: dict[tuple[str | None, ...], dict[str, int]],
    layer: _Layer,
    rows: list[tuple[Any, ...]],
    n_cols: int,
    outcome_at: int,
) -> None:
    """Rows ``(start, kind, <read columns…>, count)`` into the cells of their periods."""
    labels: dict[int, str] = {}
    for row in rows:
        start, kind = row[0], row[1]
        label = labels.get(start) or labels.setdefault(start, layer.label_of(int(start)))
        key = (label, *(v or None for v in row[2 : 2 + n_cols]))
        values = cells.get(key)
        if values is None:
            values = cells[key] = dict.fromkeys(MEASURES, 0)
        n = layer.sign * int(row[-1])
        for name in _MEASURES_OF.get((kind, row[2 + outcome_at]), ()):
            values[name] += n
        for name in _MEASURES_OF.get((kind, None), ()):
            values[name] += n


def _add_times(
    times: dict[tuple[str | None, ...], dict[str, dict[int, int]]],
    layer: _Layer,
    rows: list[tuple[Any, ...]],
    n_cols: int,
) -> None:
    """Rows ``(start, measure, <group…>, bucket, count)`` into their periods' histograms."""
    for row in rows:
        key = (layer.label_of(int(row[0])), *(v or None for v in row[2 : 2 + n_cols]))
        h = times.setdefault(key, {}).setdefault(str(row[1]), defaultdict(int))
        h[int(row[-2])] += layer.sign * int(row[-1])


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
    if q.group:  # a group met only where additions and subtractions cancel: no row
        keys = [k for k in keys if any(fig.cells[k].values()) or k in fig.times]
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
