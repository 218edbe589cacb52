"""A local stand-in for NCMEC's CyberTipline reporting API: the tests' double, and
``brightline reports sandbox`` (so a newcomer sees a report filed end to end without
NCMEC credentials). It is not NCMEC: nothing sent to it goes anywhere.

A real HTTP server on loopback (``http.server``, threaded) that behaves as NCMEC's
published documentation describes: HTTP Basic credentials, ``/status``,
``/submit`` (the report XML, validated), ``/upload`` (multipart ``id`` + ``file``;
answers the fileId and the MD5 it computed), ``/fileinfo``, ``/finish``,
``/retract`` (refused after finish), with the documented response codes. Tests
script faults per path: an error code, an HTTP 500, a slow answer, a dropped
connection, a lost answer (done, but the connection closed before answering), an
upload received damaged. It records every request and keeps each report's state
and files, so a test can check that exactly one report was filed with each file.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import defusedxml.ElementTree as SafeET

from brightline.core.reports.cybertipline import SchemaError, response_xml, validate

DESCRIPTIONS = {
    0: "Success",
    1000: "Server error",
    1100: "Save failed",
    1110: "Upload failed",
    1111: "File upload failed",
    2000: "Authentication required",
    3000: "User is not authorized to perform this action",
    4000: "Invalid request",
    4100: "Validation failed",
    4110: "Malformed XML submittal",
    4200: "Malformed file submittal",
    5001: "Report does not exist",
    5002: "File does not exist",
    5101: "Report already retracted",
    5102: "Report already finished",
}


@dataclass
class FakeFile:
    file_id: str
    name: str
    md5: str  # what the server says it received
    data: bytes
    details: bytes | None = None


@dataclass
class FakeReport:
    report_id: int
    xml: bytes
    state: str = "open"  # open, finished, retracted
    files: dict[str, FakeFile] = field(default_factory=dict)


@dataclass
class Fault:
    path: str
    kind: str  # code, http500, http (status ``code``, plain body), slow, drop, lost, md5
    code: int = 1000
    delay: float = 0.0


class FakeNcmec:
    """The stand-in server; ``port`` 0 picks a free one. It listens on loopback only."""

    def __init__(self, username: str = "esp-user", password: str = "esp-secret", port: int = 0):
        self.credentials = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.reports: dict[int, FakeReport] = {}
        self.requests: list[dict[str, Any]] = []
        self.faults: deque[Fault] = deque()
        self.lock = threading.Lock()
        self._next_report = 4560000
        self._next_file = 1
        self._server = _Server(("127.0.0.1", port), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/ispws"

    def start(self) -> FakeNcmec:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fault(
        self, path: str, kind: str, *, code: int = 1000, delay: float = 0.0, times: int = 1
    ) -> None:
        for _ in range(times):
            self.faults.append(Fault(path, kind, code, delay))

    def finished(self) -> list[FakeReport]:
        return [r for r in self.reports.values() if r.state == "finished"]

    def take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.path == path:
                    self.faults.remove(fault)
                    return fault
        return None

    # -- the documented operations ------------------------------------------------

    def submit(self, body: bytes) -> tuple[int, dict[str, Any]]:
        try:
            if validate(body) != "report":
                return 4000, {}
        except SchemaError as exc:
            return (4110 if "well-formed" in str(exc) else 4100), {}
        with self.lock:
            self._next_report += 1
            report = FakeReport(self._next_report, body)
            self.reports[report.report_id] = report
        return 0, {"reportId": report.report_id}

    def upload(
        self, report_id: str, name: str, data: bytes, damaged: bool
    ) -> tuple[int, dict[str, Any]]:
        report, code = self._open(report_id)
        if report is None:
            return code, {"reportId": report_id}
        with self.lock:
            file_id = f"f{self._next_file:06d}"
            self._next_file += 1
            md5 = hashlib.md5(data + (b"!" if damaged else b""), usedforsecurity=False).hexdigest()
            report.files[file_id] = FakeFile(file_id, name, md5, data)
        return 0, {"reportId": report.report_id, "fileId": file_id, "hash": md5}

    def fileinfo(self, body: bytes) -> tuple[int, dict[str, Any]]:
        try:
            if validate(body) != "fileDetails":
                return 4000, {}
        except SchemaError as exc:
            return (4110 if "well-formed" in str(exc) else 4100), {}
        root = SafeET.fromstring(body)
        report, code = self._open(root.findtext("reportId") or "")
        if report is None:
            return code, {}
        file = report.files.get(root.findtext("fileId") or "")
        if file is None:
            return 5002, {"reportId": report.report_id}
        file.details = body
        return 0, {"reportId": report.report_id}

    def finish(self, report_id: str) -> tuple[int, dict[str, Any]]:
        report, code = self._open(report_id)
        if report is None:
            return code, {"reportId": report_id, "files": []}
        report.state = "finished"
        return 0, {"reportId": report.report_id, "files": list(report.files)}

    def retract(self, report_id: str) -> tuple[int, dict[str, Any]]:
        report, code = self._open(report_id)
        if report is None:
            return code, {"reportId": report_id}
        report.state = "retracted"
        return 0, {"reportId": report.report_id}

    def _open(self, report_id: str) -> tuple[FakeReport | None, int]:
        report = self.reports.get(int(report_id)) if report_id.isdigit() else None
        if report is None:
            return None, 5001
        if report.state == "retracted":
            return None, 5101
        if report.state == "finished":
            return None, 5102
        return report, 0


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away (timeouts, kill -9) is part of the tests


def _handler(fake: FakeNcmec) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._serve(b"")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if len(body) < length:  # the client went away mid-request: nothing happened
                fake.requests.append({"path": self.path, "incomplete": True})
                self.close_connection = True
                return
            self._serve(body)

        def _serve(self, body: bytes) -> None:
            path = self.path.rsplit("/", 1)[-1]
            record: dict[str, Any] = {"path": path, "size": len(body)}
            fake.requests.append(record)
            if self.headers.get("Authorization") != f"Basic {fake.credentials}":
                record["status"] = 401
                return self._answer(401, 2000, {}, {"WWW-Authenticate": 'Basic realm="ispws"'})
            fault = fake.take_fault(path)
            record["fault"] = fault.kind if fault else None
            if fault and fault.kind == "drop":
                self.close_connection = True
                self.connection.shutdown(2)
                return None
            if fault and fault.kind == "code":
                return self._answer(200, fault.code, {})
            if fault and fault.kind == "http500":
                return self._raw(500, b"Internal Server Error", "text/plain")
            if fault and fault.kind == "http":  # refused before anything was done
                return self._raw(fault.code, b"Service Unavailable", "text/plain")
            code, fields = self._operate(path, body, damaged=bool(fault and fault.kind == "md5"))
            record["code"] = code
            if fault and fault.kind == "slow":  # done, but the answer comes late
                time.sleep(fault.delay)
            if fault and fault.kind == "lost":  # done, but the answer never arrives
                self.close_connection = True
                self.connection.shutdown(2)
                return None
            return self._answer(200, code, fields)

        def _operate(self, path: str, body: bytes, damaged: bool) -> tuple[int, dict[str, Any]]:
            if path == "status":
                return 0, {}
            if path == "submit":
                return fake.submit(body)
            if path == "upload":
                form = _multipart(self.headers.get("Content-Type", ""), body)
                if "id" not in form or "file" not in form:
                    return 4200, {}
                name, data = form["file"]
                return fake.upload(form["id"][1].decode(), name, data, damaged)
            if path == "fileinfo":
                return fake.fileinfo(body)
            form_id = urllib.parse.parse_qs(body.decode()).get("id", [""])[0]
            if path == "finish":
                return fake.finish(form_id)
            if path == "retract":
                return fake.retract(form_id)
            return 4000, {}

        def _answer(
            self,
            status: int,
            code: int,
            fields: dict[str, Any],
            headers: dict[str, str] | None = None,
        ) -> None:
            body = response_xml(code, DESCRIPTIONS.get(code, "Error"), **fields)
            self._raw(status, body, "text/xml; charset=utf-8", headers)

        def _raw(
            self, status: int, body: bytes, kind: str, headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _multipart(content_type: str, body: bytes) -> dict[str, tuple[str, bytes]]:
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    out: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        out[str(name)] = (str(part.get_filename() or ""), data)
    return out


#: The name people see: a sandbox, never mistaken for NCMEC.
CyberTiplineSandbox = FakeNcmec
