"""Settings for benchmarks: Herald's own, with the platforms replaced by a fake."""

from config.settings import *  # noqa: F403
from config.settings import PLATFORM_RATE_LIMITS

PLATFORM_MODULES = dict.fromkeys(PLATFORM_RATE_LIMITS, "bench.fake_platform")
# The benchmark measures the engine, not the limits: open every window wide.
PLATFORM_RATE_LIMITS = dict.fromkeys(PLATFORM_RATE_LIMITS, (1_000_000, 3600))
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# As in production: DEBUG off, so no SQL is logged per query.
DEBUG = False
