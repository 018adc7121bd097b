"""Server-rendered SVG charts: pure functions, no Django, no JavaScript.

Each function returns one ``<svg>`` element as a string. Every text it draws is escaped.
Colours come from CSS classes (``chart-s0``, ``chart-s1``, …, static/css), so the page
stays under the strict CSP (no inline styles) and the palette lives in one place. The
charts are pictures for a glance: each one is drawn with ``role="img"`` and a title, and
the page puts the same numbers beside it as a table (the accessible form), and the legend
(which series is which colour) in HTML beside it.

Why SVG drawn here rather than a charting library: the page must read without JavaScript,
weigh little on a phone, and load nothing from a CDN; a few bar charts need ~150 lines.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

# About a phone's width in CSS pixels, so the text is drawn at roughly its own size there.
WIDTH = 360
FONT = 15
LEFT = 46  # room for the value axis labels
BOTTOM = 28  # room for the category labels
TOP = 12


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


def nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def _fmt(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def _open(chart_id: str, title: str, width: int, height: int, kind: str) -> list[str]:
    return [
        f'<svg class="chart chart-{kind}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-t" '
        f'xmlns="http://www.w3.org/2000/svg" focusable="false">',
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title>',
    ]


def column_chart(
    *,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    height: int = 200,
    value_label: Callable[[float], str] = _fmt,
    max_labels: int = 6,
) -> str:
    """Vertical bars per category (one bar per series, side by side), a value axis with
    gridlines at 0, half and the top, and at most ``max_labels`` category labels (evenly
    spaced)."""
    n = len(labels)
    top_value = nice_max(max((v for s in series for v in s.values), default=0))
    plot_w, plot_h = WIDTH - LEFT - 8, height - TOP - BOTTOM
    out = _open(chart_id, title, WIDTH, height, "columns")
    for k in range(3):
        value = top_value * k / 2
        y = TOP + plot_h - plot_h * k / 2
        out.append(
            f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        out.append(
            f'<text class="chart-axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="{FONT}">{escape(value_label(value))}</text>'
        )
    if n:
        slot = plot_w / n
        bar_w = max(slot * 0.8 / max(len(series), 1), 1)
        for i, _label in enumerate(labels):
            for j, s in enumerate(series):
                value = s.values[i] if i < len(s.values) else 0
                h = plot_h * value / top_value if top_value else 0
                x = LEFT + i * slot + slot * 0.1 + j * bar_w
                out.append(
                    f'<rect class="chart-s{j}" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" '
                    f'width="{bar_w:.1f}" height="{h:.1f}"/>'
                )
        every = max(1, math.ceil(n / max_labels))
        for i in range(0, n, every):
            x = LEFT + i * slot + slot / 2
            out.append(
                f'<text class="chart-axis" x="{x:.1f}" y="{height - 8}" text-anchor="middle" '
                f'font-size="{FONT}">{escape(labels[i])}</text>'
            )
    out.append("</svg>")
    return "".join(out)


def bar_list(
    *,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    value_label: Callable[[float], str] = _fmt,
    row_height: int = 30,
) -> str:
    """Horizontal bars, one row per category (best sellers, channels, sell-out times): the
    label on the left, the bars and their value to the right."""
    n = len(labels)
    per_row = row_height * max(len(series), 1)
    height = max(n, 1) * (per_row + 8) + TOP
    label_w = 112
    plot_w = WIDTH - label_w - 88
    top_value = max((v for s in series for v in s.values), default=0) or 1
    out = _open(chart_id, title, WIDTH, height, "bars")
    for i, label in enumerate(labels):
        y0 = TOP + i * (per_row + 8)
        short = label if len(label) <= 7 else label[:6] + "…"
        out.append(
            f'<text class="chart-label" x="{label_w - 8}" y="{y0 + per_row / 2 + 5:.1f}" '
            f'text-anchor="end" font-size="{FONT}">{escape(short)}</text>'
        )
        for j, s in enumerate(series):
            value = s.values[i] if i < len(s.values) else 0
            w = plot_w * value / top_value
            y = y0 + j * row_height
            out.append(
                f'<rect class="chart-s{j}" x="{label_w}" y="{y + 3}" width="{w:.1f}" '
                f'height="{row_height - 6}"/>'
                f'<text class="chart-value" x="{label_w + w + 6:.1f}" y="{y + row_height / 2 + 5}" '
                f'font-size="{FONT}">{escape(value_label(value))}</text>'
            )
    out.append("</svg>")
    return "".join(out)
