"""Hash exchanges (migration 0010): their settings and checkpoints, the provenance and
local opinion of each exchange entry, and the feedback outbox.

An exchange feeds one list. Its entries are ordinary rows of ``entries`` (``source``
``exchange:<name>``, ``source_id`` the exchange's entry id), so matching needs
nothing new; ``exchange_entries`` keeps what the exchange said about each of its
entries (member, classification, every fingerprint, times) and what this platform
thinks of it (confirmed or deconfirmed, by whom, when, why).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Row,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection

from brightline.errors import NotFoundError, shorten
from brightline.services.store.tables import Id, UtcDateTime, entries, hash_lists, metadata

exchanges = Table(
    "exchanges",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("list_id", Id, ForeignKey("hash_lists.id", ondelete="CASCADE"), nullable=False),
    Column("url", String(2000)),
    Column("environment", String(64)),
    Column("interval_s", Integer, nullable=False),
    # Envelope-encrypted (core/crypto): the data key wrapped by the master key.
    Column("credentials", LargeBinary),
    Column("credentials_key", LargeBinary),
    Column("checkpoint", Text),  # JSON: where the next incremental fetch starts
    Column("resume", Text),  # JSON: an interrupted fetch's window and paging URL
    Column("next_fetch_at", UtcDateTime()),
    Column("lease_owner", String(200)),
    Column("lease_until", UtcDateTime()),
    Column("last_fetch_at", UtcDateTime()),
    Column("last_result", Text),
    Column("last_error", Text),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    sqlite_autoincrement=True,
)

exchange_entries = Table(
    "exchange_entries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("exchange_id", Id, ForeignKey("exchanges.id", ondelete="CASCADE"), nullable=False),
    Column("source_id", String(256), nullable=False),
    Column("member", String(200)),
    Column("content_type", String(32)),
    Column("classification", String(64)),
    Column("fingerprints", Text, nullable=False),  # JSON {type: value}, as the exchange has it
    Column("fetched_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime()),
    Column("opinion", String(16)),  # confirmed | deconfirmed | None
    Column("opinion_by", String(300)),
    Column("opinion_at", UtcDateTime()),
    Column("opinion_reason", Text),
    UniqueConstraint("exchange_id", "source_id", name="uq_exchange_entries_source"),
    sqlite_autoincrement=True,
)

exchange_feedback = Table(
    "exchange_feedback",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("exchange_id", Id, ForeignKey("exchanges.id", ondelete="CASCADE"), nullable=False),
    Column("source_id", String(256), nullable=False),
    Column("member", String(200)),
    Column("fingerprint", String(32), nullable=False),
    Column("value", String(512), nullable=False),
    Column("verdict", String(16), nullable=False),  # affirmative | negative
    Column("reason", String(200)),
    Column("cause", String(200), nullable=False),  # review-item-<id> | curator:<who>@<time>
    Column("state", String(16), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("lease_owner", String(200)),
    Column("lease_until", UtcDateTime()),
    Column("last_error", Text),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime()),
    UniqueConstraint(
        "exchange_id", "source_id", "fingerprint", "cause", name="uq_exchange_feedback_once"
    ),
    Index("ix_exchange_feedback_due", "state", "next_attempt_at"),
    sqlite_autoincrement=True,
)

PENDING, SENT, FAILED = "pending", "sent", "failed"


def source_label(name: str) -> str:
    """``entries.source`` of an exchange's entries."""
    return f"exchange:{name}"


# -- exchanges --------------------------------------------------------------------


def insert_exchange(conn: Connection, values: dict[str, Any]) -> int:
    key = conn.execute(insert(exchanges).values(**values)).inserted_primary_key
    assert key is not None
    return int(key[0])


def _exchange_query() -> Any:
    return select(exchanges, hash_lists.c.name.label("list_name")).join(
        hash_lists, hash_lists.c.id == exchanges.c.list_id
    )


