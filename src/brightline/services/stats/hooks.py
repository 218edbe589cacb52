"""Events for the things services do, one call each (so a call site stays one line).

Each function takes the caller's connection and writes through ``events.emit`` in
the caller's transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row

from brightline.core.models import Match, ScanResult, Suppressed
from brightline.services.stats.events import Event, content_type_of, duration, emit, emit_many
from brightline.services.store import review as store_review
from brightline.services.store import stats as store_stats

#: Review states an item moves into that count as an outcome.
_OUTCOMES = ("confirmed", "rejected", "escalated")


def results(
    conn: Connection, source: str, actor: str | None, found: Sequence[ScanResult], job: int | None
) -> None:
    """Items checked (by content type and outcome), hashed (per signal type) and their
    matches: one insert and one upsert however many there are."""
    items: Counter[tuple[str, str]] = Counter()
    hashed: Counter[tuple[str, str]] = Counter()
    matched: Counter[tuple[str, str, str | None, str, str, str]] = Counter()
    for r in found:
        ctype = content_type_of(r.signals.media_type if r.signals else None)
        outcome = "error" if r.error else "matched" if r.matches else "unmatched"
        items[(ctype, outcome)] += 1
        for signal_type in r.signals.hashes() if r.signals else ():
            hashed[(ctype, signal_type)] += 1
        for m in r.matches:
            matched[(m.list_name, m.signal_type, m.category, _method(m), ctype, _held(m))] += 1
        for sup in r.suppressed:
            matched[(sup.list_name, sup.signal_type, None, "", ctype, "suppressed")] += 1
    ids = {"job": job} if job is not None else None
    common: dict[str, Any] = {"actor": actor, "source": source, "ids": ids}
    events = [
        Event("item", content_type=c, outcome=o, count=n, **common) for (c, o), n in items.items()
    ]
    events += [
        Event("hash", content_type=c, signal_type=t, count=n, **common)
        for (c, t), n in hashed.items()
    ]
    events += [
        Event(
            "match",
            list_name=lst,
            signal_type=t,
            category=cat,
            method=how or None,
            content_type=c,
            outcome=held or None,
            count=n,
            **common,
        )
        for (lst, t, cat, how, c, held), n in matched.items()
    ]
    emit_many(conn, events)


def _method(m: Match) -> str:
    if m.retroactive:
        return "retroactive"
    return "exact" if m.exact else "perceptual"


def _held(m: Match) -> str:
    """A match's outcome as statistics count it: ``''`` acted on, or ``quarantined``
    (a flooding entry: returned, no action run). Suppressed ones are counted apart."""
    return "quarantined" if m.quarantined else ""


def matches(
    conn: Connection,
    source: str | None,
    actor: str | None,
    found: Sequence[Match],
    job: int | None,
    content_type: str | None = None,
    suppressed: Sequence[Suppressed] = (),
) -> None:
    """Matches, one event per list, signal type, category, method and outcome
    (acted on, quarantined, or suppressed by a negative list)."""
    groups: Counter[tuple[str, str, str | None, str, str]] = Counter()
    for m in found:
        groups[(m.list_name, m.signal_type, m.category, _method(m), _held(m))] += 1
    for sup in suppressed:
        groups[(sup.list_name, sup.signal_type, None, "", "suppressed")] += 1
    ids = {"job": job} if job is not None else None
    common: dict[str, Any] = {"actor": actor, "source": source, "ids": ids}
    emit_many(
        conn,
        [
            Event(
                "match",
                list_name=lst,
                signal_type=t,
                category=cat,
                method=how or None,
                content_type=content_type,
                outcome=held or None,
                count=n,
                **common,
            )
            for (lst, t, cat, how, held), n in groups.items()
        ],
    )


def decision(conn: Connection, actor: str, row: Row[Any], now: datetime) -> None:
    """After a decision on review item ``row`` (read before it): the time to its first
    decision, and the outcome it moved into."""
    if row.quality:  # quality checks are tests of reviewers, not work
        return
    item = store_review.get_item(conn, int(row.id))
    decs = [d for d in store_review.decisions_of(conn, int(row.id)) if d.decision != "skip"]
    if len(decs) == 1:
        duration(
            conn,
            "decision",
            (now - row.created_at).total_seconds(),
            list_name=row.list_name,
            at=now,
        )
    state = str(item.state)
    if state == row.state or state not in _OUTCOMES:
        return
    common = {"actor": actor, "list_name": row.list_name, "source": str(row.source)}
    ids = {"item": int(row.id)}
    emit(conn, "review", category=item.category, outcome=state, ids=ids, at=now, **common)
    rulings = [d for d in decs if d.ruling]
    if rulings and decs[0].decision != rulings[-1].decision:
        emit(
            conn, "review", category=item.category, outcome="overturned", ids=ids, at=now, **common
        )


def report_filed(conn: Connection, row: Row[Any], now: datetime) -> None:
    """A report finished (filed): the event, and detection → filed per item."""
    emit(
        conn,
        "report",
        destination=str(row.destination),
        outcome="filed",
        ids={"report": int(row.id)},
        at=now,
    )
    for item in store_stats.report_item_detections(conn, int(row.id)):
        duration(
            conn,
            "report",
            (now - item.created_at).total_seconds(),
            list_name=item.list_name,
            category=item.category,
            at=now,
        )


def queued(
    conn: Connection,
    actor: str,
    item_id: int,
    source: str,
    list_name: str | None,
    quality: bool,
) -> None:
    """A review item made: queued, and for a match the list's review action ran."""
    if quality:
        return
    ids = {"item": item_id}
    emit(conn, "review", actor=actor, list_name=list_name, source=source, outcome="queued", ids=ids)
    if source == "match":
        emit(conn, "action", actor=actor, list_name=list_name, outcome="review", ids=ids)


def undone(conn: Connection, actor: str, row: Row[Any], now: datetime) -> None:
    if not row.quality:
        emit(
            conn,
            "review",
            actor=actor,
            list_name=row.list_name,
            source=str(row.source),
            outcome="undone",
            ids={"item": int(row.id)},
            at=now,
        )


def job(
    conn: Connection, actor: str, source: str, outcome: str, job_id: int, at: datetime | None = None
) -> None:
    """A job ``started``, or ended with its status."""
    emit(conn, "job", actor=actor, source=source, outcome=outcome, ids={"job": job_id}, at=at)


def webhooks(
    conn: Connection, actor: str | None, deliveries: Sequence[dict[str, Any]], job_id: int | None
) -> None:
    """The webhook action ran: one event per delivery queued, by list."""
    by_list = Counter(str(d["list_name"]) for d in deliveries)
    ids = {"job": job_id} if job_id is not None else None
    emit_many(
        conn,
        [
            Event("action", actor=actor, list_name=name, outcome="webhook", ids=ids, count=n)
            for name, n in by_list.items()
        ],
    )


def report_step(
    conn: Connection,
    actor: str | None,
    destination: str,
    outcome: str,
    report_id: int,
    at: datetime | None = None,
) -> None:
    """A report ``drafted``, ``submitted``, ``retracted`` or ``failed``."""
    emit(
        conn,
        "report",
        actor=actor,
        destination=destination,
        outcome=outcome,
        ids={"report": report_id},
        at=at,
    )
