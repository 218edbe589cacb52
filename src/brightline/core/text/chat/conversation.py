"""Conversations as files: PAN 2012's XML, or JSON lines; and PAN's truth files.

PAN 2012 (sexual predator identification)::

    <conversations>
      <conversation id="…">
        <message line="1"><author>…</author><time>03:20</time><text>…</text></message>
      </conversation>
    </conversations>

JSON lines: one message a line, ``{"conversation", "author", "time", "text"}``; a
conversation's messages in order. The truth file lists one predator author id a
line. XML is parsed with defusedxml (no entities, no external references); the
format is told from the first non-blank character (``<`` is XML).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from brightline.errors import FormatError


@dataclass(frozen=True, slots=True)
class Message:
    author: str
    text: str
    time: str | None = None


@dataclass(slots=True)
class Conversation:
    id: str
    messages: list[Message] = field(default_factory=list)

    @property
    def authors(self) -> list[str]:
        seen: dict[str, None] = {}
        for m in self.messages:
            seen.setdefault(m.author, None)
        return list(seen)


def read_conversations(path: Path) -> list[Conversation]:
    """Every conversation in a PAN 2012 XML file or a JSON-lines file."""
    if not path.is_file():
        raise FormatError("not a file", "file", str(path))
    with open(path, "rb") as fh:
        head = fh.read(4096).lstrip()
    if head.startswith(b"<"):
        return list(_read_xml(path))
    return list(_read_jsonl(path))


def _read_xml(path: Path) -> Iterator[Conversation]:
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        root = ElementTree.parse(str(path)).getroot()
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise FormatError(f"not PAN 2012 XML: {exc}", "file", str(path)) from None
    if root.tag != "conversations":
        raise FormatError("the root element is not <conversations>", "file", str(path))
    for n, conv in enumerate(root.iter("conversation"), 1):
        conv_id = conv.get("id") or f"conversation-{n}"
        messages = [
            Message(
                (msg.findtext("author") or "").strip(),
                msg.findtext("text") or "",
                (msg.findtext("time") or "").strip() or None,
            )
            for msg in conv.iter("message")
        ]
        yield Conversation(conv_id, messages)


def _read_jsonl(path: Path) -> Iterator[Conversation]:
    current: Conversation | None = None
    by_id: dict[str, Conversation] = {}
    with open(path, encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                conv_id = str(row["conversation"])
                message = Message(str(row["author"]), str(row.get("text") or ""), row.get("time"))
            except (ValueError, KeyError, TypeError) as exc:
                raise FormatError(
                    f"expected {{conversation, author, time, text}}: {exc}",
                    f"line {lineno}",
                    str(path),
                ) from None
            if current is None or current.id != conv_id:
                current = by_id.get(conv_id)
                if current is None:
                    current = by_id[conv_id] = Conversation(conv_id)
            current.messages.append(message)
    yield from by_id.values()


def read_truth(path: Path) -> set[str]:
    """PAN 2012's predator ids: one author id a line (blank lines and ``#`` skipped)."""
    if not path.is_file():
        raise FormatError("not a file", "file", str(path))
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}
