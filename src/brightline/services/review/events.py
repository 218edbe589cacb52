"""What the review workspace tells the rest of Brightline (the reporting outbox).

``on_confirmed`` listeners are called inside the transaction that confirms an item
(so a report draft and the confirmation commit or roll back together); they must not
open their own transactions on other connections. ``open_media`` is how another
service reads an item's media: decrypted segment by segment, audited.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from brightline.core.actor import Actor
from brightline.core.crypto import Keyring, decrypt_chunks
from brightline.services import audit
from brightline.services.store import Store
from brightline.services.store import review as store_review


@dataclass(frozen=True)
class ConfirmedItem:
    item_id: int
    queue: str
    list_name: str | None
    #: Where reports go, from the list's review action (``ncmec``, ``nca``); empty if none.
    report_to: tuple[str, ...]
    category: str
    scheme: str
    md5: str
    sha1: str
    sha256: str
    size: int
    media_type: str | None
    filename: str | None
    #: The reported user and the content's context (``user_id``, ``screen_name``,
    #: ``email``, ``ip_events``, ``content_id``, ``url``, ``uploaded_at``, …).
    metadata: Mapping[str, Any]
    #: Names of the reviewers whose decisions confirmed it.
    decided_by: tuple[str, ...]
    confirmed_at: datetime


#: Called with the confirming transaction's connection and the item.
on_confirmed: list[Callable[[Connection, ConfirmedItem], None]] = []


def aad_for(uid: str) -> bytes:
    """Authenticated data binding a media file (and its key) to its item."""
    return f"brightline-review-item:{uid}".encode()


def open_media(store: Store, keyring: Keyring, item_id: int, actor: Actor) -> Iterator[bytes]:
    """An item's media, decrypted, segment by segment; the read is audited first."""
    with store.begin() as conn:
        row = store_review.get_item(conn, item_id)
        audit.record(conn, actor, "review.media_read", f"item:{item_id}", {"size": row.size})
    return _chunks(Path(row.media_path), keyring, bytes(row.media_key), aad_for(row.uid))


def _chunks(path: Path, keyring: Keyring, wrapped: bytes, aad: bytes) -> Iterator[bytes]:
    key = keyring.unwrap(wrapped, aad)
    with open(path, "rb") as fh:
        yield from decrypt_chunks(fh, key, aad)


def read_media(path: Path, keyring: Keyring, wrapped: bytes, uid: str) -> Iterator[bytes]:
    """Decrypt without auditing: for callers that audit the read themselves."""
    return _chunks(path, keyring, wrapped, aad_for(uid))
