"""Where the calendar sends an operator: the composer and the admin's own pages.

The composer (``/admin/compose/``) is its own app; its URL names are asked for here,
and only here, with the paths it serves as the fallback while it is not installed.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

COMPOSE_PATH = "/admin/compose/"


def compose_url() -> str:
    """The composer for a new post."""
    try:
        return reverse("herald-compose")
    except NoReverseMatch:
        return COMPOSE_PATH


def compose_edit_url(content_id: int) -> str:
    """The composer opened on an existing post (or draft)."""
    try:
        return reverse("herald-compose-edit", args=[content_id])
    except NoReverseMatch:
        return f"{COMPOSE_PATH}{int(content_id)}/"


def admin_change_url(content_id: int) -> str:
    return reverse("admin:content_content_change", args=[content_id])
