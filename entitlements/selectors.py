"""Reads over many users at once: who is over, at or near a limit (the admin's list filter)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from functools import reduce
from operator import or_

from django.db.models import Count, Q
from django.utils import timezone

from content.models import Content
from entitlements.limits import Limits
from entitlements.services import NOT_COUNTED, limits_for_users, month_of

# "Near" the monthly post limit: at or above this share of it (4/5, 80 %).
NEAR_NUMERATOR, NEAR_DENOMINATOR = 4, 5

# Counts the connected accounts of the given users: {user id: {platform: count}}.
AccountCounter = Callable[[list[int]], Mapping[int, Mapping[str, int]]]


def zone_of(user) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def posts_this_month(users: Iterable, *, now: dt.datetime) -> dict[int, int]:
    """Each user's posts scheduled this calendar month in their own zone, in one query.

    Counted as ``services.posts_in`` counts them: contents, canceled ones left out.
    """
    by_month: dict[tuple[dt.datetime, dt.datetime], list[int]] = defaultdict(list)
    for user in users:
        by_month[month_of(now, zone_of(user))].append(user.pk)
    if not by_month:
        return {}
    window = reduce(
        or_,
        (
            Q(owner_id__in=ids, scheduled_for__gte=start, scheduled_for__lt=end)
            for (start, end), ids in by_month.items()
        ),
    )
    rows = (
        Content.objects.filter(window)
        .exclude(status__in=NOT_COUNTED)
        .values("owner_id")
        .annotate(posts=Count("id"))
        .values_list("owner_id", "posts")
    )
    return dict(rows)


def posts_near_limit(limits: Limits, used: int) -> bool:
    """At or above 80 % of the monthly posts (a limit of 0 is reached once a post counts)."""
    allowed = limits.posts_per_month
    if allowed is None or used == 0:
        return False
    return used * NEAR_DENOMINATOR >= allowed * NEAR_NUMERATOR


def accounts_at_limit(limits: Limits, connected: Mapping[str, int]) -> bool:
    """As many accounts as allowed on some platform, or any on a platform no longer allowed."""
    for platform, count in connected.items():
        if count == 0:
            continue
        if not limits.allows_platform(platform):
            return True
        if limits.accounts_per_platform is not None and count >= limits.accounts_per_platform:
            return True
    return False


def users_near_a_limit(
    users: Iterable, *, count_connected: AccountCounter, now: dt.datetime | None = None
) -> set[int]:
    """The ids of ``users`` whose posts this month reach 80 % of their limit, or whose
    connected accounts reach theirs.

    A fixed number of queries whatever the number of users: their limits (two at most),
    their posts (one), their accounts (``count_connected``, one). ``users`` need ``pk``,
    ``is_superuser`` and ``timezone``. Superusers are unlimited and never listed.
    """
    now = now or timezone.now()
    users = list(users)
    limits = limits_for_users(users)
    limited = [
        user
        for user in users
        if not limits[user.pk].unlimited
        and (
            limits[user.pk].posts_per_month is not None
            or limits[user.pk].accounts_per_platform is not None
            or limits[user.pk].platforms is not None
        )
    ]
    if not limited:
        return set()
    posts = posts_this_month(
        [user for user in limited if limits[user.pk].posts_per_month is not None], now=now
    )
    accounts = count_connected([user.pk for user in limited])
    return {
        user.pk
        for user in limited
        if posts_near_limit(limits[user.pk], posts.get(user.pk, 0))
        or accounts_at_limit(limits[user.pk], accounts.get(user.pk, {}))
    }
