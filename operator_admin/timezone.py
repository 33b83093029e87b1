"""Admin pages in the signed-in operator's own time zone (``accounts.User.timezone``)."""

from __future__ import annotations

import zoneinfo
from contextlib import contextmanager

from django.contrib import messages
from django.db import DatabaseError
from django.utils import timezone

from operator_admin.changelist import DateSafeChangeListMixin

UTC = zoneinfo.ZoneInfo("UTC")


@contextmanager
def operator_timezone(request):
    """Show and read times in the operator's time zone; UTC for a user without a valid one."""
    name = getattr(request.user, "timezone", "") or "UTC"
    try:
        zone = zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = UTC
    with timezone.override(zone):
        yield zone


def rendered(response):
    """Render a lazy TemplateResponse now, while the operator's time zone is active."""
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    return response


def in_operator_timezone(request, view):
    """``view()`` rendered in the operator's zone, or in UTC when the zone cannot show it.

    A time in the last hours of year 9999 (or the first of year 1) exists in UTC but in no
    zone ahead of it (behind it): converting it, in Python or in the database, leaves the
    calendar. Such a page is shown in UTC, saying so, rather than failing; a page that
    fails in UTC too fails as before. Only a page that is merely read is tried twice: a
    POST may have changed something already.
    """
    with operator_timezone(request) as zone:
        if request.method not in ("GET", "HEAD") or zone == UTC:
            return rendered(view())
        try:
            # A query that failed (the database left the calendar) leaves the connection
            # usable for the retry: Herald runs requests in autocommit mode.
            return rendered(view())
        except (OverflowError, ValueError, DatabaseError):
            operator_zone = zone.key
    messages.warning(
        request,
        f"Some times here are beyond what {operator_zone} can show (they lie at the end or "
        "the start of the calendar): this page shows every time in UTC.",
    )
    with timezone.override(UTC):
        return rendered(view())


class OperatorTimezoneMixin(DateSafeChangeListMixin):
    """A ModelAdmin whose pages render, and whose forms read times, in the operator's zone.

    Every time on its pages is shown, whatever is stored (see ``in_operator_timezone``),
    and its change list takes any date in its URL (``operator_admin.changelist``).
    """

    def changelist_view(self, request, extra_context=None):
        return in_operator_timezone(
            request,
            lambda: super(OperatorTimezoneMixin, self).changelist_view(request, extra_context),
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return in_operator_timezone(
            request,
            lambda: super(OperatorTimezoneMixin, self).changeform_view(
                request, object_id, form_url, extra_context
            ),
        )
