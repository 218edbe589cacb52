"""What stands before a password check: a per-address throttle and a bounded pool.

A sign-in costs an argon2id hash (tenths of a CPU-second, 64 MiB), which makes a
flood of sign-ins a cheap way to starve a server. So, per server process:

- ``AddressThrottle`` lets one client address make ``limit`` attempts per window,
  whatever user names they try (a successful sign-in gives its attempt back). The
  attempt is taken *before* anything else happens, so parallel guesses cannot pass
  the limit, and refused ones cost no hashing and no database work.
- ``PasswordPool`` lets at most ``threads`` password checks run at once; the others
  wait their turn for up to ``wait_s``, then are refused (429, try again).

The throttle lives in memory: with ``--workers N`` an address gets ``N`` times the
limit. The per-account lock-out (``users.login``) is the one kept in the database.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from brightline.errors import ThrottledError
from brightline.settings import Settings

#: Addresses remembered at most; past this, expired windows are dropped (and if all
#: are live, the oldest).
_MAX_ADDRESSES = 100_000


@dataclass(slots=True)
class _Window:
    started: float
    attempts: int
    refused: int = 0


@dataclass(frozen=True, slots=True)
class Refusal:
    """An attempt the throttle refused: ``retry_after`` seconds until the window ends;
    ``first`` for the first refusal of this window (the one worth an audit record)."""

    retry_after: float
    first: bool


class AddressThrottle:
    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic):
        self.limit = max(1, limit)
        self.window_s = window_s
        self.clock = clock
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()

    def take(self, address: str) -> Refusal | None:
        """Count one attempt from ``address``; a Refusal when it is over the limit."""
        now = self.clock()
        with self._lock:
            window = self._windows.get(address)
            if window is None or now - window.started >= self.window_s:
                self._make_room(now)
                self._windows[address] = _Window(now, 1)
                return None
            if window.attempts < self.limit:
                window.attempts += 1
                return None
            window.refused += 1
            return Refusal(window.started + self.window_s - now, window.refused == 1)

    def give_back(self, address: str) -> None:
        """A successful sign-in does not count against its address."""
        with self._lock:
            window = self._windows.get(address)
            if window is not None and window.attempts > 0:
                window.attempts -= 1

    def _make_room(self, now: float) -> None:
        if len(self._windows) < _MAX_ADDRESSES:
            return
        for address, window in list(self._windows.items()):
            if now - window.started >= self.window_s:
                del self._windows[address]
        while len(self._windows) >= _MAX_ADDRESSES:
            del self._windows[next(iter(self._windows))]


class PasswordPool:
    """At most ``threads`` password checks at once in this process."""

    def __init__(self, threads: int, wait_s: float):
        self._slots = threading.BoundedSemaphore(max(1, threads))
        self.wait_s = wait_s
        self._count_lock = threading.Lock()
        #: Password checks run so far (tests read it: every refusal costs one).
        self.checks = 0

    @contextmanager
    def slot(self) -> Iterator[None]:
        if not self._slots.acquire(timeout=max(0.0, self.wait_s)):
            raise ThrottledError("too many sign-ins at once; try again in a moment", 1.0)
        try:
            with self._count_lock:
                self.checks += 1
            yield
        finally:
            self._slots.release()


class LoginGuard:
    """One per server process (the API's Runtime holds it)."""

    def __init__(self, settings: Settings):
        self.throttle = AddressThrottle(
            settings.login_address_max_attempts, settings.login_address_window_s
        )
        self.pool = PasswordPool(settings.login_hash_threads, settings.login_hash_wait_s)


_default: dict[tuple[int, float, int, float], LoginGuard] = {}
_default_lock = threading.Lock()


def default_guard(settings: Settings) -> LoginGuard:
    """The process's guard for these limits (callers that keep none of their own)."""
    key = (
        settings.login_address_max_attempts,
        settings.login_address_window_s,
        settings.login_hash_threads,
        settings.login_hash_wait_s,
    )
    with _default_lock:
        guard = _default.get(key)
        if guard is None:
            guard = _default[key] = LoginGuard(settings)
        return guard
