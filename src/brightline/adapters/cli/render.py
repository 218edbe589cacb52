"""How results look on a terminal."""

from __future__ import annotations

from rich.markup import escape

from brightline.adapters.cli.app import console
from brightline.core.models import Match, ScanResult
from brightline.core.signals.vpdq import VpdqFrame


def render_hash(result: ScanResult) -> None:
    console.print(f"[bold]{escape(result.path)}[/]")
    s = result.signals
    if s is not None:
        console.print(
            f"  md5     {s.md5}\n  sha1    {s.sha1}\n  sha256  {s.sha256}", highlight=False
        )
        if s.pdq is not None:
            console.print(f"  pdq     {s.pdq}  (quality {s.pdq_quality})", highlight=False)
        if s.vpdq is not None:
            console.print(f"  vpdq    {_video_summary(s.vpdq, s.video)}", highlight=False)
        for i, variant in enumerate(s.pdq_dihedral or [], start=0):
            if i:
                console.print(f"  pdq[{i}]  {variant}", highlight=False)
    if result.error:
        console.print(f"  [yellow]error:[/] {escape(result.error)}")


def render_match(result: ScanResult) -> None:
    """One line per matched or failed file; quiet files stay quiet."""
    path = escape(result.path)
    for m in result.matches:
        why = (
            "exact"
            if m.distance == 0 and m.signal_type not in ("pdq", "vpdq")
            else f"distance {m.distance}"
        )
        why += _video_note(m)
        category = f", category {m.category} ({m.scheme})" if m.category else ""
        console.print(
            f"[bold red]MATCH[/] {path}: {m.signal_type} {why} → list "
            f"[bold]{escape(m.list_name)}[/] entry {m.entry_id}{category}",
            highlight=False,
        )
    if result.error and not result.matches:
        console.print(f"[yellow]ERROR[/] {path}: {escape(result.error)}", highlight=False)


def render_summary(files: int, matched: int, errors: int) -> None:
    colour = "red" if matched else "green"
    console.print(
        f"[{colour}]{files:,} files scanned, {matched:,} matched[/], "
        f"{errors:,} could not be fully hashed."
    )


def _video_summary(frames: list[VpdqFrame], video: dict[str, object] | None) -> str:
    length = f", {video.get('duration')} s" if video else ""
    return f"{len(frames)} frame hashes (quality >= 50, unique){length}"


def _video_note(m: Match) -> str:
    """Where in the videos a match is (video matches carry it in ``extra``)."""
    x = m.extra or {}
    if "query_share" in x:
        ranges = x.get("ranges") or []
        first = ranges[0] if isinstance(ranges, list) and ranges else None
        where = f", query {first['query']} s = listed {first['listed']} s" if first else ""
        more = (
            f" (+{len(ranges) - 1} ranges)" if isinstance(ranges, list) and len(ranges) > 1 else ""
        )
        return (
            f", {x['query_share']:.0%} of the query, {x['listed_share']:.0%} of the listed video"
            f"{where}{more}"
        )
    if "frame" in x:
        return f", frame {x['frame']} at {x['timestamp']} s"
    if "listed_frame" in x:
        return f", listed frame {x['listed_frame']} at {x['listed_timestamp']} s"
    return ""
