"""NCMEC CyberTipline XML: the report, each file's details, and NCMEC's answers.

Structure from NCMEC's published reporting API documentation: ``<report>`` (POST
/submit), ``<fileDetails>`` (POST /fileinfo), answers ``<reportResponse>`` and
``<reportDoneResponse>`` with ``responseCode`` 0 for success. Every document we
write is validated against the schema kept beside this module (or the operator's
own copy of NCMEC's XSD). Answers are parsed with defusedxml: a hostile or broken
server cannot expand entities at us.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from lxml import etree

from brightline.core.reports.model import IpEvent, Report, ReportedUser, ReportFile, xml_time
from brightline.errors import InputError

SCHEMA = Path(__file__).with_name("cybertipline.xsd")
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_SCHEMA_LOCATION = "https://report.cybertip.org/ispws/xsd"
#: Characters XML 1.0 cannot carry (platform metadata may contain them).
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class SchemaError(InputError):
    """A document does not validate against the CyberTipline schema."""


@dataclass(frozen=True, slots=True)
class Response:
    """One of NCMEC's answers: ``code`` 0 is success, anything else an error code."""

    code: int
    description: str
    report_id: str | None = None
    file_id: str | None = None
    md5: str | None = None
    file_ids: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.code == 0


def report_xml(report: Report) -> bytes:
    root = _root("report")
    summary = _sub(root, "incidentSummary")
    _sub(summary, "incidentType", report.incident_type)
    if report.escalate:
        _sub(summary, "escalateToHighPriority", report.escalate)
    _sub(summary, "reportAnnotations")
    _sub(summary, "incidentDateTime", xml_time(report.incident_time))
    urls = sorted({f.url for f in report.files if f.url})
    if urls:
        page = _sub(_sub(root, "internetDetails"), "webPageIncident")
        for url in urls:
            _sub(page, "url", url)
    reporter = _sub(_sub(root, "reporter"), "reportingPerson")
    _sub(reporter, "firstName", report.reporter.first_name)
    _sub(reporter, "lastName", report.reporter.last_name)
    _sub(reporter, "email", report.reporter.email)
    _reported(root, report.user)
    _sub(root, "additionalInfo", _additional_info(report))
    return _finish(root)


def file_details_xml(report_id: str, file_id: str, item: ReportFile) -> bytes:
    root = _root("fileDetails")
    _sub(root, "reportId", report_id)
    _sub(root, "fileId", file_id)
    if item.filename:
        _sub(root, "originalFileName", item.filename)
    if item.url:
        _sub(root, "locationOfFile", item.url)
    _sub(root, "fileViewedByEsp", _bool(item.viewed_by_esp))
    _sub(root, "publiclyAvailable", _bool(item.publicly_available))
    notes = _sub(root, "fileAnnotations")
    for name in item.annotations:
        _sub(notes, name)
    if item.classification.industry:
        _sub(root, "industryClassification", item.classification.industry)
    for kind, value in (("MD5", item.md5), ("SHA1", item.sha1), ("SHA256", item.sha256)):
        _sub(root, "originalFileHash", value).set("hashType", kind)
    _sub(root, "additionalInfo", f"classification: {item.classification.explanation}")
    if item.decided_by:
        reviewers = ", ".join(item.decided_by)
        confirmed = xml_time(item.confirmed_at) if item.confirmed_at else "unknown"
        _sub(root, "additionalInfo", f"confirmed by reviewers {reviewers} at {confirmed}")
    if item.content_id:
        _sub(root, "additionalInfo", f"platform content id: {item.content_id}")
    return _finish(root)


def parse_response(body: bytes) -> Response:
    """Parse ``reportResponse`` / ``reportDoneResponse``; InputError if it is neither."""
    try:
        root = SafeET.fromstring(body)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise InputError(f"NCMEC's answer is not well-formed XML ({exc})") from None
    if root.tag not in ("reportResponse", "reportDoneResponse"):
        raise InputError(f"NCMEC's answer is a <{root.tag}>, not a report response")
    code = root.findtext("responseCode")
    try:
        number = int(code or "")
    except ValueError:
        raise InputError("NCMEC's answer has no numeric responseCode") from None
    files = root.find("files")
    return Response(
        number,
        root.findtext("responseDescription") or "",
        _opt(root.findtext("reportId")),
        _opt(root.findtext("fileId")),
        _opt(root.findtext("hash")),
        tuple(f.text or "" for f in files.findall("fileId")) if files is not None else (),
    )


def response_xml(code: int, description: str, **fields: Any) -> bytes:
    """An answer as NCMEC writes it (the local test server uses this)."""
    tag = "reportDoneResponse" if "files" in fields else "reportResponse"
    root = etree.Element(tag)
    _sub(root, "responseCode", str(code))
    _sub(root, "responseDescription", description)
    for name in ("reportId", "fileId", "hash"):
        if fields.get(name) is not None:
            _sub(root, name, str(fields[name]))
    if "files" in fields:
        files = _sub(root, "files")
        for file_id in fields["files"]:
            _sub(files, "fileId", str(file_id))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def validate(document: bytes, schema: Path | None = None) -> str:
    """Check ``document`` against the schema; returns its root tag. SchemaError if not.

    Parsed with defusedxml first (entity expansion refused), then by lxml with DTDs,
    entities and the network off."""
    try:
        SafeET.fromstring(document)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise SchemaError(f"not well-formed XML: {exc}") from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        tree = etree.fromstring(document, parser)
    except etree.XMLSyntaxError as exc:
        raise SchemaError(f"not well-formed XML: {exc}") from None
    xsd = _schema(str(schema or SCHEMA))
    if not xsd.validate(tree):
        error = xsd.error_log.last_error
        raise SchemaError(
            f"does not match the CyberTipline schema: line {error.line}: {error.message}"
        )
    return str(tree.tag)


@functools.lru_cache(maxsize=4)
def _schema(path: str) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(path, parser))


def _reported(root: Any, user: ReportedUser) -> None:
    if user.key == "unknown" and not user.ip_events:
        return
    node = _sub(root, "personOrUserReported")
    if user.email:
        _sub(_sub(node, "personOrUserReportedPerson"), "email", user.email)
    if user.user_id:
        _sub(node, "espIdentifier", user.user_id)
    if user.screen_name:
        _sub(node, "screenName", user.screen_name)
    for event in user.ip_events:
        _ip_event(node, event)


def _ip_event(parent: Any, event: IpEvent) -> None:
    node = _sub(parent, "ipCaptureEvent")
    _sub(node, "ipAddress", event.ip)
    _sub(node, "eventName", event.event)
    if event.time is not None:
        _sub(node, "dateTime", xml_time(event.time))


def _additional_info(report: Report) -> str:
    lines = [f"Reference {report.ref} (Brightline outbox); {len(report.files)} file(s)."]
    if report.provider:
        lines.append(f"Provider: {report.provider}.")
    if report.note:
        lines.append(report.note)
    return " ".join(lines)


def _root(tag: str) -> Any:
    root = etree.Element(tag, nsmap={"xsi": _XSI})
    root.set(f"{{{_XSI}}}noNamespaceSchemaLocation", _SCHEMA_LOCATION)
    return root


def _sub(parent: Any, tag: str, text: str | None = None) -> Any:
    node = etree.SubElement(parent, tag)
    if text is not None:
        node.text = _XML_UNSAFE.sub("\ufffd", text)
    return node


def _finish(root: Any) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _opt(text: str | None) -> str | None:
    return text.strip() if text and text.strip() else None
