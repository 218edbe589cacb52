"""The case's temporary folder (``cases/<case>/tmp/<exhibit>``), where archive members
too big for memory are spooled while an exhibit runs.

A run holds an exclusive lock on its folder's ``.lock`` for as long as it runs, and
removes the folder when it ends. A run killed with ``kill -9`` cannot remove it; the
next case command sweeps every folder whose lock no live process holds.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

LOCK = ".lock"


def hold_spool(folder: Path) -> int:
    """Create ``folder`` (0700) and lock it for this run; the lock's descriptor."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def release_spool(folder: Path, fd: int) -> None:
    """Remove the run's folder, then let go of its lock."""
    shutil.rmtree(folder, ignore_errors=True)
    os.close(fd)


def sweep_leftover_spools(cases_folder: Path) -> list[Path]:
    """Remove the temporary folders of runs that died; the folders removed."""
    removed = []
    for folder in sorted(cases_folder.glob("*/tmp/*")):
        if folder.is_dir() and not folder.is_symlink() and not _in_use(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _in_use(folder: Path) -> bool:
    try:
        fd = os.open(folder / LOCK, os.O_RDWR)
    except FileNotFoundError:
        return False  # left by a run that died before it locked, or by an older version
    except OSError:
        return True  # cannot tell: leave it
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops the lock we may have taken
    return False
