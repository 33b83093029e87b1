"""The Prometheus collector: state from the database and events from the store, read at scrape.

A fixed number of queries whatever the data size: publications per platform
and state (from the tally, not a count of the history), the in-doubt and
rate-limit counts (over the waiting and in-doubt rows only), the switches, the overdue summary, the legacy fallbacks, the tick's
heartbeat, and the event store (one more query without Redis, one Redis
round trip with it).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator

import redis
from django.db import DatabaseError
from django.db.models import Count, Q, Sum
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from content.choices import Platform, Status
from flags.switches import held_platforms, switch_states
from integrations.models import LegacyTokenUse
from monitoring import record, store
from publishing import selectors
from publishing.holds import HoldKind
from publishing.models import IN_DOUBT_CODE, EngineHeartbeat, Publication
from publishing.tally import publication_counts

logger = logging.getLogger(__name__)

PLATFORMS = tuple(Platform.values)
STATES = tuple(Status.values)
IN_DOUBT_STAGES = ("awaiting_reconcile", "needs_operator")

# The engine will ask the platform before any resend: a request went out, outcome unknown.
AWAITING_RECONCILE = Q(status__in=(Status.QUEUED, Status.RETRYING), request_sent_at__isnull=False)
# Reconcile could not tell: an operator decides (admin: "needs a decision").
NEEDS_OPERATOR = Q(status=Status.FAILED, last_error_code=IN_DOUBT_CODE)
HELD_BY_HERALD = Q(status=Status.QUEUED, hold_kind=HoldKind.RATE_WINDOW)
HELD_BY_PLATFORM = Q(status=Status.QUEUED, hold_kind=HoldKind.PLATFORM_WAIT)


def render() -> bytes:
    """The exposition of every Herald metric, in Prometheus text format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HeraldCollector())
    return generate_latest(registry)


