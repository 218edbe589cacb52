"""Reading and appending audit records (the chain arithmetic is in core/audit_chain)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, insert, select, update

from brightline.core.audit_chain import ChainRecord, digest_of
from brightline.services.store.tables import audit_head, audit_log

_PAGE = 5000


def append(
    conn: Connection, *, at: str, actor: str, action: str, target: str, details: dict[str, Any]
) -> ChainRecord:
    """Append one record in the caller's transaction. The head row's lock (taken by
    the UPDATE) orders concurrent writers, so call this last in a long transaction."""
    seq, prev = conn.execute(
        update(audit_head)
        .where(audit_head.c.id == 1)
        .values(seq=audit_head.c.seq + 1)
        .returning(audit_head.c.seq, audit_head.c.digest)
    ).one()
    # Digest what will be read back: details as JSON text, round-tripped.
    text = json.dumps(details, sort_keys=True, separators=(",", ":"), default=str)
    stored = json.loads(text)
    digest = digest_of(int(seq), at, actor, action, target, stored, str(prev))
    conn.execute(
        insert(audit_log).values(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            target=target,
            details=text,
            prev=prev,
            digest=digest,
        )
    )
    conn.execute(update(audit_head).where(audit_head.c.id == 1).values(digest=digest))
    return ChainRecord(int(seq), at, actor, action, target, stored, str(prev), digest)


def head(conn: Connection) -> tuple[int, str] | None:
    """The stored (seq, digest) of the newest record; None before the first record
    (and when the head row itself was deleted, which verification then reports)."""
    row = conn.execute(select(audit_head.c.seq, audit_head.c.digest)).first()
    if row is None or int(row.seq) == 0:
        return None
    return int(row.seq), str(row.digest)


def records(
    conn: Connection,
    *,
    after: int = 0,
    action: str | None = None,
    actor: str | None = None,
    target: str | None = None,
    limit: int | None = None,
    newest_first: bool = False,
) -> Iterator[ChainRecord]:
    """Records in ``seq`` order, paged so a long chain never sits in memory."""
    yielded = 0
    cursor = after
    while limit is None or yielded < limit:
        query = select(audit_log)
        if newest_first:
            query = query.order_by(audit_log.c.seq.desc())
            if cursor:
                query = query.where(audit_log.c.seq < cursor)
        else:
            query = query.where(audit_log.c.seq > cursor).order_by(audit_log.c.seq)
        if action:
            query = query.where(audit_log.c.action.startswith(action, autoescape=True))
        if actor:
            query = query.where(audit_log.c.actor == actor)
        if target:
            query = query.where(audit_log.c.target == target)
        page = _PAGE if limit is None else min(_PAGE, limit - yielded)
        rows = conn.execute(query.limit(page)).all()
        for row in rows:
            yield _record(row)
        yielded += len(rows)
        if len(rows) < page:
            return
        cursor = int(rows[-1].seq)


def _record(row: Any) -> ChainRecord:
    try:
        details = json.loads(row.details)
    except ValueError:
        details = {"__unreadable__": row.details}
    return ChainRecord(
        int(row.seq),
        str(row.at),
        str(row.actor),
        str(row.action),
        str(row.target),
        details,
        str(row.prev),
        str(row.digest),
    )
