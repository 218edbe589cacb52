"""Meta's ThreatExchange: kept as a type (``app-id|secret`` credentials are checked
and stored) but not fetched yet.

The gap, named: pytx's ``ThreatExchangeAPI`` (``clients/fb_threatexchange/api.py``)
reads privacy groups' ``threat_updates`` through the Graph API with a ``requests``
session and an app token; it would fit as this module's client, but this release
ships no local stand-in written from the Graph API's documentation to test it
against, and the rule is no client without one. ``fetch`` says so as an error
instead of pretending.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from brightline.errors import ExchangeError, UsageError
from brightline.services.exchanges.base import Config, Feedback, Page, RemoteEntry

GAP = (
    "fetching from ThreatExchange is not supported yet: its Graph API client "
    "(pytx ThreatExchangeAPI) is not wired in; use a file exchange of a pytx export"
)


class ThreatExchangeExchange:
    name = "threatexchange"
    credentials_form = "app-id|secret"

    def check_config(
        self, url: str | None, environment: str | None, credentials: str | None
    ) -> None:
        if credentials is not None:
            app, sep, secret = credentials.partition("|")
            if not sep or not app.strip().isdigit() or not secret:
                raise UsageError("ThreatExchange credentials are one line: app-id|secret")

    def pages(
        self,
        config: Config,
        checkpoint: Mapping[str, Any] | None,
        resume: Mapping[str, Any] | None,
    ) -> Iterator[Page]:
        raise ExchangeError(GAP)

    def signals_of(self, entry: RemoteEntry) -> list[tuple[str, str]]:
        return list(entry.fingerprints.items())

    def feedback_fingerprint(self, signal_type: str) -> str | None:
        return None

    def send_feedback(self, config: Config, feedback: Feedback) -> None:
        raise ExchangeError(GAP)


EXCHANGE = ThreatExchangeExchange()
