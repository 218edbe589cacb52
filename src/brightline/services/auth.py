"""API keys and roles.

A key is a random token shown once, when it is made; the database keeps only its
SHA-256 (the token carries 256 random bits, so a plain digest cannot be brute-forced)
and a short public prefix to find it by. Roles nest: an ``admin`` may do all a
``curator`` may, who may do all a ``scanner`` may.

``KeyChecker`` remembers keys it has verified for a few seconds, so a busy server
does not read the database on every request; a revoked key stops working on every
worker within that time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Row

from brightline.errors import AuthError, UsageError
from brightline.services.store import Store
from brightline.services.store import keys as store_keys


class Role(StrEnum):
    SCANNER = "scanner"
    CURATOR = "curator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Role.SCANNER: 0, Role.CURATOR: 1, Role.ADMIN: 2}
_TOKEN = re.compile(r"^bl_(?P<prefix>[0-9a-f]{8})_[A-Za-z0-9_-]{20,100}$")
#: Seconds a verified key is trusted before it is looked up again.
KEY_CACHE_SECONDS = 5.0
_CACHE_MAX = 10_000


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: int
    prefix: str
    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None = None

    def allows(self, role: Role) -> bool:
        return self.role.rank >= role.rank

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "prefix": self.prefix,
            "name": self.name,
            "role": self.role.value,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise UsageError(f"unknown role {value!r} (known: {known})") from None


def create_key(store: Store, role: Role | str, name: str = "") -> tuple[ApiKey, str]:
    """Make a key; returns it and its token, which is never shown again."""
    role = parse_role(role) if isinstance(role, str) else role
    prefix = secrets.token_hex(4)
    token = f"bl_{prefix}_{secrets.token_urlsafe(32)}"
    with store.begin() as conn:
        key_id = store_keys.insert_key(
            conn, prefix=prefix, secret_hash=_digest(token), name=name.strip(), role=role.value
        )
        return _to_key(store_keys.key_by_id(conn, key_id)), token


def list_keys(store: Store) -> list[ApiKey]:
    with store.connect() as conn:
        return [_to_key(row) for row in store_keys.all_keys(conn)]


def revoke_key(store: Store, key_id: int) -> ApiKey:
    with store.begin() as conn:
        return _to_key(store_keys.revoke_key(conn, key_id))


class KeyChecker:
    """Turns a presented token into its ApiKey, or raises AuthError."""

    def __init__(
        self,
        store: Store,
        ttl: float = KEY_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.store = store
        self.ttl = ttl
        self.clock = clock
        self._cache: dict[str, tuple[ApiKey, float]] = {}
        self._lock = threading.Lock()

    def cached(self, token: str) -> ApiKey | None:
        """The key if it was verified less than ``ttl`` seconds ago (no database)."""
        hit = self._cache.get(_digest(token))
        if hit is not None and hit[1] > self.clock():
            return hit[0]
        return None

    def check(self, token: str) -> ApiKey:
        key = self.cached(token)
        if key is not None:
            return key
        digest = _digest(token)
        key = self._lookup(token, digest)
        with self._lock:
            if len(self._cache) >= _CACHE_MAX:
                self._cache.clear()
            self._cache[digest] = (key, self.clock() + self.ttl)
        return key

    def _lookup(self, token: str, digest: str) -> ApiKey:
        m = _TOKEN.match(token)
        if m is None:
            raise AuthError("that is not a Brightline API key")
        with self.store.connect() as conn:
            row = store_keys.key_by_prefix(conn, m["prefix"])
        if row is None or not hmac.compare_digest(row.secret_hash, digest):
            raise AuthError("unknown API key")
        if row.revoked_at is not None:
            raise AuthError("this API key has been revoked")
        return _to_key(row)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _to_key(row: Row[Any]) -> ApiKey:
    return ApiKey(
        id=int(row.id),
        prefix=str(row.prefix),
        name=str(row.name),
        role=Role(row.role),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )
