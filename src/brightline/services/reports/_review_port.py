"""What reporting needs from the review workspace, in one place.

The review workspace provides, in ``brightline.services.review.events``, the
``ConfirmedItem`` record, the ``on_confirmed`` listeners (called inside the
confirming transaction) and ``open_media`` (decrypted media, audited), and
``brightline.services.vault.keys.keyring_from_settings``. Reporting reaches them
only through this module, so the seam between the two stays one file wide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

from sqlalchemy import Connection

from brightline.core.actor import Actor
from brightline.core.crypto import Keyring
from brightline.services.review.events import ConfirmedItem, on_confirmed, open_media
from brightline.services.store import Store
from brightline.services.vault.keys import keyring_from_settings


class MediaOpener(Protocol):
    def __call__(
        self, store: Store, keyring: Keyring, item_id: int, actor: Actor
    ) -> Iterator[bytes]: ...


Listener = Callable[[Connection, Any], None]

__all__ = [
    "ConfirmedItem",
    "Listener",
    "MediaOpener",
    "keyring_from_settings",
    "on_confirmed",
    "open_media",
]