def get_exchange(conn: Connection, name: str, *, lock: bool = False) -> Row[Any]:
    query = _exchange_query().where(exchanges.c.name == name)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update(of=exchanges)
    row = None if "\x00" in name else conn.execute(query).one_or_none()
    if row is None:
        raise NotFoundError(f"no exchange named {shorten(name)}")
    return row


def get_exchange_by_id(conn: Connection, exchange_id: int) -> Row[Any]:
    row = conn.execute(_exchange_query().where(exchanges.c.id == exchange_id)).one_or_none()
    if row is None:
        raise NotFoundError(f"no exchange with id {exchange_id}")
    return row


def all_exchanges(conn: Connection) -> list[Row[Any]]:
    return list(conn.execute(_exchange_query().order_by(exchanges.c.name)).all())


def exchanges_by_source(conn: Connection, sources: Iterable[str]) -> dict[str, Row[Any]]:
    """Exchanges by their entries' ``source`` label (``exchange:<name>``)."""
    names = sorted({s.split(":", 1)[1] for s in sources if s and s.startswith("exchange:")})
    if not names:
        return {}
    rows = conn.execute(_exchange_query().where(exchanges.c.name.in_(names))).all()
    return {source_label(str(r.name)): r for r in rows}


def update_exchange(conn: Connection, exchange_id: int, **values: Any) -> None:
    conn.execute(update(exchanges).where(exchanges.c.id == exchange_id).values(**values))


def delete_exchange(conn: Connection, exchange_id: int) -> None:
    conn.execute(exchange_feedback.delete().where(exchange_feedback.c.exchange_id == exchange_id))
    conn.execute(exchange_entries.delete().where(exchange_entries.c.exchange_id == exchange_id))
    conn.execute(exchanges.delete().where(exchanges.c.id == exchange_id))


def take_lease(
    conn: Connection, exchange_id: int, owner: str, now: datetime, until: datetime
) -> bool:
    """Claim an exchange for one fetch (one worker at a time); False if held."""
    free = or_(exchanges.c.lease_until.is_(None), exchanges.c.lease_until < now)
    done = conn.execute(
        update(exchanges)
        .where(exchanges.c.id == exchange_id, or_(free, exchanges.c.lease_owner == owner))
        .values(lease_owner=owner, lease_until=until)
    )
    return bool(done.rowcount)


def due_exchanges(conn: Connection, now: datetime) -> list[str]:
    query = select(exchanges.c.name).where(
        or_(exchanges.c.next_fetch_at.is_(None), exchanges.c.next_fetch_at <= now),
        or_(exchanges.c.lease_until.is_(None), exchanges.c.lease_until < now),
    )
    return [str(n) for n in conn.execute(query.order_by(exchanges.c.next_fetch_at)).scalars()]


# -- exchange entries --------------------------------------------------------------


def get_exchange_entries(
    conn: Connection, exchange_id: int, source_ids: Sequence[str]
) -> dict[str, Row[Any]]:
    if not source_ids:
        return {}
    query = select(exchange_entries).where(
        exchange_entries.c.exchange_id == exchange_id,
        exchange_entries.c.source_id.in_(list(source_ids)),
    )
    return {str(r.source_id): r for r in conn.execute(query)}


def upsert_exchange_entries(
    conn: Connection, exchange_id: int, rows: Sequence[dict[str, Any]]
) -> None:
    """Insert or update the provenance of these exchange entries (opinions kept)."""
    if not rows:
        return
    known = get_exchange_entries(conn, exchange_id, [r["source_id"] for r in rows])
    new = [r for r in rows if r["source_id"] not in known]
    if new:
        # Straight to the driver's executemany: SQLAlchemy's per-row work cost more.
        cols = ["exchange_id", *new[0]]
        marks = ", ".join(["%s" if conn.dialect.name == "postgresql" else "?"] * len(cols))
        sql = f"INSERT INTO exchange_entries ({', '.join(cols)}) VALUES ({marks})"
        params = [(exchange_id, *(_db_value(conn, r[c]) for c in cols[1:])) for r in new]
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(sql, params)
        finally:
            cursor.close()
    for r in rows:
        if r["source_id"] in known:
            values = {k: v for k, v in r.items() if k != "source_id"}
            conn.execute(
                update(exchange_entries)
                .where(
                    exchange_entries.c.exchange_id == exchange_id,
                    exchange_entries.c.source_id == r["source_id"],
                )
                .values(**values)
            )


