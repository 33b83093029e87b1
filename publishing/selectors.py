"""Reads of the publishing tables (the original getDueContent lives here)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet

from publishing.models import DUE_STATUSES, EngineHeartbeat, Publication


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
    """Among the due rows (``due_publications``), the overdue ones; see below for why."""
    late = Q(next_attempt_at__lt=now - overdue_after())
    return late & ~Q(platform__in=held_platforms) if held_platforms else late


def overdue_publications_summary(now: dt.datetime, *, held_platforms=()) -> OverdueSummary:
    """Due publications that should have left more than ``overdue_after()`` ago, in one query.

    Only holds that keep ``next_attempt_at`` in the past need excluding: a
    rate limit, a paused account or a platform's Retry-After push it to the
    end of the hold, so those rows are not due at all. A switch that is off
    holds its platform's due rows where they are; they are counted apart in
    ``held_by_switch``, because an operator's hold is not an outage. Once the
    switch is back on they count as overdue again until a tick sends them.

    The scan is the due selector's, so the partial index ``publication_due_idx``
    serves it.
    """
    late = overdue(now, held_platforms=held_platforms)
    aggregates = {}
    if held_platforms:
        aggregates["held_by_switch"] = Count("pk", filter=Q(platform__in=held_platforms))
    row = (
        due_publications(now)
        .order_by()
        .aggregate(
            count=Count("pk", filter=late),
            oldest_due_at=Min("next_attempt_at", filter=late),
            **aggregates,
        )
    )
    return OverdueSummary(
        count=row["count"],
        oldest_due_at=row["oldest_due_at"],
        held_by_switch=row.get("held_by_switch", 0),
    )
