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
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from brightline.core.stats.durations import bucket
from brightline.core.stats.periods import bucket_starts
from brightline.services.store import stats as store_stats

LEVELS = ("q", "d", "m")


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
    ids: dict[str, Any] | None = None,
    count: int = 1,
    at: datetime | None = None,
) -> None:
    """Append one event (``count`` things of one kind) in ``conn``'s transaction."""
    if count <= 0:
        return
    when = at or datetime.now(UTC)
    dims = {
        "list_name": _cut(list_name, 200),
        "signal_type": _cut(signal_type, 32),
        "category": _cut(category, 64),
        "source": _cut(source, 32),
        "content_type": _cut(content_type, 32),
        "method": _cut(method, 32),
        "destination": _cut(destination, 32),
        "outcome": _cut(outcome, 32),
    }
    kind = _cut(kind, 32) or "unknown"
    row = {
        "kind": kind,
        "at": when,
        "actor": _cut(actor, 300),
        "ids": json.dumps(ids, separators=(",", ":"), default=str) if ids else None,
        "count": count,
        **dims,
    }
    store_stats.insert_events(conn, [row])
    cell = {"kind": kind, "count": count, **{k: v or "" for k, v in dims.items()}}
    starts = bucket_starts(int(when.timestamp()))
    store_stats.add_counts(
        conn, [{**cell, "level": lv, "start": s} for lv, s in zip(LEVELS, starts, strict=True)]
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
