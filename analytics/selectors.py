"""Reads of the collected numbers: a publication's snapshots, totals, top posts, by day.

Totals add each publication's newest snapshot (``is_latest``), for the
publications published in the range: one grouped query whatever the number of
posts. Everything takes an ``owner`` (the API: only one's own) or None (the
admin: everyone's).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, QuerySet, Sum
from django.db.models.functions import TruncDate

from analytics.models import CollectorState, MetricsSnapshot
from platforms.metrics import METRIC_NAMES

NUMBERS = (*METRIC_NAMES, "engagement")


@dataclass(frozen=True)
class Range:
    """Publications published in [start, end), optionally of one platform or account."""

    start: dt.datetime
    end: dt.datetime
    platform: str = ""
    integration_id: int | None = None
    owner: object = None


def snapshots_of(publication_id: int) -> QuerySet[MetricsSnapshot]:
    return MetricsSnapshot.objects.filter(publication_id=publication_id).order_by("due_after")


def latest_in(selection: Range) -> QuerySet[MetricsSnapshot]:
    """The newest snapshot of each publication the range selects."""
    snapshots = MetricsSnapshot.objects.filter(
        is_latest=True,
        publication__published_at__gte=selection.start,
        publication__published_at__lt=selection.end,
    )
    if selection.platform:
        snapshots = snapshots.filter(publication__platform=selection.platform)
    if selection.integration_id is not None:
        snapshots = snapshots.filter(publication__integration_id=selection.integration_id)
    if selection.owner is not None:
        snapshots = snapshots.filter(publication__content__owner=selection.owner)
    return snapshots


def sums() -> dict:
    return {name: Sum(name) for name in NUMBERS}


def totals(selection: Range) -> dict:
    """Posts with numbers and the sum of each number over the range."""
    row = latest_in(selection).aggregate(posts=Count("pk"), **sums())
    return {key: value or 0 for key, value in row.items()}


def totals_by_account(selection: Range) -> list[dict]:
    """Totals per platform and account (integration; None for legacy tokens), largest first."""
    rows = (
        latest_in(selection)
        .values(
            platform=F("publication__platform"),
            integration=F("publication__integration_id"),
            account=F("publication__integration__display_name"),
        )
        .annotate(posts=Count("pk"), **sums())
        .order_by("-engagement", "platform", "integration")
    )
    return [zero_sums(row) for row in rows]


def totals_by_platform(selection: Range) -> list[dict]:
    rows = (
        latest_in(selection)
        .values(platform=F("publication__platform"))
        .annotate(posts=Count("pk"), **sums())
        .order_by("platform")
    )
    return [zero_sums(row) for row in rows]


def zero_sums(row: dict) -> dict:
    """A grouped row with 0, not None, for a number no post reported."""
    return {key: (value or 0) if key in NUMBERS else value for key, value in row.items()}


def top_posts(selection: Range) -> QuerySet[MetricsSnapshot]:
    """The range's publications by engagement, then views, with what a list shows."""
    return (
        latest_in(selection)
        .select_related("publication__content", "publication__integration")
        .order_by("-engagement", F("views").desc(nulls_last=True), "publication_id")
    )


def engagement_by_day(selection: Range) -> list[tuple[dt.date, int, int]]:
    """(day of publishing, posts, their engagement so far), day by day, UTC."""
    rows = (
        latest_in(selection)
        .annotate(day=TruncDate("publication__published_at"))
        .values("day")
        .annotate(posts=Count("pk"), engagement=Sum("engagement"))
        .order_by("day")
    )
    return [(row["day"], row["posts"], row["engagement"] or 0) for row in rows]


def engagement_by_day_and_platform(selection: Range) -> list[tuple[dt.date, str, int]]:
    """(day of publishing, platform, engagement so far of that day's posts), UTC days."""
    rows = (
        latest_in(selection)
        .annotate(day=TruncDate("publication__published_at"))
        .values_list("day", "publication__platform")
        .annotate(engagement=Sum("engagement"))
        .order_by("day", "publication__platform")
    )
    return [(day, platform, engagement or 0) for day, platform, engagement in rows]


def collection_lag(now: dt.datetime) -> float:
    """Seconds the oldest due snapshot has waited (0 when nothing is late): one query."""
    oldest = (
        CollectorState.objects.filter(next_due_at__lte=now, gone_at__isnull=True)
        .order_by("next_due_at")
        .values_list("next_due_at", flat=True)
        .first()
    )
    return max((now - oldest).total_seconds(), 0.0) if oldest else 0.0


def collector_counts() -> dict[str, int]:
    """Publications tracked, gone on their platform, and still waiting for a snapshot."""
    return CollectorState.objects.aggregate(
        tracked=Count("pk"), gone=Count("gone_at"), waiting=Count("next_due_at")
    )
