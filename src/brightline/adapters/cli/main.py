"""Entry point of the ``brightline`` command.

Command modules are imported only when their command runs (``brightline --help``
imports none of them), so every command starts in a fraction of a second. Adding a
command or group is one line in ``COMMANDS``: its name, the modules that register it
on ``app`` (``adapters/cli/<name>_cmd.py``) and its one-line help, shown by ``--help``
without importing anything (a test checks it matches the command's own help).
"""

from __future__ import annotations

from typing import NamedTuple

from brightline.adapters.cli.app import app


class Entry(NamedTuple):
    modules: str  # module names under brightline.adapters.cli, space-separated
    help: str


M = Entry
#: name -> where it lives, in the order ``--help`` lists them. One line per command.
# fmt: off
COMMANDS: dict[str, Entry] = {
    "demo": M("demo_cmd", "Build a demo list from generated pictures and scan a folder of near-duplicates."),  # noqa: E501
    "hash": M("scan_cmd", "Print the signals (MD5, SHA-1, SHA-256, PDQ and quality) of files."),
    "match": M("scan_cmd", "Scan files and folders (or a hash file) against the hash lists."),
    "serve": M("serve_cmd", "Serve the HTTP API (OpenAPI docs at /docs). Settings come from BRIGHTLINE_*."),  # noqa: E501
    "watch": M("video_cmd", "Watch a live stream and alert as soon as known video (or a known image) appears."),  # noqa: E501
    "list": M("lists_cmd video_cmd", "Create, import, export, show and delete hash lists."),
    "audit": M("audit_cmd", "Check the audit chain (every change, who made it) and read its records."),  # noqa: E501
    "case": M("case_cmd", "Police triage: cases of exhibits (folders, archives, disk images), counts, exports."),  # noqa: E501
    "keys": M("keys_cmd", "Create, list and revoke API keys for `brightline serve`."),
    "reports": M("reports_cmd", "Reports to NCMEC's CyberTipline and the UK NCA: list, show, send, retry, retract."),  # noqa: E501
    "vault": M("reports_cmd", "The evidence vault: purge what is past its hold, export, rotate keys, extend holds."),  # noqa: E501
    "review": M("review_cmd", "The review workspace (pages at /ui/)."),
    "exchange": M("exchange_cmd", "Fetch hash lists from exchanges (NCMEC, StopNCII, ThreatExchange, files) and send them feedback."),  # noqa: E501
    "chat": M("chat_cmd", "Grooming risk in conversations: score, train and evaluate (PAN 2012 XML or JSON lines)."),  # noqa: E501
    "stats": M("stats_cmd", "Statistics: counts by period and group, and transparency exports."),
    "batch": M("batch_cmd", "Scan a back catalogue (folders, manifests, S3 buckets) on Ray."),
    "users": M("users_cmd", "Create, list, disable users of the review workspace and reset their passwords."),  # noqa: E501
}
# fmt: on

__all__ = ["COMMANDS", "Entry", "app", "main"]


def main() -> None:
    app()


if __name__ == "__main__":
    main()
