"""How results look on a terminal."""

from __future__ import annotations

from collections.abc import Mapping

from rich.markup import escape

from brightline.adapters.cli.app import console
from brightline.core.models import Match, ScanResult
from brightline.core.signals.vpdq import VpdqFrame
from brightline.core.wording import plural, shown


def render_hash(result: ScanResult) -> None:
    """Every signal of the file, one a line (digests first, as computed)."""
    console.print(f"[bold]{escape(shown(result.path))}[/]")
    s = result.signals
    if s is not None:
        for name, found in s.signals.items():
            if "vpdq" in found.extra:  # a video's frames: a summary, not every frame
                console.print(f"  {name:<7} {_video_summary(s.vpdq, s.video)}", highlight=False)
                continue
            quality = f"  (quality {found.quality})" if found.quality is not None else ""
            console.print(f"  {name:<7} {escape(found.value)}{quality}", highlight=False)
            for i, variant in enumerate(found.variants, start=1):
                console.print(f"  {f'{name}[{i}]':<7} {escape(variant)}", highlight=False)
    if result.error:
        console.print(f"  [yellow]error:[/] {escape(shown(result.error))}")


def render_match(result: ScanResult) -> None:
    """One line per matched or failed file; quiet files stay quiet."""
    path = escape(shown(result.path))
    for m in result.matches:
        why = "exact" if m.distance == 0 and m.exact else f"distance {m.distance}"
        why += _video_note(m)
        category = f", category {m.category} ({m.scheme})" if m.category else ""
        console.print(
            f"[bold red]MATCH[/] {path}: {m.signal_type} {why} → list "
            f"[bold]{escape(m.list_name)}[/] entry {m.entry_id}{category}",
            highlight=False,
        )
    if result.error and not result.matches:
        console.print(f"[yellow]ERROR[/] {path}: {escape(shown(result.error))}", highlight=False)


def render_summary(files: int, matched: int, errors: int, reasons: Mapping[str, int]) -> None:
    """``reasons``: how many files could not be checked, by error code."""
    colour = "red" if matched else ("yellow" if errors else "green")
    why = ", ".join(f"{n:,} {code}" for code, n in sorted(reasons.items(), key=lambda r: -r[1]))
    console.print(
        f"[{colour}]{plural(files, 'file')} scanned, {matched:,} matched[/], "
        f"{errors:,} could not be checked{f' ({why})' if why else ''}.",
        highlight=False,
    )


def _video_summary(frames: list[VpdqFrame] | None, video: dict[str, object] | None) -> str:
    length = f", {video.get('duration')} s" if video else ""
    return f"{len(frames or [])} frame hashes (quality >= 50, unique){length}"


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
