"""``brightline match --text FILE``: links and keywords of the lists found in text.

FILE (``-``: standard input) is plain text (one document), or JSON lines with ``id``
and ``text`` (one document a line; a line that is not such an object is a row with
its ``error``). ``--json`` prints one object per document: ``id``, ``matches``
(``list``, ``entry_id``, ``signal_type``, ``value``, ``category``, ``found``,
``span``, …) and ``error``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

from rich.markup import escape

from brightline.adapters.cli.app import (
    EXIT_MATCH,
    EXIT_OK,
    EXIT_UNCHECKED,
    console,
    print_json,
    services,
)
from brightline.core.actor import local_operator
from brightline.errors import UsageError
from brightline.services.pipeline.job import Job
from brightline.services.text.matching import (
    TextDocument,
    TextResult,
    match_texts,
    record_text_matches,
)

_BATCH = 256


def match_text_file(
    path: Path, list_names: list[str] | None, json_out: bool, run_actions: bool
) -> int:
    """Match the documents of ``path``; returns the exit code."""
    svc = services()
    job = Job(svc.review_env(), local_operator(), "lookup", lists=list_names, ref=f"text:{path}")
    job.run_actions = run_actions
    matched = errors = documents = 0
    batch: list[TextDocument] = []

    def flush() -> None:
        nonlocal matched, documents
        if not batch:
            return
        documents += len(batch)
        results = match_texts(svc.matcher, batch, list_names)
        record_text_matches(job, batch, results)
        for result in results:
            matched += bool(result.matches)
            _show(result, json_out)
        batch.clear()

    for item in read_documents(path):
        if isinstance(item, TextResult):  # a line that could not be read
            flush()  # rows stay in the file's order
            errors += 1
            _show(item, json_out)
            continue
        batch.append(item)
        if len(batch) >= _BATCH:
            flush()
    flush()
    if not json_out:
        console.print(
            f"{documents:,} documents: {matched:,} matched"
            + (f", {errors:,} lines could not be read." if errors else "."),
            highlight=False,
        )
    if matched:
        return EXIT_MATCH
    return EXIT_UNCHECKED if errors else EXIT_OK


def read_documents(path: Path) -> Iterator[TextDocument | TextResult]:
    """The documents of a file: JSON lines when every line is ``{"id", "text"}``-like
    (the first non-blank line decides), else the whole file as one."""
    if str(path) == "-":
        data = sys.stdin.buffer.read()
        name = "-"
    elif path.is_file():
        data = path.read_bytes()
        name = str(path)
    else:
        raise UsageError(f"{path} is not a file")
    text = data.decode("utf-8", "replace")
    first = next((line for line in text.splitlines() if line.strip()), "")
    if not _is_document(first):
        yield TextDocument(text, name)
        return
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not _is_document(line):
                raise ValueError("expected an object with a string 'text'")
            doc_id = obj.get("id")
            yield TextDocument(obj["text"], None if doc_id is None else str(doc_id))
        except ValueError as exc:
            message = f"line {lineno}: {exc}"
            yield TextResult(f"line {lineno}", [], {"code": "invalid_file", "message": message})


def _is_document(line: str) -> bool:
    if not line.lstrip().startswith("{"):
        return False
    try:
        obj = json.loads(line)
    except ValueError:
        return False
    return isinstance(obj, dict) and isinstance(obj.get("text"), str)


def _show(result: TextResult, json_out: bool) -> None:
    if json_out:
        print_json(result.as_dict())
        return
    name = escape(result.id or "text")
    if result.error:
        console.print(f"[yellow]ERROR[/] {name}: {escape(result.error['message'])}")
    for m in result.matches:
        console.print(
            f"[bold red]MATCH[/] {name} {m.signal_type} {escape(m.value)!r} "
            f"found {escape(str(m.extra.get('found')))!r} at {m.extra.get('span')} "
            f"→ {escape(m.list_name)} entry {m.entry_id}",
            highlight=False,
        )
