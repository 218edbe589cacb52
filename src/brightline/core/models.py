"""Plain data shared by every layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from brightline.core.signals.vpdq import VpdqFrame


class HashRecord(NamedTuple):
    """One hash read from a list file, before it is stored.

    ``location`` says where it came from (``"line 3"``) for error messages. A named
    tuple rather than a dataclass: readers make millions of them, and a tuple is
    several times cheaper to build.
    """

    signal_type: str
    value: str
    category: str | None = None
    source_id: str | None = None
    note: str | None = None
    location: str | None = None


@dataclass(frozen=True, slots=True)
class HashList:
    id: int
    name: str
    scheme: str
    pdq_threshold: int
    created_at: datetime
    entry_count: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "scheme": self.scheme,
            "pdq_threshold": self.pdq_threshold,
            "entries": self.entry_count,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    list_id: int
    signal_type: str
    value: str
    category: str | None
    source: str | None
    source_id: str | None
    note: str | None
    enabled: bool
    withdrawn: bool
    added_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Match:
    """A query hash that matched a list entry."""

    list_name: str
    list_id: int
    entry_id: int
    signal_type: str
    value: str
    distance: int
    category: str | None
    scheme: str
    source: str | None
    source_id: str | None
    #: Signal-specific fields merged into the JSON row (video: shares, ranges, frames).
    extra: dict[str, object] | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "list": self.list_name,
            "entry_id": self.entry_id,
            "signal_type": self.signal_type,
            "value": self.value,
            "distance": self.distance,
            "category": self.category,
            "scheme": self.scheme,
            "source": self.source,
            "source_id": self.source_id,
        }
        if self.extra:
            out.update(self.extra)
        return out


@dataclass(slots=True)
class FileSignals:
    """Signals computed for one file; ``pdq_quality`` is 0–100 when ``pdq`` is set."""

    md5: str
    sha1: str
    sha256: str
    size: int
    media_type: str | None = None
    pdq: str | None = None
    pdq_quality: int | None = None
    pdq_dihedral: list[str] | None = None
    #: vPDQ frames of a video or animation, and what its decoding found (duration…).
    vpdq: list[VpdqFrame] | None = None
    video: dict[str, object] | None = None

    def hashes(self) -> dict[str, str]:
        out = {"md5": self.md5, "sha1": self.sha1, "sha256": self.sha256}
        if self.pdq is not None:
            out["pdq"] = self.pdq
        if self.vpdq:  # python-threatexchange's serialisation of a vPDQ signal
            from brightline.core.signals.vpdq import to_pytx

            out["vpdq"] = to_pytx(self.vpdq)
        return out

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "md5": self.md5,
            "sha1": self.sha1,
            "sha256": self.sha256,
            "size": self.size,
            "media_type": self.media_type,
        }
        if self.pdq is not None:
            out["pdq"] = self.pdq
            out["pdq_quality"] = self.pdq_quality
        if self.pdq_dihedral is not None:
            out["pdq_dihedral"] = self.pdq_dihedral
        if self.vpdq is not None:
            out["vpdq"] = [f.as_dict() for f in self.vpdq]
        if self.video is not None:
            out["video"] = self.video
        return out


@dataclass(slots=True)
class ScanResult:
    """What a scan found for one file. ``error`` set means the file was not hashed."""

    path: str
    signals: FileSignals | None = None
    matches: list[Match] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "signals": self.signals.as_dict() if self.signals else None,
            "matches": [m.as_dict() for m in self.matches],
            "error": self.error,
        }
