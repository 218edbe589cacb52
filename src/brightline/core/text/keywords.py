"""Finding a list's keywords in text: Aho–Corasick over skeletons (``fold``).

Every keyword is folded to its skeleton variants; each is put in one automaton
(``ahocorasick_rs``, a Rust Aho–Corasick: its overlapping scan runs about twice as
fast as pyahocorasick's) as `` variant `` (a space either side), and the text's
skeleton is searched with a space either side, so only whole words and phrases are
found. An ASCII skeleton (the common case) is scanned as bytes. A hit
is mapped back to the original text's span. ``brute_force_find`` is the oracle the
automaton is tested against: the same skeletons compared at every position.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from brightline.core.text.fold import Folded, fold, keyword_variants


@dataclass(frozen=True, slots=True)
class KeywordHit:
    """A keyword entry found in text: where (in the original text) and as what."""

    entry_id: int
    start: int
    end: int
    found: str


class KeywordMatcher:
    """Keyword entries by id; ``find`` reports every whole-word occurrence."""

    def __init__(self) -> None:
        self.values: dict[int, str] = {}
        self._by_skeleton: dict[str, set[int]] = {}
        self._automaton: Any = None
        self._dirty = False

    def __len__(self) -> int:
        return len(self.values)

    def add(self, entry_id: int, value: str) -> None:
        self.remove(entry_id)
        self.values[entry_id] = value
        for variant in keyword_variants(value):
            self._by_skeleton.setdefault(variant, set()).add(entry_id)
        self._dirty = True

    def remove(self, entry_id: int) -> None:
        old = self.values.pop(entry_id, None)
        if old is None:
            return
        for variant in keyword_variants(old):
            ids = self._by_skeleton.get(variant)
            if ids is not None:
                ids.discard(entry_id)
                if not ids:
                    del self._by_skeleton[variant]
        self._dirty = True

    def find(self, text: str) -> list[KeywordHit]:
        """Every occurrence of every entry, in order of position."""
        if not self._by_skeleton or not text:
            return []
        folded = fold(text)
        padded = f" {folded.skeleton} "
        keys, by_str, by_bytes = self._built()
        if padded.isascii():  # byte offsets are character offsets
            found = by_bytes.find_matches_as_indexes(padded.encode("ascii"), overlapping=True)
        else:
            found = by_str.find_matches_as_indexes(padded, overlapping=True)
        hits: list[KeywordHit] = []
        for index, start, end in found:
            # ``start`` is the leading space's index in ``padded``, which is offset by
            # one from the skeleton: the keyword's skeleton is ``[start, end - 2)``.
            key = keys[index]
            hits.extend(_hits(folded, self._by_skeleton.get(key, ()), start, end - 2))
        return sorted(set(hits), key=lambda h: (h.start, h.end, h.entry_id))

    def _built(self) -> tuple[list[str], Any, Any]:
        if self._automaton is None or self._dirty:
            import ahocorasick_rs as ac

            keys = list(self._by_skeleton)
            patterns = [f" {key} " for key in keys]
            standard, dfa = ac.MatchKind.Standard, ac.Implementation.DFA
            by_str = ac.AhoCorasick(patterns, matchkind=standard, implementation=dfa)
            ascii_keys = [i for i, p in enumerate(patterns) if p.isascii()]
            by_bytes = _Bytes(
                ac.BytesAhoCorasick(
                    [patterns[i].encode("ascii") for i in ascii_keys],
                    matchkind=standard,
                    implementation=dfa,
                ),
                ascii_keys,
            )
            self._automaton, self._dirty = (keys, by_str, by_bytes), False
        return self._automaton  # type: ignore[no-any-return]


class _Bytes:
    """The ASCII keys' automaton over bytes (an ASCII skeleton holds only those),
    reporting the indexes of the full key list."""

    def __init__(self, automaton: Any, indexes: list[int]):
        self.automaton = automaton
        self.indexes = indexes

    def find_matches_as_indexes(self, data: bytes, overlapping: bool) -> list[tuple[int, int, int]]:
        found = self.automaton.find_matches_as_indexes(data, overlapping=overlapping)
        return [(self.indexes[i], start, end) for i, start, end in found]


def _hits(folded: Folded, ids: Iterable[int], start: int, end: int) -> Iterator[KeywordHit]:
    o_start, o_end = folded.span(start, end)
    found = folded.text[o_start:o_end]
    for entry_id in ids:
        yield KeywordHit(entry_id, o_start, o_end, found)


def brute_force_find(entries: Mapping[int, str], text: str) -> list[KeywordHit]:
    """The oracle: each entry's variants compared at every position of the skeleton."""
    folded = fold(text)
    padded = f" {folded.skeleton} "
    hits: list[KeywordHit] = []
    for entry_id, value in entries.items():
        for variant in keyword_variants(value):
            needle = f" {variant} "
            for pos in range(len(padded) - len(needle) + 1):
                if padded[pos : pos + len(needle)] == needle:
                    hits.extend(_hits(folded, [entry_id], pos, pos + len(variant)))
    unique = set(hits)
    return sorted(unique, key=lambda h: (h.start, h.end, h.entry_id))
