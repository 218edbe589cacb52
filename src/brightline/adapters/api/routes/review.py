"""The review queue over JSON (the web pages use these routes too), and intake of
user reports from platforms."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from brightline.adapters.api.deps import RuntimeDep, ScannerKey, current_key, presented_token
from brightline.adapters.api.errors import ApiError
from brightline.adapters.api.sessions import (
    ReviewerSession,
    SeniorSession,
    current_session,
    session_token,
)
from brightline.adapters.api.uploads import ONE_FILE, read_upload
from brightline.core.actor import Actor
from brightline.errors import ForbiddenError, InputError
from brightline.services.people import users
from brightline.services.people.auth import Role
from brightline.services.review import decide, exposure, intake, items, quality
from brightline.services.review.env import create_queue, list_queues

router = APIRouter(prefix="/v1", tags=["review"])

ItemId = Annotated[int, Path(ge=1, le=2**62)]
State = Literal["open", "in_review", "confirmed", "rejected", "escalated"]
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


class DecisionIn(BaseModel):
    decision: str = Field(
        max_length=64, description="A category of the item's scheme, not_illegal, or skip."
    )


class ListIn(BaseModel):
    list_name: str = Field(alias="list", max_length=200)


class QueueIn(BaseModel):
    name: str = Field(max_length=100)
    scheme: str = Field(default="industry", max_length=20)
    agreement: int | None = Field(default=None, ge=1, le=10)
    target_list: str | None = Field(default=None, max_length=200)


class TextIntakeIn(BaseModel):
    text: str = Field(max_length=1_000_000, description="A reported message thread.")
    metadata: dict[str, Any] = Field(default_factory=dict)
    queue: str | None = Field(default=None, max_length=100)
    report_to: list[str] | str | None = Field(
        default=None, description="ncmec, nca or both: where a confirmed item is reported."
    )


@router.get("/review/items")
def list_items(
    session: ReviewerSession,
    runtime: RuntimeDep,
    state: State | None = None,
    queue: Annotated[str | None, Query(max_length=100)] = None,
    source: Annotated[Literal["match", "intake", "case", "chat"] | None, Query()] = None,
    after_id: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    """Items, oldest first. Analysts see what they may work (``open``, ``in_review``);
    seniors see every state."""
    actor = session.user.actor
    return items.list_items(runtime.review, actor, state, queue, source, limit, after_id)


@router.get("/review/items/{item_id}")
def get_item(item_id: ItemId, session: ReviewerSession, runtime: RuntimeDep) -> dict[str, Any]:
    return items.get_item(runtime.review, session.user.actor, item_id)


@router.post("/review/items/{item_id}/claim")
def claim(item_id: ItemId, session: ReviewerSession, runtime: RuntimeDep) -> dict[str, Any]:
    """Hold the item for ``BRIGHTLINE_REVIEW_CLAIM_S`` seconds; 409 if another holds it."""
    return items.claim(runtime.review, session.user.actor, item_id)


@router.post("/review/items/{item_id}/release")
def release(item_id: ItemId, session: ReviewerSession, runtime: RuntimeDep) -> dict[str, Any]:
    return items.release(runtime.review, session.user.actor, item_id)


@router.post("/review/items/{item_id}/decisions")
def add_decision(
    item_id: ItemId, body: DecisionIn, session: ReviewerSession, runtime: RuntimeDep
) -> dict[str, Any]:
    """Grade a held item: a category of its scheme, ``not_illegal`` or ``skip``."""
    return decide.decide(runtime.review, session.user.actor, item_id, body.decision)


@router.post("/review/items/{item_id}/undo")
def undo(item_id: ItemId, session: ReviewerSession, runtime: RuntimeDep) -> dict[str, Any]:
    """Take back your decision (within ``BRIGHTLINE_REVIEW_UNDO_S``, while undecided)."""
    return decide.undo(runtime.review, session.user.actor, item_id)


@router.get("/review/items/{item_id}/media")
def media(
    item_id: ItemId, session: ReviewerSession, runtime: RuntimeDep, reveal: bool = False
) -> Response:
    """The item's picture: small, greyscale, blurred; ``reveal=true`` (audited as
    ``review.reveal``) unblurs it. Never cached."""
    body, media_type = items.media_preview(runtime.review, session.user.actor, item_id, reveal)
    return Response(body, media_type=media_type, headers=NO_STORE)


@router.post("/review/items/{item_id}/list")
def add_to_list(
    item_id: ItemId, body: ListIn, session: SeniorSession, runtime: RuntimeDep
) -> dict[str, Any]:
    """A senior adds a confirmed item's hashes to a list, with provenance."""
    return decide.add_to_list(runtime.review, session.user.actor, item_id, body.list_name)


@router.post("/review/next", response_model=None)
def next_item(
    session: ReviewerSession,
    runtime: RuntimeDep,
    queue: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any] | Response:
    """Claim the next item to work (204 when the queue is empty for you)."""
    found = items.next_item(runtime.review, session.user.actor, queue)
    return found if found is not None else Response(status_code=204)


