"""Lists and entries: create, read, change, delete, bulk import."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status
from starlette.concurrency import run_in_threadpool

from brightline.adapters.api.deps import CuratorKey, ServicesDep, actor
from brightline.adapters.api.schemas import (
    EntryIn,
    EntryOut,
    EntryPage,
    EntryPatch,
    ImportOut,
    ListDeleted,
    ListIn,
    ListOut,
    ListPatch,
)
from brightline.adapters.api.uploads import LARGE_JSON, ONE_FILE, spooled_body
from brightline.core.models import Entry, HashList
from brightline.errors import UsageError
from brightline.services import lists
from brightline.services.lists import curation, ingest
from brightline.services.lists import policy as list_policy

router = APIRouter(prefix="/v1", tags=["lists"])

AfterId = Annotated[int, Query(ge=0, le=2**62, description="Entries with a larger id.")]
Limit = Annotated[int, Query(ge=1, le=1000)]
EntryId = Annotated[int, Path(ge=1, le=2**62)]


def list_out(hl: HashList, policy: dict[str, object] | None = None) -> dict[str, object]:
    return {**hl.as_dict(), **(policy or {})}


def _set_policy(svc: ServicesDep, name: str, body: ListIn | ListPatch, key: CuratorKey) -> None:
    if body.negative_for is not None:
        list_policy.set_negative_for(svc.store, name, body.negative_for, actor=actor(key))
    if body.flood is not None:
        f = body.flood
        list_policy.set_flood(svc.store, name, f.max_matches, f.window_s, actor=actor(key))


def entry_out(e: Entry, list_name: str) -> dict[str, object]:
    return {
        "id": e.id,
        "list": list_name,
        "signal_type": e.signal_type,
        "value": e.value,
        "category": e.category,
        "source": e.source,
        "source_id": e.source_id,
        "note": e.note,
        "enabled": e.enabled,
        "withdrawn": e.withdrawn,
        "added_at": e.added_at,
        "updated_at": e.updated_at,
    }


@router.get("/lists", response_model=list[ListOut])
def get_lists(svc: ServicesDep, _key: CuratorKey) -> list[dict[str, object]]:
    return [list_out(hl) for hl in lists.all_lists(svc.store)]


@router.post("/lists", response_model=ListOut, status_code=status.HTTP_201_CREATED)
def create_list(body: ListIn, svc: ServicesDep, key: CuratorKey) -> dict[str, object]:
    """Make an empty list. Names: letters, digits, ``.``, ``_`` and ``-`` (1 to 200,
    starting with a letter or digit), so every list is reachable at ``/v1/lists/{name}``."""
    hl = lists.create_list(
        svc.store,
        body.name,
        body.scheme,
        body.pdq_threshold,
        body.description,
        thresholds=body.thresholds,
        actor=actor(key),
    )
    _set_policy(svc, hl.name, body, key)
    return list_out(hl, list_policy.list_policy(svc.store, hl.name))


@router.get("/lists/{name}", response_model=ListOut)
def get_list(name: str, svc: ServicesDep, _key: CuratorKey) -> dict[str, object]:
    """A list, with its policies: ``negative_for``, ``flood`` and how many entries
    are ``quarantined``."""
    return list_out(lists.get_list(svc.store, name), list_policy.list_policy(svc.store, name))


@router.patch("/lists/{name}", response_model=ListOut)
def update_list(name: str, body: ListPatch, svc: ServicesDep, key: CuratorKey) -> dict[str, object]:
    """Change a list's thresholds (``pdq_threshold``, or ``thresholds`` by signal type)
    or description; matching follows within seconds.
    Any other field (``scheme``, ``name``) cannot be changed: 422 naming it."""
    hl = lists.update_list(
        svc.store,
        name,
        pdq_threshold=body.pdq_threshold,
        description=body.description,
        thresholds=body.thresholds,
        actor=actor(key),
    )
    _set_policy(svc, name, body, key)
    return list_out(hl, list_policy.list_policy(svc.store, name))


@router.delete("/lists/{name}", response_model=ListDeleted)
def delete_list(name: str, svc: ServicesDep, key: CuratorKey) -> dict[str, object]:
    gone = lists.delete_list(svc.store, name, actor=actor(key))
    return {"deleted": name, "entries": gone}


@router.get("/lists/{name}/entries", response_model=EntryPage)
def get_entries(
    name: str,
    svc: ServicesDep,
    _key: CuratorKey,
    after_id: AfterId = 0,
    limit: Limit = 100,
    state: Annotated[
        str | None, Query(description="``quarantined``: only entries held by the flood limit.")
    ] = None,
) -> dict[str, object]:
    """A page of a list's entries in id order; follow ``next_after_id``."""
    if state is not None:
        if state != "quarantined":
            raise UsageError("state is 'quarantined' (or left out)")
        held = list_policy.quarantined(svc.store, name, after_id, limit)
        rows = [
            {**entry_out(q["entry"], name), "quarantined": True, "match_count": q["count"]}
            for q in held
        ]
        next_id = held[-1]["entry"].id if len(held) == limit else None
        return {"entries": rows, "next_after_id": next_id}
    found = curation.entries_page(svc.store, name, after_id, limit)
    next_after = found[-1].id if len(found) == limit else None
    return {"entries": [entry_out(e, name) for e in found], "next_after_id": next_after}


