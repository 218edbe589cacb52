"""Fetching media by URL, for the API's ``url=`` parameters (off by default).

A URL is fetched only when its host is on the allow-list, and only from public
addresses: the host is resolved, every address it resolves to must be public
(not private, loopback, link-local, reserved, multicast or shared, nor an IPv6
address wrapping such an IPv4 one), and the connection is made to one of those
checked addresses, so a second DNS answer cannot swap in an internal one (DNS
rebinding). Redirects are not followed. The body is capped in size and the whole
fetch in time: every socket operation gets only what is left of ``timeout_s``.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpcore

from brightline.errors import FetchError, TooLargeError

#: ``(host, port) -> addresses``; swapped in tests to check the address rules.
Resolver = Callable[[str, int], list[str]]
SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve {host!r}: {exc.strerror}") from None
    except UnicodeError:  # an empty or over-long label ("a..example.com")
        raise FetchError(f"{host!r} is not a valid host name") from None
    return sorted({str(info[4][0]) for info in infos})


# Not reachable on the internet, yet ``is_global`` on some Python versions (3.11
# calls NAT64 and IPv4-compatible addresses global): refused whatever the version.
_NOT_PUBLIC = [
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "100.64.0.0/10",
        "192.0.0.0/24",
        "198.18.0.0/15",
        "240.0.0.0/4",
        "::/96",  # IPv4-compatible (deprecated): ::10.0.0.1
        "::ffff:0:0:0/96",  # IPv4-translated: ::ffff:0:10.0.0.1
        "64:ff9b:1::/48",  # local-use NAT64
        "fec0::/10",  # site-local (deprecated)
    )
]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public_address(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if any(ip in net for net in _NOT_PUBLIC):
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        # ::ffff:10.0.0.1, 2002:a00:1:: and NAT64's 64:ff9b::a00:1 must not smuggle
        # a private IPv4 address in.
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is None and ip in _NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None and not is_public_address(str(inner)):
            return False
    return ip.is_global and not ip.is_multicast


def host_allowed(host: str, allowed: Iterable[str]) -> bool:
    host = host.lower().rstrip(".")
    for pattern in allowed:
        pattern = pattern.lower().rstrip(".")
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]):
                return True
        elif host == pattern:
            return True
    return False


class FetchGuard:
    """Fetches allow-listed URLs from public addresses only, within size and time caps."""

    def __init__(
        self,
        allowed_hosts: Sequence[str],
        *,
        max_bytes: int,
        timeout_s: float,
        resolver: Resolver = resolve,
        address_ok: Callable[[str], bool] = is_public_address,
    ):
        self.allowed_hosts = list(allowed_hosts)
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s
        self.resolver = resolver
        self.address_ok = address_ok

    def check_url(self, url: str) -> tuple[str, int]:
        """``(host, port)`` of a URL that may be fetched; raises FetchError."""
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise FetchError("that is not a valid URL") from None
        if not url.isascii():
            # httpcore takes ASCII only; IRIs would otherwise fail as a 500.
            raise FetchError("URLs must be ASCII: percent-encode the path, punycode the host")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError("only http:// and https:// URLs can be fetched")
        if parts.username or parts.password:
            raise FetchError("URLs with credentials are not fetched")
        if not host_allowed(parts.hostname, self.allowed_hosts):
            raise FetchError(f"host {parts.hostname!r} is not on the fetch allow-list")
        return parts.hostname, port

    def addresses(self, host: str, port: int) -> list[str]:
        """The host's addresses; FetchError unless every one of them is allowed."""
        found = self.resolver(host, port)
        if not found:
            raise FetchError(f"{host!r} has no address")
        refused = [a for a in found if not self.address_ok(a)]
        if refused:
            raise FetchError(f"{host!r} resolves to a non-public address ({refused[0]})")
        return found

    def fetch(self, url: str) -> bytes:
        host, port = self.check_url(url)
        self.addresses(host, port)  # fail fast, before any connection is opened
        deadline = time.monotonic() + self.timeout_s
        backend = _PinnedBackend(self, deadline)
        try:
            with httpcore.ConnectionPool(
                ssl_context=ssl.create_default_context(), network_backend=backend, retries=0
            ) as pool:
                timeouts = {k: self.timeout_s for k in ("connect", "read", "write", "pool")}
                with pool.stream("GET", url, extensions={"timeout": timeouts}) as resp:
                    self._check_response(resp)
                    return self._read(resp, deadline)
        except httpcore.TimeoutException:
            raise FetchError(f"fetching took longer than {self.timeout_s:g} s") from None
        except (httpcore.NetworkError, httpcore.ProtocolError, ssl.SSLError) as exc:
            raise FetchError(f"could not fetch the URL: {type(exc).__name__}") from None

    def _check_response(self, resp: httpcore.Response) -> None:
        if 300 <= resp.status < 400:
            raise FetchError("the URL redirects; redirects are not followed")
        if resp.status != 200:
            raise FetchError(f"the URL answered HTTP {resp.status}")
        for name, value in resp.headers:
            if (
                name.lower() == b"content-length"
                and value.isdigit()
                and int(value) > self.max_bytes
            ):
                raise TooLargeError(f"the file is larger than {self.max_bytes:,} bytes")

    def _read(self, resp: httpcore.Response, deadline: float) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.iter_stream():
            size += len(chunk)
            if size > self.max_bytes:
                raise TooLargeError(f"the file is larger than {self.max_bytes:,} bytes")
            if time.monotonic() > deadline:
                raise FetchError(f"fetching took longer than {self.timeout_s:g} s")
            chunks.append(chunk)
        return b"".join(chunks)


class _PinnedBackend(httpcore.SyncBackend):
    """Connects only to allowed hosts, at addresses the guard has just checked (no
    second DNS lookup), and hands out streams bound by the fetch's deadline."""

    def __init__(self, guard: FetchGuard, deadline: float):
        self.guard = guard
        self.deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        # Checked again here in case httpcore reads the URL differently from urlsplit.
        if not host_allowed(host, self.guard.allowed_hosts):
            raise FetchError(f"host {host!r} is not on the fetch allow-list")
        address = self.guard.addresses(host, port)[0]
        timeout = _left(self.deadline, timeout, httpcore.ConnectTimeout)
        stream = super().connect_tcp(address, port, timeout, local_address, socket_options)
        return _DeadlineStream(stream, self.deadline)


def _left(deadline: float, timeout: float | None, error: type[Exception]) -> float:
    """The per-operation timeout, cut to what is left before the deadline."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the fetch's time is up")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A stream whose every read and write ends by the fetch's deadline, so a server
    trickling its headers a byte at a time cannot hold a worker thread."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: float):
        self.inner = inner
        self.deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, _left(self.deadline, timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, _left(self.deadline, timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _left(self.deadline, timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self.inner.start_tls(ssl_context, server_hostname, timeout), self.deadline
        )

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)
