"""A request that leaves later than the rate margin after its claim takes its slot again.

The platform counts arrivals; Herald counts slots taken at the claim. The two
agree while every request leaves within RATE_LIMIT_MARGIN_SECONDS of its slot.
With the margin at 0 every request is late, so these tests see the path on
each send without waiting for seconds to pass.
"""

import datetime as dt
import time

import pytest
from django.db import transaction
from django.utils import timezone

from content.choices import Status
from publishing import engine
from publishing.holds import HoldKind
from publishing.models import Publication, PublicationEvent
from publishing.rate_limits import reserve_slot
from publishing.services import Target, schedule_content
from tests.factories import IntegrationFactory, UserFactory

pytestmark = pytest.mark.django_db

# The short rate window (seconds) of the test whose first request outlasts it.
WINDOW = 3


@pytest.fixture
def late_requests(settings, fake_platform):
    """Every request is late (margin 0); Discord allows 2 posts an hour."""
    settings.RATE_LIMIT_MARGIN_SECONDS = 0
    settings.PUBLISH_CONCURRENCY = 1
    settings.PLATFORM_RATE_LIMITS = {**settings.PLATFORM_RATE_LIMITS, "discord": (2, 3600)}
    owner = UserFactory()
    account = IntegrationFactory(user=owner, provider="discord")

    def schedule(body, when):
        content = schedule_content(
            owner=owner, body=body, targets=[Target("discord", account)], scheduled_for=when
        )
        return content.publications.get()

    return schedule


def note_slots_when_sent(fake_platform) -> dict:
    """{publication id: (its rate_slot_at, now)} read as each request goes out."""
    slots_when_sent = {}

    def note_slot(post):
        slot = Publication.objects.get(pk=post.publication_id).rate_slot_at
        slots_when_sent[post.publication_id] = (slot, timezone.now())

    fake_platform.on_publish = note_slot
    return slots_when_sent


def assert_slot_taken_again_as_it_left(row, slots_when_sent) -> None:
    """The row's slot was taken again after its claim, just before its request."""
    claimed_at = PublicationEvent.objects.get(
        publication=row, reason="claimed by a worker"
    ).created_at
    slot, sent = slots_when_sent[row.pk]
    assert slot > claimed_at
    assert dt.timedelta(0) <= sent - slot < dt.timedelta(seconds=1)
    assert Publication.objects.get(pk=row.pk).rate_slot_at == slot


def run_batch(django_capture_on_commit_callbacks):
    handed: list[int] = []
    with django_capture_on_commit_callbacks(execute=True):
        engine.tick(budget_seconds=0, enqueue=handed.append)
    with django_capture_on_commit_callbacks(execute=True):
        return engine.publish_batch(handed)


def test_a_late_request_moves_its_slot_to_the_moment_it_leaves(
    late_requests, fake_platform, django_capture_on_commit_callbacks
):
    due = timezone.now() - dt.timedelta(seconds=5)
    first = late_requests("first", due)
    second = late_requests("second", due + dt.timedelta(milliseconds=1))
    slots_when_sent = note_slots_when_sent(fake_platform)
    outcomes = run_batch(django_capture_on_commit_callbacks)
    assert outcomes == {first.pk: "published", second.pk: "published"}
    assert_slot_taken_again_as_it_left(second, slots_when_sent)


def test_a_late_request_that_finds_the_window_full_is_held_and_sends_nothing(
    late_requests, fake_platform, django_capture_on_commit_callbacks, settings
):
    # A three-second window, so the claim's slots leave it while the first request is out
    # (long enough that the second request still finds the other claims' slots in it).
    settings.PLATFORM_RATE_LIMITS = {**settings.PLATFORM_RATE_LIMITS, "discord": (2, WINDOW)}
    due = timezone.now() - dt.timedelta(seconds=5)
    first = late_requests("first", due)
    second = late_requests("second", due + dt.timedelta(milliseconds=1))
    # Not due: posts of the same account that take the window's two slots by another
    # way while the first request is out (as other workers' claims would).
    others = [late_requests(f"other {n}", timezone.now() + dt.timedelta(days=1)) for n in (1, 2)]
    taken = []

    def other_claims_fill_the_window(post):
        if post.publication_id != first.pk:
            return
        time.sleep(WINDOW + 0.1)  # the first request is slow: the claim's slots expire
        for other in others:
            now = timezone.now()
            with transaction.atomic():
                assert reserve_slot(other, now).granted
                Publication.objects.filter(pk=other.pk).update(rate_slot_at=now)
            taken.append(now)

    fake_platform.on_publish = other_claims_fill_the_window
    outcomes = run_batch(django_capture_on_commit_callbacks)
    assert outcomes == {first.pk: "published", second.pk: "rate_limited"}
    # Only the first post reached the platform.
    assert fake_platform.calls == [Publication.objects.get(pk=first.pk).idempotency_key]
    held = Publication.objects.get(pk=second.pk)
    assert held.status == Status.QUEUED
    assert (held.hold_kind, held.hold_reason) == (
        HoldKind.RATE_WINDOW,
        "rate limit: the discord window is full",
    )
    # Its turn: when the oldest slot in the window frees.
    assert held.next_attempt_at == taken[0] + dt.timedelta(seconds=WINDOW)
    # The claim is undone: no attempt counted, no slot, no request marked as sent.
    assert (held.attempts, held.rate_slot_at, held.request_sent_at) == (0, None, None)
    assert held.lease_expires_at is None
    last = PublicationEvent.objects.filter(publication=held).latest("id")
    assert (last.from_status, last.to_status) == (Status.PUBLISHING, Status.QUEUED)
    assert last.reason == "held: rate limit: the discord window is full"


# PostgreSQL only: two pool threads write at once, and the SQLite test database (in memory,
# shared cache) refuses that at once ("database table is locked") where production's SQLite
# file waits for the lock.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_late_requests_take_their_slots_again_in_the_pool_threads(settings, fake_platform):
    """Two accounts: their posts go out on the pool's threads, each of which takes its
    slot again just before its request (every request is late with the margin at 0)."""
    settings.RATE_LIMIT_MARGIN_SECONDS = 0
    settings.PUBLISH_CONCURRENCY = 4
    due = timezone.now() - dt.timedelta(seconds=5)
    rows = []
    for _ in range(2):
        owner = UserFactory()
        account = IntegrationFactory(user=owner, provider="discord")
        content = schedule_content(
            owner=owner, body="hello", targets=[Target("discord", account)], scheduled_for=due
        )
        rows.append(content.publications.get())
    slots_when_sent = note_slots_when_sent(fake_platform)
    handed: list[int] = []
    engine.tick(budget_seconds=0, enqueue=handed.append)
    outcomes = engine.publish_batch(handed)
    assert outcomes == {row.pk: "published" for row in rows}
    for row in rows:
        assert_slot_taken_again_as_it_left(row, slots_when_sent)
