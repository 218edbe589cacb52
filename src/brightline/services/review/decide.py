"""Decisions and what follows from them.

Agreement (per queue, default two analysts): the item is decided when that many
reviewers gave the same answer; any disagreement sends it to the seniors, and a
senior's ruling on an escalated item stands. A quality-check item is decided by its
known answer once enough analysts have graded it (their agreement with it is what
the quality figures show). A confirmed item joins its queue's target list (when it
has one) with provenance, and the ``on_confirmed`` listeners run in the same
transaction; a rejected match is a false positive against each matched entry, and
an entry with repeated false positives is flagged to curators.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row

from brightline.core.actor import Actor
from brightline.core.categories import normalize_category
from brightline.errors import ConflictError, InputError, UsageError
from brightline.services import audit
from brightline.services.exchanges import feedback as exchange_feedback
from brightline.services.review import events, exposure
from brightline.services.review.env import ReviewEnv, require_reviewer, require_senior, user_id
from brightline.services.review.intake import NOT_ILLEGAL
from brightline.services.review.items import FINAL, item_view, unclaim
from brightline.services.stats import hooks as stats_hooks
from brightline.services.store import entries as store_entries
from brightline.services.store import lists as store_lists
from brightline.services.store import review as store_review
from brightline.services.store.db import next_rev

SKIP = "skip"


def normalize_decision(scheme: str, decision: str) -> str:
    value = decision.strip()
    if value.lower() in (SKIP, NOT_ILLEGAL):
        return value.lower()
    if "\x00" in value or not value or len(value) > 64:
        raise InputError("a decision is a category of the item's scheme, not_illegal or skip")
    category = normalize_category(scheme, value)
    assert category is not None
    return category


def decide(env: ReviewEnv, actor: Actor, item_id: int, decision: str) -> dict[str, Any]:
    require_reviewer(actor)
    now = datetime.now(UTC)
    with env.store.begin() as conn:
        row = store_review.get_item(conn, item_id, lock=True)
        _check_holder(row, actor, now)
        value = normalize_decision(str(row.scheme), decision)
        ruling = row.state == "escalated" and actor.role == "senior" and value != SKIP
        store_review.insert_decision(
            conn,
            {
                "item_id": item_id,
                "user_id": user_id(actor),
                "user_name": actor.name,
                "role": actor.role,
                "decision": value,
                "ruling": ruling,
                "at": now,
            },
        )
        if value == SKIP:
            unclaim(conn, row)
            audit.record(conn, actor, "review.skip", f"item:{item_id}")
            return item_view(conn, store_review.get_item(conn, item_id), actor)
        started = row.claim_until - timedelta(seconds=env.settings.review_claim_s)
        spent = max(0, min(int((now - started).total_seconds()), int(env.settings.review_claim_s)))
        exposure.add(conn, actor, now, items=1, seconds=spent)
        details = _settle(conn, env, row, now)
        stats_hooks.decision(conn, actor.label, row, now)
        audit.record(
            conn, actor, "review.decide", f"item:{item_id}", {"decision": value, **details}
        )
        return item_view(conn, store_review.get_item(conn, item_id), actor)


def _check_holder(row: Row[Any], actor: Actor, now: datetime) -> None:
    if row.state in FINAL:
        raise ConflictError(f"item {row.id} is already decided")
    holds = (
        row.claimed_by is not None
        and int(row.claimed_by) == user_id(actor)
        and row.claim_until is not None
        and row.claim_until > now
    )
    if not holds:
        raise ConflictError("claim the item first (or your claim has expired)")


def undo(env: ReviewEnv, actor: Actor, item_id: int) -> dict[str, Any]:
    """Take back your decision within ``review_undo_s``, while the item is still
    yours: not settled, not escalated (a disagreement stays for the seniors), nobody
    else holding it and nobody else's decision since. You hold the item again."""
    require_reviewer(actor)
    now = datetime.now(UTC)
    with env.store.begin() as conn:
        row = store_review.get_item(conn, item_id, lock=True)
        decisions = store_review.decisions_of(conn, item_id)
        mine = [d for d in decisions if d.user_id == user_id(actor)]
        if not mine:
            raise ConflictError("you have not decided this item")
        _check_undoable(row, decisions, mine[-1], actor, now)
        if mine[-1].at + timedelta(seconds=env.settings.review_undo_s) < now:
            raise ConflictError("too late to undo that decision")
        store_review.delete_decision(conn, mine[-1].id)
        state, _ = _resolve(row, store_review.decisions_of(conn, item_id))
        until = now + timedelta(seconds=env.settings.review_claim_s)
        store_review.update_item(
            conn,
            item_id,
            state="in_review" if state == "open" else state,
            claimed_by=user_id(actor),
            claimed_name=actor.name,
            claim_until=until,
        )
        if mine[-1].decision != SKIP:
            exposure.add(conn, actor, now, items=-1)
            stats_hooks.undone(conn, actor.label, row, now)
        audit.record(conn, actor, "review.undo", f"item:{item_id}", {"decision": mine[-1].decision})
        return item_view(conn, store_review.get_item(conn, item_id), actor)


