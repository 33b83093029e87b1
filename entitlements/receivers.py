"""Keep one entitlement per user, and say when limits in force may have changed."""

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from entitlements import signals
from entitlements.models import Entitlement, Plan
from entitlements.services import default_plan


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def give_new_user_the_default_plan(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw:
        Entitlement.objects.get_or_create(user_id=instance.pk, defaults={"plan": default_plan()})


@receiver(post_save, sender=Entitlement)
@receiver(post_delete, sender=Entitlement)
def entitlement_changed(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        announce_after_commit([instance.user_id])


@receiver(post_save, sender=Plan)
def plan_changed(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        announce_after_commit(None)


def announce_after_commit(user_ids: list[int] | None) -> None:
    """After the commit, so listeners that re-check a user's limits read the new ones."""
    transaction.on_commit(
        lambda: signals.limits_changed.send(sender=None, user_ids=user_ids), robust=True
    )
