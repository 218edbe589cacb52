"""Browser tests: Debian's Chromium driven by Playwright against a real server on
loopback (never a downloaded browser). Screenshots go to a temporary folder, or to
``BRIGHTLINE_SCREENSHOT_DIR`` when set (that is how ``docs/screenshots`` is made)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from brightline.adapters.api import create_app
from brightline.adapters.api.testing import serve_in_thread
from brightline.core.actor import local_operator
from brightline.services.context import open_services
from brightline.services.people import auth, users
from brightline.settings import Settings

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery"
PEOPLE = {
    "alice": "analyst",
    "bob": "analyst",
    "carol": "senior",
    "root": "admin",
    "audrey": "auditor",
}

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


@dataclass
class WebServer:
    url: str
    settings: Settings
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, role: str) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


def start_server(home: Path, **overrides: Any) -> Iterator[WebServer]:
    settings = Settings(home=home, refresh_interval_s=0.2, **overrides)
    svc = open_services(settings)
    tokens = {r: auth.create_key(svc.store, r, f"test {r}")[1] for r in ("scanner", "curator")}
    for name, role in PEOPLE.items():
        users.create_user(svc.store, local_operator(), name, role, PASSWORD)
    svc.close()
    with serve_in_thread(create_app(settings)) as url:
        with httpx.Client(base_url=url) as c:
            for _ in range(600):
                if c.get("/health/ready").status_code == 200:
                    break
                import time

                time.sleep(0.05)
        yield WebServer(url, settings, tokens)


@pytest.fixture(scope="module")
def web(tmp_path_factory: Any) -> Iterator[WebServer]:
    yield from start_server(tmp_path_factory.mktemp("webhome"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: Any) -> Callable[[Any, str], Path]:
    folder = tmp_path_factory.mktemp("screenshots")
    keep = os.environ.get("BRIGHTLINE_SCREENSHOT_DIR")

    def take(page: Any, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(keep) / path.name)
        return path

    return take


@pytest.fixture
def sign_in(browser: Any) -> Iterator[Callable[[WebServer, str], Any]]:
    contexts: list[Any] = []

    def open_as(server: WebServer, name: str) -> Any:
        ctx = browser.new_context(viewport={"width": 1200, "height": 800})
        contexts.append(ctx)
        page = ctx.new_page()
        page.goto(server.url + "/ui/login")
        page.fill("#username", name)
        page.fill("#password", PASSWORD)
        page.click("#sign-in")
        page.wait_for_load_state()
        return page

    yield open_as
    for ctx in contexts:
        ctx.close()
