"""Webhook endpoints and the outbox: every write of the webhooks app goes through here.

Events are recorded in the caller's transaction (``record_event``); a commit
then wakes the dispatcher through django-q2. Nothing here calls an endpoint.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from webhooks import addresses
from webhooks.models import (
    ALL_EVENTS,
    SUBSCRIBABLE,
    EventType,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from webhooks.signals import endpoint_disabled

SECRET_PREFIX = "whsec_"
DELIVER_TASK = "webhooks.tasks.deliver_due"


class EndpointRefused(Exception):
    """The endpoint's URL or events are not allowed; the message says what to fix."""

    def __init__(self, message: str, *, field: str = "url"):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class PendingEvent:
    """An event to record: whose, which type, and its ``data``."""

    owner_id: int
    type: str
    data: dict


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def check_events(events: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(events))
    if not chosen:
        raise EndpointRefused('List at least one event type, or ["*"] for all.', field="events")
    if ALL_EVENTS in chosen:
        return [ALL_EVENTS]
    unknown = [name for name in chosen if name not in SUBSCRIBABLE]
    if unknown:
        raise EndpointRefused(
            f"Unknown event type {unknown[0]!r}; the types are: {', '.join(SUBSCRIBABLE)}.",
            field="events",
        )
    return chosen


def check_url(url: str) -> str:
    try:
        addresses.check_url(url)
    except addresses.AddressRefused as refusal:
        raise EndpointRefused(str(refusal), field="url") from None
    return url


def wake_dispatcher() -> None:
    """After the commit, ask django-q2 for a dispatcher run (lost, the sweep does it)."""
    transaction.on_commit(enqueue_dispatcher)


def enqueue_dispatcher() -> None:
    from django_q.tasks import async_task

    # A wake-up's success is not worth a row: a burst would write one per commit.
    async_task(DELIVER_TASK, task_name="webhooks deliver", save=False)


