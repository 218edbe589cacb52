"""Matching text against the URL and keyword lists, and recording what was found.

A document (a message, a post, a file of text) is one query of each text signal
type (``url``, ``keyword``, and any registered type whose content types hold
``text``); the matcher's index of each type finds the entries in it. Matches are
recorded by the job like any other (``record_text_matches``: one item per document,
its matches, the match log, the lists' actions), and a list with a ``review`` action
gets a review item showing the document as text. The text itself is stored only
in that review item, never in the match log.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

from brightline.core import signals
from brightline.core.models import FileSignals, Match, ScanResult
from brightline.core.signals import TEXT
from brightline.services.actions.registry import Opener
from brightline.services.lists.matching import Matcher, Query
from brightline.services.pipeline.job import Job
from brightline.services.pipeline.match import match_queries

log = logging.getLogger("brightline.text")


@dataclass(frozen=True, slots=True)
class TextDocument:
    """A text to match; ``id`` is the caller's name for it (kept in the match log)."""

    text: str
    id: str | None = None


@dataclass(slots=True)
class TextResult:
    id: str | None
    matches: list[Match] = field(default_factory=list)
    error: dict[str, str] | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "matches": [m.as_dict() for m in self.matches],
            "error": self.error,
        }


def text_types() -> list[str]:
    """The registered signal types matched in text."""
    return [t.name for t in signals.all_types() if TEXT in t.content_types and not t.exact]


def match_texts(
    matcher: Matcher, documents: Sequence[TextDocument], lists: Sequence[str] | None = None
) -> list[TextResult]:
    """Each document's matches, in order of where they are in its text."""
    types = text_types()
    queries = [Query(t, doc.text) for doc in documents for t in types]
    found = match_queries(matcher, queries, lists) if queries else []
    results = []
    for i, doc in enumerate(documents):
        matches = [m for per in found[i * len(types) : (i + 1) * len(types)] for m in per]
        matches.sort(key=_position)
        results.append(TextResult(doc.id, matches))
    return results


def _position(m: Match) -> tuple[int, int, str, int]:
    span = m.extra.get("span")
    start, end = span if isinstance(span, list | tuple) else (0, 0)
    return int(start), int(end), m.list_name, m.entry_id


def record_text_matches(
    job: Job, documents: Sequence[TextDocument], results: Sequence[TextResult]
) -> int:
    """Record the documents that matched as items of ``job`` (their matches, the match
    log) and run the lists' actions (webhooks; a ``review`` action keeps the document,
    shown as text); returns webhook deliveries queued. The one text step of the
    record-and-act path: a failure is logged, never allowed to hide a verdict."""
    matched = [(d, r) for d, r in zip(documents, results, strict=True) if r.matches]
    if not matched:
        return 0
    rows: list[ScanResult] = []
    media: list[Opener | None] = []
    for doc, result in matched:
        data = doc.text.encode("utf-8")
        rows.append(ScanResult(_locator(doc), _text_signals(data), result.matches))
        media.append(partial(io.BytesIO, data))
    try:
        return job.record(
            rows,
            media=media,
            names=[d.id for d, _ in matched],
            metadata=[{"document": d.id} if d.id else {} for d, _ in matched],
        )
    except Exception:
        log.exception("could not record text matches")
        return 0


def _text_signals(data: bytes) -> FileSignals:
    return FileSignals.of(
        hashlib.md5(data).hexdigest(),
        hashlib.sha1(data).hexdigest(),
        hashlib.sha256(data).hexdigest(),
        len(data),
        "text/plain",
    )


def _locator(doc: TextDocument) -> str:
    return f"text:{doc.id}" if doc.id else "text"
