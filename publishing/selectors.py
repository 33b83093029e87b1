"""Reads of the publishing tables (the original getDueContent lives here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Min, Q, QuerySet
from django.db.models.functions import Coalesce

from content.choices import Status
from entitlements.limits import UNLIMITED
from entitlements.models import Plan
from entitlements.services import limits_of, plan_hold_reason
from publishing.holds import HoldKind
from publishing.models import DUE_STATUSES, IN_DOUBT_CODE, EngineHeartbeat, Publication


def due_publications(now: dt.datetime, statuses=DUE_STATUSES) -> QuerySet[Publication]:
    """Publications whose time has come, oldest first, in one index-backed query.

    SCHEDULED rows whose schedule time has come, RETRYING rows whose next
    attempt has come, QUEUED rows whose hold has expired: each keeps that
    moment in ``next_attempt_at``, which the partial index
    ``publication_due_idx`` covers.
    """
    return Publication.objects.filter(status__in=statuses, next_attempt_at__lte=now).order_by(
        "next_attempt_at", "pk"
    )


# Publications in doubt: the request went out, the outcome is unknown, and the platform could
# not tell. They are FAILED with the code ``in_doubt`` until their owner or an operator
# settles them (``publishing.services.resolve_in_doubt``). A row whose request went out but
# that still has attempts left (RETRYING, or QUEUED again) is not in doubt yet: the engine
# asks the platform before it could send again.
IN_DOUBT = Q(status=Status.FAILED, last_error_code=IN_DOUBT_CODE)


def is_in_doubt(publication: Publication) -> bool:
    """``IN_DOUBT`` for a row already in memory."""
    return publication.status == Status.FAILED and publication.last_error_code == IN_DOUBT_CODE


def tick_last_seen() -> dt.datetime | None:
    """When the tick last recorded a pass; None if it never has."""
    return (
        EngineHeartbeat.objects.filter(name=EngineHeartbeat.TICK)
        .values_list("last_tick_at", flat=True)
        .first()
    )


@dataclass(frozen=True)
class OverdueSummary:
    count: int
    oldest_due_at: dt.datetime | None
    held_by_switch: int


def overdue_after() -> dt.timedelta:
    """What "overdue" means: due and not picked up within ``PUBLISH_OVERDUE_AFTER``."""
    return dt.timedelta(seconds=settings.PUBLISH_OVERDUE_AFTER)


def overdue(now: dt.datetime, *, held_platforms=()) -> Q:
    """The overdue rows: due (or handed to a worker) and waiting longer than ``overdue_after()``.

    A row's wait starts at ``first_due_at`` once the tick has handed it out (it
    keeps that moment however often it is handed out again, so a row that
    workers never take still ages), else at ``next_attempt_at``.
    """
    cutoff = now - overdue_after()
    late = Q(status__in=DUE_STATUSES) & (
        Q(first_due_at__lt=cutoff) | Q(first_due_at__isnull=True, next_attempt_at__lt=cutoff)
    )
    return late & ~Q(platform__in=held_platforms) if held_platforms else late


def waiting(now: dt.datetime) -> Q:
    """Rows waiting to go out: due now, or handed to a worker that has not taken them yet."""
    return Q(status__in=DUE_STATUSES) & (
        Q(next_attempt_at__lte=now) | Q(first_due_at__isnull=False)
    )


def overdue_publications_summary(now: dt.datetime, *, held_platforms=()) -> OverdueSummary:
    """Publications that should have left more than ``overdue_after()`` ago, in one query.

    Only holds that keep ``next_attempt_at`` in the past need excluding: a
    rate limit, a paused account or a platform's Retry-After push it to the
    end of the hold (and clear ``first_due_at``), so those rows are not due at
    all. A switch that is off holds its platform's due rows where they are;
    they are counted apart in ``held_by_switch``, because an operator's hold is
    not an outage. Once the switch is back on they count as overdue again
    until a tick sends them.

    A row handed to workers that never take it (stuck or dead while the tick
    lives on) is due again and again, each time a little later: it is
    measured from ``first_due_at``, the first time it became due.

    The partial indexes ``publication_due_idx`` and ``publication_first_due_idx``
    serve the scan.
    """
    late = overdue(now, held_platforms=held_platforms)
    aggregates = {}
    if held_platforms:
        aggregates["held_by_switch"] = Count("pk", filter=Q(platform__in=held_platforms))
    row = Publication.objects.filter(waiting(now)).aggregate(
        count=Count("pk", filter=late),
        oldest_due_at=Min(Coalesce("first_due_at", "next_attempt_at"), filter=late),
        **aggregates,
    )
    return OverdueSummary(
        count=row["count"],
        oldest_due_at=row["oldest_due_at"],
        held_by_switch=row.get("held_by_switch", 0),
    )


# The fields of a Content a person may change (the API's PATCH, the admin's form).
CONTENT_TEXT_FIELDS = ("title", "body", "options")
EDITABLE_CONTENT_FIELDS = (*CONTENT_TEXT_FIELDS, "scheduled_for")
# Targets in these states have sent nothing yet, unless ``request_sent_at`` says otherwise.
EDITABLE_STATUSES = (Status.SCHEDULED, Status.QUEUED, Status.RETRYING)


@dataclass(frozen=True)
class ContentEditability:
    """Which of ``EDITABLE_CONTENT_FIELDS`` a content's targets still allow to change.

    ``refusal`` says why the others are frozen (empty when none is).
    """

    fields: frozenset[str]
    refusal: str = ""

    @property
    def frozen(self) -> tuple[str, ...]:
        return tuple(name for name in EDITABLE_CONTENT_FIELDS if name not in self.fields)


def content_editability(publications: Iterable[Publication]) -> ContentEditability:
    """What may still change, given a content's targets: the one rule the API and the admin use.

    Text (title, body, options) changes while no target has started: each is waiting
    (scheduled, queued, retrying) and none has had a request sent. The time moves only
    while every target is still SCHEDULED: a queued or retrying target is already due.
    """
    publications = list(publications)
    started = [p for p in publications if p.status not in EDITABLE_STATUSES or p.request_sent_at]
    if started:
        names = ", ".join(f"{p.get_platform_display()}: {p.status}" for p in started)
        return ContentEditability(
            frozenset(),
            f"This content can no longer be edited ({names}); cancel it and schedule a new post.",
        )
    if not time_may_change((p.status, p.request_sent_at) for p in publications):
        return ContentEditability(
            frozenset(CONTENT_TEXT_FIELDS),
            "Only content whose targets are all still scheduled can be moved.",
        )
    return ContentEditability(frozenset(EDITABLE_CONTENT_FIELDS))


def time_may_change(targets: Iterable[tuple[str, dt.datetime | None]]) -> bool:
    """``content_editability``'s rule for the time alone, on ``(status, request_sent_at)``
    pairs: every target still SCHEDULED, none sent. For reads of many contents at once
    (the calendar), which take their targets with ``values()``."""
    return all(status == Status.SCHEDULED and not sent for status, sent in targets)


def content_editability_of(content) -> ContentEditability:
    """``content_editability`` of a saved content, read from its targets now."""
    return content_editability(
        Publication.objects.filter(content=content)
        .only("id", "platform", "status", "request_sent_at")
        .order_by("pk")
    )


@dataclass(frozen=True)
class PlanEffect:
    """What moving users to a plan does to their waiting posts, counted per target.

    ``held``: targets waiting to go out (scheduled, queued, retrying) that the new plan
    refuses, so the engine will hold them when they are due. ``released``: targets a
    plan holds now that the new plan allows.
    """

    held: int = 0
    released: int = 0


def plan_effect(user_ids: Iterable[int], plan: Plan) -> PlanEffect:
    """``PlanEffect`` of putting these users on ``plan`` with their overrides kept, as
    ``entitlements.services.set_plan`` does. Two queries."""
    user_ids = list(user_ids)
    limits = {
        pk: UNLIMITED if is_superuser else limits_of(plan, overrides)
        for pk, is_superuser, overrides in get_user_model()
        .objects.filter(pk__in=user_ids)
        .values_list("pk", "is_superuser", "entitlement__overrides")
    }
    rows = (
        Publication.objects.filter(content__owner_id__in=user_ids, status__in=DUE_STATUSES)
        .values_list("content__owner_id", "platform", "by_hand", "hold_kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    held = released = 0
    for owner_id, platform, by_hand, hold_kind, n in rows:
        refused = bool(plan_hold_reason(limits[owner_id], platform, by_hand=by_hand))
        if hold_kind == HoldKind.PLAN and not refused:
            released += n
        elif hold_kind != HoldKind.PLAN and refused:
            held += n
    return PlanEffect(held=held, released=released)
