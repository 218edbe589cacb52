"""Review rules at the service layer, on each backend: agreement, skips, undo,
claims that expire, the daily limit and break prompt, quality checks, keys at rest,
metadata checks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from brightline.core.actor import Actor, local_operator
from brightline.core.crypto import MasterKey
from brightline.errors import ConflictError, CryptoError, ForbiddenError, InputError, UsageError
from brightline.services import audit
from brightline.services.context import Services
from brightline.services.demo import jpeg, picture
from brightline.services.people import users
from brightline.services.review import ReviewEnv, decide, exposure, intake, items
from brightline.services.review.env import create_queue
from brightline.services.review.metadata import parse_metadata
from brightline.services.store import lists as store_lists
from brightline.services.vault.keys import keyring_from_settings


@pytest.fixture
def env(svc: Services) -> ReviewEnv:
    return ReviewEnv(svc.store, svc.settings)


@pytest.fixture
def people(svc: Services) -> dict[str, Actor]:
    out = {}
    for name, role in (("al", "analyst"), ("bo", "analyst"), ("cy", "analyst"), ("se", "senior")):
        out[name] = users.create_user(svc.store, local_operator(), name, role, "x" * 12).actor
    return out


def _item(env: ReviewEnv, seed: int = 1, queue: str | None = None) -> int:
    return intake.from_upload(env, local_operator(), jpeg(picture(seed)), "f.jpg", None, queue)


def _grade(env: ReviewEnv, who: Actor, item_id: int, decision: str) -> dict[str, Any]:
    items.claim(env, who, item_id)
    return decide.decide(env, who, item_id, decision)


def test_three_analysts_when_the_queue_says_so(env: ReviewEnv, people: dict[str, Actor]) -> None:
    create_queue(env, people["se"], "three", "uk", 3)
    item_id = _item(env, queue="three")
    assert _grade(env, people["al"], item_id, "Category B")["state"] == "in_review"
    assert _grade(env, people["bo"], item_id, "b")["state"] == "in_review"
    done = _grade(env, people["cy"], item_id, "B")
    assert done["state"] == "confirmed" and done["category"] == "B"
    with pytest.raises(UsageError):
        create_queue(env, people["se"], "bad/name")
    with pytest.raises(ForbiddenError):
        create_queue(env, people["al"], "mine")


def test_skip_does_not_count_and_a_bad_category_is_refused(
    env: ReviewEnv, people: dict[str, Actor]
) -> None:
    item_id = _item(env)
    assert _grade(env, people["al"], item_id, "skip")["state"] == "open"
    with pytest.raises(ConflictError):  # skipped it: not offered again
        items.claim(env, people["al"], item_id)
    items.claim(env, people["bo"], item_id)
    with pytest.raises(InputError):
        decide.decide(env, people["bo"], item_id, "Z9")
    with pytest.raises(ConflictError):
        decide.decide(env, people["cy"], item_id, "A1")  # not holding it


def test_undo_only_inside_the_window(env: ReviewEnv, people: dict[str, Actor]) -> None:
    closed = ReviewEnv(env.store, env.settings.model_copy(update={"review_undo_s": 0.0}))
    item_id = _item(env)
    _grade(closed, people["al"], item_id, "A1")
    with pytest.raises(ConflictError, match="too late"):
        decide.undo(closed, people["al"], item_id)
    with pytest.raises(ConflictError):
        decide.undo(env, people["bo"], item_id)


def test_undo_after_a_disagreement_leaves_it_with_the_seniors(
    env: ReviewEnv, people: dict[str, Actor]
) -> None:
    item_id = _item(env)
    _grade(env, people["al"], item_id, "A1")
    assert _grade(env, people["bo"], item_id, "B1")["state"] == "escalated"
    with pytest.raises(ConflictError, match="seniors"):
        decide.undo(env, people["bo"], item_id)
    with pytest.raises(ConflictError, match="seniors"):
        decide.undo(env, people["al"], item_id)
    view = items.get_item(env, people["se"], item_id)
    assert view["state"] == "escalated" and view["claimed_by"] is None
    # Redeciding alone is impossible: the disagreement stands for a senior.
    with pytest.raises((ConflictError, ForbiddenError)):
        items.claim(env, people["bo"], item_id)


def test_undo_never_takes_the_item_from_its_holder(
    env: ReviewEnv, people: dict[str, Actor]
) -> None:
    item_id = _item(env)
    _grade(env, people["al"], item_id, "A1")
    items.claim(env, people["bo"], item_id)
    with pytest.raises(ConflictError, match="holds"):
        decide.undo(env, people["al"], item_id)
    assert items.get_item(env, people["bo"], item_id)["claimed_by_me"] is True
    # Once another has graded it, the first decision is no longer the analyst's alone.
    create_queue(env, people["se"], "three-undo", "uk", 3)
    third = _item(env, 2, queue="three-undo")
    _grade(env, people["al"], third, "A")
    _grade(env, people["bo"], third, "A")
    with pytest.raises(ConflictError, match="since"):
        decide.undo(env, people["al"], third)
    assert decide.undo(env, people["bo"], third)["claimed_by_me"] is True


def test_an_expired_claim_frees_the_item(env: ReviewEnv, people: dict[str, Actor]) -> None:
    brief = ReviewEnv(env.store, env.settings.model_copy(update={"review_claim_s": -1.0}))
    item_id = _item(env)
    items.claim(brief, people["al"], item_id)
    assert items.claim(env, people["bo"], item_id)["claimed_by_me"] is True
    with pytest.raises(ConflictError, match="claim"):
        decide.decide(env, people["al"], item_id, "A1")


def test_daily_limit_and_break_prompt(env: ReviewEnv, people: dict[str, Actor]) -> None:
    s = env.settings.model_copy(update={"review_daily_limit": 1, "review_break_every": 1})
    limited = ReviewEnv(env.store, s)
    _grade(limited, people["al"], _item(env, 1), "A1")
    mine = exposure.mine(limited, people["al"])
    assert mine["items"] == 1 and mine["break_due"] and mine["limit_reached"]
    with pytest.raises(ForbiddenError, match="limit"):
        items.next_item(limited, people["al"])
    counters = exposure.counters(limited, people["se"])
    assert counters[0]["user"] == "al" and counters[0]["items"] == 1


def test_quality_items_never_reach_a_list_or_the_listeners(
    env: ReviewEnv, people: dict[str, Actor], svc: Services
) -> None:
    with svc.store.begin() as conn:
        store_lists.create_list(conn, "target", "industry")
    create_queue(env, people["se"], "qc", "industry", 2, "target")
    qc = intake.seed(env, people["se"], jpeg(picture(9)), "q.jpg", "a2", "qc")
    _grade(env, people["al"], qc, "A2")
    done = _grade(env, people["bo"], qc, "A2")
    assert done["state"] == "confirmed" and done["listed_in"] is None
    with pytest.raises(ConflictError):
        decide.add_to_list(env, people["se"], qc, "target")
    with pytest.raises(ForbiddenError):
        intake.seed(env, people["al"], jpeg(picture(9)), "q.jpg", "A1")


def test_a_list_in_another_scheme_is_refused(
    env: ReviewEnv, people: dict[str, Actor], svc: Services
) -> None:
    with svc.store.begin() as conn:
        store_lists.create_list(conn, "uk-list", "uk")
    with pytest.raises(UsageError, match="no implicit mapping"):
        create_queue(env, people["se"], "q", "industry", 2, "uk-list")
    item_id = _item(env)
    _grade(env, people["al"], item_id, "A1")
    _grade(env, people["bo"], item_id, "A1")
    with pytest.raises(UsageError, match="no implicit mapping"):
        decide.add_to_list(env, people["se"], item_id, "uk-list")
    assert audit.verify(svc.store).intact


def test_the_master_key_file_is_made_once_private(tmp_path: Path, svc: Services) -> None:
    settings = replace_home(svc, tmp_path / "h")
    first = keyring_from_settings(settings)
    path = settings.master_key_file
    assert path.stat().st_mode & 0o777 == 0o600
    assert keyring_from_settings(settings).current.id == first.current.id
    os.chmod(path, 0o644)
    with pytest.raises(CryptoError, match="chmod 600"):
        keyring_from_settings(settings)
    given_key = MasterKey.generate()
    old = MasterKey.generate()

    configured = settings.model_copy(
        update={
            "master_key": SecretStr(given_key.to_text()),
            "old_master_keys": [SecretStr(old.to_text())],
        }
    )
    ring = keyring_from_settings(configured)
    assert ring.current.id == given_key.id
    assert ring.unwrap(ring.wrap(b"k" * 32)) == b"k" * 32


def replace_home(svc: Services, home: Path) -> Any:
    return svc.settings.model_copy(update={"home": home})


@given(st.dictionaries(st.sampled_from(["user_id", "email", "url", "nope"]), st.text(max_size=30)))
def test_metadata_is_checked_never_crashes(raw: dict[str, str]) -> None:
    try:
        out = parse_metadata(raw)
    except InputError:
        assert "nope" in raw or any("\x00" in v for v in raw.values())
    else:
        assert out == raw


def test_metadata_shapes() -> None:
    meta = parse_metadata('{"ip_events": [{"ip": "192.0.2.1", "event": "login"}]}')
    assert meta == {"ip_events": [{"ip": "192.0.2.1", "event": "login"}]}
    for bad in ("[]", "nope", '{"ip_events": [{"port": 1}]}', '{"user_id": 5}'):
        with pytest.raises(InputError):
            parse_metadata(bad)
    assert parse_metadata(None) == {} and parse_metadata("") == {}


def _video(frames: int = 30) -> bytes:
    import io

    import av
    import numpy as np

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for i in range(frames):
            img = np.asarray(picture(7000 + i % 3, (320, 240)))
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def test_a_video_is_shown_as_a_blurred_contact_sheet(
    env: ReviewEnv, people: dict[str, Actor]
) -> None:
    import io

    from PIL import Image

    item_id = intake.from_upload(env, local_operator(), _video(), "clip.mp4", None)
    view = items.claim(env, people["al"], item_id)
    assert view["signals"]["media_type"].startswith("video/")
    body, content_type = items.media_preview(env, people["al"], item_id, reveal=False)
    sheet = Image.open(io.BytesIO(body))
    assert content_type == "image/jpeg" and sheet.mode == "L"
    assert sheet.size == (480, 480)  # 3 x 3 frames
    revealed, _ = items.media_preview(env, people["al"], item_id, reveal=True)
    assert Image.open(io.BytesIO(revealed)).size == (480, 480) and revealed != body


def test_concurrent_claims_give_the_item_to_one_reviewer(
    env: ReviewEnv, people: dict[str, Actor]
) -> None:
    import threading

    item_id = _item(env, 77)
    won: list[str] = []
    lost: list[str] = []
    barrier = threading.Barrier(3)

    def claim(name: str) -> None:
        barrier.wait()
        try:
            items.claim(env, people[name], item_id)
            won.append(name)
        except ConflictError:
            lost.append(name)

    threads = [threading.Thread(target=claim, args=(n,)) for n in ("al", "bo", "cy")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and len(lost) == 2
    holder = items.get_item(env, people[won[0]], item_id)
    assert holder["claimed_by"] == won[0]
