"""Webhook delivery: signatures, retries with backoff, the delivery log.

Time is a fake clock handed to the Deliverer: no test waits for a backoff."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from brightline.adapters.api.testing import WebhookReceiver
from brightline.core.models import HashList, Match
from brightline.errors import UsageError
from brightline.services import actions
from brightline.services.actions.delivery import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    Deliverer,
    backoff_delay,
    sign,
    verify_signature,
)
from brightline.services.context import Services
from brightline.services.store import lists as store_lists
from brightline.services.store.actions import claim_delivery, delivery_rows, due_delivery_ids


class Clock:
    """Starts just after now (deliveries are queued due now) and moves only when told."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _match(list_id: int) -> Match:
    return Match("hooked", list_id, 7, "pdq", "ab" * 32, 3, "B", "uk", "hotline", "h-7")


def _queue(svc: Services, url: str, secret: str = "s" * 32) -> int:
    with svc.store.begin() as conn:
        hl = store_lists.create_list(conn, "hooked", "uk")
    actions.add_action(svc.store, "hooked", "webhook", url, secret)
    ctx = actions.MatchContext(request_id="req-1", key_prefix="abcd1234", ref="upload-9")
    return actions.record_matches(svc.store, [_match(hl.id)], ctx)


def _deliveries(svc: Services) -> list[dict[str, object]]:
    return actions.delivery_log(svc.store, "hooked")


def _lists(svc: Services) -> list[HashList]:
    with svc.store.connect() as conn:
        return store_lists.all_lists(conn)


def test_signatures() -> None:
    body = b'{"event":"match"}'
    header = sign("secret-secret-secret", body, 1_700_000_000)
    assert verify_signature("secret-secret-secret", header, body, now=1_700_000_100)
    assert not verify_signature("another-secret-xx", header, body, now=1_700_000_100)
    assert not verify_signature("secret-secret-secret", header, body + b" ", now=1_700_000_100)
    assert not verify_signature("secret-secret-secret", header, body, now=1_700_009_999)
    assert not verify_signature("secret-secret-secret", "v1=00", body, now=1_700_000_000)


