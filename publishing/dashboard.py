"""Reads for the operator's dashboard and the switches panel.

Each function is a fixed, small number of queries whatever the data size;
the views only arrange what these return.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Prefetch,
    Q,
)

from content.choices import ContentStatus, Platform, Status
from content.models import Content
from flags.switches import ALL_SWITCH_NAMES, blocking_switch, held_platforms, switch_states
from integrations.models import Integration
from publishing import selectors
from publishing.holds import SWITCH_KINDS, HoldKind, holding_switch
from publishing.models import EngineHeartbeat, Publication
from publishing.rate_limits import WindowUse, busy_windows, limit_for
from publishing.tally import publication_counts

DAY = dt.timedelta(hours=24)
HOUR = dt.timedelta(hours=1)
# A tick older than this means no scheduler is running.
STALE_TICK_AFTER = dt.timedelta(minutes=3)
UPCOMING_LIMIT = 50
FAILURES_LIMIT = 50


# --- counts -------------------------------------------------------------------------


def publication_state_counts() -> dict[str, int]:
    """Publications per state, every state present (0 when none), in the machine's order.

    From the tally (``publishing.tally``): a page view does not count the history.
    """
    counts = dict.fromkeys(Status.values, 0)
    for (_, status), n in publication_counts().items():
        counts[status] = counts.get(status, 0) + n
    return counts


# --- timeline and failures ------------------------------------------------------------


def upcoming_content(now: dt.datetime, *, within: dt.timedelta = DAY) -> list[Content]:
    """Content due within ``within`` and not ended, soonest first, with its publications.

    Two queries (the content, then its publications).
    """
    return list(
        Content.objects.filter(scheduled_for__gte=now, scheduled_for__lt=now + within)
        # A draft's time is only tentative: nothing goes out for it.
        .exclude(status__in=(Status.CANCELED, Status.PUBLISHED, Status.FAILED, ContentStatus.DRAFT))
        .select_related("owner")
        .prefetch_related(
            Prefetch("publications", queryset=Publication.objects.order_by("platform"))
        )
        .order_by("scheduled_for", "pk")[:UPCOMING_LIMIT]
    )


def recent_failures(now: dt.datetime, *, within: dt.timedelta = DAY) -> list[Publication]:
    """Publications that failed within ``within``, newest first, with their reasons."""
    return list(
        Publication.objects.filter(status=Status.FAILED, updated_at__gte=now - within)
        .select_related("content")
        .order_by("-updated_at", "-pk")[:FAILURES_LIMIT]
    )


# --- rate limits ------------------------------------------------------------------------


@dataclass
class PlatformRateUse:
    platform: str
    label: str
    limit: int
    window_seconds: int
    accounts: list[WindowUse] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # account_key -> a name people know

    @property
    def busiest_label(self) -> str:
        busiest = self.busiest
        return "" if busiest is None else self.labels.get(busiest.account_key, busiest.account_key)

    @property
    def busiest(self) -> WindowUse | None:
        return self.accounts[0] if self.accounts else None

    @property
    def percent(self) -> int:
        busiest = self.busiest
        return 0 if busiest is None else min(100, round(100 * busiest.used / busiest.limit))


def rate_limit_use(now: dt.datetime) -> list[PlatformRateUse]:
    """Per platform: its limit and the accounts with slots taken now, fullest first."""
    platforms = {
        p: PlatformRateUse(
            platform=p,
            label=Platform(p).label,
            limit=limit_for(p)[0],
            window_seconds=settings.PLATFORM_RATE_LIMITS[p][1],  # the platform's own window
        )
        for p in Platform.values
    }
    uses = busy_windows(now)
    labels = account_labels({use.account_key for use in uses})
    for use in uses:
        platforms[use.platform].accounts.append(use)
        platforms[use.platform].labels[use.account_key] = labels.get(
            use.account_key, use.account_key
        )
    return list(platforms.values())


def account_labels(account_keys: set[str]) -> dict[str, str]:
    """``integration:<id>`` -> the account's name; ``user:<id>`` -> the legacy tokens. One query."""
    ids = [int(key.split(":")[1]) for key in account_keys if key.startswith("integration:")]
    labels = (
        {
            f"integration:{pk}": f"{name or external_id}"
            for pk, name, external_id in Integration.objects.filter(pk__in=ids).values_list(
                "pk", "display_name", "external_account_id"
            )
        }
        if ids
        else {}
    )
    for key in account_keys:
        if key.startswith("user:"):
            labels[key] = f"legacy tokens of user #{key.split(':')[1]}"
    return labels


# --- scheduler health ---------------------------------------------------------------------


@dataclass
class SchedulerHealth:
    last_tick_at: dt.datetime | None
    last_tick_seconds: float
    last_dispatched: int
    queued: int
    publishing: int
    overdue: int
    lag_p50: float | None  # seconds
    lag_p99: float | None
    published_last_hour: int
    tick_is_stale: bool


class PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(f) WITHIN GROUP (ORDER BY expr)``."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks, as percentile_cont computes it."""
    if not sorted_values:
        return None
    position = (len(sorted_values) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def publish_lag(now: dt.datetime) -> tuple[float | None, float | None, int]:
    """p50 and p99 of ``published_at - scheduled_for`` (seconds) over the last hour, and the count.

    In SQL on PostgreSQL (one query); elsewhere over the last hour's rows only.
    """
    published = Publication.objects.filter(
        status=Status.PUBLISHED, published_at__gte=now - HOUR, published_at__isnull=False
    )
    lag = ExpressionWrapper(
        F("published_at") - F("content__scheduled_for"), output_field=DurationField()
    )
    if connection.vendor == "postgresql":
        seconds = Func(
            lag, template="EXTRACT(EPOCH FROM %(expressions)s)", output_field=FloatField()
        )
        row = published.aggregate(
            p50=PercentileCont(seconds, 0.5), p99=PercentileCont(seconds, 0.99), n=Count("pk")
        )
        return row["p50"], row["p99"], row["n"]
    lags = sorted(
        value.total_seconds() for value in published.annotate(lag=lag).values_list("lag", flat=True)
    )
    return percentile(lags, 0.5), percentile(lags, 0.99), len(lags)


def scheduler_health(now: dt.datetime, states: dict[str, bool] | None = None) -> SchedulerHealth:
    """The tick's pulse, the queue, what is late, and how late posts went out.

    Three queries, and one more for the switches unless ``states`` has them.

    Overdue is what /health/ and the metrics count (``selectors.overdue``): rows a
    switch holds are left out, and the other holds are not due until they end.
    """
    heartbeat = EngineHeartbeat.objects.filter(name="tick").first()
    late = selectors.overdue(now, held_platforms=held_platforms(states))
    queue = Publication.objects.filter(
        Q(status__in=(Status.QUEUED, Status.PUBLISHING)) | late
    ).aggregate(
        queued=Count("pk", filter=Q(status=Status.QUEUED)),
        publishing=Count("pk", filter=Q(status=Status.PUBLISHING)),
        overdue=Count("pk", filter=late),
    )
    p50, p99, published = publish_lag(now)
    last_tick_at = heartbeat.last_tick_at if heartbeat else None
    return SchedulerHealth(
        last_tick_at=last_tick_at,
        last_tick_seconds=heartbeat.last_tick_seconds if heartbeat else 0.0,
        last_dispatched=heartbeat.last_dispatched if heartbeat else 0,
        queued=queue["queued"],
        publishing=queue["publishing"],
        overdue=queue["overdue"],
        lag_p50=p50,
        lag_p99=p99,
        published_last_hour=published,
        tick_is_stale=last_tick_at is None or now - last_tick_at > STALE_TICK_AFTER,
    )


# --- switches -------------------------------------------------------------------------------


@dataclass
class SwitchState:
    name: str
    label: str
    active: bool
    held: int  # QUEUED rows the engine holds for this switch now
    due: int  # due rows the next tick would hold for it

    @property
    def waiting(self) -> int:
        return self.held + self.due


def switch_label(name: str) -> str:
    if name == "automation_enabled":
        return "All publishing (automation)"
    return f"Publishing to {Platform(name.removeprefix('publishing_')).label}"


@dataclass(frozen=True)
class PlanHolds:
    """Posts the owners' plans hold (QUEUED with a plan hold), and why, most held first."""

    count: int = 0
    reasons: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class HoldsPanel:
    switches: list[SwitchState]
    plan: PlanHolds


def holds_panel(now: dt.datetime, states: dict[str, bool] | None = None) -> HoldsPanel:
    """Every publishing switch with the posts it holds, and the posts plans hold.

    One query, and one more for the switches unless ``states`` has them.
    """
    states = switch_states() if states is None else states
    held = dict.fromkeys(ALL_SWITCH_NAMES, 0)
    due = dict.fromkeys(ALL_SWITCH_NAMES, 0)
    plan_reasons: dict[str, int] = {}
    rows = (
        Publication.objects.filter(
            Q(status=Status.QUEUED, hold_kind__in=(*SWITCH_KINDS, HoldKind.PLAN))
            | Q(status__in=(Status.SCHEDULED, Status.RETRYING), next_attempt_at__lte=now)
        )
        .values_list("status", "platform", "hold_kind", "hold_reason")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for status, platform, hold_kind, hold_reason, n in rows:
        if status == Status.QUEUED and hold_kind == HoldKind.PLAN:
            plan_reasons[hold_reason] = plan_reasons.get(hold_reason, 0) + n
        elif status == Status.QUEUED:
            held[holding_switch(hold_kind, platform)] += n
        elif switch := blocking_switch(platform, states):
            due[switch] += n
    switches = [
        SwitchState(
            name=name,
            label=switch_label(name),
            active=states[name],
            held=held[name],
            due=due[name],
        )
        for name in ALL_SWITCH_NAMES
    ]
    reasons = sorted(plan_reasons.items(), key=lambda item: (-item[1], item[0]))
    return HoldsPanel(switches, PlanHolds(sum(plan_reasons.values()), reasons))


def switch_panel(now: dt.datetime, states: dict[str, bool] | None = None) -> list[SwitchState]:
    """Every publishing switch, whether it is on, and the posts it holds (``holds_panel``)."""
    return holds_panel(now, states).switches
