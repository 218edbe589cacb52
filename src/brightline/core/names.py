"""Rules for names and free text that Brightline stores.

A list name must be reachable as one segment of a URL path (``/v1/lists/{name}``)
and typed on a command line without quoting: 1 to 200 characters of ASCII letters,
digits, ``.``, ``_`` and ``-``, starting with a letter or digit. Free text (notes,
source ids, descriptions) may hold anything but a NUL character, which PostgreSQL
refuses: it is refused on every database alike, with a clear error.
"""

from __future__ import annotations

import re

from brightline.errors import InvalidNameError, InvalidTextError, shorten

MAX_LIST_NAME = 200
_LIST_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
LIST_NAME_RULE = (
    f"1 to {MAX_LIST_NAME} characters: letters a-z and A-Z, digits, '.', '_' and '-', "
    "starting with a letter or digit"
)


def check_list_name(name: str) -> str:
    """The name, stripped, if it follows the rule; raises InvalidNameError."""
    name = name.strip()
    if not name:
        raise InvalidNameError(f"a list needs a name ({LIST_NAME_RULE})")
    if len(name) > MAX_LIST_NAME or not _LIST_NAME.fullmatch(name):
        raise InvalidNameError(f"list name {shorten(name)} is not allowed: use {LIST_NAME_RULE}")
    return name


def check_text(field: str, value: str | None) -> str | None:
    """``value`` unchanged, unless it holds a NUL character (InvalidTextError)."""
    if value is not None and "\x00" in value:
        raise InvalidTextError(f"{field} contains a NUL character, which cannot be stored")
    return value
