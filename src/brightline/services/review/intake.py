"""Where review items come from: a match on a list with a ``review`` action (from
any job: ``actions/review.py``), a
platform's user report (``POST /v1/intake``), a senior's quality-check item.

The file is encrypted to disk before its row is written; the platform's verdict
never waits on a reviewer.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from sqlalchemy.exc import IntegrityError

from brightline.core.actor import Actor
from brightline.core.categories import normalize_category
from brightline.core.models import FileSignals, Match, match_json
from brightline.errors import ConflictError, InputError, shorten
from brightline.services import audit
from brightline.services.hashing import HashOptions, hash_bytes
from brightline.services.review import video
from brightline.services.review.env import ReviewEnv, ensure_queue, require_senior
from brightline.services.review.media import media_dir, store_media
from brightline.services.review.metadata import dumps, parse_metadata
from brightline.services.stats import hooks as stats_hooks
from brightline.services.store import entries as store_entries
from brightline.services.store import lists as store_lists
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
    #: Set for an idempotent intake: the item's media uid, derived from its key.
    uid: str | None = None


#: Where reports of confirmed items may go: the registered report destinations
#: (``reports.destinations.register`` adds to it; review itself names none).
REPORT_DESTINATIONS: list[str] = []


def check_report_to(value: str | Sequence[str] | None) -> list[str]:
    """A registered destination (``"ncmec"``, ``"nca"``…) or a list of them; ``[]``
    for none."""
    if value is None:
        return []
    given = [value] if isinstance(value, str) else list(value)
    out: list[str] = []
    for dest in given:
        dest = str(dest).strip().lower()
        if dest not in REPORT_DESTINATIONS:
            known = ", ".join(REPORT_DESTINATIONS)
            raise InputError(f"report_to {dest!r} is not known (known: {known})")
        if dest not in out:
            out.append(dest)
    return out


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
    idempotency_key: str | None = None,
    report_to: str | Sequence[str] | None = None,
) -> int:
    """A user report forwarded by a platform: a file, or a message thread as text.

    ``report_to`` (``ncmec``, ``nca`` or both) makes a confirmed item join a draft
    report there, as a matched item does through its list's review action.
    With ``idempotency_key`` (the ``Idempotency-Key`` header) a retry of the same
    request by the same caller returns the item the first one made, not a second."""
    uid = intake_uid(actor, idempotency_key) if idempotency_key is not None else None
    if uid is not None and (found := _existing(env, uid)) is not None:
        return found
    meta = parse_metadata(metadata)
    destinations = check_report_to(report_to)
    signals = _signals(data, env.settings.upload_max_pixels)
    if text:
        signals.media_type = "text/plain"
    item = NewItem("intake", signals, filename, meta, queue=queue, report_to=destinations, uid=uid)
    return create_item(env, actor, data, item)


#: Longest ``Idempotency-Key`` taken.
MAX_IDEMPOTENCY_KEY = 200


def intake_uid(actor: Actor, idempotency_key: str) -> str:
    """The media uid of the intake ``actor`` makes with ``idempotency_key``: keys of
    different callers never meet."""
    key = idempotency_key.strip()
    if not 0 < len(key) <= MAX_IDEMPOTENCY_KEY or not key.isprintable():
        raise InputError(
            f"Idempotency-Key: 1-{MAX_IDEMPOTENCY_KEY} printable characters, got {shorten(key)}"
        )
    digest = hashlib.sha256(f"{actor.kind}:{actor.id}\x00{key}".encode())
    return digest.hexdigest()[:32]


def _existing(env: ReviewEnv, uid: str) -> int | None:
    with env.store.connect() as conn:
        return store_review.item_id_by_uid(conn, uid)


def seed(
    env: ReviewEnv,
    actor: Actor,
    data: bytes,
    filename: str | None,
    known_answer: str,
    queue: str | None = None,
    shown_as: str = "intake",
    list_name: str | None = None,
    metadata: str | bytes | Mapping[str, Any] | None = None,
) -> int:
    """A quality-check item whose answer is known; analysts cannot tell it apart.

    It has the shape of the items it poses as: shown as a ``match`` it names a list
    (``list_name``, default the queue's target list) and carries a match on it like
    a real one; its ``metadata`` (a reported user, IP events) is what a real intake
    would carry."""
    require_senior(actor)
    if shown_as not in ("intake", "match"):
        raise InputError("a quality-check item is shown as 'intake' or 'match'")
    signals = _signals(data, env.settings.upload_max_pixels)
    matches: list[Match] = []
    scheme = None
    if shown_as == "match":
        matches = [_posed_match(env, queue, list_name, signals, known_answer)]
        list_name, scheme = matches[0].list_name, matches[0].scheme
    item = NewItem(
        shown_as,
        signals,
        filename,
        parse_metadata(metadata),
        queue=queue,
        list_name=list_name,
        scheme=scheme,
        matches=matches,
        quality=True,
        known_answer=known_answer,
    )
    return create_item(env, actor, data, item)


def _posed_match(
    env: ReviewEnv,
    queue: str | None,
    list_name: str | None,
    signals: FileSignals,
    known_answer: str,
) -> Match:
    """The match a quality-check item shown as a match carries: an exact MD5 match on
    the list a real one in its queue would name, against one of that list's entries."""
    with env.store.connect() as conn:
        if list_name is None:
            list_name = ensure_queue(conn, queue, env.settings).target_list
        if not list_name:
            raise InputError(
                "a quality check shown as a match needs a list (give one, or make the "
                "queue's target list)"
            )
        hash_list = store_lists.get_list(conn, str(list_name))
        entry = next(store_entries.iter_entries(conn, hash_list.id, batch=1), None)
    category = None if known_answer == NOT_ILLEGAL else known_answer
    return Match(
        hash_list.name,
        hash_list.id,
        entry.id if entry else 0,
        "md5",
        signals.md5,
        0,
        category,
        hash_list.scheme,
        None,
        None,
    )


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
    try:
        uid, path, wrapped = store_media(env.settings.home, env.keyring, src, item.uid)
    except FileExistsError:  # the same idempotent request: stored already, or under way
        assert item.uid is not None
        if not _take_over_stale_media(env, item.uid):
            return _same_request(env, item.uid)
        src.seek(0)
        uid, path, wrapped = store_media(env.settings.home, env.keyring, src, item.uid)
    try:
        return _insert(env, actor, item, media_type, uid, path, wrapped)
    except IntegrityError:
        if item.uid is None:
            raise
        return _same_request(env, item.uid)  # its media is the other request's: kept
    except BaseException:
        path.unlink(missing_ok=True)
        raise


#: An idempotent request's media without its row, older than this, was left by a
#: request that died (kill -9) between the two: a retry takes its place.
STALE_MEDIA_S = 60.0


def _take_over_stale_media(env: ReviewEnv, uid: str) -> bool:
    path = media_dir(env.settings.home) / f"{uid}.bin"
    if _existing(env, uid) is not None:
        return False
    try:
        if time.time() - path.stat().st_mtime < STALE_MEDIA_S:
            return False
    except FileNotFoundError:
        return True
    path.unlink(missing_ok=True)
    return True


def _same_request(env: ReviewEnv, uid: str) -> int:
    """The item of an idempotent request met a second time; if its first attempt
    stored the media but died before its row, the media is taken over."""
    found = _existing(env, uid)
    if found is None:
        raise ConflictError(
            "a request with this Idempotency-Key is under way (or died half way): "
            "send it again in a minute"
        )
    return found


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
