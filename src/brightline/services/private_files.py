"""Files that hold evidence, keys or databases: created 0600, their folders 0700.

Modes are set at creation (``os.open`` with the mode, then ``chmod`` against a
permissive umask), never after the bytes are written, so there is no moment when
another local user could open them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(path: Path) -> Path:
    """``path`` and any missing parents, created 0700 (folders that exist are the
    operator's and are left as they are)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=FOLDER_MODE, exist_ok=True)
        os.chmod(folder, FOLDER_MODE)
    return path


def create_private_file(path: Path, *, exclusive: bool = False) -> int:
    """A descriptor open for writing on ``path``, created (or truncated) 0600."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    return fd


def write_private(path: Path, chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` to a new 0600 file at ``path``."""
    with os.fdopen(create_private_file(path), "wb") as out:
        for chunk in chunks:
            out.write(chunk)


def touch_private(path: Path) -> None:
    """Create an empty 0600 file at ``path`` unless it exists (a SQLite database, so
    that SQLite's own files, which copy its mode, are private too)."""
    with contextlib.suppress(FileExistsError):
        os.close(create_private_file(path, exclusive=True))
