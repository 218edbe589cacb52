"""The per-address sign-in throttle and the password pool (issue 15 §1, §6)."""

from __future__ import annotations

import threading

import pytest

from brightline.errors import ThrottledError
from brightline.services.people.login_guard import AddressThrottle, PasswordPool


def test_the_throttle_counts_per_address_per_window() -> None:
    now = [0.0]
    throttle = AddressThrottle(3, 60.0, clock=lambda: now[0])
    assert [throttle.take("198.51.100.1") for _ in range(3)] == [None] * 3
    first = throttle.take("198.51.100.1")
    assert first is not None and first.first and first.retry_after == 60.0
    now[0] = 20.0
    later = throttle.take("198.51.100.1")
    assert later is not None and not later.first and later.retry_after == 40.0
    assert throttle.take("198.51.100.2") is None  # another address has its own count
    now[0] = 60.0
    assert throttle.take("198.51.100.1") is None  # a new window


def test_a_success_gives_its_attempt_back() -> None:
    throttle = AddressThrottle(2, 60.0, clock=lambda: 0.0)
    for _ in range(5):
        assert throttle.take("203.0.113.9") is None
        throttle.give_back("203.0.113.9")


def test_the_pool_bounds_checks_at_once() -> None:
    pool = PasswordPool(1, wait_s=0.05)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with pool.slot():
            held.set()
            release.wait(10)

    worker = threading.Thread(target=hold)
    worker.start()
    held.wait(10)
    with pytest.raises(ThrottledError) as refused, pool.slot():
        pass
    assert refused.value.retry_after == 1
    release.set()
    worker.join(10)
    with pool.slot():
        pass
    assert pool.checks == 2
