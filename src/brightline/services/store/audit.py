"""Reading and appending audit records (the chain arithmetic is in core/audit_chain).

The audit key is not in the database: ``use_key`` tells this process where the key of
a database is (``services.context.open_services`` does, from the settings). A new
chain is keyed from its first record; a chain written before the key stays unkeyed
until ``rekey`` rewrites it, so that a chain is one kind or the other throughout.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.engine import make_url

from brightline.core.audit_chain import ChainRecord, digest_of, is_keyed, record_digest
from brightline.errors import CryptoError
from brightline.services.store.tables import audit_head, audit_log

_PAGE = 5000
_keys: dict[str, Callable[[], bytes]] = {}
_keyed: set[str] = set()  # databases whose chain this process has seen keyed
_lock = threading.Lock()


def use_key(url: str, key: Callable[[], bytes]) -> None:
    """Records written to the database at ``url`` by this process are keyed with
    ``key()`` (called when first needed: it may read or make a key file)."""
    with _lock:
        _keys[_name(url)] = key


def key_of(conn: Connection) -> bytes | None:
    """The audit key of ``conn``'s database, or None when this process has none."""
    loader = _keys.get(_name(str(conn.engine.url.render_as_string(hide_password=False))))
    return loader() if loader is not None else None


def _name(url: str) -> str:
    return make_url(url).render_as_string(hide_password=False)


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
    key = _chain_key(conn, int(seq) - 1)
    digest = digest_of(int(seq), at, actor, action, target, stored, str(prev), key)
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


def _chain_key(conn: Connection, last: int) -> bytes | None:
    """The key to write the next record with: this process's key if the chain is
    keyed (or new), None if it is an unkeyed chain from before the key. A process
    without the key may add only to an unkeyed chain."""
    url = _name(str(conn.engine.url.render_as_string(hide_password=False)))
    key = key_of(conn)
    if key is not None and url in _keyed:
        return key
    before = _record(conn, last) if last > 0 else None
    if before is None or (key is not None and is_keyed(before, key)):
        if key is None:
            return None
        with _lock:
            _keyed.add(url)
        return key
    if record_digest(before, None) == before.digest:
        return None  # an unkeyed chain (written before the key): it stays so until rekey
    if key is None:
        raise CryptoError(
            "the audit chain is keyed and this process has no audit key "
            "(BRIGHTLINE_AUDIT_KEY, or audit.key in BRIGHTLINE_HOME)"
        )
    return key  # the newest record is damaged: verification will say where


def _record(conn: Connection, seq: int) -> ChainRecord | None:
    row = conn.execute(select(audit_log).where(audit_log.c.seq == seq)).one_or_none()
    return None if row is None else _record_of(row)


def rewrite(conn: Connection, records: Iterator[ChainRecord], key: bytes) -> int:
    """Rewrite every digest of an (intact, unkeyed) chain under ``key``, in the
    caller's transaction, holding the head's lock; the number of records."""
    conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=audit_head.c.seq))
    prev, count = "0" * 64, 0
    for rec in records:
        digest = digest_of(
            rec.seq, rec.at, rec.actor, rec.action, rec.target, rec.details, prev, key
        )
        conn.execute(
            update(audit_log).where(audit_log.c.seq == rec.seq).values(prev=prev, digest=digest)
        )
        prev, count = digest, count + 1
    if count:
        conn.execute(update(audit_head).where(audit_head.c.id == 1).values(digest=prev))
    return count


def record_at(conn: Connection, seq: int) -> ChainRecord | None:
    """The record with sequence number ``seq``, if there is one."""
    return _record(conn, seq)


def head(conn: Connection) -> tuple[int, str] | None:
    """The stored (seq, digest) of the newest record; None before the first record
    (and when the head row itself was deleted, which verification then reports)."""
    query = select(audit_head.c.seq, audit_head.c.digest).where(audit_head.c.id == 1)
    row = conn.execute(query).first()
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
            yield _record_of(row)
        yielded += len(rows)
        if len(rows) < page:
            return
        cursor = int(rows[-1].seq)


def _record_of(row: Any) -> ChainRecord:
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
