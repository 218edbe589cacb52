"""The decoding budget: reservations wait their turn, in arrival order."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from brightline.services.pipeline.budget import MemoryBudget


def _until(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not check():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.005)


def _hold(
    budget: MemoryBudget, nbytes: int, entered: threading.Event, leave: threading.Event
) -> None:
    with budget.reserve(nbytes):
        entered.set()
        leave.wait()


def test_reservations_wait_until_they_fit_and_in_arrival_order() -> None:
    budget = MemoryBudget(100)
    names = ("a", "b", "c")
    entered = {n: threading.Event() for n in names}
    leave = {n: threading.Event() for n in names}
    sizes = {"a": 60, "b": 60, "c": 10}
    threads = {
        n: threading.Thread(target=_hold, args=(budget, sizes[n], entered[n], leave[n]))
        for n in names
    }
    threads["a"].start()
    entered["a"].wait()
    assert budget.free == 40
    threads["b"].start()
    _until(lambda: len(budget._queue) == 1)
    threads["c"].start()  # would fit now, but b came first
    _until(lambda: len(budget._queue) == 2)
    assert not entered["b"].is_set() and not entered["c"].is_set()
    leave["a"].set()
    entered["b"].wait()
    entered["c"].wait()
    assert budget.free == 30
    leave["b"].set()
    leave["c"].set()
    for thread in threads.values():
        thread.join()
    assert budget.free == 100


def test_nothing_and_too_much() -> None:
    budget = MemoryBudget(100)
    with budget.reserve(0):
        assert budget.free == 100
    with budget.reserve(10**12):  # more than the whole budget: runs alone
        assert budget.free == 0
    assert budget.free == 100


def test_a_failing_holder_gives_its_share_back() -> None:
    budget = MemoryBudget(100)
    try:
        with budget.reserve(70):
            raise RuntimeError("decode failed")
    except RuntimeError:
        pass
    assert budget.free == 100
