"""Reports as people see them: drafts filled by confirmed items, sent by a senior.

``add_confirmed`` is the review workspace's ``on_confirmed`` listener: inside the
confirming transaction it adds the item to the draft report of its reported user,
one per destination the list's review action names. ``send`` (a senior; never
automatic) copies the items' media into the vault, builds and validates the
document, keeps it in the vault and hands the report to the outbox.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from brightline.core.actor import Actor
from brightline.core.crypto import Keyring
from brightline.core.reports.model import ReportedUser
from brightline.errors import ConflictError, ForbiddenError, InputError, UsageError
from brightline.services import audit
from brightline.services.reports import destinations
from brightline.services.reports._review_port import MediaOpener
from brightline.services.reports.build import (
    build_report,
    item_rows,
    report_row,
    reporting_person,
)
from brightline.services.reports.reporter import Reporter
from brightline.services.reports.views import STATES, export_document, list_reports, show
from brightline.services.stats import hooks as stats_hooks
from brightline.services.store import Store
from brightline.services.store.reports import report_items, reports
from brightline.services.vault import Vault
from brightline.settings import Settings

#: Who may send, retry and retract: seniors (and, until users exist, curator and
#: admin API keys and the local operator).
SENDERS = frozenset({"senior", "operator", "curator", "admin"})


def reporting_person_check(settings: Settings) -> None:
    reporting_person(settings)


def check_sender(actor: Actor) -> None:
    if actor.role not in SENDERS:
        raise ForbiddenError(f"reports need the senior role; {actor.label} acts as {actor.role!r}")


# -- drafts -----------------------------------------------------------------------


def add_confirmed(conn: Connection, item: Any) -> list[int]:
    """Add a confirmed item to its reported user's draft per destination; the report ids."""
    targets = (item.report_to,) if isinstance(item.report_to, str) else tuple(item.report_to)
    if not targets:
        return []
    user = ReportedUser.from_metadata(item.metadata)
    ids = []
    for destination in dict.fromkeys(t.strip().lower() for t in targets):
        if destination not in destinations.names():
            raise InputError(f"unknown report destination {destination!r}")
        report_id = _draft(conn, destination, user.key[:600])
        exists = conn.execute(
            select(report_items.c.id)
            .where(report_items.c.report_id == report_id)
            .where(report_items.c.item_id == item.item_id)
        ).first()
        if exists is None:
            conn.execute(insert(report_items).values(**_item_values(report_id, item)))
        ids.append(report_id)
    return ids


