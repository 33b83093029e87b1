"""Small display helpers for the operator's admin pages: status badges and durations."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from content.choices import ContentStatus, Status

register = template.Library()

# One colour per state, readable as white text on it.
STATUS_COLOURS = {
    Status.SCHEDULED: "#3b6e9c",
    Status.QUEUED: "#a66a00",
    Status.PUBLISHING: "#6b46c1",
    Status.PUBLISHED: "#2f7d4f",
    Status.RETRYING: "#c05621",
    Status.FAILED: "#c0392b",
    Status.CANCELED: "#6b7280",
    ContentStatus.DRAFT: "#4b5563",
}
BADGE_STYLE = (
    "display:inline-block;padding:2px 8px;border-radius:10px;color:#fff;"
    "font-size:11px;font-weight:600;letter-spacing:.02em;white-space:nowrap;background:{}"
)


@register.filter
def status_badge(status: str) -> str:
    """A coloured pill with the state's name."""
    try:
        label = ContentStatus(status).label
    except ValueError:
        label = status or "—"
    return format_html(
        '<span class="herald-badge" data-status="{}" style="{}">{}</span>',
        status,
        BADGE_STYLE.format(STATUS_COLOURS.get(status, "#6b7280")),
        label,
    )


@register.filter
def seconds(value: float | None) -> str:
    """``0.8 s``, ``42 s``, ``3.5 min``, ``2.0 h``; a dash for no value."""
    if value is None:
        return "—"
    value = float(value)
    if value < 10:
        return f"{value:.1f} s"
    if value < 120:
        return f"{value:.0f} s"
    if value < 7200:
        return f"{value / 60:.1f} min"
    return f"{value / 3600:.1f} h"


@register.filter
def window(value: int) -> str:
    """A rate-limit window in words: ``3 h``, ``1 h``, ``24 h``, ``15 min``."""
    value = int(value)
    if value % 3600 == 0:
        return f"{value // 3600} h"
    if value % 60 == 0:
        return f"{value // 60} min"
    return f"{value} s"
