"""What every review operation needs: the store, the settings, the keyring; and the
review queues (each with its category scheme, its agreement rule and, optionally, a
list that confirmed items join)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row

from brightline.core.actor import Actor
from brightline.core.categories import check_scheme
from brightline.core.crypto import Keyring
from brightline.errors import ForbiddenError, NotFoundError, UsageError
from brightline.services import audit
from brightline.services.store import Store
from brightline.services.store import lists as store_lists
from brightline.services.store import review as store_review
from brightline.services.vault.keys import keyring_from_settings
from brightline.settings import Settings

DEFAULT_QUEUE = "default"
DEFAULT_SCHEME = "industry"
DEFAULT_AGREEMENT = 2
_QUEUE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
REVIEWERS = frozenset({"analyst", "senior"})


@dataclass
class ReviewEnv:
    store: Store
    settings: Settings
    _keyring: Keyring | None = field(default=None, repr=False)

    @property
    def keyring(self) -> Keyring:
        """Loaded (and the key file made, when there is none) on first use."""
        if self._keyring is None:
            self._keyring = keyring_from_settings(self.settings)
        return self._keyring


def require_reviewer(actor: Actor) -> None:
    if actor.kind != "user" or actor.role not in REVIEWERS:
        raise ForbiddenError("only analysts and seniors work the review queue")


def require_senior(actor: Actor) -> None:
    if actor.kind != "user" or actor.role != "senior":
        raise ForbiddenError("this needs a senior reviewer")


def user_id(actor: Actor) -> int:
    return int(actor.id)


def ensure_queue(conn: Connection, name: str | None, settings: Settings | None = None) -> Row[Any]:
    """The named queue; the default queue is made on first use."""
    name = name or DEFAULT_QUEUE
    row = store_review.queue_by_name(conn, name)
    if row is None and name == DEFAULT_QUEUE:
        now = datetime.now(UTC)
        agreement = settings.review_agreement if settings else DEFAULT_AGREEMENT
        store_review.insert_queue(conn, name, DEFAULT_SCHEME, agreement, None, now)
        row = store_review.queue_by_name(conn, name)
    if row is None:
        raise NotFoundError(f"no review queue named {name!r}")
    return row


def create_queue(
    env: ReviewEnv,
    actor: Actor,
    name: str,
    scheme: str = DEFAULT_SCHEME,
    agreement: int | None = None,
    target_list: str | None = None,
) -> dict[str, object]:
    require_senior(actor)
    if not _QUEUE_NAME.match(name):
        raise UsageError("a queue name is 1-100 letters, digits, '.', '_' or '-'")
    agreement = env.settings.review_agreement if agreement is None else agreement
    if not 1 <= agreement <= 10:
        raise UsageError("agreement must be between 1 and 10 reviewers")
    scheme = check_scheme(scheme)
    with env.store.begin() as conn:
        if target_list:
            target = store_lists.get_list(conn, target_list, count=False)
            if target.scheme not in (scheme, "none"):
                raise UsageError(
                    f"list {target_list!r} uses the {target.scheme!r} scheme, the queue "
                    f"{scheme!r}; there is no implicit mapping"
                )
        now = datetime.now(UTC)
        store_review.insert_queue(conn, name, scheme, agreement, target_list, now)
        row = store_review.queue_by_name(conn, name)
        assert row is not None
        details = {"scheme": scheme, "agreement": agreement, "target_list": target_list}
        audit.record(conn, actor, "review.queue_create", f"queue:{name}", details)
        return queue_dict(row)


def list_queues(env: ReviewEnv) -> list[dict[str, object]]:
    with env.store.begin() as conn:
        ensure_queue(conn, DEFAULT_QUEUE, env.settings)
        return [queue_dict(r) for r in store_review.all_queues(conn)]


def queue_dict(row: Row[Any]) -> dict[str, object]:
    return {
        "name": row.name,
        "scheme": row.scheme,
        "agreement": row.agreement,
        "target_list": row.target_list,
        "created_at": row.created_at.isoformat(),
    }
