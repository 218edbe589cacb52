"""NCMEC CyberTipline reporter: XML over HTTPS with HTTP Basic (httpx).

Steps: ``submit`` (POST /submit, the report XML → reportId), then per file
``upload`` (POST /upload, multipart ``id`` + ``file`` → fileId and the MD5 NCMEC
computed, which must equal ours) and ``fileinfo`` (POST /fileinfo), then ``finish``
(POST /finish). ``retract`` (POST /retract) works only before finish; ``check`` is
GET /status. responseCode 0 is success; every other code is kept with its
description and mapped below to retry or give up.

What may be sent again after a crash or a lost answer, and what may not:

- ``submit``: NCMEC has no look-up by our reference, so a submit whose answer was
  lost is sent again. The first report then stays open at NCMEC, never finished
  and so never filed (it carries our reference in ``additionalInfo``). The window
  is the time between NCMEC answering and our commit: milliseconds.
- ``upload``: sending a file again could attach it twice, and NCMEC cannot remove a
  file, so an upload whose answer was lost restarts the report: the open report is
  retracted and a new one submitted with every file.
- An answered refusal (HTTP 5xx or 429 without a CyberTipline answer) is definite:
  nothing happened, so the same step of the same report is sent again after a
  back-off; no retraction, no new report.
- ``fileinfo`` (describes a fileId again), ``finish`` ("already finished" is success)
  and ``retract`` ("already retracted") are safe to repeat.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from brightline.core.reports.cybertipline import (
    Response,
    file_details_xml,
    parse_response,
    report_xml,
    validate,
)
from brightline.core.reports.model import Report
from brightline.errors import InputError, UsageError
from brightline.services.reports.reporter import Outcome, StepContext, StepResult, StepSpec
from brightline.settings import Settings

#: responseCodes after which sending the same request again may succeed.
RETRY_CODES = frozenset({1000, 1100, 1110, 1111, 1300})
ALREADY_RETRACTED, ALREADY_FINISHED, NO_SUCH_REPORT = 5101, 5102, 5001
_XML = {"Content-Type": "text/xml; charset=utf-8"}


class NcmecReporter:
    destination = "ncmec"

    def __init__(
        self,
        url: str,
        username: str,
        password: SecretStr,
        *,
        timeout_s: float = 60.0,
        schema: Path | None = None,
        transport: httpx.BaseTransport | None = None,
    ):
        self.url = url.rstrip("/")
        self.schema = schema
        self._client = httpx.Client(
            auth=httpx.BasicAuth(username, password.get_secret_value()),
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
            transport=transport,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._client.close()

    # -- the seam ----------------------------------------------------------------

    def document(self, report: Report) -> bytes:
        xml = report_xml(report)
        validate(xml, self.schema)
        return xml

    def plan(self, report: Report) -> list[StepSpec]:
        steps = [StepSpec("submit")]
        for item in report.files:
            steps += [StepSpec("upload", item.item_id), StepSpec("fileinfo", item.item_id)]
        return [*steps, StepSpec("finish")]

    def recover(self, step: StepSpec) -> Outcome:
        return Outcome.RESTART if step.kind == "upload" else Outcome.RETRY

    def perform(self, step: StepSpec, ctx: StepContext) -> StepResult:
        if step.kind == "submit":
            return self._send(ctx, "submit", content=ctx.document(), headers=_XML)
        if ctx.remote_id is None:
            return StepResult(Outcome.RESTART, text="no NCMEC report id: submitting again")
        if step.kind == "upload":
            return self._upload(ctx)
        if step.kind == "fileinfo":
            assert ctx.item is not None and ctx.file_id is not None
            xml = file_details_xml(ctx.remote_id, ctx.file_id, ctx.item)
            validate(xml, self.schema)
            return self._send(ctx, "fileinfo", content=xml, headers=_XML)
        if step.kind == "finish":
            return self._send(ctx, "finish", data={"id": ctx.remote_id})
        raise ValueError(f"unknown step {step.kind}")

    def retract(self, ctx: StepContext) -> StepResult:
        if ctx.remote_id is None:
            return StepResult(Outcome.DONE, text="nothing was filed at NCMEC")
        return self._send(ctx, "retract", data={"id": ctx.remote_id})

    def check(self) -> StepResult:
        return self._send(StepContext(0, _NO_REPORT, bytes), "status", method="GET")

    # -- HTTP --------------------------------------------------------------------

    def _upload(self, ctx: StepContext) -> StepResult:
        item = ctx.item
        assert item is not None and ctx.remote_id is not None
        boundary = secrets.token_hex(16)
        name = _safe_name(item.filename, item.item_id)
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="id"\r\n\r\n{ctx.remote_id}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()

        def body() -> Iterator[bytes]:
            yield head
            for chunk in ctx.open_file(item.item_id):
                yield chunk
                ctx.hook("upload:chunk")
            yield tail

        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(len(head) + item.size + len(tail)),
        }
        described = f"<file {name}: {item.size} bytes, md5 {item.md5}>"
        result = self._send(ctx, "upload", content=body(), headers=headers, shown=described)
        if result.outcome is Outcome.DONE:
            reply = (result.exchange or {}).get("parsed", {})
            theirs = str(reply.get("md5") or "").lower()
            if theirs != item.md5:
                return StepResult(
                    Outcome.RETRY,
                    result.remote_id,
                    result.code,
                    f"NCMEC's MD5 {theirs or '(none)'} differs from ours {item.md5} "
                    f"(file {result.remote_id} left unused); uploading the file again",
                    result.exchange,
                )
        return result

    def _send(
        self,
        ctx: StepContext,
        path: str,
        *,
        method: str = "POST",
        content: bytes | Iterator[bytes] | None = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        shown: str | None = None,
    ) -> StepResult:
        url = f"{self.url}/{path}"
        body = shown if shown is not None else _shown_body(content, data)
        ctx.archive(f"{path}-request", {"method": method, "url": url, "body": body})
        try:
            answer = self._client.request(method, url, content=content, data=data, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.WriteError) as exc:
            return _failed(Outcome.RETRY, path, f"not delivered: {type(exc).__name__}: {exc}")
        except httpx.TransportError as exc:
            return _failed(Outcome.UNKNOWN, path, f"no answer: {type(exc).__name__}: {exc}")
        return interpret(path, answer.status_code, answer.content)


def interpret(path: str, status: int, content: bytes) -> StepResult:
    """What an answer to ``path`` means for the outbox."""
    record: dict[str, Any] = {"status": status, "body": content[:20000].decode("utf-8", "replace")}
    if status == 401:
        text = (
            "NCMEC refused the credentials (HTTP 401): check BRIGHTLINE_NCMEC_USERNAME "
            "and BRIGHTLINE_NCMEC_PASSWORD"
        )
        return StepResult(Outcome.GIVE_UP, code=2000, text=text, exchange=record)
    try:
        reply = parse_response(content)
    except InputError as exc:
        if definite_refusal(status):
            text = f"HTTP {status}: refused for now ({exc}); the same step is sent again later"
            return StepResult(Outcome.RETRY, text=text, exchange=record)
        return StepResult(Outcome.GIVE_UP, text=f"HTTP {status}: {exc}", exchange=record)
    record["parsed"] = {
        "code": reply.code,
        "description": reply.description,
        "report_id": reply.report_id,
        "file_id": reply.file_id,
        "md5": reply.md5,
    }
    outcome = _meaning(path, reply)
    remote = reply.file_id if path == "upload" else reply.report_id
    text = f"{reply.code} {reply.description}".strip()
    if outcome is Outcome.DONE and path == "submit" and not reply.report_id:
        outcome, text = Outcome.UNKNOWN, "success without a reportId"
    if outcome is Outcome.DONE and path == "upload" and not reply.file_id:
        outcome, text = Outcome.UNKNOWN, "upload success without a fileId"
    return StepResult(outcome, remote, reply.code, text, record)


def definite_refusal(status: int) -> bool:
    """An answer that says the request was not carried out (a server error or
    "too many requests"): the same step on the same report is sent again later. Only
    a lost answer (timeout, reset) leaves it unknown whether a step took effect."""
    return status == 429 or 500 <= status <= 599


def _meaning(path: str, reply: Response) -> Outcome:
    code = reply.code
    if code == 0:
        return Outcome.DONE
    if path == "finish" and code == ALREADY_FINISHED:
        return Outcome.DONE
    if path == "retract" and code in (ALREADY_RETRACTED, NO_SUCH_REPORT):
        return Outcome.DONE
    if path == "retract" and code == ALREADY_FINISHED:
        return Outcome.FILED
    if code in RETRY_CODES:
        return Outcome.RETRY
    if code == NO_SUCH_REPORT and path in ("upload", "fileinfo", "finish"):
        return Outcome.RESTART
    return Outcome.GIVE_UP


def _failed(outcome: Outcome, path: str, text: str) -> StepResult:
    return StepResult(outcome, text=f"{path}: {text}", exchange={"error": text})


def _shown_body(content: bytes | Iterator[bytes] | None, data: Mapping[str, str] | None) -> str:
    if isinstance(content, bytes):
        return content.decode("utf-8", "replace")
    return json.dumps(dict(data or {}))


def _safe_name(filename: str | None, item_id: int) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", (filename or "").rsplit("/", 1)[-1])[:100]
    return base.strip("._") or f"item-{item_id}"


def _empty_report() -> Report:
    from brightline.core.reports.model import ReportedUser, ReportingPerson

    return Report("status", ReportingPerson("-", "-", "-"), ReportedUser(), ())


_NO_REPORT = _empty_report()


def from_settings(settings: Settings) -> NcmecReporter:
    """The reporter the settings describe (``destinations`` makes it when needed)."""
    missing = [
        name
        for name, value in (
            ("BRIGHTLINE_NCMEC_USERNAME", settings.ncmec_username),
            ("BRIGHTLINE_NCMEC_PASSWORD", settings.ncmec_password),
        )
        if not value
    ]
    if missing:
        raise UsageError("sending to NCMEC needs " + " and ".join(missing))
    assert settings.ncmec_username and settings.ncmec_password
    return NcmecReporter(
        settings.ncmec_url,
        settings.ncmec_username,
        settings.ncmec_password,
        timeout_s=settings.ncmec_timeout_s,
        schema=settings.ncmec_xsd,
    )
