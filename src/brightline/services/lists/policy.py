"""List policies that protect against bad third-party hashes, applied in ONE place.

``apply_list_policy`` is the one function every match path runs (``Matcher.match``
calls it right after the indexes and the database found the matches, before anything
is recorded or acted on; a pipeline job can call it on matches it found itself):

- **Negative lists.** A list made ``--negative-for LIST`` suppresses LIST's matches
  on content that also matches one of its entries: the match moves from the result
  to its ``suppressed`` list (``{"list", "entry_id", "by_list", "by_entry_id"}``),
  runs no action and is logged as suppressed. A negative list's own matches are
  not matches (they are dropped) unless the caller asked for that list by name.
- **Flood quarantine.** A list with ``{"flood": {"max_matches": N, "window_s": S}}``
  counts each entry's matches; an entry matching more than N times in S seconds is
  quarantined: its matches still come back, with ``"quarantined": true``, but run no
  action, until a curator releases it (which restarts its count).

Policies are cached by the matcher and reloaded when the database revision moves (a
policy change bumps it), so a result with no policy in play costs one dictionary
check; only matches on flood lists touch the database (one counter update each).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from brightline.core.actor import Actor, system
from brightline.core.models import Match, Matches, Suppressed
from brightline.errors import ConflictError, UsageError
from brightline.services import audit
from brightline.services.store import Store
from brightline.services.store import entries as store_entries
from brightline.services.store import lists as store_lists
from brightline.services.store import policy as store_policy


@dataclass(frozen=True)
class Policies:
    #: target list id -> the negative lists that suppress its matches
    negatives: dict[int, frozenset[int]] = field(default_factory=dict)
    #: every list that is negative for some other
    negative_lists: frozenset[int] = frozenset()
    #: list id -> (max matches, window seconds)
    flood: dict[int, tuple[int, int]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.negative_lists and not self.flood

    def with_negatives(self, list_ids: list[int] | None) -> list[int] | None:
        """The lists to search: those asked for, and the negative lists that guard them."""
        if list_ids is None or not self.negatives:
            return list_ids
        extra = {n for t in list_ids for n in self.negatives.get(t, ())}
        return list_ids + sorted(extra - set(list_ids))


NO_POLICIES = Policies()


def load_policies(conn: Connection) -> Policies:
    pairs = store_policy.negatives(conn)
    by_target: dict[int, set[int]] = defaultdict(set)
    for negative, target in pairs:
        by_target[target].add(negative)
    return Policies(
        negatives={t: frozenset(n) for t, n in by_target.items()},
        negative_lists=frozenset(n for n, _ in pairs),
        flood=store_policy.floods(conn),
    )


def apply_list_policy(
    store: Store,
    policies: Policies,
    results: list[list[Match]],
    groups: Sequence[int] | None = None,
    asked: Sequence[int] | None = None,
) -> list[list[Match]]:
    """Apply negative lists and flood quarantine to the matches of each query.

    ``groups[i]`` says which piece of content query ``i`` belongs to (its MD5, SHA-1
    and PDQ together: a negative list's MD5 suppresses a PDQ match of the same
    file); default: each query its own. ``asked``: the list ids the caller named
    (a negative list named there keeps its matches)."""
    if policies.empty or not any(results):
        return results
    owner = list(groups) if groups is not None else list(range(len(results)))
    out: list[Matches] = [Matches(found) for found in results]
    if policies.negative_lists:
        _suppress(policies, out, owner, set(asked) if asked is not None else set())
    if policies.flood:
        _quarantine(store, policies, out)
    return list(out)


def _suppress(policies: Policies, out: list[Matches], owner: list[int], asked: set[int]) -> None:
    negative_hits: dict[int, list[Match]] = defaultdict(list)
    for row, found in enumerate(out):
        for m in found:
            if m.list_id in policies.negative_lists:
                negative_hits[owner[row]].append(m)
    for row, found in enumerate(out):
        hits = negative_hits.get(owner[row], [])
        kept: list[Match] = []
        held = found.suppressed
        for m in found:
            if m.list_id in policies.negative_lists:
                if m.list_id in asked:
                    kept.append(m)
                continue
            guards = policies.negatives.get(m.list_id, frozenset())
            by = next((h for h in hits if h.list_id in guards), None)
            if by is None:
                kept.append(m)
            else:
                held.append(
                    Suppressed(
                        m.list_name,
                        m.entry_id,
                        by.list_name,
                        by.entry_id,
                        m.signal_type,
                        m.value,
                        m.distance,
                    )
                )
        found[:] = kept


def _quarantine(store: Store, policies: Policies, out: list[Matches]) -> None:
    counted: dict[int, list[Any]] = {}
    for found in out:
        for m in found:
            if m.list_id in policies.flood:
                counted.setdefault(m.entry_id, [m.list_id, 0])[1] += 1
    if not counted:
        return
    now = datetime.now(UTC)
    with store.begin() as conn:
        held, crossed = store_policy.count_matches(
            conn, [(e, lst, n) for e, (lst, n) in counted.items()], policies.flood, now
        )
        for entry_id, count in crossed:
            details = {"count": count, "limit": list(policies.flood[counted[entry_id][0]])}
            audit.record(conn, system("flood"), "entry.quarantine", f"entry:{entry_id}", details)
    if not held:
        return
    for found in out:
        found[:] = [
            dataclasses.replace(m, quarantined=True) if m.entry_id in held else m for m in found
        ]


# -- operations ---------------------------------------------------------------------


def set_negative_for(
    store: Store, name: str, targets: Sequence[str], *, actor: Actor | None = None
) -> list[str]:
    """Make list ``name`` negative for ``targets`` (replacing what it was)."""
    with store.begin() as conn:
        hl = store_lists.get_list(conn, name)
        ids = []
        for target in targets:
            other = store_lists.get_list(conn, target)
            if other.id == hl.id:
                raise UsageError("a list cannot be negative for itself")
            ids.append(other.id)
        store_policy.set_negatives(conn, hl.id, ids)
        found = store_policy.negative_for_names(conn, hl.id)
        audit.record(
            conn, audit.who(actor), "list.negative_for", f"list:{name}", {"negative_for": found}
        )
        return found


def set_flood(
    store: Store,
    name: str,
    max_matches: int | None,
    window_s: int | None,
    *,
    actor: Actor | None = None,
) -> dict[str, int] | None:
    """Set (or, with ``None``, clear) a list's flood limit."""
    if (max_matches is None) != (window_s is None):
        raise UsageError("a flood limit needs both max_matches and window_s")
    if max_matches is not None and (max_matches < 1 or window_s is None or window_s < 1):
        raise UsageError("max_matches and window_s are at least 1")
    with store.begin() as conn:
        hl = store_lists.get_list(conn, name)
        store_policy.set_flood(conn, hl.id, max_matches, window_s)
        flood = None if max_matches is None else {"max_matches": max_matches, "window_s": window_s}
        audit.record(conn, audit.who(actor), "list.flood", f"list:{name}", {"flood": flood})
        return flood  # type: ignore[return-value]


