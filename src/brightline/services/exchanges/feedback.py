"""This platform's opinion of exchange entries, and the feedback that carries it back.

A review decision on an item matched by an exchange entry (``on_review_decision``,
called from ``review/decide.py``) or a curator's ``set_opinion`` marks the exchange
entry confirmed or deconfirmed (who, when, why) and queues feedback, one row per
fingerprint that matched (NCMEC: ``PUT /v2/entries/{member}/{entry}/{MD5|SHA1|PDQ}
/feedback``; StopNCII: ``SubmitFeedback``). A deconfirmed entry stops matching here:
every fingerprint of it (an NCMEC entry's MD5, SHA-1 and PDQ alike) is disabled, and
stays so through later fetches, until it is confirmed again.

The outbox sends each row once: a row is unique per (exchange entry, fingerprint,
cause), so a decision replayed never queues twice; a sender leases rows, so two
workers never send the same row; a send that failed is retried with backoff, kept
in the database across restarts, and every send is audited. A sender killed after
the exchange took a feedback but before it was marked sent sends it again when its
lease runs out: NCMEC's feedback is a PUT of the entry's current opinion, so the
repeat changes nothing there.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from brightline.core.actor import Actor, system
from brightline.errors import ConflictError, ExchangeError, NotFoundError, UsageError
from brightline.services import audit
from brightline.services.exchanges import registry
from brightline.services.exchanges.base import Feedback
from brightline.services.exchanges.service import ExchangeEnv, _owner
from brightline.services.store import entries as store_entries
from brightline.services.store import exchanges as store_ex
from brightline.services.store.db import next_rev

CONFIRMED, DECONFIRMED = "confirmed", "deconfirmed"
LEASE_S = 120
_BATCH = 100


def _queue_rows(
    conn: Connection,
    ex: Any,
    ex_entry: Any,
    matched: Sequence[tuple[str, str]],
    verdict: str,
    cause: str,
    now: datetime,
) -> int:
    etype = registry.get(str(ex.kind))
    rows = []
    for signal_type, value in matched:
        fingerprint = etype.feedback_fingerprint(signal_type)
        if fingerprint is None:
            continue
        rows.append(
            {
                "exchange_id": int(ex.id),
                "source_id": str(ex_entry.source_id),
                "member": ex_entry.member,
                "fingerprint": fingerprint,
                "value": value,
                "verdict": verdict,
                "cause": cause[:200],
                "state": store_ex.PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
    return store_ex.queue_feedback(conn, rows)


def _set(
    conn: Connection,
    ex: Any,
    source_id: str,
    opinion: str,
    by: str,
    now: datetime,
    reason: str | None,
) -> None:
    store_ex.set_opinion(conn, int(ex.id), source_id, opinion, by, now, reason)
    source = store_ex.source_label(str(ex.name))
    enabled = opinion == CONFIRMED
    store_ex.set_entries_enabled(
        conn, int(ex.list_id), source, source_id, enabled, next_rev(conn), now
    )


def on_review_decision(
    conn: Connection, item: Any, state: str, by: Sequence[str], now: datetime
) -> dict[str, Any]:
    """THE feedback hook of a review decision (``services/review/decide.py``, in the
    deciding transaction): a confirmed item upvotes, a rejected one downvotes and
    deconfirms, every exchange entry that matched it. Returns details for the audit."""
    if state not in ("confirmed", "rejected") or getattr(item, "source", None) != "match":
        return {}
    matched: dict[int, str] = {}
    for m in json.loads(item.matches or "[]"):
        matched[int(m["entry_id"])] = str(m.get("signal_type") or "")
    hits = [store_entries.get_entry(conn, i) for i in matched if _exists(conn, i)]
    exchanges = store_ex.exchanges_by_source(conn, [e.source or "" for e in hits])
    if not exchanges:
        return {}
    verdict = "affirmative" if state == "confirmed" else "negative"
    opinion = CONFIRMED if state == "confirmed" else DECONFIRMED
    who = ", ".join(by) or "review"
    reason = f"review item {item.id}: {'confirmed' if state == 'confirmed' else 'not illegal'}"
    queued, touched = 0, set()
    by_entry: dict[tuple[int, str], list[tuple[str, str]]] = {}
    for e in hits:
        ex = exchanges.get(e.source or "")
        if ex is None or int(ex.list_id) != e.list_id or not e.source_id:
            continue
        by_entry.setdefault((int(ex.id), e.source_id), []).append((e.signal_type, e.value))
    for (ex_id, source_id), prints in by_entry.items():
        ex = next(x for x in exchanges.values() if int(x.id) == ex_id)
        found = store_ex.get_exchange_entries(conn, ex_id, [source_id]).get(source_id)
        if found is None:
            continue
        _set(conn, ex, source_id, opinion, who, now, reason)
        queued += _queue_rows(conn, ex, found, prints, verdict, f"review-item-{item.id}", now)
        touched.add(f"{ex.name}:{source_id}")
    return {"exchange_entries": sorted(touched), "exchange_feedback_queued": queued}


def _exists(conn: Connection, entry_id: int) -> bool:
    try:
        store_entries.get_entry(conn, entry_id)
    except NotFoundError:
        return False
    return True


def set_opinion(
    env: ExchangeEnv,
    entry_id: int,
    opinion: str,
    *,
    reason: str | None = None,
    actor: Actor | None = None,
) -> dict[str, Any]:
    """A curator confirms or deconfirms the exchange entry behind a list entry (all
    its fingerprints), and the exchange is told (one feedback row per fingerprint)."""
    if opinion not in (CONFIRMED, DECONFIRMED):
        raise UsageError("an opinion is 'confirmed' or 'deconfirmed'")
    who = audit.who(actor)
    now = datetime.now(UTC)
    with env.store.begin() as conn:
        entry = store_entries.get_entry(conn, entry_id)
        ex = store_ex.exchanges_by_source(conn, [entry.source or ""]).get(entry.source or "")
        if ex is None or not entry.source_id:
            raise ConflictError(f"entry {entry_id} did not come from an exchange")
        found = store_ex.get_exchange_entries(conn, int(ex.id), [entry.source_id])
        ex_entry = found.get(entry.source_id)
        if ex_entry is None:
            raise NotFoundError(f"entry {entry_id}'s exchange entry is gone")
        _set(conn, ex, entry.source_id, opinion, who.label, now, reason)
        prints = [
            (t, v)
            for _, _, t, v in store_ex.entry_ids_of(
                conn, int(ex.list_id), str(entry.source), [entry.source_id]
            )
        ]
        verdict = "affirmative" if opinion == CONFIRMED else "negative"
        cause = f"{opinion}:{who.label}@{now.isoformat()}"
        queued = _queue_rows(conn, ex, ex_entry, prints, verdict, cause, now)
        details = {
            "exchange": ex.name,
            "source_id": entry.source_id,
            "opinion": opinion,
            "reason": reason,
            "feedback_queued": queued,
        }
        audit.record(conn, who, f"exchange.{opinion[:-2]}", f"entry:{entry_id}", details)
        row = store_ex.get_exchange_entries(conn, int(ex.id), [entry.source_id])[entry.source_id]
        return store_ex.provenance_dict(str(ex.name), row)


def push(env: ExchangeEnv, name: str | None = None) -> dict[str, int]:
    """Send due feedback (of one exchange, or all); returns what happened."""
    out = {"sent": 0, "retrying": 0, "failed": 0}
    exchange_id = None
    if name is not None:
        with env.store.connect() as conn:
            exchange_id = int(store_ex.get_exchange(conn, name).id)
    owner = _owner()
    due = datetime.now(UTC)  # rows due now: a row that fails waits for the next push
    while True:
        now = datetime.now(UTC)
        with env.store.begin() as conn:
            rows = store_ex.claim_feedback(
                conn, owner, due, now + timedelta(seconds=LEASE_S), _BATCH, exchange_id
            )
        if not rows:
            return out
        for row in rows:
            out[_send(env, row)] += 1


def _send(env: ExchangeEnv, row: Any) -> str:
    with env.store.connect() as conn:
        ex = store_ex.get_exchange_by_id(conn, int(row.exchange_id))
    feedback = Feedback(
        source_id=str(row.source_id),
        member=row.member,
        fingerprint=str(row.fingerprint),
        value=str(row.value),
        verdict=str(row.verdict),
        reason=row.reason,
    )
    error = None
    try:
        registry.get(str(ex.kind)).send_feedback(env.config(ex), feedback)
    except ExchangeError as exc:
        error = str(exc)
    now = datetime.now(UTC)
    attempts = int(row.attempts) + 1
    outcome = "sent"
    values: dict[str, Any] = {"attempts": attempts, "last_error": error}
    if error is None:
        values.update(state=store_ex.SENT, sent_at=now)
    elif attempts >= env.settings.exchange_feedback_attempts:
        values["state"], outcome = store_ex.FAILED, "failed"
    else:
        delay = min(6 * 3600.0, env.settings.exchange_backoff_s * 2 ** (attempts - 1))
        values["next_attempt_at"], outcome = now + timedelta(seconds=delay), "retrying"
    with env.store.begin() as conn:
        store_ex.finish_feedback(conn, int(row.id), **values)
        details = {
            "exchange": ex.name,
            "source_id": row.source_id,
            "fingerprint": row.fingerprint,
            "verdict": row.verdict,
            "cause": row.cause,
            "outcome": outcome,
            "attempt": attempts,
            "error": error,
        }
        audit.record(
            conn, system("exchange-feedback"), "exchange.feedback", f"exchange:{ex.name}", details
        )
    return outcome
