"""The publishing engine: tick, dispatch and publish_batch.

The database is the queue of record; the broker only rings the doorbell.

* ``tick`` recovers expired leases, holds what a switch holds, and hands due
  publications to workers in batches (``dispatch_due_batch``: one task per
  batch), polling again every ``TICK_POLL_SECONDS`` until its budget is spent.
* A dispatched publication is QUEUED with ``next_attempt_at`` a little ahead:
  if its task is lost, it becomes due again and the next tick re-sends it.
  ``first_due_at`` keeps when it first became due, so /health/ sees a row that
  workers never take however often it is handed out again.
* ``publish_batch`` claims the batch in one transaction (row locks, checks,
  the rate-limit slots of every account in one round trip, grouped UPDATEs
  and one INSERT of audit events), records ``request_sent_at`` on the whole
  batch in one compare-and-set UPDATE, sends on a pool of threads, and records
  the outcomes together as they come in.
* A row the owner's plan no longer allows (a platform left out, automation
  off and the post not sent by hand) is held QUEUED with a plan hold, never
  failed: a change of plan or entitlement makes it due again, and the claim
  checks again. A hold writes an audit event when it begins or changes, not
  on every re-check; a full rate window gives each waiting row its own turn.
* A request leaves within ``RATE_LIMIT_MARGIN_SECONDS`` of the rate slot its
  claim took, or takes its slot again just before (``retake_slot``), so the
  platform never sees requests closer together than Herald counted slots. A
  late request that finds the window full goes back QUEUED for its turn,
  having sent nothing.
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

Why threads, not async I/O, for the sends: the four platform clients, the
HTTP client's per-thread request count (which tells "nothing was sent" from
"in doubt"), the redaction of secrets (a ContextVar per attempt) and Django's
ORM (the checkpoints) are all synchronous. A bounded pool of
``PUBLISH_CONCURRENCY`` threads (by default one per row of a batch) runs them
unchanged; the work is waiting on sockets, which releases the GIL, so threads
give the same overlap as an event loop would without rewriting every client and
its tests, and a slow call holds one thread until its own timeout, never the
others. Each thread returns its database connection (to the pool) when its chain ends.

Why the claim locks then updates, rather than one ``UPDATE ... RETURNING``:
the claim must re-check every row (switches, paused account, plan, platform
wait) and take its rate slot *before* it may move, and the database fallback
of the rate limiter counts slots under the same transaction. So the rows are
locked in primary-key order (``SELECT ... FOR UPDATE``, which SQLite's
IMMEDIATE transactions serialize too), checked in memory, and moved with a
few grouped UPDATEs whose compare-and-set is the status read under that lock.
Exactly once holds because no other process can move a locked row between
the read and the write.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import os
import random
import threading
import time
from collections import defaultdict
from concurrent.futures import ALL_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.utils import timezone

from content.choices import Status
from content.models import Content
from entitlements.services import limits_for_users, plan_hold_reason
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
from publishing.rate_limits import reserve_slots, retake_slot, slot_is_late
from publishing.states import Move, apply_moves, transition, transition_many

logger = logging.getLogger(__name__)

# A dispatched row waits this long for its worker before it is due again.
DISPATCH_GRACE = dt.timedelta(seconds=90)
# Refresh an access token that expires within this margin.
TOKEN_REFRESH_MARGIN = dt.timedelta(minutes=2)
TICK = EngineHeartbeat.TICK
# The code of an attempt that Herald's own code broke off before anything was sent.
INTERNAL_ERROR_CODE = "internal_error"
# Herald's database failed in a sending thread before any request: retried, never final.
DATABASE_ERROR_CODE = "database_unavailable"
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


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
    deadline = started + dispatch_seconds(budget)
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
            if time.monotonic() >= deadline:
                logger.warning(
                    "Tick: stopped handing out due rows after %.0f s; the next tick goes on.",
                    time.monotonic() - started,
                )
                break
        signals.tick_pass_finished.send(sender=None, seconds=time.monotonic() - pass_started)
        report.passes += 1
        record_heartbeat(started, report)
        if budget - (time.monotonic() - started) < settings.TICK_POLL_SECONDS:
            break
        time.sleep(settings.TICK_POLL_SECONDS)
    return report


def dispatch_seconds(budget: float) -> float:
    """How long a tick may go on handing out rows: halfway from its budget to its task's timeout.

    A pass hands out every due row; with a backlog of thousands on a busy machine
    that can outlast the task's timeout, and django-q would kill the tick
    mid-pass. Stopping here leaves the rest to the next tick, a minute later at most.
    """
    timeout = settings.Q_CLUSTER["timeout"]
    return budget + max(timeout - budget, 0) / 2


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
    """Claim up to PUBLISH_BATCH_SIZE due rows and hand them to a worker on commit.

    A fixed number of queries whatever the batch size. The whole batch goes to
    one ``publish_batch`` task (``enqueue``, given, is called once per id
    instead: tests run the rows one by one). A row that becomes due records the
    moment in ``first_due_at``, kept when it is handed out again; a row already
    QUEUED keeps its hold's columns (the worker checks it again) and gets no new
    audit event: handing a row out again is not news.
    """
    with transaction.atomic():
        due = selectors.due_publications(now).exclude(platform__in=exclude_platforms)
        rows = list(
            due.select_for_update(skip_locked=True, of=("self",)).values_list(
                "pk", "status", "content_id"
            )[: settings.PUBLISH_BATCH_SIZE]
        )
        fields = {
            "next_attempt_at": now + DISPATCH_GRACE,
            "first_due_at": Coalesce(F("first_due_at"), F("next_attempt_at")),
        }
        made = apply_moves(
            (
                Move(
                    pk,
                    (Status.SCHEDULED, Status.RETRYING, Status.QUEUED),
                    Status.QUEUED,
                    "due: handed to a worker",
                    fields,
                    record=status != Status.QUEUED,
                )
                for pk, status, _ in rows
            ),
            locked={pk: (status, content_id) for pk, status, content_id in rows},
        )
        moved = [move.publication_id for move in made]
        if enqueue is not None:
            transaction.on_commit(lambda: [enqueue(pk) for pk in moved])
        elif moved:
            transaction.on_commit(lambda: enqueue_batch(moved))
    return len(moved)


def enqueue_batch(publication_ids: list[int]) -> None:
    """Ring the doorbell once for a batch: one django-q2 task runs publish_batch on it."""
    from django_q.tasks import async_task

    async_task(
        "publishing.tasks.publish_batch",
        list(publication_ids),
        task_name=f"publish-batch-{publication_ids[0]}",
        group="publish",
        # The audit log records every outcome; a task row per batch would only
        # add writes (and pruning) to the hot path.
        save=False,
    )


def enqueue_publication(publication_id: int) -> None:
    """Ring the doorbell for one row (the original enqueuePublication): publish_one."""
    from django_q.tasks import async_task

    async_task(
        "publishing.tasks.publish_one",
        publication_id,
        task_name=f"publish-{publication_id}",
        group="publish",
        save=False,
    )


# --- publish_batch --------------------------------------------------------------------


class Outcome(enum.StrEnum):
    """What happened to one publication of a batch; its value is what logs and task results show."""

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
    # Not QUEUED when the worker came: another path already handled it.
    SKIPPED = "skipped"
    # No such publication (deleted since it was dispatched).
    MISSING = "missing"
    # Published, but the row had moved meanwhile: logged for an operator.
    STALE = "stale"


@dataclass
class Claim:
    publication: Publication
    content: Content


@dataclass
class Sent:
    """What one platform attempt came to, decided in its thread, recorded by the batch.

    Exactly one of ``published``, ``error``, ``failure``, ``released`` or ``held_until``
    is set.
    Every text in it is redacted already (the account's secrets are known only
    inside the attempt's ``redacting`` block).
    """

    claim: Claim
    published: Published | None = None
    reason: str = "published"
    error: PlatformError | None = None
    in_doubt: bool = False
    nothing_sent: bool = False
    failure: dict | None = None  # record_failed's keywords
    released: bool = False
    # Nothing sent: the request was late and its account's window full (``retake_slot``).
    held_until: dt.datetime | None = None


def publish_one(publication_id: int) -> Outcome:
    """Publish one dispatched publication: a batch of one. Returns what happened."""
    return publish_batch([publication_id])[publication_id]


def publish_batch(publication_ids: list[int]) -> dict[int, Outcome]:
    """Publish a batch of dispatched publications; returns each one's outcome.

    1. ``claim_batch``: one transaction locks the rows, checks switches, paused
       accounts, plans and platform waits, takes the rate-limit slots of the
       whole batch in one round trip, and moves the claimed rows to PUBLISHING
       with a lease each (holds and claims: a few grouped UPDATEs, one INSERT of
       audit events).
    2. ``mark_requests_sent``: one UPDATE records ``request_sent_at`` on every
       claimed row not in doubt, as a compare-and-set on its claim and on its
       content's version; a row edited since the claim is released instead.
    3. ``send_all``: the platform calls, on a pool of ``PUBLISH_CONCURRENCY``
       threads, one account's posts one after another in due order. A row in
       doubt asks ``reconcile`` first, in its thread, and is marked there.
    4. ``record_sent``: outcomes as they come in, every second or so: the
       published ones with one grouped UPDATE and one INSERT; errors as before,
       row by row.
    """
    ids = list(dict.fromkeys(publication_ids))
    outcomes, claims = claim_batch(ids)
    if not claims:
        return outcomes
    fresh = [claim for claim in claims if claim.publication.request_sent_at is None]
    fresh_ids = {claim.publication.pk for claim in fresh}
    marked = mark_requests_sent(fresh)
    ready = []
    for claim in claims:
        pk = claim.publication.pk
        if pk in fresh_ids and pk not in marked:
            outcomes[pk] = release_after_edit(claim.publication)
        else:
            # An earlier request in doubt (not marked): reconcile, then mark, in its thread.
            ready.append((claim, pk in marked))
    for sent in send_all(ready):
        outcomes.update(record_sent(sent))
    return outcomes


def claim_batch(ids: list[int]) -> tuple[dict[int, Outcome], list[Claim]]:
    """Re-check the dispatched rows under lock; move the ones that may go to PUBLISHING.

    The rows are locked in primary-key order (as every multi-row lock in
    Herald is) and read with their content, owner and account; the claimed
    ones' media follow in one query. Returns
    the outcome of every row that does not go out now, and the claims.
    """
    now = timezone.now()
    outcomes: dict[int, Outcome] = {}
    with transaction.atomic():
        rows = list(
            Publication.objects.select_for_update(of=("self",))
            .select_related("content", "content__owner", "integration")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        found = {row.pk for row in rows}
        for pk in ids:
            if pk not in found:
                logger.info("publish_batch: publication %s no longer exists; skipped.", pk)
                outcomes[pk] = Outcome.MISSING
        # Due order: the order the tick handed them out, so one account's go in turn.
        order = {pk: index for index, pk in enumerate(ids)}
        candidates = sorted(
            (row for row in rows if row.status == Status.QUEUED and not waits_its_turn(row, now)),
            key=lambda r: order[r.pk],
        )
        for row in rows:
            if row.status != Status.QUEUED:
                logger.info(
                    "publish_one(%s): skipped, the publication is %s (already handled).",
                    row.pk,
                    row.status,
                )
                outcomes[row.pk] = Outcome.SKIPPED
            elif waits_its_turn(row, now):
                logger.info(
                    "publish_one(%s): skipped, held until %s and not handed out since.",
                    row.pk,
                    row.next_attempt_at.isoformat(),
                )
                outcomes[row.pk] = Outcome.SKIPPED
        moves: list[Move] = []
        states = switch_states() if candidates else {}
        limits = limits_for_users({row.content.owner for row in candidates}) if candidates else {}
        slot_seekers = []
        for row in candidates:
            held = check_holds(row, now, states, limits)
            if held is None:
                slot_seekers.append(row)
                continue
            why, until = held
            moves.append(hold_move(row, why, until))
            outcomes[row.pk] = Outcome.HELD
        decisions = reserve_slots(slot_seekers, now)
        lease = now + dt.timedelta(seconds=settings.PUBLISH_LEASE_SECONDS)
        claimed = []
        for row in slot_seekers:
            slot = decisions[row.pk]
            if not slot.granted:
                moves.append(hold_move(row, holds.rate_window_full(row.platform), slot.free_at))
                signals.rate_window_held.send(sender=None, platform=row.platform)
                outcomes[row.pk] = Outcome.RATE_LIMITED
                continue
            fields = {
                "attempts": row.attempts + 1,
                "lease_expires_at": lease,
                "claimed_version": row.content.version,
                "rate_slot_at": now,
                "next_attempt_at": None,
                **holds.RELEASED,
            }
            moves.append(
                Move(row.pk, (Status.QUEUED,), Status.PUBLISHING, "claimed by a worker", fields)
            )
            claimed.append((row, fields))
        apply_moves(moves, locked={row.pk: (row.status, row.content_id) for row in rows})
    claims = []
    for row, fields in claimed:
        row.status = Status.PUBLISHING
        for name, value in fields.items():
            setattr(row, name, value)
        claims.append(Claim(row, row.content))
    # The media of the claimed posts only, in one query (a held row needs none).
    prefetch_related_objects([claim.content for claim in claims], "media")
    return outcomes, claims


def claim_publication(publication_id: int) -> Claim | Outcome:
    """``claim_batch`` for one row: its claim, or what happened to it instead."""
    outcomes, claims = claim_batch([publication_id])
    return claims[0] if claims else outcomes[publication_id]


def waits_its_turn(row: Publication, now: dt.datetime) -> bool:
    """True for a held row whose due time has not come and that the tick has not handed
    out since its hold began (a hand-out sets ``first_due_at``; a hold clears it).

    Its task is a stale duplicate of an earlier hand-out (one that waited in the queue
    past ``DISPATCH_GRACE``). Checking the row again now could only give it a new
    turn, behind every row that waits after it, so it is left as it is.
    """
    return (
        row.first_due_at is None and row.next_attempt_at is not None and row.next_attempt_at > now
    )


def check_holds(row: Publication, now: dt.datetime, states, limits):
    """What holds a QUEUED row now, as (hold, until); None when it may take a slot."""
    if switch := blocking_switch(row.platform, states):
        return holds.switch_off(switch), now
    integration = row.integration
    if integration is not None and integration.status == Integration.Status.PAUSED:
        return holds.paused_account(), None
    # A plan that shrank since the post was scheduled holds it; a new plan or
    # entitlement releases it.
    if why := plan_hold_reason(limits[row.content.owner_id], row.platform, by_hand=row.by_hand):
        return holds.plan_limit(why), None
    if (
        integration is not None
        and integration.rate_limited_until
        and integration.rate_limited_until > now
    ):
        return holds.platform_wait(), integration.rate_limited_until
    return None


def hold_move(row: Publication, why: holds.Hold, until: dt.datetime | None) -> Move:
    """Keep the row QUEUED until ``until`` (None: until something releases it).

    An audit event only when the hold begins or changes: the same hold found
    again on a re-check moves the due time alone. A held row is not due, so
    its ``first_due_at`` goes.
    """
    same = row.hold_kind == why.kind and row.hold_reason == why.reason
    return Move(
        row.pk,
        (Status.QUEUED,),
        Status.QUEUED,
        f"held: {why.reason}",
        {"next_attempt_at": until, "first_due_at": None, **why.fields()},
        record=not same,
    )


def mark_requests_sent(claims: list[Claim]) -> set[int]:
    """Record that the requests are about to go out: one UPDATE for the batch.

    A compare-and-set per row: still PUBLISHING under this claim's lease, and
    its content still at the version claimed. Returns the ids marked; the
    others were edited since the claim.
    """
    if not claims:
        return set()
    now = timezone.now()
    ids = [claim.publication.pk for claim in claims]
    lease = claims[0].publication.lease_expires_at
    updated = Publication.objects.filter(
        pk__in=ids,
        status=Status.PUBLISHING,
        lease_expires_at=lease,
        content__version=F("claimed_version"),
    ).update(request_sent_at=now)
    if updated == len(ids):
        marked = set(ids)
    else:
        # Rare: some content was edited. Our own rows (PUBLISHING, under our lease) carry
        # exactly this moment if marked.
        marked = set(
            Publication.objects.filter(pk__in=ids, request_sent_at=now).values_list("pk", flat=True)
        )
    for claim in claims:
        publication = claim.publication
        if publication.pk not in marked:
            continue
        publication.request_sent_at = now
        if publication.attempts == 1:
            signals.first_request_sent.send(
                sender=None,
                platform=publication.platform,
                scheduled_for=claim.content.scheduled_for,
                sent_at=now,
            )
    return marked


# How often the batch records the outcomes that came in, while slower calls go on.
RECORD_EVERY_SECONDS = 1.0
_pool: ThreadPoolExecutor | None = None
_pool_pid: int | None = None
_pool_lock = threading.Lock()


def send_pool() -> ThreadPoolExecutor:
    """This process's pool of sending threads (a forked worker builds its own)."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(
                max_workers=settings.PUBLISH_CONCURRENCY, thread_name_prefix="herald-send"
            )
            _pool_pid = os.getpid()
        return _pool


