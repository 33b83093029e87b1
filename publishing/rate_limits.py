"""Per-platform, per-account rate limits: a sliding window, exact.

``Publication.rate_slot_at`` is the record of every slot taken, so the
database can always count a window exactly. With Redis configured, a sorted
set per account answers first (one atomic Lua call, no database lock); the
database count takes over whenever Redis is absent or unreachable. A Redis
window that is missing (after a restart or expiry) or that missed slots
taken during an outage is rebuilt from the database before it is trusted.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from publishing.models import Publication

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlotDecision:
    granted: bool
    free_at: dt.datetime | None = None  # when a slot frees, if not granted


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def to_microseconds(value: dt.datetime | dt.timedelta) -> int:
    delta = value - EPOCH if isinstance(value, dt.datetime) else value
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


# Reserve ``member`` in the window of KEYS[1]. ARGV: now_us, window_us, limit,
# member, seed_flag, then score/member pairs to seed a missing window with.
# Returns {1, 0} when granted, {0, free_at_us} when full, {-1, 0} when the
# window is missing and no seed was given (the caller then seeds it).
RESERVE_SCRIPT = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local member = ARGV[4]
if redis.call('EXISTS', key) == 0 then
  if ARGV[5] == '0' then return {-1, 0} end
  for i = 6, #ARGV, 2 do redis.call('ZADD', key, ARGV[i], ARGV[i + 1]) end
end
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local holds = redis.call('ZSCORE', key, member)
local count = redis.call('ZCARD', key)
if holds or count < limit then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, math.ceil(window / 1000))
  return {1, 0}
end
local oldest = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
return {0, tonumber(oldest[2]) + window}
"""


class RedisWindows:
    """The Redis side, with what it needs to recover from an outage."""

    def __init__(self):
        self._lock = threading.Lock()
        self._script = None
        self._stale_keys: set[str] = set()  # windows that missed slots while Redis was down
        self.degraded = False

    def client(self):
        from django_redis import get_redis_connection

        return get_redis_connection("default")

    def reserve(
        self, key: str, limit: int, window: dt.timedelta, member: str, seed, now: dt.datetime
    ) -> SlotDecision:
        """Raises ``redis.RedisError`` when Redis cannot answer."""
        client = self.client()
        with self._lock:
            stale = list(self._stale_keys)
        if stale:
            client.delete(*stale)
            with self._lock:
                self._stale_keys.difference_update(stale)
        if self._script is None:
            self._script = client.register_script(RESERVE_SCRIPT)
        # Scores are epoch microseconds: exact in a double, and equal to the
        # database's rate_slot_at, so both limiters name the same free moment.
        now_us = to_microseconds(now)
        window_us = to_microseconds(window)
        args = [now_us, window_us, limit, member, 0]
        status, free_at_us = self._script(keys=[key], args=args, client=client)
        if status == -1:
            args[4] = 1
            for slot_at, pk in seed():
                args += [to_microseconds(slot_at), str(pk)]
            status, free_at_us = self._script(keys=[key], args=args, client=client)
        if self.degraded:
            self.degraded = False
            logger.warning("Redis answers again: rate limits are back on Redis.")
        if status == 1:
            return SlotDecision(True)
        free_at = EPOCH + dt.timedelta(microseconds=int(free_at_us))
        return SlotDecision(False, free_at)

    def mark_stale(self, key: str) -> None:
        with self._lock:
            self._stale_keys.add(key)


redis_windows = RedisWindows()


def limit_for(platform: str) -> tuple[int, dt.timedelta]:
    count, seconds = settings.PLATFORM_RATE_LIMITS[platform]
    return count, dt.timedelta(seconds=seconds)


def window_key(platform: str, account_key: str) -> str:
    return f"herald:rate:{platform}:{account_key}"


def reserve_slot(publication: Publication, now: dt.datetime | None = None) -> SlotDecision:
    """Take one slot of the account's window for ``publication``, or say when one frees.

    Must run inside the transaction that records ``rate_slot_at`` for the
    publication, so the database count and the slot are committed together.
    """
    now = now or timezone.now()
    limit, window = limit_for(publication.platform)
    key = window_key(publication.platform, publication.account_key)
    if settings.REDIS_URL:
        import redis

        try:
            return redis_windows.reserve(
                key,
                limit,
                window,
                str(publication.pk),
                seed=lambda: slots_in_window(publication, now - window),
                now=now,
            )
        except redis.RedisError as error:
            if not redis_windows.degraded:
                logger.warning(
                    "Redis is unreachable (%s): rate limits fall back to the database.",
                    type(error).__name__,
                )
            redis_windows.degraded = True
            redis_windows.mark_stale(key)
    return reserve_in_database(publication, limit, window, now)


def slots_in_window(publication: Publication, since: dt.datetime) -> list[tuple[dt.datetime, int]]:
    """(rate_slot_at, id) of every other publication holding a slot of this account since ``since``."""
    return list(
        Publication.objects.filter(
            platform=publication.platform,
            account_key=publication.account_key,
            rate_slot_at__gt=since,
        )
        .exclude(pk=publication.pk)
        .order_by("rate_slot_at")
        .values_list("rate_slot_at", "pk")
    )


