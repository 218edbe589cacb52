"""The matcher: exact and PDQ matches, per-list thresholds, incremental catch-up."""

from __future__ import annotations

import random

import pytest

from brightline.services.context import Services, index_dir_for
from brightline.services.lists.matching import Matcher, Query
from brightline.services.store import lists
from brightline.services.store.db import next_rev
from brightline.services.store.entries import (
    delete_entry,
    iter_entries,
    set_entry_state,
    upsert_entries,
)

MD5 = "0123456789abcdef0123456789abcdef"


def flip(value: str, bits: int, seed: int = 0) -> str:
    n = int(value, 16)
    for b in random.Random(seed).sample(range(256), bits):
        n ^= 1 << b
    return f"{n:064x}"


def rand_pdq(seed: int) -> str:
    return f"{random.Random(seed).getrandbits(256):064x}"


def add(
    svc: Services,
    name: str,
    rows: list[tuple[str, str]],
    threshold: int = 31,
    category: str | None = None,
) -> None:
    with svc.store.begin() as conn:
        try:
            hl = lists.get_list(conn, name)
        except Exception:
            hl = lists.create_list(conn, name, "none", threshold)
        upsert_entries(
            conn,
            hl.id,
            [{"signal_type": t, "value": v, "category": category} for t, v in rows],
            source="test",
            rev=next_rev(conn),
        )


def test_exact_and_pdq_matches_carry_provenance(svc: Services) -> None:
    base = rand_pdq(1)
    add(svc, "known", [("md5", MD5), ("pdq", base)], category="x")
    found = svc.matcher.match(
        [
            Query("md5", MD5),
            Query("pdq", flip(base, 12)),
            Query("pdq", flip(base, 40)),
            Query("sha1", "a" * 40),
        ]
    )
    assert [len(f) for f in found] == [1, 1, 0, 0]
    exact, near = found[0][0], found[1][0]
    assert (exact.list_name, exact.distance, exact.category, exact.source) == (
        "known",
        0,
        "x",
        "test",
    )
    assert (near.signal_type, near.value, near.distance) == ("pdq", base, 12)


def test_per_list_thresholds(svc: Services) -> None:
    base = rand_pdq(2)
    add(svc, "strict", [("pdq", base)], threshold=10)
    add(svc, "loose", [("pdq", base)], threshold=40)
    [found] = svc.matcher.match([Query("pdq", flip(base, 20))])
    assert [m.list_name for m in found] == ["loose"]
    [found] = svc.matcher.match([Query("pdq", flip(base, 5))])
    assert sorted(m.list_name for m in found) == ["loose", "strict"]
    [found] = svc.matcher.match([Query("pdq", flip(base, 5))], list_names=["strict"])
    assert [m.list_name for m in found] == ["strict"]


def test_changes_are_seen_without_rebuild(svc: Services) -> None:
    matcher = svc.matcher
    base = rand_pdq(3)
    assert matcher.match([Query("pdq", base)]) == [[]]
    add(svc, "known", [("pdq", base)])
    assert matcher.refresh() == 1
    [[m]] = matcher.match([Query("pdq", base)])
    with svc.store.begin() as conn:
        set_entry_state(conn, m.entry_id, withdrawn=True)
    matcher.refresh()
    assert matcher.match([Query("pdq", base)]) == [[]]
    with svc.store.begin() as conn:
        set_entry_state(conn, m.entry_id, withdrawn=False)
    matcher.refresh()
    assert len(matcher.match([Query("pdq", base)])[0]) == 1
    with svc.store.begin() as conn:
        delete_entry(conn, m.entry_id)
    matcher.refresh()
    assert matcher.match([Query("pdq", base)]) == [[]]
    assert matcher.index_size("pdq") == 0


def test_list_delete_leaves_the_index(svc: Services) -> None:
    add(svc, "gone", [("pdq", rand_pdq(i)) for i in range(50)])
    assert svc.matcher.size == 50
    with svc.store.begin() as conn:
        lists.delete_list(conn, "gone")
    svc.matcher.refresh()
    assert svc.matcher.size == 0


def test_saved_index_is_reloaded_and_caught_up(svc: Services) -> None:
    add(svc, "known", [("pdq", rand_pdq(i)) for i in range(20)])
    first = svc.matcher  # opens, builds, saves
    saved = list(index_dir_for(svc.settings).glob("pdq-*.idx"))
    assert len(saved) == 1
    add(svc, "known", [("pdq", rand_pdq(100))])
    second = Matcher(svc.store, index_dir_for(svc.settings)).open()
    assert second.size == 21 == first.size + 1
    assert len(second.match([Query("pdq", rand_pdq(100))])[0]) == 1


def test_damaged_index_file_is_rebuilt(svc: Services) -> None:
    add(svc, "known", [("pdq", rand_pdq(i)) for i in range(5)])
    assert svc.matcher.size == 5
    [saved] = index_dir_for(svc.settings).glob("pdq-*.idx")
    saved.write_bytes(b"garbage")
    again = Matcher(svc.store, index_dir_for(svc.settings)).open()
    assert again.size == 5


def test_dihedral_variants_match_the_best(svc: Services) -> None:
    base = rand_pdq(4)
    add(svc, "known", [("pdq", base)])
    [found] = svc.matcher.match([Query("pdq", rand_pdq(5), variants=(flip(base, 3),))])
    assert [m.distance for m in found] == [3]


@pytest.mark.parametrize("bits", [0, 31])
def test_threshold_is_inclusive(svc: Services, bits: int) -> None:
    base = rand_pdq(6)
    add(svc, "known", [("pdq", base)])
    assert len(svc.matcher.match([Query("pdq", flip(base, bits))])[0]) == 1


def test_disabled_entries_do_not_match(svc: Services) -> None:
    add(svc, "known", [("md5", MD5)])
    with svc.store.connect() as conn:
        [entry] = iter_entries(conn, lists.get_list(conn, "known").id)
    with svc.store.begin() as conn:
        set_entry_state(conn, entry.id, enabled=False)
    assert svc.matcher.match([Query("md5", MD5)]) == [[]]


def test_entry_ids_are_never_reused_so_catch_up_is_exact(svc: Services) -> None:
    """A deleted entry's id must not come back: the index applies removals by id."""
    matcher = svc.matcher
    add(svc, "known", [("pdq", rand_pdq(10))])
    with svc.store.connect() as conn:
        [first] = iter_entries(conn, lists.get_list(conn, "known").id)
    with svc.store.begin() as conn:
        delete_entry(conn, first.id)
    add(svc, "known", [("pdq", rand_pdq(11))])  # no refresh between delete and add
    matcher.refresh()
    [[m]] = matcher.match([Query("pdq", rand_pdq(11))])
    assert m.entry_id != first.id
    assert matcher.match([Query("pdq", rand_pdq(10))]) == [[]]
