"""Finding links in running text, including the usual ways of hiding them.

Defanged spellings are undone first (``hxxp://``, ``h**ps://``, ``[.]``, ``(.)``,
``{.}``, ``[dot]``, ``(dot)``, ``[:]``), keeping a map back to the original text.
Then every word with a dot between a letter or digit and a letter (``example.com``,
``www.example.com/a``) or with ``://`` is a candidate: with or without a scheme, a
bare host or a host and path. A candidate is a link when its host ends in a label of
two or more letters (or punycode) or is an IPv4 address, and it canonicalises
(``urls.canonicalize``). E-mail addresses are not links. Surrounding punctuation
(quotes, brackets, a full stop) is not part of the link.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator
from typing import NamedTuple

from brightline.core.text.urls import CanonicalUrl, canonicalize
from brightline.errors import InvalidUrlError

# Every alternative starts with one of a few characters, so the scan skips ahead.
_DEFANGED = re.compile(
    r"(?P<scheme>[hH](?:xx|XX|\*\*|tt|TT)[pP](?P<s>[sS]?)(?:\[:\]|:)(?=//))"
    r"|(?P<dot>\[(?:\.|[dD][oO][tT])\]|\((?:\.|[dD][oO][tT])\)|\{(?:\.|[dD][oO][tT])\})"
    r"|(?P<colon>\[:\])"
)
#: Where a defanged spelling starts: at a bracket, or one before one of these.
_SCHEME_HINTS = frozenset({"xxp", "XXp", "**p", "xxP", "XXP"})
_CANDIDATE = re.compile(r"\.(?=[A-Za-z0-9\-])|://")  # found by ``_candidates``
_AFTER_DOT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
_WORD_END = re.compile(r"[\s<>\"'`|]")
_DELIMITER = re.compile(r"[\r\f\v<>\"'`|]")
_LEADING = "([{<'\"*,;:!?"
_TRAILING = ".,;:!?)]}>'\"*"
_SCHEME_IN = re.compile(r"(?i)https?://")
_TLD = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9\-]{1,59})$")


class Link(NamedTuple):
    """A link found in text: its span in the original text, what was written, and
    its canonical form (a named tuple: made far quicker than a frozen dataclass)."""

    start: int
    end: int
    found: str
    url: CanonicalUrl


class _Map:
    """Positions in rewritten text back to the original."""

    def __init__(self, spans: list[tuple[int, int, int, int]]):
        self.spans = spans  # (new start, new end, old start, old end)
        self.starts = [s[0] for s in spans]

    def start(self, pos: int) -> int:
        i = bisect.bisect_right(self.starts, pos) - 1
        if i < 0:
            return pos
        _, ne, os_, oe = self.spans[i]
        return os_ if pos < ne else pos - ne + oe

    def end(self, pos: int) -> int:
        if pos == 0:
            return 0
        i = bisect.bisect_right(self.starts, pos - 1) - 1
        if i < 0:
            return pos
        _, ne, _, oe = self.spans[i]
        return oe if pos - 1 < ne else pos - ne + oe


def undefang(text: str) -> tuple[str, _Map]:
    """``text`` with defanged spellings undone, and the map back to it."""
    matches = _defanged(text)
    if not matches:
        return text, _Map([])
    out: list[str] = []
    spans: list[tuple[int, int, int, int]] = []
    at = 0
    length = 0
    for m in matches:
        if m.group("scheme"):
            new = "https:" if m.group("s") else "http:"
        elif m.group("dot"):
            new = "."
        else:
            new = ":"
        out.append(text[at : m.start()])
        length += m.start() - at
        spans.append((length, length + len(new), m.start(), m.end()))
        out.append(new)
        length += len(new)
        at = m.end()
    out.append(text[at:])
    return "".join(out), _Map(spans)


def _defanged(text: str) -> list[re.Match[str]]:
    """The defanged spellings, tried only where a hint is (``str.find`` is far
    quicker than a regular expression's scan of the whole text)."""
    starts: set[int] = set()
    for hint in "[({":
        i = text.find(hint)
        while i >= 0:
            starts.add(i)
            i = text.find(hint, i + 1)
    # A defanged scheme is followed by ``://`` or ``[:]``: look back from those
    # (a search for each ``xxp`` spelling costs a pass over the text even when absent).
    for colon in ("://", "[:]"):
        i = text.find(colon)
        while i >= 0:
            for back in (4, 5):  # ``hxxp`` or ``hxxps`` before it
                if i - back >= 0 and text[i - back + 1 : i - back + 4] in _SCHEME_HINTS:
                    starts.add(i - back)
            i = text.find(colon, i + 1)
    found: list[re.Match[str]] = []
    end = 0
    for pos in sorted(starts):
        if pos < end or pos < 0:
            continue
        m = _DEFANGED.match(text, pos)
        if m is not None:
            found.append(m)
            end = m.end()
    return found


def find_links(text: str) -> list[Link]:
    """Every link in ``text``, in order."""
    plain, back = undefang(text)
    links: list[Link] = []
    done = 0
    for pos in _candidates(plain):
        if pos < done:
            continue
        start, end = _word(plain, pos)
        done = end
        found = _link(plain, start, end)
        if found is None:
            continue
        s, e, url = found
        o_start, o_end = (back.start(s), back.end(e)) if back.spans else (s, e)
        links.append(Link(o_start, o_end, text[o_start:o_end], url))
    return links


def _candidates(text: str) -> Iterator[int]:
    """Where ``_CANDIDATE`` matches, in order: ``str.find`` jumps from dot to dot
    far quicker than the regular expression steps through the text."""
    size = len(text)
    dot = text.find(".")
    scheme = text.find("://")
    while dot >= 0 or scheme >= 0:
        if scheme >= 0 and (dot < 0 or scheme < dot):
            yield scheme
            scheme = text.find("://", scheme + 3)
        else:
            if dot + 1 < size and text[dot + 1] in _AFTER_DOT:
                yield dot
            dot = text.find(".", dot + 1)


def _word(text: str, pos: int) -> tuple[int, int]:
    """The run of characters around ``pos`` up to a delimiter on either side."""
    space = text.rfind(" ", 0, pos)  # then a newline or tab only after that space
    start = max(space, text.rfind("\n", space + 1, pos), text.rfind("\t", space + 1, pos)) + 1
    m = _WORD_END.search(text, pos)
    end = m.start() if m else len(text)
    inner = _DELIMITER.search(text[start:pos][::-1])  # a rarer delimiter before pos
    if inner is not None:
        start = pos - inner.start()
    return start, end


def _link(text: str, start: int, end: int) -> tuple[int, int, CanonicalUrl] | None:
    found = _parse(text[start:end])
    return None if found is None else (start + found[0], start + found[1], found[2])


@functools.lru_cache(maxsize=65_536)
def _parse(word: str) -> tuple[int, int, CanonicalUrl] | None:
    """The link in a word: where it starts and ends in it, and its canonical form.
    Links repeat in chat: each spelling is worked out once."""
    start, end = 0, len(word)
    scheme = _SCHEME_IN.search(word)
    if scheme is not None:
        start = scheme.start()
    while start < end and word[start] in _LEADING:
        start += 1
    while end > start and word[end - 1] in _TRAILING:
        end -= 1
    link = word[start:end]
    if not link:
        return None
    rest = link[scheme.end() - scheme.start() :] if scheme else link
    host = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if "@" in host and scheme is None:
        return None  # an e-mail address
    name = host.rpartition("@")[2].rpartition(":")[0] or host.rpartition("@")[2]
    if scheme is None and not _plausible_host(name):
        return None
    try:
        return start, end, canonicalize(link)
    except InvalidUrlError:
        return None


def _plausible_host(name: str) -> bool:
    labels = name.lower().strip(".").split(".")
    if len(labels) < 2 or not all(labels):
        return False
    if all(label.isdigit() for label in labels):
        return len(labels) == 4
    tld = labels[-1]
    return (tld.isascii() and _TLD.match(tld) is not None) or not tld.isascii()
