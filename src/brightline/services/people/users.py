"""People who sign in: users, roles, passwords (argon2id), lock-out and sessions.

Roles: ``analyst`` works the review queue; ``senior`` also resolves disagreements,
sees escalations, quality figures and exposure counters and manages queues;
``admin`` manages users and settings (no media); ``auditor`` reads the audit log (no
media). Sessions are opaque random tokens kept only as SHA-256 digests; a session
ends after ``session_idle_s`` without use or ``session_lifetime_s`` after sign-in.
Every sign-in, every refusal whose password was checked, each lock-out and each
address's throttled window, and every change to a user is in the audit chain.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Row

from brightline.core.actor import Actor
from brightline.errors import AuthError, InputError, NotFoundError, ThrottledError, UsageError
from brightline.services import audit
from brightline.services.people.login_guard import LoginGuard, default_guard
from brightline.services.store import Store
from brightline.services.store import users as store_users
from brightline.settings import Settings


class UserRole(StrEnum):
    ANALYST = "analyst"
    SENIOR = "senior"
    ADMIN = "admin"
    AUDITOR = "auditor"


#: Roles that may see review media (never admin or auditor).
MEDIA_ROLES = frozenset({UserRole.ANALYST, UserRole.SENIOR})
MIN_PASSWORD = 10
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_hasher = PasswordHasher()  # argon2id, the library's current recommended parameters


@functools.cache
def _dummy() -> str:
    """Compared against when the user does not exist, so timing does not tell (made
    on first use: hashing is deliberately slow, and imports must not be)."""
    return _hasher.hash("brightline-no-such-user")


_TOKEN_PREFIX = "bls_"
#: At most this often (seconds) a session's last use is written back.
_TOUCH_S = 30.0


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    role: UserRole
    disabled: bool
    locked_until: datetime | None
    created_at: datetime
    last_login_at: datetime | None

    @property
    def locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > datetime.now(UTC)

    @property
    def actor(self) -> Actor:
        return Actor("user", str(self.id), self.name, self.role.value)

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role.value,
            "disabled": self.disabled,
            "locked_until": self.locked_until.isoformat() if self.locked_until else None,
            "created_at": self.created_at.isoformat(),
            "last_login_at": self.last_login_at.isoformat() if self.last_login_at else None,
        }


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in user as a request sees them."""

    id: int
    user: User
    csrf: str
    expires_at: datetime


def parse_role(value: str) -> UserRole:
    try:
        return UserRole(value.strip().lower())
    except ValueError:
        known = ", ".join(r.value for r in UserRole)
        raise UsageError(f"unknown role {value!r} (known: {known})") from None


def check_name(name: str) -> str:
    name = name.strip()
    if not _NAME.match(name):
        raise UsageError(
            "a user name is 1-64 characters: lower-case letters, digits, '.', '_', '-'"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"a password needs at least {MIN_PASSWORD} characters")
    if "\x00" in password or len(password) > 1024:
        raise InputError("that password cannot be used")
    return password


def create_user(store: Store, actor: Actor, name: str, role: UserRole | str, password: str) -> User:
    name, role = check_name(name), parse_role(role) if isinstance(role, str) else role
    digest = _hasher.hash(check_password(password))
    with store.begin() as conn:
        user_id = store_users.insert_user(conn, name, role.value, digest, datetime.now(UTC))
        user = _to_user(store_users.user_by_id(conn, user_id))
        audit.record(conn, actor, "user.create", f"user:{user_id}", {"name": name, "role": role})
        return user


def list_users(store: Store) -> list[User]:
    with store.connect() as conn:
        return [_to_user(r) for r in store_users.all_users(conn)]


def get_user(store: Store, name: str) -> User:
    with store.connect() as conn:
        return _to_user(_by_name(conn, name))


def set_disabled(store: Store, actor: Actor, name: str, disabled: bool) -> User:
    now = datetime.now(UTC)
    with store.begin() as conn:
        row = _by_name(conn, name)
        store_users.update_user(conn, row.id, disabled=disabled)
        if disabled:
            store_users.end_user_sessions(conn, row.id, now)
        user = _to_user(store_users.user_by_id(conn, row.id))
        action = "user.disable" if disabled else "user.enable"
        audit.record(conn, actor, action, f"user:{row.id}", {"name": name})
        return user


def reset_password(store: Store, actor: Actor, name: str, password: str) -> User:
    """Set a new password, unlock the account and end its sessions."""
    digest = _hasher.hash(check_password(password))
    now = datetime.now(UTC)
    with store.begin() as conn:
        row = _by_name(conn, name)
        store_users.update_user(
            conn,
            row.id,
            password_hash=digest,
            password_changed_at=now,
            failed_logins=0,
            locked_until=None,
        )
        store_users.end_user_sessions(conn, row.id, now)
        user = _to_user(store_users.user_by_id(conn, row.id))
        audit.record(conn, actor, "user.reset_password", f"user:{row.id}", {"name": name})
        return user


