"""The master keyring for encryption at rest, and the audit chain's key, from settings.

``BRIGHTLINE_MASTER_KEY`` when set; otherwise a key file in the home folder, made
(mode 0600, never overwritten) on first use. Older keys (``old_master_keys``) are
loaded for unwrapping only. The audit key (``BRIGHTLINE_AUDIT_KEY``, else
``audit.key`` in the home folder) is kept the same way, and apart from the database.
"""

from __future__ import annotations

import os
from pathlib import Path

from brightline.core.crypto import Keyring, MasterKey
from brightline.errors import CryptoError
from brightline.settings import Settings


def keyring_from_settings(settings: Settings) -> Keyring:
    older = [MasterKey.from_text(k.get_secret_value()) for k in settings.old_master_keys]
    if settings.master_key is not None:
        return Keyring(MasterKey.from_text(settings.master_key.get_secret_value()), older)
    return Keyring(_key_file(settings.master_key_file), older)


def audit_key_from_settings(settings: Settings) -> bytes:
    """The key under which audit records are signed (HMAC)."""
    if settings.audit_key is not None:
        return MasterKey.from_text(settings.audit_key.get_secret_value()).key
    return _key_file(settings.audit_key_file).key


def _key_file(path: Path) -> MasterKey:
    if not path.exists():
        # Written whole under another name, then linked into place: processes starting
        # together agree on one key, and none ever reads a half-written file.
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(MasterKey.generate().to_text() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            tmp.unlink()
    return _read(path)


def _read(path: Path) -> MasterKey:
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise CryptoError(f"{path} is readable by others (mode {mode:o}); chmod 600 it")
    text = path.read_text().strip()
    if not text:  # being written by a concurrent first use
        raise CryptoError(f"{path} is empty")
    return MasterKey.from_text(text)
