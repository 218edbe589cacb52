"""Category schemes stay apart; missing stays missing."""

from __future__ import annotations

import pytest

from brightline.core.categories import SCHEMES, check_scheme, normalize_category
from brightline.errors import InvalidCategoryError, UsageError


@pytest.mark.parametrize(
    ("scheme", "raw", "code"),
    [
        ("uk", "a", "A"),
        ("uk", "Category B", "B"),
        ("uk", " c ", "C"),
        ("industry", "a1", "A1"),
        ("vic-us", 1, "1"),
        ("vic-us", "0", "0"),
        ("dhs", "5", "5"),
        ("none", "anything at all", "anything at all"),
    ],
)
def test_spellings(scheme: str, raw: object, code: str) -> None:
    assert normalize_category(scheme, raw) == code


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_missing_is_none_never_zero(raw: object) -> None:
    for scheme in SCHEMES:
        assert normalize_category(scheme, raw) is None


@pytest.mark.parametrize(
    ("scheme", "raw"), [("uk", "A1"), ("industry", "A"), ("vic-us", "5"), ("uk", "1")]
)
def test_no_silent_mapping_between_schemes(scheme: str, raw: str) -> None:
    with pytest.raises(InvalidCategoryError, match=scheme):
        normalize_category(scheme, raw)


def test_unknown_scheme() -> None:
    assert check_scheme(" UK ") == "uk"
    with pytest.raises(UsageError, match="unknown category scheme"):
        check_scheme("martian")