def _draft(conn: Connection, destination: str, user_key: str) -> int:
    for _ in range(3):
        row = conn.execute(
            select(reports.c.id)
            .where(reports.c.destination == destination)
            .where(reports.c.user_key == user_key)
            .where(reports.c.state == "draft")
        ).first()
        if row is not None:
            return int(row.id)
        now = datetime.now(UTC)
        try:
            with conn.begin_nested():
                new = conn.execute(
                    insert(reports)
                    .values(
                        destination=destination,
                        user_key=user_key,
                        state="draft",
                        generation=1,
                        retract_requested=False,
                        attempts=0,
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(reports.c.id)
                ).one()
            stats_hooks.report_step(conn, None, destination, "drafted", int(new.id), now)
            return int(new.id)
        except IntegrityError:  # another transaction made the draft just now
            continue
    raise ConflictError(f"could not make a draft report for {user_key}")


def _item_values(report_id: int, item: Any) -> dict[str, Any]:
    return {
        "report_id": report_id,
        "item_id": item.item_id,
        "queue": _clean(item.queue),
        "list_name": _clean(item.list_name) if item.list_name else None,
        "scheme": item.scheme,
        "category": _clean(item.category),
        "md5": item.md5.lower(),
        "sha1": item.sha1.lower(),
        "sha256": item.sha256.lower(),
        "size": item.size,
        "media_type": _clean(item.media_type) if item.media_type else None,
        "filename": _clean(item.filename)[:1000] if item.filename else None,
        "metadata": json.dumps(dict(item.metadata), default=str),
        "decided_by": json.dumps(list(item.decided_by)),
        "confirmed_at": item.confirmed_at,
    }


def _clean(text: str) -> str:
    return str(text).replace("\x00", "")


# -- sending ----------------------------------------------------------------------


def send(
    store: Store,
    settings: Settings,
    vault: Vault,
    reporter: Reporter,
    report_id: int,
    actor: Actor,
    *,
    media: MediaOpener,
    keyring: Keyring,
    escalate: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """Hand a draft to the outbox: media into the vault, the document built and kept."""
    check_sender(actor)
    with store.connect() as conn:
        row = report_row(conn, report_id)
        items = item_rows(conn, report_id)
    if row.state != "draft":
        raise ConflictError(f"report {report_id} is {row.state}, not a draft")
    if row.destination != reporter.destination:
        raise UsageError(f"report {report_id} goes to {row.destination}")
    for item in items:
        if item.vault_object is None:
            _preserve(
                store, vault, report_id, item, media(store, keyring, int(item.item_id), actor)
            )
    with store.connect() as conn:
        report = build_report(conn, report_id, settings)
    document = reporter.document(replace(report, escalate=escalate or None, note=note or None))
    blob = vault.write([document])
    now = datetime.now(UTC)
    kind = destinations.get(reporter.destination).document_name
    with store.begin() as conn:
        object_id = vault.record(conn, report_id, "report", kind, blob)
        done = conn.execute(
            update(reports)
            .where(reports.c.id == report_id)
            .where(reports.c.state == "draft")
            .values(
                state="sending",
                report_object=object_id,
                sent_by=actor.label,
                sent_at=now,
                escalate=escalate or None,
                note=note or None,
                attempts=0,
                next_attempt_at=now,
                updated_at=now,
            )
        )
        if done.rowcount != 1:
            raise ConflictError(f"report {report_id} was sent by someone else just now")
        stats_hooks.report_step(conn, actor.label, row.destination, "submitted", report_id, now)
        audit.record(
            conn,
            actor,
            "report.send",
            f"report:{report_id}",
            {"destination": row.destination, "items": len(items), "document_sha256": blob.sha256},
        )
    return show(store, settings, report_id)


def _preserve(store: Store, vault: Vault, report_id: int, item: Row[Any], chunks: Any) -> None:
    blob = vault.write(chunks)
    if blob.sha256 != item.sha256:
        raise InputError(
            f"the media of item {item.item_id} does not match its confirmed SHA-256; "
            "it was not reported"
        )
    with store.begin() as conn:
        object_id = vault.record(
            conn, report_id, "file", item.filename or f"item-{item.item_id}", blob
        )
        conn.execute(
            update(report_items).where(report_items.c.id == item.id).values(vault_object=object_id)
        )


def retry(store: Store, settings: Settings, report_id: int, actor: Actor) -> dict[str, Any]:
    check_sender(actor)
    with store.begin() as conn:
        row = report_row(conn, report_id)
        if row.state != "failed":
            raise ConflictError(f"report {report_id} is {row.state}; only a failed one is retried")
        now = datetime.now(UTC)
        conn.execute(
            update(reports)
            .where(reports.c.id == report_id)
            .values(state="sending", attempts=0, next_attempt_at=now, updated_at=now)
        )
        audit.record(
            conn,
            actor,
            "report.retry",
            f"report:{report_id}",
            {"last_error": (row.last_error or "")[:500]},
        )
    return show(store, settings, report_id)


def retract(store: Store, settings: Settings, report_id: int, actor: Actor) -> dict[str, Any]:
    """Withdraw a report: a draft at once; a sent one through the outbox (before finish)."""
    check_sender(actor)
    now = datetime.now(UTC)
    with store.begin() as conn:
        row = report_row(conn, report_id)
        if row.state == "finished":
            raise ConflictError(
                f"report {report_id} is finished; a finished report cannot be retracted"
            )
        if row.state == "retracted":
            raise ConflictError(f"report {report_id} is already retracted")
        values: dict[str, Any] = {"updated_at": now}
        if row.state == "draft":
            values["state"] = "retracted"
            stats_hooks.report_step(conn, actor.label, row.destination, "retracted", report_id, now)
        else:
            values.update(state="sending", retract_requested=True, next_attempt_at=now)
        conn.execute(update(reports).where(reports.c.id == report_id).values(values))
        audit.record(
            conn,
            actor,
            "report.retract",
            f"report:{report_id}",
            {"was": row.state, "remote_id": row.remote_id},
        )
    return show(store, settings, report_id)


__all__ = [
    "STATES",
    "add_confirmed",
    "check_sender",
    "export_document",
    "list_reports",
    "retract",
    "retry",
    "send",
    "show",
]
