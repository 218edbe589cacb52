"""Video matching through the signal-type seam.

The ``vpdq`` type's index (``core.video.index.VpdqIndex``) is one the matcher keeps
like any other; its entries' frames live in ``store.video``, so this module gives
the matcher the type's change feed (``matching.register_change_reader``): each
changed video entry as its list's share thresholds, file MD5 and frames. A list's
shares are set with ``brightline list video`` (``services.video.lists``, which
re-feeds the list's video entries).

Two cross-type matches a video scan also makes (``attach_frame_matches``, called
from ``pipeline.match.match_results``):

- each frame of a video (or animation) against the image lists (a known image shown
  in a video): the PDQ match says which ``frame`` and ``timestamp``;
- an image against the listed videos' frames (``pdq:<hex>`` queries of the vPDQ
  index): the match says which ``listed_frame`` and ``listed_timestamp``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import Connection

from brightline.core.models import Match, ScanResult
from brightline.core.signals import vpdq
from brightline.core.signals.vpdq import VPDQ, VpdqFrame
from brightline.core.video.index import entry_value
from brightline.core.video.options import VideoOptions
from brightline.services.lists import matching
from brightline.services.lists.matching import HashMatcher, Query
from brightline.services.store import video as store_video
from brightline.services.store.entries import changes_since
from brightline.settings import Settings

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class VideoDefaults:
    query_share: float = vpdq.DEFAULT_QUERY_SHARE
    listed_share: float = vpdq.DEFAULT_LISTED_SHARE


_defaults = VideoDefaults()


def configure(settings: Settings) -> None:
    """Sampling, budgets and default shares from the settings (at the entry point)."""
    global _defaults
    VPDQ.options = VideoOptions(
        rate=settings.video_rate,
        max_pixels=settings.video_max_pixels,
        max_frames=settings.video_max_frames,
        max_seconds=settings.video_max_seconds,
    )
    _defaults = VideoDefaults(settings.video_query_share, settings.video_listed_share)


def defaults() -> VideoDefaults:
    return _defaults


def video_changes(conn: Connection, since: int) -> Iterator[tuple[int, str, bool]]:
    """The ``vpdq`` change feed: active entries with their frames, then removals."""
    changed = list(changes_since(conn, vpdq.NAME, since))
    active = [e for e, _, on in changed if on]
    shares = store_video.list_thresholds(conn)
    d = _defaults
    for start in range(0, len(active), _CHUNK):
        chunk = active[start : start + _CHUNK]
        frames = store_video.frames_of(conn, chunk)
        md5 = store_video.md5_of(conn, chunk)
        lists = store_video.lists_of(conn, chunk)
        for e in chunk:
            if frames.get(e):
                s = shares.get(int(lists[e]), (d.query_share, d.listed_share))
                yield e, entry_value(frames[e], s, md5.get(e)), True
    for e, _, on in changed:
        if not on:
            yield e, "", False


matching.register_change_reader(vpdq.NAME, video_changes)


def frames_of_result(result: ScanResult) -> list[VpdqFrame]:
    s = result.signals
    return [] if s is None or s.vpdq is None else s.vpdq


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


def attach_frame_matches(
    results: Sequence[ScanResult], matcher: HashMatcher, list_names: Sequence[str] | None
) -> None:
    """Video frames against image lists, images against listed videos' frames: one
    matcher call for the whole batch."""
    queries: list[Query] = []
    owners: list[tuple[int, VpdqFrame | None]] = []
    for i, result in enumerate(results):
        s = result.signals
        if s is None:
            continue
        for f in frames_of_result(result):
            queries.append(Query("pdq", f.pdq))
            owners.append((i, f))
        if s.pdq is not None and vpdq.NAME not in s.signals:
            queries.append(Query(vpdq.NAME, f"pdq:{s.pdq}"))
            owners.append((i, None))
    if not queries:
        return
    by_frame: dict[int, tuple[list[VpdqFrame], list[list[Match]]]] = {}
    for (i, frame), found in zip(owners, matcher.match(queries, list_names), strict=True):
        if frame is None:
            results[i].matches.extend(found)
        else:
            frames, matches = by_frame.setdefault(i, ([], []))
            frames.append(frame)
            matches.append(found)
    for i, (frames, matches) in by_frame.items():
        results[i].matches.extend(frames_in_image_lists(matches, frames))


#: Kept for callers of the earlier name.
attach_video_matches = attach_frame_matches
