"""The queue as reviewers see it: listing, viewing, claiming and releasing items,
and their media (blurred by default; a reveal is deliberate, audited and counted).

An analyst never sees another reviewer's decision, a quality-check item's answer,
or the category a list gave a matched hash: only their own decision. Seniors see
everything.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Row

from brightline.core.actor import Actor
from brightline.core.categories import SCHEMES
from brightline.errors import ConflictError, ForbiddenError
from brightline.services import audit
from brightline.services.review import exposure
from brightline.services.review.env import ReviewEnv, require_reviewer, user_id
from brightline.services.review.events import read_media
from brightline.services.review.media import preview
from brightline.services.store import review as store_review

STATES = ("open", "in_review", "confirmed", "rejected", "escalated")
FINAL = ("confirmed", "rejected")


def list_items(
    env: ReviewEnv,
    actor: Actor,
    state: str | None = None,
    queue: str | None = None,
    source: str | None = None,
    limit: int = 100,
    after_id: int = 0,
) -> list[dict[str, Any]]:
    require_reviewer(actor)
    states = [state] if state else None
    if actor.role != "senior" and (state is None or state in ("escalated", *FINAL)):
        states = [s for s in (states or ["open", "in_review"]) if s in ("open", "in_review")]
    if states == []:
        return []
    with env.store.connect() as conn:
        rows = store_review.find_items(
            conn, states=states, queue=queue, source=source, limit=limit, after_id=after_id
        )
        return [item_view(conn, r, actor, brief=True) for r in rows]


def get_item(env: ReviewEnv, actor: Actor, item_id: int) -> dict[str, Any]:
    """One item, as this reviewer may see it; the view is audited."""
    require_reviewer(actor)
    with env.store.begin() as conn:
        row = store_review.get_item(conn, item_id)
        check_access(conn, row, actor)
        view = item_view(conn, row, actor)
        audit.record(conn, actor, "review.view", f"item:{item_id}")
        return view


def check_access(
    conn: Connection, row: Row[Any], actor: Actor, now: datetime | None = None
) -> None:
    now = now or datetime.now(UTC)
    held_by_other = (
        row.claimed_by is not None
        and int(row.claimed_by) != user_id(actor)
        and row.claim_until is not None
        and row.claim_until > now
    )
    if actor.role == "senior":
        return
    if held_by_other:
        raise ForbiddenError("another reviewer holds this item")
    with_seniors = row.state == "escalated" or row.state in FINAL
    if with_seniors and not _decided(conn, row, actor):
        raise ForbiddenError("this item is with the seniors")


def _decided(conn: Connection, row: Row[Any], actor: Actor) -> bool:
    return any(d.user_id == user_id(actor) for d in store_review.decisions_of(conn, row.id))


def claim(env: ReviewEnv, actor: Actor, item_id: int) -> dict[str, Any]:
    require_reviewer(actor)
    now = datetime.now(UTC)
    with env.store.begin() as conn:
        exposure.check_limit(conn, env.settings, actor, now)
        row = store_review.get_item(conn, item_id, lock=True)
        _claimable(conn, row, actor, now)
        _take(conn, env, row, actor, now)
        audit.record(conn, actor, "review.claim", f"item:{item_id}")
        return item_view(conn, store_review.get_item(conn, item_id), actor)


def next_item(env: ReviewEnv, actor: Actor, queue: str | None = None) -> dict[str, Any] | None:
    """Claim the oldest item this reviewer may work next (None when there is none)."""
    require_reviewer(actor)
    now = datetime.now(UTC)
    states = ["escalated"] if actor.role == "senior" else []
    states += ["open", "in_review"]
    with env.store.begin() as conn:
        exposure.check_limit(conn, env.settings, actor, now)
        for row in store_review.next_candidates(conn, states, queue, user_id(actor), now):
            locked = store_review.get_item(conn, row.id, lock=True)
            try:
                _claimable(conn, locked, actor, now)
            except (ConflictError, ForbiddenError):
                continue
            _take(conn, env, locked, actor, now)
            audit.record(conn, actor, "review.claim", f"item:{row.id}", {"next": True})
            return item_view(conn, store_review.get_item(conn, row.id), actor)
    return None


def _claimable(conn: Connection, row: Row[Any], actor: Actor, now: datetime) -> None:
    if row.state in FINAL:
        raise ConflictError(f"item {row.id} is already decided")
    if row.state == "escalated" and actor.role != "senior":
        raise ForbiddenError("this item is with the seniors")
    if (
        row.claimed_by is not None
        and int(row.claimed_by) != user_id(actor)
        and row.claim_until is not None
        and row.claim_until > now
    ):
        raise ConflictError(f"item {row.id} is claimed by another reviewer")
    mine = [d for d in store_review.decisions_of(conn, row.id) if d.user_id == user_id(actor)]
    if mine:
        raise ConflictError("you have already decided this item")


def _take(conn: Connection, env: ReviewEnv, row: Row[Any], actor: Actor, now: datetime) -> None:
    until = now + timedelta(seconds=env.settings.review_claim_s)
    if not store_review.take_claim(conn, row.id, user_id(actor), actor.name, now, until):
        raise ConflictError(f"item {row.id} is claimed by another reviewer")
    store_review.release_claims_of(conn, user_id(actor), keep=row.id)
    if row.state == "open":
        store_review.update_item(conn, row.id, state="in_review")


def release(env: ReviewEnv, actor: Actor, item_id: int) -> dict[str, Any]:
    require_reviewer(actor)
    with env.store.begin() as conn:
        row = store_review.get_item(conn, item_id, lock=True)
        if row.claimed_by is None or int(row.claimed_by) != user_id(actor):
            raise ConflictError("you do not hold this item")
        unclaim(conn, row)
        audit.record(conn, actor, "review.release", f"item:{item_id}")
        return item_view(conn, store_review.get_item(conn, item_id), actor)


def unclaim(conn: Connection, row: Row[Any]) -> None:
    counted = [d for d in store_review.decisions_of(conn, row.id) if d.decision != "skip"]
    state = row.state
    if state == "in_review" and not counted:
        state = "open"
    store_review.update_item(
        conn, row.id, claimed_by=None, claimed_name=None, claim_until=None, state=state
    )


def media_preview(env: ReviewEnv, actor: Actor, item_id: int, reveal: bool) -> tuple[bytes, str]:
    """``(body, content type)`` of what the reviewer is shown: a blurred greyscale
    JPEG, or on ``reveal`` the unblurred one (text items: the text). Audited."""
    require_reviewer(actor)
    now = datetime.now(UTC)
    with env.store.begin() as conn:
        row = store_review.get_item(conn, item_id)
        check_access(conn, row, actor, now)
        action = "review.reveal" if reveal else "review.media_read"
        if reveal:
            if not _holds(row, actor, now):
                raise ConflictError("claim the item before revealing it")
            exposure.add(conn, actor, now, reveals=1)
        audit.record(conn, actor, action, f"item:{item_id}", {"form": _form(row, reveal)})
    chunks = read_media(_path(row), env.keyring, bytes(row.media_key), str(row.uid))
    if row.media_type == "text/plain":
        if not reveal:
            return b"", "text/plain; charset=utf-8"
        return b"".join(chunks), "text/plain; charset=utf-8"
    return preview(chunks, row.media_type, reveal), "image/jpeg"


def _holds(row: Row[Any], actor: Actor, now: datetime) -> bool:
    return (
        row.claimed_by is not None
        and int(row.claimed_by) == user_id(actor)
        and row.claim_until is not None
        and row.claim_until > now
    )


def _form(row: Row[Any], reveal: bool) -> str:
    if row.media_type == "text/plain":
        return "text" if reveal else "hidden"
    return "unblurred" if reveal else "blurred"


def _path(row: Row[Any]) -> Path:
    return Path(row.media_path)


def item_view(
    conn: Connection, row: Row[Any], actor: Actor, *, brief: bool = False
) -> dict[str, Any]:
    senior = actor.role == "senior"
    decs = store_review.decisions_of(conn, row.id)
    mine = [d for d in decs if d.user_id == user_id(actor)]
    matches = json.loads(row.matches)
    if not senior:
        matches = [{k: v for k, v in m.items() if k != "category"} for m in matches]
    final = row.state in FINAL
    view: dict[str, Any] = {
        "id": int(row.id),
        "queue": row.queue,
        "source": row.source,
        "state": row.state,
        "scheme": row.scheme,
        "categories": SCHEMES.get(row.scheme) or {"illegal": "illegal (no scheme)"},
        "category": row.category if final and (senior or mine) else None,
        "list": row.list_name,
        "matches": matches,
        "report_to": json.loads(row.report_to),
        "signals": {
            # every signal by type (a plugin type's too), then the fixed fields
            **store_review.signals_of_item(conn, int(row.id)),
            "md5": row.md5,
            "sha1": row.sha1,
            "sha256": row.sha256,
            "pdq": row.pdq,
            "size": int(row.size),
            "media_type": row.media_type,
        },
        "filename": row.filename,
        "claimed_by": row.claimed_name if row.claimed_by is not None else None,
        "claim_expires_at": row.claim_until.isoformat() if row.claim_until else None,
        "claimed_by_me": row.claimed_by is not None and int(row.claimed_by) == user_id(actor),
        "created_at": row.created_at.isoformat(),
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        "my_decision": mine[0].decision if mine else None,
        "listed_in": row.listed_in,
        # The job that found it and its source (scan, upload, lookup, watch, case).
        "job_id": int(row.job_id) if row.job_id is not None else None,
        "job_source": row.job_kind,
    }
    if not brief:
        view["metadata"] = json.loads(row.meta)
    if senior:
        view["decisions"] = [_decision(d) for d in decs]
        view["quality"] = bool(row.quality)
        view["known_answer"] = row.known_answer
    return view


def _decision(d: Row[Any]) -> dict[str, Any]:
    return {
        "by": d.user_name,
        "role": d.role,
        "decision": d.decision,
        "ruling": bool(d.ruling),
        "at": d.at.isoformat(),
    }
