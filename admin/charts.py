"""Charts drawn on the server as inline SVG: no script, no external asset, printable as is.

All text is XML-escaped here, so the result can be marked safe in templates.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

PALETTE = ["#0b5cad", "#d9480f", "#2b8a3e", "#862e9c", "#e67700", "#1098ad", "#c2255c", "#5c940d"]


def _num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def bar_chart(items: Sequence[tuple[str, float, str | None]], title: str, width: int = 640, unit: str = "",
              max_value: float | None = None, fmt=lambda v: f"{v:g}") -> Markup:
    """Horizontal bars; each item is (label, value, link or None). A linked bar drills down."""
    row, left, right = 22, 130, 60
    height = row * len(items) + 30
    top = max_value or max((v for _, v, _ in items), default=0) or 1
    span = width - left - right
    parts = [f'<svg class="chart" role="img" aria-label={quoteattr(title)} viewBox="0 0 {width} {height}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for i, (label, value, href) in enumerate(items):
        y = 20 + i * row
        w = max(1.0, span * value / top) if value else 0
        bar = (f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">{escape(label[:16])}</text>'
               f'<rect x="{left}" y="{y + 3}" width="{_num(w)}" height="{row - 7}" fill="{PALETTE[0]}"/>'
               f'<text x="{_num(left + w + 4)}" y="{y + 14}">{escape(fmt(value))}{escape(unit)}</text>')
        parts.append(f'<a href={quoteattr(href)}>{bar}</a>' if href else bar)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text and attribute above is escaped


def line_chart(labels: list[str], series: list[tuple[str, list[float]]], title: str, width: int = 640,
               height: int = 260) -> Markup:
    """Lines over months, one per series, with a legend."""
    left, right, top, bottom = 40, 130, 20, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((v for _, values in series for v in values), default=0) or 1
    step = plot_w / max(1, len(labels) - 1)

    def xy(i, v):
        return left + i * step, top + plot_h - plot_h * v / peak

    parts = [f'<svg class="chart" role="img" aria-label={quoteattr(title)} viewBox="0 0 {width} {height}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#8a93a3"/>',
             f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{_num(peak)}</text>',
             f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>']
    every = max(1, -(-len(labels) // 6))  # at most six month labels: they must not overlap
    for i, label in enumerate(labels):
        if i % every == 0:
            x, _ = xy(i, 0)
            parts.append(f'<text x="{_num(x)}" y="{height - 10}" text-anchor="middle">{escape(label)}</text>')
    for k, (name, values) in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        points = " ".join(f"{_num(x)},{_num(y)}" for x, y in (xy(i, v) for i, v in enumerate(values)))
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{points}"/>')
        ly = top + 14 * k + 6
        parts.append(f'<rect x="{left + plot_w + 10}" y="{ly - 8}" width="10" height="10" fill="{color}"/>'
                     f'<text x="{left + plot_w + 24}" y="{ly + 1}">{escape(name[:12])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text and attribute above is escaped
