"""The publishing engine: tick, dispatch and publish_one.

The database is the queue of record; the broker only rings the doorbell.

* ``tick`` recovers expired leases, holds what a switch holds, and hands due
  publications to workers in batches (``dispatch_due_batch``), polling again
  every ``TICK_POLL_SECONDS`` until its budget is spent.
* A dispatched publication is QUEUED with ``next_attempt_at`` a little ahead:
  if its task is lost, it becomes due again and the next tick re-sends it.
* ``publish_one`` re-checks everything under a row lock, takes a rate-limit
  slot, moves the row to PUBLISHING with a lease, records ``request_sent_at``,
  calls the platform, and records the outcome in one transaction.
* A row the owner's plan no longer allows (a platform left out, automation
  off and the post not sent by hand) is held QUEUED with a plan hold, never
  failed: a change of plan or entitlement makes it due again, and the claim
  checks again.
* A row whose request went out but whose outcome was not recorded is never
  re-sent blindly: the platform module's ``reconcile`` decides first.
* An answer that names the post (a message, post, container or upload-session
  id) is saved the moment it arrives, before the outcome's transaction
  (``Post.checkpoint``, a compare-and-set on the row's claim): a worker that
  dies in between leaves a row that ``reconcile`` finds by that id, not one in
  doubt. Only where nothing can tell is a row FAILED ``in_doubt``, for its
  owner (the API's ``settle``) or an operator to settle.
* An attempt that failed before any request left (the HTTP client counts
  them) sent nothing: it is an ordinary failure, never in doubt, and its
  ``request_sent_at`` is cleared.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import random
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from content.choices import Status
from content.models import Content
from entitlements.services import limits_for, plan_hold_reason
from flags.switches import blocking_switch, held_platforms, switch_states
from integrations.credentials import (
    Credentials,
    IntegrationUnavailable,
    NotConnected,
    resolve_credentials,
)
from integrations.models import Integration
from integrations.redaction import redact, redacting, remember
from integrations.services import mark_integration_error, mark_rate_limited, refresh_tokens
from platforms import http
from platforms.base import (
    UNKNOWN,
    AuthError,
    PermanentError,
    PlatformError,
    Published,
    RateLimited,
    TransientError,
)
from platforms.registry import client_module
from publishing import holds, selectors, signals
from publishing.models import IN_DOUBT_CODE, EngineHeartbeat, Publication
from publishing.posts import build_post
from publishing.rate_limits import reserve_slot
from publishing.states import StaleTransition, transition, transition_many

logger = logging.getLogger(__name__)

# A dispatched row waits this long for its worker before it is due again.
DISPATCH_GRACE = dt.timedelta(seconds=90)
# Refresh an access token that expires within this margin.
TOKEN_REFRESH_MARGIN = dt.timedelta(minutes=2)
TICK = EngineHeartbeat.TICK
# The code of an attempt that Herald's own code broke off before anything was sent.
INTERNAL_ERROR_CODE = "internal_error"


# --- tick ------------------------------------------------------------------------


@dataclass
class TickReport:
    recovered: int = 0
    held: int = 0
    dispatched: int = 0
    passes: int = 0


def tick(*, budget_seconds: float | None = None, enqueue=None) -> TickReport:
    """One scheduler run: recover, hold, dispatch; poll again until the budget is spent.

    The Schedule fires about once a minute (give or take the scheduler's own
    15-second check), and the default budget of 75 s outlasts that interval:
    consecutive ticks overlap briefly, so some tick is always polling and a due
    row waits at most ``TICK_POLL_SECONDS`` plus one pass. Overlapping ticks
    are harmless: claims use SKIP LOCKED and compare-and-set.
    """
    started = time.monotonic()
    budget = settings.TICK_BUDGET_SECONDS if budget_seconds is None else budget_seconds
    report = TickReport()
    while True:
        pass_started = time.monotonic()
        now = timezone.now()
        report.recovered += recover_expired_leases(now)
        states = switch_states()
        held = held_platforms(states)
        report.held += hold_switched_off(now, held, states)
        while dispatched := dispatch_due_batch(now, exclude_platforms=held, enqueue=enqueue):
            report.dispatched += dispatched
            now = timezone.now()
        signals.tick_pass_finished.send(sender=None, seconds=time.monotonic() - pass_started)
        report.passes += 1
        record_heartbeat(started, report)
        if budget - (time.monotonic() - started) < settings.TICK_POLL_SECONDS:
            break
        time.sleep(settings.TICK_POLL_SECONDS)
    return report


def record_heartbeat(started: float, report: TickReport) -> None:
    EngineHeartbeat.objects.update_or_create(
        name=TICK,
        defaults={
            "last_tick_at": timezone.now(),
            "last_tick_seconds": time.monotonic() - started,
            "last_dispatched": report.dispatched,
        },
    )


def recover_expired_leases(now: dt.datetime) -> int:
    """Return PUBLISHING rows whose worker vanished to the due set.

    A row that never sent its request is simply due again. One whose request
    went out keeps ``request_sent_at``, so publish_one reconciles before it
    would send anything.
    """
    expired = list(
        Publication.objects.filter(status=Status.PUBLISHING, lease_expires_at__lt=now).values_list(
            "pk", "request_sent_at"
        )
    )
    moved = []
    for was_sent, why in (
        (False, "the worker's lease expired before the request was sent"),
        (
            True,
            "the worker's lease expired after the request was sent: reconcile before any resend",
        ),
    ):
        moved += transition_many(
            [pk for pk, sent_at in expired if (sent_at is not None) == was_sent],
            [Status.PUBLISHING],
            Status.QUEUED,
            reason=why,
            next_attempt_at=now,
            lease_expires_at=None,
            **holds.RELEASED,
        )
    if moved:
        logger.warning("Recovered %d publications with expired leases.", len(moved))
    return len(moved)


def hold_switched_off(now: dt.datetime, held: list[str], states: dict[str, bool]) -> int:
    """Due SCHEDULED/RETRYING rows of held platforms go QUEUED, to wait for their switch."""
    total = 0
    for platform in held:
        switch = blocking_switch(platform, states)
        while True:
            ids = list(
                selectors.due_publications(now, statuses=(Status.SCHEDULED, Status.RETRYING))
                .filter(platform=platform)
                .values_list("pk", flat=True)[: settings.PUBLISH_BATCH_SIZE * 10]
            )
            if not ids:
                break
            total += len(
                transition_many(
                    ids,
                    [Status.SCHEDULED, Status.RETRYING],
                    Status.QUEUED,
                    reason=f"held: the switch {switch} is off",
                    **holds.switch_off(switch).fields(),
                )
            )
    return total


def dispatch_due_batch(now: dt.datetime, *, exclude_platforms=(), enqueue=None) -> int:
    """Claim up to PUBLISH_BATCH_SIZE due rows and hand each to a worker on commit.

    A fixed number of queries whatever the batch size.
    """
    enqueue = enqueue or enqueue_publication
    with transaction.atomic():
        due = selectors.due_publications(now).exclude(platform__in=exclude_platforms)
        ids = list(
            due.select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True)[
                : settings.PUBLISH_BATCH_SIZE
            ]
        )
        moved = transition_many(
            ids,
            [Status.SCHEDULED, Status.RETRYING, Status.QUEUED],
            Status.QUEUED,
            reason="due: handed to a worker",
            next_attempt_at=now + DISPATCH_GRACE,
            **holds.RELEASED,
        )
        transaction.on_commit(lambda: [enqueue(pk) for pk in moved])
    return len(moved)


def enqueue_publication(publication_id: int) -> None:
    """Ring the doorbell: ask a django-q2 worker to run publish_one (the original enqueuePublication)."""
    from django_q.tasks import async_task

    async_task(
        "publishing.tasks.publish_one",
        publication_id,
        task_name=f"publish-{publication_id}",
        group="publish",
        # The audit log records every outcome; a task row per post would only
        # add writes (and pruning) to the hot path.
        save=False,
    )


# --- publish_one --------------------------------------------------------------------


class Outcome(enum.StrEnum):
    """What one ``publish_one`` call did; its value is what logs and task results show."""

    # The platform has the post: sent now, or found there by reconcile.
    PUBLISHED = "published"
    # Ended FAILED: refused, out of retries, no account, or in doubt for an operator.
    FAILED = "failed"
    # A transient error: RETRYING, with the next attempt scheduled.
    RETRYING = "retrying"
    # QUEUED until a rate limit frees: Herald's own window, or the platform's 429.
    RATE_LIMITED = "rate_limited"
    # QUEUED by a switch, a paused account, the owner's plan, or a wait the platform
    # asked for earlier.
    HELD = "held"
    # The content was edited after the claim: due again, to be sent as edited.
    RELEASED = "released"
    # Not QUEUED, or held, when the worker came: another path already handled it.
    SKIPPED = "skipped"
    # No such publication (deleted since it was dispatched).
    MISSING = "missing"
    # Published, but the row had moved meanwhile: logged for an operator.
    STALE = "stale"


@dataclass
class Claim:
    publication: Publication
    content: Content


def publish_one(publication_id: int) -> Outcome:
    """Publish one dispatched publication. Returns what happened, for logs and tests.

    The attempt runs inside ``redacting``: the account's tokens are masked in
    everything it logs and in every error text it stores, whatever the
    platform quoted back.
    """
    claim = claim_publication(publication_id)
    if isinstance(claim, Outcome):
        return claim
    with redacting():
        return attempt(claim)


def attempt(claim: Claim) -> Outcome:
    """Call the platform for a claimed publication and record the outcome."""
    publication, content = claim.publication, claim.content
    module = client_module(publication.platform)
    post = build_post(content, publication.platform, publication=publication)
    # Set when an earlier attempt's request went out with no recorded outcome:
    # until reconcile settles it, no error may clear that mark.
    in_doubt = publication.request_sent_at is not None
    # The thread's request count when the platform call began: None until then.
    requests_before = None
    try:
        credentials = fresh_credentials(publication, content, module)
        if in_doubt:
            found = module.reconcile(post, credentials)
            if isinstance(found, Published):
                return record_published(
                    publication, found, reason="found on the platform by reconcile"
                )
            if found is UNKNOWN:
                return record_failed(
                    publication,
                    code=IN_DOUBT_CODE,
                    message="The request was sent but its outcome is unknown, and the platform "
                    "cannot tell whether the post exists. Check the platform, then settle it "
                    "(its owner through the API, or an operator in the admin).",
                )
            logger.info("Publication %s: reconcile found nothing; safe to send.", publication.pk)
            in_doubt = False
        if not mark_request_sent(publication, content):
            return release_after_edit(publication)
        requests_before = http.requests_sent()
        result = module.publish(post, credentials)
    except PlatformError as error:
        return record_platform_error(
            publication,
            content,
            error,
            in_doubt=in_doubt,
            nothing_sent=nothing_sent_since(requests_before),
        )
    except (NotConnected, IntegrationUnavailable) as error:
        return record_failed(publication, code="not_connected", message=str(error))
    except Exception as error:
        if in_doubt or not nothing_sent_since(requests_before):
            # A bug or an unexpected answer after a request went out: the post
            # may be out, so the next attempt reconciles first.
            logger.exception("Publication %s: unexpected error while publishing.", publication.pk)
            wrapped = TransientError(f"Unexpected error: {type(error).__name__}", maybe_sent=True)
            return record_platform_error(publication, content, wrapped, in_doubt=in_doubt)
        logger.exception("Publication %s: unexpected error before any request.", publication.pk)
        return record_failed(
            publication,
            code=INTERNAL_ERROR_CODE,
            message=f"Herald failed before sending anything ({type(error).__name__}); nothing "
            "went out. Retry once the cause is fixed.",
            sent_nothing=True,
        )
    return record_published(publication, result, reason="published")


def nothing_sent_since(requests_before: int | None) -> bool:
    """True when no request left this thread since ``requests_before`` (None: no call began)."""
    return requests_before is None or http.requests_sent() == requests_before


def claim_publication(publication_id: int) -> Claim | Outcome:
    """Re-check a dispatched row under lock and move it to PUBLISHING, or hold or skip it."""
    now = timezone.now()
    with transaction.atomic():
        publication = (
            Publication.objects.select_for_update(of=("self",))
            .select_related("content", "content__owner", "integration")
            .filter(pk=publication_id)
            .first()
        )
        if publication is None:
            logger.info("publish_one(%s): no such publication; skipped.", publication_id)
            return Outcome.MISSING
        if publication.status != Status.QUEUED or publication.hold_kind:
            logger.info(
                "publish_one(%s): skipped, the publication is %s%s (already handled).",
                publication_id,
                publication.status,
                f", {publication.hold_reason}" if publication.hold_reason else "",
            )
            return Outcome.SKIPPED
        content = publication.content
        if switch := blocking_switch(publication.platform):
            hold(publication, holds.switch_off(switch), until=now)
            return Outcome.HELD
        integration = publication.integration
        if integration is not None and integration.status == Integration.Status.PAUSED:
            hold(publication, holds.paused_account(), until=None)
            return Outcome.HELD
        # A plan that shrank since the post was scheduled holds it (one query: the
        # owner's entitlement with its plan); a new plan or entitlement releases it.
        limits = limits_for(content.owner, now=now)
        if why := plan_hold_reason(limits, publication.platform, by_hand=publication.by_hand):
            hold(publication, holds.plan_limit(why), until=None)
            return Outcome.HELD
        if (
            integration is not None
            and integration.rate_limited_until
            and integration.rate_limited_until > now
        ):
            hold(publication, holds.platform_wait(), until=integration.rate_limited_until)
            return Outcome.HELD
        slot = reserve_slot(publication, now)
        if not slot.granted:
            hold(publication, holds.rate_window_full(publication.platform), until=slot.free_at)
            signals.rate_window_held.send(sender=None, platform=publication.platform)
            return Outcome.RATE_LIMITED
        transition(
            publication,
            Status.PUBLISHING,
            reason="claimed by a worker",
            # The row is locked: a plain value keeps the count usable in memory
            # (mark_request_sent tells the first attempt by it).
            attempts=publication.attempts + 1,
            lease_expires_at=now + dt.timedelta(seconds=settings.PUBLISH_LEASE_SECONDS),
            claimed_version=content.version,
            rate_slot_at=now,
            next_attempt_at=None,
        )
    return Claim(publication, content)


def hold(publication: Publication, why: holds.Hold, *, until: dt.datetime | None) -> None:
    """Keep the row QUEUED until ``until`` (None: until something releases it)."""
    transition(
        publication,
        Status.QUEUED,
        reason=f"held: {why.reason}",
        next_attempt_at=until,
        **why.fields(),
    )


def fresh_credentials(publication: Publication, content: Content, module) -> Credentials:
    """The account's credentials, refreshed when about to expire; their secrets are redacted."""
    credentials = resolve_credentials(
        owner=content.owner, platform=publication.platform, integration=publication.integration
    )
    remember(*credentials.secrets())
    expires_at = credentials.expires_at
    if (
        credentials.integration_id
        and credentials.refresh_token
        and expires_at
        and expires_at < timezone.now() + TOKEN_REFRESH_MARGIN
    ):
        credentials = refresh_tokens(
            credentials.integration_id,
            module.refresh,
            renew_before=timezone.now() + TOKEN_REFRESH_MARGIN,
        )
        remember(*credentials.secrets())
    return credentials


