"""Request rates: a signed-in user's is their plan's API rate; anonymous clients' is in settings.

A user's rate is read at each request, from the cache: the plan is asked at most
once per ``PLAN_RATE_TTL`` seconds per user, and ``entitlements.signals.limits_changed``
(an entitlement or a plan saved) forgets what was cached, so a new plan applies at the
next request. A plan without a rate, and a superuser, are not throttled.

Reading the settings rates at request time (DRF reads them once, at import) lets tests
and deployments change ``API_THROTTLE_ANON`` (and ``API_THROTTLE_USER``, the rate of
anonymous requests by address and of the default plan when it is created).
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from entitlements.services import api_rate

# How long a user's plan rate is kept in the cache; a plan change forgets it at once.
PLAN_RATE_TTL = 60
GENERATION_KEY = "api:plan-rate:generation"
UNLIMITED = "unlimited"


def rate_key(user_id: int) -> str:
    # The generation moves on when any plan changes, which forgets every user's rate at once.
    return f"api:plan-rate:{cache.get(GENERATION_KEY, 0)}:{user_id}"


def plan_rate(user) -> str | None:
    """``user``'s API rate from their plan (``1000/hour``), or None: not throttled."""
    if user.is_superuser:
        return None
    key = rate_key(user.pk)
    cached = cache.get(key)
    if cached is None:
        cached = api_rate(user) or UNLIMITED
        cache.set(key, cached, PLAN_RATE_TTL)
    return None if cached == UNLIMITED else cached


def forget_plan_rates(user_ids: list[int] | None) -> None:
    """The limits of ``user_ids`` (None: of anyone) changed: read their rates again."""
    if user_ids is None:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # no generation yet
            cache.set(GENERATION_KEY, 1, None)
        return
    cache.delete_many([rate_key(user_id) for user_id in user_ids])


class UserThrottle(UserRateThrottle):
    """Per user at their plan's rate; per address at ``API_THROTTLE_USER`` when signed out."""

    def get_rate(self) -> str:
        return settings.API_THROTTLE_USER

    def allow_request(self, request, view) -> bool:
        user = request.user
        if user and user.is_authenticated:
            rate = plan_rate(user)
            if rate is None:
                return True
            self.rate = rate
            self.num_requests, self.duration = self.parse_rate(rate)
        return super().allow_request(request, view)


class AnonThrottle(AnonRateThrottle):
    def get_rate(self) -> str:
        return settings.API_THROTTLE_ANON
