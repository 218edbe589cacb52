"""Video entries from a folder, and lists written back out as vpdq files.

``brightline list import NAME FOLDER`` reads each file of the folder (recursively,
in name order) as one video: a ``vpdq`` tool file is read as it is; a video file
is hashed here (vPDQ at the configured rate, plus its MD5); the file's name without
its extension becomes the entry's ``source_id``. Any other list file in the folder
is read as usual.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from brightline.core import formats
from brightline.core.models import HashRecord
from brightline.core.signals import VIDEO, vpdq
from brightline.core.signals.content import HEAD_BYTES, content_type_of, sniff
from brightline.errors import FormatError, UsageError
from brightline.services.hashing import HashOptions, hash_path
from brightline.services.store import Store
from brightline.services.store import lists as store_lists
from brightline.services.store import video as store_video
from brightline.services.store.entries import iter_entries


def folder_records(
    folder: Path, opts: HashOptions | None = None
) -> Iterator[HashRecord | FormatError]:
    opts = opts or HashOptions()
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    if not files:
        raise UsageError(f"{folder} holds no files to import")
    for path in files:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
        if content_type_of(sniff(head)) == VIDEO:
            yield _hashed(path, opts)
            continue
        with open(path, "rb") as fh:
            for item in formats.read_records(fh, source=str(path)):
                if isinstance(item, HashRecord) and item.signal_type == vpdq.NAME:
                    item = item._replace(source_id=item.source_id or path.stem)
                yield item


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
