"""Checking per-signal-type thresholds, and reading ``TYPE=N`` as the CLI writes it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from brightline.core import signals
from brightline.errors import InvalidThresholdError, UsageError


def check_thresholds(values: Mapping[str, int]) -> dict[str, int]:
    """Canonical type names and checked values.

    InvalidThresholdError for an exact type (it has no threshold) or a value outside
    ``0..max_threshold``; InvalidHashError for an unknown type.
    """
    out: dict[str, int] = {}
    for name, threshold in values.items():
        signal = signals.get(name)
        if signal.exact:
            raise InvalidThresholdError(
                f"{signal.name} is an exact signal type: it has no threshold"
            )
        if not 0 <= threshold <= signal.max_threshold:
            raise InvalidThresholdError(
                f"{signal.name} threshold must be between 0 and {signal.max_threshold}, "
                f"got {threshold}"
            )
        out[signal.name] = threshold
    return out


def parse_assignments(items: Iterable[str]) -> dict[str, int]:
    """``["pdq=20", "vpdq=10"]`` -> ``{"pdq": 20, "vpdq": 10}`` (checked)."""
    out: dict[str, int] = {}
    for item in items:
        name, sep, number = item.partition("=")
        try:
            if not sep:
                raise ValueError
            out[name.strip()] = int(number)
        except ValueError:
            raise UsageError(f"expected TYPE=N (like pdq=20), got {item[:80]!r}") from None
    return check_thresholds(out)
