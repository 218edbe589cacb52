"""Sign-in lock-out against parallel guesses, on each backend (issue 15 §1): threads
guessing at once get no more than ``login_max_failures`` passwords checked, and a
locked account, an unknown name and a wrong password answer alike, after the same
work (one password check each)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from brightline.core.actor import local_operator
from brightline.services import audit
from brightline.services.context import open_services
from brightline.services.people import users

PASSWORD = "correct horse battery"
LIMIT = 5
THREADS = 24


@pytest.fixture(scope="module")
def server_overrides() -> dict[str, Any]:
    # The address throttle (its own test) stays out of the way here.
    return {"login_max_failures": LIMIT, "login_address_max_attempts": 10_000}


@pytest.fixture(scope="module")
def accounts(server: Any) -> dict[str, int]:
    svc = open_services(server.settings)
    try:
        names = ("target", "victim", "bystander")
        return {
            n: users.create_user(svc.store, local_operator(), n, "analyst", PASSWORD).id
            for n in names
        }
    finally:
        svc.close()


def _checks(server: Any) -> int:
    return int(server.app.state.runtime.login_guard.pool.checks)


def _login(server: Any, name: str, password: str) -> httpx.Response:
    with server.client() as c:
        return c.post("/v1/auth/login", json={"username": name, "password": password})


def _failures(server: Any, user_id: int) -> list[dict[str, Any]]:
    svc = open_services(server.settings)
    try:
        found = audit.records(svc.store, action="auth.login_failed", target=f"user:{user_id}")
        return [dict(r.details) for r in found]
    finally:
        svc.close()


def test_parallel_guesses_get_no_more_than_the_limit_checked(
    server: Any, accounts: dict[str, int], assert_error: Any
) -> None:
    start = threading.Barrier(THREADS)

    def guess(n: int) -> list[httpx.Response]:
        start.wait()
        return [_login(server, "target", f"wrong-guess-{n}-{i}") for i in range(2)]

    with ThreadPoolExecutor(THREADS) as pool:
        answers = [r for rs in pool.map(guess, range(THREADS)) for r in rs]
    assert len(answers) == 2 * THREADS
    for resp in answers:
        assert assert_error(resp, 401, "unauthenticated")["message"] == users.WRONG_PASSWORD
    # Locked now: the right password is refused, alike.
    right = _login(server, "target", PASSWORD)
    assert assert_error(right, 401, "unauthenticated")["message"] == users.WRONG_PASSWORD
    checked = _failures(server, accounts["target"])
    assert len(checked) == LIMIT  # not one per attempt past the limit
    assert [d["locked"] for d in checked].count(True) == 1  # one lock-out record


def _shape(resp: httpx.Response) -> tuple[int, dict[str, Any], list[str]]:
    body = resp.json()
    body["error"].pop("request_id")
    names = sorted(k for k in resp.headers if k not in ("x-request-id", "date", "content-length"))
    return resp.status_code, body, names


def test_locked_unknown_and_wrong_answer_alike_after_the_same_work(
    server: Any, accounts: dict[str, int]
) -> None:
    for i in range(LIMIT):
        _login(server, "victim", f"nope-nope-{i}")
    before = _checks(server)
    locked_right = _login(server, "victim", PASSWORD)
    locked_wrong = _login(server, "victim", "still-not-it")
    unknown = _login(server, "nobody-here", PASSWORD)
    wrong = _login(server, "bystander", "not-the-password")
    # Each answer cost one password check: a locked or unknown name is not quicker.
    assert _checks(server) - before == 4
    shapes = {repr(_shape(r)) for r in (locked_right, locked_wrong, unknown, wrong)}
    assert len(shapes) == 1, shapes
    assert locked_right.status_code == 401
    # The bystander is not locked by its one failure: the right password works.
    assert _login(server, "bystander", PASSWORD).status_code == 200


def test_a_success_resets_the_count(server: Any, accounts: dict[str, int]) -> None:
    svc = open_services(server.settings)
    users.create_user(svc.store, local_operator(), "steady", "analyst", PASSWORD)
    svc.close()
    for _ in range(3):
        for i in range(LIMIT - 1):
            assert _login(server, "steady", f"typo-{i}").status_code == 401
        assert _login(server, "steady", PASSWORD).status_code == 200