def send_all(ready: list[tuple[Claim, bool]]):
    """Send every claim; yield lists of ``Sent`` as they finish.

    One account's claims go one after another, in due order (per-account
    order); different accounts go at once. A single account runs in this
    thread. A slow call holds back only the posts of its own account.
    """
    chains: dict[tuple[str, str], list[tuple[Claim, bool]]] = defaultdict(list)
    for claim, marked in ready:
        publication = claim.publication
        chains[(publication.platform, publication.account_key)].append((claim, marked))
    if len(chains) <= 1 or settings.PUBLISH_CONCURRENCY <= 1:
        finished, since = [], time.monotonic()
        for chain in chains.values():
            for claim, marked in chain:
                finished.append(send(claim, marked, pooled=False))
                if time.monotonic() - since >= RECORD_EVERY_SECONDS:
                    yield finished
                    finished, since = [], time.monotonic()
        if finished:
            yield finished
        return
    pending = {send_pool().submit(run_chain, chain) for chain in chains.values()}
    while pending:
        done, pending = wait(pending, timeout=RECORD_EVERY_SECONDS, return_when=ALL_COMPLETED)
        if done:
            yield [sent for future in done for sent in future.result()]


def run_chain(chain: list[tuple[Claim, bool]]) -> list[Sent]:
    """One account's claims, in order, in a pool thread.

    The thread uses the database only for short writes (a checkpoint, the mark of a
    row reconciled), and gives its connection back after each one, so 32 threads
    never hold a process's pool of connections across their platform calls.
    """
    finished = []
    for claim, marked in chain:
        try:
            finished.append(send(claim, marked, pooled=True))
        finally:
            connection.close()
    return finished


