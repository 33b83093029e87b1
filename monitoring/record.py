"""What the engine and the platform client record, by name: one call per event.

The label sets are small and fixed (platform, outcome, class, source): never an
id, so the number of series stays the same whatever the data. The collector
reads the same definitions, so a scrape shows every series, 0 before its first
event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from content.choices import Platform
from monitoring import store
from platforms.base import AuthError, PlatformError, RateLimited, TransientError


@dataclass(frozen=True)
class EventMetric:
    name: str  # as exposed; counters without their "_total"
    documentation: str
    labels: dict[str, tuple[str, ...]]  # label -> every value it takes
    buckets: tuple[float, ...] = ()  # histograms only


PLATFORMS = tuple(Platform.values)
# For a request whose caller names no known platform (see platforms/http.py).
OTHER_PLATFORM = "other"

OUTCOMES = ("ok", "client_error", "auth", "rate_limited", "server_error", "timeout", "network")
ERROR_CLASSES = ("transient", "permanent", "auth", "rate_limited")
HERALD, PLATFORM = "herald", "platform"

PUBLISH_LAG = EventMetric(
    "herald_publish_lag_seconds",
    "Seconds from a post's scheduled time to its first request to the platform.",
    {"platform": PLATFORMS},
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800),
)
PLATFORM_REQUEST = EventMetric(
    "herald_platform_request_duration_seconds",
    "Duration of each HTTP call to a platform or its OAuth server, by outcome.",
    {"platform": (*PLATFORMS, OTHER_PLATFORM), "outcome": OUTCOMES},
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
PLATFORM_ERRORS = EventMetric(
    "herald_platform_errors",
    "Publish attempts that ended in a platform error, by the engine's error class.",
    {"platform": PLATFORMS, "class": ERROR_CLASSES},
)
RATE_LIMIT_HOLDS = EventMetric(
    "herald_rate_limit_holds",
    "Times a post was held by a rate limit: Herald's own window was full (herald), "
    "or the platform answered that we must wait (platform).",
    {"platform": PLATFORMS, "source": (HERALD, PLATFORM)},
)
TICK_PASS = EventMetric(
    "herald_tick_pass_duration_seconds",
    "Duration of one pass of the tick's loop (recover, hold, dispatch).",
    {},
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

ANALYTICS_CALLS = EventMetric(
    "herald_analytics_calls",
    "Calls the analytics collector made to a platform's metrics endpoint.",
    {"platform": PLATFORMS},
)
ANALYTICS_ERRORS = EventMetric(
    "herald_analytics_errors",
    "Collector calls that ended in a platform error, by the engine's error class.",
    {"platform": PLATFORMS, "class": ERROR_CLASSES},
)
ANALYTICS_SKIPPED = EventMetric(
    "herald_analytics_accounts_skipped",
    "Accounts a collector run skipped because they cannot act until their owner does "
    "something (reconnect, resume); their posts wait, they are not failed.",
    {
        "platform": PLATFORMS,
        "reason": ("needs_reauth", "expired", "revoked", "paused", "not_connected"),
    },
)
ANALYTICS_SNAPSHOTS = EventMetric(
    "herald_analytics_snapshots",
    "Snapshots written (ok) and posts found deleted on their platform (gone).",
    {"outcome": ("ok", "gone")},
)

COUNTERS = (
    PLATFORM_ERRORS,
    RATE_LIMIT_HOLDS,
    ANALYTICS_CALLS,
    ANALYTICS_ERRORS,
    ANALYTICS_SKIPPED,
    ANALYTICS_SNAPSHOTS,
)
HISTOGRAMS = (PUBLISH_LAG, PLATFORM_REQUEST, TICK_PASS)


def publish_lag(platform: str, scheduled_for: dt.datetime, sent_at: dt.datetime) -> None:
    """A publication's first request goes out ``sent_at``; it was due ``scheduled_for``."""
    lag = max(0.0, (sent_at - scheduled_for).total_seconds())
    store.observe(PUBLISH_LAG.name, {"platform": platform}, lag, PUBLISH_LAG.buckets)


def request_outcome(status_code: int) -> str:
    """The outcome label of an HTTP answer."""
    if status_code in (401, 403):
        return "auth"
    if status_code == 429:
        return "rate_limited"
    if status_code >= 500:
        return "server_error"
    if status_code >= 400:
        return "client_error"
    return "ok"


def platform_request(platform: str, outcome: str, seconds: float) -> None:
    store.observe(
        PLATFORM_REQUEST.name,
        {"platform": platform, "outcome": outcome},
        seconds,
        PLATFORM_REQUEST.buckets,
    )


def error_class(error: PlatformError) -> str:
    """The engine's class of a platform error; an unknown class is handled as permanent."""
    if isinstance(error, RateLimited):
        return "rate_limited"
    if isinstance(error, AuthError):
        return "auth"
    if isinstance(error, TransientError):
        return "transient"
    return "permanent"


def platform_error(platform: str, error: PlatformError) -> None:
    """An attempt ended in ``error``; a RateLimited answer also counts as a platform hold."""
    kind = error_class(error)
    store.increment(PLATFORM_ERRORS.name, {"platform": platform, "class": kind})
    if kind == "rate_limited":
        rate_limit_hold(platform, source=PLATFORM)


def rate_limit_hold(platform: str, *, source: str) -> None:
    store.increment(RATE_LIMIT_HOLDS.name, {"platform": platform, "source": source})


def tick_pass(seconds: float) -> None:
    store.observe(TICK_PASS.name, {}, seconds, TICK_PASS.buckets)


def collector_run(report) -> None:
    """One analytics collector run (analytics.services.CollectionReport)."""
    for platform, calls in report.calls.items():
        store.increment(ANALYTICS_CALLS.name, {"platform": platform}, calls)
    for (platform, kind), errors in report.errors.items():
        store.increment(ANALYTICS_ERRORS.name, {"platform": platform, "class": kind}, errors)
    for (platform, reason), accounts in report.skipped.items():
        store.increment(ANALYTICS_SKIPPED.name, {"platform": platform, "reason": reason}, accounts)
    if report.snapshots:
        store.increment(ANALYTICS_SNAPSHOTS.name, {"outcome": "ok"}, report.snapshots)
    if report.gone:
        store.increment(ANALYTICS_SNAPSHOTS.name, {"outcome": "gone"}, report.gone)
