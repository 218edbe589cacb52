"""The stats page (``/ui/stats``), for seniors, admins and auditors: matches over
time by list, review outcomes, time to decision and to report, queue depth; each
chart (server-rendered SVG) beside its table, with the change on the period before.
Always suppressed (``services/stats/page.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from brightline.adapters.api.deps import RuntimeDep
from brightline.adapters.web import charts
from brightline.adapters.web.pages import PageForbidden, page_session, render
from brightline.core.stats.suppression import MARK
from brightline.errors import BrightlineError
from brightline.services.people.users import UserRole
from brightline.services.stats import page

router = APIRouter(prefix="/ui", include_in_schema=False)
READERS = (UserRole.SENIOR, UserRole.ADMIN, UserRole.AUDITOR)
OUTCOME_NAMES = ["queued", "confirmed", "rejected", "escalated", "overturned"]
Day = Annotated[str | None, Query(max_length=10)]


@router.get("/stats")
async def stats_page(
    request: Request,
    runtime: RuntimeDep,
    first: Annotated[Day, Query(alias="from")] = None,
    last: Annotated[Day, Query(alias="to")] = None,
    by: Annotated[str, Query(max_length=10)] = "month",
    tz: Annotated[str, Query(max_length=64)] = "UTC",
) -> HTMLResponse:
    session = await page_session(request, runtime, *READERS)
    svc = runtime.services

    def read() -> dict[str, object]:
        return page.figures(
            svc.store, svc.settings, session.user.actor, first=first, last=last, by=by, tz=tz
        )

    try:
        figs = await run_in_threadpool(read)
    except BrightlineError as exc:
        raise PageForbidden(str(exc), session) from None
    matches, outcomes, queue = figs["matches"], figs["outcomes"], figs["queue"]
    assert isinstance(matches, page.Grid) and isinstance(outcomes, page.Grid)
    assert isinstance(queue, page.Grid)
    decision, reported = figs["decision"], figs["report"]
    assert isinstance(decision, list) and isinstance(reported, list)
    svgs = {
        "matches": charts.stacked_bars("chart-matches", "Matches by list per period", matches),
        "outcomes": charts.grouped_bars(
            "chart-outcomes", "Review outcomes per period", outcomes, OUTCOME_NAMES
        ),
        "decision": charts.time_lines("chart-decision", "Detection to first decision", decision),
        "report": charts.time_lines("chart-report", "Detection to report filed", reported),
        "queue": charts.stacked_bars("chart-queue", "Review queue depth", queue),
    }
    return render(
        request,
        "stats.html",
        session,
        figs=figs,
        svgs=svgs,
        mark=MARK,
        outcome_names=OUTCOME_NAMES,
        fmt=_fmt,
        pct=_pct,
        span=_span,
    )


def _fmt(value: int | None) -> str:
    return MARK if value is None else f"{value:,}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:+.0f}%"


def _span(seconds: float | None) -> str:
    if seconds is None:
        return MARK
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"
