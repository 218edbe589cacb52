"""Matching videos: a frame index over every listed video, vPDQ shares and ranges.

Every frame of every active video entry sits in one MIH index (the fast PDQ index)
under the id ``entry_id << 24 | ordinal``: the id is the frame → video mapping, no
table needed. The index follows the change feed of ``vpdq`` entries as the PDQ
index does (``rev`` above the last seen, tombstones for removals), so a video added
to a list is matchable after the next refresh.

What this module adds to matching (``attach_video_matches``, called from
``services.scan.attach_matches``):

- a video (or animation) against listed videos: ``query_share``, ``listed_share``
  and ``ranges`` on each match (``core.video.compare``), per-list share thresholds;
- each of its frames against the image lists (a known image shown in a video): the
  PDQ match says which frame and when;
- an image against listed videos' frames: the match says which listed frame.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import Connection

from brightline.core.index.base import hex_to_rows, temp_path
from brightline.core.index.mih import MihIndex
from brightline.core.models import Match, ScanResult
from brightline.core.signals import vpdq
from brightline.core.signals.vpdq import VpdqFrame
from brightline.core.video.compare import Pair, compare, is_match
from brightline.errors import IndexCorruptError
from brightline.services.store import Store
from brightline.services.store import video as store_video
from brightline.services.store.entries import EntryHit, active_entries_by_id, changes_since

if TYPE_CHECKING:
    from brightline.services.matching import Matcher

log = logging.getLogger(__name__)

_SHIFT = 24
_FILE = re.compile(r"^vpdq-(?P<instance>\d+)-(?P<rev>\d+)\.(?P<ext>idx|counts\.npy)$")
_ORDINALS = (1 << _SHIFT) - 1


@dataclass(frozen=True, slots=True)
class VideoDefaults:
    query_share: float = vpdq.DEFAULT_QUERY_SHARE
    listed_share: float = vpdq.DEFAULT_LISTED_SHARE


class VideoIndex:
    """Frames of every active video entry; thread-safe searches."""

    def __init__(self, store: Store, defaults: VideoDefaults | None = None) -> None:
        self.store = store
        self.defaults = defaults or VideoDefaults()
        self.index = MihIndex()
        self.counts: dict[int, int] = {}
        self.rev = 0
        self._lock = threading.RLock()
        self._thresholds: dict[int, tuple[float, float]] = {}

    def __len__(self) -> int:
        return len(self.index)

    def refresh(self, conn: Connection, head: int) -> int:
        """Apply video entries changed since the last refresh; returns how many."""
        self._thresholds = store_video.list_thresholds(conn)
        if head == self.rev:
            return 0
        add: list[int] = []
        gone: list[int] = []
        for entry_id, _value, active in changes_since(conn, vpdq.NAME, self.rev):
            (add if active else gone).append(entry_id)
        frames = store_video.frames_since(conn, add)
        with self._lock:
            stale = [e for e in (*gone, *add) if e in self.counts]
            if stale:
                self.index.remove(_ids_of(stale, self.counts))
                for e in stale:
                    del self.counts[e]
            if frames:
                ids = np.asarray([(e << _SHIFT) | o for e, o, _ in frames], np.int64)
                self.index.add(ids, hex_to_rows([p for _, _, p in frames]))
                for e, _, _ in frames:
                    self.counts[e] = self.counts.get(e, 0) + 1
            self.rev = head
        return len(add) + len(gone)

    # -- persistence: ``vpdq-<instance>-<rev>.idx`` plus its frame counts ------------

    def save(self, folder: Path, instance: int) -> None:
        """Write the index and its per-entry frame counts (atomically, each)."""
        with self._lock:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"vpdq-{instance}-{self.rev}.idx"
            self.index.save(path)
            counts = folder / f"vpdq-{instance}-{self.rev}.counts.npy"
            tmp = temp_path(counts)
            with open(tmp, "wb") as fh:
                np.save(fh, np.asarray(sorted(self.counts.items()), np.int64).reshape(-1, 2))
            tmp.replace(counts)
            for old in folder.iterdir():
                m = _FILE.match(old.name)
                if m and int(m["rev"]) < self.rev and int(m["instance"]) == instance:
                    old.unlink(missing_ok=True)

    def load(self, folder: Path, instance: int) -> bool:
        """Load the newest saved index of this database; False when there is none."""
        if not folder.is_dir():
            return False
        found = []
        for path in folder.iterdir():
            m = _FILE.match(path.name)
            if m and m["ext"] == "idx" and int(m["instance"]) == instance:
                found.append((int(m["rev"]), path))
        for rev, path in sorted(found, reverse=True):
            try:
                index = MihIndex.load(path)
                pairs = np.load(path.with_name(f"vpdq-{instance}-{rev}.counts.npy"))
            except (IndexCorruptError, OSError, ValueError) as exc:
                log.warning("ignoring damaged video index %s: %s", path, exc)
                continue
            with self._lock:
                self.index, self.rev = index, rev
                self.counts = {int(e): int(n) for e, n in pairs.tolist()}
            return True
        return False

    def thresholds(self, list_id: int) -> tuple[float, float]:
        d = self.defaults
        return self._thresholds.get(list_id, (d.query_share, d.listed_share))

    def search(self, pdqs: Sequence[str], radius: int) -> list[tuple[int, int, int, int]]:
        """``(query row, entry id, ordinal, distance)`` for frames within ``radius``."""
        if not pdqs or not len(self.index):
            return []
        with self._lock:
            hits = self.index.search(hex_to_rows(list(pdqs)), radius)
        ids = hits.ids
        return list(
            zip(
                hits.query.tolist(),
                (ids >> _SHIFT).tolist(),
                (ids & _ORDINALS).tolist(),
                hits.distances.tolist(),
                strict=True,
            )
        )


def _ids_of(entries: Sequence[int], counts: dict[int, int]) -> np.ndarray:
    parts = [(e << _SHIFT) + np.arange(counts[e], dtype=np.int64) for e in entries]
    return np.concatenate(parts) if parts else np.empty(0, np.int64)


# -- matching ------------------------------------------------------------------


def match_video(
    video: VideoIndex,
    frames: Sequence[VpdqFrame],
    radius: int,
    list_ids: Sequence[int] | None,
) -> list[Match]:
    """Listed videos matching a query video (vPDQ shares), best first."""
    hits = video.search([f.pdq for f in frames], radius)
    if not hits:
        return []
    by_entry: dict[int, list[Pair]] = {}
    for q, entry_id, ordinal, dist in hits:
        by_entry.setdefault(entry_id, []).append((q, ordinal, dist))
    with video.store.connect() as conn:
        entries = {h.entry.id: h for h in active_entries_by_id(conn, by_entry, list_ids)}
        listed = store_video.frames_of(conn, entries)
    out = []
    for entry_id, pairs in by_entry.items():
        hit = entries.get(entry_id)
        if hit is None:
            continue
        kept = [p for p in pairs if p[2] <= hit.hash_list.pdq_threshold]
        c = compare(frames, listed[entry_id], kept)
        if is_match(c, *video.thresholds(hit.hash_list.id)):
            out.append(_to_match(hit, c.distance, c.as_extra()))
    out.sort(key=lambda m: (-_share(m), m.list_name, m.entry_id))
    return out


def match_image_in_videos(
    video: VideoIndex, pdq: str, radius: int, list_ids: Sequence[int] | None
) -> list[Match]:
    """Listed videos one of whose frames an image matches (the nearest frame each)."""
    best: dict[int, tuple[int, int]] = {}
    for _, entry_id, ordinal, dist in video.search([pdq], radius):
        if entry_id not in best or dist < best[entry_id][0]:
            best[entry_id] = (dist, ordinal)
    if not best:
        return []
    with video.store.connect() as conn:
        entries = {h.entry.id: h for h in active_entries_by_id(conn, best, list_ids)}
        listed = store_video.frames_of(conn, entries)
    out = []
    for entry_id, (dist, ordinal) in best.items():
        hit = entries.get(entry_id)
        if hit is None or dist > hit.hash_list.pdq_threshold:
            continue
        f = listed[entry_id][ordinal]
        extra: dict[str, object] = {"listed_frame": f.frame, "listed_timestamp": f.timestamp}
        out.append(_to_match(hit, dist, extra))
    return out


def _same_file(
    video: VideoIndex, md5: str, found: Sequence[Match], list_ids: Sequence[int] | None
) -> list[Match]:
    """Listed videos whose file MD5 is this file's (a byte-identical copy), unless its
    frames matched them already."""
    with video.store.connect() as conn:
        ids = store_video.entries_by_md5(conn, [md5]).get(md5, [])
        hits = active_entries_by_id(conn, ids, list_ids) if ids else []
    seen = {(m.list_id, m.entry_id) for m in found}
    extra: dict[str, object] = {"query_share": 1.0, "listed_share": 1.0, "md5": md5}
    return [_to_match(h, 0, extra) for h in hits if (h.hash_list.id, h.entry.id) not in seen]


def frames_in_image_lists(
    pdq_matches: Sequence[list[Match]], frames: Sequence[VpdqFrame]
) -> list[Match]:
    """Image-list matches of a video's frames, one per entry (its first frame)."""
    out: dict[tuple[int, int], Match] = {}
    for frame, found in zip(frames, pdq_matches, strict=True):
        for m in found:
            key = (m.list_id, m.entry_id)
            if key not in out:
                extra: dict[str, object] = {"frame": frame.frame, "timestamp": frame.timestamp}
                out[key] = replace(m, extra=extra)
    return list(out.values())


