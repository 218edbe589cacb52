"""The outbox driver: takes reports in ``sending`` one step at a time, durably.

Each step is a row. Just before a request goes out it is archived and its step
marked ``in_flight``, in one commit; the answer is archived and the step marked
``done`` (with NCMEC's reportId or fileId) in one transaction. So after a crash at
any moment the rows say exactly what is known: a ``done`` step is never sent again,
and a step still ``in_flight`` is one whose answer may have been lost, which the
reporter's ``recover`` rules decide (send again, or restart the report as a new
generation after retracting the open one). Failures back off exponentially; the
attempt count and the next time are in the report's row, so backoff survives
restarts. A lease (``lease.py``) keeps two workers off the same report.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, or_, select, update

from brightline.core.reports.model import Report
from brightline.errors import BrightlineError
from brightline.services.reports import lease
from brightline.services.reports.build import build_report
from brightline.services.reports.endings import WORKER, Endings
from brightline.services.reports.reporter import (
    Outcome,
    Reporter,
    StepContext,
    StepResult,
    StepSpec,
)
from brightline.services.store import Store
from brightline.services.store.reports import report_items, report_steps, reports
from brightline.services.vault import Vault
from brightline.settings import Settings


class Driver(Endings):
    def __init__(
        self,
        store: Store,
        vault: Vault,
        settings: Settings,
        reporters: Mapping[str, Callable[[], Reporter]],
        *,
        hook: Callable[[str], None] = lambda point: None,
    ):
        self.store = store
        self.vault = vault
        self.settings = settings
        self._factories = reporters
        self._reporters: dict[str, Reporter] = {}
        self.hook = hook
        self._current: int | None = None
        self._built: dict[int, Report] = {}
        self.owner = lease.new_owner()

    # -- scheduling ----------------------------------------------------------------

    def due(self, now: datetime | None = None, limit: int = 10) -> list[int]:
        now = now or datetime.now(UTC)
        with self.store.connect() as conn:
            rows = conn.execute(
                select(reports.c.id)
                .where(reports.c.state == "sending")
                .where(or_(reports.c.next_attempt_at.is_(None), reports.c.next_attempt_at <= now))
                .order_by(reports.c.next_attempt_at, reports.c.id)
                .limit(limit)
            ).all()
        return [int(r.id) for r in rows]

    def run_due(self) -> int:
        """Drive every report that is due; returns how many were driven."""
        driven = 0
        for report_id in self.due():
            if self.drive(report_id) is not None:
                driven += 1
        return driven

    def drive(self, report_id: int) -> str | None:
        """Drive one report as far as it goes now; its state, or None if leased elsewhere."""
        if not self._claim(report_id):
            return None
        try:
            while True:
                try:
                    state = self._step(report_id)
                except BrightlineError as exc:  # settings, keys, a document: a person must act
                    return self._fail(report_id, exc)
                if state is not None:
                    return state
        finally:
            self._built.pop(report_id, None)
            self._release(report_id)

    # -- one step ------------------------------------------------------------------

    def _step(self, report_id: int) -> str | None:
        """Perform the next step; a state when driving should stop for now."""
        with self.store.connect() as conn:
            row = conn.execute(select(reports).where(reports.c.id == report_id)).one()
            if row.state != "sending":
                return str(row.state)
            report = self._built.get(report_id) or build_report(conn, report_id, self.settings)
            self._built[report_id] = report  # the items do not change once sent
            reporter = self._reporter(row.destination)
            steps = self._steps(conn, row)
        if not steps:
            self._plan(row, [s for s in reporter.plan(report)])
            return None
        ctx = self._context(row, report, steps)
        if row.retract_requested:
            return self._retract(row, reporter, ctx)
        step = next((s for s in steps if s.state != "done"), None)
        if step is None:
            return self._finished(row)
        spec = StepSpec(step.kind, int(step.item_id))
        if step.state == "in_flight" and reporter.recover(spec) is Outcome.RESTART:
            return self._restart(
                row,
                reporter,
                ctx,
                f"{step.kind} of item {step.item_id} "
                "may have reached NCMEC without its answer reaching us",
            )
        ctx.item = next((f for f in report.files if f.item_id == spec.item_id), None)
        ctx.file_id = next(
            (
                s.remote_id
                for s in steps
                if s.kind == "upload" and s.item_id == step.item_id and s.state == "done"
            ),
            None,
        )
        self._mark(step.id, attempts=step.attempts + 1)
        self.hook(f"before:{spec.kind}")
        self._current = int(step.id)  # archiving its request marks it in flight
        try:
            result = reporter.perform(spec, ctx)
        finally:
            self._current = None
        self.hook(f"after:{spec.kind}")
        return self._settle(row, step, result, reporter, ctx)

    def _settle(
        self,
        row: Row[Any],
        step: Row[Any],
        result: StepResult,
        reporter: Reporter,
        ctx: StepContext,
    ) -> str | None:
        if result.outcome is Outcome.RESTART:
            return self._restart(row, reporter, ctx, result.text)
        blob = self._blob(row, f"{step.kind}-response", result)
        now = datetime.now(UTC)
        with self.store.begin() as conn:
            self.vault.record(conn, row.id, "exchange", _name(row, step, "response"), blob)
            values: dict[str, Any] = {
                "response_code": result.code,
                "response_text": result.text[:4000],
                "updated_at": now,
            }
            if result.outcome is Outcome.DONE:
                values.update(state="done", remote_id=result.remote_id)
            elif result.outcome in (Outcome.RETRY, Outcome.GIVE_UP):
                values.update(state="pending")  # it did not take effect
            conn.execute(update(report_steps).where(report_steps.c.id == step.id).values(values))
            if result.outcome is Outcome.DONE:
                extra = {"remote_id": result.remote_id} if step.kind == "submit" else {}
                # A new submit proves little (a report that keeps restarting must still
                # run out of attempts); any later step done means progress.
                reset = {} if step.kind == "submit" else {"attempts": 0}
                conn.execute(
                    update(reports)
                    .where(reports.c.id == row.id)
                    .values(updated_at=now, last_error=None, **extra, **reset)
                )
            else:
                self._back_off(conn, row, result, now)
        self.hook(f"done:{step.kind}")
        return None if result.outcome is Outcome.DONE else "sending_later"

    # -- rows ----------------------------------------------------------------------

    def _steps(self, conn: Connection, row: Row[Any]) -> list[Row[Any]]:
        return list(
            conn.execute(
                select(report_steps)
                .where(report_steps.c.report_id == row.id)
                .where(report_steps.c.generation == row.generation)
                .order_by(report_steps.c.position)
            ).all()
        )

    def _plan(self, row: Row[Any], specs: list[StepSpec]) -> None:
        now = datetime.now(UTC)
        with self.store.begin() as conn:
            conn.execute(
                insert(report_steps),
                [
                    {
                        "report_id": row.id,
                        "generation": row.generation,
                        "position": n,
                        "kind": s.kind,
                        "item_id": s.item_id,
                        "state": "pending",
                        "attempts": 0,
                        "updated_at": now,
                    }
                    for n, s in enumerate(specs)
                ],
            )

    def _mark(self, step_id: int, **values: Any) -> None:
        with self.store.begin() as conn:
            lease.renew(conn, self.owner)
            conn.execute(
                update(report_steps)
                .where(report_steps.c.id == step_id)
                .values(updated_at=datetime.now(UTC), **values)
            )

    def _context(self, row: Row[Any], report: Any, steps: list[Row[Any]]) -> StepContext:
        with self.store.connect() as conn:
            objects = {
                int(r.item_id): int(r.vault_object)
                for r in conn.execute(
                    select(report_items.c.item_id, report_items.c.vault_object).where(
                        report_items.c.report_id == row.id
                    )
                )
            }
        document_id = int(row.report_object)

        def document() -> bytes:
            return self.vault.read_bytes(document_id, WORKER, "send the report")

        def open_file(item_id: int) -> Iterator[bytes]:
            return self.vault.read(objects[item_id], WORKER, "send the file")

        def archive(name: str, record: Mapping[str, Any]) -> None:
            """Keep a request; it is about to go out, so its step is now in flight."""
            data = json.dumps({"at": datetime.now(UTC).isoformat(), **record}, default=str)
            blob = self.vault.write([data.encode()])
            with self.store.begin() as conn:
                self.vault.record(conn, row.id, "exchange", f"g{row.generation}-{name}", blob)
                if self._current is not None:
                    conn.execute(
                        update(report_steps)
                        .where(report_steps.c.id == self._current)
                        .values(state="in_flight", updated_at=datetime.now(UTC))
                    )

        return StepContext(
            row.id,
            report,
            document,
            row.remote_id,
            open_file=open_file,
            archive=archive,
            hook=self.hook,
        )

    def _reporter(self, destination: str) -> Reporter:
        if destination not in self._reporters:
            self._reporters[destination] = self._factories[destination]()
        return self._reporters[destination]

    def _claim(self, report_id: int) -> bool:
        return lease.claim(self.store, report_id, self.owner)

    def _release(self, report_id: int) -> None:
        lease.release(self.store, report_id, self.owner)

    def close(self) -> None:
        for reporter in self._reporters.values():
            close = getattr(reporter, "close", None)
            if close is not None:
                close()


def _name(row: Row[Any], step: Row[Any], what: str) -> str:
    item = f"-item{step.item_id}" if step.item_id else ""
    return f"g{row.generation}-{step.kind}{item}-{what}-a{step.attempts + 1}"
