"""Admin pages in the signed-in operator's own time zone (``accounts.User.timezone``)."""

from __future__ import annotations

import zoneinfo
from contextlib import contextmanager

from django.utils import timezone


@contextmanager
def operator_timezone(request):
    """Show and read times in the operator's time zone; UTC for a user without a valid one."""
    name = getattr(request.user, "timezone", "") or "UTC"
    try:
        zone = zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    with timezone.override(zone):
        yield zone


def rendered(response):
    """Render a lazy TemplateResponse now, while the operator's time zone is active."""
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    return response


class OperatorTimezoneMixin:
    """A ModelAdmin whose pages render, and whose forms read times, in the operator's zone."""

    def changelist_view(self, request, extra_context=None):
        with operator_timezone(request):
            return rendered(super().changelist_view(request, extra_context))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with operator_timezone(request):
            return rendered(super().changeform_view(request, object_id, form_url, extra_context))
