"""The collector: snapshots of every published post's numbers, within the platforms' limits.

One run (``collect_due``), every few minutes from the "analytics collect" Schedule:

1. Enrol the PUBLISHED publications that have no collector state yet (a few bulk
   inserts), each due at the latest snapshot age it has reached, else the first.
2. Read every due state in one query, group it by account (platform, account_key).
3. Per account: skip it, counted, when its integration cannot act (needs
   re-authorization, expired, revoked, paused): its posts stay due and are never
   failed. Otherwise ask the platform in batches of the platform's size, as many
   calls as the account's share of its read allowance leaves in the window.
4. Write the snapshots, move each state to its next age (a few grouped updates),
   mark the gone ones, and save the windows.

Publishing always wins: a platform's ``budget()`` is its read allowance less
what publishing may spend of the same allowance, and the collector takes only
``ANALYTICS_RATE_SHARE`` of that, in its own windows (``CollectorBudget``). It
never reads or writes publishing's windows, ``rate_slot_at`` or an
integration's ``rate_limited_until``. A 429 or quota answer holds the account
(or, for an allowance of the whole app, every account) until the platform's
``RateLimited.until``, as publishing holds a post.

Queries do not grow with the number of posts: a run costs a fixed handful plus
one per 5,000 rows written, and one per account only for legacy credentials.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, Value
from django.utils import timezone

from analytics.models import CollectorBudget, CollectorLease, CollectorState, MetricsSnapshot
from analytics.signals import collector_ran
from content.choices import Status
from integrations.credentials import (
    IntegrationUnavailable,
    NotConnected,
    credentials_from_integration,
    resolve_credentials,
)
from integrations.models import Integration
from integrations.redaction import redact, redacting
from integrations.services import mark_integration_error, refresh_tokens
from platforms import registry
from platforms.base import AuthError, Credentials, PlatformError, RateLimited, TransientError
from platforms.metrics import GONE, Budget, MetricsTarget, PostMetrics
from publishing import singleton
from publishing.models import Publication

logger = logging.getLogger(__name__)

CHUNK = 5000
TOKEN_REFRESH_MARGIN = dt.timedelta(minutes=5)
# An integration in one of these cannot act until its owner does something.
SKIPPED_STATUSES = {
    Integration.Status.NEEDS_REAUTH: "needs_reauth",
    Integration.Status.EXPIRED: "expired",
    Integration.Status.REVOKED: "revoked",
    Integration.Status.PAUSED: "paused",
}
SKIP_REASONS = (*SKIPPED_STATUSES.values(), "not_connected")
ERROR_KINDS = ("rate_limited", "auth", "transient", "permanent")


@dataclass
class CollectionReport:
    """What one run did; ``ran`` is False when another run held the lock."""

    ran: bool = True
    enrolled: int = 0
    calls: Counter = field(default_factory=Counter)  # platform -> calls
    errors: Counter = field(default_factory=Counter)  # (platform, kind) -> errors
    skipped: Counter = field(default_factory=Counter)  # (platform, reason) -> accounts
    deferred: int = 0  # accounts left for a later window (budget spent, backing off)
    snapshots: int = 0
    gone: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"enrolled={self.enrolled} calls={sum(self.calls.values())} "
            f"snapshots={self.snapshots} gone={self.gone} "
            f"skipped={sum(self.skipped.values())} deferred={self.deferred} "
            f"errors={sum(self.errors.values())}"
        )


def snapshot_ages() -> list[int]:
    return list(settings.ANALYTICS_SNAPSHOT_AGES)


def reached_age_index(published_at: dt.datetime, now: dt.datetime, start: int = 0) -> int:
    """The last snapshot age (from ``start``) that ``now`` has reached; ``start`` if none."""
    index = start
    for position, age in enumerate(snapshot_ages()):
        if position >= start and published_at + dt.timedelta(seconds=age) <= now:
            index = position
    return index


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- 1. Enrolment ------------------------------------------------------------------------


def enroll_published(now: dt.datetime) -> int:
    """A collector state for every PUBLISHED publication that has none: a few bulk inserts."""
    platforms = [p.value for p in registry.with_metrics()]
    rows = (
        Publication.objects.filter(
            status=Status.PUBLISHED,
            platform__in=platforms,
            published_at__isnull=False,
            metrics_state__isnull=True,
        )
        .exclude(external_id="")
        .values_list("pk", "platform", "account_key", "integration_id", "published_at")
    )
    ages = snapshot_ages()
    states = []
    for pk, platform, account_key, integration_id, published_at in rows.iterator(CHUNK):
        index = reached_age_index(published_at, now)
        states.append(
            CollectorState(
                publication_id=pk,
                platform=platform,
                account_key=account_key,
                integration_id=integration_id,
                published_at=published_at,
                next_age_index=index,
                next_due_at=published_at + dt.timedelta(seconds=ages[index]),
            )
        )
    CollectorState.objects.bulk_create(states, batch_size=CHUNK, ignore_conflicts=True)
    return len(states)


# --- 2./3. Asking the platforms ---------------------------------------------------------


@dataclass
class Due:
    publication_id: int
    platform: str
    account_key: str
    integration_id: int | None
    owner_id: int
    published_at: dt.datetime
    next_age_index: int
    external_id: str
    platform_state: dict


def due_states(now: dt.datetime) -> dict[tuple[str, str], list[Due]]:
    """Every due, not gone state by account, oldest first: one query."""
    rows = (
        CollectorState.objects.filter(next_due_at__lte=now, gone_at__isnull=True)
        .order_by("next_due_at", "pk")
        .values_list(
            "publication_id",
            "platform",
            "account_key",
            "integration_id",
            "publication__content__owner_id",
            "published_at",
            "next_age_index",
            "publication__external_id",
            "publication__platform_state",
        )
    )
    by_account: dict[tuple[str, str], list[Due]] = defaultdict(list)
    for row in rows.iterator(CHUNK):
        due = Due(*row)
        by_account[(due.platform, due.account_key)].append(due)
    return by_account


def budgets(platforms: Iterable[str]) -> dict[str, Budget]:
    """Each platform's read allowance, less publishing's part (platform module), as declared."""
    found = {}
    for platform in platforms:
        module = registry.metrics_module(platform)
        if module is not None:
            found[platform] = module.budget(tuple(settings.PLATFORM_RATE_LIMITS[platform]))
    return found


def budget_key(budget: Budget, account_key: str) -> str:
    return CollectorBudget.APP if budget.per_app else account_key


def budget_rows(keys: set[tuple[str, str]]) -> dict[tuple[str, str], CollectorBudget]:
    """The windows of these (platform, key) pairs, created when missing: two queries."""
    if not keys:
        return {}
    platforms = {platform for platform, _ in keys}
    names = {key for _, key in keys}

    def existing():
        return {
            (row.platform, row.key): row
            for row in CollectorBudget.objects.filter(platform__in=platforms, key__in=names)
            if (row.platform, row.key) in keys
        }

    rows = existing()
    missing = keys - rows.keys()
    if missing:
        CollectorBudget.objects.bulk_create(
            [CollectorBudget(platform=p, key=k) for p, k in missing],
            batch_size=CHUNK,
            ignore_conflicts=True,
        )
        rows = existing()
    return rows


def calls_left(row: CollectorBudget, budget: Budget, now: dt.datetime) -> int:
    """How many calls the collector's share of the window still allows (opens a new window)."""
    start = budget.start_of_window(now)
    if row.window_start != start:
        row.window_start, row.used = start, 0
    allowance = int(budget.units * settings.ANALYTICS_RATE_SHARE)
    return max(allowance - row.used, 0) // max(budget.cost, 1)