def mark_request_sent(publication: Publication, content: Content) -> bool:
    """Record that the request is about to go out; False if the content was edited since the claim."""
    now = timezone.now()
    updated = Publication.objects.filter(
        pk=publication.pk,
        status=Status.PUBLISHING,
        content__version=publication.claimed_version,
    ).update(request_sent_at=now)
    publication.request_sent_at = now
    if updated == 1 and publication.attempts == 1:
        signals.first_request_sent.send(
            sender=None,
            platform=publication.platform,
            scheduled_for=content.scheduled_for,
            sent_at=now,
        )
    return updated == 1


def release_after_edit(publication: Publication) -> Outcome:
    transition(
        publication,
        Status.QUEUED,
        reason="the content was edited after the claim: it will be sent as edited",
        next_attempt_at=timezone.now(),
        lease_expires_at=None,
        rate_slot_at=None,
        request_sent_at=None,
    )
    return Outcome.RELEASED


def record_published(publication: Publication, result: Published, *, reason: str) -> Outcome:
    now = timezone.now()
    try:
        transition(
            publication,
            Status.PUBLISHED,
            reason=reason,
            external_id=result.external_id,
            permalink=result.permalink,
            published_at=now,
            lease_expires_at=None,
            last_error="",
            last_error_code="",
            **holds.RELEASED,
        )
    except StaleTransition:
        logger.error("Publication %s was published but its row moved meanwhile.", publication.pk)
        return Outcome.STALE
    return Outcome.PUBLISHED


