"""A list's actions: adding, listing and removing them, the match log and the
webhook delivery log. What each kind does when a job matches is its handler
(``registry``: ``log``, ``webhook``, ``review``, and any kind a module registers).

Every match is written to the match log, whichever job found it (API, CLI scan,
hash lookup, watch, case) and whether or not its list has a ``log`` action (kept,
and accepted, for compatibility: it is now implied). Other actions run when the job
asks for them (a CLI scan only with ``--actions``). The match log is in the events
database (``store/events.py``) with the webhook outbox; deliveries are sent by
``webhooks.Deliverer`` in the background, so a verdict never waits on a receiver.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, Row

from brightline.core.actor import Actor, local_operator
from brightline.core.models import Match
from brightline.core.names import check_text
from brightline.errors import FetchError, NotFoundError, UsageError, shorten
from brightline.services import audit
from brightline.services.actions import log, registry, review, webhook
from brightline.services.actions.registry import Action, ActionRun, Hit, MatchContext
from brightline.services.reports.destinations import check_report_to
from brightline.services.review.env import ReviewEnv, ensure_queue
from brightline.services.stats import hooks as stats_hooks
from brightline.services.store import Store
from brightline.services.store import actions as store_actions
from brightline.services.store import lists as store_lists
from brightline.services.store import review as store_review

for _builtin in (log, webhook, review):  # the kinds every list may use
    registry.register(_builtin.HANDLER)


class ActionKind(StrEnum):
    """The built-in kinds (a module may register more: ``registry.register``)."""

    LOG = "log"
    WEBHOOK = "webhook"
    REVIEW = "review"  # the matched file becomes a review item (services/review)


def add_action(
    store: Store,
    list_name: str,
    kind: str,
    url: str | None = None,
    secret: str | None = None,
    *,
    queue: str | None = None,
    report_to: str | Sequence[str] | None = None,
    actor: Actor | None = None,
    allow_private: bool = True,
) -> tuple[Action, str | None]:
    """Add an action; for a webhook, returns the signing secret (made when not given).
    A ``review`` action takes the review ``queue`` and where reports go (``report_to``:
    ``ncmec``, ``nca`` or both). Audited as ``action.add`` (the host only, never the
    secret). Without ``allow_private`` (the server's BRIGHTLINE_WEBHOOK_ALLOW_PRIVATE)
    a webhook to a loopback, private or link-local address is refused now, not only
    when a delivery is tried."""
    kind = registry.handler(str(kind)).kind  # UsageError for a kind nobody registered
    check_text("url", url)
    check_text("secret", secret)
    destinations = check_report_to(report_to)
    if kind != ActionKind.REVIEW and (queue or destinations):
        raise UsageError("queue and report_to belong to review actions")
    if kind == ActionKind.WEBHOOK:
        url = check_webhook_url(url)
        if not allow_private:
            check_public_receiver(url)
        secret = secret or secrets.token_urlsafe(32)
        if len(secret) < 16:
            raise UsageError("a webhook secret needs at least 16 characters")
    else:
        url = secret = None
    with store.begin() as conn:
        hash_list = store_lists.get_list(conn, list_name, count=False)
        now = datetime.now(UTC)
        action_id = store_actions.insert_action(conn, hash_list.id, kind, url, secret, now)
        details: dict[str, object] = {"id": action_id, "kind": kind, "host": _host(url)}
        if kind == ActionKind.REVIEW:
            queue_name = str(ensure_queue(conn, queue).name)
            store_review.insert_review_action(conn, action_id, queue_name, json.dumps(destinations))
            details.update(queue=queue_name, report_to=destinations)
        action = _with_review(conn, [store_actions.get_action(conn, action_id)])[0]
        audit.record(conn, audit.who(actor), "action.add", f"list:{hash_list.name}", details)
        return action, secret


def list_actions(store: Store, list_name: str) -> list[Action]:
    with store.connect() as conn:
        hash_list = store_lists.get_list(conn, list_name, count=False)
        return _with_review(conn, store_actions.actions_for_lists(conn, [hash_list.id]))


def remove_action(
    store: Store, list_name: str, action_id: int, *, actor: Actor | None = None
) -> None:
    with store.begin() as conn:
        row = store_actions.get_action(conn, action_id)
        if row.list_name != list_name:
            raise NotFoundError(f"list {shorten(list_name)} has no action with id {action_id}")
        store_actions.delete_action(conn, action_id)
        details = {"id": action_id, "kind": row.kind, "host": _host(row.url)}
        audit.record(conn, audit.who(actor), "action.remove", f"list:{list_name}", details)


def _host(url: str | None) -> str | None:
    # Only the host goes in the audit chain: a webhook URL's path or query may itself
    # be a credential (many services put the token there).
    return urlsplit(url).hostname if url else None


def check_public_receiver(url: str) -> None:
    """Refuse a webhook URL whose host is, or resolves to, a loopback, private or
    link-local address. A name that cannot be resolved now is let through: each
    delivery checks its address again after DNS."""
    from brightline.services.fetch import is_public_address, resolve

    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        addresses = resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
    except (FetchError, ValueError):
        return
    private = [a for a in addresses if not is_public_address(a)]
    if private:
        raise UsageError(
            f"webhook receiver refused: {host} is a loopback, private, link-local or "
            f"reserved address ({', '.join(private)}); set "
            "BRIGHTLINE_WEBHOOK_ALLOW_PRIVATE=true to allow internal receivers"
        )


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


def record_matches(
    store: Store,
    matches: Sequence[Match],
    ctx: MatchContext,
    *,
    webhooks: bool = True,
    item_ids: Sequence[int | None] | None = None,
    source: str | None = None,
) -> int:
    """Log matches found outside a job and, with ``webhooks``, run the lists' actions
    of the recording phase, in one transaction; returns deliveries queued."""
    if not matches:
        return 0
    ids = list(item_ids) if item_ids is not None else [None] * len(matches)
    hits = [Hit([m], item_id=i) for m, i in zip(matches, ids, strict=True)]
    acts = read_actions(store, sorted({m.list_id for m in matches})) if webhooks else []
    with store.begin_events() as conn:
        stats_hooks.matches(conn, source, ctx.actor, matches, ctx.job_id)
        done = registry.dispatch(
            "record",
            acts,
            lambda mine: ActionRun(mine, hits, ctx, local_operator(), None, conn),
        )
    return done.get(ActionKind.WEBHOOK, 0)


def read_actions(store: Store, list_ids: Sequence[int]) -> list[Action]:
    """The actions of these lists (a read on the main database: never waits)."""
    if not list_ids:
        return []
    with store.connect() as conn:
        return _with_review(conn, store_actions.actions_for_lists(conn, list_ids))


def match_log(
    store: Store, list_name: str | None = None, after_id: int = 0, limit: int = 100
) -> list[dict[str, object]]:
    check_text("list", list_name)
    with store.connect_events() as conn:
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
            "actor": r.actor,
            "job_id": r.job_id,
            "item_id": r.item_id,
            "state": r.state,
            "retroactive": bool(r.retroactive),
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
    check_text("list", list_name)
    with store.connect_events() as conn:
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
        list_id=int(row.list_id),
        kind=str(row.kind),
        url=row.url,
        created_at=row.created_at,
        review=review,
    )


__all__ = [
    "Action",
    "ActionKind",
    "ActionRun",
    "Hit",
    "MatchContext",
    "ReviewEnv",
    "add_action",
    "delivery_log",
    "list_actions",
    "match_log",
    "read_actions",
    "record_matches",
    "remove_action",
]
