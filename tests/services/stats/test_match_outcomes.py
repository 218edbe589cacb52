"""Matches are counted by how they ended: acted on, quarantined (a flooding entry),
suppressed by a negative list; and by method, retroactive apart."""

from __future__ import annotations

from typing import Any

from brightline.core.models import Match, Suppressed
from brightline.services.context import Services
from brightline.services.stats import hooks, report


def _match(**kw: Any) -> Match:
    base: dict[str, Any] = {
        "list_name": "known", "list_id": 1, "entry_id": 1, "signal_type": "md5",
        "value": "0" * 32, "distance": 0, "category": None, "scheme": "none",
        "source": None, "source_id": None,
    }  # fmt: skip
    return Match(**{**base, **kw})


def test_suppressed_quarantined_and_retroactive_matches_are_counted_apart(
    svc: Services,
) -> None:
    found = [
        _match(),
        _match(entry_id=2),
        _match(entry_id=3, quarantined=True),
        _match(entry_id=4, retroactive=True),
    ]
    held = [Suppressed("known", 5, "allowed", 9, "md5", "1" * 32)]
    with svc.store.begin_events() as conn:
        hooks.matches(conn, "upload", "key:x", found, None, suppressed=held)
    q = report.make_query("2020-01-01", "2035-12-31", "year", group=["method"])
    out = report.as_json(report.figures(svc.store, q), hide=False)
    totals = out["totals"]
    assert totals["matches"] == 3  # acted on: two exact, one retroactive
    assert totals["matches_quarantined"] == 1
    assert totals["matches_suppressed"] == 1
    by_method = {r["method"]: r["matches"] for r in out["rows"] if r["matches"]}
    assert by_method == {"exact": 2, "retroactive": 1}
