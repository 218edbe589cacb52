"""The audit log as auditors read it in the browser: filtered rows, the chain's
verification, and exports (CSV or JSON; each export is itself audited)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from brightline.core.actor import Actor
from brightline.services import audit
from brightline.services.store import Store
from brightline.services.store import users as store_users

COLUMNS = ("seq", "at", "actor", "action", "target", "details", "digest")


def rows(store: Store, action: str, actor: str, target: str, limit: int) -> list[dict[str, Any]]:
    found = audit.records(
        store, action=action or None, actor=actor or None, target=target or None, limit=limit
    )
    return [
        {
            "seq": r.seq,
            "at": r.at,
            "actor": r.actor,
            "action": r.action,
            "target": r.target,
            "details": json.dumps(r.details, sort_keys=True, separators=(",", ":")),
            "digest": r.digest,
        }
        for r in found
    ]


def with_names(store: Store, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``found`` with ``actor_name`` and ``target_name``: the people behind ``user:5``
    (the name a record carries, else today's name of that user), for the page."""
    with store.connect() as conn:
        people = {f"user:{u.id}": str(u.name) for u in store_users.all_users(conn)}
    named = []
    for r in found:
        recorded = _recorded_name(r["details"])
        actor = recorded or people.get(r["actor"]) or r["actor"]
        target = people.get(r["target"], r["target"]) if r["target"] else ""
        named.append({**r, "actor_name": actor, "target_name": target})
    return named


def _recorded_name(details: str) -> str | None:
    try:
        actor = json.loads(details).get("actor")
    except (ValueError, AttributeError):
        return None
    name = actor.get("name") if isinstance(actor, dict) else None
    return str(name) if name else None


def verify(store: Store) -> dict[str, Any]:
    result = audit.verify(store)
    broken = result.broken
    return {"intact": result.intact, "records": result.records, "broken": str(broken or "")}


def export(
    store: Store, who: Actor, fmt: str, action: str, actor: str, target: str
) -> tuple[bytes, str]:
    found = rows(store, action, actor, target, limit=1_000_000)
    with store.begin() as conn:
        details = {"format": fmt, "records": len(found), "action": action, "actor": actor}
        audit.record(conn, who, "audit.export", "", details)
    if fmt == "json":
        return json.dumps(found, indent=1).encode(), "application/json"
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS)
    writer.writeheader()
    writer.writerows(found)
    return out.getvalue().encode(), "text/csv; charset=utf-8"
