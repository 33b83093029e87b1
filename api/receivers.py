"""The API listens to entitlements: a plan or an entitlement changed, so rates are read again."""

from django.dispatch import receiver

from api.throttling import forget_plan_rates
from entitlements import signals


@receiver(signals.limits_changed)
def plan_rates_changed(sender, user_ids=None, **kwargs) -> None:
    forget_plan_rates(user_ids)
