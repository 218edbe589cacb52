"""Per-list actions (match log, signed webhooks) and the logs they keep."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from brightline.adapters.api.deps import CuratorKey, ServicesDep, actor
from brightline.adapters.api.schemas import (
    ActionCreated,
    ActionIn,
    ActionOut,
    DeliveryRow,
    MatchLogRow,
)
from brightline.services import actions

router = APIRouter(prefix="/v1", tags=["actions"])

AfterId = Annotated[int, Query(ge=0, le=2**62)]
Limit = Annotated[int, Query(ge=1, le=1000)]
ListFilter = Annotated[str | None, Query(alias="list", max_length=200)]


@router.get("/lists/{name}/actions", response_model=list[ActionOut])
def get_actions(name: str, svc: ServicesDep, _key: CuratorKey) -> list[dict[str, object]]:
    return [a.as_dict() for a in actions.list_actions(svc.store, name)]


@router.post("/lists/{name}/actions", response_model=ActionCreated, status_code=201)
def add_action(name: str, body: ActionIn, svc: ServicesDep, key: CuratorKey) -> dict[str, object]:
    """What a match on this list triggers: ``log`` records it in the match log;
    ``webhook`` POSTs it to ``url``, signed with HMAC-SHA256 (the secret is shown
    once, here); ``review`` keeps the matched upload, encrypted, as a review item in
    ``queue`` (``report_to``: ``ncmec``, ``nca`` or both, for confirmed items)."""
    action, secret = actions.add_action(
        svc.store,
        name,
        body.kind,
        body.url,
        body.secret,
        queue=body.queue,
        report_to=body.report_to,
        actor=actor(key),
        allow_private=svc.settings.webhook_allow_private,
    )
    return {"action": action.as_dict(), "secret": secret}


@router.delete("/lists/{name}/actions/{action_id}", status_code=204)
def remove_action(
    name: str,
    action_id: Annotated[int, Path(ge=1, le=2**62)],
    svc: ServicesDep,
    key: CuratorKey,
) -> None:
    actions.remove_action(svc.store, name, action_id, actor=actor(key))


@router.get("/match-log", response_model=list[MatchLogRow])
def match_log(
    svc: ServicesDep,
    _key: CuratorKey,
    list_name: ListFilter = None,
    after_id: AfterId = 0,
    limit: Limit = 100,
) -> list[dict[str, object]]:
    """Matches recorded by ``log`` actions, oldest first; page with ``after_id``."""
    return actions.match_log(svc.store, list_name, after_id, limit)


@router.get("/webhook-deliveries", response_model=list[DeliveryRow])
def webhook_deliveries(
    svc: ServicesDep,
    _key: CuratorKey,
    list_name: ListFilter = None,
    status_: Annotated[
        Literal["pending", "delivered", "failed"] | None, Query(alias="status")
    ] = None,
    after_id: AfterId = 0,
    limit: Limit = 100,
) -> list[dict[str, object]]:
    """The webhook delivery log: status, attempts, last answer or error."""
    return actions.delivery_log(svc.store, list_name, status_, after_id, limit)
