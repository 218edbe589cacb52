"""Reading a case: ``show`` (counts per exhibit and in all), ``list``, ``files``."""

from __future__ import annotations

from typing import Any

from brightline.errors import UsageError
from brightline.services.cases.classify import STATUSES
from brightline.services.cases.views import counts_of, decorate, file_json
from brightline.services.context import Services
from brightline.services.store import cases as store


def list_cases(svc: Services) -> list[dict[str, Any]]:
    with svc.store.connect() as conn:
        out = []
        for case in store.all_cases(conn):
            exhibits = store.exhibits(conn, case.id)
            out.append(
                {
                    "case": case.name,
                    "scheme": case.scheme,
                    "lists": case.lists,
                    "exhibits": len(exhibits),
                    "created_at": case.created_at.isoformat(),
                }
            )
        return out


def show(svc: Services, case: str) -> dict[str, Any]:
    with svc.store.connect() as conn:
        row = store.get_case(conn, case)
        rows = list(store.file_rows(conn, row.id))
        exhibits = store.exhibits(conn, row.id)
    per: dict[int, list[dict[str, Any]]] = {ex.id: [] for ex in exhibits}
    for r in rows:
        per[r["exhibit_id"]].append(r)
    return {
        "case": row.name,
        "scheme": row.scheme,
        "lists": row.lists,
        "created_at": row.created_at.isoformat(),
        "created_by": row.created_by,
        **counts_of(rows, row.scheme),
        "exhibits": [
            {
                "exhibit": ex.exhibit,
                "path": ex.path,
                "kind": ex.kind,
                "state": ex.state,
                "added_at": ex.added_at.isoformat(),
                "finished_at": ex.finished_at.isoformat() if ex.finished_at else None,
                **counts_of(per[ex.id], row.scheme),
            }
            for ex in exhibits
        ],
    }


def file_rows(svc: Services, case: str) -> tuple[store.CaseRow, list[dict[str, Any]]]:
    """Every file row of the case, decorated (duplicates, clusters, ranks)."""
    with svc.store.connect() as conn:
        row = store.get_case(conn, case)
        rows = list(store.file_rows(conn, row.id))
    return row, decorate(rows, svc.settings.pdq_cluster_distance)


def files(
    svc: Services, case: str, exhibit: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    if status is not None and status not in STATUSES:
        raise UsageError(f"unknown status {status!r}; choose one of {', '.join(STATUSES)}")
    row, rows = file_rows(svc, case)
    if exhibit is not None:
        with svc.store.connect() as conn:
            store.get_exhibit(conn, row.id, exhibit)
        rows = [r for r in rows if r["exhibit"] == exhibit]
    if status is not None:
        rows = [r for r in rows if r["status"] == status]
    if status == "unknown":
        rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0))
    return [file_json(r) for r in rows]
