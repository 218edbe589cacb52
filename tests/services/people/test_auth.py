"""API keys: made once, stored hashed, roles nest, revocation reaches the cache."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from brightline.errors import AuthError, NotFoundError, UsageError
from brightline.services import audit
from brightline.services.context import Services
from brightline.services.people import auth
from brightline.services.people.auth import KeyChecker, Role
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


def test_a_revoked_key_stops_working_at_once_on_every_worker(svc: Services) -> None:
    now = [0.0]
    workers = [KeyChecker(svc.store, ttl=5, clock=lambda: now[0]) for _ in range(2)]
    key, token = auth.create_key(svc.store, "admin")
    other, other_token = auth.create_key(svc.store, "scanner")
    for checker in workers:
        assert checker.check(token) == key and checker.check(other_token) == other
        if checker.cheap:
            assert checker.cached(token) == key
    assert auth.revoke_key(svc.store, key.id).revoked_at is not None
    for checker in workers:  # well within the cache's time: refused all the same
        assert checker.cached(token) is None
        with pytest.raises(AuthError, match="revoked"):
            checker.check(token)
        assert checker.check(other_token) == other  # the others still work
    assert [k.id for k in auth.list_keys(svc.store)] == [key.id, other.id]
    with pytest.raises(NotFoundError):
        auth.revoke_key(svc.store, key.id + 100)
    for checker in workers:
        checker.close()


def test_the_cache_still_spares_the_key_lookup(
    svc: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    checker = KeyChecker(svc.store, ttl=5)
    key, token = auth.create_key(svc.store, "curator")
    assert checker.check(token) == key
    lookups = []
    monkeypatch.setattr(checker, "_lookup", lambda *a: lookups.append(a))
    assert checker.check(token) == key and lookups == []
    checker.close()


def test_keys_are_audited_without_their_token(svc: Services) -> None:
    key, token = auth.create_key(svc.store, "curator", "bot")
    auth.revoke_key(svc.store, key.id)
    auth.revoke_key(svc.store, key.id)  # already revoked: nothing changes, no record
    found = audit.records(svc.store, action="key.")
    assert [r.action for r in found] == ["key.revoke", "key.create"]
    assert found[1].details["role"] == "curator" and found[1].target == f"key:{key.prefix}"
    assert all(token not in str(r.details) and token[12:] not in str(r.details) for r in found)
    assert found[0].actor.startswith("operator:")
