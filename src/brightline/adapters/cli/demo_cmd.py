"""``brightline demo``: the whole flow on generated, benign pictures."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from brightline.adapters.cli.app import app, console, handle_errors, operator, services
from brightline.adapters.cli.render import render_match, render_summary
from brightline.core.actor import local_operator
from brightline.core.wording import plural
from brightline.services import lists
from brightline.services.context import database_label
from brightline.services.demo import build_demo
from brightline.services.hashing import HashOptions
from brightline.services.lists import ingest
from brightline.services.pipeline.job import Job
from brightline.services.pipeline.scan import scan

DEMO_LIST = "demo-known"


@app.command("demo")
@handle_errors
def demo(
    folder: Annotated[Path, typer.Option(help="Where to write the demo pictures.")] = Path("demo"),
    scan_folder: Annotated[
        bool, typer.Option("--scan/--no-scan", help="Scan the near-duplicates folder.")
    ] = True,
) -> None:
    """Build a demo list from generated pictures and scan a folder of near-duplicates."""
    svc = services()
    made = build_demo(folder)
    who = operator()
    lists.delete_list(svc.store, DEMO_LIST, actor=who, missing_ok=True)
    lists.create_list(svc.store, DEMO_LIST, "none", 31, actor=who)
    report = ingest.import_file(svc.store, DEMO_LIST, made.list_file, source="demo", actor=who)
    console.rule("Brightline demo")
    console.print(
        f"List [bold]{DEMO_LIST}[/]: {plural(report.imported, 'hash')} (MD5 + PDQ) of "
        f"{plural(report.imported // 2, 'generated picture')}, from {made.list_file}."
    )
    console.print(f"Data: {database_label(svc.settings)}", highlight=False)
    if not scan_folder:
        console.print(f"Pictures to try are in {made.scan_dir}.")
        return
    console.print(
        f"Scanning {made.scan_dir} (copies, near-duplicates, unrelated pictures, "
        "broken files), rotations and flips included:\n"
    )
    files = matched = errors = 0
    reasons: Counter[str] = Counter()
    opts = HashOptions(
        svc.settings.max_image_pixels, True, max_decode_bytes=svc.settings.max_decode_bytes
    )
    job = Job(svc.review_env(), local_operator(), "scan", opts=opts, ref="demo", run_actions=False)
    for result in scan([made.scan_dir], job, svc.matcher):
        files += 1
        matched += bool(result.matches)
        errors += result.error is not None
        if result.error is not None:
            reasons[result.error_code or "error"] += 1
        render_match(result)
        why = made.expected_matches.get(Path(result.path).name)
        if why and result.matches:
            console.print(f"      [dim]why: {why}[/]")
    console.print()
    render_summary(files, matched, errors, reasons)
