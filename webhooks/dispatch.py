"""The dispatcher: sends due deliveries, and keeps one slow endpoint from holding up anything.

django-q2's workers are shared with publishing, so webhooks take at most one
of them: a single dispatcher runs at a time (a lease row), for at most
WEBHOOK_DISPATCH_BUDGET_SECONDS, and hands further work to a new task before it
ends. Inside it a thread pool sends up to WEBHOOK_DELIVERY_THREADS requests at
once, at most WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT to one endpoint, so an
endpoint that answers slowly fills its own slots and never the others'. The
threads only speak HTTP; every database write happens in the dispatcher's
thread. A killed dispatcher leaves its claimed deliveries due again after
CLAIM_SECONDS, and its lease expires: the sweep (every minute) carries on.
Delivery is at least once; receivers deduplicate on ``webhook-id``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from standardwebhooks import Webhook

from publishing import singleton
from webhooks import addresses, services
from webhooks.models import (
    DispatcherLease,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

logger = logging.getLogger(__name__)

# A claimed delivery is due again after this long if its dispatcher dies mid-request.
CLAIM_SECONDS = 300
RESPONSE_KEPT_BYTES = 1024
USER_AGENT = "Herald-Webhooks/1.0"
Status = WebhookDelivery.Status


@dataclass(frozen=True)
class Job:
    """One request to make: everything a thread needs, read in the dispatcher's thread."""

    delivery_id: int
    endpoint_id: int
    url: str
    secret: str
    message_id: str
    body: str


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    duration_ms: int
    response_body: str
    error: str
    attempted_at: dt.datetime

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass
class DispatchReport:
    ran: bool = False
    sent: int = 0
    succeeded: int = 0
    failed: int = 0
    disabled: list[int] = field(default_factory=list)


def body_of(event: WebhookEvent) -> str:
    """The Standard Webhooks body: ``{"type", "timestamp", "data"}``, as sent and signed."""
    return json.dumps(
        {"type": event.type, "timestamp": event.created_at.isoformat(), "data": event.data},
        separators=(",", ":"),
        sort_keys=True,
    )


