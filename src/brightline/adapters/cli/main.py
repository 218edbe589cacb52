"""Entry point of the ``brightline`` command."""

from __future__ import annotations

from brightline.adapters.cli import (
    audit_cmd,
    case_cmd,
    chat_cmd,
    demo_cmd,
    exchange_cmd,
    keys_cmd,
    lists_cmd,
    reports_cmd,
    review_cmd,
    scan_cmd,
    serve_cmd,
    stats_cmd,
    users_cmd,
    video_cmd,
)
from brightline.adapters.cli.app import app

# Importing the command modules registers their commands on ``app``.
__all__ = [
    "app",
    "audit_cmd",
    "case_cmd",
    "chat_cmd",
    "demo_cmd",
    "exchange_cmd",
    "keys_cmd",
    "lists_cmd",
    "main",
    "reports_cmd",
    "review_cmd",
    "scan_cmd",
    "serve_cmd",
    "stats_cmd",
    "users_cmd",
    "video_cmd",
]


def main() -> None:
    app()


if __name__ == "__main__":
    main()
