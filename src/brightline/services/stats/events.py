"""The event stream: one function every service calls when something countable happens.

``emit(conn, kind, …)`` appends one event row (kind, time, actor, list, signal type,
category, source, content type, method, destination, outcome, ids and a count; never
content) in the caller's transaction, on whichever database that connection is: a
match is written in the events database beside the match it counts, a review
decision in the main one beside the decision. In the same transaction it adds the
event's count to its three rollup cells (quarter-hour, UTC day, UTC month) by upsert,
so questions (``report.py``) never scan events. ``duration`` does the same for the
histograms of detection → first decision and → report filed.

Kinds recorded today (``outcome`` says which step):

=========  ================================================================
``job``     ``started``, then its end status (``done``, ``failed``,
            ``interrupted``); a one-request job (upload, lookup) only ``done``
``item``    ``matched``, ``unmatched`` or ``error``; source, content type
``hash``    items hashed, per signal type: a monthly tally only (``TALLIES``)
``match``   list, signal type, category, method (``exact``, ``perceptual``)
``action``  ``webhook`` (deliveries queued) or ``review`` (item queued)
``review``  ``queued``, ``confirmed``, ``rejected``, ``escalated``,
            ``overturned`` (a senior's ruling against the first answer), ``undone``
``report``  ``drafted``, ``submitted``, ``filed``, ``retracted``, ``failed``;
            destination
=========  ================================================================
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from brightline.core.stats.durations import bucket
from brightline.core.stats.periods import bucket_starts
from brightline.services.store import stats as store_stats
from brightline.services.store.stats import DIMENSIONS

_WIDTH = {"list_name": 200, "category": 64}

LEVELS = ("q", "d", "m")
#: Kinds counted in the monthly rollup only, with no event row: per-signal-type
#: tallies of hashing (four or five per item) that only ``/metrics`` reads.
TALLIES = frozenset({"hash"})


def emit(
    conn: Connection,
    kind: str,
    *,
    actor: str | None = None,
    list_name: str | None = None,
    signal_type: str | None = None,
    category: str | None = None,
    source: str | None = None,
    content_type: str | None = None,
    method: str | None = None,
    destination: str | None = None,
    outcome: str | None = None,
    ids: Mapping[str, Any] | Sequence[Any] | None = None,
    count: int = 1,
    at: datetime | None = None,
) -> None:
    """Append one event (``count`` things of one kind) in ``conn``'s transaction."""
    emit_many(
        conn,
        [
            Event(
                kind,
                actor,
                list_name,
                signal_type,
                category,
                source,
                content_type,
                method,
                destination,
                outcome,
                ids,
                count,
                at,
            )
        ],
    )


@dataclass(frozen=True, slots=True)
class Event:
    """The arguments of one ``emit``, for ``emit_many``."""

    kind: str
    actor: str | None = None
    list_name: str | None = None
    signal_type: str | None = None
    category: str | None = None
    source: str | None = None
    content_type: str | None = None
    method: str | None = None
    destination: str | None = None
    outcome: str | None = None
    ids: Mapping[str, Any] | Sequence[Any] | None = None
    count: int = 1
    at: datetime | None = None


def emit_many(conn: Connection, events: Sequence[Event]) -> None:
    """Several events in two statements: one insert, one upsert of their rollup
    cells (cells the events share are added up first: PostgreSQL's upsert may not
    touch a row twice in one statement)."""
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    cells: dict[tuple[Any, ...], int] = {}
    for e in events:
        if e.count <= 0:
            continue
        when = e.at or now
        if when.tzinfo is None:  # a naive time is taken as UTC, as the store keeps it
            when = when.replace(tzinfo=UTC)
        dims = {d: _cut(getattr(e, d), _WIDTH.get(d, 32)) for d in DIMENSIONS}
        kind = _cut(e.kind, 32) or "unknown"
        key = (kind, *(dims[d] or "" for d in DIMENSIONS))
        starts = bucket_starts(int(when.timestamp()))
        if kind in TALLIES:  # a tally: its monthly cell only
            cells[("m", starts[2], *key)] = cells.get(("m", starts[2], *key), 0) + e.count
            continue
        ids = json.dumps(e.ids, separators=(",", ":"), default=str) if e.ids else None
        rows.append(
            {
                "kind": kind,
                "at": when,
                "actor": _cut(e.actor, 300),
                "ids": ids,
                "count": e.count,
                **dims,
            }
        )
        for level, start in zip(LEVELS, starts, strict=True):
            cells[(level, start, *key)] = cells.get((level, start, *key), 0) + e.count
    if not cells:
        return
    store_stats.insert_events(conn, rows)
    names = ("level", "start", "kind", *DIMENSIONS)
    store_stats.add_counts(
        conn, [{**dict(zip(names, k, strict=True)), "count": n} for k, n in cells.items()]
    )


def duration(
    conn: Connection,
    measure: str,
    seconds: float,
    *,
    list_name: str | None = None,
    category: str | None = None,
    at: datetime | None = None,
) -> None:
    """Count one duration (``decision``: detection → first decision; ``report``:
    detection → report filed) in its histogram bucket."""
    when = at or datetime.now(UTC)
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    cell = {
        "measure": measure,
        "list_name": _cut(list_name, 200) or "",
        "category": _cut(category, 64) or "",
        "bucket": bucket(seconds),
        "count": 1,
    }
    starts = bucket_starts(int(when.timestamp()))
    store_stats.add_durations(
        conn, [{**cell, "level": lv, "start": s} for lv, s in zip(LEVELS, starts, strict=True)]
    )


def content_type_of(media_type: str | None) -> str:
    """The content type a media type counts as: ``photo``, ``video`` or ``file``."""
    if not media_type:
        return "file"
    if media_type.startswith("image/"):
        return "photo"
    if media_type.startswith("video/"):
        return "video"
    return "file"


def _cut(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    return str(value).replace("\x00", "\ufffd")[:limit]
