"""The URL fetch guard: allow-list, public addresses only (checked after DNS, and
again at connect time), size and time caps. Only loopback is ever contacted."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from brightline.errors import FetchError, TooLargeError
from brightline.services.fetch import FetchGuard, host_allowed, is_public_address


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.9.9.9",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",
        "fe80::1%eth0",
        # IPv6 wrappers of private IPv4 that Python 3.11's is_global calls global.
        "64:ff9b::7f00:1",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b:1::a00:1",
        "::127.0.0.1",
        "::ffff:0:10.0.0.1",
        "fec0::1",
        "192.0.0.8",
        "not an address",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "64:ff9b::808:808"]
)
def test_public_addresses_pass(address: str) -> None:
    assert is_public_address(address)


def test_allow_list() -> None:
    allowed = ["cdn.example.com", "*.images.example.org"]
    assert host_allowed("CDN.example.com.", allowed)
    assert host_allowed("a.b.images.example.org", allowed)
    assert not host_allowed("images.example.org", allowed)
    assert not host_allowed("evilcdn.example.com", allowed)
    assert not host_allowed("cdn.example.com.evil.net", allowed)


class Resolver:
    """Answers from a script, and remembers what it was asked."""

    def __init__(self, *answers: list[str]):
        self.answers = list(answers)
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def _guard(resolver: Resolver, **kwargs: object) -> FetchGuard:
    return FetchGuard(
        ["media.example.com"],
        max_bytes=1000,
        timeout_s=5,
        resolver=resolver,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    "url",
    [
        "ftp://media.example.com/x",
        "file:///etc/passwd",
        "http://other.example.com/x",
        "http://user:pw@media.example.com/x",
        "http://media.example.com:99999/x",
        "not a url",
        "http://media.example.com/caf\u00e9.jpg",  # httpcore takes ASCII only
    ],
)
def test_urls_that_are_never_fetched(url: str) -> None:
    resolver = Resolver(["93.184.216.34"])
    with pytest.raises(FetchError):
        _guard(resolver).fetch(url)
    assert resolver.asked == []


@pytest.mark.parametrize(
    "answer", [["127.0.0.1"], ["10.0.0.7"], ["93.184.216.34", "169.254.169.254"], ["::1"]]
)
def test_a_host_resolving_to_private_addresses_is_refused(answer: list[str]) -> None:
    with pytest.raises(FetchError, match="non-public"):
        _guard(Resolver(answer)).fetch("http://media.example.com/a.jpg")


def test_malformed_host_names_are_fetch_errors() -> None:
    """The IDNA codec refuses empty labels before any DNS query is sent."""
    guard = FetchGuard(["*.example.com"], max_bytes=1000, timeout_s=5)
    with pytest.raises(FetchError, match="not a valid host name"):
        guard.fetch("http://a..example.com/x.jpg")


def test_dns_rebinding_is_caught_at_connect_time() -> None:
    """The first answer is public, the second (at connect) loopback: refused before
    any connection is made (the public address is never contacted either)."""
    resolver = Resolver(["93.184.216.34"], ["127.0.0.1"])
    with pytest.raises(FetchError, match="non-public"):
        _guard(resolver).fetch("http://media.example.com/a.jpg")
    assert resolver.asked == ["media.example.com", "media.example.com"]


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/slow":
            time.sleep(3)
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/")
            self.end_headers()
            return
        body = b"x" * (5000 if self.path.startswith("/big") else 100)
        self.send_response(404 if self.path == "/missing" else 200)
        if self.path != "/big-unsized":  # no length: the body is read until it closes
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def local_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _loopback_guard(**kwargs: object) -> FetchGuard:
    # Loopback stands in for a public host here; the address rule is swapped out.
    return FetchGuard(
        ["media.example.com"],
        max_bytes=1000,
        timeout_s=kwargs.pop("timeout_s", 5),  # type: ignore[arg-type]
        resolver=lambda host, port: ["127.0.0.1"],
        address_ok=lambda address: address == "127.0.0.1",
    )


def test_fetch_within_the_caps(local_port: int) -> None:
    guard = _loopback_guard()
    assert guard.fetch(f"http://media.example.com:{local_port}/ok") == b"x" * 100
    with pytest.raises(TooLargeError):
        guard.fetch(f"http://media.example.com:{local_port}/big")
    with pytest.raises(TooLargeError):
        guard.fetch(f"http://media.example.com:{local_port}/big-unsized")
    with pytest.raises(FetchError, match="HTTP 404"):
        guard.fetch(f"http://media.example.com:{local_port}/missing")
    with pytest.raises(FetchError, match="redirect"):
        guard.fetch(f"http://media.example.com:{local_port}/redirect")


def test_fetch_time_cap(local_port: int) -> None:
    guard = _loopback_guard(timeout_s=0.5)
    with pytest.raises(FetchError, match="longer than"):
        guard.fetch(f"http://media.example.com:{local_port}/slow")


@pytest.fixture
def trickling_port() -> Iterator[int]:
    """Answers with headers that trickle in a byte at a time, each within any
    per-read timeout, then hangs up (after ~5 s) without finishing them."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        with contextlib.suppress(OSError):
            conn, _ = listener.accept()
            with conn:
                conn.recv(65536)
                for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 50:
                    conn.sendall(bytes([byte]))
                    time.sleep(0.1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    listener.close()
    thread.join(10)


def test_fetch_time_cap_covers_trickled_headers(trickling_port: int) -> None:
    # Without a whole-fetch deadline on every read this ends as a protocol error
    # when the server gives up, not as a timeout.
    guard = _loopback_guard(timeout_s=0.5)
    with pytest.raises(FetchError, match="longer than"):
        guard.fetch(f"http://media.example.com:{trickling_port}/x")