def account_credentials(due: Due, integration: Integration | None, owners: dict) -> Credentials:
    """The account's credentials, refreshed when about to expire (as the engine does)."""
    if integration is None:
        return resolve_credentials(
            owner=owners[due.owner_id], platform=due.platform, integration=None
        )
    credentials = credentials_from_integration(integration)
    if (
        credentials.refresh_token
        and credentials.expires_at
        and credentials.expires_at < timezone.now() + TOKEN_REFRESH_MARGIN
    ):
        credentials = refresh_tokens(
            integration.pk,
            registry.client_module(due.platform).refresh,
            renew_before=timezone.now() + TOKEN_REFRESH_MARGIN,
        )
    return credentials


@dataclass
class Results:
    """What the platforms answered, waiting to be written."""

    numbers: list[tuple[Due, PostMetrics]] = field(default_factory=list)
    gone: list[int] = field(default_factory=list)


def ask_account(
    posts: list[Due],
    *,
    module,
    budget: Budget,
    row: CollectorBudget,
    credentials: Credentials,
    results: Results,
    report: CollectionReport,
    deadline: float,
    now: dt.datetime,
) -> None:
    """Batches for one account while its share lasts; an error ends the account's turn."""
    platform = posts[0].platform
    allowed = calls_left(row, budget, now)
    batches = list(chunks(posts, module.BATCH_SIZE))
    if allowed < len(batches):
        report.deferred += 1
    with redacting(*credentials.secrets()):
        for batch in batches[:allowed]:
            if time.monotonic() > deadline:
                return
            row.used += budget.cost
            report.calls[platform] += 1
            targets = [
                MetricsTarget(d.publication_id, d.external_id, d.platform_state or {})
                for d in batch
            ]
            try:
                answer = module.collect(targets, credentials)
            except PlatformError as error:
                handle_error(
                    error, platform=platform, due=batch[0], row=row, report=report, now=now
                )
                return
            for due in batch:
                outcome = answer.get(due.publication_id)
                if outcome is GONE:
                    results.gone.append(due.publication_id)
                elif isinstance(outcome, PostMetrics):
                    results.numbers.append((due, outcome))


