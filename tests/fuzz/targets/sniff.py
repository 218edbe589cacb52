"""Telling a list's format from its first bytes."""

from __future__ import annotations

from harness import LIST_SEEDS, Target

from brightline.core.formats import FORMATS, sniff_format
from brightline.errors import FormatError


def one_input(data: bytes) -> None:
    if sniff_format(data) not in FORMATS:
        raise AssertionError("sniff_format returned an unknown format")


TARGET = Target("sniff", one_input, (FormatError,), LIST_SEEDS)
