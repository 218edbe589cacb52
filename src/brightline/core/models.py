"""Plain data shared by every layer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from brightline.core import signals as signal_types
from brightline.core.signals.base import SignalValue

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
    #: Thresholds by signal type, as the store has them (PDQ's is ``pdq_threshold``).
    thresholds: Mapping[str, int] = field(default_factory=dict, hash=False)

    def threshold_for(self, signal_type: str, default: int) -> int:
        """The list's threshold for a non-exact signal type (``default`` if unset)."""
        if signal_type == "pdq":  # its own column since the first schema
            return self.pdq_threshold
        return self.thresholds.get(signal_type, default)

    def all_thresholds(self) -> dict[str, int]:
        return {"pdq": self.pdq_threshold, **self.thresholds}

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "scheme": self.scheme,
            "pdq_threshold": self.pdq_threshold,
            "thresholds": self.all_thresholds(),
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
    #: Fields a signal type's index adds (vPDQ: query_share, listed_share, ranges);
    #: merged into the JSON row.
    extra: Mapping[str, object] = field(default_factory=dict, hash=False)
    #: The entry matched more than its list's flood limit: reported, but runs no action.
    quarantined: bool = False
    #: Found when the entry arrived, in content seen earlier (retroactive matching).
    retroactive: bool = False

    @property
    def exact(self) -> bool:
        return signal_types.is_exact(self.signal_type)

    @property
    def acts(self) -> bool:
        """Whether this match runs its list's actions (webhooks, review)."""
        return not self.quarantined

    def as_dict(self) -> dict[str, object]:
        """The one match shape (``match_json``)."""
        return match_json(self)


def match_json(m: Match) -> dict[str, object]:
    """The JSON of a match, the one shape every path uses: the CLI (``match --json``),
    the API, the match log's payloads, webhooks, review items, case rows and watch
    alerts. Keys are only ever added: ``list`` (the list's name), ``entry_id``,
    ``signal_type``, ``value``, ``distance``, ``category``, ``scheme``, ``source``,
    ``source_id``, then the fields a signal type's index adds (vPDQ's
    ``query_share``…), ``quarantined``/``retroactive`` when true (list policies,
    retroactive matching); a case adds its own (``entry``, ``list_category``)."""
    out: dict[str, object] = {
        "list": m.list_name,
        "entry_id": m.entry_id,
        "signal_type": m.signal_type,
        "value": m.value,
        "distance": m.distance,
        "category": m.category,
        "scheme": m.scheme,
        "source": m.source,
        "source_id": m.source_id,
    }
    for key, value in m.extra.items():
        out.setdefault(key, value)
    if m.quarantined:
        out["quarantined"] = True
    if m.retroactive:
        out["retroactive"] = True
    return out


@dataclass(frozen=True, slots=True)
class Suppressed:
    """A match held back because the content also matched an entry of a negative list
    naming its list (``by_list``, ``by_entry_id``): it runs no action."""

    list_name: str
    entry_id: int
    by_list: str
    by_entry_id: int
    signal_type: str = ""
    value: str = ""
    distance: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "list": self.list_name,
            "entry_id": self.entry_id,
            "by_list": self.by_list,
            "by_entry_id": self.by_entry_id,
        }


class Matches(list[Match]):
    """The matches of one query (or item), and the ones a negative list suppressed."""

    __slots__ = ("suppressed",)

    def __init__(self, found: Iterable[Match] = (), suppressed: Iterable[Suppressed] = ()):
        super().__init__(found)
        self.suppressed: list[Suppressed] = list(suppressed)


def suppressed_of(found: Sequence[Match]) -> list[Suppressed]:
    """What a negative list held back of these matches (none for a plain list)."""
    return list(getattr(found, "suppressed", ()))


