"""The sandbox's own per-account limits, counted in fixed windows in the database.

Counting in the database rather than the cache keeps the count shared between
server threads and processes, and lets each test start from zero.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sandbox import emulations
from sandbox.models import SandboxPost, SandboxRateWindow


def rate_limit(name: str) -> tuple[int, int]:
    """Return ``(count, window_seconds)`` for a limit, with SANDBOX_RATE_LIMITS overriding.

    The defaults are each emulation's own (``Emulation.rate_limits``): generous, so
    that only a test or a deliberately small SANDBOX_RATE_LIMITS ever reaches them.
    """
    overrides = getattr(settings, "SANDBOX_RATE_LIMITS", {}) or {}
    count, window = overrides.get(name) or emulations.rate_limits()[name]
    return int(count), max(int(window), 1)


@dataclass(frozen=True)
class RateState:
    """Where an account stands in the current window of one limit."""

    limit: int
    remaining: int
    resets_at: dt.datetime
    exceeded: bool

    @property
    def reset_epoch(self) -> int:
        return math.ceil(self.resets_at.timestamp())

    def seconds_to_reset(self) -> float:
        return max((self.resets_at - timezone.now()).total_seconds(), 0.0)


def _window(name: str, now: dt.datetime) -> tuple[int, dt.datetime, dt.datetime]:
    count, seconds = rate_limit(name)
    start_epoch = int(now.timestamp()) // seconds * seconds
    start = dt.datetime.fromtimestamp(start_epoch, tz=dt.UTC)
    return count, start, start + dt.timedelta(seconds=seconds)


def counting_limits() -> bool:
    """False when ``SANDBOX_COUNT_RATE_LIMITS`` is off (the fault drills' sandbox servers)."""
    return getattr(settings, "SANDBOX_COUNT_RATE_LIMITS", True)


def take_rate_slot(name: str, account: str) -> RateState:
    """Count one request for ``account`` against limit ``name``; say if it is over.

    With ``SANDBOX_COUNT_RATE_LIMITS`` off (the fault drills, whose limits are wide
    open), nothing is counted: every request gets a fresh window's state, and the
    sandbox spends no database work on limits nobody can reach.
    """
    if not counting_limits():
        return untouched_rate_state(name)
    now = timezone.now()
    limit, start, resets_at = _window(name, now)
    with transaction.atomic():
        row, _ = SandboxRateWindow.objects.get_or_create(
            limit_name=name,
            account=account,
            window_start=start,
            defaults={"resets_at": resets_at},
        )
        # Conditional increment, so concurrent requests cannot overshoot the limit.
        taken = SandboxRateWindow.objects.filter(pk=row.pk, count__lt=limit).update(
            count=F("count") + 1
        )
        row.refresh_from_db(fields=["count"])
    SandboxRateWindow.objects.filter(limit_name=name, account=account, resets_at__lt=now).delete()
    return RateState(
        limit=limit,
        remaining=max(limit - row.count, 0),
        resets_at=resets_at,
        exceeded=not taken,
    )


def posts_in_window(name: str, platform: str, account: str) -> int:
    """Posts ``account`` made on ``platform`` in limit ``name``'s rolling window.

    Instagram's publishing quota and YouTube's upload limit are counted over
    the posts themselves. With ``SANDBOX_COUNT_RATE_LIMITS`` off, as for every
    other limit, nothing is counted: the window is always empty.
    """
    if not counting_limits():
        return 0
    _, window = rate_limit(name)
    since = timezone.now() - dt.timedelta(seconds=window)
    return SandboxPost.objects.filter(
        platform=platform, account=account, created_at__gte=since
    ).count()


def untouched_rate_state(name: str) -> RateState:
    """The state of a fresh window, for answers that no account can be charged for."""
    limit, _, resets_at = _window(name, timezone.now())
    return RateState(limit=limit, remaining=limit, resets_at=resets_at, exceeded=False)