@transaction.atomic
def create_endpoint(
    *, owner, url: str, events: Iterable[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its secret (shown to the owner this once)."""
    secret = new_secret()
    endpoint = WebhookEndpoint.objects.create(
        owner=owner,
        url=check_url(url),
        events=check_events(events),
        description=description,
        secret=secret,
    )
    return endpoint, secret


@transaction.atomic
def update_endpoint(
    endpoint: WebhookEndpoint,
    *,
    url: str | None = None,
    events: Iterable[str] | None = None,
    description: str | None = None,
    is_active: bool | None = None,
) -> WebhookEndpoint:
    """Change an endpoint; turning it on again forgets its failures."""
    if url is not None:
        endpoint.url = check_url(url)
    if events is not None:
        endpoint.events = check_events(events)
    if description is not None:
        endpoint.description = description
    if is_active is True and not endpoint.is_active:
        endpoint.is_active = True
        endpoint.disabled_reason = ""
        endpoint.disabled_at = None
        endpoint.failing_since = None
    elif is_active is False and endpoint.is_active:
        endpoint.is_active = False
        endpoint.disabled_reason = "Turned off by its owner."
        endpoint.disabled_at = timezone.now()
    endpoint.save()
    return endpoint


@transaction.atomic
def rotate_secret(endpoint: WebhookEndpoint) -> str:
    """A new secret for the endpoint, used from the next attempt on; returned this once."""
    secret = new_secret()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(secret=secret, updated_at=timezone.now())
    endpoint.secret = secret
    return secret


def delete_endpoint(endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


@transaction.atomic
def disable_endpoint(endpoint: WebhookEndpoint, *, reason: str) -> bool:
    """Stop delivering to an endpoint; its pending deliveries fail. False if it was off."""
    now = timezone.now()
    changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False, disabled_reason=reason[:300], disabled_at=now, updated_at=now
    )
    if not changed:
        return False
    WebhookDelivery.objects.filter(
        endpoint_id=endpoint.pk, status=WebhookDelivery.Status.PENDING
    ).update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None, last_error=reason[:500])
    endpoint.is_active, endpoint.disabled_reason, endpoint.disabled_at = False, reason, now
    endpoint_disabled.send(
        sender=WebhookEndpoint,
        endpoint_id=endpoint.pk,
        owner_id=endpoint.owner_id,
        url=endpoint.url,
        reason=reason,
    )
    return True


def record_events(pending: Iterable[PendingEvent], *, now: dt.datetime | None = None) -> int:
    """Write each event with one delivery per active endpoint of its owner that wants it.

    Runs in the caller's transaction (the outbox): the rows commit or roll back
    with the change that caused them. An event no endpoint wants is not written.
    Returns how many deliveries were written.
    """
    pending = list(pending)
    if not pending:
        return 0
    endpoints = list(
        WebhookEndpoint.objects.filter(
            owner_id__in={event.owner_id for event in pending}, is_active=True
        ).only("pk", "owner_id", "events")
    )
    targets = [
        (event, [e for e in endpoints if e.owner_id == event.owner_id and e.wants(event.type)])
        for event in pending
    ]
    targets = [(event, chosen) for event, chosen in targets if chosen]
    if not targets:
        return 0
    return write_deliveries(targets, now=now)


def record_event(*, owner_id: int, type: str, data: dict) -> int:
    """Record one event for ``owner_id`` (e.g. ``entitlement.limit_reached``) in the caller's
    transaction. Returns how many deliveries were written (0: no endpoint wants it)."""
    if type not in EventType.values:
        raise ValueError(f"Unknown webhook event type {type!r}.")
    return record_events([PendingEvent(owner_id, type, data)])


@transaction.atomic(savepoint=False)
def write_deliveries(targets, *, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    events = WebhookEvent.objects.bulk_create(
        WebhookEvent(owner_id=event.owner_id, type=event.type, data=event.data, created_at=now)
        for event, _ in targets
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(event=row, endpoint_id=endpoint.pk, next_attempt_at=now)
        for row, (_, chosen) in zip(events, targets, strict=True)
        for endpoint in chosen
    )
    wake_dispatcher()
    return len(deliveries)


@transaction.atomic
def send_test(endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a ``webhook.test`` event for this endpoint alone (even a disabled one)."""
    now = timezone.now()
    event = WebhookEvent.objects.create(
        owner_id=endpoint.owner_id,
        type=EventType.WEBHOOK_TEST,
        data={"endpoint_id": endpoint.pk, "message": "A test from Herald."},
        created_at=now,
    )
    delivery = WebhookDelivery.objects.create(event=event, endpoint=endpoint, next_attempt_at=now)
    wake_dispatcher()
    return delivery


@transaction.atomic
def resend_delivery(delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now, with the same ``webhook-id``, and a fresh retry schedule."""
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.PENDING, retries=0, next_attempt_at=now
    )
    delivery.refresh_from_db()
    wake_dispatcher()
    return delivery


@transaction.atomic
def replay_since(endpoint: WebhookEndpoint, since: dt.datetime) -> int:
    """Queue again every event of the endpoint's owner since ``since`` that it subscribes to
    (each with its original ``webhook-id``). Returns how many were queued."""
    now = timezone.now()
    events = WebhookEvent.objects.filter(owner_id=endpoint.owner_id, created_at__gte=since)
    if ALL_EVENTS not in endpoint.events:
        events = events.filter(type__in=endpoint.events)
    else:
        events = events.exclude(type=EventType.WEBHOOK_TEST)
    event_ids = list(events.values_list("pk", flat=True))
    if not event_ids:
        return 0
    existing = set(
        WebhookDelivery.objects.filter(endpoint=endpoint, event_id__in=event_ids).values_list(
            "event_id", flat=True
        )
    )
    WebhookDelivery.objects.filter(endpoint=endpoint, event_id__in=existing).update(
        status=WebhookDelivery.Status.PENDING, retries=0, next_attempt_at=now
    )
    WebhookDelivery.objects.bulk_create(
        (
            WebhookDelivery(event_id=pk, endpoint=endpoint, next_attempt_at=now)
            for pk in event_ids
            if pk not in existing
        ),
        ignore_conflicts=True,
    )
    wake_dispatcher()
    return len(event_ids)


def prune_deliveries(*, older_than_days: int, now: dt.datetime | None = None) -> int:
    """Delete deliveries (with their attempts) and events older than the retention.

    A pending delivery to an active endpoint is kept whatever its age: it still has
    somewhere to go.
    """
    cutoff = (now or timezone.now()) - dt.timedelta(days=older_than_days)
    _, deleted = (
        WebhookDelivery.objects.filter(created_at__lt=cutoff)
        .exclude(status=WebhookDelivery.Status.PENDING, endpoint__is_active=True)
        .delete()
    )
    WebhookEvent.objects.filter(created_at__lt=cutoff).exclude(
        deliveries__status=WebhookDelivery.Status.PENDING
    ).delete()
    return deleted.get(WebhookDelivery._meta.label, 0)
