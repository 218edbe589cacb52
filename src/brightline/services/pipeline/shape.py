"""One match shape: the JSON of a ``Match`` everywhere one is shown or stored.

The CLI (``match --json``), the API, the match log, webhook payloads, review items,
case rows and watch alerts all build a match's JSON here. Keys only ever get added:
``list`` (the list's name; ``list_name`` says the same for readers that expect the
store's column name), ``entry_id``, ``signal_type``, ``value``, ``distance``,
``category``, ``scheme``, ``source``, ``source_id``, then the fields a signal type's
index adds (vPDQ's ``query_share``…).
"""

from __future__ import annotations

from brightline.core.models import Match


def match_json(m: Match) -> dict[str, object]:
    return m.as_dict()