def signed_headers(secret: str, message_id: str, body: str) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt (signed now, same id every time)."""
    now = dt.datetime.now(tz=dt.UTC)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, now, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


_sessions = threading.local()


def session() -> requests.Session:
    """One session per sending thread (requests sessions are not shared across threads)."""
    current = getattr(_sessions, "session", None)
    if current is None:
        current = requests.Session()
        current.trust_env = False  # no proxy from the environment: the address check is ours
        adapter = addresses.GuardedAdapter(max_retries=0)
        current.mount("http://", adapter)
        current.mount("https://", adapter)
        _sessions.session = current
    return current


def send(job: Job) -> Answer:
    """Make one request (in a pool thread): no database, bounded by the timeouts."""
    attempted_at = timezone.now()
    started = time.monotonic()
    status_code, text, error = None, "", ""
    try:
        response = session().post(
            job.url,
            data=job.body.encode(),
            headers=signed_headers(job.secret, job.message_id, job.body),
            timeout=(settings.WEBHOOK_CONNECT_TIMEOUT, settings.WEBHOOK_READ_TIMEOUT),
            allow_redirects=False,
            stream=True,
        )
        try:
            status_code = response.status_code
            text = response.raw.read(RESPONSE_KEPT_BYTES, decode_content=True) or b""
            text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        finally:
            response.close()
        if not 200 <= status_code < 300:
            error = f"The endpoint answered {status_code}."
    except addresses.AddressRefused as refusal:
        error = str(refusal)
    except requests.Timeout:
        error = (
            f"No answer within {settings.WEBHOOK_CONNECT_TIMEOUT} s (connect) or "
            f"{settings.WEBHOOK_READ_TIMEOUT} s (read)."
        )
    except requests.RequestException as failure:
        error = f"The request failed: {type(failure).__name__}."
    except Exception as failure:  # a bug or an odd answer must not kill the dispatcher
        logger.exception("webhook delivery %s crashed", job.delivery_id)
        error = f"The request failed: {type(failure).__name__}."
    duration_ms = int((time.monotonic() - started) * 1000)
    return Answer(status_code, duration_ms, text.replace("\x00", ""), error[:500], attempted_at)


# --- the lease ---------------------------------------------------------------------


def lease_seconds() -> int:
    return (
        settings.WEBHOOK_DISPATCH_BUDGET_SECONDS
        + settings.WEBHOOK_CONNECT_TIMEOUT
        + settings.WEBHOOK_READ_TIMEOUT
        + 30
    )


def acquire_lease(holder: str) -> bool:
    return singleton.acquire_lease(DispatcherLease, holder, seconds=lease_seconds())


def release_lease(holder: str) -> None:
    singleton.release_lease(DispatcherLease, holder)


# --- claiming and recording -------------------------------------------------------


def due_deliveries():
    return WebhookDelivery.objects.filter(
        Q(endpoint__is_active=True) | Q(event__type="webhook.test"),
        status=Status.PENDING,
        next_attempt_at__lte=timezone.now(),
    )


def claim(capacity: int, busy: Counter) -> list[Job]:
    """Up to ``capacity`` due deliveries, at most the per-endpoint limit each, marked claimed."""
    limit = settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT
    full = [endpoint_id for endpoint_id, n in busy.items() if n >= limit]
    rows = list(
        due_deliveries()
        .exclude(endpoint_id__in=full)
        .select_related("event")
        .order_by("next_attempt_at", "pk")[: capacity * 4]
    )
    taken: list[WebhookDelivery] = []
    counts = Counter(busy)
    for row in rows:
        if len(taken) == capacity:
            break
        if counts[row.endpoint_id] < limit:
            counts[row.endpoint_id] += 1
            taken.append(row)
    if not taken:
        return []
    claimed_until = timezone.now() + dt.timedelta(seconds=CLAIM_SECONDS)
    WebhookDelivery.objects.filter(pk__in=[row.pk for row in taken]).update(
        next_attempt_at=claimed_until
    )
    # Read now, not cached for the run: a rotated secret signs the next attempt.
    endpoints = {
        endpoint.pk: (endpoint.url, endpoint.secret)
        for endpoint in WebhookEndpoint.objects.filter(
            pk__in={row.endpoint_id for row in taken}
        ).only("pk", "url", "secret")
    }
    return [
        Job(
            delivery_id=row.pk,
            endpoint_id=row.endpoint_id,
            url=endpoints[row.endpoint_id][0],
            secret=endpoints[row.endpoint_id][1],
            message_id=row.event.message_id,
            body=body_of(row.event),
        )
        for row in taken
    ]


def retry_delay(retries: int) -> float | None:
    """Seconds before the next attempt after ``retries`` failed ones; None: give up."""
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    if retries > len(schedule):
        return None
    base = schedule[retries - 1]
    return base * random.uniform(0.9, 1.1)  # noqa: S311  (jitter, not secrecy)


@transaction.atomic
def record(job: Job, answer: Answer, report: DispatchReport) -> None:
    """Keep the attempt, and move the delivery (and perhaps its endpoint) on."""
    WebhookAttempt.objects.create(
        delivery_id=job.delivery_id,
        attempted_at=answer.attempted_at,
        status_code=answer.status_code,
        duration_ms=answer.duration_ms,
        response_body=answer.response_body,
        error=answer.error,
        succeeded=answer.succeeded,
    )
    delivery = WebhookDelivery.objects.select_for_update().get(pk=job.delivery_id)
    endpoint = WebhookEndpoint.objects.only(
        "pk", "owner_id", "url", "is_active", "failing_since"
    ).get(pk=job.endpoint_id)
    delivery.attempts += 1
    delivery.last_attempt_at = answer.attempted_at
    delivery.last_status_code = answer.status_code
    delivery.last_error = answer.error
    report.sent += 1
    if answer.succeeded:
        report.succeeded += 1
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            Status.SUCCEEDED,
            answer.attempted_at,
            None,
        )
        delivery.save()
        if endpoint.failing_since is not None:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
        return
    report.failed += 1
    delivery.retries += 1
    delay = retry_delay(delivery.retries)
    if delay is None:
        delivery.status, delivery.next_attempt_at = Status.FAILED, None
    else:
        delivery.next_attempt_at = timezone.now() + dt.timedelta(seconds=delay)
    delivery.save()
    if not endpoint.is_active:
        return
    if answer.status_code == 410:
        reason = "The endpoint answered 410 Gone: Herald stopped sending to it."
    else:
        if endpoint.failing_since is None:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=answer.attempted_at)
            return
        failing_for = answer.attempted_at - endpoint.failing_since
        if failing_for < dt.timedelta(days=settings.WEBHOOK_DISABLE_AFTER_DAYS):
            return
        reason = (
            f"Every delivery has failed for {settings.WEBHOOK_DISABLE_AFTER_DAYS} days "
            f"(the latest: {answer.error}) Herald stopped sending to it."
        )
    if services.disable_endpoint(endpoint, reason=reason):
        report.disabled.append(endpoint.pk)


# --- the loop ---------------------------------------------------------------------


def run(report: DispatchReport, deadline: float) -> None:
    """Send what is due until nothing is, or the budget is spent (in-flight requests end)."""
    threads = settings.WEBHOOK_DELIVERY_THREADS
    busy: Counter = Counter()
    in_flight: dict[Future, Job] = {}
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="webhook") as pool:
        while True:
            if time.monotonic() < deadline and len(in_flight) < threads:
                for job in claim(threads - len(in_flight), busy):
                    busy[job.endpoint_id] += 1
                    in_flight[pool.submit(send, job)] = job
            if not in_flight:
                return
            done, _ = wait(in_flight, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in done:
                job = in_flight.pop(future)
                busy[job.endpoint_id] -= 1
                record(job, future.result(), report)


def deliver_due(*, budget_seconds: float | None = None) -> DispatchReport:
    """Run the dispatcher if no other runs; hand over to a new task if work is left."""
    if budget_seconds is None:
        budget_seconds = settings.WEBHOOK_DISPATCH_BUDGET_SECONDS
    deadline = time.monotonic() + budget_seconds
    holder = uuid.uuid4().hex
    report = DispatchReport()
    while True:
        if not acquire_lease(holder):
            return report
        report.ran = True
        try:
            run(report, deadline)
        finally:
            release_lease(holder)
        # A wake-up that found the lease held just before the release was lost: look again.
        if not due_deliveries().exists():
            return report
        if time.monotonic() >= deadline:
            services.enqueue_dispatcher()
            return report
