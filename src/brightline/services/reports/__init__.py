"""Reporting: drafts from confirmed review items, the outbox, NCMEC and the NCA.

``Reporting.from_settings`` builds what an entry point needs: the vault, a reporter
per destination and the outbox driver. Importing this package registers the
listener that turns confirmed review items into draft reports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from brightline.core.actor import Actor
from brightline.core.crypto import Keyring
from brightline.errors import UsageError
from brightline.services.reports import _review_port as review
from brightline.services.reports import service
from brightline.services.reports.nca import NcaReporter
from brightline.services.reports.ncmec import NcmecReporter
from brightline.services.reports.outbox import Driver
from brightline.services.reports.reporter import Reporter
from brightline.services.store import Store
from brightline.services.vault import Vault
from brightline.settings import Settings


def make_reporter(settings: Settings, destination: str) -> Reporter:
    if destination == "nca":
        return NcaReporter(settings.nca_outbox)
    if destination != "ncmec":
        raise UsageError(f"unknown report destination {destination!r}")
    missing = [
        name
        for name, value in (
            ("BRIGHTLINE_NCMEC_USERNAME", settings.ncmec_username),
            ("BRIGHTLINE_NCMEC_PASSWORD", settings.ncmec_password),
        )
        if not value
    ]
    if missing:
        raise UsageError("sending to NCMEC needs " + " and ".join(missing))
    assert settings.ncmec_username and settings.ncmec_password
    return NcmecReporter(
        settings.ncmec_url,
        settings.ncmec_username,
        settings.ncmec_password,
        timeout_s=settings.ncmec_timeout_s,
        schema=settings.ncmec_xsd,
    )


@dataclass
class Reporting:
    store: Store
    settings: Settings
    keyring: Keyring
    vault: Vault
    media: review.MediaOpener = field(default=review.open_media)

    @classmethod
    def from_settings(cls, store: Store, settings: Settings, **kw: Any) -> Reporting:
        keyring = review.keyring_from_settings(settings)
        return cls(store, settings, keyring, Vault(store, keyring, settings.vault_dir), **kw)

    def driver(self, hook: Callable[[str], None] = lambda point: None) -> Driver:
        factories = {d: (lambda d=d: make_reporter(self.settings, d)) for d in ("ncmec", "nca")}
        return Driver(self.store, self.vault, self.settings, factories, hook=hook)

    def send(self, report_id: int, actor: Actor, **kw: Any) -> dict[str, Any]:
        view = service.show(self.store, self.settings, report_id)
        service.reporting_person_check(self.settings)
        reporter = make_reporter(self.settings, view["destination"])
        try:
            return service.send(self.store, self.settings, self.vault, reporter, report_id,
                                actor, media=self.media, keyring=self.keyring, **kw)  # fmt: skip
        finally:
            close = getattr(reporter, "close", None)
            if close is not None:
                close()


def _listener(conn: Any, item: Any) -> None:
    service.add_confirmed(conn, item)


if _listener not in review.on_confirmed:
    review.on_confirmed.append(_listener)

__all__ = ["Reporting", "make_reporter"]
