"""What publishing does when other apps signal a change."""

from django.dispatch import receiver
from django.utils import timezone

from content.choices import Status
from integrations.signals import integration_released
from publishing.holds import HoldKind
from publishing.models import Publication


@receiver(integration_released)
def release_paused_holds(sender, integration, **kwargs) -> int:
    """Make the rows a paused account held due now; the next poll dispatches them."""
    return Publication.objects.filter(
        integration=integration, status=Status.QUEUED, hold_kind=HoldKind.PAUSED_ACCOUNT
    ).update(next_attempt_at=timezone.now())
