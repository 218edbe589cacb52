"""The audit chain's arithmetic: pure, so its verification has no database in it.

Each record's digest is the HMAC-SHA256, under the audit key, of a canonical JSON of
its fields and the digest of the record before it. Changing, removing or inserting a
record breaks the chain at that point; the head (sequence number and digest of the
last record, kept apart) catches a removed tail. The key lives outside the database
(like the vault's master key), so whoever can write the database cannot recompute
the digests after editing a record. Cutting the chain back and resetting its head
needs no key: a *checkpoint* kept elsewhere (:func:`checkpoint_mac`) catches that.

Chains written before the key (plain SHA-256, no key) still verify, as unkeyed; a
chain is keyed or unkeyed as a whole (rekeying rewrites every digest), so a record
that does not follow its chain's kind is a break.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: The digest the first record chains to.
GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class ChainRecord:
    seq: int
    at: str  # ISO 8601, UTC, as stored
    actor: str  # Actor.label
    action: str  # "list.create", "entries.import", "review.decide", …
    target: str  # what it acted on ("list:iwf", "item:42"); "" when nothing in particular
    details: Mapping[str, Any]
    prev: str
    digest: str


def digest_of(
    seq: int,
    at: str,
    actor: str,
    action: str,
    target: str,
    details: Mapping[str, Any],
    prev: str,
    key: bytes | None = None,
) -> str:
    """The record's digest: HMAC-SHA256 under ``key``; plain SHA-256 without one (the
    chains written before the audit key)."""
    body = _canonical([seq, at, actor, action, target, details, prev])
    if key is None:
        return hashlib.sha256(body).hexdigest()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def record_digest(rec: ChainRecord, key: bytes | None) -> str:
    return digest_of(rec.seq, rec.at, rec.actor, rec.action, rec.target, rec.details, rec.prev, key)


def is_keyed(rec: ChainRecord, key: bytes) -> bool:
    """Whether ``rec`` was written under ``key`` (and not changed since)."""
    return hmac.compare_digest(record_digest(rec, key), rec.digest)


def key_id(key: bytes) -> str:
    """A short public name for a key (which key made a checkpoint), not the key."""
    return hmac.new(key, b"brightline audit key id", hashlib.sha256).hexdigest()[:16]


def checkpoint_mac(key: bytes, fields: Mapping[str, Any]) -> str:
    """The signature of a checkpoint's fields (everything but ``mac`` itself)."""
    body = b"brightline audit checkpoint\n" + _canonical(dict(fields))
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def _canonical(value: Any) -> bytes:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return text.encode()


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """Where the chain stops being what was written, and why."""

    seq: int
    reason: str

    def __str__(self) -> str:
        return f"record {self.seq}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """What a walk of the chain found: the first break (None when intact) and whether
    the chain is keyed (None for an empty one, or when it breaks at its first record)."""

    broken: ChainBreak | None
    keyed: bool | None


def verify(
    records: Iterable[ChainRecord], head: tuple[int, str] | None, key: bytes | None = None
) -> ChainBreak | None:
    """The first break in ``records`` (in ``seq`` order), or None when intact."""
    return check(records, head, key).broken


def check(
    records: Iterable[ChainRecord], head: tuple[int, str] | None, key: bytes | None = None
) -> ChainCheck:
    """Walk ``records`` (in ``seq`` order) against ``head``, the stored (seq, digest)
    of the newest record (None for an empty chain). With ``key``, the chain is keyed
    when its first record is; every record must then be."""
    expected_seq, prev = 1, GENESIS
    keyed: bool | None = None
    for rec in records:
        if rec.seq != expected_seq:
            if rec.seq > expected_seq:
                return ChainCheck(ChainBreak(expected_seq, "missing: records were removed"), keyed)
            reason = "out of order or duplicated: a record was inserted"
            return ChainCheck(ChainBreak(rec.seq, reason), keyed)
        if rec.prev != prev:
            reason = "does not follow the record before it (inserted or reordered)"
            return ChainCheck(ChainBreak(rec.seq, reason), keyed)
        if keyed is None:
            keyed = key is not None and is_keyed(rec, key)
            ok = keyed or hmac.compare_digest(record_digest(rec, None), rec.digest)
        else:
            ok = hmac.compare_digest(record_digest(rec, key if keyed else None), rec.digest)
        if not ok:
            return ChainCheck(ChainBreak(rec.seq, _changed(keyed, key)), keyed if keyed else None)
        prev, expected_seq = rec.digest, expected_seq + 1
    return ChainCheck(_head_break(expected_seq - 1, prev, head), keyed)


def _changed(keyed: bool | None, key: bytes | None) -> str:
    if keyed:
        return "its content was changed after it was written (its digest is not the audit key's)"
    if key is not None:
        return (
            "its content was changed after it was written (or the chain was keyed with "
            "another audit key)"
        )
    return "its content was changed after it was written"


def _head_break(last: int, prev: str, head: tuple[int, str] | None) -> ChainBreak | None:
    if head is None:
        return None if last == 0 else ChainBreak(last, "the chain head is missing")
    head_seq, head_digest = head
    if head_seq > last:
        return ChainBreak(last + 1, "missing: the newest records were removed")
    if head_seq < last or head_digest != prev:
        return ChainBreak(head_seq, "does not match the chain head (records were added or changed)")
    return None
