"""Reporting: drafts from confirmed review items, the outbox, NCMEC and the NCA.

``Reporting.from_settings`` builds what an entry point needs: the vault, a reporter
per destination and the outbox driver. ``install`` (called when the services are
built) registers the listener that turns confirmed review items into draft reports.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from brightline.core.actor import Actor
from brightline.core.crypto import Keyring
from brightline.errors import UsageError
from brightline.services.reports import _review_port as review
from brightline.services.reports import destinations, service, views
from brightline.services.reports.destinations import make_reporter
from brightline.services.reports.outbox import Driver
from brightline.services.reports.reporter import Outcome, Reporter
from brightline.services.store import Store
from brightline.services.vault import Vault, VaultObject
from brightline.services.vault import export as vault_export
from brightline.settings import Settings


@dataclass
class Reporting:
    store: Store
    settings: Settings
    keyring: Keyring
    vault: Vault
    #: Where media of review items are read from; default: the review workspace's.
    media: review.MediaOpener | None = None

    def __post_init__(self) -> None:
        install()

    @classmethod
    def from_settings(cls, store: Store, settings: Settings, **kw: Any) -> Reporting:
        keyring = review.keyring_from_settings(settings)
        return cls(store, settings, keyring, Vault(store, keyring, settings.vault_dir), **kw)

    def driver(self, hook: Callable[[str], None] = lambda point: None) -> Driver:
        factories = {d: (lambda d=d: make_reporter(self.settings, d)) for d in destinations.names()}
        return Driver(self.store, self.vault, self.settings, factories, hook=hook)

    def send(self, report_id: int, actor: Actor, **kw: Any) -> dict[str, Any]:
        service.check_sender(actor)
        view = service.show(self.store, self.settings, report_id)
        service.reporting_person_check(self.settings)
        reporter = make_reporter(self.settings, view["destination"])
        try:
            return service.send(
                self.store,
                self.settings,
                self.vault,
                reporter,
                report_id,
                actor,
                media=self.media or review.open_media,
                keyring=self.keyring,
                **kw,
            )
        finally:
            close = getattr(reporter, "close", None)
            if close is not None:
                close()

    def reports(
        self, state: str | None = None, destination: str | None = None
    ) -> list[dict[str, Any]]:
        return service.list_reports(self.store, self.settings, state, destination)

    def show(self, report_id: int) -> dict[str, Any]:
        view = service.show(self.store, self.settings, report_id)
        view["vault"] = [o.as_dict() for o in self.vault.objects(report_id)]
        return view

    def for_item(self, item_id: int) -> list[dict[str, Any]]:
        """The reports a review item joined, with their state (for the item page)."""
        return views.for_item(self.store, item_id)

    def retry(self, report_id: int, actor: Actor) -> dict[str, Any]:
        return service.retry(self.store, self.settings, report_id, actor)

    def retract(self, report_id: int, actor: Actor) -> dict[str, Any]:
        return service.retract(self.store, self.settings, report_id, actor)

    def wait(
        self,
        report_id: int,
        timeout_s: float,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> dict[str, Any]:
        """Drive one report here (or wait for whichever worker holds it) until it is
        finished, failed or retracted, or ``timeout_s`` passed; its view."""
        deadline = clock() + timeout_s
        driver = self.driver()
        try:
            while True:
                driver.drive(report_id)
                view = service.show(self.store, self.settings, report_id)
                if view["state"] in ("finished", "failed", "retracted", "draft"):
                    return view
                left = deadline - clock()
                if left <= 0:
                    return view
                due = view["next_attempt_at"]
                pause = 0.2
                if due:
                    pause = (datetime.fromisoformat(due) - datetime.now(UTC)).total_seconds()
                sleep(min(max(pause, 0.05), left, 5.0))
        finally:
            driver.close()

    def check(self, destination: str) -> tuple[bool, str]:
        """Whether the destination answers and takes our credentials (NCMEC's /status)."""
        reporter = make_reporter(self.settings, destination)
        try:
            result = reporter.check()
        finally:
            close = getattr(reporter, "close", None)
            if close is not None:
                close()
        return result.outcome is Outcome.DONE, result.text

    # -- the vault -------------------------------------------------------------------

    def purge(self, actor: Actor) -> list[VaultObject]:
        """Destroy the evidence whose hold has ended, and the NCA packages of those
        reports still in the drop folder (they hold the same files in the clear)."""
        destroyed = self.vault.purge(actor)
        remove_nca_packages(self, actor, {o.report_id for o in destroyed if o.report_id})
        return destroyed

    def rotate(self, actor: Actor) -> int:
        return self.vault.rotate(actor)

    def hold(self, report_id: int, until: datetime, reason: str, actor: Actor) -> datetime:
        if not reason.strip():
            raise UsageError("a hold needs a reason (e.g. the preservation request's reference)")
        return self.vault.hold(report_id, until, reason.strip(), actor)

    def export(self, report_id: int, dest: Path, actor: Actor) -> Path:
        document = service.export_document(self.store, self.settings, report_id)
        return vault_export.export(self.vault, report_id, dest, actor, document)


def remove_nca_packages(reporting: Reporting, actor: Actor, report_ids: set[int]) -> list[str]:
    """Remove the NCA packages of ``report_ids`` from the drop folder (audited)."""
    from brightline.services import audit
    from brightline.services.reports.build import report_ref
    from brightline.services.reports.nca import remove_package

    removed = [
        ref
        for ref in (report_ref(n) for n in sorted(report_ids))
        if remove_package(reporting.settings.nca_outbox, ref)
    ]
    if removed:
        with reporting.store.begin() as conn:
            details = {"packages": removed, "folder": str(reporting.settings.nca_outbox)}
            audit.record(conn, actor, "vault.purge_nca_packages", "vault", details)
    return removed


def _listener(conn: Any, item: Any) -> None:
    service.add_confirmed(conn, item)


def install() -> None:
    """Turn confirmed review items into draft reports (the review workspace's
    ``on_confirmed`` listener). Called by whoever builds the services (``Services``,
    ``Reporting``), never by importing a module; calling it again changes nothing."""
    if _listener not in review.on_confirmed:
        review.on_confirmed.append(_listener)


__all__ = ["Reporter", "Reporting", "install", "make_reporter"]