def handle_error(
    error: PlatformError,
    *,
    platform: str,
    due: Due,
    row: CollectorBudget,
    report: CollectionReport,
    now: dt.datetime,
) -> None:
    """Back off as publishing does; a refused token makes the account need reconnecting."""
    row.last_error = redact(error.message)[:1000]
    if isinstance(error, RateLimited):
        report.errors[(platform, "rate_limited")] += 1
        row.backoff_until = max(error.until, now)
        return
    row.backoff_until = now + dt.timedelta(seconds=settings.ANALYTICS_ERROR_BACKOFF_SECONDS)
    if isinstance(error, AuthError):
        report.errors[(platform, "auth")] += 1
        mark_integration_error(
            due.integration_id, error.message, status=Integration.Status.NEEDS_REAUTH
        )
    elif isinstance(error, TransientError):
        report.errors[(platform, "transient")] += 1
    else:
        report.errors[(platform, "permanent")] += 1
    logger.warning(
        "Analytics: %s for %s %s: %s", error.code, platform, due.account_key, row.last_error
    )


# --- 4. Writing ---------------------------------------------------------------------------


def write_results(results: Results, now: dt.datetime, report: CollectionReport) -> None:
    """Snapshots, next ages and gone marks: a few queries per 5,000 posts."""
    ages = snapshot_ages()
    snapshots = []
    next_index: dict[int, list[int]] = defaultdict(list)
    for due, numbers in results.numbers:
        index = reached_age_index(due.published_at, now, start=due.next_age_index)
        snapshots.append(
            MetricsSnapshot(
                publication_id=due.publication_id,
                due_after=ages[index],
                taken_at=now,
                engagement=numbers.engagement,
                **numbers.as_dict(),
            )
        )
        next_index[index + 1].append(due.publication_id)
    by_age: dict[int, list[int]] = defaultdict(list)
    for snapshot in snapshots:
        by_age[snapshot.due_after].append(snapshot.publication_id)
    with transaction.atomic():
        for age, ids in by_age.items():
            for part in chunks(ids, CHUNK):
                # A run that ended after writing and before moving on left this age
                # behind: the new numbers replace it.
                MetricsSnapshot.objects.filter(publication_id__in=part, due_after=age).delete()
                MetricsSnapshot.objects.filter(publication_id__in=part, is_latest=True).update(
                    is_latest=False
                )
        MetricsSnapshot.objects.bulk_create(snapshots, batch_size=CHUNK)
        for index, ids in next_index.items():
            due_at = (
                ExpressionWrapper(
                    F("published_at") + Value(dt.timedelta(seconds=ages[index])),
                    output_field=DateTimeField(),
                )
                if index < len(ages)
                else None
            )
            for part in chunks(ids, CHUNK):
                CollectorState.objects.filter(pk__in=part).update(
                    next_age_index=index, next_due_at=due_at, last_collected_at=now
                )
        for part in chunks(results.gone, CHUNK):
            CollectorState.objects.filter(pk__in=part).update(
                gone_at=now, next_due_at=None, last_collected_at=now
            )
    report.snapshots += len(snapshots)
    report.gone += len(results.gone)


