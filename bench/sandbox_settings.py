"""Settings for the drills' sandbox servers: the drill settings, made cheaper to serve.

The sandbox stands in for four platforms and must not be what limits a drill: it
runs with DEBUG off, its API views need no session, CSRF, authentication, messages or waffle
middleware (they read their tokens from each request); a drill never reads
the sandbox's database after a crash of it, so its commits need not wait for the
disk; and the sandbox's own per-account limits, opened wide for the drills
(bench/drill_settings.py), are not counted at all (six statements a request).
"""

from bench.drill_settings import *  # noqa: F403
from bench.drill_settings import DATABASES

# No SQL logged per query. The checks that want production variables with DEBUG off
# were settled when config.settings was read (DJANGO_DEBUG is on in the drills).
DEBUG = False
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
SANDBOX_COUNT_RATE_LIMITS = False
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"
