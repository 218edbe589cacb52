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


def shown(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` safe to print on a terminal: control characters (escape sequences,
    carriage returns, a NUL) and invisible format characters (right-to-left overrides
    that disguise ``gpj.exe`` as ``exe.jpg``) written as ``\\x1b``, ``\\u202e``.
    A file name can hold any of them; printed raw they could rewrite the screen."""
    return "".join(_shown_char(c, keep_newlines) for c in text)


def _shown_char(c: str, keep_newlines: bool) -> str:
    if c.isprintable() or (keep_newlines and c in "\n\t"):
        return c
    if c == " ":
        return c
    code = ord(c)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