def _check_undoable(
    row: Row[Any], decisions: list[Row[Any]], mine: Row[Any], actor: Actor, now: datetime
) -> None:
    if row.state in FINAL:
        raise ConflictError("the item is already decided; it cannot be undone")
    if row.state == "escalated":
        raise ConflictError(
            "the item went to the seniors after a disagreement; it cannot be undone"
        )
    held = row.claimed_by is not None and row.claim_until is not None and row.claim_until > now
    if held and int(row.claimed_by) != user_id(actor):
        raise ConflictError("another reviewer holds the item now; it cannot be undone")
    if any(d.id > mine.id and d.user_id != user_id(actor) for d in decisions):
        raise ConflictError("another reviewer has graded the item since; it cannot be undone")


def _resolve(row: Row[Any], decs: list[Row[Any]]) -> tuple[str, str | None]:
    counted = [d for d in decs if d.decision != SKIP]
    rulings = [d for d in counted if d.ruling]
    if rulings:
        return _final(str(rulings[-1].decision))
    if row.quality:
        if len(counted) >= int(row.agreement):
            return _final(str(row.known_answer))
        return ("in_review" if counted else "open"), None
    if len({d.decision for d in counted}) > 1:
        return "escalated", None
    if len(counted) >= int(row.agreement):
        return _final(str(counted[0].decision))
    return ("in_review" if counted else "open"), None


def _final(decision: str) -> tuple[str, str | None]:
    return ("rejected", None) if decision == NOT_ILLEGAL else ("confirmed", decision)


def _settle(conn: Connection, env: ReviewEnv, row: Row[Any], now: datetime) -> dict[str, Any]:
    decs = store_review.decisions_of(conn, row.id)
    state, category = _resolve(row, decs)
    values: dict[str, Any] = {"state": state, "category": category}
    values.update(claimed_by=None, claimed_name=None, claim_until=None)
    if state in FINAL:
        values["decided_at"] = now
    store_review.update_item(conn, row.id, **values)
    details: dict[str, Any] = {"state": state}
    if state == "confirmed" and not row.quality:
        assert category is not None
        details.update(_confirm(conn, env, row, category, decs, now))
    elif state == "rejected" and not row.quality and row.source == "match":
        details.update(_false_positive(conn, env, row, now))
    if state in FINAL and not row.quality:
        # Exchange feedback and the local opinion of the matched exchange entries.
        details.update(exchange_feedback.on_review_decision(conn, row, state, _agreeing(decs), now))
    return details


def _agreeing(decs: list[Row[Any]]) -> tuple[str, ...]:
    counted = [d for d in decs if d.decision != SKIP]
    rulings = [d for d in counted if d.ruling]
    return tuple(d.user_name for d in (rulings[-1:] or counted))


