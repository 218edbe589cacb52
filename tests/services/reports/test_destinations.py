"""Destinations are a registry: a made-up tipline, registered from this module, takes
a confirmed item through drafting, sending, the outbox and the vault's hold."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import ClassVar

import pytest

from brightline.core.reports.model import Report
from brightline.errors import InputError
from brightline.services.reports import Reporting, destinations, service
from brightline.services.reports.destinations import Destination, check_report_to
from brightline.services.reports.reporter import (
    Outcome,
    StepContext,
    StepResult,
    StepSpec,
)
from reports_helpers import SENIOR, ReviewDouble  # type: ignore[import-not-found]


class Tipline:
    """A made-up destination: one submit step, remembered here."""

    destination = "tipline"
    sent: ClassVar[list[tuple[str, bytes]]] = []

    def document(self, report: Report) -> bytes:
        return json.dumps({"files": len(report.files)}).encode()

    def plan(self, report: Report) -> list[StepSpec]:
        return [StepSpec("submit")]

    def perform(self, step: StepSpec, ctx: StepContext) -> StepResult:
        self.sent.append((step.kind, ctx.document()))
        return StepResult(Outcome.DONE, remote_id="T-1", code=200)

    def recover(self, step: StepSpec) -> Outcome:
        return Outcome.RETRY

    def retract(self, ctx: StepContext) -> StepResult:
        return StepResult(Outcome.DONE)

    def check(self) -> StepResult:
        return StepResult(Outcome.DONE)


@pytest.fixture
def tipline() -> Iterator[None]:
    destinations.register(Destination("tipline", "xx", "report.json", lambda s: Tipline()))
    Tipline.sent.clear()
    yield
    destinations.unregister("tipline")


def test_an_unknown_destination_is_refused() -> None:
    with pytest.raises(InputError, match="not known"):
        check_report_to("tipline")


def test_a_registered_destination_is_reported_to(
    tipline: None, reporting: Reporting, desk: ReviewDouble
) -> None:
    assert check_report_to(["TIPLINE", "ncmec"]) == ["tipline", "ncmec"]
    reporting.settings.vault_hold_days_by_jurisdiction = {"xx": 5}
    desk.confirm(1, report_to=("tipline",), scheme="uk", category="B")
    (draft,) = service.list_reports(reporting.store, reporting.settings)
    assert draft["destination"] == "tipline"
    reporting.send(draft["id"], SENIOR)
    driver = reporting.driver()
    assert driver.drive(draft["id"]) == "finished"
    driver.close()
    assert Tipline.sent == [("submit", b'{"files": 1}')]
    view = reporting.show(draft["id"])
    assert view["state"] == "finished"
    assert ("report", "report.json") in {(o["kind"], o["name"]) for o in view["vault"]}
    assert view["hold_until"]  # the made-up jurisdiction's days: set once finished
