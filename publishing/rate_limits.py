"""Per-platform, per-account rate limits: a sliding window, exact.

``Publication.rate_slot_at`` is the record of every slot taken, so the
database can always count a window exactly. With Redis configured, a sorted
set per account answers first (one atomic Lua call, no database lock); the
database count takes over whenever Redis is absent or unreachable. A Redis
window that is missing (after a restart or expiry) or that missed slots
taken during an outage is rebuilt from the database before it is trusted.

Every reservation, on Redis or on the database, holds its accounts' advisory
locks until its claiming transaction ends. A window is only rebuilt (or a stale
one dropped) under those locks, so the rebuild sees every slot granted before
it: a claim that took its slot in Redis just before Redis lost its memory has
committed its ``rate_slot_at`` by the time the lock is free.

``reserve_slots`` takes the slots of a whole claimed batch at once: one Lua
call over every account's window (a second one only for windows Redis must
rebuild), or, on the database, one advisory-lock statement and one count.
A publication it refuses is told when its own turn comes, not merely when
the next slot frees: the i-th publication waiting for an account is due when
the i-th slot frees, counting the ones already waiting. So a backlog behind
a full window comes back one row per freed slot instead of all at once.
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from content.choices import Status
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


# Take ``member``'s slot of the window of KEYS[1] at ``now``, counting the other
# members only (a slot it holds already moves to ``now`` if the window still has
# room without it, and is given up if not). ARGV: now_us, window_us, limit,
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
redis.call('ZREM', key, member)
local count = redis.call('ZCARD', key)
if count < limit then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, math.ceil(window / 1000))
  return {1, 0}
end
local oldest = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
return {0, tonumber(oldest[2]) + window}
"""


# Reserve many members in many windows at once. ARGV[1] = now_us; then, per key:
# window_us, limit, seed_flag, member count n, seed pair count s, the n members, then s
# score/member pairs to seed a missing window with. Returns, per key, {-1} when the
# window is missing and no seed was given (nothing reserved there: the caller seeds it
# and asks again), else {1, granted members, the window's scores when one was refused}.
RESERVE_MANY_SCRIPT = """
local now = tonumber(ARGV[1])
local pos = 2
local out = {}
for k = 1, #KEYS do
  local key = KEYS[k]
  local window = tonumber(ARGV[pos])
  local limit = tonumber(ARGV[pos + 1])
  local seeded = ARGV[pos + 2]
  local n = tonumber(ARGV[pos + 3])
  local s = tonumber(ARGV[pos + 4])
  local first_member = pos + 5
  local first_seed = first_member + n
  pos = first_seed + 2 * s
  local exists = redis.call('EXISTS', key) == 1
  if not exists and seeded == '0' then
    out[k] = {-1}
  else
    if not exists then
      for i = first_seed, first_seed + 2 * s - 1, 2 do
        redis.call('ZADD', key, ARGV[i], ARGV[i + 1])
      end
    end
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
    local granted = {}
    local refused = false
    for i = first_member, first_member + n - 1 do
      local member = ARGV[i]
      if redis.call('ZSCORE', key, member) or redis.call('ZCARD', key) < limit then
        redis.call('ZADD', key, now, member)
        granted[#granted + 1] = member
      else
        refused = true
      end
    end
    if redis.call('EXISTS', key) == 1 then
      redis.call('PEXPIRE', key, math.ceil(window / 1000))
    end
    local scores = {}
    if refused then
      local all = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
      for i = 2, #all, 2 do scores[#scores + 1] = all[i] end
    end
    out[k] = {1, granted, scores}
  end
end
return out
"""


class RedisWindows:
    """The Redis side, with what it needs to recover from an outage."""

    def __init__(self):
        self._lock = threading.Lock()
        self._script = None
        self._many_script = None
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
        self.drop_stale(client, [key])
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

    def reserve_many(self, requests: list[WindowRequest], now: dt.datetime, seed) -> None:
        """Fill each request's ``granted`` and ``slots`` in one Lua call (two when windows
        must be rebuilt: ``seed(missing requests)`` gives each one's (slot_at, id) pairs).

        Raises ``redis.RedisError`` when Redis cannot answer.
        """
        client = self.client()
        self.drop_stale(client, [request.key for request in requests])
        if self._many_script is None:
            self._many_script = client.register_script(RESERVE_MANY_SCRIPT)
        now_us = to_microseconds(now)

        def call(batch: list[WindowRequest], seeds: dict[str, list] | None):
            args: list = [now_us]
            for request in batch:
                pairs = seeds.get(request.key, []) if seeds is not None else []
                args += [
                    to_microseconds(request.window),
                    request.limit,
                    0 if seeds is None else 1,
                    len(request.members),
                    len(pairs),
                    *request.members,
                ]
                for slot_at, pk in pairs:
                    args += [to_microseconds(slot_at), str(pk)]
            return self._many_script(keys=[r.key for r in batch], args=args, client=client)

        answers = call(requests, None)
        missing = []
        for request, answer in zip(requests, answers, strict=True):
            if int(answer[0]) == -1:
                missing.append(request)
            else:
                request.take_answer(answer)
        if missing:
            seeds = {request.key: pairs for request, pairs in seed(missing).items()}
            for request, answer in zip(missing, call(missing, seeds), strict=True):
                request.take_answer(answer)
        if self.degraded:
            self.degraded = False
            logger.warning("Redis answers again: rate limits are back on Redis.")

    def drop_stale(self, client, keys: list[str]) -> None:
        """Delete those of ``keys`` that missed slots during an outage, to be rebuilt.

        Only the windows whose account locks the caller holds: another process may be
        between taking a slot of any other window and committing it.
        """
        with self._lock:
            stale = [key for key in keys if key in self._stale_keys]
        if stale:
            client.delete(*stale)
            with self._lock:
                self._stale_keys.difference_update(stale)

    def mark_stale(self, key: str) -> None:
        with self._lock:
            self._stale_keys.add(key)


