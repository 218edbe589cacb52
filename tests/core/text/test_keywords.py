"""Keyword folding and matching: the obfuscations the issue names, whole words only,
and the Aho–Corasick matcher against the brute-force oracle (Hypothesis).

Keywords here are placeholders (``secret``, ``meet up``, ``lolly``): the matcher
never needs real list terms to be tested."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brightline.core.signals.text import KEYWORD
from brightline.core.text.fold import fold, keyword_variants, skeleton
from brightline.core.text.keywords import KeywordMatcher, brute_force_find
from brightline.errors import InvalidKeywordError


def _matcher(**entries: str) -> KeywordMatcher:
    m = KeywordMatcher()
    for i, value in enumerate(entries.values(), 1):
        m.add(i, KEYWORD.normalize(value))
    return m


@pytest.mark.parametrize(
    "written",
    [
        "secret",
        "SECRET",
        "Sécrèt",
        "ｓｅｃｒｅｔ",  # full-width (NFKC)
        "ѕеcrеt",  # Cyrillic look-alikes
        "$3cr3t",
        "s.e.c.r.e.t",
        "s e c r e t",
        "s-e-c-r-e-t",
        "s . e . c . r . e . t",
        "seeeecreeet",
        "S_E_C_R_E_T",
    ],
)
def test_obfuscated_spellings_are_found(written: str) -> None:
    text = f"this is our {written}, ok?"
    [hit] = _matcher(a="secret").find(text)
    assert text[hit.start : hit.end] == written
    assert hit.found == written


@pytest.mark.parametrize("text", ["secretive", "topsecret", "secrets", "a secre t"])
def test_never_inside_another_word(text: str) -> None:
    assert _matcher(a="secret").find(text) == []


def test_phrases_and_one_for_l() -> None:
    m = _matcher(a="meet up", b="lolly")
    hits = m.find("shall we Meet   Up? 1o11y and lolly")
    assert [(h.entry_id, h.found) for h in hits] == [(1, "Meet   Up"), (2, "1o11y"), (2, "lolly")]


def test_a_one_letter_word_before_a_dotted_keyword_stays_apart() -> None:
    assert [h.found for h in _matcher(a="secret").find("a s.e.c.r.e.t")] == ["s.e.c.r.e.t"]


def test_doubled_letters_survive_stretching() -> None:
    m = _matcher(a="sweet")
    assert [h.found for h in m.find("so sweet, so sweeeeet")] == ["sweet", "sweeeeet"]


def test_removing_an_entry_forgets_it() -> None:
    m = _matcher(a="secret", b="plan")
    m.remove(1)
    assert [h.entry_id for h in m.find("secret plan")] == [2]


def test_keyword_values_are_normalised_and_checked() -> None:
    assert KEYWORD.normalize("  Meet\tUP  ") == "meet up"
    assert KEYWORD.normalize("ｓｅｃｒｅｔ") == "secret"
    for bad in ("", "   ", "!!!", "x" * 600):
        with pytest.raises(InvalidKeywordError):
            KEYWORD.normalize(bad)


# -- properties -------------------------------------------------------------------

WORDS = st.text(alphabet=string.ascii_lowercase, min_size=2, max_size=7)
NOISE = st.text(alphabet=string.ascii_letters + string.digits + " .,!?-_'\n@$éЅ", max_size=60)


@given(st.text(max_size=80))
def test_skeleton_is_idempotent_but_for_joins(text: str) -> None:
    # A second pass may join single characters the first kept apart because their
    # separators differed (``0:¼`` is ``o i a`` and then ``oia``), and a join may make
    # a stretched run that then folds (``o\xa0o o`` is ``o o o``, then ``ooo``, then
    # ``o``); nothing else moves.
    s = skeleton(text)
    again = skeleton(s)
    assert again == s or _runs(again.replace(" ", "")) == _runs(s.replace(" ", ""))


def _runs(text: str) -> str:
    """Runs of three or more of one letter as one, as stretching folds them."""
    return re.sub(r"(.)\1{2,}", r"\1", text)


@given(st.text(alphabet=string.printable, max_size=80))
def test_case_does_not_matter(text: str) -> None:
    assert skeleton(text.upper()) == skeleton(text.lower())


@given(st.text(max_size=80))
def test_spans_map_inside_the_text(text: str) -> None:
    f = fold(text)
    n = len(f.skeleton)
    for start in range(n):
        a, b = f.span(start, n)
        assert 0 <= a <= b <= len(text)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(WORDS, min_size=1, max_size=6, unique=True), st.lists(NOISE, max_size=8))
def test_automaton_finds_what_the_oracle_finds(words: list[str], noise: list[str]) -> None:
    m = KeywordMatcher()
    for i, w in enumerate(words):
        m.add(i, KEYWORD.normalize(w))
    pieces = [x for pair in zip(noise, words * 3, strict=False) for x in pair]
    text = " ".join(pieces)
    assert m.find(text) == brute_force_find(m.values, text)


@settings(max_examples=150)
@given(
    WORDS,
    st.sampled_from(["plain", "upper", "dots", "stretch", "leet"]),
    st.sampled_from(["", "hello ", "ok, "]),
    st.sampled_from(["", " bye", "!"]),
)
def test_an_obfuscated_keyword_is_found_where_it_is(
    word: str, how: str, before: str, after: str
) -> None:
    if how == "upper":
        written = word.upper()
    elif how == "dots":
        written = ".".join(word) if len(word) >= 3 else word
    elif how == "stretch":
        written = word[0] + word[1] * 4 + word[2:]
    elif how == "leet":
        written = word.translate(str.maketrans("oiesat", "013547"))
    else:
        written = word
    text = before + written + after
    m = KeywordMatcher()
    m.add(1, KEYWORD.normalize(word))
    spans = {(h.start, h.end) for h in m.find(text)}
    assert (len(before), len(before) + len(written)) in spans


@given(WORDS, WORDS)
def test_a_keyword_inside_a_longer_word_is_not_found(word: str, extra: str) -> None:
    m = KeywordMatcher()
    m.add(1, word)
    longer = word + extra
    if any(v in keyword_variants(longer) for v in keyword_variants(word)):
        return  # the longer word folds to the keyword itself (``ab`` + ``bb``)
    assert m.find(longer) == []
