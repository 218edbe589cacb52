"""Keyword normalisation: text folded to a *skeleton* where spelling tricks vanish.

The same folding is applied to a list's keywords and to the text searched, so a
keyword matches whatever folds to the same skeleton. Steps, in order:

1. Each character is folded on its own: Unicode NFKD with combining marks dropped
   (accents: ``é`` → ``e``; NFKD also does NFKC's compatibility mappings such as
   full-width letters and ligatures), lower case (``casefold``), common look-alike
   letters from other scripts mapped to Latin (Cyrillic ``а``, Greek ``ο`` …), and
   the digit/symbol substitutions ``0→o 1→i 3→e 4→a 5→s 7→t @→a $→s``.
   Apostrophes are dropped (``don't`` → ``dont``); anything else that is not a
   letter or a digit becomes a space.
2. Letters stretched three or more times become one (``seeecret`` → ``secret``);
   runs of spaces become one.
3. Three or more single characters with the same one separator between each are
   joined (``s.e.c.r.e.t``, ``s e c r e t``, ``s-e-c-r-e-t`` → ``secret``; in
   ``a s.e.c.r.e.t`` the ``a`` stays apart); then step 2 again (``s.e.e.e.c.r.e.t``).
   A one-letter word before a keyword spelled out with spaces (``a s e c r e t``)
   is joined to it: that spelling is missed.

``1`` may stand for ``i`` or ``l``: text folds it to ``i``, and a keyword with an
``l`` also gets variants with that ``l`` read as ``i`` (``keyword_variants``).
A doubled letter in a keyword gets a variant with it single, so a stretched
``sweeeet`` (folded to ``swet``) still finds ``sweet``.

Matching is of whole words: the skeleton is searched with a space on each side of
every keyword, so a keyword is never found inside another word.

For ASCII text (the common case) step 1 is ``bytes.translate`` and steps 2–3 are
NumPy masks over the bytes; other text takes a per-character path with a cache.
``Folded.span`` maps a span of the skeleton back to the original text.
"""

from __future__ import annotations

import functools
import unicodedata
from itertools import product
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

SPACE = 32
APOSTROPHE = 39
#: Digit and symbol substitutions (``1`` may also be ``l``: see ``keyword_variants``).
SUBSTITUTIONS = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
#: Look-alike letters of other scripts (Unicode's confusables, the common ones).
LOOKALIKES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ь": "b",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w", "ς": "s",
    # Latin letters NFKD does not take apart
    "\u2019": "'", "\u2018": "'", "\u02bc": "'",
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l", "ı": "i", "þ": "th",
}  # fmt: skip
#: Most variants one keyword adds for its ``l``/``i`` and doubled letters.
MAX_VARIANTS = 32


def _ascii_table() -> bytes:
    out = bytearray(256)
    for b in range(256):
        c = chr(b)
        if c.isascii() and c.isalnum():
            c = SUBSTITUTIONS.get(c, c.lower())
        elif c in SUBSTITUTIONS:
            c = SUBSTITUTIONS[c]
        elif c == "'":
            pass  # dropped in ``fold``
        else:
            c = " "
        out[b] = ord(c)
    return bytes(out)


ASCII_TABLE = _ascii_table()


@functools.lru_cache(maxsize=65_536)
def fold_char(c: str) -> str:
    """One character folded (step 1): letters and digits, or a space."""
    if c.isascii():
        return chr(ASCII_TABLE[ord(c)])
    out = []
    for d in unicodedata.normalize("NFKD", c):
        if unicodedata.combining(d):
            continue
        for e in d.casefold():
            e = LOOKALIKES.get(e, e)
            if e.isascii():
                out.append("".join(chr(ASCII_TABLE[ord(x)]) for x in e))
            else:
                out.append(e if e.isalnum() else " ")
    return "".join(out)


class Folded:
    """A text's skeleton and how to find its characters in the original."""

    __slots__ = ("_kept", "masks", "origin", "skeleton", "text")

    def __init__(
        self,
        text: str,
        skeleton: str,
        masks: list[npt.NDArray[np.bool_] | None],
        origin: list[int] | None,
    ):
        self.text = text
        self.skeleton = skeleton
        #: The masks each step applied (None: kept everything); composed on demand.
        self.masks = masks
        #: For each folded character (and one past the end), its index in the text;
        #: None when folding kept every character in place (ASCII).
        self.origin = origin
        self._kept: npt.NDArray[np.int64] | None = None

    @property
    def kept(self) -> npt.NDArray[np.int64]:
        """For each skeleton character, its index in the folded text."""
        if self._kept is None:
            import numpy as np

            masks = [m for m in self.masks if m is not None]
            if not masks:
                idx = np.arange(self._folded_len(), dtype=np.int64)
            else:  # the last mask's kept positions, taken back through the others
                idx = np.flatnonzero(masks[-1])
                for mask in reversed(masks[:-1]):
                    idx = np.flatnonzero(mask)[idx]
            self._kept = idx.astype(np.int64, copy=False)
        return self._kept

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original text's ``[start, end)`` of skeleton characters ``[start, end)``."""
        if all(m is None for m in self.masks):  # the skeleton is the folded text
            f_start, f_end = start, end
        else:
            kept = self.kept
            f_start = int(kept[start]) if start < len(kept) else self._folded_len()
            f_end = int(kept[end]) if end < len(kept) else self._folded_len()
        if self.origin is None:
            return f_start, f_end
        return self.origin[f_start], self.origin[f_end]

    def _folded_len(self) -> int:
        return len(self.text) if self.origin is None else len(self.origin) - 1


