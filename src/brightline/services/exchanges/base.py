"""What every exchange type is: a module that fetches pages of entries and sends
feedback, registered by name (``registry``).

A type never touches the store. It turns its API into ``Page``s of ``RemoteEntry``s,
each page carrying where to resume if the fetch stops after it and, on the page
that ends a window, the new checkpoint; ``apply`` writes a page and that state in
one transaction, so a fetch killed at any point resumes without skipping or
repeating anything.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from brightline.services.exchanges.http import HttpOptions


@dataclass(frozen=True, slots=True)
class RemoteEntry:
    """One entry as the exchange has it. ``fingerprints`` are by the exchange's own
    names (NCMEC ``md5``, ``sha1``, ``pdq``, ``pdna``…; StopNCII ``ImagePDQ``…)."""

    source_id: str
    fingerprints: Mapping[str, str]
    member: str | None = None
    content_type: str | None = None
    classification: str | None = None
    updated_at: datetime | None = None
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class Page:
    entries: list[RemoteEntry]
    #: Where to go on if the fetch stops after this page (None: the fetch is done).
    resume: dict[str, Any] | None = None
    #: Set on the page that exhausts a window: the next fetch starts there.
    checkpoint: dict[str, Any] | None = None
    #: The page is the exchange's whole content: entries not in it are removed (files).
    snapshot: bool = False


@dataclass(frozen=True, slots=True)
class Config:
    """An exchange's settings as a type needs them (credentials decrypted)."""

    name: str
    url: str | None
    environment: str | None
    credentials: str | None
    http: HttpOptions = field(default_factory=HttpOptions)
    #: NCMEC's negative feedback reason (a guid or part of a reason's name).
    feedback_reason: str | None = None
    #: Hosts a file exchange may fetch from (``*.example.org`` for subdomains).
    file_hosts: tuple[str, ...] = ()
    max_file_bytes: int = 1 << 30


@dataclass(frozen=True, slots=True)
class Feedback:
    """One opinion to send: ``verdict`` is ``affirmative`` or ``negative``."""

    source_id: str
    member: str | None
    fingerprint: str
    value: str
    verdict: str
    reason: str | None = None


class ExchangeType(Protocol):
    #: ``ncmec``, ``stopncii``, ``threatexchange``, ``file``.
    name: str
    #: How ``--credentials -`` reads, e.g. ``user:password``; empty when none are needed.
    credentials_form: str

    def check_config(
        self, url: str | None, environment: str | None, credentials: str | None
    ) -> None:
        """Raise UsageError for settings this type cannot use."""
        ...

    def pages(
        self, config: Config, checkpoint: Mapping[str, Any] | None, resume: Mapping[str, Any] | None
    ) -> Iterator[Page]:
        """Pages of changes since ``checkpoint`` (from ``resume`` when an earlier fetch
        stopped); raises ExchangeError when a page cannot be had."""
        ...

    def signals_of(self, entry: RemoteEntry) -> list[tuple[str, str]]:
        """``(signal type, value)`` of each fingerprint, in Brightline's names."""
        ...

    def feedback_fingerprint(self, signal_type: str) -> str | None:
        """The exchange's name for a matched signal type in feedback (None: none)."""
        ...

    def send_feedback(self, config: Config, feedback: Feedback) -> None:
        """Send one opinion; raises ExchangeError (retried) when it did not go through."""
        ...
