"""The figures of the stats page (``/ui/stats``): always suppressed, whoever looks.

Each table is a grid (periods × lists, periods × outcomes, queues × states) published
with its row totals, column totals and grand total; suppression treats all of those
as margins, so no hidden cell can be worked out from what the page shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from brightline.core.actor import Actor
from brightline.core.stats import durations as hist
from brightline.core.stats.suppression import Margin, suppress
from brightline.services.stats import report
from brightline.services.stats.service import check_reader
from brightline.services.store import Store
from brightline.services.store import stats as store_stats
from brightline.settings import Settings

OUTCOMES = (
    "review_queued",
    "review_confirmed",
    "review_rejected",
    "review_escalated",
    "review_overturned",
)
#: Lists drawn one by one; the rest are added up as "other lists".
MAX_LISTS = 6


@dataclass
class Grid:
    rows: list[str]
    cols: list[str]
    #: None: suppressed.
    cells: dict[tuple[str, str], int | None]
    row_totals: dict[str, int | None]
    col_totals: dict[str, int | None]
    total: int | None

    def change(self) -> dict[str, float | None]:
        """Each row total against the row before, as a fraction (None: unknown)."""
        out: dict[str, float | None] = {}
        before: int | None = None
        for r in self.rows:
            now = self.row_totals[r]
            out[r] = None if before in (None, 0) or now is None else (now - before) / before
            before = now
        return out


@dataclass
class Times:
    period: str
    count: int | None
    median_s: float | None
    p90_s: float | None


def grid(
    values: dict[tuple[str, str], int],
    rows: Sequence[str],
    cols: Sequence[str],
    min_cell: int,
    *,
    row_margins: bool = True,
) -> Grid:
    """A suppressed grid; ``row_margins`` False when a row's cells do not add up to a
    meaningful total (outcomes that overlap), so none is shown."""
    cells = {(r, c): values.get((r, c), 0) for r in rows for c in cols}
    margins = [Margin("total", tuple(cells))] if row_margins else []
    margins += [Margin(f"col:{c}", tuple((r, c) for r in rows)) for c in cols]
    if row_margins:
        margins += [Margin(f"row:{r}", tuple((r, c) for c in cols)) for r in rows]
    hidden = suppress(cells, margins, min_cell)

    def margin(name: str, keys: Sequence[tuple[str, str]]) -> int | None:
        return None if name in hidden.margins else sum(cells[k] for k in keys)

    return Grid(
        list(rows),
        list(cols),
        {k: None if k in hidden.cells else v for k, v in cells.items()},
        {r: margin(f"row:{r}", [(r, c) for c in cols]) if row_margins else None for r in rows},
        {c: margin(f"col:{c}", [(r, c) for r in rows]) for c in cols},
        margin("total", list(cells)) if row_margins else None,
    )


def figures(
    store: Store,
    settings: Settings,
    actor: Actor,
    *,
    first: str | None = None,
    last: str | None = None,
    by: str = "month",
    tz: str = "UTC",
) -> dict[str, Any]:
    check_reader(actor)
    min_cell = settings.stats_min_cell
    q = report.make_query(first, last, by, (), tz, min_cell=min_cell)
    periods = report.figures(store, q)
    labels = [p.label for p in periods.periods]
    by_list = report.figures(store, replace(q, group=("list",)))
    matches = _matches_by_list(by_list, labels, min_cell)
    outcomes_values = {(label, o): periods.cells[(label,)][o] for label in labels for o in OUTCOMES}
    outcomes = grid(outcomes_values, labels, list(OUTCOMES), min_cell, row_margins=False)
    return {
        "query": q,
        "periods": labels,
        "matches": matches,
        "outcomes": outcomes,
        "decision": _times(periods, "decision", min_cell),
        "report": _times(periods, "report", min_cell),
        "queue": _queue(store, min_cell),
        "min_cell": min_cell,
    }


def _matches_by_list(fig: report.Figures, labels: list[str], min_cell: int) -> Grid:
    values: dict[tuple[str, str], int] = {}
    totals: dict[str, int] = {}
    for key, counts in fig.cells.items():
        if counts["matches"] and key[1]:
            values[(str(key[0]), str(key[1]))] = counts["matches"]
            totals[str(key[1])] = totals.get(str(key[1]), 0) + counts["matches"]
    top = sorted(totals, key=lambda name: (-totals[name], name))
    if len(top) > MAX_LISTS:
        keep = set(top[: MAX_LISTS - 1])
        merged: dict[tuple[str, str], int] = {}
        for (period, name), n in values.items():
            k = (period, name if name in keep else "other lists")
            merged[k] = merged.get(k, 0) + n
        values, top = merged, [*top[: MAX_LISTS - 1], "other lists"]
    return grid(values, labels, top, min_cell)


def _times(fig: report.Figures, measure: str, min_cell: int) -> list[Times]:
    out = []
    for label in [p.label for p in fig.periods]:
        h = fig.times.get((label,), {}).get(measure, {})
        n = sum(h.values())
        if 0 < n < min_cell:
            out.append(Times(label, None, None, None))
        else:
            out.append(Times(label, n, hist.quantile(h, 0.5), hist.quantile(h, 0.9)))
    return out


def _queue(store: Store, min_cell: int) -> Grid:
    with store.connect() as conn:
        rows = store_stats.review_queue_depth(conn)
    values = {(str(r.queue), str(r.state)): int(r.count) for r in rows}
    queues = sorted({q for q, _ in values})
    return grid(values, queues, ["open", "in_review", "escalated"], min_cell)
