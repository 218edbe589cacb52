"""``/v1/reports``: reports to NCMEC and the NCA, for seniors.

Until signed-in users exist, a curator or admin API key stands for a senior; the
``senior`` dependency is the one place to change when they do. Sending hands the
report to the outbox worker of ``brightline serve``; nothing is sent automatically.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, status
from pydantic import BaseModel, Field

from brightline.adapters.api.deps import CuratorKey, RuntimeDep
from brightline.core.actor import Actor

router = APIRouter(prefix="/v1/reports", tags=["reports"])

ReportId = Annotated[int, Path(ge=1, le=2**62)]


def senior(key: CuratorKey) -> Actor:
    return Actor("key", key.prefix, key.name, key.role.value)


Senior = Annotated[Actor, Depends(senior)]


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
