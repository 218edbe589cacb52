"""What a report says: who reports, whom, which files, how they were classified.

A report gathers every confirmed item of one reported user for one destination.
Nothing here talks to a database or a network; the services build these from the
outbox rows and the core turns them into NCMEC XML or an NCA package.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

#: NCMEC's incident type for apparent child sexual abuse material (its enumeration).
CSAM_INCIDENT = "Child Pornography (possession, manufacture, and distribution)"
#: The event names NCMEC accepts in an ``ipCaptureEvent``.
IP_EVENTS = ("Login", "Registration", "Purchase", "Upload", "Other", "Unknown")


@dataclass(frozen=True, slots=True)
class IpEvent:
    ip: str
    time: datetime | None
    event: str  # one of IP_EVENTS

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> IpEvent:
        name = str(raw.get("event") or "Unknown").strip().lower()
        event = next((e for e in IP_EVENTS if e.lower() == name), "Other")
        return cls(str(raw.get("ip", "")).strip(), parse_time(raw.get("time")), event)


@dataclass(frozen=True, slots=True)
class ReportedUser:
    """The platform's account that shared the files (all fields optional)."""

    user_id: str | None = None
    screen_name: str | None = None
    email: str | None = None
    ip_events: tuple[IpEvent, ...] = ()

    @property
    def key(self) -> str:
        """What groups items into one report: the platform's user id, else the screen
        name, else the e-mail; ``unknown`` when the platform told us nothing."""
        for prefix, value in (("id", self.user_id), ("name", self.screen_name)):
            if value:
                return f"{prefix}:{value}"
        return f"email:{self.email}" if self.email else "unknown"

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Any]) -> ReportedUser:
        events = metadata.get("ip_events") or []
        return cls(
            user_id=_text(metadata.get("user_id")),
            screen_name=_text(metadata.get("screen_name")),
            email=_text(metadata.get("email")),
            ip_events=tuple(
                IpEvent.from_mapping(e) for e in events if isinstance(e, Mapping) and e.get("ip")
            ),
        )

    def merged(self, other: ReportedUser) -> ReportedUser:
        seen = set(self.ip_events)
        return ReportedUser(
            self.user_id or other.user_id,
            self.screen_name or other.screen_name,
            self.email or other.email,
            self.ip_events + tuple(e for e in other.ip_events if e not in seen),
        )


@dataclass(frozen=True, slots=True)
class ReportingPerson:
    first_name: str
    last_name: str
    email: str


@dataclass(frozen=True, slots=True)
class Classification:
    """The industry category (A1/A2/B1/B2) of a file, and how it was arrived at.

    ``industry`` is None when the item was graded in another scheme and no mapping
    from that scheme is defined; ``explanation`` then says so (never a guess)."""

    industry: str | None
    scheme: str
    category: str
    explanation: str


@dataclass(frozen=True, slots=True)
class ReportFile:
    item_id: int
    filename: str | None
    size: int
    md5: str
    sha1: str
    sha256: str
    media_type: str | None
    classification: Classification
    viewed_by_esp: bool = True
    publicly_available: bool = False
    url: str | None = None
    content_id: str | None = None
    uploaded_at: datetime | None = None
    confirmed_at: datetime | None = None
    decided_by: tuple[str, ...] = ()
    annotations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Report:
    """One report to one destination about one reported user."""

    ref: str  # our own reference, e.g. "brightline-report-12"
    reporter: ReportingPerson
    user: ReportedUser
    files: tuple[ReportFile, ...]
    incident_type: str = CSAM_INCIDENT
    incident_time: datetime = field(default_factory=lambda: datetime.now(UTC))
    escalate: str | None = None  # a reason to escalate to high priority, or None
    provider: str | None = None  # the provider's name / contact line
    note: str | None = None


def parse_time(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def xml_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
