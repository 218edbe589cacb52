"""The ``review`` action: a matched file becomes a review item (encrypted, blurred
when shown), in the action's queue, reported to its ``report_to`` once confirmed.

Runs after the job's matches are committed, for every source that has the content
(``brightline match --actions``, API uploads, ``watch`` alerts with the matching
frames). A hash lookup has no content: nothing to review. One item per matched
file, whatever number of its lists ask for review: the first list's queue, every
list's destinations. A failure is logged, never hides a verdict.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from brightline.services.actions.registry import Action, ActionRun
from brightline.services.review import intake

log = logging.getLogger("brightline.actions.review")


class ReviewAction:
    kind = "review"
    phase = "after"

    def run(self, run: ActionRun) -> int:
        if run.env is None:
            return 0
        made = 0
        for hit in run.hits:
            if hit.media is None or hit.result is None or hit.result.signals is None:
                continue
            acting = hit.acting  # a quarantined match runs no action
            lists = {m.list_id for m in acting}
            acts = sorted((a for a in run.actions if a.list_id in lists), key=lambda a: a.id)
            if not acts:
                continue
            try:
                with hit.media() as stream:
                    intake.from_actions(
                        run.env,
                        run.actor,
                        stream,
                        hit.filename,
                        hit.result.signals,
                        acting,
                        [_ask(a) for a in acts],
                        intake.JobRef(run.context.job_id, run.context.job_kind),
                        hit.metadata,
                    )
                made += 1
            except Exception:
                log.exception("could not keep the matched file for review")
        return made


HANDLER = ReviewAction()


@dataclass(frozen=True, slots=True)
class _Ask:
    list_name: str
    queue: str | None
    report_to: Sequence[str]


def _ask(action: Action) -> _Ask:
    options = action.review or {}
    queue = options.get("queue")
    report_to = options.get("report_to") or []
    return _Ask(action.list_name, str(queue) if queue else None, [str(d) for d in report_to])
