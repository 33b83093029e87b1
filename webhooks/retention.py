"""The webhooks' delivered-message logs, for ``manage.py prune_history`` (publishing.retention).

A delivery that ended (succeeded, or failed for good), or that waits for an endpoint
that is no longer active, goes with its attempts; an event goes once no delivery is
left for it. A pending delivery to an active endpoint stays whatever its age: it
still has somewhere to go. ``WEBHOOK_DELIVERY_RETENTION_DAYS`` (the daily "webhooks
prune") keeps them no longer; prune_history never deletes what it still keeps.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet

from publishing.retention import register_history_log
from webhooks.models import WebhookDelivery, WebhookEvent


def prunable_deliveries(cutoff: dt.datetime) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(created_at__lt=cutoff).exclude(
        status=WebhookDelivery.Status.PENDING, endpoint__is_active=True
    )


def prunable_events(cutoff: dt.datetime) -> QuerySet[WebhookEvent]:
    return WebhookEvent.objects.filter(created_at__lt=cutoff).exclude(
        Exists(WebhookDelivery.objects.filter(event=OuterRef("pk")))
    )


def retention_days() -> int:
    return settings.WEBHOOK_DELIVERY_RETENTION_DAYS


def register() -> None:
    register_history_log("webhook deliveries", prunable_deliveries, keep_days=retention_days)
    register_history_log("webhook events", prunable_events, keep_days=retention_days)
