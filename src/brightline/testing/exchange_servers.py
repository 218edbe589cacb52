"""Local stand-ins for the hash exchanges, written from their documentation, that
misbehave as real servers do: for tests, benchmarks and ``brightline exchange
sandbox``. Standard library only; loopback only; benign made-up hashes only.

``NcmecHashServer`` serves NCMEC's hash-sharing API v2 (XML): ``/v2/status``,
``/v2/entries?from&to`` in pages with ``<paging><next>`` (entries deliberately NOT in
time order), deleted entries, ``/v2/feedback/{type}/reasons`` and the feedback PUT.
``StopNciiServer`` serves ``FetchHashes`` (``nextPageToken``) and ``SubmitFeedback``.
Both take knobs: ``fail_once`` (a page that answers 503 the first time),
``rate_limit_once`` (429), ``bad_xml_once``, ``delay_s`` (slow answers).
"""

from __future__ import annotations

import base64
import json
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

REASONS = [
    ("5d5e9d0f-0001-4a6b-9a39-000000000001", "Not CSAM"),
    ("5d5e9d0f-0002-4a6b-9a39-000000000002", "Duplicate hash"),
]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away mid-answer (a killed fetch) is not news


@dataclass
class NcmecEntry:
    id: str
    member: str
    timestamp: int
    fingerprints: dict[str, str]
    kind: str = "image"  # image | video
    classification: str | None = "A1"
    deleted: bool = False

    def xml(self) -> str:
        tag = ("deleted" + self.kind.capitalize()) if self.deleted else self.kind
        prints = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in self.fingerprints.items())
        when = datetime.fromtimestamp(self.timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        cls = (
            f"<classification>{self.classification}</classification>" if self.classification else ""
        )
        return (
            f'<{tag}><member id="{escape(self.member)}">Member {escape(self.member)}</member>'
            f"<id>{escape(self.id)}</id><timestamp>{when}</timestamp>{cls}"
            f"<fingerprints>{prints}</fingerprints></{tag}>"
        )


def made_up_entries(
    count: int, *, start_ts: int = 1_600_000_000, seed: int = 0
) -> list[NcmecEntry]:
    """Entries with random (benign, made-up) MD5, SHA-1, PDQ and PhotoDNA values."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        video = i % 10 == 9
        prints = {"md5": f"{rng.getrandbits(128):032x}"}
        if not video:
            prints["sha1"] = f"{rng.getrandbits(160):040x}"
            prints["pdq"] = f"{rng.getrandbits(256):064x}"
            prints["pdna"] = base64.b64encode(rng.randbytes(144)).decode()
        out.append(
            NcmecEntry(
                id=f"e{i}",
                member=str(1 + i % 3),
                timestamp=start_ts + i,
                fingerprints=prints,
                kind="video" if video else "image",
                classification=("A1", "A2", "B1", "B2")[i % 4],
            )
        )
    return out


@dataclass
class _Knobs:
    fail_once: set[int] = field(default_factory=set)  # page starts answering 503 once
    rate_limit_once: set[int] = field(default_factory=set)  # 429 once
    bad_xml_once: set[int] = field(default_factory=set)
    delay_s: float = 0.0


class NcmecHashServer:
    """A running stand-in; ``url`` is the environment base (``…/hashsharing``)."""

    def __init__(
        self,
        entries: list[NcmecEntry] | None = None,
        *,
        page_size: int = 1000,
        user: str = "user",
        password: str = "secret",
        port: int = 0,
        reasons: list[tuple[str, str]] | None = None,
    ):
        self.entries = list(entries or [])
        self.page_size = page_size
        self.user, self.password = user, password
        self.reasons = list(REASONS if reasons is None else reasons)
        self.knobs = _Knobs()
        self.feedback: list[dict[str, str]] = []
        self.requests: list[str] = []
        self._window: tuple[Any, list[NcmecEntry]] = (None, [])
        self.lock = threading.Lock()
        self._server = _Server(("127.0.0.1", port), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hashsharing"

    def start(self) -> NcmecHashServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def serve_forever(self) -> None:
        self._server.serve_forever()

    # -- what the API answers ---------------------------------------------------

    def window(self, start: int, end: int) -> list[NcmecEntry]:
        """Entries changed in ``[start, end]`` in a fixed order that is NOT time order
        (kept while ``entries`` is the same list, so paging a million is cheap)."""
        key = (start, end, id(self.entries), len(self.entries))
        if self._window[0] == key:
            return self._window[1]
        found = [e for e in self.entries if start <= e.timestamp <= end]
        random.Random(start ^ end).shuffle(found)
        self._window = (key, found)
        return found

    def page(self, query: dict[str, str]) -> str:
        start, end = _ts(query.get("from", "")), _ts(query.get("to", ""))
        offset = int(query.get("start", "0"))
        size = int(query.get("size", str(self.page_size)))
        found = self.window(start, end)
        part = found[offset : offset + size]
        images = [e for e in part if e.kind == "image"]
        videos = [e for e in part if e.kind == "video"]
        paging = ""
        if offset + size < len(found):
            nxt = (
                f"/v2/entries?from={query.get('from', '')}&to={query.get('to', '')}"
                f"&start={offset + size}&size={size}&max={len(found) - 1}"
            )
            paging = f"<paging><next>{escape(nxt)}</next></paging>"
        stamp = datetime.fromtimestamp(end, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<queryResult xmlns="https://hashsharing.ncmec.org/hashsharing/v2">'
            f'<images count="{len(images)}" maxTimestamp="{stamp}">'
            + "".join(e.xml() for e in images)
            + f'</images><videos count="{len(videos)}" maxTimestamp="{stamp}">'
            + "".join(e.xml() for e in videos)
            + f"</videos>{paging}</queryResult>"
        )


def _ts(text: str) -> int:
    if not text:
        return 0
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def _handler(server: NcmecHashServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: str, ctype: str = "application/xml") -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            want = base64.b64encode(f"{server.user}:{server.password}".encode()).decode()
            if self.headers.get("Authorization") == f"Basic {want}":
                return True
            self._send(401, "<error>unauthorised</error>")
            return False

        def do_GET(self) -> None:
            if not self._authorised():
                return
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            path = parts.path.removeprefix("/hashsharing")
            with server.lock:
                server.requests.append(self.path)
            if server.knobs.delay_s:
                time.sleep(server.knobs.delay_s)
            if path == "/v2/status":
                self._send(200, '<status><member id="1">Brightline test</member></status>')
            elif path == "/v2/entries":
                offset = int(query.get("start", "0"))
                with server.lock:
                    for knob, status in (
                        (server.knobs.fail_once, 503),
                        (server.knobs.rate_limit_once, 429),
                    ):
                        if offset in knob:
                            knob.discard(offset)
                            self._send(status, "<error>try later</error>")
                            return
                    if offset in server.knobs.bad_xml_once:
                        server.knobs.bad_xml_once.discard(offset)
                        self._send(200, "<queryResult><images><image>")
                        return
                self._send(200, server.page(query))
            elif path.startswith("/v2/feedback/") and path.endswith("/reasons"):
                body = "".join(
                    f'<reason guid="{g}" name="{escape(n)}"/>' for g, n in server.reasons
                )
                self._send(200, f"<availableFeedbackReasons>{body}</availableFeedbackReasons>")
            else:
                self._send(404, "<error>not found</error>")

        def do_PUT(self) -> None:
            if not self._authorised():
                return
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode()
            parts = urlsplit(self.path).path.removeprefix("/hashsharing").strip("/").split("/")
            # v2/entries/{member}/{id}/{type}/feedback
            if len(parts) != 6 or parts[:2] != ["v2", "entries"] or parts[5] != "feedback":
                self._send(404, "<error>not found</error>")
                return
            with server.lock:
                if -1 in server.knobs.fail_once:  # the next feedback PUT fails once
                    server.knobs.fail_once.discard(-1)
                    self._send(503, "<error>try later</error>")
                    return
                server.feedback.append(
                    {"member": parts[2], "entry": parts[3], "type": parts[4], "body": body}
                )
            self._send(200, "<feedbackResult>OK</feedbackResult>")

    return Handler


@dataclass
class StopNciiRecord:
    signal_type: str
    value: str
    status: str = "Active"
    modified: int = 1_600_000_000

    def as_dict(self) -> dict[str, Any]:
        return {
            "lastModtimestamp": self.modified,
            "signalType": self.signal_type,
            "hashValue": self.value,
            "hashStatus": self.status,
            "caseNumbers": {},
            "CSPFeedbacks": [],
        }


class StopNciiServer:
    """``/FetchHashes`` paged by ``nextPageToken``, ``/SubmitFeedback``; checks both keys."""

    def __init__(self, records: list[StopNciiRecord] | None = None, *, page_size: int = 2):
        self.records = list(records or [])
        self.page_size = page_size
        self.function_key, self.subscription_key = "fkey", "skey"
        self.knobs = _Knobs()
        self.feedback: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _stopncii_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> StopNciiServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fetch(self, query: dict[str, str]) -> dict[str, Any]:
        start = int(query.get("startTimestamp", "0"))
        size = min(int(query.get("pageSize", "800")), self.page_size)
        offset = int(query.get("nextPageToken", "0") or "0")
        found = sorted((r for r in self.records if r.modified >= start), key=lambda r: r.modified)
        part = found[offset : offset + size]
        more = offset + size < len(found)
        newest = max((r.modified for r in found), default=start)
        return {
            "count": len(part),
            "nextPageToken": str(offset + size) if more else "",
            "nextSetTimestamp": newest + 1,
            "hasMoreRecords": more,
            "hashRecords": [r.as_dict() for r in part],
        }


def _stopncii_handler(server: StopNciiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            ok = (
                self.headers.get("x-functions-key") == server.function_key
                and self.headers.get("Ocp-Apim-Subscription-Key") == server.subscription_key
            )
            if not ok:
                self._send(401, {"error": "unauthorised"})
            return ok

        def do_GET(self) -> None:
            if not self._authorised():
                return
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if parts.path != "/v1/FetchHashes":
                self._send(404, {"error": "not found"})
                return
            offset = int(query.get("nextPageToken", "0") or "0")
            with server.lock:
                if offset in server.knobs.fail_once:
                    server.knobs.fail_once.discard(offset)
                    self._send(503, {"error": "try later"})
                    return
            self._send(200, server.fetch(query))

        def do_POST(self) -> None:
            if not self._authorised():
                return
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            if urlsplit(self.path).path != "/v1/SubmitFeedback":
                self._send(404, {"error": "not found"})
                return
            with server.lock:
                server.feedback.append(body)
            self._send(200, {"count": body.get("count", 0)})

    return Handler


@contextmanager
def running(server: Any) -> Iterator[Any]:
    server.start()
    try:
        yield server
    finally:
        server.stop()
