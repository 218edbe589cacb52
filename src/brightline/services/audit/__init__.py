"""The audit chain: one record per operation, written in the operation's transaction.

Services call :func:`record` with the actor, what they did and to what, inside the
same ``store.begin()`` block as the change, so a change and its record commit or roll
back together. One record per operation, never per row: an import of a million
entries is one record with the file's digest and the counts.

Call it last in a transaction: appending takes the chain head's row lock, which then
orders concurrent writers until commit.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from brightline.core.actor import Actor, local_operator
from brightline.core.audit_chain import (
    GENESIS,
    ChainBreak,
    ChainRecord,
    checkpoint_mac,
    key_id,
)
from brightline.core.audit_chain import check as check_chain
from brightline.errors import ConflictError, CryptoError, InputError, UsageError
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
    #: Whether the records are signed with the audit key (None: an empty chain).
    keyed: bool | None = None
    #: The checkpoint checked against, when one was.
    checkpoint: Mapping[str, Any] | None = None

    @property
    def intact(self) -> bool:
        return self.broken is None

    def as_dict(self) -> dict[str, object]:
        broken = None
        if self.broken is not None:
            broken = {"seq": self.broken.seq, "reason": self.broken.reason}
        out: dict[str, object] = {
            "intact": self.intact,
            "records": self.records,
            "broken": broken,
            "keyed": self.keyed,
        }
        if self.checkpoint is not None:
            out["checkpoint"] = {k: self.checkpoint[k] for k in ("seq", "digest", "made_at")}
        return out


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
    with store.connect() as conn:
        return _verify(conn)


def _verify(conn: Connection) -> Verification:
    counted = 0

    def counting(it: Iterator[ChainRecord]) -> Iterator[ChainRecord]:
        nonlocal counted
        for rec in it:
            counted += 1
            yield rec

    head = store_audit.head(conn)
    found = check_chain(counting(store_audit.records(conn)), head, store_audit.key_of(conn))
    return Verification(counted, found.broken, found.keyed)


def rekey(store: Store, actor: Actor | None = None) -> Verification:
    """Sign an unkeyed chain (written before the audit key) with the key: every
    digest is recomputed, once the chain is checked intact as it stands. A chain that
    is keyed already is left as it is."""
    with store.begin() as conn:
        key = store_audit.key_of(conn)
        if key is None:
            raise UsageError("no audit key for this database (BRIGHTLINE_AUDIT_KEY or audit.key)")
        before = _verify(conn)
        if before.broken is not None:
            raise ConflictError(
                f"the audit chain is broken at {before.broken}; it is not rekeyed (a "
                "rekey would hide the break)"
            )
        if before.keyed is not False:
            return before
        count = store_audit.rewrite(conn, store_audit.records(conn), key)
        record(conn, who(actor), "audit.rekey", "", {"records": count, "key": key_id(key)})
        return _verify(conn)


#: The ``format`` of a checkpoint file.
CHECKPOINT_FORMAT = "brightline-audit-checkpoint/1"


def checkpoint(store: Store) -> dict[str, Any]:
    """A signed statement of the chain's head as it is now (seq, digest, time), to be
    kept outside the database: ``verify_against`` later proves the chain still holds
    that record unchanged, which catches a chain cut back with its head reset."""
    with store.connect() as conn:
        key = store_audit.key_of(conn)
        if key is None:
            raise UsageError("no audit key for this database (BRIGHTLINE_AUDIT_KEY or audit.key)")
        found = _verify(conn)
        if found.broken is not None:
            raise ConflictError(f"the audit chain is broken at {found.broken}; no checkpoint made")
        head = store_audit.head(conn) or (0, GENESIS)
    fields: dict[str, Any] = {
        "format": CHECKPOINT_FORMAT,
        "seq": head[0],
        "digest": head[1],
        "records": found.records,
        "keyed": bool(found.keyed),
        "key": key_id(key),
        "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return {**fields, "mac": checkpoint_mac(key, fields)}


def verify_against(store: Store, saved: Mapping[str, Any]) -> Verification:
    """Verify the chain and that it still holds the checkpoint's record unchanged.
    Raises CryptoError when the checkpoint is not one signed with this audit key."""
    with store.connect() as conn:
        key = store_audit.key_of(conn)
        _check_checkpoint(saved, key)
        found = _verify(conn)
        seq, digest = int(saved["seq"]), str(saved["digest"])
        kept = store_audit.record_at(conn, seq) if seq > 0 else None
    broken = found.broken
    when = saved.get("made_at", "?")
    if broken is None and seq > 0 and kept is None:
        reason = f"missing: the chain was cut back below the checkpoint of {when}"
        broken = ChainBreak(seq, reason)
    elif broken is None and kept is not None and kept.digest != digest:
        reason = f"differs from the checkpoint of {when}: the chain was rewritten"
        broken = ChainBreak(seq, reason)
    return Verification(found.records, broken, found.keyed, dict(saved))


def _check_checkpoint(saved: Mapping[str, Any], key: bytes | None) -> None:
    if not isinstance(saved, Mapping) or saved.get("format") != CHECKPOINT_FORMAT:
        raise InputError("that is not a Brightline audit checkpoint")
    if key is None:
        raise CryptoError("no audit key to check the checkpoint with")
    fields = {k: v for k, v in saved.items() if k != "mac"}
    if not hmac.compare_digest(str(saved.get("mac", "")), checkpoint_mac(key, fields)):
        raise CryptoError(
            "the checkpoint's signature does not match this audit key: it was changed, "
            "or made with another key"
        )
    if not isinstance(saved.get("seq"), int) or not isinstance(saved.get("digest"), str):
        raise InputError("the checkpoint has no seq and digest")


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