def record_failed(
    publication: Publication, *, code: str, message: str, sent_nothing: bool = False
) -> Outcome:
    """End the attempt FAILED. ``sent_nothing``: no request left, so the sent mark goes too."""
    message = redact(message)
    cleared = {"request_sent_at": None} if sent_nothing else {}
    transition(
        publication,
        Status.FAILED,
        reason=message,
        error_code=code,
        last_error_code=code,
        last_error=message,
        lease_expires_at=None,
        next_attempt_at=None,
        **cleared,
    )
    return Outcome.FAILED


def retry_delay(retry_number: int) -> dt.timedelta:
    base = settings.PUBLISH_RETRY_DELAY
    if not settings.PUBLISH_RETRY_BACKOFF:
        return dt.timedelta(seconds=base)
    # Exponential with full jitter: spreads a burst of failures over time.
    ceiling = base * 2 ** (retry_number - 1)
    return dt.timedelta(seconds=random.uniform(base, ceiling))  # noqa: S311 - not security


def record_platform_error(
    publication: Publication,
    content: Content,
    error: PlatformError,
    *,
    in_doubt: bool = False,
    nothing_sent: bool = False,
) -> Outcome:
    """Record a failed attempt.

    ``in_doubt``: an earlier request is still unaccounted for. ``nothing_sent``:
    no request left during this attempt, so a final failure clears the sent
    mark (a refusal after a request keeps it: the next attempt reconciles).
    """
    signals.attempt_failed.send(sender=None, platform=publication.platform, error=error)
    now = timezone.now()
    # The platform's words may quote a token back: stored and shown only redacted.
    message = redact(error.message)
    # Keep the sent mark if the platform may have acted now or before: the next
    # attempt then reconciles before it could send again.
    keep_sent_mark = in_doubt or getattr(error, "maybe_sent", False)
    sent_mark = publication.request_sent_at if keep_sent_mark else None
    sent_nothing = nothing_sent and not keep_sent_mark
    if isinstance(error, RateLimited):
        with transaction.atomic():
            mark_rate_limited(publication.integration_id, error.until)
            transition(
                publication,
                Status.QUEUED,
                reason=f"held: the platform is rate limiting until {error.until.isoformat()}",
                error_code=error.code,
                **holds.platform_wait().fields(),
                next_attempt_at=error.until,
                lease_expires_at=None,
                request_sent_at=sent_mark,
            )
        return Outcome.RATE_LIMITED
    if isinstance(error, AuthError):
        with transaction.atomic():
            mark_integration_error(
                publication.integration_id, message, status=Integration.Status.NEEDS_REAUTH
            )
            record_failed(
                publication,
                **failure(error, message, keep_sent_mark),
                sent_nothing=sent_nothing,
            )
        return Outcome.FAILED
    if isinstance(error, TransientError) and publication.retry_count < settings.PUBLISH_MAX_RETRIES:
        retry_number = publication.retry_count + 1
        with transaction.atomic():
            transition(
                publication,
                Status.RETRYING,
                reason=f"transient error, retry {retry_number} of "
                f"{settings.PUBLISH_MAX_RETRIES}: {message}",
                error_code=error.code,
                retry_count=retry_number,
                last_retry_at=now,
                next_attempt_at=now + retry_delay(retry_number),
                last_error_code=error.code,
                last_error=message,
                lease_expires_at=None,
                request_sent_at=sent_mark,
            )
            Content.objects.filter(pk=content.pk).update(
                retry_count=F("retry_count") + 1, last_retry_at=now
            )
        return Outcome.RETRYING
    if isinstance(error, TransientError):
        message = f"gave up after {settings.PUBLISH_MAX_RETRIES} retries: {message}"
        return record_failed(
            publication, **failure(error, message, keep_sent_mark), sent_nothing=sent_nothing
        )
    if not isinstance(error, PermanentError):
        logger.error("Unknown platform error class %s", type(error).__name__)
    return record_failed(
        publication, **failure(error, message, keep_sent_mark), sent_nothing=sent_nothing
    )


def failure(error: PlatformError, message: str, in_doubt: bool) -> dict[str, str]:
    """The code and message of a final failure.

    A row whose request may have gone out stays in doubt whatever ended the
    attempts (a reconcile that kept failing, a refused token): only reconcile or
    an operator can settle it, so it must keep the code that asks for one.
    """
    if not in_doubt:
        return {"code": error.code, "message": message}
    return {
        "code": IN_DOUBT_CODE,
        "message": f"The request was sent but its outcome is unknown, and the platform could "
        f"not be asked ({message}). Check the platform, then settle it (its owner through the "
        f"API, or an operator in the admin), or retry: the platform is asked before anything "
        f"is sent again.",
    }
