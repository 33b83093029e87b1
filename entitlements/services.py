"""The one answer to "may this user do X?" and "what is left?".

Scheduling, publish-now, connecting an account, media uploads, the API throttle
and the engine all ask here; none of them reads a plan itself. A refusal is an
``EntitlementExceeded`` that names the limit, what is used and when it resets,
in words a person can act on.

Counting is exact under concurrency: ``reserve_post`` and ``check_new_account``
lock the user's entitlement row (``SELECT ... FOR UPDATE``) before they count,
so two requests racing for the last slot queue, and the second one counts the
first one's post. They must run inside the caller's transaction, which then
writes the post or the account before the lock is released.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from content.choices import ContentStatus, Status
from content.models import Content
from entitlements import signals
from entitlements.limits import DESCRIPTIONS, UNLIMITED, LimitName, Limits
from entitlements.models import Entitlement, Plan
from platforms import registry

ERROR_CODE = "entitlement_exceeded"


class EntitlementExceeded(Exception):
    """An action the user's plan does not allow; ``as_dict()`` is the API's 403 body."""

    def __init__(
        self,
        message: str,
        *,
        plan_name: str,
        limit_name: LimitName,
        limit,
        used=None,
        resets_at: dt.datetime | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.plan_name = plan_name
        self.limit_name = limit_name
        self.limit = limit
        self.used = used
        self.resets_at = resets_at

    def as_dict(self) -> dict:
        limit = sorted(self.limit) if isinstance(self.limit, frozenset) else self.limit
        return {
            "code": ERROR_CODE,
            "detail": self.message,
            "plan": self.plan_name,
            "limit_name": str(self.limit_name),
            "limit": limit,
            "used": self.used,
            "resets_at": self.resets_at.isoformat() if self.resets_at else None,
        }


# --- the limits in force ----------------------------------------------------------------


def default_plan() -> Plan:
    """The plan named by ``DEFAULT_PLAN``.

    Created when missing (a fresh database, or the setting names a new plan): unlimited
    but for the API rate, ``API_THROTTLE_USER``, as the data migration creates it.
    """
    plan, _ = Plan.objects.get_or_create(
        name=settings.DEFAULT_PLAN, defaults={"api_rate": settings.API_THROTTLE_USER}
    )
    return plan


def limits_of(plan: Plan, overrides: Mapping | None = None) -> Limits:
    """The limits of ``plan`` with an entitlement's ``overrides`` applied."""
    values = {name: plan.limit(name) for name in LimitName}
    for name, value in (overrides or {}).items():
        values[LimitName(name)] = value
    platforms = values[LimitName.PLATFORMS]
    automation = values[LimitName.AUTOMATION]
    return Limits(
        plan_name=plan.name,
        platforms=None if platforms is None else frozenset(platforms),
        accounts_per_platform=values[LimitName.ACCOUNTS_PER_PLATFORM],
        posts_per_month=values[LimitName.POSTS_PER_MONTH],
        automation=True if automation is None else automation,
        max_media_bytes=values[LimitName.MAX_MEDIA_BYTES],
        api_rate=values[LimitName.API_RATE],
    )


def limits_from_entitlement(entitlement: Entitlement | None, *, now: dt.datetime) -> Limits:
    if entitlement is not None and entitlement.in_force(now):
        return limits_of(entitlement.plan, entitlement.overrides)
    return limits_of(default_plan())


def limits_for(user, *, lock: bool = False, now: dt.datetime | None = None) -> Limits:
    """The limits in force for ``user`` now: one query (two past an entitlement's dates).

    ``lock=True`` (inside a transaction) locks the user's entitlement row, creating it
    on the default plan when the user has none, so that what is counted next cannot
    change before the caller commits.
    """
    if user.is_superuser:
        return UNLIMITED
    now = now or timezone.now()
    entitlements = Entitlement.objects.select_related("plan").filter(user_id=user.pk)
    if lock:
        entitlements = entitlements.select_for_update(of=("self",))
    entitlement = entitlements.first()
    if entitlement is None and lock:
        Entitlement.objects.get_or_create(user_id=user.pk, defaults={"plan": default_plan()})
        entitlement = entitlements.get()
    return limits_from_entitlement(entitlement, now=now)


def limits_for_users(users: Iterable) -> dict[int, Limits]:
    """The limits of many users at once (the engine's batches), in at most two queries."""
    now = timezone.now()
    users = {user.pk: user for user in users}
    entitlements = {
        entitlement.user_id: entitlement
        for entitlement in Entitlement.objects.select_related("plan").filter(
            user_id__in=[pk for pk, user in users.items() if not user.is_superuser]
        )
    }
    fallback: Limits | None = None
    limits: dict[int, Limits] = {}
    for pk, user in users.items():
        if user.is_superuser:
            limits[pk] = UNLIMITED
            continue
        entitlement = entitlements.get(pk)
        if entitlement is not None and entitlement.in_force(now):
            limits[pk] = limits_of(entitlement.plan, entitlement.overrides)
            continue
        if fallback is None:
            fallback = limits_of(default_plan())
        limits[pk] = fallback
    return limits


