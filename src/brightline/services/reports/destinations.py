"""Where reports go, as a registry: one ``Destination`` per reporter.

A destination names itself (what ``report_to`` and ``reports.destination`` hold),
the jurisdiction whose hold period its evidence keeps (``vault_hold_days_by_
jurisdiction``), what its document is called in the vault, and how its ``Reporter``
is made from the settings. NCMEC (``ncmec.py``) and the NCA (``nca.py``) are built
in, their reporters made only when a report moves (the HTTP client and the XML stack
load then). Adding a destination is one module that calls ``register``; a test
registers a made-up one (``tests/services/reports/test_destinations.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from brightline.errors import UsageError
from brightline.services.reports.reporter import Reporter
from brightline.services.review import intake
from brightline.services.review.intake import check_report_to
from brightline.settings import Settings


@dataclass(frozen=True, slots=True)
class Destination:
    name: str
    #: The law its evidence is held under (a key of ``vault_hold_days_by_jurisdiction``).
    jurisdiction: str
    #: The document's name among a report's vault objects.
    document_name: str
    make: Callable[[Settings], Reporter]


_DESTINATIONS: dict[str, Destination] = {}


def register(destination: Destination) -> Destination:
    """Add (or replace) a destination; review actions and intakes may then name it."""
    _DESTINATIONS[destination.name] = destination
    if destination.name not in intake.REPORT_DESTINATIONS:
        intake.REPORT_DESTINATIONS.append(destination.name)
    return destination


def unregister(name: str) -> None:
    _DESTINATIONS.pop(name, None)
    if name in intake.REPORT_DESTINATIONS:
        intake.REPORT_DESTINATIONS.remove(name)


def _ncmec(settings: Settings) -> Reporter:
    from brightline.services.reports.ncmec import from_settings

    return from_settings(settings)


def _nca(settings: Settings) -> Reporter:
    from brightline.services.reports.nca import from_settings

    return from_settings(settings)


register(Destination("ncmec", "us", "report.xml", _ncmec))
register(Destination("nca", "uk", "report.json", _nca))


def names() -> tuple[str, ...]:
    return tuple(_DESTINATIONS)


def get(name: str) -> Destination:
    try:
        return _DESTINATIONS[name]
    except KeyError:
        raise UsageError(f"unknown report destination {name!r}") from None


def make_reporter(settings: Settings, name: str) -> Reporter:
    return get(name).make(settings)


__all__ = ["Destination", "check_report_to", "get", "make_reporter", "names", "register"]
