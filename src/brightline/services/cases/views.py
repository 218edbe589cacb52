"""What a case holds: counts for a charging decision, and the file rows decorated
with duplicates (stacked by SHA-1), near-duplicate clusters (by PDQ) and the review
rank of unknown images."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from brightline.core.categories import SCHEMES
from brightline.core.index import MihIndex, hex_to_rows
from brightline.services.cases.ranking import Candidate, NearKnownRanker, Ranker

#: How far an unknown image may be from a known one to count as "near" it for ranking.
NEAR_KNOWN = 64


def _bucket() -> dict[str, Any]:
    return {"files": 0, "unique": set()}


def counts_of(rows: Iterable[dict[str, Any]], scheme: str) -> dict[str, Any]:
    """``{"files", "unique", "errors", "known": {cat: {files, unique}}, "suggested": …,
    "unknown": {files, unique}}`` (plus ``other`` and ``deleted``)."""
    files = errors = deleted = 0
    unique: set[str] = set()
    known: dict[str, dict[str, Any]] = {c: _bucket() for c in SCHEMES.get(scheme, {})}
    suggested: dict[str, dict[str, Any]] = {c: _bucket() for c in SCHEMES.get(scheme, {})}
    plain = {"unknown": _bucket(), "other": _bucket()}
    for row in rows:
        files += 1
        deleted += bool(row["deleted"])
        sha1 = row["sha1"]
        if sha1:
            unique.add(sha1)
        status = row["status"]
        if status == "error":
            errors += 1
            continue
        if status in ("known", "suggested"):
            table = known if status == "known" else suggested
            bucket = table.setdefault(row["category"] or "uncategorised", _bucket())
        else:
            bucket = plain[status]
        bucket["files"] += 1
        if sha1:
            bucket["unique"].add(sha1)
    return {
        "files": files,
        "unique": len(unique),
        "errors": errors,
        "known": _flatten(known),
        "suggested": _flatten(suggested),
        "unknown": _count(plain["unknown"]),
        "other": _count(plain["other"]),
        "deleted": deleted,
    }


def _count(bucket: dict[str, Any]) -> dict[str, int]:
    return {"files": bucket["files"], "unique": len(bucket["unique"])}


def _flatten(table: dict[str, dict[str, Any]]) -> dict[str, dict[str, int]]:
    return {cat: _count(b) for cat, b in table.items()}


#: Signal types with columns of their own in case files and exports.
COLUMN_TYPES = frozenset({"md5", "sha1", "sha256", "pdq"})


def other_signals(row: dict[str, Any]) -> dict[str, str]:
    """The file's signals of types without a column of their own (vPDQ, plugins)."""
    found = row.get("signals") or {}
    return {t: v for t, v in found.items() if t not in COLUMN_TYPES}


def file_json(row: dict[str, Any]) -> dict[str, Any]:
    """The public shape of a file row (``case files --json``)."""
    error = {"code": row["error_code"], "message": row["error"]} if row["error_code"] else None
    out = {
        "exhibit": row["exhibit"],
        "path": row["locator"],
        "size": row["size"],
        "deleted": bool(row["deleted"]),
        "md5": row["md5"],
        "sha1": row["sha1"],
        "sha256": row["sha256"],
        "pdq": row["pdq"],
        "pdq_quality": row["pdq_quality"],
        "media_type": row["media_type"],
        "status": row["status"],
        "category": row["category"],
        "matches": json.loads(row["matches"]),
        "error": error,
        "modified": row["modified"].isoformat() if row["modified"] else None,
        # Every signal by type (a plugin type's too), as ``item_signals`` keeps them.
        "signals": dict(row.get("signals") or {}),
    }
    for key in ("duplicate_of", "copies", "cluster", "cluster_size", "rank"):
        out[key] = row.get(key)
    return out


def decorate(
    rows: list[dict[str, Any]], distance: int, ranker: Ranker | None = None
) -> list[dict[str, Any]]:
    """Add ``duplicate_of``/``copies``, ``cluster``/``cluster_size`` and ``rank``."""
    first: dict[str, dict[str, Any]] = {}
    copies: dict[str, int] = {}
    for row in rows:
        sha1 = row["sha1"]
        if sha1:
            copies[sha1] = copies.get(sha1, 0) + 1
            first.setdefault(sha1, row)
    for row in rows:
        rep = first.get(row["sha1"]) if row["sha1"] else None
        row["copies"] = copies.get(row["sha1"], 1) if row["sha1"] else 1
        row["duplicate_of"] = (
            f"{rep['exhibit']}:{rep['locator']}" if rep is not None and rep is not row else None
        )
    reps = [r for r in first.values() if r["pdq"]]
    clusters = _clusters([r["pdq"] for r in reps], distance)
    sizes: dict[int, int] = {}
    for c in clusters:
        sizes[c] = sizes.get(c, 0) + 1
    by_sha1: dict[str, tuple[int, int]] = {}
    for rep, c in zip(reps, clusters, strict=True):
        by_sha1[rep["sha1"]] = (c, sizes[c])
    ranks = _ranks(reps, clusters, sizes, ranker or NearKnownRanker())
    for row in rows:
        c_info = by_sha1.get(row["sha1"] or "")
        row["cluster"], row["cluster_size"] = c_info if c_info else (None, None)
        row["rank"] = ranks.get(row["sha1"] or "") if row["status"] == "unknown" else None
    return rows


def _clusters(pdqs: Sequence[str], distance: int) -> list[int]:
    """Cluster number (1, 2, … in order of first appearance) of each hash."""
    n = len(pdqs)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if n:
        hits = _search(pdqs, pdqs, distance)
        for q, i in zip(hits.query.tolist(), hits.ids.tolist(), strict=True):
            a, b = find(q), find(i)
            if a != b:
                parent[max(a, b)] = min(a, b)
    labels: dict[int, int] = {}
    return [labels.setdefault(find(i), len(labels) + 1) for i in range(n)]


def _search(stored: Sequence[str], queries: Sequence[str], radius: int) -> Any:
    index = MihIndex()
    index.add(np.arange(len(stored), dtype=np.int64), hex_to_rows(list(stored)))
    return index.search(hex_to_rows(list(queries)), radius)


def _ranks(
    reps: list[dict[str, Any]], clusters: list[int], sizes: dict[int, int], ranker: Ranker
) -> dict[str, int]:
    matched = [r["pdq"] for r in reps if r["status"] in ("known", "suggested")]
    unknown = [(i, r) for i, r in enumerate(reps) if r["status"] == "unknown"]
    if not unknown:
        return {}
    near: dict[int, int] = {}
    if matched:
        hits = _search(matched, [r["pdq"] for _, r in unknown], NEAR_KNOWN)
        for q, d in zip(hits.query.tolist(), hits.distances.tolist(), strict=True):
            near[q] = min(d, near.get(q, d))
    candidates = [
        Candidate(r["sha1"], r["pdq"], sizes[clusters[i]], near.get(k), k)
        for k, (i, r) in enumerate(unknown)
    ]
    return {c.sha1: rank for rank, c in enumerate(ranker.rank(candidates), 1)}