def attach_video_matches(
    results: Sequence[ScanResult], matcher: Matcher, list_names: Sequence[str] | None
) -> None:
    """Video-side matches for a batch of scan results (see the module docstring)."""
    from brightline.services.matching import Query  # the matcher imports this module

    for result in results:
        s = result.signals
        if s is None:
            continue
        list_ids = matcher.list_ids(list_names)
        radius = matcher.max_threshold(list_ids)
        if s.vpdq:
            result.matches.extend(match_video(matcher.video, s.vpdq, radius, list_ids))
            found = matcher.match([Query("pdq", f.pdq) for f in s.vpdq], list_names)
            result.matches.extend(frames_in_image_lists(found, s.vpdq))
        if s.media_type is not None and s.media_type.startswith("video/"):
            result.matches.extend(_same_file(matcher.video, s.md5, result.matches, list_ids))
        if s.pdq is not None:
            result.matches.extend(match_image_in_videos(matcher.video, s.pdq, radius, list_ids))


def _share(m: Match) -> float:
    extra = m.extra or {}
    shares = (extra.get("query_share"), extra.get("listed_share"))
    return max(float(x) for x in shares if isinstance(x, (int, float))) if any(shares) else 0.0


def _to_match(hit: EntryHit, distance: int, extra: dict[str, object]) -> Match:
    e, hl = hit.entry, hit.hash_list
    return Match(
        list_name=hl.name,
        list_id=hl.id,
        entry_id=e.id,
        signal_type=e.signal_type,
        value=e.value,
        distance=distance,
        category=e.category,
        scheme=hl.scheme,
        source=e.source,
        source_id=e.source_id,
        extra=extra,
    )
