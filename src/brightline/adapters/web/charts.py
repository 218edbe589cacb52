"""Charts for the stats page as server-rendered SVG (no script, no build step).

Only presentation attributes (``fill``, ``stroke``) are used, never ``style``, so the
pages' Content-Security-Policy (``style-src 'self'``) holds. A suppressed figure is
never drawn as a value: a bar whose total is shown but some of whose parts are
hidden has a hatched remainder; a hidden total is an outlined empty bar marked [c].
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

from brightline.core.stats.suppression import MARK
from brightline.services.stats.page import Grid, Times

COLOURS = ("#2f5d8a", "#d08c2e", "#3f8f5a", "#8a4f9e", "#b5443b", "#5b8fa8", "#7a7a7a")
W, H = 600, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 14, 44
_HATCH = (
    '<defs><pattern id="{id}" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#eceef2"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#98a2b3" stroke-width="2"/></pattern></defs>'
)


def _svg(chart_id: str, title: str, body: list[str]) -> Markup:
    head = (
        f'<svg id="{chart_id}" class="chart" viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
        f'role="img" aria-labelledby="{chart_id}-title" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
    )
    return Markup(head + _HATCH.format(id=f"{chart_id}-hatch") + "".join(body) + "</svg>")


def _axes(labels: Sequence[str], top: float, unit: str = "") -> list[str]:
    out = [
        f'<line x1="{LEFT}" y1="{H - BOTTOM}" x2="{W - RIGHT}" y2="{H - BOTTOM}" stroke="#98a2b3"/>'
    ]
    for i in range(5):
        value = top * i / 4
        y = _y(value, top)
        out.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" stroke="#e4e7ec"/>'
        )
        out.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#667085">{_short(value)}{unit}</text>'
        )
    step = max(1, -(-len(labels) * 64 // (W - LEFT - RIGHT)))  # about 64 px a label
    for i, label in enumerate(labels):
        if i % step == 0:
            x = _x_mid(i, len(labels))
            out.append(
                f'<text x="{x:.1f}" y="{H - BOTTOM + 16}" text-anchor="middle" '
                f'font-size="11" fill="#667085">{escape(label)}</text>'
            )
    return out


def _y(value: float, top: float) -> float:
    return H - BOTTOM - (value / top if top else 0) * (H - TOP - BOTTOM)


def _slot(n: int) -> float:
    return (W - LEFT - RIGHT) / max(n, 1)


def _x_mid(i: int, n: int) -> float:
    return LEFT + _slot(n) * (i + 0.5)


def _short(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def _nice(top: float) -> float:
    if top <= 0:
        return 1.0
    for scale in (1, 2, 2.5, 5, 10):
        magnitude = 10 ** (len(str(int(top))) - 1)
        if scale * magnitude >= top:
            return float(scale * magnitude)
    return top


def stacked_bars(chart_id: str, title: str, g: Grid) -> Markup:
    """One bar per row (period), stacked by column (list)."""
    known = [v for v in g.row_totals.values() if v is not None]
    known += [v for v in g.cells.values() if v is not None]
    top = _nice(max(known, default=0))
    body = _axes(g.rows, top)
    width = _slot(len(g.rows)) * 0.7
    hatch = f"url(#{chart_id}-hatch)"
    for i, row in enumerate(g.rows):
        x = _x_mid(i, len(g.rows)) - width / 2
        base = 0.0
        for j, col in enumerate(g.cols):
            v = g.cells[(row, col)]
            if v:
                body.append(
                    _rect(
                        x,
                        base + v,
                        base,
                        top,
                        width,
                        COLOURS[j % len(COLOURS)],
                        f"{row} {col}: {v}",
                    )
                )
                base += v
        total = g.row_totals[row]
        if total is None:
            body.append(_rect(x, top * 0.12, 0, top, width, hatch, f"{row}: {MARK}"))
        elif total > base:
            body.append(
                _rect(
                    x, total, base, top, width, hatch, f"{row}: {total - base} in suppressed cells"
                )
            )
    body += _legend(g.cols)
    return _svg(chart_id, title, body)


def grouped_bars(chart_id: str, title: str, g: Grid, names: Sequence[str]) -> Markup:
    """One group per row (period), a bar per column (outcome)."""
    top = _nice(max((v for v in g.cells.values() if v is not None), default=0))
    body = _axes(g.rows, top)
    group = _slot(len(g.rows)) * 0.8
    width = group / max(len(g.cols), 1)
    for i, row in enumerate(g.rows):
        x0 = _x_mid(i, len(g.rows)) - group / 2
        for j, col in enumerate(g.cols):
            v = g.cells[(row, col)]
            x = x0 + j * width
            if v is None:
                body.append(
                    _rect(
                        x,
                        top * 0.06,
                        0,
                        top,
                        width,
                        f"url(#{chart_id}-hatch)",
                        f"{row} {names[j]}: {MARK}",
                    )
                )
            elif v:
                body.append(
                    _rect(x, v, 0, top, width, COLOURS[j % len(COLOURS)], f"{row} {names[j]}: {v}")
                )
    body += _legend(names)
    return _svg(chart_id, title, body)


def time_lines(chart_id: str, title: str, series: Sequence[Times]) -> Markup:
    """Median and p90 per period, in hours; a gap where a period is suppressed."""
    hours = [t.p90_s / 3600 for t in series if t.p90_s is not None]
    top = _nice(max(hours, default=0))
    body = _axes([t.period for t in series], top, " h")
    for j, (name, pick) in enumerate((("median", "median_s"), ("p90", "p90_s"))):
        points: list[tuple[float, float]] = []
        for i, t in enumerate(series):
            v = getattr(t, pick)
            if v is None:
                body += _polyline(points, COLOURS[j])
                points = []
                continue
            points.append((_x_mid(i, len(series)), _y(v / 3600, top)))
            body.append(
                f'<circle cx="{points[-1][0]:.1f}" cy="{points[-1][1]:.1f}" r="3" '
                f'fill="{COLOURS[j]}"><title>{escape(t.period)} {name}: '
                f"{v / 3600:.1f} h</title></circle>"
            )
        body += _polyline(points, COLOURS[j])
    body += _legend(["median", "p90"])
    return _svg(chart_id, title, body)


def _polyline(points: list[tuple[float, float]], colour: str) -> list[str]:
    if len(points) < 2:
        return []
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return [f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>']


def _rect(x: float, hi: float, lo: float, top: float, w: float, fill: str, tip: str) -> str:
    y1, y0 = _y(hi, top), _y(lo, top)
    return (
        f'<rect x="{x:.1f}" y="{y1:.1f}" width="{w:.1f}" height="{max(y0 - y1, 0.5):.1f}" '
        f'fill="{fill}"><title>{escape(tip)}</title></rect>'
    )


def _legend(names: Sequence[str]) -> list[str]:
    out = []
    x = LEFT
    for j, name in enumerate(names):
        colour = COLOURS[j % len(COLOURS)]
        out.append(f'<rect x="{x}" y="{H - 16}" width="10" height="10" fill="{colour}"/>')
        out.append(
            f'<text x="{x + 14}" y="{H - 7}" font-size="11" fill="#1d2330">{escape(name)}</text>'
        )
        x += 20 + 7 * len(name)
    return out
