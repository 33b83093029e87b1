"""Webhook endpoints, the outbox of events, and the log of every delivery attempt.

An event is written in the transaction of the change that causes it, with one
delivery row per matching endpoint; the dispatcher (webhooks/dispatch.py) sends
the due deliveries afterwards. A delivery keeps every attempt.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from fernet_fields import EncryptedTextField


class EventType(models.TextChoices):
    PUBLICATION_PUBLISHED = "publication.published", "A publication is out (with its permalink)"
    PUBLICATION_FAILED = "publication.failed", "A publication failed (code and message)"
    PUBLICATION_IN_DOUBT = "publication.in_doubt", "A request went out; its outcome is unknown"
    PUBLICATION_CANCELED = "publication.canceled", "A publication was canceled"
    CONTENT_SCHEDULED = "content.scheduled", "Content was scheduled"
    CONTENT_UPDATED = "content.updated", "Content was edited"
    CONTENT_DELETED = "content.deleted", "Content was deleted"
    INTEGRATION_NEEDS_REAUTH = "integration.needs_reauth", "An account must be connected again"
    INTEGRATION_EXPIRING = "integration.expiring", "An account's access expires soon"
    ENTITLEMENT_LIMIT_REACHED = "entitlement.limit_reached", "A plan limit was reached"
    WEBHOOK_TEST = "webhook.test", "A test sent on request (to one endpoint only)"


# What an endpoint may subscribe to: every type but the test, which goes where it is asked.
SUBSCRIBABLE = tuple(value for value in EventType.values if value != EventType.WEBHOOK_TEST)
ALL_EVENTS = "*"


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


class WebhookEndpoint(models.Model):
    """A URL of a user's app that receives the events it subscribed to, signed with its secret."""

    # Never shown, filtered or searched in the admin (operator_admin.secrets).
    SECRET_FIELDS = ("secret",)

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=500, blank=True)
    events = models.JSONField(default=list, help_text='Event types, or ["*"] for every one.')
    secret = EncryptedTextField()
    is_active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    # The first failure since the last success: past WEBHOOK_DISABLE_AFTER_DAYS it is disabled.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["owner", "pk"]
        indexes = [models.Index(fields=["owner", "is_active"], name="webhook_endpoint_owner_idx")]
        permissions = [
            ("replay_webhookendpoint", "Can replay an endpoint's events since a time"),
        ]

    def __str__(self) -> str:
        return f"{self.url} ({self.owner_id})"

    def wants(self, event_type: str) -> bool:
        if event_type == EventType.WEBHOOK_TEST:
            return False
        return ALL_EVENTS in self.events or event_type in self.events


class WebhookEvent(models.Model):
    """One thing that happened to a user's objects: the body every endpoint receives."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_events"
    )
    # The ``webhook-id`` header: the same for every attempt and every resend of this event.
    message_id = models.CharField(max_length=40, unique=True, default=new_message_id)
    type = models.CharField(max_length=40, choices=EventType.choices)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["owner", "created_at"], name="webhook_event_owner_idx")]

    def __str__(self) -> str:
        return f"{self.type} {self.message_id}"


class WebhookDelivery(models.Model):
    """One event for one endpoint: pending until an attempt succeeds or the retries run out."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # Attempts since the delivery was last (re)queued: the index into the retry schedule.
    retries = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
            models.Index(fields=["endpoint", "created_at"], name="webhook_delivery_log_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="webhook_delivery_once")
        ]
        permissions = [("resend_webhookdelivery", "Can send a webhook delivery again")]

    def __str__(self) -> str:
        return f"delivery {self.pk}: {self.event_id} to endpoint {self.endpoint_id}"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery, and what came back."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    attempted_at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response_body = models.TextField(blank=True, help_text="The first 1 KB of the answer.")
    error = models.CharField(max_length=500, blank=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["-attempted_at", "-pk"]

    def __str__(self) -> str:
        return f"attempt {self.pk} of delivery {self.delivery_id}"


class DispatcherLease(models.Model):
    """The one row that lets a single dispatcher run at a time (see webhooks/dispatch.py)."""

    holder = models.CharField(max_length=40, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"dispatcher lease held by {self.holder or 'nobody'}"