redis_windows = RedisWindows()


@dataclass(eq=False)
class WindowRequest:
    """The slots a batch asks of one account's window, and the answer."""

    platform: str
    account_key: str
    limit: int
    window: dt.timedelta
    publications: list  # in the order they are due
    granted: set[int] = field(default_factory=set)
    slots: list[dt.datetime] = field(default_factory=list)  # the window's, when one was refused

    @property
    def key(self) -> str:
        return window_key(self.platform, self.account_key)

    @property
    def members(self) -> list[str]:
        return [str(p.pk) for p in self.publications]

    def take_answer(self, answer) -> None:
        self.granted = {int(member) for member in answer[1]}
        self.slots = sorted(
            EPOCH + dt.timedelta(microseconds=int(float(score))) for score in answer[2]
        )


def limit_for(platform: str) -> tuple[int, dt.timedelta]:
    """(posts, window) as Herald counts them: the platform's window and a margin.

    A slot is taken when its row is claimed; the request leaves a moment later,
    after the account's earlier posts of the same batch. Slots at least the
    platform's window plus a margin apart reach the platform at least its window
    apart as long as no request leaves more than the margin after its slot: so
    windows are counted RATE_LIMIT_MARGIN_SECONDS longer, and a request that
    would leave later than that takes its slot again first (``retake_slot``).
    """
    count, seconds = settings.PLATFORM_RATE_LIMITS[platform]
    return count, dt.timedelta(seconds=seconds + settings.RATE_LIMIT_MARGIN_SECONDS)


def window_key(platform: str, account_key: str) -> str:
    return f"herald:rate:{platform}:{account_key}"


def reserve_slot(publication: Publication, now: dt.datetime | None = None) -> SlotDecision:
    """Take one slot of the account's window for ``publication`` at ``now``, or say when
    one frees. Only the other publications' slots count: a slot it holds already moves
    to ``now`` if the window has room without it, and is given up if not.

    Must run inside the transaction that records ``rate_slot_at`` for the
    publication, so the database count and the slot are committed together.
    """
    now = now or timezone.now()
    limit, window = limit_for(publication.platform)
    key = window_key(publication.platform, publication.account_key)
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reserve_slot must run inside the claiming transaction.")
    lock_account(key)
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


def slot_is_late(publication: Publication, now: dt.datetime) -> bool:
    """True when a claimed publication's request would leave more than the margin after
    its slot (``limit_for``): it must take its slot again before it goes."""
    margin = dt.timedelta(seconds=settings.RATE_LIMIT_MARGIN_SECONDS)
    return publication.rate_slot_at is not None and now - publication.rate_slot_at > margin


def retake_slot(publication: Publication) -> SlotDecision:
    """Move a claimed publication's slot to now, just before its late request leaves.

    Granted only if the window has room without its old slot; refused, the old
    slot is given up in Redis at once, and the caller holds the row (clearing
    ``rate_slot_at``) until ``free_at``. One transaction: the account's lock, one
    Redis call (or the exact database count) and one UPDATE of ``rate_slot_at``.
    """
    now = timezone.now()
    with transaction.atomic():
        decision = reserve_slot(publication, now)
        if decision.granted:
            Publication.objects.filter(pk=publication.pk, status=Status.PUBLISHING).update(
                rate_slot_at=now
            )
    if decision.granted:
        publication.rate_slot_at = now
    return decision