def _db_value(conn: Connection, value: Any) -> Any:
    """Times as the SQLite DateTime type reads them back (PostgreSQL takes datetimes)."""
    if isinstance(value, datetime) and conn.dialect.name == "sqlite":
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def delete_exchange_entries(conn: Connection, exchange_id: int, source_ids: Sequence[str]) -> int:
    if not source_ids:
        return 0
    done = conn.execute(
        exchange_entries.delete().where(
            exchange_entries.c.exchange_id == exchange_id,
            exchange_entries.c.source_id.in_(list(source_ids)),
        )
    )
    return int(done.rowcount)


def entry_ids_of(
    conn: Connection, list_id: int, source: str, source_ids: Sequence[str]
) -> list[tuple[int, str, str, str]]:
    """``(entry id, source id, signal type, value)`` of the list's entries that these
    exchange entries put there."""
    if not source_ids:
        return []
    query = select(entries.c.id, entries.c.source_id, entries.c.signal_type, entries.c.value).where(
        entries.c.list_id == list_id,
        entries.c.source == source,
        entries.c.source_id.in_(list(source_ids)),
    )
    return [(int(i), str(s), str(t), str(v)) for i, s, t, v in conn.execute(query)]


def all_source_ids(conn: Connection, exchange_id: int) -> set[str]:
    query = select(exchange_entries.c.source_id).where(
        exchange_entries.c.exchange_id == exchange_id
    )
    return {str(s) for s in conn.execute(query).scalars()}


def set_opinion(
    conn: Connection,
    exchange_id: int,
    source_id: str,
    opinion: str,
    by: str,
    at: datetime,
    reason: str | None,
) -> None:
    conn.execute(
        update(exchange_entries)
        .where(
            exchange_entries.c.exchange_id == exchange_id,
            exchange_entries.c.source_id == source_id,
        )
        .values(opinion=opinion, opinion_by=by, opinion_at=at, opinion_reason=reason)
    )


def provenance_of(
    conn: Connection, entry_rows: Sequence[tuple[int, str | None, str | None]]
) -> dict[int, dict[str, Any]]:
    """Exchange provenance for entries given as ``(entry id, source, source id)``."""
    out: dict[int, dict[str, Any]] = {}
    by_source = exchanges_by_source(conn, [s for _, s, _ in entry_rows if s])
    for source, ex in by_source.items():
        wanted = {sid: eid for eid, s, sid in entry_rows if s == source and sid}
        found = get_exchange_entries(conn, int(ex.id), sorted(wanted))
        for sid, row in found.items():
            out[wanted[sid]] = provenance_dict(str(ex.name), row)
    return out


def provenance_dict(exchange: str, row: Row[Any]) -> dict[str, Any]:
    def when(v: datetime | None) -> str | None:
        return v.isoformat() if v else None

    return {
        "exchange": exchange,
        "source_id": row.source_id,
        "member": row.member,
        "content_type": row.content_type,
        "classification": row.classification,
        "fingerprints": json.loads(row.fingerprints),
        "fetched_at": when(row.fetched_at),
        "updated_at": when(row.updated_at),
        "opinion": row.opinion,
        "opinion_by": row.opinion_by,
        "opinion_at": when(row.opinion_at),
        "opinion_reason": row.opinion_reason,
    }


# -- feedback outbox ---------------------------------------------------------------


