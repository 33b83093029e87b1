"""Reads of the publishing tables (the original getDueContent lives here)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from publishing.models import DUE_STATUSES, Publication


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
