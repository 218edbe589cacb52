"""NCMEC's hash-sharing API (v2, XML), read from its documented structure.

``GET {base}/v2/entries?from=…&to=…`` answers a page of ``<images>``/``<videos>``
holding ``<image>``, ``<video>``, ``<deletedImage>`` and ``<deletedVideo>`` entries
and, while more remain, ``<paging><next>`` (a path appended to the environment base).
Entries are NOT in time order, so a fetch takes one window ``[from, to]`` and moves
its checkpoint to ``to`` only when the last page of the window has been applied; a
fetch that stops resumes from its paging URL with the same window (pytx #1744).

Why not pytx's ``NCMECHashAPI`` (threatexchange 1.2.17): its ``_date_format`` writes
local time with a ``Z`` suffix (``datetime.fromtimestamp``), so on a server not set
to UTC windows are off by hours; it logs whole responses at DEBUG; and its signal
exchange keeps only video MD5, image PDQ and PhotoDNA, dropping image MD5 and SHA-1.
Here every fingerprint is kept: the ones Brightline matches (MD5, SHA-1, PDQ) as
their types, the rest (``pdna`` as ``photodna``, any other) as values of their type.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import Element

import httpx

from brightline.errors import ExchangeError, UsageError
from brightline.services.exchanges import http
from brightline.services.exchanges.base import Config, Feedback, Page, RemoteEntry

#: The documented environments (``--environment``); ``--url`` overrides.
ENVIRONMENTS = {
    "industry": "https://report.cybertip.org/hashsharing",
    "ngo": "https://hashsharing.ncmec.org/npo",
    "exploitative": "https://hashsharing.ncmec.org/exploitative",
    "test-industry": "https://exttest.cybertip.org/hashsharing",
    "test-ngo": "https://hashsharing-test.ncmec.org/npo",
    "test-exploitative": "https://hashsharing-test.ncmec.org/exploitative",
}
_TYPES = {"md5": "md5", "sha1": "sha1", "pdq": "pdq", "pdna": "photodna"}
#: Fingerprint names in feedback URLs, by Brightline signal type.
_FEEDBACK = {"md5": "MD5", "sha1": "SHA1", "pdq": "PDQ"}
_TIME = "%Y-%m-%dT%H:%M:%SZ"


def base_url(url: str | None, environment: str | None) -> str:
    if url:
        return url.rstrip("/")
    env = (environment or "industry").lower()
    if env not in ENVIRONMENTS:
        raise UsageError(f"unknown NCMEC environment {env!r} (known: {', '.join(ENVIRONMENTS)})")
    return ENVIRONMENTS[env]


def parse_xml(data: bytes) -> Element:
    """Parse an answer safely (no DTDs, no entities: defusedxml) and drop namespaces."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        root = fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException) as exc:
        raise ExchangeError(f"NCMEC answered XML that cannot be read: {exc}") from None
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]
    found: Element = root
    return found


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        found = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def parse_entry(el: Element) -> RemoteEntry:
    tag = el.tag
    deleted = tag.startswith("deleted")
    kind = (tag[len("deleted") :] if deleted else tag).lower()
    entry_id = (el.findtext("id") or "").strip()
    member = el.find("member")
    if not entry_id or member is None or not member.get("id"):
        raise ExchangeError(f"an NCMEC <{tag}> without its id or member id")
    prints = el.find("fingerprints")
    found = {
        str(f.tag).lower(): (f.text or "").strip()
        for f in (prints if prints is not None else [])
        if (f.text or "").strip()
    }
    return RemoteEntry(
        source_id=entry_id,
        fingerprints=found,
        member=str(member.get("id")),
        content_type=kind,
        classification=(el.findtext("classification") or "").strip() or None,
        updated_at=_when(el.findtext("timestamp")),
        deleted=deleted,
    )


def parse_page(root: Element) -> tuple[list[RemoteEntry], str]:
    """The entries of a page and its ``<paging><next>`` (empty at the end)."""
    if root.tag in ("error", "errors", "errorResponse"):
        raise ExchangeError(f"NCMEC answered <{root.tag}>, not a page of entries")
    found = []
    for group in ("images", "videos"):
        holder = root.find(group)
        for el in holder if holder is not None else []:
            found.append(parse_entry(el))
    nxt = html.unescape((root.findtext("paging/next") or "").strip())
    return found, nxt


