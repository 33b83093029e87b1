"""Per-user and anonymous request rates, read from settings at each request.

Reading the rate at request time (DRF reads it once, at import) lets tests and
deployments change ``API_THROTTLE_USER`` / ``API_THROTTLE_ANON`` in settings.
"""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class UserThrottle(UserRateThrottle):
    def get_rate(self) -> str:
        return settings.API_THROTTLE_USER


class AnonThrottle(AnonRateThrottle):
    def get_rate(self) -> str:
        return settings.API_THROTTLE_ANON