# --- posts a month ----------------------------------------------------------------------


def month_of(moment: dt.datetime, zone) -> tuple[dt.datetime, dt.datetime]:
    """The calendar month holding ``moment`` in ``zone``: its first instant and the next's.

    ``zone`` is a ``ZoneInfo``: each bound takes the offset of its own wall time, so a
    month that starts across a daylight-saving change starts at its real midnight.
    """
    start = moment.astimezone(zone).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return start, (start + dt.timedelta(days=32)).replace(day=1)


def month_name(start: dt.datetime, *, now: dt.datetime) -> str:
    name = calendar.month_name[start.month]
    return name if start.year == now.astimezone(start.tzinfo).year else f"{name} {start.year}"


# A canceled post gave its slot back; a draft has not taken one yet.
NOT_COUNTED = (Status.CANCELED, ContentStatus.DRAFT)


def posts_in(user, start: dt.datetime, end: dt.datetime, *, excluding: int | None = None) -> int:
    """The user's posts (contents) scheduled in [start, end) that still count: not canceled.

    A published or failed post keeps its slot; a canceled or deleted one gives it back.
    A draft takes none until it is scheduled.
    """
    posts = Content.objects.filter(
        owner_id=user.pk, scheduled_for__gte=start, scheduled_for__lt=end
    )
    if excluding is not None:
        posts = posts.exclude(pk=excluding)
    return posts.exclude(status__in=NOT_COUNTED).count()


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def check_platforms(limits: Limits, platforms: Iterable[str]) -> None:
    refused = [platform for platform in platforms if not limits.allows_platform(platform)]
    if refused:
        names = " or ".join(registry.label(platform) for platform in sorted(refused))
        raise EntitlementExceeded(
            f"Your plan {limits.plan_name} does not include {names}.",
            plan_name=limits.plan_name,
            limit_name=LimitName.PLATFORMS,
            limit=limits.platforms,
        )


def reserve_post(
    user,
    *,
    scheduled_for: dt.datetime,
    platforms: Iterable[str],
    by_hand: bool = False,
    moving: Content | None = None,
    announce: bool = True,
) -> Limits:
    """Check that ``user`` may schedule one post for ``scheduled_for``, and hold the slot.

    Call inside the transaction that writes the post. ``by_hand`` is "publish now",
    allowed without automation. ``moving`` is a content being rescheduled: it needs
    a slot only when it changes month. Raises ``EntitlementExceeded``. ``announce=False``
    checks (and locks) without sending ``limit_reached``: a form asks before its save,
    which asks again and announces.
    """
    limits = limits_for(user, lock=True)
    if limits.unlimited:
        return limits
    check_platforms(limits, platforms)
    if not (limits.automation or by_hand):
        raise EntitlementExceeded(
            f"Your plan {limits.plan_name} does not include scheduled publishing; "
            "publish now instead.",
            plan_name=limits.plan_name,
            limit_name=LimitName.AUTOMATION,
            limit=False,
        )
    allowed = limits.posts_per_month
    if allowed is None:
        return limits
    start, end = month_of(scheduled_for, user.zone)
    if moving is not None and moving.scheduled_for and start <= moving.scheduled_for < end:
        return limits
    used = posts_in(user, start, end, excluding=moving.pk if moving else None)
    if used >= allowed:
        raise EntitlementExceeded(
            f"Your plan {limits.plan_name} allows {plural(allowed, 'post')} a month; you have "
            f"scheduled {used} for {month_name(start, now=timezone.now())}.",
            plan_name=limits.plan_name,
            limit_name=LimitName.POSTS_PER_MONTH,
            limit=allowed,
            used=used,
            resets_at=end,
        )
    if announce and used + 1 == allowed:
        announce_limit_reached(user, LimitName.POSTS_PER_MONTH, allowed)
    return limits


def announce_limit_reached(user, name: LimitName, allowed: int) -> None:
    """The action under way takes the last unit of ``name``: say so, in its transaction."""
    signals.limit_reached.send(
        sender=None, user_id=user.pk, limit_name=name, limit=allowed, used=allowed
    )


# --- accounts, media, the API -------------------------------------------------------------


def check_new_account(user, platform: str, *, count_connected: Callable[[], int]) -> None:
    """Check that ``user`` may connect one more account on ``platform``.

    ``count_connected`` counts the user's accounts there now; it is called after the
    entitlement row is locked, so call this inside the transaction that stores the
    account. Reconnecting an account already stored is not a new account: do not ask.
    """
    limits = limits_for(user, lock=True)
    if limits.unlimited:
        return
    check_platforms(limits, [platform])
    allowed = limits.accounts_per_platform
    if allowed is None:
        return
    connected = count_connected()
    label = registry.label(platform)
    if connected >= allowed:
        raise EntitlementExceeded(
            f"Your plan {limits.plan_name} allows {plural(allowed, f'{label} account')}; "
            f"you have connected {connected}.",
            plan_name=limits.plan_name,
            limit_name=LimitName.ACCOUNTS_PER_PLATFORM,
            limit=allowed,
            used=connected,
        )
    if connected + 1 == allowed:
        announce_limit_reached(user, LimitName.ACCOUNTS_PER_PLATFORM, allowed)


