"""The reports pages, for seniors: every report (destination, state, items, NCMEC's
report id), and one report with its outbox steps and the Send / Retract buttons.
The forms post with the session's CSRF token; the pages read and act through the
same ``Reporting`` facade as ``/v1/reports`` and the CLI. Nothing here shows media."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from brightline.adapters.api.deps import RuntimeDep
from brightline.adapters.web.pages import (
    error_code,
    existing_id,
    page_error,
    page_message,
    page_session,
    render,
)
from brightline.errors import BrightlineError
from brightline.services.people.users import UserRole

router = APIRouter(prefix="/ui/reports", include_in_schema=False)


@router.get("")
async def reports_page(request: Request, runtime: RuntimeDep, error: str = "") -> HTMLResponse:
    session = await page_session(request, runtime, UserRole.SENIOR)
    found = await run_in_threadpool(runtime.reporting.reports)
    return render(request, "reports.html", session, reports=found, error=page_message(error))


@router.get("/{report_id}")
async def report_page(
    request: Request, runtime: RuntimeDep, report_id: int, error: str = ""
) -> HTMLResponse:
    session = await page_session(request, runtime, UserRole.SENIOR)
    existing_id(report_id, "report", session)
    try:
        report = await run_in_threadpool(runtime.reporting.show, report_id)
    except BrightlineError as exc:
        raise page_error(exc, session) from None
    return render(request, "report.html", session, report=report, error=page_message(error))


@router.post("/{report_id}/send")
async def send_report(
    request: Request,
    runtime: RuntimeDep,
    report_id: int,
    escalate: Annotated[str, Form(max_length=2000)] = "",
    note: Annotated[str, Form(max_length=10000)] = "",
) -> Response:
    session = await page_session(request, runtime, UserRole.SENIOR)
    existing_id(report_id, "report", session)
    try:
        await run_in_threadpool(
            runtime.reporting.send,
            report_id,
            session.user.actor,
            escalate=escalate.strip() or None,
            note=note.strip() or None,
        )
    except BrightlineError as exc:
        return RedirectResponse(f"/ui/reports/{report_id}?error={error_code(exc)}", 303)
    runtime.report_kick.set()
    return RedirectResponse(f"/ui/reports/{report_id}", 303)


@router.post("/{report_id}/retract")
async def retract_report(request: Request, runtime: RuntimeDep, report_id: int) -> Response:
    session = await page_session(request, runtime, UserRole.SENIOR)
    existing_id(report_id, "report", session)
    try:
        await run_in_threadpool(runtime.reporting.retract, report_id, session.user.actor)
    except BrightlineError as exc:
        return RedirectResponse(f"/ui/reports/{report_id}?error={error_code(exc)}", 303)
    runtime.report_kick.set()
    return RedirectResponse(f"/ui/reports/{report_id}", 303)
