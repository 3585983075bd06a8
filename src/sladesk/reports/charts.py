"""Server-rendered SVG charts (no JavaScript): bars that read as a table too.

Framework-free. Every chart is an ``<svg role="img">`` with a ``<title>`` and a
``<desc>`` stating all its values, so a screen reader (or a text browser) gets the same
figures as the bars.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["bar_chart"]


def bar_chart(
    title: str,
    bars: Sequence[tuple[str, float | None]],
    *,
    unit: str = "%",
    maximum: float | None = None,
    width: int = 640,
    bar_height: int = 22,
) -> str:
    """Horizontal bars ``(label, value)``; a None value is drawn as "no data". ``maximum``
    is the scale's end (default: the largest value, or 100 for ``%``)."""
    values = [v for _, v in bars if v is not None]
    top = (
        maximum
        if maximum is not None
        else (100.0 if unit == "%" else max(values, default=1.0) or 1.0)
    )
    label_w, gap = 200, 6
    plot_w = width - label_w - 70
    height = max(1, len(bars)) * (bar_height + gap) + gap
    desc = "; ".join(f"{label}: {'no data' if v is None else f'{v:g} {unit}'}" for label, v in bars)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" class="chart">',
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>",
    ]
    for i, (label, v) in enumerate(bars):
        y = gap + i * (bar_height + gap)
        out.append(
            f'<text x="{label_w - 8}" y="{y + bar_height * 0.7:.1f}" text-anchor="end" '
            f'font-size="12">{escape(label)}</text>'
        )
        if v is None:
            out.append(
                f'<text x="{label_w}" y="{y + bar_height * 0.7:.1f}" '
                'font-size="12" fill="#666">no data</text>'
            )
            continue
        w = 0 if top <= 0 else max(0.0, min(1.0, v / top)) * plot_w
        colour = "#2e7d32" if unit != "%" or v >= 95 else ("#f9a825" if v >= 80 else "#c62828")
        out.append(
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{colour}"/>'
        )
        out.append(
            f'<text x="{label_w + w + 4:.1f}" y="{y + bar_height * 0.7:.1f}" '
            f'font-size="12">{v:g} {escape(unit)}</text>'
        )
    out.append("</svg>")
    return "".join(out)
