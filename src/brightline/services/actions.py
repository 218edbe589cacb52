"""What a match triggers: a record in the match log, a signed webhook.

Every match is written to the match log, whichever path found it (API, CLI scan,
hash lookup) and whether or not its list has a ``log`` action (kept, and accepted,
for compatibility: it is now implied). Webhooks are set per list: ``record_matches``
queues one delivery per webhook action and request, unless the caller asks for no
webhooks (a CLI scan without ``--actions``). The match log is in the events database
(``store/events.py``) with the webhook outbox; deliveries are sent by
``webhooks.Deliverer`` in the background, so a verdict never waits on a receiver.
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

from brightline.core.actor import Actor
from brightline.core.models import Match, Suppressed
from brightline.core.names import check_text
from brightline.errors import FetchError, NotFoundError, UsageError, shorten
from brightline.services import audit
from brightline.services.review.env import ensure_queue
from brightline.services.review.intake import check_report_to
from brightline.services.stats import hooks as stats_hooks
from brightline.services.store import Store
from brightline.services.store import actions as store_actions
from brightline.services.store import lists as store_lists
from brightline.services.store import review as store_review
from brightline.services.store.content import clean_text


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
    #: ``Actor.label`` of who asked (``key:ab12cd34``, ``operator:alice``).
    actor: str | None = None
    #: The job (scan, upload request, case) that found the matches.
    job_id: int | None = None


def add_action(
    store: Store,
    list_name: str,
    kind: ActionKind | str,
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
    kind = _kind(kind)
    check_text("url", url)
    check_text("secret", secret)
    destinations = check_report_to(report_to)
    if kind is not ActionKind.REVIEW and (queue or destinations):
        raise UsageError("queue and report_to belong to review actions")
    if kind is ActionKind.WEBHOOK:
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
        action_id = store_actions.insert_action(conn, hash_list.id, kind.value, url, secret, now)
        details: dict[str, object] = {"id": action_id, "kind": kind.value, "host": _host(url)}
        if kind is ActionKind.REVIEW:
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
    """Log every match and, with ``webhooks``, queue the lists' webhook deliveries, in
    one transaction; returns deliveries queued. ``item_ids``: each match's item."""
    if not matches:
        return 0
    hooks = webhook_actions(store, matches) if webhooks else []
    with store.begin_events() as conn:
        stats_hooks.matches(conn, source, ctx.actor, matches, ctx.job_id)
        log_matches(conn, matches, ctx, item_ids)
        return queue_webhooks(conn, hooks, matches, ctx)


def log_matches(
    conn: Connection,
    matches: Sequence[Match],
    ctx: MatchContext,
    item_ids: Sequence[int | None] | None = None,
) -> None:
    """Match-log rows, in a transaction the caller holds on the events database."""
    now = datetime.now(UTC)
    ids = item_ids if item_ids is not None else [None] * len(matches)
    rows = [_log_row(m, ctx, now, item) for m, item in zip(matches, ids, strict=True)]
    store_actions.insert_match_log(conn, rows)


def log_suppressed(
    conn: Connection,
    held: Sequence[Suppressed],
    ctx: MatchContext,
    item_ids: Sequence[int | None] | None = None,
) -> None:
    """Match-log rows (state ``suppressed``) for matches a negative list held back."""
    if not held:
        return
    ids = item_ids if item_ids is not None else [None] * len(held)
    now = datetime.now(UTC)
    rows = []
    for s, item in zip(held, ids, strict=True):
        m = Match(
            s.list_name, 0, s.entry_id, s.signal_type, s.value, s.distance, None, "", None, None
        )
        row = _log_row(m, ctx, now, item)
        row["state"] = "suppressed"
        row["source"] = clean_text(f"suppressed by {s.by_list} entry {s.by_entry_id}", 200)
        rows.append(row)
    store_actions.insert_match_log(conn, rows)


def webhook_actions(store: Store, matches: Sequence[Match]) -> list[Row[Any]]:
    """The webhook actions of the lists these matches are on (a read: never waits)."""
    list_ids = {m.list_id for m in matches}
    if not list_ids:
        return []
    with store.connect() as conn:
        found = store_actions.actions_for_lists(conn, list_ids)
    return [a for a in found if a.kind == ActionKind.WEBHOOK]


def queue_webhooks(
    conn: Connection, hooks: Sequence[Row[Any]], matches: Sequence[Match], ctx: MatchContext
) -> int:
    """One delivery per webhook action and request, in the caller's transaction on the
    events database; returns how many."""
    by_list: dict[int, list[Match]] = defaultdict(list)
    for m in matches:
        if m.acts:  # a quarantined match runs no action
            by_list[m.list_id].append(m)
    hooks = [a for a in hooks if a.list_id in by_list]
    now = datetime.now(UTC)
    deliveries = [_delivery_row(a, by_list[a.list_id], ctx, now) for a in hooks]
    store_actions.insert_deliveries(conn, deliveries)
    stats_hooks.webhooks(conn, ctx.actor, deliveries, ctx.job_id)
    return len(deliveries)


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


def _kind(kind: ActionKind | str) -> ActionKind:
    try:
        return ActionKind(kind)
    except ValueError:
        known = ", ".join(k.value for k in ActionKind)
        raise UsageError(f"unknown action kind {kind!r} (known: {known})") from None


def _log_row(m: Match, ctx: MatchContext, now: datetime, item_id: int | None) -> dict[str, Any]:
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
        "ref": clean_text(ctx.ref, 256),
        "actor": clean_text(ctx.actor, 300),
        "job_id": ctx.job_id,
        "item_id": item_id,
        "state": "quarantined" if m.quarantined else None,
        "retroactive": True if m.retroactive else None,
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
    if any(m.retroactive for m in found):
        payload["retroactive"] = True
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
