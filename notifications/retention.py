"""The e-mail notices that were sent, for ``manage.py prune_history`` (publishing.retention).

A notice not sent yet stays whatever its age. ``NOTIFY_KEEP_DAYS`` (the sweep) keeps
sent ones no longer; prune_history never deletes what it still keeps.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet

from notifications.models import Notice
from publishing.retention import register_history_log


def prunable_notices(cutoff: dt.datetime) -> QuerySet[Notice]:
    return Notice.objects.filter(sent_at__lt=cutoff)


def keep_days() -> int:
    return settings.NOTIFY_KEEP_DAYS


def register() -> None:
    register_history_log("sent notices", prunable_notices, keep_days=keep_days)
