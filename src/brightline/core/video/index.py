"""The ``vpdq`` signal index: every listed video's frames in one MIH index.

Each frame sits in the fast PDQ index under ``entry_id << 24 | ordinal``: the id is
the frame -> video mapping. Values come from the video change feed
(``services.video.matching``) as ``"<query share>,<listed share>,<md5>|<frames>"``:
the entry's list's share thresholds, its file MD5 (may be empty) and its canonical
frame text. A query group (``VpdqSignal.query_values``) is a video's frames (vpdq
lines or canonical text, with ``md5:<hex>``), or ``pdq:<hex>``: an image looked for
among the listed videos' frames. Hits carry ``Match.extra``: ``query_share``,
``listed_share``, ``matched_frames``, ``ranges`` (``md5`` for a byte-identical
copy), or ``listed_frame``/``listed_timestamp`` for an image.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from brightline.core.index.base import hex_to_rows, temp_path
from brightline.core.index.mih import MihIndex
from brightline.core.signals import vpdq
from brightline.core.signals.base import IndexHit
from brightline.core.signals.vpdq import VpdqFrame
from brightline.core.video.compare import Pair, compare, is_match
from brightline.errors import IndexCorruptError, InvalidHashError

_SHIFT = 24
_ORDINALS = (1 << _SHIFT) - 1


class VpdqIndex:
    """``SignalIndex`` of video entries (see the module docstring)."""

    def __init__(self) -> None:
        self.index = MihIndex()
        self.frames: dict[int, list[VpdqFrame]] = {}
        self.shares: dict[int, tuple[float, float]] = {}
        self.md5: dict[int, str] = {}
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self.index)

    @property
    def counts(self) -> dict[int, int]:
        """Frames held per entry."""
        return {e: len(f) for e, f in self.frames.items()}

    def add(self, ids: Sequence[int], values: Sequence[str]) -> None:
        self.remove([e for e in ids if e in self.frames])
        new_ids: list[int] = []
        pdqs: list[str] = []
        for entry_id, value in zip(ids, values, strict=True):
            parsed = _entry(value)
            if parsed is None:
                continue
            (qs, ls, md5), frames = parsed
            self.frames[entry_id], self.shares[entry_id] = frames, (qs, ls)
            if md5:
                self.md5[entry_id] = md5
            new_ids.extend((entry_id << _SHIFT) | i for i in range(len(frames)))
            pdqs.extend(f.pdq for f in frames)
        if new_ids:
            with self._lock:
                self.index.add(np.asarray(new_ids, np.int64), hex_to_rows(pdqs))

    def remove(self, ids: Sequence[int]) -> None:
        gone = [e for e in ids if e in self.frames]
        if not gone:
            return
        parts = [(e << _SHIFT) + np.arange(len(self.frames[e]), dtype=np.int64) for e in gone]
        with self._lock:
            self.index.remove(np.concatenate(parts))
        for e in gone:
            del self.frames[e]
            self.shares.pop(e, None)
            self.md5.pop(e, None)

    # -- searching ------------------------------------------------------------------

    def search(self, queries: Sequence[Sequence[str]], threshold: int) -> list[list[IndexHit]]:
        return [self._search_one(group, threshold) for group in queries]

    def _search_one(self, group: Sequence[str], threshold: int) -> list[IndexHit]:
        frames, md5, image = _query(group)
        if image is not None:
            return self._image(image, threshold)
        hits = self._video(frames, threshold) if frames else []
        if md5:
            seen = {h.entry_id for h in hits}
            extra = {"query_share": 1.0, "listed_share": 1.0, "md5": md5}
            hits.extend(
                IndexHit(e, 0, dict(extra))
                for e, m in sorted(self.md5.items())
                if m == md5 and e not in seen
            )
        return hits

    def _pairs(self, pdqs: list[str], threshold: int) -> list[tuple[int, int, int, int]]:
        if not pdqs or not len(self.index):
            return []
        with self._lock:
            hits = self.index.search(hex_to_rows(pdqs), threshold)
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

    def _video(self, frames: list[VpdqFrame], threshold: int) -> list[IndexHit]:
        by_entry: dict[int, list[Pair]] = {}
        for q, entry_id, ordinal, dist in self._pairs([f.pdq for f in frames], threshold):
            by_entry.setdefault(entry_id, []).append((q, ordinal, dist))
        out = []
        for entry_id, pairs in sorted(by_entry.items()):
            listed = self.frames.get(entry_id)
            if not listed:
                continue
            c = compare(frames, listed, pairs)
            if is_match(c, *self.shares[entry_id]):
                out.append(IndexHit(entry_id, c.distance, c.as_extra()))
        return out

    def _image(self, pdq: str, threshold: int) -> list[IndexHit]:
        best: dict[int, tuple[int, int]] = {}
        for _, entry_id, ordinal, dist in self._pairs([pdq], threshold):
            if entry_id not in best or dist < best[entry_id][0]:
                best[entry_id] = (dist, ordinal)
        out = []
        for entry_id, (dist, ordinal) in sorted(best.items()):
            f = self.frames[entry_id][ordinal]
            extra = {"listed_frame": f.frame, "listed_timestamp": f.timestamp}
            out.append(IndexHit(entry_id, dist, extra))
        return out

    # -- persistence ----------------------------------------------------------------

    def save(self, path: Path) -> None:
        entries = sorted(self.frames)
        frames = [f for e in entries for f in self.frames[e]]
        tmp = temp_path(path)
        with open(tmp, "wb") as fh:
            np.savez(
                fh,
                entries=np.asarray(entries, np.int64),
                counts=np.asarray([len(self.frames[e]) for e in entries], np.int64),
                shares=np.asarray([self.shares[e] for e in entries], np.float64).reshape(-1, 2),
                md5=np.asarray([self.md5.get(e, "") for e in entries], "U32"),
                number=np.asarray([f.frame for f in frames], np.int64),
                quality=np.asarray([f.quality for f in frames], np.int16),
                time=np.asarray([f.timestamp for f in frames], np.float64),
                pdq=hex_to_rows([f.pdq for f in frames]),
            )
        tmp.replace(path)

    def load(self, path: Path) -> None:
        try:
            with np.load(path, allow_pickle=False) as z:
                entries, counts, shares = z["entries"], z["counts"], z["shares"]
                md5, number, quality, time, pdq = (
                    z["md5"], z["number"], z["quality"], z["time"], z["pdq"],
                )  # fmt: skip
        except (OSError, ValueError, KeyError) as exc:
            raise IndexCorruptError(f"cannot read video index {path}: {exc}") from exc
        if int(counts.sum()) != len(number) or len(entries) != len(shares):
            raise IndexCorruptError(f"video index {path} is inconsistent")
        fresh = VpdqIndex()
        at = 0
        ids: list[int] = []
        for i, e in enumerate(entries.tolist()):
            n = int(counts[i])
            fresh.frames[e] = [
                VpdqFrame(int(number[j]), int(quality[j]), bytes(pdq[j]).hex(), float(time[j]))
                for j in range(at, at + n)
            ]
            fresh.shares[e] = (float(shares[i][0]), float(shares[i][1]))
            if md5[i]:
                fresh.md5[e] = str(md5[i])
            ids.extend((e << _SHIFT) | k for k in range(n))
            at += n
        if ids:
            fresh.index.add(np.asarray(ids, np.int64), np.ascontiguousarray(pdq))
        with self._lock:
            self.index, self.frames = fresh.index, fresh.frames
            self.shares, self.md5 = fresh.shares, fresh.md5


def entry_value(frames: Sequence[VpdqFrame], shares: tuple[float, float], md5: str | None) -> str:
    """What the video change feed gives the index for one entry."""
    return f"{shares[0]},{shares[1]},{md5 or ''}|{vpdq.to_text(frames)}"


def _entry(value: str) -> tuple[tuple[float, float, str], list[VpdqFrame]] | None:
    head, sep, text = value.partition("|")
    parts = head.split(",")
    if not sep or len(parts) != 3:
        return None  # not from the video feed (a bare digest): nothing to index
    try:
        return (float(parts[0]), float(parts[1]), parts[2]), vpdq.parse(text)
    except (ValueError, InvalidHashError):
        return None


def _query(group: Sequence[str]) -> tuple[list[VpdqFrame], str | None, str | None]:
    """A query group's frames, file MD5 and (for an image) PDQ hash."""
    frames: list[VpdqFrame] = []
    md5 = None
    for value in group:
        if value.startswith("pdq:"):
            return [], None, value[4:].lower()
        if value.startswith("md5:"):
            head, sep, value = value.partition("|")
            md5 = head[4:].lower()
            if not sep:
                continue
        if "," not in value:
            continue  # the digest a computed signal is known by
        try:
            frames.extend(vpdq.parse(value))
        except InvalidHashError:
            continue
    return frames, md5, None