def test_backoff_doubles_up_to_a_cap() -> None:
    assert [backoff_delay(2, n) for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert backoff_delay(2, 40) == 3600


def test_retries_with_backoff_until_delivered(svc: Services) -> None:
    clock = Clock()
    secret = "k" * 40
    with WebhookReceiver(answers=[500, 503]) as hook:
        assert _queue(svc, hook.url, secret) == 1
        deliverer = Deliverer(
            svc.store, allow_private=True, backoff_s=10, max_attempts=5, clock=clock
        )
        try:
            assert deliverer.run_due() == 1
            [row] = _deliveries(svc)
            assert row["status"] == "pending" and row["attempts"] == 1
            assert row["last_status_code"] == 500
            assert deliverer.run_due() == 0  # not due yet
            clock.advance(9.9)
            assert deliverer.run_due() == 0
            clock.advance(0.2)
            assert deliverer.run_due() == 1  # the 503
            clock.advance(19.9)
            assert deliverer.run_due() == 0  # the delay doubled
            clock.advance(0.2)
            assert deliverer.run_due() == 1
        finally:
            deliverer.close()
    [row] = _deliveries(svc)
    assert row["status"] == "delivered" and row["attempts"] == 3 and row["last_error"] is None
    assert len(hook.received) == 3
    for got in hook.received:
        header = got.headers[SIGNATURE_HEADER.lower()]
        assert verify_signature(secret, header, got.body, now=clock.now.timestamp())
        assert got.headers[DELIVERY_HEADER.lower()] == str(row["id"])
    payload = json.loads(hook.received[0].body)
    assert payload["event"] == "match" and payload["list"] == "hooked"
    assert payload["request_id"] == "req-1" and payload["ref"] == "upload-9"
    assert payload["matches"][0]["entry_id"] == 7 and payload["matches"][0]["distance"] == 3


def test_gives_up_after_the_last_attempt(svc: Services) -> None:
    clock = Clock()
    with WebhookReceiver(answers=[500] * 10) as hook:
        _queue(svc, hook.url)
        deliverer = Deliverer(
            svc.store, allow_private=True, backoff_s=1, max_attempts=3, clock=clock
        )
        try:
            for _ in range(6):
                deliverer.run_due()
                clock.advance(3600)
        finally:
            deliverer.close()
    [row] = _deliveries(svc)
    assert row["status"] == "failed" and row["attempts"] == 3 and len(hook.received) == 3
    assert row["last_error"] == "receiver answered HTTP 500"


def test_unreachable_receivers_are_retried(svc: Services) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    _queue(svc, f"http://127.0.0.1:{port}/hook")
    deliverer = Deliverer(svc.store, allow_private=True, backoff_s=1, clock=Clock(), timeout_s=2)
    try:
        assert deliverer.run_due() == 1
    finally:
        deliverer.close()
    [row] = _deliveries(svc)
    assert row["status"] == "pending" and row["attempts"] == 1
    assert "ConnectError" in str(row["last_error"])


def test_a_removed_action_stops_its_deliveries(svc: Services) -> None:
    with WebhookReceiver() as hook:
        _queue(svc, hook.url)
        [action] = actions.list_actions(svc.store, "hooked")
        actions.remove_action(svc.store, "hooked", action.id)
        deliverer = Deliverer(svc.store, allow_private=True, clock=Clock())
        try:
            deliverer.run_due()
        finally:
            deliverer.close()
    assert hook.received == []
    assert _deliveries(svc)[0]["status"] == "failed"


def test_a_delivery_is_leased_to_one_worker(svc: Services) -> None:
    _queue(svc, "http://127.0.0.1:9/hook")
    now = Clock().now
    with svc.store.connect_events() as conn:
        [delivery_id] = due_delivery_ids(conn, now, 10)
    lease = now + timedelta(seconds=60)
    with svc.store.begin_events() as conn:
        assert claim_delivery(conn, delivery_id, now, lease)
    with svc.store.begin_events() as conn:
        assert not claim_delivery(conn, delivery_id, now, lease)
        assert due_delivery_ids(conn, now, 10) == []
        # An expired lease (a worker died mid-send) is claimable again.
        later = lease + timedelta(seconds=1)
        assert claim_delivery(conn, delivery_id, later, later + timedelta(seconds=60))


def test_every_match_is_logged_with_or_without_a_log_action(svc: Services) -> None:
    with svc.store.begin() as conn:
        hl = store_lists.create_list(conn, "logged")
        other = store_lists.create_list(conn, "quiet")
    actions.add_action(svc.store, "logged", "log")
    m = Match("logged", hl.id, 1, "md5", "a" * 32, 0, None, "none", None, None)
    q = Match("quiet", other.id, 2, "md5", "a" * 32, 0, None, "none", None, None)
    ctx = actions.MatchContext("r", "k", "ref")
    assert actions.record_matches(svc.store, [m, q], ctx) == 0
    rows = actions.match_log(svc.store)
    assert [r["list"] for r in rows] == ["logged", "quiet"]
    assert rows[0]["ref"] == "ref" and rows[0]["key_prefix"] == "k"


@pytest.mark.parametrize(
    ("kind", "url", "secret"),
    [
        ("webhook", None, None),
        ("webhook", "ftp://x/y", None),
        ("webhook", "http://user:pw@host/x", None),
        ("webhook", "http://[::1/x", None),
        ("webhook", "http://host:99999/x", None),
        ("webhook", "https://host/x", "short"),
        ("email", None, None),
    ],
)
def test_bad_actions_are_refused(
    svc: Services, kind: str, url: str | None, secret: str | None
) -> None:

    with svc.store.begin() as conn:
        store_lists.create_list(conn, "acts")
    with pytest.raises(UsageError):
        actions.add_action(svc.store, "acts", kind, url, secret)


class _Worker:
    """A Deliverer whose receiver is a function (it may move the clock or let another
    worker run a round mid-send); records which deliveries it sent."""

    def __init__(self, svc: Services, clock: Clock, answer: Callable[[], int]):
        self.sent: list[str] = []

        def handle(request: httpx.Request) -> httpx.Response:
            self.sent.append(request.headers[DELIVERY_HEADER])
            return httpx.Response(answer())

        transport = httpx.MockTransport(handle)
        self.deliverer = Deliverer(
            svc.store, allow_private=True, clock=clock, timeout_s=5, transport=transport
        )


def test_a_slow_send_does_not_leave_the_next_delivery_claimable(svc: Services) -> None:
    """Worker A reads two due deliveries; the first send takes a minute. The lease
    on the second must run from when A claims it, or worker B, running a round
    while A sends it, sends it too."""
    clock = Clock()
    _queue(svc, "http://hooks.invalid/a")
    [hooked] = [hl for hl in _lists(svc) if hl.name == "hooked"]
    actions.record_matches(svc.store, [_match(hooked.id)], actions.MatchContext("req-2"))
    b = _Worker(svc, clock, lambda: 200)

    def a_answer() -> int:
        if len(a.sent) == 1:
            clock.advance(60)  # a slow receiver
        else:
            b.deliverer.run_due()
        return 200

    a = _Worker(svc, clock, a_answer)
    try:
        assert a.deliverer.run_due() == 2
    finally:
        a.deliverer.close()
        b.deliverer.close()
    assert b.sent == []
    assert [row["status"] for row in _deliveries(svc)] == ["delivered", "delivered"]


def test_an_attempt_that_outlived_its_lease_does_not_overwrite_the_log(svc: Services) -> None:
    """A's send outlasts its lease; B claims the delivery and delivers it. A's late
    failure must not turn the delivered row back into a pending one."""
    clock = Clock()
    _queue(svc, "http://hooks.invalid/a")
    b = _Worker(svc, clock, lambda: 200)

    def a_answer() -> int:
        clock.advance(120)
        b.deliverer.run_due()
        return 500

    a = _Worker(svc, clock, a_answer)
    try:
        a.deliverer.run_due()
    finally:
        a.deliverer.close()
        b.deliverer.close()
    [row] = _deliveries(svc)
    assert row["status"] == "delivered" and row["last_error"] is None and row["attempts"] == 1


def test_the_receivers_answer_body_is_never_read(svc: Services) -> None:
    """Only the status counts: an endless answer must not hold the sender."""

    def endless() -> Iterator[bytes]:
        while True:
            yield b"x" * 65536
            raise AssertionError("the sender read the answer's body")

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=endless())

    _queue(svc, "http://hooks.invalid/a")
    transport = httpx.MockTransport(handle)
    deliverer = Deliverer(svc.store, allow_private=True, clock=Clock(), transport=transport)
    try:
        assert deliverer.run_due() == 1
    finally:
        deliverer.close()
    assert _deliveries(svc)[0]["status"] == "delivered"