@router.get("/review/disagreements")
def disagreements(session: SeniorSession, runtime: RuntimeDep) -> list[dict[str, Any]]:
    return decide.disagreements(runtime.review, session.user.actor)


@router.get("/review/quality")
def quality_figures(session: SeniorSession, runtime: RuntimeDep) -> list[dict[str, Any]]:
    """Each reviewer's agreement with quality-check answers and with final outcomes."""
    return quality.figures(runtime.review, session.user.actor)


@router.get("/review/exposure")
def exposure_counters(
    session: SeniorSession,
    runtime: RuntimeDep,
    day: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None,
) -> list[dict[str, Any]]:
    """Items, reveals and minutes per reviewer per day (counters, never content)."""
    return exposure.counters(runtime.review, session.user.actor, day)


@router.get("/review/exposure/me")
def my_exposure(session: ReviewerSession, runtime: RuntimeDep) -> dict[str, Any]:
    return exposure.mine(runtime.review, session.user.actor)


@router.get("/review/queues")
def queues(_session: ReviewerSession, runtime: RuntimeDep) -> list[dict[str, object]]:
    return list_queues(runtime.review)


@router.post("/review/queues", status_code=201)
def add_queue(body: QueueIn, session: SeniorSession, runtime: RuntimeDep) -> dict[str, object]:
    return create_queue(
        runtime.review,
        session.user.actor,
        body.name,
        body.scheme,
        body.agreement,
        body.target_list,
    )


@router.post("/review/seed", status_code=201, openapi_extra=ONE_FILE)
async def seed(request: Request, session: SeniorSession, runtime: RuntimeDep) -> dict[str, Any]:
    """A quality-check item: multipart ``file``, ``known_answer`` and optional
    ``queue``, ``shown_as`` (``intake`` or ``match``), ``list`` (the list a match names)
    and ``metadata`` (JSON, as an intake carries); analysts grade it like any other."""
    name, data, fields = await read_upload(
        request, ("known_answer", "queue", "shown_as", "list", "metadata")
    )
    answer = fields.get("known_answer")
    if not answer:
        raise ApiError(422, "invalid_request", "known_answer: a quality check needs its answer")
    item_id = await run_in_threadpool(
        intake.seed,
        runtime.review,
        session.user.actor,
        data,
        name,
        answer,
        fields.get("queue"),
        fields.get("shown_as") or "intake",
        fields.get("list") or None,
        fields.get("metadata"),
    )
    return {"id": item_id}


@router.get("/review/flags")
async def flags(request: Request, runtime: RuntimeDep) -> list[dict[str, Any]]:
    """List entries with repeated false positives (a curator key, or a senior)."""
    token, _ = session_token(request)
    bearer = presented_token(request.headers.get("authorization"))
    if token and (bearer is None or users.is_session_token(bearer)):
        session = await current_session(request, runtime)
        if session.user.role != "senior":
            raise ForbiddenError("this needs a curator key or a signed-in senior")
    else:
        key = await current_key(request, runtime, None)
        if not key.allows(Role.CURATOR):
            raise ForbiddenError("this needs a curator key or a signed-in senior")
    return await run_in_threadpool(decide.flagged, runtime.review)


def _destinations(field: str | None) -> list[str] | None:
    """A multipart ``report_to``: ``ncmec``, ``nca`` or ``ncmec,nca``."""
    return [d for d in field.split(",") if d.strip()] if field else None


def _key_actor(key: Any) -> Actor:
    return Actor("key", key.prefix, key.name, key.role.value)


@router.post("/intake", status_code=201, openapi_extra=ONE_FILE)
async def intake_report(request: Request, runtime: RuntimeDep, key: ScannerKey) -> JSONResponse:
    """A user's report from a platform joins the review queue: multipart ``file``
    (plus optional ``metadata`` JSON, ``queue`` and ``report_to``), or JSON
    ``{"text", "metadata", "report_to"}`` for a message thread. ``report_to``
    (``ncmec``, ``nca``, or both) makes a confirmed item join a report there. With
    an ``Idempotency-Key`` header, a retry (after a lost answer) returns the item
    the first request made instead of making a second."""
    actor = _key_actor(key)
    idempotency_key = request.headers.get("idempotency-key")
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = TextIntakeIn.model_validate_json(await request.body())
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "body"
            raise InputError(f"{where}: {first.get('msg', 'invalid')}") from None
        item_id = await run_in_threadpool(
            intake.from_upload,
            runtime.review,
            actor,
            body.text.encode(),
            None,
            body.metadata,
            body.queue,
            True,
            idempotency_key,
            body.report_to,
        )
    else:
        name, data, fields = await read_upload(request, ("metadata", "queue", "report_to"))
        item_id = await run_in_threadpool(
            intake.from_upload,
            runtime.review,
            actor,
            data,
            name,
            fields.get("metadata"),
            fields.get("queue"),
            False,
            idempotency_key,
            _destinations(fields.get("report_to")),
        )
    rid = getattr(request.state, "request_id", None)
    return JSONResponse({"request_id": rid, "id": item_id, "state": "open"}, 201)
