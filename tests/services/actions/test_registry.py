"""Actions are a registry: a kind made up here, registered from this module, runs end
to end from a CLI scan and an API-style upload job, with the job it came from."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from brightline.core.actor import local_operator
from brightline.core.sources import ContentItem, Locator
from brightline.errors import UsageError
from brightline.services import actions
from brightline.services.actions import registry
from brightline.services.actions.registry import ActionRun
from brightline.services.context import Services
from brightline.services.demo import jpeg, picture
from brightline.services.hashing import HashOptions, hash_bytes
from brightline.services.pipeline.hashing import hash_item
from brightline.services.pipeline.job import Job
from brightline.services.pipeline.match_service import Request, match_items
from brightline.services.pipeline.scan import scan
from brightline.services.store import lists
from brightline.services.store.db import next_rev
from brightline.services.store.entries import upsert_entries


class Tally:
    """A made-up action: remembers what it was asked to act on."""

    kind = "tally"
    phase = "after"

    def __init__(self) -> None:
        self.seen: list[tuple[str | None, int | None, str, bytes]] = []

    def run(self, run: ActionRun) -> int:
        for action in run.actions:
            for hit, on in run.hits_on(action):
                assert hit.media is not None
                with hit.media() as fh:
                    head = fh.read(4)
                self.seen.append((run.context.job_kind, run.context.job_id, on[0].list_name, head))
        return len(self.seen)


@pytest.fixture
def tally() -> Iterator[Tally]:
    handler = Tally()
    registry.register(handler)
    yield handler
    registry.unregister("tally")


def _listed(svc: Services, data: bytes) -> None:
    signals = hash_bytes(data, HashOptions()).signals
    assert signals is not None
    with svc.store.begin() as conn:
        hl = lists.create_list(conn, "made-up")
        rows = [{"signal_type": "md5", "value": signals.md5}]
        upsert_entries(conn, hl.id, rows, source="t", rev=next_rev(conn))
    svc.matcher.refresh()


def test_an_unregistered_kind_is_refused(svc: Services) -> None:
    with svc.store.begin() as conn:
        lists.create_list(conn, "l")
    with pytest.raises(UsageError, match="unknown action kind"):
        actions.add_action(svc.store, "l", "tally")


def test_a_registered_kind_runs_from_a_scan_and_an_upload(
    svc: Services, tally: Tally, tmp_path: Path
) -> None:
    data = jpeg(picture(7))
    _listed(svc, data)
    action, _ = actions.add_action(svc.store, "made-up", "tally")
    assert action.kind == "tally"
    assert [a.as_dict()["kind"] for a in actions.list_actions(svc.store, "made-up")] == ["tally"]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "copy.jpg").write_bytes(data)
    (tmp_path / "in" / "other.jpg").write_bytes(jpeg(picture(8)))

    job = Job(svc.review_env(), local_operator(), "scan", workers=1, run_actions=False)
    list(scan([tmp_path / "in"], job, svc.matcher))
    assert tally.seen == []  # actions only when the job asks (match without --actions)

    job = Job(svc.review_env(), local_operator(), "scan", workers=1)
    list(scan([tmp_path / "in"], job, svc.matcher))
    assert tally.seen == [("scan", job.id, "made-up", data[:4])]
    assert job.acted["tally"] == 1

    upload = ContentItem(Locator.of("up.jpg"), len(data), lambda: io.BytesIO(data))
    results, _ = match_items(
        svc.review_env(),
        svc.matcher,
        [upload],
        lambda item: hash_item(item, HashOptions()),
        Request(local_operator()),
    )
    assert results[0].matches and tally.seen[-1][0] == "upload"
