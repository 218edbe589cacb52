"""Category schemes. Kept apart on purpose: a category only means something under
its scheme, a missing category is ``None`` (never 0), and there is no implicit
mapping between schemes.
"""

from __future__ import annotations

import functools

from brightline.errors import InvalidCategoryError, UsageError

SCHEMES: dict[str, dict[str, str]] = {
    # UK Sentencing Council categories of indecent images of children.
    "uk": {
        "A": "penetrative sexual activity, sadism or bestiality",
        "B": "non-penetrative sexual activity",
        "C": "other indecent images",
    },
    # NCMEC / Tech Coalition industry classification.
    "industry": {
        "A1": "prepubescent, sex act",
        "A2": "prepubescent, lascivious exhibition",
        "B1": "pubescent, sex act",
        "B2": "pubescent, lascivious exhibition",
    },
    # Project VIC (US) categories, as used in VICS.
    "vic-us": {
        "0": "non-pertinent",
        "1": "child abuse material",
        "2": "child exploitive / age difficult",
        "3": "CGI / animation",
        "4": "comparison",
    },
    # Legacy DHS categories.
    "dhs": {
        "0": "uncategorised",
        "1": "CAM (prepubescent)",
        "2": "CAM (pubescent)",
        "3": "child exploitive / age difficult",
        "4": "CGI / animation",
        "5": "non-pertinent",
    },
    # No scheme: categories are kept as free text and never interpreted.
    "none": {},
}

_PREFIXES = ("category ", "cat ", "cat.", "category")


def check_scheme(scheme: str) -> str:
    name = scheme.strip().lower()
    if name not in SCHEMES:
        choices = ", ".join(SCHEMES)
        raise UsageError(f"unknown category scheme {scheme!r}; choose one of {choices}")
    return name


@functools.lru_cache(maxsize=4096)
def _normalize_text(scheme: str, text: str) -> str | None:
    codes = SCHEMES[scheme]
    if not codes:
        return text
    code = text.upper()
    for prefix in _PREFIXES:
        if code.lower().startswith(prefix):
            code = code[len(prefix) :].strip()
            break
    if code in codes:
        return code
    allowed = ", ".join(codes)
    raise InvalidCategoryError(
        f"category {text!r} is not defined by the {scheme!r} scheme (allowed: {allowed})"
    )


def normalize_category(scheme: str, category: object) -> str | None:
    """Return the canonical code of ``category`` under ``scheme``, or None if absent.

    Accepts the usual spellings (``"a"``, ``"Category A"``, ``1`` for ``"1"``).
    Raises InvalidCategoryError for a value the scheme does not define.
    """
    if category is None:
        return None
    text = str(category).strip()
    if not text:
        return None
    return _normalize_text(scheme, text)
