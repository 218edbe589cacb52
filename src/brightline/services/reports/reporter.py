"""The ``Reporter`` seam: what the outbox needs from a destination (NCMEC, the NCA).

A reporter turns a report into a document, plans the report's steps, performs one
step at a time and says what each outcome means. The outbox (``outbox.Driver``)
keeps every step durable, archives every request and answer, retries with backoff
and decides nothing about the destination itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from brightline.core.reports.model import Report, ReportFile


class Outcome(StrEnum):
    DONE = "done"  # the step took effect
    RETRY = "retry"  # it did not take effect; send it again later
    UNKNOWN = "unknown"  # it may or may not have taken effect (lost answer)
    RESTART = "restart"  # the destination's copy cannot be trusted: start a new one
    GIVE_UP = "give_up"  # retrying will not help; the report fails until a person acts
    FILED = "filed"  # (to a retraction) too late: the destination has it filed


@dataclass(frozen=True, slots=True)
class StepSpec:
    kind: str
    item_id: int = 0


@dataclass(frozen=True, slots=True)
class StepResult:
    outcome: Outcome
    remote_id: str | None = None
    code: int | None = None
    text: str = ""
    exchange: Mapping[str, Any] | None = None  # the answer, archived with the report


@dataclass
class StepContext:
    """What a step needs: the report, its document, its files, where to archive."""

    report_id: int
    report: Report
    document: Callable[[], bytes]
    remote_id: str | None = None  # the destination's id for the report (NCMEC reportId)
    item: ReportFile | None = None
    file_id: str | None = None  # the upload's fileId, for a fileinfo step
    open_file: Callable[[int], Iterator[bytes]] = field(default=lambda item_id: iter(()))
    archive: Callable[[str, Mapping[str, Any]], None] = field(default=lambda name, rec: None)
    hook: Callable[[str], None] = field(default=lambda point: None)


class Reporter(Protocol):
    destination: str

    def document(self, report: Report) -> bytes:
        """The report as the destination takes it (validated); kept in the vault."""
        ...

    def plan(self, report: Report) -> list[StepSpec]: ...

    def perform(self, step: StepSpec, ctx: StepContext) -> StepResult: ...

    def recover(self, step: StepSpec) -> Outcome:
        """A step found in flight after a crash: RETRY (safe to send again) or RESTART."""
        ...

    def retract(self, ctx: StepContext) -> StepResult: ...

    def check(self) -> StepResult:
        """Whether the destination answers and takes our credentials."""
        ...
