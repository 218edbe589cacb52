"""Negative lists and flood quarantine, applied by the one list-policy function."""

from __future__ import annotations

from brightline.core.models import ScanResult, suppressed_of
from brightline.core.sources.upload import UploadBody
from brightline.services import lists
from brightline.services.context import Services
from brightline.services.demo import jpeg, picture
from brightline.services.hashing import HashOptions
from brightline.services.lists import curation
from brightline.services.lists import policy as list_policy
from brightline.services.lists.matching import Matcher, Query
from brightline.services.pipeline.hashing import hash_item
from brightline.services.pipeline.match import match_results

PDQ = "a5" * 32
NEAR = f"{int(PDQ, 16) ^ 0xFF:064x}"


def _hashed(data: bytes) -> ScanResult:
    with UploadBody.of(data, "x.jpg") as body:
        return hash_item(body.item(), HashOptions())


def test_a_negative_md5_suppresses_a_pdq_match_of_the_same_file(svc: Services) -> None:
    result = _hashed(jpeg(picture(5)))
    assert result.signals and result.signals.pdq
    lists.create_list(svc.store, "third")
    lists.create_list(svc.store, "benign")
    list_policy.set_negative_for(svc.store, "benign", ["third"])
    curation.add_entries(svc.store, "third", [curation.NewEntry("pdq", result.signals.pdq)])
    curation.add_entries(svc.store, "benign", [curation.NewEntry("md5", result.signals.md5)])
    matcher = Matcher(svc.store, None).open()
    match_results([result], matcher, None)
    assert result.matches == []  # the negative list's own match is no match either
    [held] = result.suppressed
    assert (held.list_name, held.by_list) == ("third", "benign")
    # Asked for "third" alone, the negative list is still consulted.
    again = _hashed(jpeg(picture(5)))
    match_results([again], matcher, ["third"])
    assert again.matches == [] and len(again.suppressed) == 1
    # A negative list asked for by name keeps its matches.
    found = matcher.match([Query("md5", result.signals.md5)], ["benign"])
    assert [m.list_name for m in found[0]] == ["benign"]


def test_without_a_negative_hit_nothing_is_suppressed(svc: Services) -> None:
    lists.create_list(svc.store, "third")
    lists.create_list(svc.store, "benign")
    list_policy.set_negative_for(svc.store, "benign", ["third"])
    curation.add_entries(svc.store, "third", [curation.NewEntry("pdq", PDQ)])
    found = Matcher(svc.store, None).open().match([Query("pdq", NEAR)])
    assert [m.list_name for m in found[0]] == ["third"] and suppressed_of(found[0]) == []


def test_flood_quarantines_then_release_restarts_the_count(svc: Services) -> None:
    lists.create_list(svc.store, "flood")
    list_policy.set_flood(svc.store, "flood", 2, 3600)
    [entry] = curation.add_entries(svc.store, "flood", [curation.NewEntry("pdq", PDQ)])
    matcher = Matcher(svc.store, None).open()
    states = [matcher.match([Query("pdq", NEAR)])[0][0].quarantined for _ in range(4)]
    assert states == [False, False, True, True]
    [held] = list_policy.quarantined(svc.store, "flood")
    assert held["entry"].id == entry.id and held["count"] == 4
    list_policy.release(svc.store, entry.id)
    assert not matcher.match([Query("pdq", NEAR)])[0][0].quarantined
    assert list_policy.list_policy(svc.store, "flood")["quarantined"] == 0
