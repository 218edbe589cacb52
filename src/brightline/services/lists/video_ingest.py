"""Entries from pictures and videos (a folder, or files), and lists written back out
as vpdq files.

``brightline list import NAME FOLDER`` (or ``FILE…``) reads each file (folders
recursively, in name order): a picture is hashed with every signal type that applies
to it (MD5, SHA-1, SHA-256 and PDQ when its quality is enough to match on), one
entry each; a ``vpdq`` tool file is read as it is; a video file is hashed here
(vPDQ at the configured rate, plus its MD5). The file's name without its extension
becomes each entry's ``source_id`` (the entries of one picture belong together),
``category`` is the one given for the import, and any other list file is read as
usual.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from brightline.core import formats
from brightline.core.models import HashRecord
from brightline.core.signals import PHOTO, VIDEO, vpdq
from brightline.core.signals.content import HEAD_BYTES, content_type_of, sniff
from brightline.core.signals.pdq import MIN_QUALITY as PDQ_MIN_QUALITY
from brightline.errors import FormatError, UsageError
from brightline.services.hashing import HashOptions, hash_path
from brightline.services.store import Store
from brightline.services.store import lists as store_lists
from brightline.services.store import video as store_video
from brightline.services.store.entries import iter_entries


def folder_records(
    folder: Path, opts: HashOptions | None = None, category: str | None = None
) -> Iterator[HashRecord | FormatError]:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    if not files:
        raise UsageError(f"{folder} holds no files to import")
    return content_records(files, opts, category)


def is_media(path: Path) -> bool:
    """Whether ``path`` is a picture or a video (by its first bytes), not a list file."""
    with open(path, "rb") as fh:
        return content_type_of(sniff(fh.read(HEAD_BYTES))) in (PHOTO, VIDEO)


def content_records(
    files: list[Path], opts: HashOptions | None = None, category: str | None = None
) -> Iterator[HashRecord | FormatError]:
    """The records of ``files``: pictures and videos hashed, list files read."""
    opts = opts or HashOptions()
    for path in files:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
        kind = content_type_of(sniff(head))
        if kind == VIDEO:
            yield _with_category(_hashed(path, opts), category)
            continue
        if kind == PHOTO:
            yield from picture_records(path, opts, category)
            continue
        with open(path, "rb") as fh:
            for item in formats.read_records(fh, source=str(path)):
                if isinstance(item, HashRecord) and item.signal_type == vpdq.NAME:
                    item = item._replace(source_id=item.source_id or path.stem)
                yield item


def picture_records(
    path: Path, opts: HashOptions, category: str | None = None
) -> Iterator[HashRecord | FormatError]:
    """One record per signal type of the picture at ``path``; a picture that cannot be
    decoded is one error (its digests alone would match only this exact file; the
    list owner should know)."""
    result = hash_path(path, opts)
    s = result.signals
    if s is None or result.error:
        yield FormatError(result.error or "the picture could not be hashed", None, str(path))
        return
    for name, found in s.signals.items():
        if name == "pdq" and (found.quality or 0) < PDQ_MIN_QUALITY:
            continue  # too flat to match on: it would match unrelated pictures
        note = f"from {path.name}"
        yield HashRecord(name, found.value, category, path.stem, note, str(path))


def _with_category(
    record: HashRecord | FormatError, category: str | None
) -> HashRecord | FormatError:
    if isinstance(record, HashRecord) and category and not record.category:
        return record._replace(category=category)
    return record


def _hashed(path: Path, opts: HashOptions) -> HashRecord | FormatError:
    result = hash_path(path, opts)
    s = result.signals
    if s is None or not s.vpdq:
        return FormatError(result.error or "no frame of the video could be hashed", None, str(path))
    value = f"md5:{s.md5}|{vpdq.to_text(s.vpdq)}"
    return HashRecord(vpdq.NAME, value, source_id=path.stem, location=str(path))


def export_vpdq_folder(store: Store, list_name: str, folder: Path) -> int:
    """Write each video entry of a list as ``<source_id or entry id>.txt``."""
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    with store.connect() as conn:
        hash_list = store_lists.get_list(conn, list_name, count=False)
        videos = [e for e in iter_entries(conn, hash_list.id) if e.signal_type == vpdq.NAME]
        frames = store_video.frames_of(conn, [e.id for e in videos])
    for e in videos:
        name = _safe(e.source_id) or f"entry-{e.id}"
        (folder / f"{name}.txt").write_text(vpdq.to_vpdq_file(frames.get(e.id, [])))
        count += 1
    return count


def _safe(name: str | None) -> str | None:
    if not name:
        return None
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip(".")
    return cleaned[:200] or None