def _confirm(
    conn: Connection,
    env: ReviewEnv,
    row: Row[Any],
    category: str,
    decs: list[Row[Any]],
    now: datetime,
) -> dict[str, Any]:
    out: dict[str, Any] = {"category": category}
    target = store_review.queue_by_name(conn, str(row.queue))
    if target is not None and target.target_list:
        add_entries(conn, row, str(target.target_list), category, decs, now)
        out["listed_in"] = target.target_list
    item = events.ConfirmedItem(
        item_id=int(row.id),
        queue=str(row.queue),
        list_name=row.list_name,
        report_to=tuple(json.loads(row.report_to)),
        category=category,
        scheme=str(row.scheme),
        md5=row.md5,
        sha1=row.sha1,
        sha256=row.sha256,
        size=int(row.size),
        media_type=row.media_type,
        filename=row.filename,
        metadata=json.loads(row.meta),
        decided_by=_agreeing(decs),
        confirmed_at=now,
    )
    for listener in list(events.on_confirmed):
        listener(conn, item)
    return out


def add_entries(
    conn: Connection,
    row: Row[Any],
    list_name: str,
    category: str,
    decs: list[Row[Any]],
    now: datetime,
) -> int:
    """The item's hashes as entries of ``list_name``, with provenance in the note."""
    hash_list = store_lists.get_list(conn, list_name, count=False)
    if hash_list.scheme not in (row.scheme, "none"):
        raise UsageError(
            f"list {list_name!r} uses the {hash_list.scheme!r} scheme and the item was graded "
            f"in {row.scheme!r}; there is no implicit mapping"
        )
    who = ", ".join(f"{d.user_name}={d.decision}" for d in decs if d.decision != SKIP)
    note = f"confirmed by review item {row.id} on {now.isoformat(timespec='seconds')}: {who}"
    signals = [("md5", row.md5), ("sha1", row.sha1), ("sha256", row.sha256)]
    if row.pdq:
        signals.append(("pdq", row.pdq))
    rows = [
        {
            "signal_type": t,
            "value": v,
            "category": category,
            "source_id": f"review-item-{row.id}",
            "note": note[:2000],
        }
        for t, v in signals
    ]
    store_entries.upsert_entries(conn, hash_list.id, rows, source="review", rev=next_rev(conn))
    store_review.update_item(conn, row.id, listed_in=list_name)
    return len(rows)


def add_to_list(env: ReviewEnv, actor: Actor, item_id: int, list_name: str) -> dict[str, Any]:
    """A senior adds a confirmed item's hashes to a list (with provenance)."""
    require_senior(actor)
    now = datetime.now(UTC)
    with env.store.begin() as conn:
        row = store_review.get_item(conn, item_id, lock=True)
        if row.state != "confirmed" or row.quality:
            raise ConflictError("only confirmed items (not quality checks) can join a list")
        decs = store_review.decisions_of(conn, item_id)
        count = add_entries(conn, row, list_name, str(row.category), decs, now)
        details = {"item": item_id, "entries": count, "category": row.category}
        audit.record(conn, actor, "entries.add", f"list:{list_name}", details)
        return item_view(conn, store_review.get_item(conn, item_id), actor)


def _false_positive(
    conn: Connection, env: ReviewEnv, row: Row[Any], now: datetime
) -> dict[str, Any]:
    flagged: list[int] = []
    entries = {(m["list"], int(m["entry_id"])) for m in json.loads(row.matches)}
    for list_name, entry_id in sorted(entries):
        count = store_review.add_false_positive(conn, list_name, entry_id, int(row.id), now)
        if count >= env.settings.review_false_positive_flag:
            store_review.flag_entry(conn, list_name, entry_id, count, now)
            flagged.append(entry_id)
    return {"false_positive_entries": [e for _, e in sorted(entries)], "flagged": flagged}


def flagged(env: ReviewEnv) -> list[dict[str, Any]]:
    """Entries with repeated false positives, for curators."""
    with env.store.connect() as conn:
        rows = store_review.flagged_entries(conn)
    return [
        {
            "list": r.list_name,
            "entry_id": int(r.entry_id),
            "false_positives": int(r.false_positives),
            "flagged_at": r.flagged_at.isoformat(),
        }
        for r in rows
    ]


def disagreements(env: ReviewEnv, actor: Actor) -> list[dict[str, Any]]:
    require_senior(actor)
    with env.store.connect() as conn:
        rows = store_review.find_items(
            conn, states=["escalated"], queue=None, source=None, limit=500
        )
        return [item_view(conn, r, actor, brief=True) for r in rows]
