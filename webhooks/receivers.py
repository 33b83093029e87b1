"""Publishing and integrations signal a change; these receivers write the outbox rows.

Each runs inside the sender's transaction. An owner without an active endpoint
costs one query (a move the webhooks ignore, e.g. to QUEUED, costs none).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.dispatch import receiver

from content.choices import Status
from entitlements.signals import limit_reached
from integrations.models import Integration
from integrations.signals import integration_expiring, integration_needs_reauth
from publishing.models import Publication
from publishing.signals import content_changed, publications_moved
from webhooks import events
from webhooks.models import EventType, WebhookEndpoint
from webhooks.services import record_event, record_events

TOLD_STATUSES = frozenset({Status.PUBLISHED, Status.FAILED, Status.CANCELED})
PUBLICATION_FIELDS = (
    "pk",
    "content_id",
    "content__owner_id",
    "platform",
    "integration_id",
    "status",
    "attempts",
    "permalink",
    "external_id",
    "published_at",
    "last_error_code",
    "last_error",
)


def has_endpoint(owner_path: str) -> Exists:
    return Exists(WebhookEndpoint.objects.filter(owner_id=OuterRef(owner_path), is_active=True))


@receiver(publications_moved)
def publications_moved_to_events(sender, publication_ids, to_status, **kwargs) -> int:
    if to_status not in TOLD_STATUSES:
        return 0
    rows = (
        Publication.objects.filter(pk__in=publication_ids)
        .filter(has_endpoint("content__owner_id"))
        .order_by("pk")
        .values(*PUBLICATION_FIELDS)
    )
    return record_events(
        event for event in map(events.publication_event, rows) if event is not None
    )


@receiver(content_changed)
def content_changed_to_event(sender, content, change, **kwargs) -> int:
    if change not in events.CONTENT_EVENTS:
        return 0
    if not WebhookEndpoint.objects.filter(owner_id=content.owner_id, is_active=True).exists():
        return 0
    platforms = sorted(set(content.publications.values_list("platform", flat=True)))
    return record_events([events.content_event(content, change, platforms)])


INTEGRATION_FIELDS = ("pk", "user_id", "provider", "display_name", "status")


def integration_row(integration_id: int) -> dict | None:
    return (
        Integration.objects.filter(pk=integration_id)
        .filter(has_endpoint("user_id"))
        .values(*INTEGRATION_FIELDS)
        .first()
    )


@receiver(integration_needs_reauth)
def integration_needs_reauth_to_event(sender, integration_id, message="", **kwargs) -> int:
    row = integration_row(integration_id)
    if row is None:
        return 0
    event = events.integration_event(row, EventType.INTEGRATION_NEEDS_REAUTH, message=message)
    return record_events([event])


@receiver(integration_expiring)
def integration_expiring_to_event(sender, integration_id, expires_at=None, **kwargs) -> int:
    row = integration_row(integration_id)
    if row is None:
        return 0
    event = events.integration_event(row, EventType.INTEGRATION_EXPIRING, expires_at=expires_at)
    return record_events([event])


@receiver(limit_reached)
def limit_reached_to_event(sender, user_id, limit_name, limit, used, **kwargs) -> int:
    """The action that used a plan's last unit (the month's last post, the platform's last
    account) tells the owner's endpoints, in that action's transaction."""
    return record_event(
        owner_id=user_id,
        type=EventType.ENTITLEMENT_LIMIT_REACHED,
        data={"limit_name": str(limit_name), "limit": limit, "used": used},
    )
