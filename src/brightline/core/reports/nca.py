"""The UK NCA report package: one JSON document plus the reported files.

It carries what the UK reporting regulations under the Online Safety Act ask of a
provider's report: the content's hash values, the content itself, its EXIF and other
metadata, the reported user's identifiers and IP address events, the relevant times,
and the provider's contact details. The NCA's reporting interface is not public, so
the package is a plain folder (``report.json``, ``files/``, ``manifest.sha256``)
handed to a pluggable transport.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from brightline.core.reports.model import Report, ReportFile

FORMAT = "brightline-nca-report/1"


def package_name(item: ReportFile, position: int) -> str:
    """Where a file sits in the package: ``files/001-<sha256>``."""
    return f"files/{position:03d}-{item.sha256}"


def package_json(
    report: Report, metadata: Mapping[int, Mapping[str, str]], created: datetime | None = None
) -> dict[str, Any]:
    """The package's ``report.json``; ``metadata`` maps item id to its picture metadata."""
    user = report.user
    return {
        "format": FORMAT,
        "reference": report.ref,
        "created_at": (created or datetime.now(UTC)).isoformat(),
        "incident": {
            "type": report.incident_type,
            "time": report.incident_time.isoformat(),
            "escalate": report.escalate,
        },
        "provider": {
            "name": report.provider,
            "contact": {
                "first_name": report.reporter.first_name,
                "last_name": report.reporter.last_name,
                "email": report.reporter.email,
            },
        },
        "reported_user": {
            "user_id": user.user_id,
            "screen_name": user.screen_name,
            "email": user.email,
            "ip_events": [
                {"ip": e.ip, "event": e.event, "time": e.time.isoformat() if e.time else None}
                for e in user.ip_events
            ],
        },
        "files": [
            _file(item, n, metadata.get(item.item_id, {})) for n, item in enumerate(report.files, 1)
        ],
        "note": report.note,
    }


def _file(item: ReportFile, position: int, metadata: Mapping[str, str]) -> dict[str, Any]:
    c = item.classification
    return {
        "path": package_name(item, position),
        "original_name": item.filename,
        "size": item.size,
        "media_type": item.media_type,
        "hashes": {"md5": item.md5, "sha1": item.sha1, "sha256": item.sha256},
        "category": {
            "scheme": c.scheme,
            "category": c.category,
            "industry": c.industry,
            "explanation": c.explanation,
        },
        "metadata": dict(metadata),
        "url": item.url,
        "content_id": item.content_id,
        "uploaded_at": item.uploaded_at.isoformat() if item.uploaded_at else None,
        "confirmed_at": item.confirmed_at.isoformat() if item.confirmed_at else None,
        "reviewed_by": list(item.decided_by),
        "publicly_available": item.publicly_available,
    }
