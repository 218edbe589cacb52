"""The audit chain, for people who check it: an admin API key, or a signed-in
``auditor`` or ``admin`` user."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from brightline.adapters.api.deps import ServicesDep
from brightline.adapters.api.schemas import AuditRecordOut, AuditVerifyOut
from brightline.adapters.api.sessions import key_or_user
from brightline.core.actor import Actor
from brightline.services import audit
from brightline.services.people.auth import Role
from brightline.services.people.users import UserRole

router = APIRouter(prefix="/v1", tags=["audit"])
Auditor = Annotated[Actor, Depends(key_or_user(Role.ADMIN, UserRole.AUDITOR, UserRole.ADMIN))]


@router.get("/audit", response_model=list[AuditRecordOut])
def get_audit(
    svc: ServicesDep,
    _who: Auditor,
    action: Annotated[
        str | None, Query(max_length=64, description="Action, or its start: `list.`, `key.`.")
    ] = None,
    actor: Annotated[
        str | None, Query(max_length=300, description="An actor label: `key:ab12cd34`.")
    ] = None,
    target: Annotated[str | None, Query(max_length=300, description="`list:iwf`, …")] = None,
    before: Annotated[int, Query(ge=0, le=2**62, description="Records older than this seq.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, object]]:
    """Audit records, newest first; page with ``before`` (the last ``seq`` seen)."""
    found = audit.records(
        svc.store, action=action, actor=actor, target=target, limit=limit, before=before
    )
    return [audit.record_dict(r) for r in found]


@router.get("/audit/verify", response_model=AuditVerifyOut)
def verify_audit(svc: ServicesDep, _who: Auditor) -> dict[str, object]:
    """Walk the whole chain: intact, or the first record changed, removed or inserted."""
    return audit.verify(svc.store).as_dict()
