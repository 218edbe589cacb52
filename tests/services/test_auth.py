"""API keys: made once, stored hashed, roles nest, revocation reaches the cache."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from brightline.errors import AuthError, NotFoundError, UsageError
from brightline.services import auth
from brightline.services.auth import KeyChecker, Role
from brightline.services.context import Services
from brightline.services.store.tables import api_keys


def test_only_the_hash_is_stored(svc: Services) -> None:
    key, token = auth.create_key(svc.store, "curator", " ingest bot ")
    assert token.startswith(f"bl_{key.prefix}_") and len(token) > 40
    assert key.role is Role.CURATOR and key.name == "ingest bot"
    with svc.store.connect() as conn:
        row = conn.execute(select(api_keys)).one()
    assert token not in [str(v) for v in row]
    assert row.secret_hash == hashlib.sha256(token.encode()).hexdigest()


def test_roles_nest() -> None:
    assert Role.ADMIN.rank > Role.CURATOR.rank > Role.SCANNER.rank
    admin = auth.ApiKey(1, "p", "n", Role.ADMIN, None)  # type: ignore[arg-type]
    scanner = auth.ApiKey(2, "q", "n", Role.SCANNER, None)  # type: ignore[arg-type]
    assert admin.allows(Role.SCANNER) and admin.allows(Role.ADMIN)
    assert scanner.allows(Role.SCANNER) and not scanner.allows(Role.CURATOR)
    with pytest.raises(UsageError):
        auth.parse_role("root")


def test_check(svc: Services) -> None:
    key, token = auth.create_key(svc.store, Role.SCANNER)
    checker = KeyChecker(svc.store)
    assert checker.check(token) == key
    other = token[:-4] + ("aaaa" if not token.endswith("aaaa") else "bbbb")
    for bad in (other, "", "bl_zz_x", token + "x", f"bl_00000000_{'a' * 43}"):
        with pytest.raises(AuthError):
            checker.check(bad)


def test_a_revoked_key_stops_working_when_the_cache_expires(svc: Services) -> None:
    now = [0.0]
    checker = KeyChecker(svc.store, ttl=5, clock=lambda: now[0])
    key, token = auth.create_key(svc.store, "admin")
    assert checker.check(token) == key and checker.cached(token) == key
    assert auth.revoke_key(svc.store, key.id).revoked_at is not None
    now[0] = 4.9
    assert checker.check(token) == key  # still trusted from the cache
    now[0] = 5.1
    assert checker.cached(token) is None
    with pytest.raises(AuthError, match="revoked"):
        checker.check(token)
    assert [k.id for k in auth.list_keys(svc.store)] == [key.id]
    with pytest.raises(NotFoundError):
        auth.revoke_key(svc.store, key.id + 100)
