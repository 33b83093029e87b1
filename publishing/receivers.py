"""What publishing does when other apps signal a change."""

from django.dispatch import receiver
from django.utils import timezone

from content.choices import Status
from entitlements.signals import limits_changed
from integrations.signals import integration_released
from publishing.holds import HoldKind
from publishing.models import Publication


@receiver(integration_released)
def release_paused_holds(sender, integration, **kwargs) -> int:
    """Make the rows a paused account held due now; the next poll dispatches them."""
    return Publication.objects.filter(
        integration=integration, status=Status.QUEUED, hold_kind=HoldKind.PAUSED_ACCOUNT
    ).update(next_attempt_at=timezone.now())


@receiver(limits_changed)
def release_plan_holds(sender, user_ids, **kwargs) -> int:
    """Make the rows a plan held due now, for these users (None: every user).

    The engine asks the plan again when it claims them, and holds again what it
    still refuses: releasing too much is harmless, releasing too little is not.
    """
    held = Publication.objects.filter(status=Status.QUEUED, hold_kind=HoldKind.PLAN)
    if user_ids is not None:
        held = held.filter(content__owner_id__in=user_ids)
    return held.update(next_attempt_at=timezone.now())
