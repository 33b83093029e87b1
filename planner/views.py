"""The operator's calendar in the admin: month, week, day and list views of every post.

The calendar is FullCalendar 6.1.22 (MIT), the standard bundle from the npm registry,
vendored under ``planner/static/planner/vendor/fullcalendar-6.1.22/`` with its licence;
nothing is fetched from a CDN. Chosen over a server-rendered grid because it already
does, maintained and tested, what the page needs: month, week, day and list views,
dragging with the pointer, events reachable with the keyboard (``eventInteractive``),
and colours through CSS variables, which map onto the admin's own (light and dark).
The server does the rest: the events (``planner.selectors``), the detail panel (a
server-rendered fragment) and the move (``planner.services``).

Times: FullCalendar is run in UTC and given wall-clock times of the operator's zone
without an offset, so it shows the operator's hours whatever the browser's zone;
the times it sends back are read as wall-clock times of that zone again.

Permissions (README, "Calendar"): the page, the events and the detail need
``content.view_content`` and ``publishing.view_publication``, as the dashboard does;
moving needs ``content.change_content``. Like the content admin, the calendar shows
every user's posts to staff allowed to view content, superuser or not. Every view is
wrapped by ``admin.site.admin_view`` in ``config/urls.py`` (staff only, CSRF).
"""

from __future__ import annotations

import functools

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from content.models import Content
from entitlements.services import EntitlementExceeded
from operator_admin.timezone import in_operator_timezone, operator_timezone
from planner import links
from planner.forms import VIEWS, CalendarFilterForm
from planner.queries import (
    FIRST_DAY,
    LAST_DAY,
    BadCalendarQuery,
    parse_filters,
    parse_range,
    parse_time,
)
from planner.selectors import calendar_events, local_iso, post_detail
from planner.services import move_post
from publishing.services import ContentBusy, ContentLocked, SchedulingError
from publishing.states import Actor

VIEW_PERMISSIONS = ("content.view_content", "publishing.view_publication")
MOVE_PERMISSION = "content.change_content"
# A placeholder id, replaced by the page's script with each post's.
ID_PLACEHOLDER = 2_147_483_647


def can_view(user) -> bool:
    return user.is_active and user.has_perms(VIEW_PERMISSIONS)


def can_move(user) -> bool:
    return user.is_active and user.has_perm(MOVE_PERMISSION)


def refusal(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def json_permission(check, message: str):
    """A JSON 403 with ``message`` for a user ``check`` refuses."""

    def decorator(view):
        @functools.wraps(view)
        def guarded(request, *args, **kwargs):
            if not check(request.user):
                return refusal(message, 403)
            return view(request, *args, **kwargs)

        return guarded

    return decorator


def url_with_id(name: str) -> str:
    return reverse(name, args=[ID_PLACEHOLDER]).replace(str(ID_PLACEHOLDER), "{id}")


@require_GET
def calendar_page(request):
    """The calendar, its filters and its detail panel; the events come from ``events``."""
    if not can_view(request.user):
        raise PermissionDenied("You may not see the calendar.")
    with operator_timezone(request) as zone:
        try:
            filters = parse_filters(request.GET)
        except BadCalendarQuery as error:
            return HttpResponseBadRequest(f"This calendar link is not understood: {error}")
        form = CalendarFilterForm(request.GET or None)
        form.is_valid()
        shown = form.cleaned_data if form.is_bound else {}
        view = request.GET.get("view") if request.GET.get("view") in VIEWS else "dayGridMonth"
        config = {
            "eventsUrl": reverse("herald-calendar-events"),
            "detailUrl": url_with_id("herald-calendar-detail"),
            "moveUrl": url_with_id("herald-calendar-move"),
            "composeUrl": links.compose_url(),
            "filters": filters.as_query(),
            "view": view,
            "date": iso_or_none(shown.get("date")),
            "listStart": iso_or_none(shown.get("start")),
            "listEnd": iso_or_none(shown.get("end")),
            "now": local_iso(timezone.now(), zone),
            "zone": zone.key,
            "canMove": can_move(request.user),
            "firstDay": FIRST_DAY.isoformat(),
            "lastDay": LAST_DAY.isoformat(),
        }
        context = {
            **admin.site.each_context(request),
            "title": "Calendar",
            # The calendar needs the width more than the admin's list of models does.
            "is_nav_sidebar_enabled": False,
            "zone": zone,
            "form": form,
            "config": config,
            "compose_url": links.compose_url(),
        }
        return TemplateResponse(request, "planner/calendar.html", context).render()


def iso_or_none(value) -> str | None:
    return value.isoformat() if value else None


@require_GET
@json_permission(can_view, "You may not see the calendar.")
def events(request):
    """``{"events": [...], "truncated": false}`` for ``start``..``end`` and the filters."""
    with operator_timezone(request) as zone:
        try:
            window = parse_range(request.GET, zone)
            filters = parse_filters(request.GET)
        except BadCalendarQuery as error:
            return refusal(str(error), 400)
        found = calendar_events(window, filters, zone=zone, can_move=can_move(request.user))
    return JsonResponse({"events": found.events, "truncated": found.truncated})


@require_GET
def detail(request, content_id: int):
    """The detail panel of one post: targets, states, permalinks, audit timeline, owner."""
    if not can_view(request.user):
        raise PermissionDenied("You may not see the calendar.")
    found = post_detail(content_id)
    if found is None:
        raise Http404("No such post.")

    def panel():
        zone = timezone.get_current_timezone()
        scheduled_for = found.content.scheduled_for
        context = {
            "post": found.content,
            "publications": found.publications,
            "timeline": found.timeline,
            "draft_targets": found.draft_targets,
            "zone": zone,
            "can_move": found.movable and can_move(request.user),
            "movable": found.movable,
            "move_url": reverse("herald-calendar-move", args=[content_id]),
            "edit_url": links.compose_edit_url(content_id),
            "admin_url": links.admin_change_url(content_id),
            "scheduled_local": local_iso(scheduled_for, zone)[:16] if scheduled_for else "",
        }
        return TemplateResponse(request, "planner/detail.html", context)

    # A time the operator's zone cannot show (the ends of the calendar) is shown in UTC.
    return in_operator_timezone(request, panel)


@require_POST
@json_permission(can_move, "You may not move posts.")
def move(request, content_id: int):
    """Move one post to ``scheduled_for``; JSON: the new time, or the reason it stays."""
    content = Content.objects.filter(pk=content_id).first()
    if content is None:
        return refusal("No such post.", 404)
    with operator_timezone(request) as zone:
        try:
            to = parse_time(request.POST.get("scheduled_for"), zone, name="scheduled_for")
        except BadCalendarQuery as error:
            return refusal(str(error), 400)
        try:
            moved = move_post(content, to=to, actor=Actor.for_user(request.user))
        except (ContentLocked, ContentBusy) as error:
            return refusal(str(error), 409)
        except EntitlementExceeded as error:
            return refusal(error.message, 409)
        except SchedulingError as error:
            return refusal(str(error), 400)
        local = moved.scheduled_for.astimezone(zone)
    return JsonResponse(
        {
            "id": moved.pk,
            "start": local_iso(local, zone),
            "message": f"Moved to {local:%a} {local.day} {local:%b %Y, %H:%M} ({zone.key}).",
        }
    )