def login(
    store: Store,
    settings: Settings,
    name: str,
    password: str,
    *,
    address: str = "",
    guard: LoginGuard | None = None,
) -> tuple[str, Session]:
    """Check a password and open a session: ``(token, session)``.

    In order: the client address's throttle (ThrottledError, before any work), a
    slot in the password pool, the attempt counted on the account in one atomic
    UPDATE (so parallel guesses get no more than ``login_max_failures`` checked),
    then one argon2 check, against a dummy hash when the name is unknown or the
    account is locked: those answer exactly like a wrong password (AuthError, the
    same message), after the same work. Only checked failures, the lock-out and the
    first throttled attempt of a window are audited, not every attempt past a limit.
    """
    guard = guard or default_guard(settings)
    name = name.strip()
    refusal = guard.throttle.take(address)
    if refusal is not None:
        _throttled(store, settings, name, address, refusal.first)
        raise ThrottledError(
            "too many sign-in attempts from this address; try again later", refusal.retry_after
        )
    dummy = _dummy()
    with guard.pool.slot():
        now = datetime.now(UTC)
        until = now + timedelta(seconds=settings.login_lockout_s)
        with store.begin() as conn:
            row = store_users.count_attempt(conn, name, now, settings.login_max_failures, until)
        attempt = 0 if row is None else int(row.failed_logins)
        checked = row is not None and attempt <= settings.login_max_failures
        matched = _verify(row.password_hash if row is not None and checked else dummy, password)
    if row is not None and checked and matched:
        guard.throttle.give_back(address)
        with store.begin() as conn:
            if not row.disabled:
                return _open_session(conn, settings, row, datetime.now(UTC))
            store_users.update_user(conn, row.id, failed_logins=0, locked_until=None)
            details = {"reason": "disabled", "address": address}
            audit.record(conn, _to_user(row).actor, "auth.login_failed", f"user:{row.id}", details)
        raise AuthError("this account is disabled")
    if row is None or checked:
        with store.begin() as conn:
            _failed(conn, settings, name, row, attempt, address)
    raise AuthError(WRONG_PASSWORD)


#: The one answer to an unknown name, a wrong password and a locked account.
WRONG_PASSWORD = "wrong user name or password"


def _failed(
    conn: Any, settings: Settings, name: str, row: Row[Any] | None, attempt: int, address: str
) -> None:
    if row is None:
        unknown = {"reason": "unknown", "address": address}
        audit.record(conn, _anonymous(name), "auth.login_failed", "", unknown)
        return
    locked = attempt >= settings.login_max_failures
    details = {"reason": "password", "locked": locked, "address": address}
    audit.record(conn, _to_user(row).actor, "auth.login_failed", f"user:{row.id}", details)


def _throttled(store: Store, settings: Settings, name: str, address: str, first: bool) -> None:
    """One audit record per address and window, not one per refused attempt."""
    if not first:
        return
    details = {"address": address, "window_s": settings.login_address_window_s}
    with store.begin() as conn:
        audit.record(conn, _anonymous(name), "auth.throttled", f"address:{address}", details)


def _open_session(
    conn: Any, settings: Settings, row: Row[Any], now: datetime
) -> tuple[str, Session]:
    token = _TOKEN_PREFIX + secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session_id = store_users.insert_session(conn, row.id, _digest(token), csrf, now)
    store_users.update_user(conn, row.id, failed_logins=0, locked_until=None, last_login_at=now)
    user = _to_user(store_users.user_by_id(conn, row.id))
    audit.record(conn, user.actor, "auth.login", f"user:{user.id}", {"session": session_id})
    expires = _expiry(settings, now, now)
    return token, Session(session_id, user, csrf, expires)


def is_session_token(token: str) -> bool:
    return token.startswith(_TOKEN_PREFIX)


def check_session(store: Store, settings: Settings, token: str) -> Session:
    """The live session of ``token`` (its idle clock restarts), or AuthError."""
    now = datetime.now(UTC)
    with store.begin() as conn:
        row = store_users.session_with_user(conn, _digest(token))
        if row is None or row.ended_at is not None or row.disabled:
            raise AuthError("not signed in (or the session has ended)")
        if _expiry(settings, row.created_at, row.last_seen_at) <= now:
            store_users.end_session(conn, row.id, now)
            raise AuthError("the session has expired; sign in again")
        last_seen = row.last_seen_at
        # Restart the idle clock, writing at most every few seconds (not per request).
        if (now - last_seen).total_seconds() >= min(_TOUCH_S, settings.session_idle_s / 10):
            store_users.touch_session(conn, row.id, now)
            last_seen = now
        user = _to_user(store_users.user_by_id(conn, row.user_id))
        expires = _expiry(settings, row.created_at, last_seen)
        return Session(int(row.id), user, str(row.csrf), expires)


def logout(store: Store, session: Session) -> None:
    with store.begin() as conn:
        store_users.end_session(conn, session.id, datetime.now(UTC))
        audit.record(conn, session.user.actor, "auth.logout", f"user:{session.user.id}")


def csrf_ok(session: Session, presented: str | None) -> bool:
    return bool(presented) and secrets.compare_digest(session.csrf, presented or "")


def _expiry(settings: Settings, created: datetime, last_seen: datetime) -> datetime:
    idle = last_seen + timedelta(seconds=settings.session_idle_s)
    return min(idle, created + timedelta(seconds=settings.session_lifetime_s))


def _verify(digest: str, password: str) -> bool:
    try:
        return _hasher.verify(digest, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _anonymous(name: str) -> Actor:
    shown = name.strip()[:64].replace("\x00", "")
    return Actor("user", "?", shown, "")


def _by_name(conn: Any, name: str) -> Row[Any]:
    row = store_users.user_by_name(conn, name.strip())
    if row is None:
        raise NotFoundError(f"no user named {name!r}")
    return row


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _to_user(row: Row[Any]) -> User:
    return User(
        id=int(row.id),
        name=str(row.name),
        role=UserRole(row.role),
        disabled=bool(row.disabled),
        locked_until=row.locked_until,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
    )
