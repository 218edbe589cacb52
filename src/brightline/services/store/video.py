"""Frame hashes of listed videos (migration 0007).

A video entry is an ``entries`` row of signal type ``vpdq`` whose ``value`` is the
SHA-256 of its canonical frame text (``core.signals.vpdq.digest``), so the change
feed, enable/withdraw and delete work for it as for any entry; its frames live
here, keyed by entry id, and go when the entry goes (ON DELETE CASCADE). The file's
MD5 is kept when it is known (a video hashed here, not a vpdq file).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Table,
    and_,
    select,
    update,
)

from brightline.core.models import Entry
from brightline.core.signals import vpdq
from brightline.core.signals.vpdq import VpdqFrame
from brightline.services.store.tables import Id, entries, metadata

video_entries = Table(
    "video_entries",
    metadata,
    Column("entry_id", Id, ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True),
    Column("md5", String(32), index=True),
    Column("frame_count", Integer, nullable=False),
    Column("duration", Float, nullable=False),
)

video_frames = Table(
    "video_frames",
    metadata,
    Column(
        "entry_id",
        Id,
        ForeignKey("entries.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("ordinal", Integer, primary_key=True, autoincrement=False),
    Column("frame", BigInteger, nullable=False),
    Column("quality", SmallInteger, nullable=False),
    Column("pdq", String(64), nullable=False),
    Column("timestamp", Float, nullable=False),
)

# Per-list video thresholds; a list without a row uses the settings' defaults.
video_list_settings = Table(
    "video_list_settings",
    metadata,
    Column("list_id", Id, ForeignKey("hash_lists.id", ondelete="CASCADE"), primary_key=True),
    Column("query_share", Float, nullable=False),
    Column("listed_share", Float, nullable=False),
)


#: ``(signal_type, value, category, source_id, note)`` (``entries.EntryRow``).
EntryRow = tuple[str, str, str | None, str | None, str | None]


@dataclass(frozen=True, slots=True)
class PendingVideo:
    """Frames of a video row on its way into a list (what ``split_rows`` took out)."""

    digest: str
    frames: list[VpdqFrame]
    md5: str | None = None


def split_rows(rows: Sequence[EntryRow]) -> tuple[list[EntryRow], list[PendingVideo]]:
    """Replace each vpdq row's frame text by its digest; the frames come back aside.

    ``value`` of a vpdq row is canonical frame text, optionally prefixed ``md5:<hex>|``.
    """
    out: list[EntryRow] = []
    videos: list[PendingVideo] = []
    for row in rows:
        if row[0] != vpdq.NAME:
            out.append(row)
            continue
        md5, text = split_md5(row[1])
        frames = vpdq.parse(text)
        key = vpdq.digest(frames)
        videos.append(PendingVideo(key, frames, md5))
        out.append((row[0], key, *row[2:]))
    return out, videos


def entry_value(signal_type: str, value: str) -> str:
    """The value an entry is stored under: a video's digest, anything else as it is."""
    if signal_type != vpdq.NAME:
        return value
    return vpdq.digest(vpdq.parse(split_md5(value)[1]))


def split_md5(value: str) -> tuple[str | None, str]:
    if value.startswith("md5:") and "|" in value:
        head, text = value.split("|", 1)
        return head[4:], text
    return None, value


def store_frames(conn: Connection, list_id: int, videos: Iterable[PendingVideo]) -> None:
    """Write the frames of entries just upserted (those that have none yet)."""
    pending = {v.digest: v for v in videos}
    if not pending:
        return
    query = (
        select(entries.c.id, entries.c.value)
        .outerjoin(video_entries, video_entries.c.entry_id == entries.c.id)
        .where(
            entries.c.list_id == list_id,
            entries.c.signal_type == vpdq.NAME,
            entries.c.value.in_(list(pending)),
            video_entries.c.entry_id.is_(None),
        )
    )
    heads: list[dict[str, object]] = []
    frames: list[dict[str, object]] = []
    for entry_id, value in conn.execute(query):
        v = pending[value]
        duration = max((f.timestamp for f in v.frames), default=0.0)
        heads.append(
            {"entry_id": entry_id, "md5": v.md5, "frame_count": len(v.frames), "duration": duration}
        )
        frames.extend(
            {
                "entry_id": entry_id,
                "ordinal": i,
                "frame": f.frame,
                "quality": f.quality,
                "pdq": f.pdq,
                "timestamp": f.timestamp,
            }
            for i, f in enumerate(v.frames)
        )
    if heads:
        conn.execute(video_entries.insert(), heads)
        conn.execute(video_frames.insert(), frames)


def frames_of(conn: Connection, entry_ids: Iterable[int]) -> dict[int, list[VpdqFrame]]:
    """Frames of each entry, in order."""
    wanted = sorted(set(entry_ids))
    out: dict[int, list[VpdqFrame]] = {e: [] for e in wanted}
    for start in range(0, len(wanted), 500):
        query = (
            select(video_frames)
            .where(video_frames.c.entry_id.in_(wanted[start : start + 500]))
            .order_by(video_frames.c.entry_id, video_frames.c.ordinal)
        )
        for r in conn.execute(query):
            out[int(r.entry_id)].append(
                VpdqFrame(int(r.frame), int(r.quality), str(r.pdq), float(r.timestamp))
            )
    return out


def md5_of(conn: Connection, entry_ids: Iterable[int]) -> dict[int, str]:
    query = select(video_entries.c.entry_id, video_entries.c.md5).where(
        video_entries.c.entry_id.in_(sorted(set(entry_ids))), video_entries.c.md5.is_not(None)
    )
    return {int(e): str(m) for e, m in conn.execute(query)}


def with_frames(conn: Connection, items: Iterable[Entry], batch: int = 200) -> Iterator[Entry]:
    """Entries as they are, but video entries' values replaced by their frames
    (pytx's JSON, which import reads back)."""
    pending: list[Entry] = []

    def flush() -> Iterator[Entry]:
        ids = [e.id for e in pending if e.signal_type == vpdq.NAME]
        frames = frames_of(conn, ids) if ids else {}
        for e in pending:
            if e.signal_type == vpdq.NAME and frames.get(e.id):
                e = replace(e, value=vpdq.to_pytx(frames[e.id]))
            yield e
        pending.clear()

    for entry in items:
        pending.append(entry)
        if len(pending) >= batch:
            yield from flush()
    yield from flush()


def lists_of(conn: Connection, entry_ids: Sequence[int]) -> dict[int, int]:
    """``{entry id: list id}``."""
    query = select(entries.c.id, entries.c.list_id).where(entries.c.id.in_(list(entry_ids)))
    return {int(e): int(hl) for e, hl in conn.execute(query)}


def touch_list_videos(conn: Connection, list_id: int, rev: int) -> None:
    """Give a list's video entries a new revision (they come again in the change feed)."""
    conn.execute(
        update(entries)
        .where(entries.c.list_id == list_id, entries.c.signal_type == "vpdq")
        .values(rev=rev)
    )


def list_thresholds(conn: Connection) -> dict[int, tuple[float, float]]:
    """``list id -> (query share, listed share)`` for lists that set their own."""
    rows = conn.execute(select(video_list_settings))
    return {int(r.list_id): (float(r.query_share), float(r.listed_share)) for r in rows}


def set_list_thresholds(
    conn: Connection, list_id: int, query_share: float, listed_share: float
) -> None:
    cond = and_(video_list_settings.c.list_id == list_id)
    conn.execute(video_list_settings.delete().where(cond))
    conn.execute(
        video_list_settings.insert().values(
            list_id=list_id, query_share=query_share, listed_share=listed_share
        )
    )
