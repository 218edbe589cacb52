"""Recording what a job found: its items, their signals and matches, the match log.

A ``Recorder`` belongs to one job (a CLI scan, an API upload request, a hash
lookup, later a case). ``record(results)`` writes, in one transaction on the events
database, an item per result (locator, size, media type, error code and message),
its signals and its matches, and a match-log row for every match; then, when the
job asks for them, the matched lists' webhook deliveries. Every path that matches
content goes through here, so the CLI and the API record the same things.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Connection, insert

from brightline.core.actor import Actor
from brightline.core.models import Match, ScanResult, Suppressed
from brightline.services import actions
from brightline.services.stats import hooks as stats_hooks
from brightline.services.store import Store
from brightline.services.store import content as store_content

JobKind = Literal["scan", "upload", "lookup", "case", "batch"]
#: ``all``: every item and its signals; ``matched``: only items that matched.
ItemPolicy = Literal["all", "matched"]


class Recorder:
    """Records one job. ``record`` may be called many times (a scan, batch by batch)."""

    def __init__(
        self,
        store: Store,
        actor: Actor,
        kind: JobKind,
        *,
        ref: str | None = None,
        request_id: str | None = None,
        key_prefix: str | None = None,
        webhooks: bool = True,
        items: ItemPolicy = "all",
    ):
        self.store = store
        self.actor = actor
        self.kind = kind
        self.ref = ref
        self.webhooks = webhooks
        self.items = items
        self.job_id: int | None = None
        self.deliveries = 0
        self._ctx = actions.MatchContext(request_id, key_prefix, ref, actor.label)

    @property
    def context(self) -> actions.MatchContext:
        return self._ctx

    def start(self, conn: Connection | None = None) -> int:
        """The job's id, creating its row on first use."""
        if self.job_id is None:
            now = datetime.now(UTC)
            if conn is None:
                with self.store.begin_events() as own:
                    self.job_id = self._insert_job(own, now)
            else:
                self.job_id = self._insert_job(conn, now)
            c = self._ctx
            self._ctx = actions.MatchContext(
                c.request_id, c.key_prefix, c.ref, c.actor, self.job_id
            )
        return self.job_id

    def _insert_job(self, conn: Connection, now: datetime) -> int:
        one_shot = self.kind in ("upload", "lookup")  # one request: done when written
        job_id = store_content.insert_job(
            conn, self.kind, self.actor.label, now, self.ref, self._ctx.request_id, done=one_shot
        )
        stats_hooks.job(conn, self.actor.label, self.kind, "started", job_id, now)
        return job_id

    def record(self, results: Sequence[ScanResult]) -> int:
        """Store these results; returns webhook deliveries queued."""
        keep = [r for r in results if self.items == "all" or r.matches or r.suppressed]
        if not keep:  # only counted (a job that keeps matched items met none here)
            if results:
                with self.store.begin_events() as conn:
                    stats_hooks.results(conn, self.kind, self.actor.label, results, self.job_id)
            return 0
        found = [m for r in keep for m in r.matches]
        acting = [m for m in found if m.acts]
        hooks = actions.webhook_actions(self.store, acting) if self.webhooks and acting else []
        with self.store.begin_events() as conn:
            self.start(conn)
            stats_hooks.results(conn, self.kind, self.actor.label, results, self.job_id)
            ids = self._insert_items(conn, keep)
            item_ids = [i for r, i in zip(keep, ids, strict=True) for _ in r.matches]
            actions.log_matches(conn, found, self._ctx, item_ids)
            held = [s for r in keep for s in r.suppressed]
            held_ids = [i for r, i in zip(keep, ids, strict=True) for _ in r.suppressed]
            actions.log_suppressed(conn, held, self._ctx, held_ids)
            queued = actions.queue_webhooks(conn, hooks, found, self._ctx)
        self.deliveries += queued
        return queued

    def record_matches(
        self, matches: Sequence[Match], suppressed: Sequence[Suppressed] = ()
    ) -> int:
        """Matches of hashes looked up directly (no content item)."""
        if not matches and not suppressed:
            return 0
        acting = [m for m in matches if m.acts]
        hooks = actions.webhook_actions(self.store, acting) if self.webhooks and acting else []
        with self.store.begin_events() as conn:
            self.start(conn)
            stats_hooks.matches(conn, self.kind, self.actor.label, matches, self.job_id)
            actions.log_matches(conn, matches, self._ctx)
            actions.log_suppressed(conn, suppressed, self._ctx)
            queued = actions.queue_webhooks(conn, hooks, matches, self._ctx)
        self.deliveries += queued
        return queued

    def finish(self, status: str = "done") -> None:
        if self.job_id is None:
            return
        with self.store.begin_events() as conn:
            store_content.finish_job(conn, self.job_id, status, datetime.now(UTC))
            stats_hooks.job(conn, self.actor.label, self.kind, status, self.job_id)

    def _insert_items(self, conn: Connection, results: Sequence[ScanResult]) -> list[int]:
        if not results:
            return []
        assert self.job_id is not None
        now = datetime.now(UTC)
        rows = [_item_row(self.job_id, r, now) for r in results]
        table = store_content.items
        query = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        ids = [int(i) for i in conn.execute(query, rows).scalars()]
        signals: list[dict[str, Any]] = []
        found: list[dict[str, Any]] = []
        for result, item_id in zip(results, ids, strict=True):
            signals.extend(_signal_rows(item_id, result))
            found.extend(_match_row(item_id, m) for m in result.matches)
        store_content.insert_signals(conn, signals)
        store_content.insert_matches(conn, found)
        return ids


def _item_row(job_id: int, result: ScanResult, now: datetime) -> dict[str, Any]:
    s = result.signals
    return {
        "job_id": job_id,
        "locator": store_content.clean_text(result.path),
        "size": s.size if s else None,
        "media_type": s.media_type if s else None,
        "error_code": result.error_code if result.error else None,
        "error_message": store_content.clean_text(result.error, 2000),
        "at": now,
    }


def _signal_rows(item_id: int, result: ScanResult) -> list[dict[str, Any]]:
    s = result.signals
    if s is None:
        return []
    quality = {"pdq": s.pdq_quality}
    return [
        {"item_id": item_id, "signal_type": t, "value": v, "quality": quality.get(t)}
        for t, v in s.hashes().items()
    ]


def _match_row(item_id: int, m: Match) -> dict[str, Any]:
    return {
        "item_id": item_id,
        "list_name": m.list_name,
        "entry_id": m.entry_id,
        "signal_type": m.signal_type,
        "value": m.value,
        "distance": m.distance,
        "category": m.category,
        "extra": store_content.extra_json(m.scheme, m.source, m.source_id),
    }
