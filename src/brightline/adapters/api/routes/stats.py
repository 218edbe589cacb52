"""``GET /v1/stats``: the figures of ``brightline stats``, for seniors, admins and
auditors (signed in) and admin API keys. Seniors always get suppressed figures."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from brightline.adapters.api.deps import ServicesDep
from brightline.adapters.api.sessions import key_or_user
from brightline.core.actor import Actor
from brightline.services.people.auth import Role
from brightline.services.people.users import UserRole
from brightline.services.stats import report, service

router = APIRouter(prefix="/v1", tags=["stats"])
Reader = Annotated[
    Actor, Depends(key_or_user(Role.ADMIN, UserRole.SENIOR, UserRole.ADMIN, UserRole.AUDITOR))
]
Day = Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD, in `tz`.")]


@router.get("/stats", response_model=None)
async def get_stats(
    svc: ServicesDep,
    who: Reader,
    first: Annotated[Day, Query(alias="from")] = None,
    last: Annotated[Day, Query(alias="to")] = None,
    by: Annotated[str, Query(max_length=10, description="day, week, month, quarter, year")] = (
        "month"
    ),
    group: Annotated[
        list[str] | None, Query(max_length=16, description="Repeat: list, category, …")
    ] = None,
    tz: Annotated[str, Query(max_length=64, description="IANA time zone.")] = "UTC",
    suppress: bool = False,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
    csv_out: Annotated[bool, Query(alias="csv", description="Same as format=csv.")] = False,
) -> Response:
    """Counts per period (``by``) and group: items, matches, actions, review outcomes,
    reports, and median/p90 times from detection to first decision and to report.
    Small counts are ``null`` for seniors, or when ``suppress`` is set."""

    def read() -> dict[str, Any]:
        return service.stats(
            svc.store,
            svc.settings,
            who,
            first=first,
            last=last,
            by=by,
            group=group or (),
            tz=tz,
            suppress=suppress,
        )

    data = await run_in_threadpool(read)
    if format == "csv" or csv_out:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(report.csv_rows(data))
        return Response(buf.getvalue(), media_type="text/csv; charset=utf-8")
    return JSONResponse(data)
