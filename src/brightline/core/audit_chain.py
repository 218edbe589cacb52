"""The audit chain's arithmetic: pure, so its verification has no database in it.

Each record's digest is the SHA-256 of a canonical JSON of its fields and the digest
of the record before it. Changing, removing or inserting a record breaks the chain at
that point; the head (sequence number and digest of the last record, kept apart)
catches a removed tail.
"""

from __future__ import annotations

import hashlib
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
) -> str:
    body = json.dumps(
        [seq, at, actor, action, target, details, prev],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """Where the chain stops being what was written, and why."""

    seq: int
    reason: str

    def __str__(self) -> str:
        return f"record {self.seq}: {self.reason}"


def verify(records: Iterable[ChainRecord], head: tuple[int, str] | None) -> ChainBreak | None:
    """The first break in ``records`` (in ``seq`` order), or None when intact.

    ``head`` is the stored (seq, digest) of the newest record; None for an empty chain.
    """
    expected_seq, prev = 1, GENESIS
    for rec in records:
        if rec.seq != expected_seq:
            if rec.seq > expected_seq:
                return ChainBreak(expected_seq, "missing: records were removed")
            return ChainBreak(rec.seq, "out of order or duplicated: a record was inserted")
        if rec.prev != prev:
            return ChainBreak(
                rec.seq, "does not follow the record before it (inserted or reordered)"
            )
        actual = digest_of(
            rec.seq, rec.at, rec.actor, rec.action, rec.target, rec.details, rec.prev
        )
        if actual != rec.digest:
            return ChainBreak(rec.seq, "its content was changed after it was written")
        prev, expected_seq = rec.digest, expected_seq + 1
    last = expected_seq - 1
    if head is None:
        return None if last == 0 else ChainBreak(last, "the chain head is missing")
    head_seq, head_digest = head
    if head_seq > last:
        return ChainBreak(last + 1, "missing: the newest records were removed")
    if head_seq < last or head_digest != prev:
        return ChainBreak(head_seq, "does not match the chain head (records were added or changed)")
    return None
