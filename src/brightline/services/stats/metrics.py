"""What ``GET /metrics`` reports from the database, read at scrape time.

Counts come from the monthly rollups (files hashed by signal type, matches by list
and signal type), queue depth and outbox from their tables: every server worker
answers the same from the same database, so several workers need no shared memory
for these. (Request latency is per process; the API adapter keeps it.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection

from brightline.services.store import Store
from brightline.services.store import stats as store_stats


@dataclass
class Snapshot:
    files_hashed: dict[str, int] = field(default_factory=dict)  # signal type
    matches: dict[tuple[str, str], int] = field(default_factory=dict)  # list, signal type
    queue_depth: dict[tuple[str, str], int] = field(default_factory=dict)  # queue, state
    outbox_pending: dict[str, int] = field(default_factory=dict)  # destination
    exchange_entries: dict[str, int] = field(default_factory=dict)
    exchange_fetch_age_s: dict[str, float] = field(default_factory=dict)


def snapshot(store: Store) -> Snapshot:
    snap = Snapshot()
    separate = store.events_engine is not store.engine
    with store.connect() as conn:
        _counts(conn, snap)
        for row in store_stats.review_queue_depth(conn):
            snap.queue_depth[(str(row.queue), str(row.state))] = int(row.count)
        for row in store_stats.reports_pending(conn):
            snap.outbox_pending[str(row.destination)] = int(row.count)
        now = datetime.now(UTC)
        for row in store_stats.exchange_status(conn):
            snap.exchange_entries[str(row.exchange)] = int(row.entries)
            if row.last_good_fetch is not None:
                age = (now - row.last_good_fetch).total_seconds()
                snap.exchange_fetch_age_s[str(row.exchange)] = age
        if not separate:
            snap.outbox_pending["webhook"] = store_stats.webhooks_pending(conn)
    if separate:
        with store.connect_events() as conn:
            _counts(conn, snap)
            snap.outbox_pending["webhook"] = store_stats.webhooks_pending(conn)
    return snap


def _counts(conn: Connection, snap: Snapshot) -> None:
    for row in store_stats.all_time_counts(conn, "hash", ["signal_type"]):
        key = str(row.signal_type)
        snap.files_hashed[key] = snap.files_hashed.get(key, 0) + int(row.count)
    for row in store_stats.all_time_counts(conn, "match", ["list_name", "signal_type"]):
        pair = (str(row.list_name), str(row.signal_type))
        snap.matches[pair] = snap.matches.get(pair, 0) + int(row.count)
