"""CyberTipline XML: what we write validates; hostile answers are refused safely."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brightline.core.reports.classify import classify, parse_category_map
from brightline.core.reports.cybertipline import (
    SchemaError,
    file_details_xml,
    parse_response,
    report_xml,
    response_xml,
    validate,
)
from brightline.core.reports.model import (
    IpEvent,
    Report,
    ReportedUser,
    ReportFile,
    ReportingPerson,
)
from brightline.errors import InputError, UsageError

WHEN = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def a_file(industry_scheme: str = "industry", category: str = "B2") -> ReportFile:
    return ReportFile(
        item_id=3,
        filename="a.png",
        size=10,
        md5="0" * 32,
        sha1="1" * 40,
        sha256="2" * 64,
        media_type="image/png",
        classification=classify(industry_scheme, category, {}),
        url="https://example.org/x",
        content_id="c3",
        uploaded_at=WHEN,
        confirmed_at=WHEN,
        decided_by=("user:1", "user:2"),
    )


def a_report(**kw: object) -> Report:
    user = ReportedUser("u\x001", "name", "u@example.org", (IpEvent("192.0.2.1", WHEN, "Login"),))
    values: dict[str, object] = {
        "ref": "brightline-report-1",
        "reporter": ReportingPerson("Rita", "Porter", "r@x.org"),
        "user": user,
        "files": (a_file(),),
        "incident_time": WHEN,
    }
    values.update(kw)
    return Report(**values)  # type: ignore[arg-type]


def test_report_and_file_details_validate() -> None:
    xml = report_xml(a_report(escalate="child in danger"))
    assert validate(xml) == "report"
    assert b"<incidentDateTime>2026-11-30T10:00:00Z</incidentDateTime>" in xml
    assert b"u\xef\xbf\xbd1" in xml  # a NUL from platform metadata cannot break the XML
    details = file_details_xml("123", "f1", a_file())
    assert validate(details) == "fileDetails"
    assert b"<industryClassification>B2</industryClassification>" in details


def test_unmapped_scheme_leaves_the_classification_out_and_says_why() -> None:
    details = file_details_xml("123", "f1", a_file("uk", "A"))
    assert validate(details) == "fileDetails"
    assert b"industryClassification" not in details
    assert b"no mapping from uk A to the industry scheme is defined" in details


def test_category_map_is_explicit_and_checked() -> None:
    mapping = parse_category_map("uk:A=A1, uk:b=b1")
    assert mapping == {("uk", "A"): "A1", ("uk", "B"): "B1"}
    shown = classify("uk", "A", mapping)
    assert shown.industry == "A1" and "uk:A=A1" in shown.explanation
    for bad in ("uk:A", "uk:Z=A1", "uk:A=C9", "industry:A1=A1", "x:A=A1"):
        with pytest.raises((UsageError, InputError)):
            parse_category_map(bad)


def test_schema_catches_a_broken_document() -> None:
    with pytest.raises(SchemaError, match="schema"):
        validate(b"<report><incidentSummary/></report>")
    with pytest.raises(SchemaError, match="well-formed"):
        validate(b"<report>")


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<reportResponse><responseCode>&lol2;</responseCode></reportResponse>"""


def test_entity_expansion_is_refused() -> None:
    with pytest.raises(InputError):
        parse_response(BOMB)
    with pytest.raises(SchemaError):
        validate(BOMB)


def test_answers_round_trip() -> None:
    reply = parse_response(response_xml(0, "Success", reportId=42, fileId="f9", hash="ab"))
    assert (reply.ok, reply.report_id, reply.file_id, reply.md5) == (True, "42", "f9", "ab")
    assert validate(response_xml(0, "Success", reportId=42, files=["f1", "f2"])) == (
        "reportDoneResponse"
    )
    done = parse_response(response_xml(5102, "Report already finished", reportId=4, files=[]))
    assert done.code == 5102 and done.file_ids == ()


@given(st.binary(max_size=300))
def test_any_answer_parses_or_is_an_input_error(body: bytes) -> None:
    with contextlib.suppress(InputError):
        parse_response(body)


@given(st.text(max_size=40), st.text(max_size=40), st.text(max_size=40), st.text(max_size=60))
def test_any_platform_metadata_makes_a_valid_document(
    user_id: str, screen_name: str, email: str, filename: str
) -> None:
    user = ReportedUser(user_id or None, screen_name or None, email or None)
    item = ReportFile(
        item_id=1,
        filename=filename or None,
        size=1,
        md5="0" * 32,
        sha1="1" * 40,
        sha256="2" * 64,
        media_type=None,
        classification=classify("uk", "C", {}),
        url=filename or None,
    )
    assert validate(report_xml(a_report(user=user, files=(item,)))) == "report"
    assert validate(file_details_xml("1", "f", item)) == "fileDetails"
