"""Turning the signals of other apps into notices, inside the sender's transaction.

Receivers only pass the facts on to notifications/services.py. Of the webhooks app
only its signal is read: a disabled endpoint is told to its owner and the operators.
"""

from django.dispatch import receiver

from content.choices import Status
from integrations.signals import integration_expiring, integration_needs_reauth
from notifications import services
from notifications.models import Kind
from publishing.signals import publications_moved
from webhooks.signals import endpoint_disabled


@receiver(publications_moved)
def notice_failed_publications(sender, publication_ids, from_statuses, to_status, **kwargs) -> int:
    """Failed and in-doubt posts. Any other move costs no query at all."""
    if to_status != Status.FAILED:
        return 0
    return services.record_publication_failures(publication_ids, from_statuses)


@receiver(integration_needs_reauth)
def notice_needs_reauth(sender, integration_id, message, **kwargs) -> int:
    return services.record_integration_notice(
        integration_id, Kind.INTEGRATION_NEEDS_REAUTH, message
    )


@receiver(integration_expiring)
def notice_expiring(sender, integration_id, expires_at, **kwargs) -> int:
    """The daily check repeats itself every day: one notice per account and expiry date."""
    return services.record_integration_notice(
        integration_id,
        Kind.INTEGRATION_EXPIRING,
        f"Its access expires on {expires_at:%Y-%m-%d %H:%M} UTC and cannot be refreshed.",
        dedupe_key=f"integration_expiring:{integration_id}:{expires_at.isoformat()}",
    )


@receiver(endpoint_disabled)
def notify_endpoint_disabled(sender, endpoint_id, owner_id, url, reason, **kwargs) -> int:
    """Receiver for ``webhooks.signals.endpoint_disabled``: tell the owner and the operators."""
    return services.record_endpoint_disabled(
        endpoint_id=endpoint_id, owner_id=owner_id, url=url, reason=reason
    )
