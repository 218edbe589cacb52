"""The local CyberTipline stand-in for the tests: the one shipped in the package
(``brightline.testing.cybertipline``, also ``brightline reports sandbox``), plus the
settings that point a test server at it."""

from __future__ import annotations

from typing import Any

from brightline.testing.cybertipline import (
    DESCRIPTIONS,
    FakeFile,
    FakeNcmec,
    FakeReport,
    Fault,
)

__all__ = ["DESCRIPTIONS", "FakeFile", "FakeNcmec", "FakeReport", "Fault", "reporting_overrides"]


def reporting_overrides(url: str) -> dict[str, Any]:
    """Settings that send reports to a fake server at ``url`` (API test servers)."""
    return {
        "ncmec_url": url,
        "ncmec_username": "esp-user",
        "ncmec_password": "esp-secret",
        "reporter_first_name": "Rita",
        "reporter_last_name": "Porter",
        "reporter_email": "reports@example.org",
        "report_backoff_s": 0.05,
    }
