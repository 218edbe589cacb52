"""Test doubles for integration tests (ours and a platform's own), on loopback:
``serve_in_thread`` runs the API in the current process, ``WebhookReceiver`` is a
webhook endpoint that records what it is sent."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import uvicorn
from fastapi import FastAPI

from brightline.adapters.api.slowclients import server_config
from brightline.settings import Settings


@contextmanager
def serve_in_thread(app: FastAPI, host: str = "127.0.0.1", timeout: float = 30) -> Iterator[str]:
    """Serve ``app`` on a free port in a background thread; yields its base URL and
    shuts it down (lifespan included) on exit."""
    settings = getattr(app.state, "settings", None)
    if isinstance(settings, Settings):  # one of ours: with the slow-client checks
        config = server_config(app, settings, host=host, port=0, log_config=None, access_log=False)
    else:
        config = uvicorn.Config(app, host=host, port=0, log_config=None, access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="brightline-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    try:
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the API server did not start")
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    """A webhook endpoint on loopback that records what it is sent and answers with
    the next status in ``answers`` (then 200): ``with WebhookReceiver() as hook: …``."""

    def __init__(self, answers: list[int] | None = None):
        self.answers = list(answers or [])
        self.received: list[Received] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append(
                    Received({k.lower(): v for k, v in self.headers.items()}, body)
                )
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def __enter__(self) -> WebhookReceiver:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