def reserve_in_database(
    publication: Publication, limit: int, window: dt.timedelta, now: dt.datetime
) -> SlotDecision:
    """Exact count of the window under an account-wide lock."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reserve_in_database must run inside the claiming transaction.")
    lock_account(window_key(publication.platform, publication.account_key))
    slots = slots_in_window(publication, now - window)
    if len(slots) < limit:
        return SlotDecision(True)
    free_at = slots[len(slots) - limit][0] + window
    return SlotDecision(False, free_at)


def lock_account(key: str) -> None:
    """Serialize reservations of one account until the transaction ends.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: the settings open
    every transaction IMMEDIATE, so writers are serialized already.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])


# --- Reading the windows (admin, dashboard) --------------------------------------------


@dataclass(frozen=True)
class WindowUse:
    """How much of an account's window is taken now."""

    platform: str
    account_key: str
    used: int
    limit: int
    window_seconds: int

    @property
    def full(self) -> bool:
        return self.used >= self.limit


def window_use(account_key: str, platform: str, now: dt.datetime | None = None) -> WindowUse:
    """The current use of one account's window: ``used``, ``limit``, ``window_seconds``."""
    return window_uses([(platform, account_key)], now)[(platform, account_key)]


def window_uses(
    accounts: Iterable[tuple[str, str]], now: dt.datetime | None = None
) -> dict[tuple[str, str], WindowUse]:
    """The current use of each ``(platform, account_key)`` window, read-only.

    With Redis configured: one pipelined call for all of them, as the limiter
    counts; a window Redis does not hold (yet), or Redis unreachable, is
    counted from the database. Without Redis: one database query for all.
    """
    now = now or timezone.now()
    accounts = set(accounts)
    if not accounts:
        return {}
    counts: dict[tuple[str, str], int] = {}
    if settings.REDIS_URL:
        import redis

        try:
            counts = redis_window_counts(accounts, now)
        except redis.RedisError as error:
            logger.warning("Redis is unreachable (%s): counting windows in the database.", error)
    missing = accounts - counts.keys()
    if missing:
        counts.update(database_window_counts(missing, now))
    uses = {}
    for platform, account_key in accounts:
        limit, window = limit_for(platform)
        uses[(platform, account_key)] = WindowUse(
            platform=platform,
            account_key=account_key,
            used=counts.get((platform, account_key), 0),
            limit=limit,
            window_seconds=int(window.total_seconds()),
        )
    return uses


def redis_window_counts(
    accounts: set[tuple[str, str]], now: dt.datetime
) -> dict[tuple[str, str], int]:
    """Slots in each window Redis holds, in one round trip; absent windows are left out."""
    ordered = sorted(accounts)
    pipeline = redis_windows.client().pipeline(transaction=False)
    now_us = to_microseconds(now)
    for platform, account_key in ordered:
        key = window_key(platform, account_key)
        since_us = now_us - to_microseconds(limit_for(platform)[1])
        pipeline.exists(key)
        # Exclusive lower bound: the limiter drops slots at or before now - window.
        pipeline.zcount(key, f"({since_us}", "+inf")
    answers = pipeline.execute()
    counts = {}
    for index, account in enumerate(ordered):
        exists, count = answers[2 * index], answers[2 * index + 1]
        if exists:
            counts[account] = int(count)
    return counts


def database_window_counts(
    accounts: set[tuple[str, str]], now: dt.datetime
) -> dict[tuple[str, str], int]:
    """Slots in each window, counted from ``rate_slot_at`` in one grouped query."""
    by_platform: dict[str, set[str]] = {}
    for platform, account_key in accounts:
        by_platform.setdefault(platform, set()).add(account_key)
    in_windows = Q()
    for platform, keys in by_platform.items():
        in_windows |= Q(
            platform=platform,
            account_key__in=keys,
            rate_slot_at__gt=now - limit_for(platform)[1],
        )
    rows = (
        Publication.objects.filter(in_windows)
        .values_list("platform", "account_key")
        .annotate(used=Count("pk"))
        .order_by()
    )
    return {(platform, account_key): used for platform, account_key, used in rows}


def busy_windows(now: dt.datetime | None = None) -> list[WindowUse]:
    """Every account with a slot taken in its current window, fullest first.

    Which accounts: the database record (``rate_slot_at``); how full: as
    ``window_uses`` reads it. Two round trips whatever the number of accounts.
    """
    now = now or timezone.now()
    in_windows = Q()
    for platform in settings.PLATFORM_RATE_LIMITS:
        in_windows |= Q(platform=platform, rate_slot_at__gt=now - limit_for(platform)[1])
    accounts = set(
        Publication.objects.filter(in_windows)
        .values_list("platform", "account_key")
        .distinct()
        .order_by()
    )
    uses = window_uses(accounts, now)
    return sorted(uses.values(), key=lambda u: (-u.used / u.limit, u.platform, u.account_key))
