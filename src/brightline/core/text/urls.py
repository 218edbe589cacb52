"""URL canonicalisation and URL list entries, modelled on Google Web Risk's.

``canonicalize(url)`` follows Web Risk's public canonicalisation
(cloud.google.com/web-risk/docs/urls-hashing#canonicalization), with the changes
the IWF's page-level lists need:

- tab, CR and LF are removed; leading and trailing spaces are trimmed; the
  fragment (``#…``) is dropped; defanged spellings are undone (``hxxp``, ``[.]``);
- the scheme is dropped: ``http://`` and ``https://`` (and none) are the same page.
  Other schemes are refused;
- user information is dropped; a default port (80, 443) is dropped, others kept;
- each part is percent-decoded repeatedly until nothing changes, then re-encoded
  one way: bytes at or below space, at or above 0x7F, and ``#`` and ``%`` as
  ``%XX`` in upper-case hex (``?`` too in the path, ``&``, ``=`` and ``+`` too in
  query names and values);
- the host is lower-cased, its leading and trailing dots removed and runs of dots
  made one; an IDN is written in punycode (IDNA 2008 with UTS 46 mapping, IDNA
  2003 when that fails); a host that is a number in decimal, octal or hex, whole or
  in dotted parts, is written as a dotted-quad IPv4 address;
- in the path, ``/./`` and ``/../`` are resolved and runs of slashes made one; an
  empty path is ``/``;
- the query is kept; its parameters are sorted, so their order does not matter.

A canonical URL is written ``host[:port]/path[?query]``. List entries are either a
page (that URL only; an entry without a query matches the page whatever its query,
as Web Risk's look-ups do) or a prefix ending in ``/*``: ``host/folder/*`` is that
folder and everything below it, ``host/*`` the whole host, ``*.host/*`` the host and
every subdomain.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from brightline.errors import InvalidUrlError, shorten

#: Longest canonical URL an entry may have (the entries table's value column).
MAX_URL = 512
_DEFANG = (
    (re.compile(r"^h[xX*]{2}p(s?)(?=:|\[:\])", re.IGNORECASE), r"http\1"),
    (re.compile(r"\[(?:\.|dot)\]|\((?:\.|dot)\)|\{(?:\.|dot)\}", re.IGNORECASE), "."),
    (re.compile(r"\[:\]"), ":"),
    (re.compile(r"\[/\]"), "/"),
)
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*)://")
_OTHER_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):(?![0-9])")
_DEFAULT_PORTS = {"80", "443"}
_HOST_CHARS = re.compile(r"^[a-z0-9\-_.]+$")
_MAX_DECODES = 64
#: Bytes ``_encoded`` always writes as ``%XX``.
_UNSAFE = re.compile(rb"[\x00-\x20\x7f-\xff#%]")


@dataclass(frozen=True, slots=True, order=True)
class CanonicalUrl:
    host: str  # with ":port" when not a default one
    path: str
    query: str | None = None

    def __str__(self) -> str:
        return self.host + self.path + (f"?{self.query}" if self.query is not None else "")

    @property
    def page(self) -> str:
        """The URL without its query."""
        return self.host + self.path


def undefang(url: str) -> str:
    scheme, *brackets = _DEFANG
    url = scheme[0].sub(scheme[1], url)
    if "[" in url or "(" in url or "{" in url:  # the others all hold a bracket
        for pattern, repl in brackets:
            url = pattern.sub(repl, url)
    return url


def canonicalize(url: str) -> CanonicalUrl:
    """The canonical form of ``url`` (see the module docstring); raises InvalidUrlError."""
    raw = url
    url = undefang(url.replace("\t", "").replace("\r", "").replace("\n", "").strip())
    url = url.split("#", 1)[0]
    m = _SCHEME.match(url)
    if m:
        if m.group(1).lower() not in ("http", "https"):
            raise InvalidUrlError(f"not a web address (scheme {m.group(1)!r}): {shorten(raw)}")
        url = url[m.end() :]
    elif url.startswith("//"):
        url = url[2:]
    elif _OTHER_SCHEME.match(url):
        raise InvalidUrlError(f"not a web address: {shorten(raw)}")
    cut = min((i for i in (url.find("/"), url.find("?")) if i >= 0), default=len(url))
    authority, rest = url[:cut], url[cut:]
    path, _, query = rest.partition("?")
    host = _host(authority, raw)
    canonical = CanonicalUrl(host, _path(path), _query(query) if "?" in rest else None)
    if len(str(canonical)) > MAX_URL:
        raise InvalidUrlError(f"URL longer than {MAX_URL} characters once canonical")
    return canonical


def _decoded(part: str) -> bytes:
    data = part.encode("utf-8", "surrogatepass")
    if b"%" not in data:  # nothing to decode (the common case)
        return data
    for _ in range(_MAX_DECODES):
        again = unquote_to_bytes(data)
        if again == data:
            break
        data = again
    return data


def _encoded(data: bytes, also: bytes = b"") -> str:
    if _UNSAFE.search(data) is None and not any(b in data for b in also):
        return data.decode("ascii")  # nothing to encode (the common case)
    out = []
    for b in data:
        if b <= 0x20 or b >= 0x7F or b in (0x23, 0x25) or b in also:
            out.append(f"%{b:02X}")
        else:
            out.append(chr(b))
    return "".join(out)


def _host(authority: str, raw: str) -> str:
    authority = authority.rpartition("@")[2]
    host, port = authority, ""
    if not host.startswith("[") and host.count(":") == 1:
        host, _, port = host.partition(":")
        if port and not port.isdigit():
            raise InvalidUrlError(f"bad port in {shorten(raw)}")
    elif host.startswith("[") and "]:" in host:
        host, _, port = host.rpartition(":")
    host = _decoded(host).decode("utf-8", "replace").strip().lower()
    host = re.sub(r"\.{2,}", ".", host).strip(".")
    if not host:
        raise InvalidUrlError(f"no host in {shorten(raw)}")
    host = _ip(host) or _ascii_host(host, raw)
    port = port.lstrip("0") or ("0" if port else "")
    return host + (f":{port}" if port and port not in _DEFAULT_PORTS else "")


def _ascii_host(host: str, raw: str) -> str:
    """Punycode for an IDN; what is left that a host cannot hold is percent-encoded
    (Web Risk: ``host%23.com``, ``%20leadingspace.com``)."""
    if not host.isascii():
        try:
            import idna

            host = idna.encode(host, uts46=True, transitional=False).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError):
            with contextlib.suppress(UnicodeError):  # else percent-encoded below
                host = host.encode("idna").decode("ascii")
    if not _HOST_CHARS.match(host):
        host = _encoded(host.encode("utf-8", "surrogatepass"), b"/?@")
    return host


def _ip(host: str) -> str | None:
    """A dotted-quad for a numeric IPv4 host (``3232235777``, ``0xc0.168.1.1``)."""
    if host.startswith("[") and host.endswith("]"):
        try:
            return f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]"
        except ValueError:
            return None
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    try:
        numbers = [_ip_number(p) for p in parts]
    except ValueError:
        return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(parts)):
        return None
    value = 0
    for n in head:
        value = value * 256 + n
    value = value * 256 ** (5 - len(parts)) + last
    return str(ipaddress.IPv4Address(value))


def _ip_number(part: str) -> int:
    if part.lower().startswith("0x"):
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8)
    if not part.isdigit():
        raise ValueError(part)
    return int(part)


def _path(path: str) -> str:
    text = _decoded(path or "/")
    segments: list[bytes] = []
    parts = text.split(b"/")
    for i, seg in enumerate(parts):
        last = i == len(parts) - 1
        if seg == b".." and segments:
            segments.pop()
        if seg in (b".", b".."):
            if last:
                segments.append(b"")
            continue
        if seg or last:
            segments.append(seg)
    return "/" + "/".join(_encoded(s, b"?") for s in segments)


def _query(query: str) -> str:
    params = []
    for param in query.split("&"):
        if not param:
            continue
        name, eq, value = param.partition("=")
        name_c = _encoded(_decoded(name), b"&=+")
        value_c = _encoded(_decoded(value), b"&=+")
        params.append(name_c + ("=" + value_c if eq else ""))
    return "&".join(sorted(params))


# -- list entries ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UrlEntry:
    """A URL list entry: a page, or a prefix (``folder`` ends in ``/``)."""

    host: str
    path: str
    query: str | None = None
    prefix: bool = False
    subdomains: bool = False

    def __str__(self) -> str:
        if self.prefix:
            return ("*." if self.subdomains else "") + self.host + self.path + "*"
        return str(CanonicalUrl(self.host, self.path, self.query))


def parse_entry(value: str) -> UrlEntry:
    """A list entry's canonical form; raises InvalidUrlError."""
    text = value.strip()
    if text.endswith("*") and not text.endswith("/*"):
        raise InvalidUrlError(f"a prefix entry ends with '/*': {shorten(value)}")
    if not text.endswith("/*"):
        if "*." in text.split("/", 3)[:3][-1] or text.startswith("*."):
            raise InvalidUrlError(f"a '*.host' entry ends with '/*': {shorten(value)}")
        url = canonicalize(text)
        return UrlEntry(url.host, url.path, url.query)
    body = text[:-1]
    m = _SCHEME.match(body)
    rest = body[m.end() :] if m else body
    subdomains = rest.startswith("*.")
    if subdomains:
        rest = rest[2:]
        body = (m.group(0) if m else "") + rest
    if "*" in rest:
        raise InvalidUrlError(f"'*' only ends a prefix ('host/*', '*.host/*'): {shorten(value)}")
    url = canonicalize(body)
    if url.query is not None:
        raise InvalidUrlError(f"a prefix entry has no query: {shorten(value)}")
    path = url.path if url.path.endswith("/") else url.path + "/"
    return UrlEntry(url.host, path, None, prefix=True, subdomains=subdomains)


def lookup_keys(url: CanonicalUrl) -> list[str]:
    """The entry values that match ``url``: the page with and without its query, each
    folder above it as ``host/folder/*``, and each parent host as ``*.parent/*``."""
    keys = [str(url)]
    if url.query is not None:
        keys.append(url.page)
    folders = ["/"]
    segments = url.path.split("/")[1:-1]
    for i in range(len(segments)):
        folders.append("/" + "/".join(segments[: i + 1]) + "/")
    if url.path != "/" and not url.path.endswith("/"):
        folders.append(url.path + "/")  # ``host/folder/*`` takes ``host/folder`` too
    for folder in folders:
        keys.append(f"{url.host}{folder}*")
    name, colon, port = url.host.partition(":")
    labels = name.split(".")
    if not name.startswith("["):
        for i in range(len(labels) - 1):
            parent = ".".join(labels[i:]) + colon + port
            keys.extend(f"*.{parent}{folder}*" for folder in folders)
    return keys
