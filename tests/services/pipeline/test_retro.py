"""Retroactive matching: entries added later find content seen recently."""

from __future__ import annotations

import json

from sqlalchemy import select

from brightline.core.actor import local_operator
from brightline.core.sources.upload import UploadBody
from brightline.services import actions, lists
from brightline.services.context import Services
from brightline.services.demo import jpeg, picture
from brightline.services.hashing import HashOptions
from brightline.services.lists import curation
from brightline.services.lists.matching import Matcher
from brightline.services.pipeline import retro
from brightline.services.pipeline.hashing import hash_item
from brightline.services.pipeline.job import Job
from brightline.services.store.tables import webhook_deliveries


def _seen(svc: Services, seed: int) -> str:
    """Record an upload that matched nothing; returns its PDQ."""
    with UploadBody.of(jpeg(picture(seed)), "x.jpg") as body:
        result = hash_item(body.item(), HashOptions())
    job = Job(svc.review_env(), local_operator(), "upload")
    job.match([result], Matcher(svc.store, None).open())
    job.record([result])
    assert result.signals and result.signals.pdq and not result.matches
    return result.signals.pdq


def test_new_near_pdq_entry_matches_recent_content_once(svc: Services) -> None:
    pdq = _seen(svc, 21)
    _seen(svc, 22)
    lists.create_list(svc.store, "late")
    actions.add_action(svc.store, "late", "webhook", "https://hooks.example.org/x")
    near = f"{int(pdq, 16) ^ 0b111:064x}"
    curation.add_entries(svc.store, "late", [curation.NewEntry("pdq", near)])
    found = retro.run(svc.store, svc.settings)
    assert (found.entries, found.items, found.matches) == (1, 1, 1)
    [row] = [r for r in actions.match_log(svc.store, "late") if r["retroactive"]]
    assert row["distance"] == 3 and row["actor"] == "system:retro"
    with svc.store.connect_events() as ev:
        [payload] = ev.execute(select(webhook_deliveries.c.payload)).scalars()
    body = json.loads(payload)
    assert body["retroactive"] is True and body["matches"][0]["retroactive"] is True
    assert retro.run(svc.store, svc.settings).matches == 0  # nothing new: nothing again


def test_retro_days_zero_turns_it_off(svc: Services) -> None:
    pdq = _seen(svc, 23)
    lists.create_list(svc.store, "late")
    curation.add_entries(svc.store, "late", [curation.NewEntry("pdq", pdq)])
    off = svc.settings.model_copy(update={"retro_days": 0})
    assert retro.run(svc.store, off).matches == 0
