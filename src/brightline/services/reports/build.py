"""From outbox rows and settings to the report model (``core.reports.model``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, select

from brightline.core.reports.classify import classify, parse_category_map
from brightline.core.reports.model import (
    Report,
    ReportedUser,
    ReportFile,
    ReportingPerson,
    parse_time,
)
from brightline.errors import NotFoundError, UsageError
from brightline.services.store.reports import report_items, reports
from brightline.settings import Settings


def reporting_person(settings: Settings) -> ReportingPerson:
    """The reporter named in every report; refuses naming whichever setting is missing."""
    values = {
        "BRIGHTLINE_REPORTER_FIRST_NAME": settings.reporter_first_name,
        "BRIGHTLINE_REPORTER_LAST_NAME": settings.reporter_last_name,
        "BRIGHTLINE_REPORTER_EMAIL": settings.reporter_email,
    }
    missing = [name for name, value in values.items() if not (value and value.strip())]
    if missing:
        raise UsageError("a report must name the person reporting: set " + ", ".join(missing))
    first, last, email = (str(v).strip() for v in values.values())
    return ReportingPerson(first, last, email)


def report_row(conn: Connection, report_id: int) -> Row[Any]:
    row = conn.execute(select(reports).where(reports.c.id == report_id)).first()
    if row is None:
        raise NotFoundError(f"no report {report_id}")
    return row


def item_rows(conn: Connection, report_id: int) -> Sequence[Row[Any]]:
    return conn.execute(
        select(report_items)
        .where(report_items.c.report_id == report_id)
        .order_by(report_items.c.id)
    ).all()


def report_file(row: Row[Any], settings: Settings) -> ReportFile:
    meta = json.loads(row.metadata)
    mapping = parse_category_map(settings.report_category_map)
    return ReportFile(
        item_id=int(row.item_id),
        filename=row.filename,
        size=int(row.size),
        md5=row.md5,
        sha1=row.sha1,
        sha256=row.sha256,
        media_type=row.media_type,
        classification=classify(row.scheme, row.category, mapping),
        viewed_by_esp=bool(json.loads(row.decided_by)),
        publicly_available=bool(meta.get("publicly_available", False)),
        url=_opt(meta.get("url")),
        content_id=_opt(meta.get("content_id")),
        uploaded_at=parse_time(meta.get("uploaded_at")),
        confirmed_at=row.confirmed_at,
        decided_by=tuple(json.loads(row.decided_by)),
    )


def build_report(conn: Connection, report_id: int, settings: Settings) -> Report:
    row = report_row(conn, report_id)
    items = item_rows(conn, report_id)
    if not items:
        raise UsageError(f"report {report_id} has no items")
    user = ReportedUser()
    for item in items:
        user = user.merged(ReportedUser.from_metadata(json.loads(item.metadata)))
    files = tuple(report_file(r, settings) for r in items)
    times = [f.uploaded_at for f in files if f.uploaded_at] or [r.confirmed_at for r in items]
    return Report(
        ref=report_ref(report_id),
        reporter=reporting_person(settings),
        user=user,
        files=files,
        incident_time=min(times),
        escalate=row.escalate,
        provider=settings.provider_name,
        note=row.note,
    )


def _opt(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def report_ref(report_id: int) -> str:
    """Our own reference of a report: its NCA package's name, NCMEC's additionalInfo."""
    return f"brightline-report-{report_id}"