def reserve_slots(
    publications: Sequence[Publication], now: dt.datetime | None = None
) -> dict[int, SlotDecision]:
    """Take a slot for each of ``publications`` (a claimed batch, in due order), at once.

    The same windows as ``reserve_slot``, for many accounts in one round trip.
    Must run inside the transaction that records ``rate_slot_at`` for the
    granted ones. A refused publication's ``free_at`` is its own turn: the i-th
    one waiting for an account (counting those already held for it) is due
    when the i-th slot of that window frees.
    """
    now = now or timezone.now()
    by_account: dict[tuple[str, str], list[Publication]] = defaultdict(list)
    for publication in publications:
        by_account[(publication.platform, publication.account_key)].append(publication)
    requests = []
    for (platform, account_key), members in by_account.items():
        limit, window = limit_for(platform)
        requests.append(WindowRequest(platform, account_key, limit, window, members))
    if not requests:
        return {}
    batch_ids = [p.pk for p in publications]
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reserve_slots must run inside the claiming transaction.")
    lock_accounts(sorted(request.key for request in requests))
    on_database = True
    if settings.REDIS_URL:
        import redis

        try:
            redis_windows.reserve_many(
                requests, now, seed=lambda missing: window_slots(missing, now, batch_ids)
            )
            on_database = False
        except redis.RedisError as error:
            if not redis_windows.degraded:
                logger.warning(
                    "Redis is unreachable (%s): rate limits fall back to the database.",
                    type(error).__name__,
                )
            redis_windows.degraded = True
            for request in requests:
                redis_windows.mark_stale(request.key)
    if on_database:
        reserve_many_in_database(requests, now, batch_ids)
    decisions: dict[int, SlotDecision] = {}
    refused = [r for r in requests if len(r.granted) < len(r.publications)]
    waiting = already_waiting(refused, now, batch_ids) if refused else {}
    for request in requests:
        taken = sorted(request.slots + waiting.get(request.key, []))
        for publication in request.publications:
            if publication.pk in request.granted:
                decisions[publication.pk] = SlotDecision(True)
                continue
            free_at = your_turn(taken, request.limit, request.window, now)
            bisect.insort(taken, free_at)
            decisions[publication.pk] = SlotDecision(False, free_at)
    return decisions


def your_turn(
    taken: list[dt.datetime], limit: int, window: dt.timedelta, now: dt.datetime
) -> dt.datetime:
    """When the next waiting publication gets a slot, given the slots ``taken`` (sorted:
    those in the window, and the turns of the ones already waiting)."""
    if len(taken) < limit:
        return now
    return max(now, taken[len(taken) - limit] + window)


def window_slots(
    requests: list[WindowRequest], now: dt.datetime, exclude: list[int]
) -> dict[WindowRequest, list[tuple[dt.datetime, int]]]:
    """(rate_slot_at, id) of the slots in each request's window, outside the batch: one query."""
    in_windows = Q()
    for request in requests:
        in_windows |= Q(
            platform=request.platform,
            account_key=request.account_key,
            rate_slot_at__gt=now - request.window,
        )
    found: dict[str, list] = defaultdict(list)
    for platform, account_key, slot_at, pk in (
        Publication.objects.filter(in_windows)
        .exclude(pk__in=exclude)
        .order_by("rate_slot_at")
        .values_list("platform", "account_key", "rate_slot_at", "pk")
    ):
        found[window_key(platform, account_key)].append((slot_at, pk))
    return {request: found.get(request.key, []) for request in requests}


def already_waiting(
    requests: list[WindowRequest], now: dt.datetime, exclude: list[int]
) -> dict[str, list[dt.datetime]]:
    """The turns of the publications already held for each account's window: one query."""
    from publishing.holds import HoldKind

    accounts = Q()
    for request in requests:
        accounts |= Q(platform=request.platform, account_key=request.account_key)
    found: dict[str, list] = defaultdict(list)
    for platform, account_key, due in (
        Publication.objects.filter(
            accounts,
            status=Status.QUEUED,
            hold_kind=HoldKind.RATE_WINDOW,
            next_attempt_at__gt=now,
        )
        .exclude(pk__in=exclude)
        .values_list("platform", "account_key", "next_attempt_at")
    ):
        found[window_key(platform, account_key)].append(due)
    return found


def reserve_many_in_database(
    requests: list[WindowRequest], now: dt.datetime, batch_ids: list[int]
) -> None:
    """Exact counts of every window, under the account locks ``reserve_slots`` holds."""
    slots = window_slots(requests, now, batch_ids)
    for request in requests:
        request.slots = sorted(slot_at for slot_at, _ in slots[request])
        used = len(request.slots)
        for publication in request.publications:
            if used < request.limit:
                request.granted.add(publication.pk)
                request.slots.append(now)
                used += 1


def lock_accounts(keys: list[str]) -> None:
    """``lock_account`` for many accounts, in the order given (sorted: no deadlock)."""
    if connection.vendor == "postgresql" and keys:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_advisory_xact_lock(hashtext(k))) "
                "FROM unnest(%s::text[]) WITH ORDINALITY AS t(k, n)",
                [keys],
            )


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
    """Exact count of the window, under the account lock ``reserve_slot`` holds."""
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
        limit, _ = limit_for(platform)
        uses[(platform, account_key)] = WindowUse(
            platform=platform,
            account_key=account_key,
            used=counts.get((platform, account_key), 0),
            limit=limit,
            # Shown as the platform states its limit; the count above includes the margin.
            window_seconds=settings.PLATFORM_RATE_LIMITS[platform][1],
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