def fold(text: str) -> Folded:
    """Fold ``text`` to its skeleton (see the module docstring).

    Each step first checks cheaply whether it changes anything (most chat text has
    no stretched letters, no spelled-out words and few double spaces) and is skipped
    when it does not; a skipped step's mask is None."""
    import numpy as np

    chars: npt.NDArray[np.unsignedinteger[Any]]
    raw: npt.NDArray[np.unsignedinteger[Any]]
    ascii_folded: bytes | None = None
    if text.isascii():
        data = text.encode("ascii")
        ascii_folded = data.translate(ASCII_TABLE)
        raw = np.frombuffer(data, np.uint8)
        chars = np.frombuffer(ascii_folded, np.uint8)
        origin = None
        apostrophes = b"'" in data
    else:
        pieces: list[str] = []
        origin = []
        for i, c in enumerate(text):
            f = fold_char(c)
            pieces.append(f)
            origin.extend([i] * len(f))
        origin.append(len(text))
        folded = "".join(pieces)
        chars = np.frombuffer(folded.encode("utf-32-le"), np.uint32)
        codes = np.frombuffer(text.encode("utf-32-le"), np.uint32)
        raw = codes[np.asarray(origin[:-1], np.int64)] if len(chars) else chars
        apostrophes = "'" in folded
    masks: list[npt.NDArray[np.bool_] | None] = []
    if apostrophes:
        mask = chars != APOSTROPHE
        chars, raw = chars[mask], raw[mask]
        masks.append(mask)
        ascii_folded = None
    collapse = _collapse_mask(chars)
    if collapse is not None:
        chars, raw = chars[collapse], raw[collapse]
        ascii_folded = None
    masks.append(collapse)
    join = _join_mask(chars, raw)
    if join is not None:  # letters joined may make new runs (``s.e.e.e.c.r.e.t``)
        chars = chars[join]
        masks.append(join)
        again = _collapse_mask(chars)
        if again is not None:
            chars = chars[again]
            masks.append(again)
        ascii_folded = None
    if ascii_folded is not None:
        skeleton = ascii_folded.decode("ascii")
    elif chars.dtype == np.uint8:
        skeleton = chars.tobytes().decode("ascii")
    else:
        skeleton = chars.astype(np.uint32).tobytes().decode("utf-32-le")
    return Folded(text, skeleton, masks, origin)


def skeleton(text: str) -> str:
    """The skeleton alone, without leading or trailing space."""
    return fold(text).skeleton.strip(" ")


def _collapse_mask(a: npt.NDArray[np.generic]) -> npt.NDArray[np.bool_] | None:
    """Keep all but the repeats of a run of 3+ equal characters, or of 2+ spaces;
    None when that keeps everything."""
    import numpy as np

    n = len(a)
    if n < 2:
        return None
    same = a[1:] == a[:-1]  # same[i]: a[i + 1] == a[i]
    spaces = same & (a[1:] == SPACE)
    runs = same[1:] & same[:-1]  # runs[i]: a[i] == a[i + 1] == a[i + 2]
    has_runs = bool(runs.any())
    if not has_runs and not spaces.any():
        return None
    keep = np.ones(n, dtype=bool)
    if has_runs:
        triple = np.zeros(n, dtype=bool)  # triple[i]: a[i-1] == a[i] == a[i+1]
        triple[1:-1] = runs
        member = triple.copy()  # in a run of 3+: next to (or at) a triple's centre
        member[:-1] |= triple[1:]
        member[1:] |= triple[:-1]
        drop = np.zeros(n, dtype=bool)
        drop[1:] = same & (member[1:] | (a[1:] == SPACE))
    else:
        drop = np.zeros(n, dtype=bool)
        drop[1:] = spaces
    keep[drop] = False
    return keep


def _join_mask(
    a: npt.NDArray[np.generic], raw: npt.NDArray[np.generic]
) -> npt.NDArray[np.bool_] | None:
    """Drop the separator between single characters in runs of 3+ of them joined by
    the same separator (``a s.e.c.r.e.t`` keeps the ``a`` apart); None when that
    keeps everything."""
    import numpy as np

    n = len(a)
    if n < 5:
        return None
    word = a != SPACE
    gap = ~word
    single = word.copy()  # a word of one character
    single[1:] &= gap[:-1]
    single[:-1] &= gap[1:]
    sep = np.zeros(n, dtype=bool)  # a space between two single characters
    np.logical_and(gap[1:-1], single[:-2], out=sep[1:-1])
    sep[1:-1] &= single[2:]
    if not sep.any():
        return None
    at = np.flatnonzero(sep)  # separators are two or more apart
    # a separator two after another, the same character: both are dropped
    pairs = (at[1:] - at[:-1] == 2) & (raw[at[1:]] == raw[at[:-1]])
    if not pairs.any():
        return None
    drop = np.zeros(len(at), dtype=bool)
    drop[1:] |= pairs
    drop[:-1] |= pairs
    keep = np.ones(n, dtype=bool)
    keep[at[drop]] = False
    return keep


def keyword_variants(value: str) -> list[str]:
    """The skeletons a keyword is searched as (its own, ``l`` read as ``i``, doubled
    letters single); empty when the keyword folds to nothing."""
    base = skeleton(value)
    if not base:
        return []
    choices: list[tuple[str, ...]] = []
    i = 0
    while i < len(base):
        c = base[i]
        doubled = i + 1 < len(base) and base[i + 1] == c and c != " "
        unit = c * 2 if doubled else c
        options = {unit}
        if c == "l":
            options.add(unit.replace("l", "i"))
        if doubled:
            options |= {o[0] for o in options}
        choices.append(tuple(sorted(options)))
        i += 2 if doubled else 1
    out: list[str] = []
    for combo in product(*choices):
        found = skeleton("".join(combo))
        if found and found not in out:
            out.append(found)
        if len(out) >= MAX_VARIANTS:
            break
    if base not in out:
        out.insert(0, base)
    return out
