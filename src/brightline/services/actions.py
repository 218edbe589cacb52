"""What a match on a list triggers: a record in the match log, a signed webhook.

Actions are set per list. ``record_matches`` runs after a lookup that found
something: it writes match-log rows and queues one webhook delivery per webhook
action and request, in one transaction. Deliveries are sent by ``webhooks.Deliverer``
in the background, so a verdict never waits on a receiver.
"""

from __future__ import annotations

import json
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, Row

from brightline.core.models import Match
from brightline.errors import NotFoundError, UsageError
from brightline.services.review.env import ensure_queue
from brightline.services.review.intake import check_report_to
from brightline.services.store import Store
from brightline.services.store import actions as store_actions
from brightline.services.store import lists as store_lists
from brightline.services.store import review as store_review


class ActionKind(StrEnum):
    LOG = "log"
    WEBHOOK = "webhook"
    REVIEW = "review"  # the matched upload becomes a review item (services/review)


@dataclass(frozen=True, slots=True)
class Action:
    id: int
    list_name: str
    kind: ActionKind
    url: str | None
    created_at: datetime
    #: Review actions: ``{"queue": …, "report_to": [...]}``.
    review: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "id": self.id,
            "list": self.list_name,
            "kind": self.kind.value,
            "url": self.url,
            "created_at": self.created_at.isoformat(),
        }
        if self.review is not None:
            out.update(self.review)
        return out


@dataclass(frozen=True, slots=True)
class MatchContext:
    """Who asked and about what, recorded with each match."""

    request_id: str | None = None
    key_prefix: str | None = None
    ref: str | None = None


def add_action(
    store: Store,
    list_name: str,
    kind: ActionKind | str,
    url: str | None = None,
    secret: str | None = None,
    *,
    queue: str | None = None,
    report_to: str | Sequence[str] | None = None,
) -> tuple[Action, str | None]:
    """Add an action; for a webhook, returns the signing secret (made when not given).
    A ``review`` action takes the review ``queue`` and where reports go (``report_to``:
    ``ncmec``, ``nca`` or both)."""
    kind = _kind(kind)
    destinations = check_report_to(report_to)
    if kind is not ActionKind.REVIEW and (queue or destinations):
        raise UsageError("queue and report_to belong to review actions")
    if kind is ActionKind.WEBHOOK:
        url = check_webhook_url(url)
        secret = secret or secrets.token_urlsafe(32)
        if len(secret) < 16:
            raise UsageError("a webhook secret needs at least 16 characters")
    else:
        url = secret = None
    with store.begin() as conn:
        hash_list = store_lists.get_list(conn, list_name)
        now = datetime.now(UTC)
        action_id = store_actions.insert_action(conn, hash_list.id, kind.value, url, secret, now)
        if kind is ActionKind.REVIEW:
            queue_name = str(ensure_queue(conn, queue).name)
            store_review.insert_review_action(conn, action_id, queue_name, json.dumps(destinations))
        return _with_review(conn, [store_actions.get_action(conn, action_id)])[0], secret


def list_actions(store: Store, list_name: str) -> list[Action]:
    with store.connect() as conn:
        hash_list = store_lists.get_list(conn, list_name)
        return _with_review(conn, store_actions.actions_for_lists(conn, [hash_list.id]))


def remove_action(store: Store, list_name: str, action_id: int) -> None:
    with store.begin() as conn:
        row = store_actions.get_action(conn, action_id)
        if row.list_name != list_name:
            raise NotFoundError(f"list {list_name!r} has no action with id {action_id}")
        store_actions.delete_action(conn, action_id)


