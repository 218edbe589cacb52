"""Helpers for the reporting tests: a stand-in for the review workspace, settings,
generated (benign) pictures."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image

from brightline.core.actor import Actor
from brightline.core.crypto import Keyring
from brightline.services.reports import _review_port as review
from brightline.services.store import Store
from brightline.settings import Settings

SENIOR = Actor("user", "7", "sam", "senior")


def picture(seed: int, size: int = 64) -> bytes:
    """A generated gradient picture (benign), different for each seed."""
    img = Image.new("RGB", (size, size))
    img.putdata(
        [
            ((x * 4 + seed) % 256, (y * 4) % 256, (seed * 37) % 256)
            for y in range(size)
            for x in range(size)
        ]
    )
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


class ReviewDouble:
    def __init__(self, store: Store):
        self.store = store
        self.media: dict[int, bytes] = {}
        self.reads: list[int] = []

    def confirm(
        self,
        item_id: int,
        *,
        user: str = "u-1",
        report_to: tuple[str, ...] = ("ncmec",),
        scheme: str = "industry",
        category: str = "A1",
        data: bytes | None = None,
        **metadata: Any,
    ) -> Any:
        data = data if data is not None else picture(item_id)
        self.media[item_id] = data
        item = review.ConfirmedItem(
            item_id=item_id,
            queue="default",
            list_name="platform",
            report_to=report_to,
            category=category,
            scheme=scheme,
            md5=hashlib.md5(data).hexdigest(),
            sha1=hashlib.sha1(data).hexdigest(),
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            media_type="image/png",
            filename=f"upload-{item_id}.png",
            metadata={
                "user_id": user,
                "screen_name": f"name-{user}",
                "email": f"{user}@example.org",
                "ip_events": [
                    {"ip": "192.0.2.10", "time": "2026-11-30T10:00:00Z", "event": "upload"}
                ],
                "content_id": f"c{item_id}",
                "url": f"https://example.org/c/{item_id}",
                "uploaded_at": "2026-11-30T10:00:00Z",
                **metadata,
            },
            decided_by=("user:1", "user:2"),
            confirmed_at=datetime.now(UTC),
        )
        with self.store.begin() as conn:
            for listener in review.on_confirmed:
                listener(conn, item)
        return item

    def open_media(
        self, store: Store, keyring: Keyring, item_id: int, actor: Actor
    ) -> Iterator[bytes]:
        self.reads.append(item_id)
        data = self.media[item_id]
        for start in range(0, len(data), 1000):
            yield data[start : start + 1000]


def reporting_settings(database_url: str, home: Path, url: str, **kw: Any) -> Settings:
    values: dict[str, Any] = {
        "home": home,
        "database_url": database_url,
        "ncmec_url": url,
        "ncmec_username": "esp-user",
        "ncmec_password": "esp-secret",
        "reporter_first_name": "Rita",
        "reporter_last_name": "Porter",
        "reporter_email": "reports@example.org",
        "provider_name": "Example Platform",
        "report_backoff_s": 0.01,
        "ncmec_timeout_s": 5.0,
    }
    values.update(kw)
    return Settings(**values)
