"""The audit chain: one record per operation, written in the operation's transaction.

Services call :func:`record` with the actor, what they did and to what, inside the
same ``store.begin()`` block as the change, so a change and its record commit or roll
back together. One record per operation, never per row: an import of a million
entries is one record with the file's digest and the counts.

Call it last in a transaction: appending takes the chain head's row lock, which then
orders concurrent writers until commit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from brightline.core.actor import Actor, local_operator
from brightline.core.audit_chain import ChainBreak, ChainRecord
from brightline.core.audit_chain import verify as verify_chain
from brightline.services.store import Store
from brightline.services.store import audit as store_audit


def record(
    conn: Connection,
    actor: Actor,
    action: str,
    target: str = "",
    details: Mapping[str, Any] | None = None,
) -> ChainRecord:
    """Append a record to the chain in ``conn``'s transaction.

    ``action`` is a dotted verb (``list.create``, ``entries.import``, ``key.revoke``,
    ``review.reveal``); ``target`` names what it acted on (``list:iwf``, ``item:42``).
    Never put secrets or media in ``details``.
    """
    payload = {"actor": actor.as_dict(), **(details or {})}
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    return store_audit.append(
        conn, at=at, actor=actor.label, action=action, target=target, details=payload
    )


def who(actor: Actor | None) -> Actor:
    """The actor of an operation: the one given, else the local operator (a script
    using the Python API, as the CLI does, acts as the person running it)."""
    return actor if actor is not None else local_operator()


@dataclass(frozen=True, slots=True)
class Verification:
    records: int
    broken: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.broken is None

    def as_dict(self) -> dict[str, object]:
        broken = None
        if self.broken is not None:
            broken = {"seq": self.broken.seq, "reason": self.broken.reason}
        return {"intact": self.intact, "records": self.records, "broken": broken}


def record_dict(rec: ChainRecord) -> dict[str, object]:
    """A record as JSON shows it."""
    return {
        "seq": rec.seq,
        "at": rec.at,
        "actor": rec.actor,
        "action": rec.action,
        "target": rec.target,
        "details": dict(rec.details),
        "prev": rec.prev,
        "digest": rec.digest,
    }


def verify(store: Store) -> Verification:
    """Walk the whole chain (paged, in bounded memory) and report the first break."""
    counted = 0

    def counting(it: Iterator[ChainRecord]) -> Iterator[ChainRecord]:
        nonlocal counted
        for rec in it:
            counted += 1
            yield rec

    with store.connect() as conn:
        head = store_audit.head(conn)
        broken = verify_chain(counting(store_audit.records(conn)), head)
    return Verification(counted, broken)


def records(
    store: Store,
    *,
    action: str | None = None,
    actor: str | None = None,
    target: str | None = None,
    limit: int | None = 100,
    newest_first: bool = True,
    before: int = 0,
) -> list[ChainRecord]:
    """Records for people to read (``action`` matches a prefix: ``review.``)."""
    with store.connect() as conn:
        return list(
            store_audit.records(
                conn,
                after=before,
                action=action,
                actor=actor,
                target=target,
                limit=limit,
                newest_first=newest_first,
            )
        )
