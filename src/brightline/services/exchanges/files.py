"""A file exchange: a hash-list file (CSV, python-threatexchange, VICS JSON, plain
text) at a local path or an allow-listed URL, re-read on its interval and applied
as a diff: hashes gone from the file are removed, changed ones updated, the rest
left alone. The file's SHA-256 is the checkpoint: an unchanged file costs one read.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from brightline.core import formats
from brightline.errors import ExchangeError, FetchError, FormatError, UsageError
from brightline.services.exchanges.base import Config, Feedback, Page, RemoteEntry
from brightline.services.fetch import FetchGuard


def _is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def read_file(config: Config) -> bytes:
    location = config.url or ""
    if _is_url(location):
        # Set by an admin and checked against an allow-list: loopback and private
        # addresses are fine here (a local mirror), unlike user-supplied URLs.
        guard = FetchGuard(
            config.file_hosts,
            max_bytes=config.max_file_bytes,
            timeout_s=config.http.timeout_s,
            address_ok=lambda _address: True,
        )
        try:
            return guard.fetch(location)
        except FetchError as exc:
            raise ExchangeError(f"could not fetch {location}: {exc}") from None
    try:
        return Path(location).read_bytes()
    except OSError as exc:
        raise ExchangeError(f"could not read {location}: {exc.strerror}") from None


def entries_of(data: bytes, source: str) -> list[RemoteEntry]:
    """One entry per hash; ``source_id`` is ``type:value`` (files have no entry ids)."""
    found: dict[str, RemoteEntry] = {}
    for rec in formats.read_records(io.BytesIO(data), source=source):
        if isinstance(rec, FormatError):
            raise ExchangeError(str(rec))
        key = f"{rec.signal_type.lower()}:{rec.value.strip().lower()}"
        found[key] = RemoteEntry(
            source_id=key,
            fingerprints={rec.signal_type.lower(): rec.value.strip()},
            member=rec.source_id,
            classification=rec.category,
        )
    return list(found.values())


class FileExchange:
    name = "file"
    credentials_form = ""

    def check_config(
        self, url: str | None, environment: str | None, credentials: str | None
    ) -> None:
        if not url:
            raise UsageError("a file exchange needs --url: a local path or an http(s) URL")

    def pages(
        self,
        config: Config,
        checkpoint: Mapping[str, Any] | None,
        resume: Mapping[str, Any] | None,
    ) -> Iterator[Page]:
        data = read_file(config)
        digest = hashlib.sha256(data).hexdigest()
        if checkpoint and checkpoint.get("sha256") == digest:
            yield Page([], checkpoint=dict(checkpoint))
            return
        name = Path(config.url or "file").name or "file"
        yield Page(entries_of(data, name), checkpoint={"sha256": digest}, snapshot=True)

    def signals_of(self, entry: RemoteEntry) -> list[tuple[str, str]]:
        return list(entry.fingerprints.items())

    def feedback_fingerprint(self, signal_type: str) -> str | None:
        return None  # a file takes no feedback

    def send_feedback(self, config: Config, feedback: Feedback) -> None:
        raise ExchangeError("a file exchange takes no feedback")


EXCHANGE = FileExchange()
