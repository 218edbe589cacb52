"""The SignalType seam: what every kind of hash says about itself.

A signal type (as in python-threatexchange) is one kind of hash: MD5, PDQ, vPDQ, a
licensee's PhotoDNA. Brightline's hashing, indexing and matching are driven by what
the registered types say here; neither hashing nor matching names a type.

What a type declares
    ``name``             canonical lower-case name; the ``signal_type`` of entries.
    ``exact``            True when only identical values match. Exact types are
                         looked up in the database (one indexed query for all of
                         them); the others get an index each (``build_index``).
    ``content_types``    what it applies to: ``"file"`` (any bytes: digests),
                         ``"photo"``, ``"video"``, …
    ``default_threshold``/``max_threshold``  a list's threshold for the type when it
                         sets none, and the largest one it may set (0/0 if exact).

How it hashes (one of the two, or neither)
    ``new_digest()``     a fresh hashlib-like object (``update``/``hexdigest``) fed
                         the bytes in one streamed pass with every other digest.
    ``hash_content(c)``  a ``SignalValue`` for a decoded piece of ``Content`` whose
                         content type it applies to, None when it has nothing to
                         say; raises ``DecodeError`` for content it cannot decode.
                         The content type comes from ``content.sniff`` (images built
                         in; ``content.register_sniffer`` adds e.g. video containers).

How it is matched
    ``build_index()``    an empty ``SignalIndex`` (non-exact types). The matcher keeps
                         one per type, fed from the database's change feed, saved
                         as ``<name>-<instance>-<rev>.idx``. An index may return
                         hits with ``extra`` fields; they reach ``Match.extra`` and
                         every JSON match row (vPDQ: ``query_share``,
                         ``listed_share``, ``ranges``). A type whose entries keep
                         more than ``entries.value`` (frames in its own table) feeds
                         its index with ``services.lists.matching.register_change_reader``.
    ``query_values(s)``  the group of strings one query of a computed signal is:
                         by default ``value`` and ``variants`` (PDQ's rotations).
                         The index gets the whole group and answers at most one
                         hit per entry for it (PDQ keeps the best distance; vPDQ
                         can treat the group as a video's frames).

A ``SignalValue`` may also carry ``extra`` JSON fields for the file's signals row
(``pdq_dihedral``), and ``quality`` (shown as ``<name>_quality``). An extra
``decode_error`` (text) says the content broke part way, with its code in
``decode_error_code``: the value is kept (what was decoded before the break) and the
file's row carries that error. A value that is
not one string (vPDQ's frames) keeps a summary in ``value``, its parts where its
``query_values`` finds them (``variants``, or ``extra``).

Registering: ``brightline.core.signals.register(my_type)``, or an entry point in the
group ``brightline.signal_types`` naming a SignalType (or a callable returning one
or a list of them), loaded on the registry's first use. ``SignalTypeBase`` gives
the defaults; ``brightline.testing.SignalTypeContract`` checks an implementation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Protocol

#: Content types. ``FILE`` is any bytes (digests apply to every file).
FILE = "file"
PHOTO = "photo"
VIDEO = "video"
#: Text (messages, posts): matched by the ``url`` and ``keyword`` types, never hashed.
TEXT = "text"


@dataclass(frozen=True, slots=True)
class SignalValue:
    """One signal computed for a piece of content."""

    value: str
    quality: int | None = None
    #: Further values matched as the same signal (PDQ: the other 7 rotations/flips).
    variants: tuple[str, ...] = ()
    #: JSON fields merged into the file's signals row (``{"pdq_dihedral": [...]}``).
    extra: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Content:
    """A piece of content to hash: its bytes (or its path, for what is streamed), what
    it was recognised as, and the limits decoding must keep to."""

    source: bytes | Path
    media_type: str | None
    content_type: str
    max_pixels: int = 200_000_000
    dihedral: bool = False
    #: Most memory one decode may take (estimated from the header before decoding).
    max_decode_bytes: int = 256 * 1024 * 1024
    #: The content's digests already taken (``{"md5": …}``), so a type that keeps one
    #: (vPDQ keeps the file's MD5) never reads the content again for it.
    digests: Mapping[str, str] = field(default_factory=dict)


class Digest(Protocol):
    """What ``hashlib`` objects offer."""

    def update(self, data: bytes, /) -> None: ...

    def hexdigest(self) -> str: ...


class IndexHit(NamedTuple):
    """An index entry near a query value."""

    entry_id: int
    distance: int
    extra: Mapping[str, object] | None = None


class SignalIndex(Protocol):
    """Entries of one non-exact signal type, keyed by entry id.

    - ``add`` with an id already present replaces its value; ``remove`` of an absent
      id is a no-op.
    - ``search`` takes queries, each a group of values (``SignalType.query_values``),
      and returns for each query every entry within ``threshold`` (inclusive) of it,
      once per entry: no misses. It is called under a lock, never concurrently with
      ``add``/``remove``.
    - ``save`` writes atomically; ``load`` replaces the contents from a saved file
      and raises IndexCorruptError when the file cannot be trusted.
    """

    def add(self, ids: Sequence[int], values: Sequence[str]) -> None: ...

    def remove(self, ids: Sequence[int]) -> None: ...

    def search(self, queries: Sequence[Sequence[str]], threshold: int) -> list[list[IndexHit]]: ...

    def __len__(self) -> int: ...

    def save(self, path: Path) -> None: ...

    def load(self, path: Path) -> None: ...


class SignalType(Protocol):
    """A kind of hash. ``distance`` is the brute-force oracle fast indexes are tested against."""

    @property
    def name(self) -> str:
        """Canonical lower-case name (``md5``, ``pdq``)."""
        ...

    @property
    def exact(self) -> bool:
        """True when only identical values match (cryptographic hashes)."""
        ...

    @property
    def content_types(self) -> frozenset[str]:
        """What it applies to: ``FILE`` (any bytes), ``PHOTO``, ``VIDEO``, …"""
        ...

    @property
    def default_threshold(self) -> int:
        """A list's threshold for this type when the list sets none (0 if exact)."""
        ...

    @property
    def max_threshold(self) -> int:
        """The largest threshold a list may set (0 if exact)."""
        ...

    def normalize(self, value: str) -> str:
        """Canonical text of ``value``; raises InvalidHashError if it is not valid."""
        ...

    def distance(self, a: str, b: str) -> int:
        """0 for identical; for perceptual hashes, e.g. the number of differing bits."""
        ...

    def new_digest(self) -> Digest | None:
        """A fresh streamed digest when the signal is a digest of the bytes, else None."""
        ...

    def hash_content(self, content: Content) -> SignalValue | None:
        """The signal of decoded content, None if none; raises DecodeError."""
        ...

    def build_index(self) -> SignalIndex | None:
        """An empty index for the type (None for exact types: the database looks up)."""
        ...

    def query_values(self, signal: SignalValue) -> list[str]:
        """The group of values one query of a computed signal searches the index with."""
        ...


class SignalTypeBase:
    """Defaults for a signal type: subclass it and set what differs.

    Applies to any file, exact, not hashed from content, no index.
    """

    name: str = ""
    exact: bool = True
    content_types: frozenset[str] = frozenset({FILE})
    default_threshold: int = 0
    max_threshold: int = 0

    def normalize(self, value: str) -> str:
        return value.strip()

    def distance(self, a: str, b: str) -> int:
        return 0 if a == b else 1

    def new_digest(self) -> Digest | None:
        return None

    def hash_content(self, content: Content) -> SignalValue | None:
        return None

    def build_index(self) -> SignalIndex | None:
        return None

    def query_values(self, signal: SignalValue) -> list[str]:
        return [signal.value, *signal.variants]

    def __repr__(self) -> str:
        return f"<signal type {self.name}>"