class NcmecExchange:
    name = "ncmec"
    credentials_form = "user:password"

    def check_config(
        self, url: str | None, environment: str | None, credentials: str | None
    ) -> None:
        base_url(url, environment)
        if credentials is not None:
            user, sep, password = credentials.partition(":")
            if not sep or not user or not password:
                raise UsageError("NCMEC credentials are one line: user:password")

    def _client(self, config: Config) -> httpx.Client:
        if not config.credentials:
            raise ExchangeError(f"exchange {config.name!r} has no credentials")
        user, _, password = config.credentials.partition(":")
        return httpx.Client(auth=(user, password), headers={"Accept": "application/xml"})

    def pages(
        self,
        config: Config,
        checkpoint: Mapping[str, Any] | None,
        resume: Mapping[str, Any] | None,
    ) -> Iterator[Page]:
        base = base_url(config.url, config.environment)
        if resume:
            start, end, nxt = int(resume["from"]), int(resume["to"]), str(resume.get("next") or "")
        else:
            start = int((checkpoint or {}).get("to", 0))
            end, nxt = int(datetime.now(UTC).timestamp()), ""
        with self._client(config) as client:
            while True:
                if nxt:
                    url, params = base + nxt, None
                else:
                    url = f"{base}/v2/entries"
                    params = {"from": _fmt(start), "to": _fmt(end)}
                resp = http.request(client, config.http, "GET", url, params=params)
                found, nxt = parse_page(parse_xml(resp.content))
                if nxt:
                    yield Page(found, resume={"from": start, "to": end, "next": nxt})
                    continue
                yield Page(found, checkpoint={"to": end})
                return

    def signals_of(self, entry: RemoteEntry) -> list[tuple[str, str]]:
        return [(_TYPES.get(k, k), v) for k, v in entry.fingerprints.items()]

    def feedback_fingerprint(self, signal_type: str) -> str | None:
        return _FEEDBACK.get(signal_type)

    def reasons(self, config: Config, fingerprint: str) -> list[tuple[str, str]]:
        """``(guid, name)`` of the negative feedback reasons for a fingerprint type."""
        base = base_url(config.url, config.environment)
        with self._client(config) as client:
            resp = http.request(
                client, config.http, "GET", f"{base}/v2/feedback/{fingerprint}/reasons"
            )
        root = parse_xml(resp.content)
        out = []
        for el in root.iter("reason"):
            guid = el.get("guid") or el.findtext("guid") or ""
            name = el.get("name") or el.findtext("name") or ""
            if guid.strip():
                out.append((guid.strip(), name.strip()))
        return out

    def pick_reason(self, config: Config, fingerprint: str) -> str:
        """The reason guid for a rejection: the setting (a guid, or part of a name),
        else the one meaning "not CSAM", else the only one."""
        found = self.reasons(config, fingerprint)
        wanted = (config.feedback_reason or "").strip().lower()
        if wanted:
            for guid, name in found:
                if wanted == guid.lower() or wanted in name.lower():
                    return guid
            raise ExchangeError(f"no NCMEC feedback reason matches {config.feedback_reason!r}")
        for guid, name in found:
            simple = name.lower().replace("-", " ")
            if "not csam" in simple or "not child sexual abuse" in simple:
                return guid
        if len(found) == 1:
            return found[0][0]
        raise ExchangeError(
            "NCMEC offers several feedback reasons and none says 'not CSAM': "
            "set BRIGHTLINE_EXCHANGE_FEEDBACK_REASON"
        )

    def send_feedback(self, config: Config, feedback: Feedback) -> None:
        base = base_url(config.url, config.environment)
        if feedback.verdict == "affirmative":
            body = "<feedbackSubmission><affirmative/></feedbackSubmission>"
        else:
            guid = feedback.reason or self.pick_reason(config, feedback.fingerprint)
            body = (
                "<feedbackSubmission><negative><reasonIds>"
                f"<guid>{html.escape(guid)}</guid>"
                "</reasonIds></negative></feedbackSubmission>"
            )
        path = (
            f"/v2/entries/{_seg(feedback.member or '')}/{_seg(feedback.source_id)}"
            f"/{_seg(feedback.fingerprint)}/feedback"
        )
        with self._client(config) as client:
            http.request(
                client,
                config.http,
                "PUT",
                base + path,
                content=body.encode(),
                headers={"Content-Type": "application/xml"},
            )


def _seg(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def _fmt(ts: int) -> str:
    # UTC, whatever the server's zone (pytx formats local time with a Z: wrong).
    return datetime.fromtimestamp(ts, UTC).strftime(_TIME)


EXCHANGE = NcmecExchange()
