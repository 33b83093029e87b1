"""Small line charts drawn on the server as SVG: no script, no CDN, readable in both themes.

Colours come from the admin's CSS variables (``--body-fg``, ``--hairline-color``) for
the frame and text, and from a fixed palette for the series, chosen to read on a
light and on a dark background alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#1f77b4", "#e8590c", "#2f9e44", "#ae3ec9", "#f08c00", "#0c8599")


@dataclass(frozen=True)
class Series:
    label: str
    values: list[float]  # one per x label; None-free


def nice_ceiling(value: float) -> float:
    """The round number just above ``value`` (1, 2, 5 times a power of ten)."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def compact(number: float) -> str:
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if number >= size:
            return f"{number / size:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{number:g}"


def line_chart(
    x_labels: list[str],
    series: list[Series],
    *,
    title: str,
    width: int = 720,
    height: int = 240,
) -> SafeString:
    """An SVG line chart with a y axis, gridlines, x labels and a legend."""
    left, right, top, bottom = 48, 12, 12, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = nice_ceiling(max((v for s in series for v in s.values), default=0))
    count = max(len(x_labels), 1)

    def x(index: int) -> str:
        return f"{left + (plot_w * index / (count - 1) if count > 1 else plot_w / 2):.1f}"

    def y(value: float) -> str:
        return f"{top + plot_h - plot_h * value / peak:.1f}"

    grid = format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" class="grid"/>'
        '<text x="{}" y="{}" class="tick" text-anchor="end">{}</text>',
        (
            (
                left,
                width - right,
                y(peak * f),
                y(peak * f),
                left - 6,
                f"{float(y(peak * f)) + 4:.1f}",
                compact(peak * f),
            )
            for f in (0, 0.25, 0.5, 0.75, 1)
        ),
    )
    every = max(1, count // 8)  # at most about 8 x labels
    ticks = format_html_join(
        "",
        '<text x="{}" y="{}" class="tick" text-anchor="middle">{}</text>',
        ((x(i), height - bottom + 16, label) for i, label in enumerate(x_labels) if i % every == 0),
    )
    lines = []
    for n, one in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        points = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(one.values))
        dots = format_html_join(
            "",
            '<circle cx="{}" cy="{}" r="2.5" fill="{}"><title>{}: {}</title></circle>',
            ((x(i), y(v), colour, x_labels[i], compact(v)) for i, v in enumerate(one.values)),
        )
        lines.append(
            format_html(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>{}',
                points,
                colour,
                dots,
            )
        )
    legend = format_html_join(
        "",
        '<rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
        '<text x="{}" y="{}" class="legend">{}</text>',
        (
            (
                left + 110 * n,
                height - 14,
                PALETTE[n % len(PALETTE)],
                left + 110 * n + 14,
                height - 5,
                s.label,
            )
            for n, s in enumerate(series)
        ),
    )
    return format_html(
        '<svg class="herald-chart" role="img" aria-label="{}" viewBox="0 0 {} {}" '
        'width="100%" preserveAspectRatio="xMidYMid meet">'
        "<title>{}</title>"
        "<style>"
        ".herald-chart .grid{{stroke:var(--hairline-color,#ccc);stroke-width:1}}"
        ".herald-chart .tick,.herald-chart .legend{{fill:var(--body-fg,#333);font-size:11px}}"
        "</style>{}{}{}{}</svg>",
        title,
        width,
        height,
        title,
        grid,
        ticks,
        mark_safe("".join(lines)),  # noqa: S308  (each part built by format_html)
        legend,
    )