@dataclass(slots=True)
class FileSignals:
    """Signals computed for one file, by signal type name.

    The attribute accessors (``md5``, ``pdq``, ``pdq_quality``, …) are the fields of
    earlier versions, read from ``signals``. JSON rows keep their keys: every
    digest as ``name: value``, then ``size`` and ``media_type``, then every other
    signal as ``name``, ``name_quality`` (when it has one) and its extra fields.
    """

    size: int
    media_type: str | None = None
    signals: dict[str, SignalValue] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        md5: str,
        sha1: str,
        sha256: str,
        size: int,
        media_type: str | None = None,
        pdq: str | None = None,
        pdq_quality: int | None = None,
    ) -> FileSignals:
        """Build from the fields of earlier versions."""
        found = {"md5": SignalValue(md5), "sha1": SignalValue(sha1), "sha256": SignalValue(sha256)}
        if pdq is not None:
            found["pdq"] = SignalValue(pdq, pdq_quality)
        return cls(size, media_type, found)

    def get(self, signal_type: str) -> SignalValue | None:
        return self.signals.get(signal_type)

    def _value(self, signal_type: str) -> str | None:
        found = self.signals.get(signal_type)
        return None if found is None else found.value

    @property
    def md5(self) -> str:
        return self._value("md5") or ""

    @property
    def sha1(self) -> str:
        return self._value("sha1") or ""

    @property
    def sha256(self) -> str:
        return self._value("sha256") or ""

    @property
    def pdq(self) -> str | None:
        return self._value("pdq")

    @property
    def pdq_quality(self) -> int | None:
        found = self.signals.get("pdq")
        return None if found is None else found.quality

    @property
    def pdq_dihedral(self) -> list[str] | None:
        found = self.signals.get("pdq")
        if found is None or not found.variants:
            return None
        return [found.value, *found.variants]

    @property
    def vpdq(self) -> list[VpdqFrame] | None:
        """A video's (or animation's) vPDQ frames, from its ``vpdq`` signal."""
        found = self.signals.get("vpdq")
        frames = None if found is None else found.extra.get("vpdq")
        if not isinstance(frames, list):
            return None
        from brightline.core.signals.vpdq import VpdqFrame as Frame

        return [
            Frame(int(f["frame"]), int(f["quality"]), str(f["pdq"]), float(f["timestamp"]))
            for f in frames
        ]

    @property
    def video(self) -> dict[str, object] | None:
        """What decoding the video found (duration, fps, size, frames sampled)."""
        found = self.signals.get("vpdq")
        info = None if found is None else found.extra.get("video")
        return dict(info) if isinstance(info, dict) else None

    def hashes(self) -> dict[str, str]:
        """``{signal type: value}`` of every signal."""
        return {name: s.value for name, s in self.signals.items()}

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {}
        rest = []
        for name, found in self.signals.items():
            if signal_types.is_exact(name):
                out[name] = found.value
            else:
                rest.append((name, found))
        out["size"] = self.size
        out["media_type"] = self.media_type
        for name, found in rest:
            out[name] = found.value
            if found.quality is not None:
                out[f"{name}_quality"] = found.quality
            out.update(found.extra)
        return out


@dataclass(slots=True)
class ScanResult:
    """What a scan found for one file. ``error`` set means the file was not (fully)
    hashed: its message; ``error_code`` is the stable machine word for it
    (``empty_file``, ``not_an_image``, ``decompression_bomb``, ``fifo``…)."""

    path: str
    signals: FileSignals | None = None
    matches: list[Match] = field(default_factory=list)
    error: str | None = None
    error_code: str | None = None
    #: Matches a negative list suppressed (they run no action).
    suppressed: list[Suppressed] = field(default_factory=list)

    def error_dict(self) -> dict[str, str] | None:
        """``{"code", "message"}`` of the error, as JSON rows carry it."""
        if self.error is None:
            return None
        return {"code": self.error_code or "error", "message": self.error}

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "signals": self.signals.as_dict() if self.signals else None,
            "matches": [m.as_dict() for m in self.matches],
            "error": self.error_dict(),
            **({"suppressed": [s.as_dict() for s in self.suppressed]} if self.suppressed else {}),
        }
