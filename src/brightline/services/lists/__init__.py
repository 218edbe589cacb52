"""Hash lists as operations: create, read, change, delete; each change audited.

Adapters (the CLI, the API, the HMA-compatible routes) call these, never the store.
Every change takes the actor doing it and writes one audit record, last in the
change's own transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from brightline.core.actor import Actor
from brightline.core.models import HashList
from brightline.errors import NotFoundError
from brightline.services import audit
from brightline.services.store import Store
from brightline.services.store import entries as store_entries
from brightline.services.store import lists as store_lists

DEFAULT_PDQ_THRESHOLD = store_lists.DEFAULT_PDQ_THRESHOLD


@dataclass(frozen=True, slots=True)
class Part:
    """One line of what a list is made of."""

    signal_type: str
    category: str | None
    active: bool
    count: int

    def as_dict(self) -> dict[str, object]:
        return {
            "signal_type": self.signal_type,
            "category": self.category,
            "active": self.active,
            "count": self.count,
        }


@dataclass(frozen=True, slots=True)
class ListDetail:
    hash_list: HashList
    composition: list[Part] = field(default_factory=list)


def target(name: str) -> str:
    return f"list:{name}"


def create_list(
    store: Store,
    name: str,
    scheme: str = "none",
    pdq_threshold: int = DEFAULT_PDQ_THRESHOLD,
    description: str | None = None,
    *,
    thresholds: Mapping[str, int] | None = None,
    actor: Actor | None = None,
) -> HashList:
    """Make an empty list. ``thresholds``: by signal type, beside ``pdq_threshold``.
    Raises InvalidNameError, ConflictError, UsageError, InvalidThresholdError."""
    with store.begin() as conn:
        hl = store_lists.create_list(conn, name, scheme, pdq_threshold, description, thresholds)
        details = {"scheme": hl.scheme, "pdq_threshold": hl.pdq_threshold}
        if thresholds:
            details["thresholds"] = dict(thresholds)
        audit.record(conn, audit.who(actor), "list.create", target(hl.name), details)
    return hl


def get_list(store: Store, name: str) -> HashList:
    with store.connect() as conn:
        return store_lists.get_list(conn, name)


def all_lists(store: Store) -> list[HashList]:
    with store.connect() as conn:
        return store_lists.all_lists(conn)


def describe(store: Store, name: str) -> ListDetail:
    """A list and what it is made of (signal types, categories, active or not)."""
    with store.connect() as conn:
        hl = store_lists.get_list(conn, name)
        parts = [Part(*row) for row in store_entries.composition(conn, hl.id)]
    return ListDetail(hl, parts)


def update_list(
    store: Store,
    name: str,
    *,
    pdq_threshold: int | None = None,
    description: str | None = None,
    thresholds: Mapping[str, int] | None = None,
    actor: Actor | None = None,
) -> HashList:
    """Change a list's thresholds or description; matchers follow the revision."""
    with store.begin() as conn:
        before = store_lists.get_list(conn, name)
        hl = store_lists.update_list(
            conn,
            name,
            pdq_threshold=pdq_threshold,
            description=description,
            thresholds=thresholds,
        )
        changes: dict[str, object] = {}
        if thresholds:
            changes["thresholds"] = {
                t: {"from": before.threshold_for(t, -1), "to": hl.threshold_for(t, -1)}
                for t in thresholds
            }
        if pdq_threshold is not None:
            changes["pdq_threshold"] = {"from": before.pdq_threshold, "to": hl.pdq_threshold}
        if description is not None:
            changes["description"] = "changed"  # free text: not copied into the chain
        audit.record(conn, audit.who(actor), "list.update", target(name), {"changes": changes})
    return hl


def delete_list(
    store: Store, name: str, *, actor: Actor | None = None, missing_ok: bool = False
) -> int:
    """Delete a list and its entries; returns how many entries went with it."""
    with store.begin() as conn:
        try:
            gone = store_lists.delete_list(conn, name)
        except NotFoundError:
            if missing_ok:
                return 0
            raise
        audit.record(conn, audit.who(actor), "list.delete", target(name), {"entries": gone})
    return gone
