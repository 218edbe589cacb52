"""The batch snapshot matches exactly as the live matcher does, without a database."""

from __future__ import annotations

import pickle
import random
import tempfile
from pathlib import Path

import pytest

from brightline.errors import NotFoundError
from brightline.services.batch.snapshot import SnapshotMatcher, build_snapshot, index_folder
from brightline.services.context import Services
from brightline.services.lists.matching import Query
from brightline.services.store import lists
from brightline.services.store.db import next_rev
from brightline.services.store.entries import set_entry_state, upsert_entries


def rand_pdq(seed: int) -> str:
    return f"{random.Random(seed).getrandbits(256):064x}"


def flip(value: str, bits: int, seed: int = 0) -> str:
    n = int(value, 16)
    for b in random.Random(seed).sample(range(256), bits):
        n ^= 1 << b
    return f"{n:064x}"


def add(svc: Services, name: str, rows: list[tuple[str, str]], threshold: int = 31) -> None:
    with svc.store.begin() as conn:
        try:
            hl = lists.get_list(conn, name)
        except NotFoundError:
            hl = lists.create_list(conn, name, "none", threshold)
        upsert_entries(
            conn,
            hl.id,
            [{"signal_type": t, "value": v, "category": "x"} for t, v in rows],
            source="test",
            rev=next_rev(conn),
        )


def test_snapshot_matches_what_the_matcher_matches(
    svc: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the index files go here
    md5 = "0123456789abcdef0123456789abcdef"
    pdqs = [rand_pdq(i) for i in range(50)]
    add(svc, "wide", [("md5", md5), *[("pdq", p) for p in pdqs[:30]]], threshold=40)
    add(svc, "tight", [("md5", md5), *[("pdq", p) for p in pdqs[20:]]], threshold=10)
    with svc.store.begin() as conn:  # a disabled entry matches neither
        set_entry_state(conn, 3, enabled=False)
    queries = [Query("md5", md5), Query("md5", "f" * 32), Query("sha1", "a" * 40)]
    queries += [
        Query("pdq", flip(p, bits, seed=i)) for i, p in enumerate(pdqs) for bits in (0, 8, 35)
    ]
    queries += [Query("pdq", rand_pdq(999), (pdqs[5],))]  # a rotation that matches
    for names in (None, ["tight"], ["wide", "tight"]):
        snapshot = build_snapshot(svc.store, names)
        shipped = pickle.loads(pickle.dumps(snapshot))  # what Ray does to it
        expected = svc.matcher.match(queries, names)
        got = SnapshotMatcher(shipped).match(queries, names)
        assert got == expected
        assert sum(map(len, got)) > 20  # the comparison is not between empty results
        assert index_folder(snapshot.key).is_relative_to(tmp_path)


def test_an_unknown_list_is_refused(svc: Services) -> None:
    with pytest.raises(NotFoundError):
        build_snapshot(svc.store, ["nope"])