class HeraldCollector:
    """Reads everything at collect time: nothing lives in this process between scrapes."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        yield from publication_metrics()
        yield overdue_metric(now)
        yield legacy_fallback_metric()
        yield from tick_metrics()
        yield from event_metrics()


# --- state from the database ---------------------------------------------------------


def publication_metrics() -> Iterator[Metric]:
    """Publications per platform and state, in doubt, and held by rate limits: two queries.

    The states come from the tally (``publishing.tally``), so a scrape does not count
    the history; the other figures read only rows that are waiting or in doubt,
    through the state index and the in-doubt index.
    """
    states = {key: 0 for key in itertools.product(PLATFORMS, STATES)}
    in_doubt = {key: 0 for key in itertools.product(PLATFORMS, IN_DOUBT_STAGES)}
    held = {key: 0 for key in itertools.product(PLATFORMS, (record.HERALD, record.PLATFORM))}
    for key, n in publication_counts().items():
        states[key] = states.get(key, 0) + n
    rows = (
        Publication.objects.filter(Q(status__in=(Status.QUEUED, Status.RETRYING)) | NEEDS_OPERATOR)
        .values_list("platform")
        .annotate(
            awaiting_reconcile=Count("pk", filter=AWAITING_RECONCILE),
            needs_operator=Count("pk", filter=NEEDS_OPERATOR),
            held_by_herald=Count("pk", filter=HELD_BY_HERALD),
            held_by_platform=Count("pk", filter=HELD_BY_PLATFORM),
        )
        .order_by()
    )
    for platform, awaiting, needs_operator, by_herald, by_platform in rows:
        in_doubt[(platform, "awaiting_reconcile")] += awaiting
        in_doubt[(platform, "needs_operator")] += needs_operator
        held[(platform, record.HERALD)] += by_herald
        held[(platform, record.PLATFORM)] += by_platform
    yield gauge(
        "herald_publications",
        "Publications per platform and state.",
        ["platform", "state"],
        states,
    )
    yield gauge(
        "herald_publications_in_doubt",
        "Publications whose request went out with no known outcome: awaiting_reconcile "
        "(the engine asks the platform before any resend), needs_operator (FAILED in_doubt).",
        ["platform", "stage"],
        in_doubt,
    )
    yield gauge(
        "herald_rate_limit_held",
        "Publications QUEUED now because a rate limit holds them: Herald's own window "
        "(herald) or the platform's answer (platform).",
        ["platform", "source"],
        held,
    )


def gauge(name: str, documentation: str, labels: list[str], values: dict) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=labels)
    for key, value in values.items():
        family.add_metric(list(key), value)
    return family


def overdue_metric(now) -> GaugeMetricFamily:
    """Overdue as /health/ and the dashboard count it: switch holds left out."""
    summary = selectors.overdue_publications_summary(
        now, held_platforms=held_platforms(switch_states())
    )
    return GaugeMetricFamily(
        "herald_publications_overdue",
        f"Due publications not picked up within {int(selectors.overdue_after().total_seconds())} "
        "s (switch holds excluded).",
        value=summary.count,
    )


def legacy_fallback_metric() -> CounterMetricFamily:
    uses = dict.fromkeys(PLATFORMS, 0)
    for provider, total in (
        LegacyTokenUse.objects.values_list("provider").annotate(total=Sum("uses")).order_by()
    ):
        uses[provider] = total or 0
    family = CounterMetricFamily(
        "herald_legacy_token_fallbacks",
        "Times the engine used the deprecated User token columns (run migrate_user_tokens).",
        labels=["platform"],
    )
    for platform, total in uses.items():
        family.add_metric([platform], total)
    return family


def tick_metrics() -> Iterator[GaugeMetricFamily]:
    """The tick's heartbeat; both are 0 when the tick has never run, so the alert fires."""
    heartbeat = EngineHeartbeat.objects.filter(name=EngineHeartbeat.TICK).first()
    last_run = heartbeat.last_tick_at if heartbeat and heartbeat.last_tick_at else None
    yield GaugeMetricFamily(
        "herald_tick_last_run_timestamp_seconds",
        "Unix time of the tick's last recorded pass; 0 if it never ran.",
        value=last_run.timestamp() if last_run else 0,
    )
    yield GaugeMetricFamily(
        "herald_tick_last_duration_seconds",
        "How long the latest tick had been running at its last recorded pass; 0 if it never ran.",
        value=heartbeat.last_tick_seconds if heartbeat else 0,
    )


# --- events from the store -----------------------------------------------------------------


def event_metrics() -> Iterator[Metric]:
    """The recorded events, every known series present (0 before its first event)."""
    try:
        snapshot = store.read()
        store_up = 1
    except (redis.RedisError, DatabaseError) as error:
        store.warn_store_failure("be read", error)
        snapshot, store_up = None, 0
    yield GaugeMetricFamily(
        "herald_metrics_store_up",
        "1 when the event store (Redis, or the database without it) could be read.",
        value=store_up,
    )
    if snapshot is None:
        return
    for metric in record.COUNTERS:
        family = CounterMetricFamily(metric.name, metric.documentation, labels=list(metric.labels))
        stored = snapshot.counters.get(metric.name, {})
        for labels in series_of(metric, stored):
            family.add_metric(label_values(metric, labels), stored.get(labels, 0.0))
        yield family
    for metric in record.HISTOGRAMS:
        family = HistogramMetricFamily(
            metric.name, metric.documentation, labels=list(metric.labels)
        )
        stored = snapshot.histograms.get(metric.name, {})
        for labels in series_of(metric, stored):
            data = stored.get(labels) or store.HistogramData()
            family.add_metric(
                label_values(metric, labels), data.cumulative(metric.buckets), data.sum
            )
        yield family


def series_of(metric: record.EventMetric, stored: dict) -> list[store.Labels]:
    """Every combination of the metric's label values, then any other label set stored."""
    names = sorted(metric.labels)
    known = [
        tuple(zip(names, values, strict=True))
        for values in itertools.product(*(metric.labels[name] for name in names))
    ]
    return known + sorted(set(stored) - set(known))


def label_values(metric: record.EventMetric, labels: store.Labels) -> list[str]:
    values = dict(labels)
    return [values.get(name, "") for name in metric.labels]
