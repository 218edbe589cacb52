"""API keys and roles.

A key is a random token shown once, when it is made; the database keeps only its
SHA-256 (the token carries 256 random bits, so a plain digest cannot be brute-forced)
and a short public prefix to find it by. Roles nest: an ``admin`` may do all a
``curator`` may, who may do all a ``scanner`` may.

``KeyChecker`` remembers keys it has verified for a few seconds, so a busy server
does not look a key up on every request. Revocation still takes effect at once on
every worker: it bumps a key generation counter in the same transaction, and a
remembered key is trusted only while the generation it was verified at is current
(one one-row read per request, on a connection kept for it: about 10 µs on SQLite).

Making and revoking keys are audited (``key.create``, ``key.revoke``); the token
never is.
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

from brightline.core.actor import Actor
from brightline.core.names import check_text
from brightline.core.wording import article
from brightline.errors import AuthError, UsageError
from brightline.services import audit
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


def create_key(
    store: Store, role: Role | str, name: str = "", *, actor: Actor | None = None
) -> tuple[ApiKey, str]:
    """Make a key; returns it and its token, which is never shown again."""
    role = parse_role(role) if isinstance(role, str) else role
    name = check_text("key name", name.strip()) or ""
    prefix = secrets.token_hex(4)
    token = f"bl_{prefix}_{secrets.token_urlsafe(32)}"
    with store.begin() as conn:
        key_id = store_keys.insert_key(
            conn, prefix=prefix, secret_hash=_digest(token), name=name, role=role.value
        )
        key = _to_key(store_keys.key_by_id(conn, key_id))
        details = {"id": key.id, "prefix": prefix, "name": name, "role": role.value}
        audit.record(conn, audit.who(actor), "key.create", f"key:{prefix}", details)
        return key, token


def list_keys(store: Store) -> list[ApiKey]:
    with store.connect() as conn:
        return [_to_key(row) for row in store_keys.all_keys(conn)]


def revoke_key(store: Store, key_id: int, *, actor: Actor | None = None) -> ApiKey:
    """Revoke a key; every server refuses it from its next request on."""
    with store.begin() as conn:
        before = store_keys.key_by_id(conn, key_id)
        key = _to_key(store_keys.revoke_key(conn, key_id))
        if before.revoked_at is None:
            store_keys.bump_generation(conn)
            details = {"id": key.id, "name": key.name, "role": key.role.value}
            audit.record(conn, audit.who(actor), "key.revoke", f"key:{key.prefix}", details)
        return key


def key_actor(key: ApiKey) -> Actor:
    """The actor an API key acts as."""
    return Actor("key", key.prefix, key.name, key.role.value)


def role_needed(role: Role, key: ApiKey) -> str:
    """Why ``key`` may not do what needs ``role``."""
    return f"this needs {article(role.value)} key (or higher); this key's role is {key.role.value}"


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
        self._cache: dict[str, tuple[ApiKey, float, int]] = {}
        self._lock = threading.Lock()
        self._generation = store_keys.GenerationReader(store)

    @property
    def cheap(self) -> bool:
        """Whether :meth:`cached` is quick enough for an event loop (SQLite: a local
        read of microseconds; PostgreSQL: a round trip, so ``check`` in a thread)."""
        return self.store.dialect == "sqlite"

    def cached(self, token: str) -> ApiKey | None:
        """The key if it was verified less than ``ttl`` seconds ago and no key was
        revoked since (one one-row read); None when it must be looked up."""
        if not self.cheap:
            return None
        return self._hit(_digest(token), self._generation.read())

    def _hit(self, digest: str, generation: int | None) -> ApiKey | None:
        hit = self._cache.get(digest)
        if hit is None or generation is None:
            return None
        key, expires, seen = hit
        if seen == generation and expires > self.clock():
            return key
        return None

    def check(self, token: str) -> ApiKey:
        digest = _digest(token)
        generation = self._generation.read()
        key = self._hit(digest, generation)
        if key is not None:
            return key
        key = self._lookup(token, digest)
        if generation is not None:
            with self._lock:
                if len(self._cache) >= _CACHE_MAX:
                    self._cache.clear()
                self._cache[digest] = (key, self.clock() + self.ttl, generation)
        return key

    def close(self) -> None:
        self._generation.close()

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