def check_media_file(user, *, name: str, size_bytes: int, limits: Limits | None = None) -> None:
    """Refuse a file larger than the user's plan allows."""
    limits = limits or limits_for(user)
    allowed = limits.max_media_bytes
    if allowed is None or size_bytes <= allowed:
        return
    raise EntitlementExceeded(
        f"Your plan {limits.plan_name} allows media files up to {filesizeformat(allowed)}; "
        f"{name} is {filesizeformat(size_bytes)}.",
        plan_name=limits.plan_name,
        limit_name=LimitName.MAX_MEDIA_BYTES,
        limit=allowed,
        used=size_bytes,
    )


def api_rate(user) -> str | None:
    """The user's API rate (``1000/hour``), or None: no limit."""
    return limits_for(user).api_rate


# --- the engine ---------------------------------------------------------------------------


def plan_hold_reason(limits: Limits, platform: str, *, by_hand: bool) -> str:
    """Why the plan keeps a due post from going out now; "" when it may go.

    A plan that shrank after a post was scheduled holds the post, it does not fail
    it: the post goes when the plan allows it again.
    """
    if not limits.allows_platform(platform):
        return f"the plan {limits.plan_name} does not include {registry.label(platform)}"
    if not (limits.automation or by_hand):
        return f"the plan {limits.plan_name} does not include scheduled publishing"
    return ""


# --- moving users between plans -----------------------------------------------------------


@transaction.atomic
def set_plan(user, plan: Plan, *, note: str = "") -> Entitlement:
    """Put ``user`` on ``plan`` from now on, keeping their overrides; returns the entitlement."""
    entitlement, created = Entitlement.objects.select_for_update().get_or_create(
        user_id=user.pk, defaults={"plan": plan, "note": note}
    )
    if not created:
        entitlement.plan = plan
        entitlement.valid_from = None
        entitlement.valid_until = None
        if note:
            entitlement.note = note
        entitlement.save()
    return entitlement


# --- what is left -------------------------------------------------------------------------


@dataclass(frozen=True)
class LimitUsage:
    """One limit for one user: the limit, what is used, what is left, when it resets.

    ``used``/``remaining`` are a number, a mapping by platform (accounts), or None
    where the limit is not a count.
    """

    name: LimitName
    description: str
    limit: object
    used: object = None
    remaining: object = None
    resets_at: dt.datetime | None = None


@dataclass(frozen=True)
class UsageReport:
    plan_name: str
    unlimited: bool
    valid_until: dt.datetime | None
    limits: list[LimitUsage] = field(default_factory=list)


def left(limit: int | None, used: int) -> int | None:
    return None if limit is None else max(limit - used, 0)


def usage_report(
    user, *, connected: Mapping[str, int], now: dt.datetime | None = None
) -> UsageReport:
    """Every limit of ``user`` with its usage; ``connected`` counts accounts by platform."""
    now = now or timezone.now()
    entitlement = Entitlement.objects.select_related("plan").filter(user_id=user.pk).first()
    limits = UNLIMITED if user.is_superuser else limits_from_entitlement(entitlement, now=now)
    in_force = entitlement is not None and entitlement.in_force(now)
    start, end = month_of(now, user.zone)
    posts = posts_in(user, start, end)
    accounts = {platform: connected.get(platform, 0) for platform in registry.values()}
    per_platform = limits.accounts_per_platform
    rows = [
        LimitUsage(
            LimitName.PLATFORMS,
            DESCRIPTIONS[LimitName.PLATFORMS],
            None if limits.platforms is None else sorted(limits.platforms),
        ),
        LimitUsage(
            LimitName.ACCOUNTS_PER_PLATFORM,
            DESCRIPTIONS[LimitName.ACCOUNTS_PER_PLATFORM],
            per_platform,
            used=accounts,
            remaining={platform: left(per_platform, n) for platform, n in accounts.items()},
        ),
        LimitUsage(
            LimitName.POSTS_PER_MONTH,
            DESCRIPTIONS[LimitName.POSTS_PER_MONTH],
            limits.posts_per_month,
            used=posts,
            remaining=left(limits.posts_per_month, posts),
            resets_at=end,
        ),
        LimitUsage(LimitName.AUTOMATION, DESCRIPTIONS[LimitName.AUTOMATION], limits.automation),
        LimitUsage(
            LimitName.MAX_MEDIA_BYTES,
            DESCRIPTIONS[LimitName.MAX_MEDIA_BYTES],
            limits.max_media_bytes,
        ),
        LimitUsage(LimitName.API_RATE, DESCRIPTIONS[LimitName.API_RATE], limits.api_rate),
    ]
    return UsageReport(
        plan_name=limits.plan_name,
        unlimited=limits.unlimited,
        valid_until=entitlement.valid_until if in_force else None,
        limits=rows,
    )