def check_webhook_url(url: str | None) -> str:
    try:
        parts = urlsplit(url or "")
        no_port = parts.port == 0  # .port raises ValueError past 65535
    except ValueError:  # "http://[::1", "http://host:99999/": a 422, not a 500
        raise UsageError("that webhook URL is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or no_port:
        raise UsageError("a webhook needs an http:// or https:// URL")
    if parts.username or parts.password:
        raise UsageError("put credentials in the webhook secret, not in its URL")
    return str(url)


def record_matches(store: Store, matches: Sequence[Match], ctx: MatchContext) -> int:
    """Run the lists' actions for these matches; returns deliveries queued."""
    by_list: dict[int, list[Match]] = defaultdict(list)
    for m in matches:
        by_list[m.list_id].append(m)
    if not by_list:
        return 0
    now = datetime.now(UTC)
    with store.begin() as conn:
        actions = store_actions.actions_for_lists(conn, by_list)
        logs: list[dict[str, Any]] = []
        deliveries: list[dict[str, Any]] = []
        for action in actions:
            found = by_list[action.list_id]
            if action.kind == ActionKind.LOG:
                logs.extend(_log_row(m, ctx, now) for m in found)
            elif action.kind == ActionKind.WEBHOOK:
                deliveries.append(_delivery_row(action, found, ctx, now))
        store_actions.insert_match_log(conn, logs)
        store_actions.insert_deliveries(conn, deliveries)
    return len(deliveries)


def match_log(
    store: Store, list_name: str | None = None, after_id: int = 0, limit: int = 100
) -> list[dict[str, object]]:
    with store.connect() as conn:
        rows = store_actions.match_log_rows(conn, list_name, after_id, limit)
    return [
        {
            "id": r.id,
            "at": r.at.isoformat(),
            "list": r.list_name,
            "entry_id": r.entry_id,
            "signal_type": r.signal_type,
            "value": r.value,
            "distance": r.distance,
            "category": r.category,
            "source": r.source,
            "key_prefix": r.key_prefix,
            "request_id": r.request_id,
            "ref": r.ref,
        }
        for r in rows
    ]


def delivery_log(
    store: Store,
    list_name: str | None = None,
    status: str | None = None,
    after_id: int = 0,
    limit: int = 100,
) -> list[dict[str, object]]:
    with store.connect() as conn:
        rows = store_actions.delivery_rows(conn, list_name, status, after_id, limit)
    return [delivery_dict(r) for r in rows]


def delivery_dict(r: Row[Any]) -> dict[str, object]:
    def when(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": r.id,
        "action_id": r.action_id,
        "list": r.list_name,
        "url": r.url,
        "status": r.status,
        "attempts": r.attempts,
        "next_attempt_at": when(r.next_attempt_at),
        "last_status_code": r.last_status_code,
        "last_error": r.last_error,
        "created_at": when(r.created_at),
        "delivered_at": when(r.delivered_at),
    }


def _kind(kind: ActionKind | str) -> ActionKind:
    try:
        return ActionKind(kind)
    except ValueError:
        known = ", ".join(k.value for k in ActionKind)
        raise UsageError(f"unknown action kind {kind!r} (known: {known})") from None


def _log_row(m: Match, ctx: MatchContext, now: datetime) -> dict[str, Any]:
    return {
        "at": now,
        "list_name": m.list_name,
        "entry_id": m.entry_id,
        "signal_type": m.signal_type,
        "value": m.value,
        "distance": m.distance,
        "category": m.category,
        "source": m.source,
        "key_prefix": ctx.key_prefix,
        "request_id": ctx.request_id,
        "ref": ctx.ref,
    }


def _delivery_row(
    action: Row[Any], found: list[Match], ctx: MatchContext, now: datetime
) -> dict[str, Any]:
    payload = {
        "event": "match",
        "list": action.list_name,
        "at": now.isoformat(),
        "request_id": ctx.request_id,
        "ref": ctx.ref,
        "matches": [m.as_dict() for m in found],
    }
    return {
        "action_id": action.id,
        "list_name": action.list_name,
        "url": action.url,
        "payload": json.dumps(payload, separators=(",", ":")),
        "status": store_actions.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def _with_review(conn: Connection, rows: Sequence[Row[Any]]) -> list[Action]:
    options = store_review.review_actions_for(conn, [int(r.id) for r in rows])
    out = []
    for row in rows:
        opt = options.get(int(row.id))
        review = {"queue": opt.queue, "report_to": json.loads(opt.report_to)} if opt else None
        out.append(_to_action(row, review))
    return out


def _to_action(row: Row[Any], review: dict[str, Any] | None = None) -> Action:
    return Action(
        id=int(row.id),
        list_name=str(row.list_name),
        kind=ActionKind(row.kind),
        url=row.url,
        created_at=row.created_at,
        review=review,
    )
