"""Signal types (hashes) and the registry that names them.

Licensed hashes (PhotoDNA) can be added by their licensees with ``register``.
"""

from __future__ import annotations

from brightline.core.signals.base import SignalType
from brightline.core.signals.hexhash import MD5, PDQ, SHA1, SHA256
from brightline.core.signals.vpdq import VPDQ
from brightline.errors import InvalidHashError

_REGISTRY: dict[str, SignalType] = {s.name: s for s in (MD5, SHA1, SHA256, PDQ, VPDQ)}

# Spellings seen in the wild (VICS, NCMEC, threatexchange) for the same signal.
_ALIASES = {
    "sha-1": "sha1",
    "sha-256": "sha256",
    "md-5": "md5",
    "pdq_hash": "pdq",
    "pdqhash": "pdq",
    "photo_pdq": "pdq",
    "video_md5": "md5",
    "video_vpdq": "vpdq",
    "vpdq_hash": "vpdq",  # python-threatexchange's name for a whole-file video MD5
}


def register(signal: SignalType) -> None:
    _REGISTRY[signal.name] = signal


def get(name: str) -> SignalType:
    try:
        return _REGISTRY[name]  # the common case: already canonical
    except KeyError:
        pass
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    try:
        return _REGISTRY[key]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise InvalidHashError(f"unknown signal type {name!r} (known: {known})") from None


def names() -> list[str]:
    return sorted(_REGISTRY)


def normalize(signal_type: str, value: str) -> tuple[str, str]:
    """Return ``(canonical type name, canonical value)``; raises InvalidHashError."""
    signal = get(signal_type)
    return signal.name, signal.normalize(value)


__all__ = ["SignalType", "get", "names", "normalize", "register"]