def queue_feedback(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Queue feedback rows, each at most once (same exchange entry, fingerprint and
    cause): a retried decision never sends twice."""
    added = 0
    for row in rows:
        exists = conn.execute(
            select(exchange_feedback.c.id).where(
                and_(
                    exchange_feedback.c.exchange_id == row["exchange_id"],
                    exchange_feedback.c.source_id == row["source_id"],
                    exchange_feedback.c.fingerprint == row["fingerprint"],
                    exchange_feedback.c.cause == row["cause"],
                )
            )
        ).first()
        if exists is None:
            conn.execute(insert(exchange_feedback).values(**row))
            added += 1
    return added


def claim_feedback(
    conn: Connection,
    owner: str,
    due: datetime,
    until: datetime,
    limit: int,
    exchange_id: int | None,
) -> list[Row[Any]]:
    """Lease feedback rows due by ``due`` for ``owner``; a crashed sender's lease runs out."""
    cond = and_(
        exchange_feedback.c.state == PENDING,
        exchange_feedback.c.next_attempt_at <= due,
        or_(exchange_feedback.c.lease_until.is_(None), exchange_feedback.c.lease_until < due),
    )
    if exchange_id is not None:
        cond = and_(cond, exchange_feedback.c.exchange_id == exchange_id)
    ids = [
        int(i)
        for i in conn.execute(
            select(exchange_feedback.c.id).where(cond).order_by(exchange_feedback.c.id).limit(limit)
        ).scalars()
    ]
    claimed = []
    for fid in ids:
        done = conn.execute(
            update(exchange_feedback)
            .where(exchange_feedback.c.id == fid, cond)
            .values(lease_owner=owner, lease_until=until)
        )
        if done.rowcount:
            claimed.append(fid)
    if not claimed:
        return []
    query = select(exchange_feedback).where(exchange_feedback.c.id.in_(claimed))
    return list(conn.execute(query.order_by(exchange_feedback.c.id)).all())


def finish_feedback(conn: Connection, feedback_id: int, **values: Any) -> None:
    conn.execute(
        update(exchange_feedback)
        .where(exchange_feedback.c.id == feedback_id)
        .values(lease_owner=None, lease_until=None, **values)
    )


def feedback_rows(conn: Connection, exchange_id: int, limit: int = 1000) -> list[Row[Any]]:
    query = (
        select(exchange_feedback)
        .where(exchange_feedback.c.exchange_id == exchange_id)
        .order_by(exchange_feedback.c.id)
        .limit(limit)
    )
    return list(conn.execute(query).all())


def feedback_counts(conn: Connection, exchange_id: int) -> dict[str, int]:
    from sqlalchemy import func

    query = (
        select(exchange_feedback.c.state, func.count())
        .where(exchange_feedback.c.exchange_id == exchange_id)
        .group_by(exchange_feedback.c.state)
    )
    return {str(s): int(n) for s, n in conn.execute(query)}


def remove_entries(conn: Connection, found: Sequence[tuple[int, str]], rev: int) -> int:
    """Delete entries given as ``(id, signal type)``, leaving tombstones at ``rev`` so
    every index drops them without a rebuild."""
    from brightline.services.store.tables import tombstones

    if not found:
        return 0
    conn.execute(
        insert(tombstones),
        [{"entry_id": i, "signal_type": t, "rev": rev} for i, t in found],
    )
    ids = [i for i, _ in found]
    for start in range(0, len(ids), 5000):
        conn.execute(entries.delete().where(entries.c.id.in_(ids[start : start + 5000])))
    return len(ids)


def set_entries_enabled(
    conn: Connection,
    list_id: int,
    source: str,
    source_id: str,
    enabled: bool,
    rev: int,
    now: datetime,
) -> int:
    """Enable or disable every entry (fingerprint) that one exchange entry put in the list."""
    done = conn.execute(
        update(entries)
        .where(
            entries.c.list_id == list_id,
            entries.c.source == source,
            entries.c.source_id == source_id,
        )
        .values(enabled=enabled, rev=rev, updated_at=now)
    )
    return int(done.rowcount)
