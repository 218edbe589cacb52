"""Child processes that end with their parent.

A worker blocked reading its task pipe never notices that its parent was killed
(``kill -9``, an OOM kill): it would wait forever, holding memory and the database.
``die_with_parent`` asks Linux to send the child SIGKILL when its parent dies
(``prctl(PR_SET_PDEATHSIG)``), then checks the parent is still the one it was
forked from (it may have died before the call). Elsewhere a watcher thread polls the
parent id. Call it first thing in the child (a pool initializer).

``ignore_interrupts`` lets Ctrl-C reach only the parent, which then stops its
workers itself instead of every process printing a traceback.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """End this process when ``parent_pid`` (its parent) ends."""
    if sys.platform.startswith("linux") and _prctl_pdeathsig(signal.SIGKILL):
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)
        return
    threading.Thread(target=_watch, args=(parent_pid,), daemon=True, name="parent").start()


def worker_init(parent_pid: int) -> None:
    """Pool initializer for hashing processes."""
    ignore_interrupts()
    die_with_parent(parent_pid)


def ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _prctl_pdeathsig(sig: int) -> bool:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent_pid: int) -> None:
    while True:
        if os.getppid() != parent_pid:
            os._exit(1)
        threading.Event().wait(1.0)


def owner_gone(owner: str) -> bool:
    """A lease owner written as ``host:pid:…`` whose process, on this host, is gone
    (killed mid-work). An owner on another host, or not in that form, is never gone."""
    import socket

    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
