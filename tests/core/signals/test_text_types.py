"""The url and keyword signal types pass the signal-type contract; their indexes find
entries in text, follow adds and removals, and save and load."""

from __future__ import annotations

from pathlib import Path

import pytest

from brightline.core import signals
from brightline.core.signals import TEXT
from brightline.core.signals.text import KEYWORD, URL, KeywordIndex, UrlIndex
from brightline.errors import IndexCorruptError
from brightline.testing import SignalTypeContract


class TestUrl(SignalTypeContract):
    signal_type = URL
    valid_values = ("example.com/", "example.com/a/*", "*.example.org/*", "example.com/p?a=1&b=2")
    invalid_values = ("", "ftp://example.com/", "example.com/a*")


class TestKeyword(SignalTypeContract):
    signal_type = KEYWORD
    valid_values = ("secret", "meet up", "placeholder term")
    invalid_values = ("", "   ", "!!!")


def test_registered_for_text() -> None:
    assert signals.get("URL") is URL
    assert signals.get("terms") is KEYWORD
    assert TEXT in URL.content_types and not URL.exact


@pytest.mark.parametrize("index_class", [UrlIndex, KeywordIndex])
def test_index_follows_changes_and_saves(index_class: type[UrlIndex], tmp_path: Path) -> None:
    index = index_class()
    signal = URL if index_class is UrlIndex else KEYWORD
    values = ["example.com/a/*", "*.example.org/*"] if signal is URL else ["secret", "meet up"]
    index.add([1, 2], [signal.normalize(v) for v in values])
    text = "see example.com/a/b and www.example.org" if signal is URL else "a secret, so meet up"
    [hits] = index.search([[text]], 0)
    assert sorted(h.entry_id for h in hits) == [1, 2]
    assert all(text[h.extra["span"][0] : h.extra["span"][1]] == h.extra["found"] for h in hits)
    index.remove([1])
    assert [h.entry_id for h in index.search([[text]], 0)[0]] == [2]
    path = tmp_path / "x.idx"
    index.save(path)
    again = index_class()
    again.load(path)
    assert len(again) == 1 and again.search([[text]], 0) == index.search([[text]], 0)
    path.write_text(path.read_text().replace("2", "3"))
    with pytest.raises(IndexCorruptError):
        index_class().load(path)