@pytest.mark.parametrize(
    ("url", "addresses"),
    [
        ("http://metadata.internal/hook", ["169.254.169.254"]),
        ("http://127.0.0.1:9/hook", ["127.0.0.1"]),
        ("https://mixed.example/hook", ["93.184.216.34", "10.0.0.7"]),
        ("http://[::1]:8080/hook", ["::1"]),
    ],
)
def test_private_receivers_are_refused_without_retries(
    svc: Services, url: str, addresses: list[str]
) -> None:
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda req: sent.append(req) or httpx.Response(200))
    _queue(svc, url)
    deliverer = Deliverer(
        svc.store, clock=Clock(), transport=transport, resolver=lambda h, p: addresses
    )
    try:
        assert deliverer.run_due() == 1
    finally:
        deliverer.close()
    assert sent == []
    with svc.store.connect_events() as conn:
        [row] = delivery_rows(conn, None, None, 0, 10)
    assert row.status == "failed" and "receiver address refused" in (row.last_error or "")


def test_public_receivers_are_sent_to(svc: Services) -> None:
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda req: sent.append(req) or httpx.Response(204))
    _queue(svc, "https://hooks.example/brightline")
    deliverer = Deliverer(
        svc.store, clock=Clock(), transport=transport, resolver=lambda h, p: ["93.184.216.34"]
    )
    try:
        assert deliverer.run_due() == 1
    finally:
        deliverer.close()
    assert len(sent) == 1