# --- The run -----------------------------------------------------------------------------


def acquire_lease(holder: str) -> bool:
    """Take the collector's lease (a row), unless a live run holds it."""
    seconds = settings.ANALYTICS_RUN_BUDGET_SECONDS + 2 * settings.PLATFORM_HTTP_TIMEOUT[1] + 60
    return singleton.acquire_lease(CollectorLease, holder, seconds=seconds)


def release_lease(holder: str) -> None:
    singleton.release_lease(CollectorLease, holder)


def collect_due(*, now: dt.datetime | None = None) -> CollectionReport:
    """One collector run; at most one at a time, across every cluster (a lease row)."""
    holder = uuid.uuid4().hex
    if not acquire_lease(holder):
        return CollectionReport(ran=False)
    try:
        return run(now or timezone.now())
    finally:
        release_lease(holder)


def run(now: dt.datetime) -> CollectionReport:
    started = time.monotonic()
    deadline = started + settings.ANALYTICS_RUN_BUDGET_SECONDS
    report = CollectionReport()
    report.enrolled = enroll_published(now)
    by_account = due_states(now)
    specs = budgets({platform for platform, _ in by_account})
    by_account = {account: posts for account, posts in by_account.items() if account[0] in specs}
    integrations = Integration.objects.in_bulk(
        {posts[0].integration_id for posts in by_account.values() if posts[0].integration_id}
    )
    owners = legacy_owners(by_account.values())
    rows = budget_rows({(p, budget_key(specs[p], key)) for (p, key) in by_account})
    results = Results()
    try:
        for (platform, account_key), posts in by_account.items():
            if time.monotonic() > deadline:
                break
            budget = specs[platform]
            row = rows[(platform, budget_key(budget, account_key))]
            integration = integrations.get(posts[0].integration_id)
            if integration is not None and integration.status in SKIPPED_STATUSES:
                report.skipped[(platform, SKIPPED_STATUSES[integration.status])] += 1
                continue
            if row.backoff_until and row.backoff_until > now:
                report.deferred += 1
                continue
            try:
                credentials = account_credentials(posts[0], integration, owners)
            except (NotConnected, IntegrationUnavailable):
                report.skipped[(platform, "not_connected")] += 1
                continue
            except PlatformError as error:  # the refresh failed
                handle_error(
                    error, platform=platform, due=posts[0], row=row, report=report, now=now
                )
                continue
            ask_account(
                posts,
                module=registry.metrics_module(platform),
                budget=budget,
                row=row,
                credentials=credentials,
                results=results,
                report=report,
                deadline=deadline,
                now=now,
            )
    finally:
        write_results(results, now, report)
        CollectorBudget.objects.bulk_update(
            list(rows.values()),
            ["window_start", "used", "backoff_until", "last_error"],
            batch_size=1000,
        )
        report.seconds = time.monotonic() - started
        collector_ran.send(sender=None, report=report)
    return report


def legacy_owners(groups: Iterable[list[Due]]) -> dict:
    """The owners of accounts without an integration (the legacy columns): one query."""
    from django.contrib.auth import get_user_model

    ids = {posts[0].owner_id for posts in groups if posts[0].integration_id is None}
    return get_user_model().objects.in_bulk(ids) if ids else {}