def list_policy(store: Store, name: str) -> dict[str, Any]:
    """``{"negative_for": [...], "flood": {...} | None, "quarantined": N}`` of a list."""
    with store.connect() as conn:
        hl = store_lists.get_list(conn, name)
        flood = store_policy.floods(conn).get(hl.id)
        return {
            "negative_for": store_policy.negative_for_names(conn, hl.id),
            "flood": {"max_matches": flood[0], "window_s": flood[1]} if flood else None,
            "quarantined": store_policy.quarantined_count(conn, hl.id),
        }


def quarantined(
    store: Store, name: str, after_id: int = 0, limit: int = 100
) -> list[dict[str, Any]]:
    """A list's quarantined entries with their match counts."""
    with store.connect() as conn:
        hl = store_lists.get_list(conn, name)
        rows = store_policy.quarantined_entries(conn, hl.id, after_id, limit)
    return [
        {
            "entry": store_entries.to_entry(r),
            "count": int(r.flood_count),
            "quarantined_at": r.quarantined_at,
        }
        for r, _ in rows
    ]


def release(store: Store, entry_id: int, *, actor: Actor | None = None) -> None:
    """A curator releases a quarantined entry; its count starts afresh."""
    with store.begin() as conn:
        store_entries.get_entry(conn, entry_id)
        if not store_policy.release(conn, entry_id, datetime.now(UTC)):
            raise ConflictError(f"entry {entry_id} is not quarantined")
        audit.record(conn, audit.who(actor), "entry.release", f"entry:{entry_id}", {})


def quarantine_state(store: Store, entry_ids: Sequence[int]) -> dict[int, tuple[bool, int]]:
    with store.connect() as conn:
        return store_policy.quarantine_state(conn, entry_ids)
