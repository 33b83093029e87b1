"""Reads the API needs that no app offers as a selector of its own."""

from __future__ import annotations

from content.choices import Status
from publishing.models import Publication

# The hold kind of a post the user's plan keeps from going out (publishing's holds).
PLAN_HOLD = "plan"


def held_by_plan(user):
    """The user's publications QUEUED under a plan hold, oldest due first, with their content."""
    return (
        Publication.objects.filter(
            content__owner_id=user.pk, status=Status.QUEUED, hold_kind=PLAN_HOLD
        )
        .select_related("content")
        .order_by("next_attempt_at", "pk")
    )
