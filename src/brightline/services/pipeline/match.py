"""The match step: one function every job's content goes through.

``match_results`` attaches to each hashed result the matches of its signals (one
matcher call for the batch), then the cross-type matches of video frames against
image lists and of images against listed videos' frames. A list policy (a negative
list that suppresses, a flood that quarantines) or a new content type hooks here,
in one place, for the CLI, the API, cases, watch and batch alike.
"""

from __future__ import annotations

from collections.abc import Sequence

from brightline.core.models import Match, ScanResult, suppressed_of
from brightline.services.lists.matching import HashMatcher, Query, query_of
from brightline.services.video.matching import attach_frame_matches


def queries_for(result: ScanResult) -> list[Query]:
    """One query per signal of the file (see ``matching.query_of``)."""
    s = result.signals
    if s is None:
        return []
    return [query_of(name, value) for name, value in s.signals.items()]


def match_queries(
    matcher: HashMatcher,
    queries: Sequence[Query],
    lists: Sequence[str] | None,
    groups: Sequence[int] | None = None,
) -> list[list[Match]]:
    """Matches of each query (hash look-ups come straight here), after the lists'
    policies (negative lists suppress, floods quarantine: the matcher applies them,
    see ``list_policy.apply_list_policy``). ``groups[i]``: the content query ``i``
    belongs to (one file's signals share a group); default: each query alone. A
    result's suppressed matches are in its ``suppressed`` attribute
    (``models.suppressed_of``)."""
    return matcher.match(queries, lists, groups=groups)


def match_results(
    results: Sequence[ScanResult], matcher: HashMatcher, lists: Sequence[str] | None
) -> None:
    """Attach the matches of a batch of hashed results to them."""
    owners: list[int] = []
    queries: list[Query] = []
    for i, result in enumerate(results):
        for q in queries_for(result):
            owners.append(i)
            queries.append(q)
    found_all = match_queries(matcher, queries, lists, groups=owners)
    for owner, found in zip(owners, found_all, strict=True):
        results[owner].matches.extend(found)
        results[owner].suppressed.extend(suppressed_of(found))
    attach_frame_matches(results, matcher, lists)  # video frames <-> image lists
