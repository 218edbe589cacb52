"""A hashed item becomes a file row: its status, its category and why.

``known``: an exact (MD5/SHA-1/SHA-256) match, the list's category is the file's.
``suggested``: a perceptual match only, its category a suggestion for review.
``unknown``: an image or a video with no match. ``other``: not media, no match.
``error``: it could not be read (the reason is kept); a known file stays known even
if, say, its picture could not be decoded.

A category is the case scheme's code when the list uses the case's scheme; from a
list with another scheme it is kept as ``<scheme>:<code>`` and never mapped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from brightline.core.models import Match, ScanResult, match_json
from brightline.core.signals import PHOTO, VIDEO
from brightline.core.signals.content import content_type_of
from brightline.core.sources import ContentItem
from brightline.errors import BrightlineError, UnreadableContentError, error_dict
from brightline.services.store.cases import locator_key

EXACT = frozenset({"md5", "sha1", "sha256"})
STATUSES = ("known", "suggested", "unknown", "other", "error")
UNCATEGORISED = "uncategorised"
#: Content types whose files are ``unknown`` when nothing matched.
MEDIA = frozenset({PHOTO, VIDEO})


@dataclass(slots=True)
class Meta:
    """What a case keeps about an item besides its hash."""

    locator: str
    size: int | None
    deleted: bool
    modified: datetime | None
    created: datetime | None
    accessed: datetime | None
    error: BrightlineError | None


def meta_of(item: ContentItem) -> Meta:
    error = item.error
    container_error = item.extra.get("container_error")
    if error is None and isinstance(container_error, BrightlineError):
        error = container_error
    return Meta(
        str(item.locator),
        item.size,
        item.deleted,
        item.modified,
        item.created,
        item.accessed,
        error,
    )


def category_of(match: Match, scheme: str) -> str:
    if match.category is None:
        return UNCATEGORISED
    if match.scheme == scheme:
        return match.category
    return f"{match.scheme}:{match.category}"


def _clean(text: str | None) -> str | None:
    """PostgreSQL refuses NUL in text; evidence may hold anything."""
    return text.replace("\x00", "\ufffd") if text is not None else None


#: Shared-hashing codes that are no error in a case: the file was read and digested
#: whole, it is just not a picture (``other``, or ``unknown`` for a video). An empty
#: file is an error row (``empty_file``), as ``brightline match`` says it.
NOT_ERRORS = frozenset({"not_an_image"})
#: A video whose signal type is not installed: digested whole, no error in a case.
_NO_SIGNAL_TYPE = "no signal type for "


def _error_of(meta: Meta, result: ScanResult | None) -> tuple[str | None, str | None]:
    if meta.error is not None:
        if isinstance(meta.error, UnreadableContentError):  # evidence errors among them
            found = error_dict(meta.error)
            return found["code"], found["message"]
        return "unreadable", str(meta.error)
    if result is None:
        return "unreadable", "could not be read"
    if result.error is None or result.error_code in NOT_ERRORS:
        return None, None
    if result.signals is not None and result.error.startswith(_NO_SIGNAL_TYPE):
        return None, None
    return result.error_code or "undecodable", result.error


def row_of(meta: Meta, result: ScanResult | None, scheme: str) -> dict[str, Any]:
    signals = result.signals if result else None
    matches = result.matches if result else []
    error_code, error = _error_of(meta, result)
    exact = [m for m in matches if m.signal_type in EXACT]
    near = [m for m in matches if m.signal_type not in EXACT]
    category = None
    if exact:
        status, category = "known", category_of(_best(exact), scheme)
    elif near:
        status, category = "suggested", category_of(_best(near), scheme)
    elif error_code is not None:
        status = "error"
    elif signals is not None and content_type_of(signals.media_type) in MEDIA:
        status = "unknown"
    else:
        status = "other"
    return {
        "locator": _clean(meta.locator),
        "locator_key": locator_key(meta.locator),
        "size": signals.size if signals else meta.size,
        "deleted": meta.deleted,
        "md5": signals.md5 if signals else None,
        "sha1": signals.sha1 if signals else None,
        "sha256": signals.sha256 if signals else None,
        "pdq": signals.pdq if signals else None,
        "pdq_quality": signals.pdq_quality if signals else None,
        "media_type": signals.media_type if signals else None,
        "status": status,
        "category": category,
        "matches": json.dumps([case_match_json(m, scheme) for m in matches]),
        "error_code": error_code,
        "error": _clean(error),
        "modified": meta.modified,
        "created": meta.created,
        "accessed": meta.accessed,
        "signals": [(t, v.value, v.quality) for t, v in signals.signals.items()] if signals else [],
    }


def _best(matches: list[Match]) -> Match:
    """The closest match, preferring one that carries a category."""
    with_category = [m for m in matches if m.category is not None]
    return (with_category or matches)[0]


def case_match_json(m: Match, scheme: str) -> dict[str, object]:
    """The one match shape (``core.models.match_json``), plus what a case adds: the
    category in the case's scheme (``category``; the list's own is ``list_category``)
    and ``entry`` (the entry id, as case files have always called it)."""
    out = match_json(m)
    out["entry"] = m.entry_id
    out["category"] = category_of(m, scheme) if m.category is not None else None
    out["list_category"] = m.category
    return out
