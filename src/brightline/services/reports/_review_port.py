"""What reporting needs from the review workspace, behind a guarded import.

The review workstream provides, in ``brightline.services.review.events``, the
``ConfirmedItem`` record, the ``on_confirmed`` listeners (called inside the
confirming transaction) and ``open_media`` (decrypted media, audited), and
``brightline.services.keys_at_rest.keyring_from_settings``. Until that code is
present, the same contract is defined here so reporting builds and tests on its
own; once it is, the review workspace's objects are used and nothing here runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection

from brightline.core.actor import Actor
from brightline.core.crypto import Keyring, MasterKey
from brightline.errors import UsageError
from brightline.services.store import Store
from brightline.settings import Settings


@dataclass(frozen=True)
class _ConfirmedItem:
    item_id: int
    queue: str
    list_name: str | None
    report_to: tuple[str, ...]
    category: str
    scheme: str
    md5: str
    sha1: str
    sha256: str
    size: int
    media_type: str | None
    filename: str | None
    metadata: Mapping[str, Any]
    decided_by: tuple[str, ...]
    confirmed_at: datetime


class MediaOpener(Protocol):
    def __call__(
        self, store: Store, keyring: Keyring, item_id: int, actor: Actor
    ) -> Iterator[bytes]: ...


def _no_media(store: Store, keyring: Keyring, item_id: int, actor: Actor) -> Iterator[bytes]:
    raise UsageError(
        f"the media of review item {item_id} cannot be read: the review workspace is not "
        "installed in this build"
    )


def _own_keyring(settings: Settings) -> Keyring:
    """The master key from settings, else the 0600 key file made on first use."""
    older = [MasterKey.from_text(k.get_secret_value()) for k in settings.old_master_keys]
    if settings.master_key is not None:
        return Keyring(MasterKey.from_text(settings.master_key.get_secret_value()), older)
    path = settings.master_key_file
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
    return Keyring(MasterKey.from_text(path.read_text()), older)


Listener = Callable[[Connection, Any], None]

try:  # the review workspace, when it is part of this build
    from brightline.services.review.events import (  # type: ignore[import-not-found,unused-ignore]
        ConfirmedItem,
        on_confirmed,
        open_media,
    )
except ImportError:
    ConfirmedItem = _ConfirmedItem
    on_confirmed: list[Listener] = []  # type: ignore[no-redef,unused-ignore]
    open_media: MediaOpener = _no_media  # type: ignore[no-redef,unused-ignore]

try:
    from brightline.services.keys_at_rest import (  # type: ignore[import-not-found,unused-ignore]
        keyring_from_settings,
    )
except ImportError:
    keyring_from_settings = _own_keyring

__all__ = ["ConfirmedItem", "MediaOpener", "keyring_from_settings", "on_confirmed", "open_media"]
