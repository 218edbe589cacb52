"""``SignalTypeContract`` and ``IndexContract``: see the package docstring."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from pathlib import Path

from brightline.core.signals.base import Content, SignalIndex, SignalType
from brightline.errors import DecodeError, IndexCorruptError, InvalidHashError

_NAME = re.compile(r"[a-z][a-z0-9_.\-]{0,31}")


class SignalTypeContract:
    """What every signal type must do. Set ``signal_type``, ``valid_values`` (two or
    more distinct canonical values) and ``invalid_values``; ``sample_content``
    (content it applies to) when it hashes content."""

    signal_type: SignalType
    valid_values: Sequence[str] = ()
    invalid_values: Sequence[str] = ()
    sample_content: Content | None = None

    def test_name_is_canonical(self) -> None:
        name = self.signal_type.name
        assert _NAME.fullmatch(name), f"{name!r}: lower case, a letter first, 32 at most"

    def test_declares_what_it_applies_to(self) -> None:
        kinds = self.signal_type.content_types
        assert isinstance(kinds, frozenset) and kinds
        assert all(isinstance(k, str) and k for k in kinds)

    def test_thresholds_fit_exactness(self) -> None:
        t = self.signal_type
        if t.exact:
            assert t.default_threshold == t.max_threshold == 0
            assert t.build_index() is None, "exact types are looked up, not indexed"
        else:
            assert 0 <= t.default_threshold <= t.max_threshold
            assert t.build_index() is not None, "a non-exact type needs an index"

    def test_normalize_is_idempotent(self) -> None:
        assert len(set(self.valid_values)) >= 2, "give two or more distinct valid values"
        for value in self.valid_values:
            canonical = self.signal_type.normalize(value)
            assert canonical == value, "valid_values must be canonical"
            assert self.signal_type.normalize(canonical) == canonical

    def test_invalid_values_raise_invalid_hash(self) -> None:
        for value in self.invalid_values:
            try:
                self.signal_type.normalize(value)
            except InvalidHashError:
                continue
            raise AssertionError(f"{value!r} was accepted")

    def test_distance_is_a_metric_on_examples(self) -> None:
        t = self.signal_type
        for a in self.valid_values:
            assert t.distance(a, a) == 0
            for b in self.valid_values:
                assert t.distance(a, b) == t.distance(b, a) >= 0
                if a != b:
                    assert t.distance(a, b) > 0

    def test_hashes_one_way_or_none(self) -> None:
        t = self.signal_type
        digest = t.new_digest()
        if digest is not None:
            digest.update(b"brightline")
            value = digest.hexdigest()
            assert t.normalize(value) == value
            again = t.new_digest()
            assert again is not None and again is not digest, "a fresh digest each call"

    def test_hashes_sample_content(self) -> None:
        if self.sample_content is None:
            return
        t = self.signal_type
        assert self.sample_content.content_type in t.content_types
        found = t.hash_content(self.sample_content)
        assert found is not None
        assert t.normalize(found.value) == found.value
        values = t.query_values(found)
        assert values and all(isinstance(v, str) for v in values)

    def test_undecodable_content_is_a_decode_error(self) -> None:
        if self.sample_content is None:
            return
        kind = self.sample_content.content_type
        junk = Content(b"\x00not content\xff" * 4, None, kind)
        try:
            result = self.signal_type.hash_content(junk)
        except DecodeError:
            return
        assert result is None, "junk must raise DecodeError or give None"


class IndexContract:
    """What every index of a non-exact type must do, checked against the type's own
    ``distance`` as the oracle. Set ``signal_type`` and define ``random_value``;
    ``near_value`` (a value a few units away) makes the checks find hits at small
    thresholds. ``make_index`` defaults to ``signal_type.build_index()``.
    ``groups_take_best``: a group query answers each entry's best distance over the
    group (PDQ's rotations); set False where a group means something else (vPDQ)."""

    signal_type: SignalType
    thresholds: Sequence[int] = ()
    groups_take_best = True
    size = 60

    def random_value(self, rng: random.Random) -> str:
        raise NotImplementedError

    def near_value(self, value: str, rng: random.Random) -> str:
        return self.random_value(rng)

    def make_index(self) -> SignalIndex:
        index = self.signal_type.build_index()
        assert index is not None
        return index

    # -- helpers ----------------------------------------------------------------

    def _thresholds(self) -> list[int]:
        t = self.signal_type
        return list(self.thresholds) or sorted({0, t.default_threshold, t.max_threshold})

    def _data(self, seed: int) -> dict[int, str]:
        rng = random.Random(seed)
        out: dict[int, str] = {}
        base = [self.random_value(rng) for _ in range(max(2, self.size // 4))]
        for i in range(self.size):
            anchor = base[i % len(base)]
            out[1000 + 7 * i] = anchor if i % 5 == 0 else self.near_value(anchor, rng)
        return out

    def _expected(self, rows: dict[int, str], query: str, threshold: int) -> set[tuple[int, int]]:
        d = self.signal_type.distance
        return {(i, d(query, v)) for i, v in rows.items() if d(query, v) <= threshold}

    def _check(self, index: SignalIndex, rows: dict[int, str], queries: list[str]) -> None:
        assert len(index) == len(rows)
        for threshold in self._thresholds():
            found = index.search([[q] for q in queries], threshold)
            assert len(found) == len(queries)
            for query, hits in zip(queries, found, strict=True):
                got = [(h.entry_id, h.distance) for h in hits]
                assert len(got) == len({i for i, _ in got}), "one hit per entry"
                assert set(got) == self._expected(rows, query, threshold), threshold

    def _queries(self, rows: dict[int, str], rng: random.Random) -> list[str]:
        values = list(rows.values())
        return values[:5] + [self.near_value(v, rng) for v in values[:5]] + [self.random_value(rng)]

    # -- the contract -------------------------------------------------------------

    def test_empty_index_finds_nothing(self) -> None:
        index = self.make_index()
        assert len(index) == 0
        rng = random.Random(1)
        assert index.search([[self.random_value(rng)]], self.signal_type.max_threshold) == [[]]
        assert index.search([], 0) == []

    def test_search_finds_exactly_what_the_oracle_does(self) -> None:
        rows = self._data(2)
        index = self.make_index()
        index.add(list(rows), list(rows.values()))
        self._check(index, rows, self._queries(rows, random.Random(3)))

    def test_add_replaces_and_remove_forgets(self) -> None:
        rows = self._data(4)
        index = self.make_index()
        ids = list(rows)
        index.add(ids, list(rows.values()))
        rng = random.Random(5)
        for i in ids[:10]:
            rows[i] = self.random_value(rng)
        index.add(ids[:10], [rows[i] for i in ids[:10]])
        index.remove([*ids[10:20], 1, 2, 3])  # absent ids are a no-op
        for i in ids[10:20]:
            del rows[i]
        self._check(index, rows, self._queries(rows, rng))

    def test_group_queries(self) -> None:
        if not self.groups_take_best:
            return
        rows = self._data(6)
        index = self.make_index()
        index.add(list(rows), list(rows.values()))
        rng = random.Random(7)
        groups = [[self.random_value(rng), v, self.near_value(v, rng)] for v in rows.values()][:5]
        threshold = self.signal_type.default_threshold
        found = index.search(groups, threshold)
        d = self.signal_type.distance
        for group, hits in zip(groups, found, strict=True):
            best: dict[int, int] = {}
            for q in group:
                for i, dist in self._expected(rows, q, threshold):
                    best[i] = min(dist, best.get(i, dist))
            assert {(h.entry_id, h.distance) for h in hits} == set(best.items())
            assert all(h.distance == min(d(q, rows[h.entry_id]) for q in group) for h in hits)

    def test_save_and_load(self, tmp_path: Path) -> None:
        rows = self._data(8)
        index = self.make_index()
        index.add(list(rows), list(rows.values()))
        path = tmp_path / "index.idx"
        index.save(path)
        again = self.make_index()
        again.load(path)
        self._check(again, rows, self._queries(rows, random.Random(9)))

    def test_damaged_file_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "damaged.idx"
        path.write_bytes(b"not an index")
        try:
            self.make_index().load(path)
        except IndexCorruptError:
            return
        raise AssertionError("a damaged file must raise IndexCorruptError")
