"""How a report's drive ends for now: backoff after a failure, finished, retracted,
restarted as a new generation, or failed. Part of the outbox driver (``outbox.py``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, and_, select, update

from brightline.core.actor import system
from brightline.errors import BrightlineError, UsageError
from brightline.services import audit
from brightline.services.reports import destinations
from brightline.services.reports.reporter import Outcome, Reporter, StepContext, StepResult
from brightline.services.stats import hooks as stats_hooks
from brightline.services.store import Store
from brightline.services.store.reports import report_steps, reports
from brightline.services.vault import Blob, Vault, hold_until
from brightline.settings import Settings

MAX_BACKOFF_S = 6 * 3600.0
WORKER = system("outbox")


class Endings:
    store: Store
    vault: Vault
    settings: Settings

    def _fail(self, report_id: int, exc: BrightlineError) -> str:
        with self.store.begin() as conn:
            row = conn.execute(select(reports).where(reports.c.id == report_id)).one()
            result = StepResult(Outcome.GIVE_UP, text=f"{type(exc).__name__}: {exc}")
            self._back_off(conn, row, result, datetime.now(UTC))
        return "failed"

    def _back_off(self, conn: Connection, row: Row[Any], result: StepResult, now: datetime) -> None:
        attempts = int(row.attempts) + 1
        give_up = result.outcome is Outcome.GIVE_UP or attempts >= self.settings.report_max_attempts
        values: dict[str, Any] = {
            "attempts": attempts,
            "last_error": result.text[:4000],
            "updated_at": now,
        }
        if give_up:
            values["state"] = "failed"
        else:
            delay = min(self.settings.report_backoff_s * 2 ** (attempts - 1), MAX_BACKOFF_S)
            values["next_attempt_at"] = now + timedelta(seconds=delay)
        conn.execute(update(reports).where(reports.c.id == row.id).values(values))
        if give_up:
            stats_hooks.report_step(conn, WORKER.label, row.destination, "failed", row.id, now)
            audit.record(
                conn,
                WORKER,
                "report.fail",
                f"report:{row.id}",
                {"error": result.text[:500], "attempts": attempts},
            )

    def _finished(self, row: Row[Any]) -> str:
        now = datetime.now(UTC)
        s = self.settings
        until = hold_until(
            s.vault_hold_days,
            s.vault_hold_days_by_jurisdiction,
            _jurisdiction(row.destination),
            now,
        )
        if row.hold_until is not None and row.hold_until > until:
            until = row.hold_until
        with self.store.begin() as conn:
            conn.execute(
                update(reports)
                .where(reports.c.id == row.id)
                .values(
                    state="finished",
                    finished_at=now,
                    updated_at=now,
                    hold_until=until,
                    next_attempt_at=None,
                    last_error=None,
                )
            )
            stats_hooks.report_filed(conn, row, now)
            audit.record(
                conn,
                WORKER,
                "report.finish",
                f"report:{row.id}",
                {
                    "destination": row.destination,
                    "remote_id": row.remote_id,
                    "hold_until": until.isoformat(),
                },
            )
        return "finished"

    def _retract(self, row: Row[Any], reporter: Reporter, ctx: StepContext) -> str | None:
        result = reporter.retract(ctx)
        blob = self._blob(row, "retract-response", result)
        now = datetime.now(UTC)
        with self.store.begin() as conn:
            self.vault.record(conn, row.id, "exchange", f"g{row.generation}-retract-response", blob)
            if result.outcome is Outcome.DONE:
                s = self.settings
                until = hold_until(
                    s.vault_hold_days,
                    s.vault_hold_days_by_jurisdiction,
                    _jurisdiction(row.destination),
                    now,
                )
                conn.execute(
                    update(reports)
                    .where(reports.c.id == row.id)
                    .values(
                        state="retracted", updated_at=now, hold_until=until, next_attempt_at=None
                    )
                )
                stats_hooks.report_step(
                    conn, WORKER.label, row.destination, "retracted", row.id, now
                )
                audit.record(
                    conn,
                    WORKER,
                    "report.retracted",
                    f"report:{row.id}",
                    {"remote_id": row.remote_id, "answer": result.text[:200]},
                )
                return "retracted"
            if result.outcome is Outcome.FILED:  # its finish went through after all
                conn.execute(
                    update(reports)
                    .where(reports.c.id == row.id)
                    .values(retract_requested=False, last_error=result.text[:4000])
                )
        if result.outcome is Outcome.FILED:
            return self._finished(row)
        with self.store.begin() as conn:
            self._back_off(conn, row, result, now)
        return "sending_later"

    def _restart(self, row: Row[Any], reporter: Reporter, ctx: StepContext, why: str) -> str | None:
        """Retract the open report and start a new generation with every step pending."""
        result = reporter.retract(ctx)
        blob = self._blob(row, "retract-response", result)
        now = datetime.now(UTC)
        with self.store.begin() as conn:
            self.vault.record(conn, row.id, "exchange", f"g{row.generation}-restart-retract", blob)
            if result.outcome is not Outcome.DONE:
                self._back_off(conn, row, result, now)
                return "sending_later"
            conn.execute(
                update(report_steps)
                .where(
                    and_(
                        report_steps.c.report_id == row.id,
                        report_steps.c.generation == row.generation,
                        report_steps.c.state != "done",
                    )
                )
                .values(state="abandoned", updated_at=now)
            )
            conn.execute(
                update(reports)
                .where(reports.c.id == row.id)
                .values(
                    generation=row.generation + 1,
                    remote_id=None,
                    updated_at=now,
                )
            )
            audit.record(
                conn,
                WORKER,
                "report.restart",
                f"report:{row.id}",
                {"retracted": row.remote_id, "why": why[:500]},
            )
            # A restart counts as a failed attempt: backoff, and in the end ``failed``.
            self._back_off(conn, row, StepResult(Outcome.RETRY, text=f"restarted: {why}"), now)
        return "sending_later"

    def _blob(self, row: Row[Any], name: str, result: StepResult) -> Blob:
        record = {
            "at": datetime.now(UTC).isoformat(),
            "outcome": result.outcome.value,
            "code": result.code,
            "text": result.text,
            "answer": result.exchange,
        }
        return self.vault.write([json.dumps(record, default=str).encode()])


def _jurisdiction(destination: str) -> str:
    try:
        return destinations.get(destination).jurisdiction
    except UsageError:  # a destination no longer registered: its own name
        return destination