def send(claim: Claim, marked: bool, *, pooled: bool) -> Sent:
    """Call the platform for a claimed publication; decide the outcome, record nothing.

    The attempt runs inside ``redacting``: the account's tokens are masked in
    everything it logs and in every error text it keeps, whatever the platform
    quoted back.
    """
    with redacting():
        sent = attempt(claim, marked, pooled=pooled)
        if sent.error is not None:
            sent.error.message = redact(sent.error.message)
        if sent.failure is not None:
            sent.failure["message"] = redact(sent.failure["message"])
        return sent


def attempt(claim: Claim, marked: bool, *, pooled: bool = False) -> Sent:
    """Call the platform for a claimed publication. ``marked``: request_sent_at recorded
    for this attempt already; otherwise an earlier request is in doubt. ``pooled``: in a
    pool thread, whose database connection goes back after each checkpoint."""
    publication, content = claim.publication, claim.content
    module = client_module(publication.platform)
    post = build_post(content, publication.platform, publication=publication)
    if pooled:
        post.checkpoint = releasing(post.checkpoint)
    # Set when an earlier attempt's request went out with no recorded outcome:
    # until reconcile settles it, no error may clear that mark.
    in_doubt = not marked
    # The thread's request count when the platform call began: None until then.
    requests_before = None
    try:
        credentials = fresh_credentials(publication, content, module)
        if in_doubt:
            found = module.reconcile(post, credentials)
            if isinstance(found, Published):
                return Sent(claim, published=found, reason="found on the platform by reconcile")
            if found is UNKNOWN:
                return Sent(
                    claim,
                    failure={
                        "code": IN_DOUBT_CODE,
                        "message": "The request was sent but its outcome is unknown, and the "
                        "platform cannot tell whether the post exists. Check the platform, then "
                        "settle it (its owner through the API, or an operator in the admin).",
                    },
                )
            logger.info("Publication %s: reconcile found nothing; safe to send.", publication.pk)
            in_doubt = False
            if not mark_request_sent(publication, content):
                return Sent(claim, released=True)
        if slot_is_late(publication, timezone.now()):
            slot = (releasing(retake_slot) if pooled else retake_slot)(publication)
            if not slot.granted:
                return Sent(claim, held_until=slot.free_at)
        requests_before = http.requests_sent()
        result = module.publish(post, credentials)
    except PlatformError as error:
        return Sent(
            claim, error=error, in_doubt=in_doubt, nothing_sent=nothing_sent_since(requests_before)
        )
    except (NotConnected, IntegrationUnavailable) as error:
        return Sent(claim, failure={"code": "not_connected", "message": str(error)})
    except Exception as error:
        if in_doubt or not nothing_sent_since(requests_before):
            # A bug or an unexpected answer after a request went out: the post
            # may be out, so the next attempt reconciles first.
            logger.exception("Publication %s: unexpected error while publishing.", publication.pk)
            wrapped = TransientError(f"Unexpected error: {type(error).__name__}", maybe_sent=True)
            return Sent(claim, error=wrapped, in_doubt=in_doubt)
        if isinstance(error, DATABASE_UNAVAILABLE):
            # Herald's own database let this thread down (a dropped connection, a pool
            # with none free in time): nothing went out, and a later try may well work.
            logger.warning(
                "Publication %s: the database failed before any request (%s); retrying.",
                publication.pk,
                type(error).__name__,
            )
            unavailable = TransientError(
                f"Herald's database was unavailable ({type(error).__name__}); nothing went out.",
                code=DATABASE_ERROR_CODE,
            )
            return Sent(claim, error=unavailable, nothing_sent=True)
        logger.exception("Publication %s: unexpected error before any request.", publication.pk)
        return Sent(
            claim,
            failure={
                "code": INTERNAL_ERROR_CODE,
                "message": f"Herald failed before sending anything ({type(error).__name__}); "
                "nothing went out. Retry once the cause is fixed.",
                "sent_nothing": True,
            },
        )
    return Sent(claim, published=result)


