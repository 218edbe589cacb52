"""Small words in messages: ``1 file``, ``2 files``, ``an admin key``."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``"1 file"``, ``"2 files"``, ``"1,000 hashes"``: the count and the right word."""
    word = singular if count == 1 else (plural_form or _plural(singular))
    return f"{count:,} {word}"


def _plural(word: str) -> str:
    if word.endswith(("s", "sh", "ch", "x")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def article(word: str) -> str:
    """``"an admin"``, ``"a scanner"``."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"
