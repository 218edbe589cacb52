"""What ``brightline serve`` runs for exchanges: fetch each one when its interval is
up, then send due feedback. Every API worker runs it; leases keep two workers off
the same exchange and the same feedback row."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from brightline.core.actor import system
from brightline.errors import BrightlineError, ConflictError
from brightline.services.exchanges import feedback, service
from brightline.services.exchanges.service import ExchangeEnv
from brightline.services.store import exchanges as store_ex

log = logging.getLogger("brightline.exchanges")
ACTOR = system("exchange-worker")


def run_due(env: ExchangeEnv) -> int:
    """Fetch every exchange that is due and push due feedback; returns fetches made."""
    with env.store.connect() as conn:
        due = store_ex.due_exchanges(conn, datetime.now(UTC))
    done = 0
    for name in due:
        try:
            result = service.fetch(env, name, actor=ACTOR)
            done += 1
            if not result["ok"]:
                log.warning("exchange fetch stopped", extra={"exchange": name})
        except ConflictError:
            continue  # another worker has it
        except BrightlineError:
            log.exception("exchange fetch failed", extra={"exchange": name})
    feedback.push(env)
    return done
