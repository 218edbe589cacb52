"""A review decision on content an exchange entry matched becomes feedback, sent
once through the outbox (retried, audited), and the entry carries this platform's
opinion: a rejection deconfirms it (no more matches, every fingerprint), a curator
can confirm it again."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from brightline.core.actor import Actor, local_operator
from brightline.core.sources.upload import UploadBody
from brightline.services import actions, audit
from brightline.services.demo import jpeg, picture
from brightline.services.exchanges import feedback, service
from brightline.services.exchanges.service import ExchangeEnv
from brightline.services.hashing import HashOptions
from brightline.services.lists.matching import Matcher, Query
from brightline.services.people import users
from brightline.services.pipeline.hashing import hash_item
from brightline.services.pipeline.job import Job
from brightline.services.review import ReviewEnv, decide, items
from brightline.testing.exchange_servers import NcmecEntry, NcmecHashServer


def _setup(
    env: ExchangeEnv, server: NcmecHashServer, data: bytes
) -> tuple[ReviewEnv, int, dict[str, Actor]]:
    md5, sha1 = hashlib.md5(data).hexdigest(), hashlib.sha1(data).hexdigest()
    server.entries = [
        NcmecEntry("n1", "42", 1_600_000_000, {"md5": md5, "sha1": sha1, "pdq": "0" * 64})
    ]
    service.add_exchange(env, "nc", "ncmec", "ncmec", url=server.url, credentials="user:secret")
    assert service.fetch(env, "nc")["added"] == 1
    actions.add_action(env.store, "ncmec", "review")
    review = ReviewEnv(env.store, env.settings)
    with UploadBody.of(data, "f.jpg") as body:
        result = hash_item(body.item(), HashOptions())
    matcher = Matcher(env.store, None).open()
    job = Job(review, local_operator(), "upload")  # the list's review action keeps it
    job.match([result], matcher)
    assert {m.signal_type for m in result.matches} == {"md5", "sha1"}
    job.record([result], media=[lambda: io.BytesIO(data)], names=["f.jpg"])
    assert job.acted.get("review") == 1
    people = {
        n: users.create_user(env.store, local_operator(), n, r, "x" * 12).actor
        for n, r in (("al", "analyst"), ("bo", "analyst"))
    }
    [listed] = items.list_items(review, people["al"])
    item_id = int(listed["id"])
    return review, item_id, people


def _grade(review: ReviewEnv, who: Actor, item_id: int, decision: str) -> dict[str, Any]:
    items.claim(review, who, item_id)
    return decide.decide(review, who, item_id, decision)


def test_rejection_downvotes_each_matched_fingerprint_and_deconfirms(
    env: ExchangeEnv, ncmec: NcmecHashServer
) -> None:
    data = jpeg(picture(3))
    review, item_id, people = _setup(env, ncmec, data)
    _grade(review, people["al"], item_id, "not_illegal")
    assert _grade(review, people["bo"], item_id, "not_illegal")["state"] == "rejected"
    ncmec.knobs.fail_once.add(-1)  # the first PUT answers 503: retried later
    once = ExchangeEnv(env.store, env.settings.model_copy(update={"exchange_attempts": 1}))
    first = feedback.push(once, "nc")
    assert first["sent"] == 1 and first["retrying"] == 1
    with env.store.begin() as conn:  # make the retry due now
        from brightline.services.store import exchanges as store_ex

        conn.execute(
            store_ex.exchange_feedback.update().values(
                next_attempt_at=store_ex.exchange_feedback.c.created_at
            )
        )
    assert feedback.push(env, "nc")["sent"] == 1
    assert feedback.push(env, "nc") == {"sent": 0, "retrying": 0, "failed": 0}  # exactly once
    assert sorted(f["type"] for f in ncmec.feedback) == ["MD5", "SHA1"]
    assert all(f["member"] == "42" and f["entry"] == "n1" for f in ncmec.feedback)
    assert all(
        ncmec.reasons[0][0] in f["body"] and "<negative>" in f["body"] for f in ncmec.feedback
    )
    # Deconfirmed: no fingerprint of the entry matches any more (PDQ included).
    matcher = Matcher(env.store, None).open()
    md5 = hashlib.md5(data).hexdigest()
    assert matcher.match([Query("md5", md5), Query("pdq", "0" * 64)]) == [[], []]
    # ... but it stays visible with its reason, and a fetch does not revive it.
    shown = service.fetch(env, "nc")
    assert shown["ok"]
    sends = [r for r in audit.records(env.store, action="exchange.feedback")]
    assert len(sends) == 3  # one failed attempt, two sends
    entry = next(e for e in _entries(env) if e.signal_type == "md5")
    assert not entry.enabled
    again = feedback.set_opinion(env, entry.id, "confirmed", actor=local_operator())
    assert again["opinion"] == "confirmed" and again["opinion_by"].startswith("operator:")
    matcher.refresh()
    assert matcher.match([Query("pdq", "0" * 64)])[0]
    feedback.push(env, "nc")
    assert sum("<affirmative/>" in f["body"] for f in ncmec.feedback) == 3  # MD5, SHA1, PDQ


def test_confirmation_upvotes(env: ExchangeEnv, ncmec: NcmecHashServer) -> None:
    review, item_id, people = _setup(env, ncmec, jpeg(picture(4)))
    _grade(review, people["al"], item_id, "A1")
    assert _grade(review, people["bo"], item_id, "A1")["state"] == "confirmed"
    assert feedback.push(env)["sent"] == 2
    assert all("<affirmative/>" in f["body"] for f in ncmec.feedback)


def _entries(env: ExchangeEnv) -> list[Any]:
    from brightline.services.lists import curation

    return curation.entries_page(env.store, "ncmec", 0, 100)
