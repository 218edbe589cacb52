"""Per-list video thresholds: the service behind ``brightline list video``."""

from __future__ import annotations

from brightline.core.actor import Actor
from brightline.errors import UsageError
from brightline.services import audit
from brightline.services.store import Store
from brightline.services.store import lists as store_lists
from brightline.services.store import video as store_video
from brightline.services.store.db import next_rev


def set_thresholds(
    store: Store,
    actor: Actor,
    name: str,
    query_share: float | None,
    listed_share: float | None,
    *,
    defaults: tuple[float, float],
) -> tuple[float, float]:
    """Set either share (None keeps it); returns the list's thresholds now."""
    for value in (query_share, listed_share):
        if value is not None and not 0.0 < value <= 1.0:
            raise UsageError(f"a share is a number above 0 and at most 1, not {value}")
    with store.begin() as conn:
        hl = store_lists.get_list(conn, name)
        q, ls = store_video.list_thresholds(conn).get(hl.id, defaults)
        if query_share is None and listed_share is None:
            return q, ls
        q = q if query_share is None else query_share
        ls = ls if listed_share is None else listed_share
        store_video.set_list_thresholds(conn, hl.id, q, ls)
        rev = next_rev(conn)  # the list's videos come again in the change feed
        store_video.touch_list_videos(conn, hl.id, rev)
        audit.record(
            conn, actor, "list.video_thresholds", name, {"query_share": q, "listed_share": ls}
        )
    return q, ls
