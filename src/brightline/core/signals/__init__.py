"""Signal types (hashes) and the registry that names them.

Types beyond the built-in ones (vPDQ, a licensee's PhotoDNA, a test's made-up type)
join with ``register``, or as an entry point in the group ``brightline.signal_types``
(a SignalType, or a callable returning one or a list), loaded the first time the
registry is asked anything. See ``base`` for what a type says about itself.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from importlib import metadata

from brightline.core.signals.base import (
    FILE,
    PHOTO,
    TEXT,
    VIDEO,
    Content,
    IndexHit,
    SignalIndex,
    SignalType,
    SignalTypeBase,
    SignalValue,
)
from brightline.core.signals.hexhash import MD5, PDQ, SHA1, SHA256
from brightline.core.signals.text import KEYWORD, URL
from brightline.core.signals.vpdq import VPDQ
from brightline.errors import InvalidHashError

ENTRY_POINT_GROUP = "brightline.signal_types"
log = logging.getLogger(__name__)

_REGISTRY: dict[str, SignalType] = {s.name: s for s in (MD5, SHA1, SHA256, PDQ, VPDQ, URL, KEYWORD)}
_BUILT_IN = frozenset(_REGISTRY)

# Spellings seen in the wild (VICS, NCMEC, threatexchange) for the same signal.
_ALIASES = {
    "sha-1": "sha1",
    "sha-256": "sha256",
    "md-5": "md5",
    "pdq_hash": "pdq",
    "pdqhash": "pdq",
    "photo_pdq": "pdq",
    "video_md5": "md5",  # python-threatexchange's name for a whole-file video MD5
    "video_vpdq": "vpdq",
    "vpdq_hash": "vpdq",
    "keywords": "keyword",
    "term": "keyword",
    "terms": "keyword",
    "urls": "url",
}
_discovered = False
_discover_lock = threading.Lock()
_generation = 0


def register(signal: SignalType, aliases: Iterable[str] = ()) -> None:
    """Add (or replace) a signal type; ``aliases`` are other spellings of its name."""
    global _generation
    _discover()
    _REGISTRY[signal.name] = signal
    for alias in aliases:
        _ALIASES[alias.strip().lower()] = signal.name
    _generation += 1


def unregister(name: str) -> None:
    """Remove a type added with ``register`` (tests); built-in types stay."""
    global _generation
    if name in _BUILT_IN:
        raise ValueError(f"{name} is built in")
    _REGISTRY.pop(name, None)
    for alias in [a for a, target in _ALIASES.items() if target == name]:
        del _ALIASES[alias]
    _generation += 1


def generation() -> int:
    """Changes each time the registry does: a key for caches of look-ups."""
    _discover()
    return _generation


def get(name: str) -> SignalType:
    try:
        return _REGISTRY[name]  # the common case: already canonical
    except KeyError:
        pass
    _discover()
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    try:
        return _REGISTRY[key]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise InvalidHashError(f"unknown signal type {name!r} (known: {known})") from None


def find(name: str) -> SignalType | None:
    """The type named ``name`` (any spelling), or None."""
    try:
        return get(name)
    except InvalidHashError:
        return None


def plugins() -> list[SignalType]:
    """The registered types that are not built in."""
    _discover()
    return [s for name, s in _REGISTRY.items() if name not in _BUILT_IN]


def names() -> list[str]:
    _discover()
    return sorted(_REGISTRY)


def all_types() -> list[SignalType]:
    """Every registered type, in registration order (digests first)."""
    _discover()
    return list(_REGISTRY.values())


def is_exact(name: str) -> bool:
    """Whether ``name`` is an exact type; unknown names count as exact (no index)."""
    found = find(name)
    return found is None or found.exact


def normalize(signal_type: str, value: str) -> tuple[str, str]:
    """Return ``(canonical type name, canonical value)``; raises InvalidHashError."""
    signal = get(signal_type)
    return signal.name, signal.normalize(value)


def _discover() -> None:
    """Load the entry points of ``brightline.signal_types`` once."""
    global _discovered, _generation
    if _discovered:
        return
    with _discover_lock:
        if _discovered:
            return
        _discovered = True
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
            try:
                loaded = ep.load()
                factory = isinstance(loaded, type) or not hasattr(loaded, "normalize")
                found = loaded() if factory else loaded
                for signal in found if isinstance(found, list | tuple) else [found]:
                    _REGISTRY[signal.name] = signal
            except Exception:  # a broken plugin must not stop Brightline
                log.exception("could not load signal type plugin %s", ep.value)
        _generation += 1


__all__ = [
    "ENTRY_POINT_GROUP",
    "FILE",
    "PHOTO",
    "TEXT",
    "VIDEO",
    "Content",
    "IndexHit",
    "SignalIndex",
    "SignalType",
    "SignalTypeBase",
    "SignalValue",
    "all_types",
    "find",
    "generation",
    "get",
    "is_exact",
    "names",
    "normalize",
    "plugins",
    "register",
    "unregister",
]