@router.post(
    "/lists/{name}/entries", response_model=EntryOut, status_code=201, openapi_extra=LARGE_JSON
)
def add_entry(name: str, body: EntryIn, svc: ServicesDep, key: CuratorKey) -> dict[str, object]:
    """Add one hash (or update it, if the list has it); matchable within seconds."""
    new = curation.NewEntry(**body.model_dump())
    [entry] = curation.add_entries(svc.store, name, [new], actor=actor(key))
    return entry_out(entry, name)


@router.post("/lists/{name}/import", response_model=ImportOut, openapi_extra=ONE_FILE)
async def import_file(
    name: str,
    request: Request,
    svc: ServicesDep,
    key: CuratorKey,
    skip_invalid: bool = False,
    source: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, object]:
    """Bulk import a hash-list file, read by the same readers as ``brightline list
    import`` (text, CSV, python-threatexchange, VICS JSON; recognised from content).
    One bad record stops the import and nothing is written, unless ``skip_invalid``.
    Entries' ``source`` is ``source``, else the uploaded file's name."""
    async with spooled_body(request) as (filename, stream):
        report = await run_in_threadpool(
            ingest.import_stream,
            svc.store,
            name,
            stream,
            source_name=filename or "upload",
            skip_invalid=skip_invalid,
            source=source or filename or "api-import",
            actor=actor(key),
        )
    return report.as_dict()


def _entry_detail(svc: ServicesDep, entry_id: int) -> dict[str, object]:
    out = entry_out(*curation.get_entry(svc.store, entry_id))
    state = list_policy.quarantine_state(svc.store, [entry_id]).get(entry_id)
    if state is not None:
        out["quarantined"], out["match_count"] = state
    out["exchange"] = curation.exchange_provenance(svc.store, entry_id)
    return out


@router.get("/entries/{entry_id}", response_model=EntryOut)
def get_entry(entry_id: EntryId, svc: ServicesDep, _key: CuratorKey) -> dict[str, object]:
    """An entry; an exchange's entry carries its provenance and this platform's
    opinion under ``exchange``; a flood list's entry its ``quarantined`` state."""
    return _entry_detail(svc, entry_id)


@router.patch("/entries/{entry_id}", response_model=EntryOut)
def change_entry(
    entry_id: EntryId, body: EntryPatch, svc: ServicesDep, key: CuratorKey
) -> dict[str, object]:
    """Enable or disable an entry (a local decision), or mark it withdrawn by its source;
    ``{"quarantined": false}`` releases a quarantined entry; ``{"opinion":
    "confirmed"|"deconfirmed", "reason"}`` sets this platform's opinion of an
    exchange's entry (every fingerprint of it; feedback goes to the exchange)."""
    if body.enabled is not None or body.withdrawn is not None:
        curation.set_entry_state(
            svc.store, entry_id, enabled=body.enabled, withdrawn=body.withdrawn, actor=actor(key)
        )
    if body.quarantined is False:
        list_policy.release(svc.store, entry_id, actor=actor(key))
    if body.opinion is not None:
        curation.set_opinion(
            svc.store, svc.settings, entry_id, body.opinion, body.reason, actor(key)
        )
    return _entry_detail(svc, entry_id)


@router.delete("/entries/{entry_id}", status_code=204)
def delete_entry(entry_id: EntryId, svc: ServicesDep, key: CuratorKey) -> None:
    curation.delete_entry(svc.store, entry_id, actor=actor(key))
