"""Where review items come from: a match on a list with a ``review`` action (from
any job: ``actions/review.py``), a
platform's user report (``POST /v1/intake``), a senior's quality-check item.

The file is encrypted to disk before its row is written; the platform's verdict
never waits on a reviewer.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from brightline.core.actor import Actor
from brightline.core.categories import normalize_category
from brightline.core.models import FileSignals, Match, match_json
from brightline.errors import InputError
from brightline.services import audit
from brightline.services.hashing import HashOptions, hash_bytes
from brightline.services.review import video
from brightline.services.review.env import ReviewEnv, ensure_queue, require_senior
from brightline.services.review.media import store_media
from brightline.services.review.metadata import dumps, parse_metadata
from brightline.services.stats import hooks as stats_hooks
from brightline.services.store import review as store_review

REVIEW = "review"
NOT_ILLEGAL = "not_illegal"


class ReviewAsk(Protocol):
    """What a list's review action asks (``actions.Action`` gives it)."""

    @property
    def list_name(self) -> str: ...
    @property
    def queue(self) -> str | None: ...
    @property
    def report_to(self) -> Sequence[str]: ...


@dataclass(frozen=True, slots=True)
class JobRef:
    """The job (and so the source) a review item came from."""

    id: int | None
    kind: str | None


@dataclass(frozen=True)
class NewItem:
    source: str
    signals: FileSignals
    filename: str | None
    metadata: Mapping[str, Any]
    queue: str | None = None
    list_name: str | None = None
    scheme: str | None = None
    matches: Sequence[Match] = ()
    report_to: Sequence[str] = ()
    quality: bool = False
    known_answer: str | None = None
    job: JobRef | None = None


def from_actions(
    env: ReviewEnv,
    actor: Actor,
    data: bytes | BinaryIO,
    filename: str | None,
    signals: FileSignals,
    matches: Sequence[Match],
    asks: Sequence[ReviewAsk],
    job: JobRef | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> int | None:
    """A review item for a file that matched lists with review actions (``asks``, in
    the lists' order): the first one's queue, every one's destinations; returns its
    id, or None when none asks."""
    if not asks:
        return None
    first = asks[0]
    report_to: list[str] = []
    for ask in asks:
        report_to += [d for d in ask.report_to if d not in report_to]
    on_list = [m for m in matches if m.list_name == first.list_name]
    item = NewItem(
        source="match",
        signals=signals,
        filename=filename,
        metadata=dict(metadata or {}),
        queue=first.queue,
        list_name=first.list_name,
        scheme=on_list[0].scheme if on_list else None,
        matches=matches,
        report_to=report_to,
        job=job,
    )
    return create_item(env, actor, data, item)


def from_upload(
    env: ReviewEnv,
    actor: Actor,
    data: bytes,
    filename: str | None,
    metadata: str | bytes | Mapping[str, Any] | None,
    queue: str | None = None,
    text: bool = False,
) -> int:
    """A user report forwarded by a platform: a file, or a message thread as text."""
    meta = parse_metadata(metadata)
    signals = _signals(data, env.settings.upload_max_pixels)
    if text:
        signals.media_type = "text/plain"
    item = NewItem("intake", signals, filename, meta, queue=queue)
    return create_item(env, actor, data, item)


def seed(
    env: ReviewEnv,
    actor: Actor,
    data: bytes,
    filename: str | None,
    known_answer: str,
    queue: str | None = None,
    shown_as: str = "intake",
) -> int:
    """A quality-check item whose answer is known; analysts cannot tell it apart."""
    require_senior(actor)
    if shown_as not in ("intake", "match"):
        raise InputError("a quality-check item is shown as 'intake' or 'match'")
    item = NewItem(
        shown_as,
        _signals(data, env.settings.upload_max_pixels),
        filename,
        {},
        queue=queue,
        quality=True,
        known_answer=known_answer,
    )
    return create_item(env, actor, data, item)


def _signals(data: bytes, max_pixels: int) -> FileSignals:
    if not data:
        raise InputError("the file is empty")
    result = hash_bytes(data, HashOptions(max_pixels), "<intake>")
    assert result.signals is not None
    return result.signals


def create_item(env: ReviewEnv, actor: Actor, data: bytes | BinaryIO, item: NewItem) -> int:
    src = io.BytesIO(data) if isinstance(data, bytes) else data
    media_type = item.signals.media_type
    if media_type is None and isinstance(data, bytes):
        media_type = video.probe(data)  # shown as a contact sheet
    uid, path, wrapped = store_media(env.settings.home, env.keyring, src)
    try:
        return _insert(env, actor, item, media_type, uid, path, wrapped)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _insert(
    env: ReviewEnv,
    actor: Actor,
    item: NewItem,
    media_type: str | None,
    uid: str,
    path: Path,
    wrapped: bytes,
) -> int:
    now = datetime.now(UTC)
    with env.store.begin() as conn:
        queue = ensure_queue(conn, item.queue, env.settings)
        scheme = item.scheme if item.scheme and item.scheme != "none" else str(queue.scheme)
        answer = item.known_answer
        if answer is not None and answer != NOT_ILLEGAL:
            answer = normalize_category(scheme, answer)
        s = item.signals
        item_id = store_review.insert_item(
            conn,
            {
                "uid": uid,
                "queue_id": queue.id,
                "source": item.source,
                "quality": item.quality,
                "known_answer": answer,
                "state": "open",
                "agreement": int(queue.agreement),
                "scheme": scheme,
                "list_name": item.list_name,
                "matches": json.dumps([match_json(m) for m in item.matches]),
                "report_to": json.dumps(list(item.report_to)),
                "md5": s.md5,
                "sha1": s.sha1,
                "sha256": s.sha256,
                "pdq": s.pdq,
                "size": s.size,
                "media_type": media_type,
                "filename": _clean_name(item.filename),
                "media_path": str(path),
                "media_key": wrapped,
                "meta": dumps(item.metadata),
                "job_id": item.job.id if item.job else None,
                "job_kind": item.job.kind if item.job else None,
                "created_by": actor.label,
                "created_at": now,
            },
        )
        found = [(t, v.value, v.quality) for t, v in s.signals.items()]
        store_review.insert_item_signals(conn, item_id, found)
        details = {"source": item.source, "queue": queue.name, "list": item.list_name}
        stats_hooks.queued(conn, actor.label, item_id, item.source, item.list_name, item.quality)
        if item.quality:
            details["quality"] = True
        audit.record(conn, actor, "review.intake", f"item:{item_id}", details)
        return item_id


def _clean_name(name: str | None) -> str | None:
    if not name:
        return None
    return name.replace("\x00", "")[-300:]
