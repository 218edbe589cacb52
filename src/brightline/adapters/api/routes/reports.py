"""``/v1/reports``: reports to NCMEC and the NCA, for seniors.

A signed-in ``senior`` (bearer session token, or the browser's cookie with its CSRF
token), or a curator or admin API key for machines; analysts, admins and auditors
signed in as people are refused. Sending hands the report to the outbox worker of
``brightline serve``; nothing is sent automatically.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, status
from pydantic import BaseModel, Field

from brightline.adapters.api.deps import RuntimeDep
from brightline.adapters.api.sessions import key_or_user
from brightline.core.actor import Actor
from brightline.services.people.auth import Role
from brightline.services.people.users import UserRole

router = APIRouter(prefix="/v1/reports", tags=["reports"])

ReportId = Annotated[int, Path(ge=1, le=2**62)]


Senior = Annotated[Actor, Depends(key_or_user(Role.CURATOR, UserRole.SENIOR))]


class SendIn(BaseModel):
    escalate: str | None = Field(
        default=None, max_length=2000, description="Why NCMEC should treat it as high priority."
    )
    note: str | None = Field(default=None, max_length=10000)


@router.get("")
def list_reports(
    runtime: RuntimeDep,
    _who: Senior,
    state: Annotated[str | None, Query(max_length=16)] = None,
    destination: Annotated[str | None, Query(max_length=16)] = None,
) -> list[dict[str, Any]]:
    """Reports with their ``state`` (draft, sending, finished, failed, retracted), items
    and, once known, NCMEC's ``report_id``."""
    return runtime.reporting.reports(state, destination)


@router.get("/{report_id}")
def get_report(report_id: ReportId, runtime: RuntimeDep, _who: Senior) -> dict[str, Any]:
    return runtime.reporting.show(report_id)


@router.post("/{report_id}/send", status_code=status.HTTP_202_ACCEPTED)
def send_report(
    report_id: ReportId, runtime: RuntimeDep, who: Senior, body: SendIn | None = None
) -> dict[str, Any]:
    """Send a draft: its media go into the vault and the outbox files it."""
    body = body or SendIn()
    view = runtime.reporting.send(report_id, who, escalate=body.escalate, note=body.note)
    runtime.report_kick.set()
    return view


@router.post("/{report_id}/retry", status_code=status.HTTP_202_ACCEPTED)
def retry_report(report_id: ReportId, runtime: RuntimeDep, who: Senior) -> dict[str, Any]:
    view = runtime.reporting.retry(report_id, who)
    runtime.report_kick.set()
    return view


@router.post("/{report_id}/retract", status_code=status.HTTP_202_ACCEPTED)
def retract_report(report_id: ReportId, runtime: RuntimeDep, who: Senior) -> dict[str, Any]:
    """Withdraw a report; refused (409) once it is finished."""
    view = runtime.reporting.retract(report_id, who)
    runtime.report_kick.set()
    return view
