"""A budget of bytes shared by concurrent work (decodes in one API worker).

Each caller reserves what its work will take (``hashing.decode_cost``) and waits
until that fits beside what the others hold; callers are served in arrival order,
so a large decode is not starved by a stream of small ones. A reservation larger
than the whole budget waits for the budget to be empty and then runs alone.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager


class MemoryBudget:
    def __init__(self, total: int):
        self.total = max(1, total)
        self._free = self.total
        self._cond = threading.Condition()
        self._queue: deque[object] = deque()

    @property
    def free(self) -> int:
        with self._cond:
            return self._free

    @contextmanager
    def reserve(self, nbytes: int) -> Iterator[None]:
        """Hold ``nbytes`` of the budget for the ``with`` block (0 passes at once)."""
        wanted = min(max(0, nbytes), self.total)
        if wanted == 0:
            yield
            return
        ticket = object()
        with self._cond:
            self._queue.append(ticket)
            try:
                self._cond.wait_for(lambda: self._queue[0] is ticket and self._free >= wanted)
            finally:
                self._queue.remove(ticket)
                self._cond.notify_all()
            self._free -= wanted
        try:
            yield
        finally:
            with self._cond:
                self._free += wanted
                self._cond.notify_all()
