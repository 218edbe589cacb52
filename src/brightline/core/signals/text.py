"""The ``url`` and ``keyword`` signal types: list entries matched in text.

Their values are not computed from content: a query is a whole text (a message, a
post, a document) and the type's index finds the entries it contains. Each hit
carries ``found`` (the text as written there) and ``span`` (``[start, end)`` in
the text), which reach every JSON match row through ``IndexHit.extra``.

- ``url``: a page or a ``/*`` prefix, canonicalised (``core.text.urls``); links are
  found in the text with ``core.text.links`` and looked up by their canonical
  forms (``urls.lookup_keys``).
- ``keyword``: a word or phrase, stored in NFKC, case-folded, with single spaces;
  matched on skeletons (``core.text.fold``) by Aho–Corasick (``core.text.keywords``).

Both indexes save their entries (ids and values) as JSON with a SHA-256 and
rebuild their look-up structures on load.
"""

from __future__ import annotations

import functools
import hashlib
import json
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from brightline.core.signals.base import TEXT, IndexHit, SignalIndex, SignalTypeBase
from brightline.core.text.fold import keyword_variants
from brightline.core.text.keywords import KeywordMatcher
from brightline.core.text.links import find_links
from brightline.core.text.urls import MAX_URL, CanonicalUrl, lookup_keys, parse_entry
from brightline.errors import IndexCorruptError, InvalidKeywordError, shorten

#: Longest keyword (the entries table's value column).
MAX_KEYWORD = 512


class _TextIndexBase:
    """Entries by id, saved as JSON; subclasses keep their own look-up structure."""

    kind = ""

    def __init__(self) -> None:
        self.values: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.values)

    def add(self, ids: Sequence[int], values: Sequence[str]) -> None:
        for entry_id, value in zip(ids, values, strict=True):
            self.remove([int(entry_id)])
            self.values[int(entry_id)] = value
            self._add(int(entry_id), value)

    def remove(self, ids: Sequence[int]) -> None:
        for entry_id in ids:
            old = self.values.pop(int(entry_id), None)
            if old is not None:
                self._remove(int(entry_id), old)

    def _add(self, entry_id: int, value: str) -> None:
        raise NotImplementedError

    def _remove(self, entry_id: int, value: str) -> None:
        raise NotImplementedError

    def save(self, path: Path) -> None:
        body = json.dumps(sorted(self.values.items()), ensure_ascii=False)
        digest = hashlib.sha256(body.encode()).hexdigest()
        from brightline.core.index.base import temp_path  # loads NumPy: only when saving

        tmp = temp_path(path)
        tmp.write_text(json.dumps({"kind": self.kind, "sha256": digest, "entries": body}))
        tmp.replace(path)

    def load(self, path: Path) -> None:
        try:
            doc = json.loads(path.read_text())
            body = doc["entries"]
            if (
                doc["kind"] != self.kind
                or hashlib.sha256(body.encode()).hexdigest() != doc["sha256"]
            ):
                raise ValueError("kind or digest does not match")
            rows = [(int(i), str(v)) for i, v in json.loads(body)]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexCorruptError(f"cannot read {self.kind} index {path}: {exc}") from exc
        self.remove(list(self.values))
        self.add([i for i, _ in rows], [v for _, v in rows])


@functools.lru_cache(maxsize=65_536)
def _keys(url: CanonicalUrl) -> tuple[str, ...]:
    return tuple(lookup_keys(url))


class UrlIndex(_TextIndexBase):
    """URL entries by the canonical text they match (pages and prefixes alike)."""

    kind = "url"

    def __init__(self) -> None:
        super().__init__()
        self._by_key: dict[str, set[int]] = {}
        #: The entries each canonical URL matches, worked out once (links repeat in
        #: chat); emptied whenever an entry is added or removed.
        self._matched: dict[CanonicalUrl, tuple[int, ...]] = {}

    def _add(self, entry_id: int, value: str) -> None:
        self._matched.clear()
        self._by_key.setdefault(value, set()).add(entry_id)

    def _remove(self, entry_id: int, value: str) -> None:
        self._matched.clear()
        ids = self._by_key.get(value)
        if ids is not None:
            ids.discard(entry_id)
            if not ids:
                del self._by_key[value]

    def search(self, queries: Sequence[Sequence[str]], threshold: int) -> list[list[IndexHit]]:
        out: list[list[IndexHit]] = []
        for group in queries:
            hits: dict[int, IndexHit] = {}
            for text in group:
                for link in find_links(text) if self._by_key else ():
                    for entry_id in self._entries(link.url):
                        if entry_id not in hits:
                            extra = {"found": link.found, "span": [link.start, link.end]}
                            hits[entry_id] = IndexHit(entry_id, 0, extra)
            out.append(list(hits.values()))
        return out

    def _entries(self, url: CanonicalUrl) -> tuple[int, ...]:
        found = self._matched.get(url)
        if found is None:
            ids: dict[int, None] = {}  # in the order the keys give them
            for key in _keys(url):
                for entry_id in self._by_key.get(key, ()):
                    ids.setdefault(entry_id, None)
            found = tuple(ids)
            if len(self._matched) >= 65_536:
                self._matched.clear()
            self._matched[url] = found
        return found


class KeywordIndex(_TextIndexBase):
    """Keyword entries in an Aho–Corasick automaton (``KeywordMatcher``)."""

    kind = "keyword"

    def __init__(self) -> None:
        super().__init__()
        self.matcher = KeywordMatcher()

    def _add(self, entry_id: int, value: str) -> None:
        self.matcher.add(entry_id, value)

    def _remove(self, entry_id: int, value: str) -> None:
        self.matcher.remove(entry_id)

    def search(self, queries: Sequence[Sequence[str]], threshold: int) -> list[list[IndexHit]]:
        out: list[list[IndexHit]] = []
        for group in queries:
            hits: dict[int, IndexHit] = {}
            for text in group:
                for hit in self.matcher.find(text):
                    extra = {"found": hit.found, "span": [hit.start, hit.end]}
                    hits.setdefault(hit.entry_id, IndexHit(hit.entry_id, 0, extra))
            out.append(list(hits.values()))
        return out


class UrlSignal(SignalTypeBase):
    """A URL list entry: a page, or a prefix ending in ``/*`` (``core.text.urls``)."""

    name = "url"
    exact = False
    content_types = frozenset({TEXT})

    def normalize(self, value: str) -> str:
        return str(parse_entry(value))

    def build_index(self) -> SignalIndex:
        return UrlIndex()


class KeywordSignal(SignalTypeBase):
    """A keyword or phrase list entry, matched as whole words (``core.text.fold``)."""

    name = "keyword"
    exact = False
    content_types = frozenset({TEXT})

    def normalize(self, value: str) -> str:
        text = " ".join(unicodedata.normalize("NFKC", value).casefold().split())
        if "\x00" in text or len(text) > MAX_KEYWORD:
            raise InvalidKeywordError(f"keyword too long or with a NUL: {shorten(value)}")
        if not keyword_variants(text):
            raise InvalidKeywordError(f"keyword with no letters or digits: {shorten(value)}")
        return text

    def build_index(self) -> SignalIndex:
        return KeywordIndex()


URL = UrlSignal()
KEYWORD = KeywordSignal()

__all__ = ["KEYWORD", "MAX_URL", "URL", "KeywordIndex", "UrlIndex"]
