"""The pages' first-hour fixes (issue 15): ids past the database's range are 404 on
every backend, ``?error=``/``?failed=`` never echo text, settled items show their
outcome, the reveal counter moves at once, the audit page names people."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD, WebServer, start_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: Any) -> Iterator[WebServer]:
    yield from start_server(tmp_path_factory.mktemp("firsthour"))


@pytest.fixture(scope="module")
def as_(site: WebServer) -> Iterator[dict[str, httpx.Client]]:
    """A signed-in client (Bearer session) per person."""
    clients = {}
    for name in ("alice", "bob", "carol", "root", "audrey"):
        c = httpx.Client(base_url=site.url, timeout=30)
        login = {"username": name, "password": PASSWORD}
        c.headers["Authorization"] = (
            f"Bearer {c.post('/v1/auth/login', json=login).json()['token']}"
        )
        clients[name] = c
    yield clients
    for c in clients.values():
        c.close()


@pytest.mark.parametrize("n", [2**63, 2**63 - 1, 10**40, 0, 987654])
def test_ids_out_of_range_or_missing_are_404_pages(as_: dict[str, httpx.Client], n: int) -> None:
    assert as_["alice"].get(f"/ui/items/{n}").status_code == 404
    assert as_["carol"].get(f"/ui/reports/{n}").status_code == 404


PLANTED = "Your account is suspended: call 555-0100"


def test_query_text_is_never_echoed_into_pages(
    site: WebServer, as_: dict[str, httpx.Client]
) -> None:
    for who, page in (("carol", "/ui/queues"), ("carol", "/ui/reports"), ("root", "/ui/users")):
        resp = as_[who].get(page, params={"error": PLANTED})
        assert resp.status_code == 200
        assert "555-0100" not in resp.text
        assert "did not work" in resp.text  # a fixed message instead
        assert "taken" in as_[who].get(page, params={"error": "conflict"}).text
    with httpx.Client(base_url=site.url) as anon:
        page = anon.get("/ui/login", params={"failed": PLANTED})
        assert "555-0100" not in page.text and "login-error" not in page.text
        assert "The form expired" in anon.get("/ui/login", params={"failed": "form"}).text


def test_a_refused_change_redirects_with_a_code(as_: dict[str, httpx.Client]) -> None:
    admin = as_["root"]
    page = admin.get("/ui/users")
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    resp = admin.post(
        "/ui/users",
        data={"name": "alice", "role": "analyst", "password": PASSWORD, "csrf_token": csrf},
    )
    assert resp.status_code == 303
    assert resp.headers["location"] == "/ui/users?error=conflict"


def _intake(site: WebServer, seed: int) -> int:
    from brightline.services.demo import jpeg, picture

    with site.client("scanner") as c:
        resp = c.post(
            "/v1/intake",
            files={"file": (f"r{seed}.jpg", jpeg(picture(seed)), "image/jpeg")},
            data={"metadata": json.dumps({"user_id": f"u{seed}"})},
        )
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])


def test_a_settled_item_shows_its_outcome_and_reveals_count_at_once(
    site: WebServer, sign_in: Any
) -> None:
    item_id = _intake(site, 3101)
    pages = {}
    for name in ("alice", "bob"):
        page = sign_in(site, name)
        page.goto(f"{site.url}/ui/items/{item_id}")
        expect(page.locator("#keys")).to_be_visible()
        page.keyboard.press("c")
        expect(page.locator("#status")).to_contain_text("You hold this item")
        if name == "alice":
            before = int(page.locator("#exposure b").nth(1).inner_text())
            page.keyboard.press("r")
            expect(page.locator("#media")).to_have_class("revealed")
            expect(page.locator("#exposure b").nth(1)).to_have_text(str(before + 1))
        page.keyboard.press("1")
        pages[name] = page
    bob = pages["bob"]
    expect(bob.locator("#state")).to_have_text("confirmed")
    expect(bob.locator("#keys")).to_be_hidden()  # no grade keys once settled, no claim
    expect(bob.locator("#outcome")).to_contain_text("Settled: confirmed")
    alice = pages["alice"]
    alice.reload()
    expect(alice.locator("#outcome")).to_contain_text("Settled: confirmed")
    expect(alice.locator("#keys")).to_be_hidden()
    expect(alice.locator("button#claim")).to_be_hidden()
    expect(alice.locator("#status")).not_to_contain_text("claim")


def test_the_audit_page_names_people(site: WebServer, sign_in: Any) -> None:
    item_id = _intake(site, 3102)
    alice = sign_in(site, "alice")
    alice.goto(f"{site.url}/ui/items/{item_id}")
    alice.keyboard.press("c")
    expect(alice.locator("#status")).to_contain_text("You hold this item")
    audrey = sign_in(site, "audrey")
    audrey.goto(f"{site.url}/ui/audit?action=review.claim")
    row = audrey.locator("#audit tbody tr", has_text=f"item:{item_id}")
    expect(row.locator("td").nth(2)).to_contain_text("alice")  # the actor column
