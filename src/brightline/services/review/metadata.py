"""The context a platform sends with a file: the reported user, the content, the
report. Checked here (types, sizes, no NUL characters) and kept as JSON with the
item; it travels into reports."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from brightline.errors import InputError

_Short = Field(default=None, max_length=500)


class IpEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ip: str = Field(max_length=64)
    time: str | None = Field(default=None, max_length=64)
    event: str | None = Field(default=None, max_length=64)


class ItemMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: str | None = _Short
    screen_name: str | None = _Short
    email: str | None = _Short
    ip_events: list[IpEvent] = Field(default_factory=list, max_length=100)
    content_id: str | None = _Short
    url: str | None = Field(default=None, max_length=2000)
    uploaded_at: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=2000)
    reporter: str | None = _Short

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("NUL characters are not allowed")
        return value


def parse_metadata(raw: str | bytes | Mapping[str, Any] | None) -> dict[str, Any]:
    """Validated metadata as a plain dict (only the fields given); ``{}`` for none."""
    if raw is None or raw == "" or raw == b"":
        return {}
    try:
        value = json.loads(raw) if isinstance(raw, str | bytes) else dict(raw)
    except (ValueError, TypeError):
        raise InputError("metadata must be a JSON object") from None
    if not isinstance(value, dict):
        raise InputError("metadata must be a JSON object")
    try:
        model = ItemMetadata.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise InputError(f"metadata.{where}: {first.get('msg', 'invalid')}") from None
    out: dict[str, Any] = model.model_dump(exclude_unset=True)
    return out


def dumps(meta: Mapping[str, Any]) -> str:
    return json.dumps(dict(meta), separators=(",", ":"), sort_keys=True)