def releasing(function):
    """``function``, then the thread's connection back to the pool (the platform call
    that follows holds none)."""

    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        finally:
            connection.close()

    return call


def nothing_sent_since(requests_before: int | None) -> bool:
    """True when no request left this thread since ``requests_before`` (None: no call began)."""
    return requests_before is None or http.requests_sent() == requests_before


def record_sent(batch: list[Sent]) -> dict[int, Outcome]:
    """Record the outcomes of finished attempts: the published ones together."""
    outcomes: dict[int, Outcome] = {}
    published = [sent for sent in batch if sent.published is not None]
    if published:
        outcomes.update(record_published_many(published))
    for sent in batch:
        publication, content = sent.claim.publication, sent.claim.content
        if sent.published is not None:
            continue
        if sent.released:
            outcomes[publication.pk] = release_after_edit(publication)
        elif sent.held_until is not None:
            outcomes[publication.pk] = hold_late_request(publication, sent.held_until)
        elif sent.failure is not None:
            outcomes[publication.pk] = record_failed(publication, **sent.failure)
        else:
            outcomes[publication.pk] = record_platform_error(
                publication,
                content,
                sent.error,
                in_doubt=sent.in_doubt,
                nothing_sent=sent.nothing_sent,
            )
    return outcomes


def record_published_many(batch: list[Sent]) -> dict[int, Outcome]:
    """PUBLISHED, with each row's external id and permalink: one grouped move."""
    now = timezone.now()
    common = {
        "published_at": now,
        "lease_expires_at": None,
        "last_error": "",
        "last_error_code": "",
        "first_due_at": None,
        **holds.RELEASED,
    }
    moves = [
        Move(
            sent.claim.publication.pk,
            (Status.PUBLISHING,),
            Status.PUBLISHED,
            sent.reason,
            {
                **common,
                "external_id": sent.published.external_id,
                "permalink": sent.published.permalink,
            },
        )
        for sent in batch
    ]
    # The rows are ours (PUBLISHING under this batch's claim): the UPDATE compares
    # the status itself, no lock needed.
    content_ids = {sent.claim.publication.pk: sent.claim.content.pk for sent in batch}
    made = {move.publication_id for move in apply_moves(moves, content_ids=content_ids)}
    outcomes = {}
    for sent in batch:
        publication = sent.claim.publication
        if publication.pk not in made:
            logger.error(
                "Publication %s was published but its row moved meanwhile.", publication.pk
            )
            outcomes[publication.pk] = Outcome.STALE
            continue
        publication.status = Status.PUBLISHED
        publication.external_id = sent.published.external_id
        publication.permalink = sent.published.permalink
        outcomes[publication.pk] = Outcome.PUBLISHED
    return outcomes


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


def hold_late_request(publication: Publication, free_at: dt.datetime) -> Outcome:
    """QUEUED until ``free_at``: a late request found its window full when it took its
    slot again. Nothing was sent, so the claim is undone: its attempt, slot and sent mark."""
    why = holds.rate_window_full(publication.platform)
    transition(
        publication,
        Status.QUEUED,
        reason=f"held: {why.reason}",
        **why.fields(),
        next_attempt_at=free_at,
        first_due_at=None,
        lease_expires_at=None,
        rate_slot_at=None,
        request_sent_at=None,
        attempts=publication.attempts - 1,
    )
    signals.rate_window_held.send(sender=None, platform=publication.platform)
    return Outcome.RATE_LIMITED


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
        first_due_at=None,
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
                first_due_at=None,
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
                first_due_at=None,
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
