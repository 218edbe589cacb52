"""Child processes that die with their parent.

A child blocked on a pipe never notices its parent was killed with ``kill -9``: it
would live on, holding the database and its memory. On Linux the kernel can send a
signal when the parent dies (``prctl(PR_SET_PDEATHSIG)``); the child asks for it
first thing. Elsewhere the child's pipe to the parent still breaks when the parent
is gone, as long as the child does not hold the parent's end too (close it).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int, sig: int = signal.SIGKILL) -> bool:
    """Have the kernel send ``sig`` to this process when its parent dies.

    Call it first thing in the child; ``parent_pid`` is the parent's pid as the parent
    saw it. If the parent is already gone (it died before the call), exit now.
    Returns whether the kernel took the request (Linux only).
    """
    armed = False
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    if os.getppid() != parent_pid:
        os._exit(1)  # the parent died before we asked: nobody is waiting for us
    return armed
