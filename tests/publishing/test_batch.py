"""The batched engine: what a batch costs, how it waits behind a full window, and how it sends."""

import datetime as dt
import threading
import time

import pytest
from django.utils import timezone

from content.choices import Status
from publishing import engine
from publishing.holds import HoldKind
from publishing.models import Publication, PublicationEvent
from publishing.rate_limits import window_key
from publishing.services import Target, schedule_content
from tests.engine_run import schedule_due_posts
from tests.factories import IntegrationFactory, UserFactory
from tests.publishing import fake_platform as fake_module
from webhooks.models import WebhookDelivery
from webhooks.services import create_endpoint

pytestmark = pytest.mark.django_db

PLATFORMS = ("twitter", "discord", "instagram", "youtube")


def schedule_many(count, *, owners=5, accounts_per_owner=None, when=None):
    """``count`` due posts, spread over owners and their accounts; returns their rows in due order."""
    when = when or timezone.now() - dt.timedelta(seconds=30)
    people = [UserFactory() for _ in range(owners)]
    accounts = {}
    ids = []
    for n in range(count):
        owner = people[n % owners]
        platform = PLATFORMS[n % len(PLATFORMS)]
        if (owner.pk, platform) not in accounts:
            accounts[(owner.pk, platform)] = IntegrationFactory(user=owner, provider=platform)
        content = schedule_content(
            owner=owner,
            body=f"post {n}",
            targets=[Target(platform, accounts[(owner.pk, platform)])],
            scheduled_for=when + dt.timedelta(milliseconds=n),
        )
        ids.append(content.publications.get().pk)
    return people, ids


def one_account_behind_a_window(settings, capture_on_commit, *, posts, limit):
    """``posts`` due posts of one Discord account allowed ``limit`` per 10 minutes, handed
    out by one tick and published as one batch. Returns (the account, the outcomes)."""
    settings.PUBLISH_CONCURRENCY = 1
    settings.PLATFORM_RATE_LIMITS = {**settings.PLATFORM_RATE_LIMITS, "discord": (limit, 600)}
    owner = UserFactory()
    account = IntegrationFactory(user=owner, provider="discord")
    start = timezone.now() - dt.timedelta(seconds=30)
    for n in range(posts):
        schedule_content(
            owner=owner,
            body=f"post {n}",
            targets=[Target("discord", account)],
            scheduled_for=start + dt.timedelta(milliseconds=n),
        )
    handed: list[int] = []
    with capture_on_commit(execute=True):
        engine.tick(budget_seconds=0, enqueue=handed.append)
    with capture_on_commit(execute=True):
        return account, engine.publish_batch(handed)


def test_a_batch_of_fifty_costs_at_most_four_statements_per_post(
    django_assert_max_num_queries, fake_platform, django_capture_on_commit_callbacks, settings
):
    """Dispatch, claim, mark, send and record 50 posts, with a webhook endpoint listening.

    The sends run in this thread (PUBLISH_CONCURRENCY=1: the same code as the pool's
    threads), so every statement, the webhooks outbox included, is counted here.
    """
    settings.PUBLISH_CONCURRENCY = 1
    settings.WEBHOOK_ALLOW_LOCAL_URLS = True
    people, ids = schedule_many(50)
    create_endpoint(owner=people[0], url="http://127.0.0.1:9/hook", events=["*"])
    handed: list[int] = []
    with django_assert_max_num_queries(4 * 50) as captured:
        with django_capture_on_commit_callbacks(execute=True):
            engine.tick(budget_seconds=0, enqueue=handed.append)
        with django_capture_on_commit_callbacks(execute=True):
            outcomes = engine.publish_batch(handed)
    assert sorted(handed) == sorted(ids)
    assert set(outcomes.values()) == {"published"}
    print(f"\n{len(captured)} statements for 50 posts: {len(captured) / 50:.2f} per post")
    # About 40 for the whole batch (a fixed number, whatever its size), plus, without
    # Redis, one metrics upsert per post for its publish lag (none with Redis).
    assert len(captured) <= 2 * 50
    assert Publication.objects.filter(status=Status.PUBLISHED).count() == 50
    # The owner with an endpoint is told about each of their posts, from one outbox write.
    assert WebhookDelivery.objects.count() == len([i for i in range(50) if i % 5 == 0])
    # Dispatched, claimed, published: three audit events per post, no more.
    assert PublicationEvent.objects.filter(publication_id__in=ids).count() == 50 * 4


def test_a_full_window_gives_each_waiting_post_its_own_turn_and_one_event(
    fake_platform, django_capture_on_commit_callbacks, settings
):
    account, outcomes = one_account_behind_a_window(
        settings, django_capture_on_commit_callbacks, posts=30, limit=5
    )
    assert list(outcomes.values()).count("published") == 5
    assert list(outcomes.values()).count("rate_limited") == 25
    slots = sorted(
        Publication.objects.filter(status=Status.PUBLISHED).values_list("rate_slot_at", flat=True)
    )
    held = list(
        Publication.objects.filter(status=Status.QUEUED)
        .order_by("pk")
        .values_list("next_attempt_at", "hold_kind", "first_due_at")
    )
    # Herald counts the platform's window and a margin (rate_limits.limit_for).
    window = dt.timedelta(seconds=600 + settings.RATE_LIMIT_MARGIN_SECONDS)
    # The i-th waiting post is due when the i-th slot frees: one per freed slot.
    expected = [slots[i % 5] + window * (1 + i // 5) for i in range(25)]
    assert [due for due, _, _ in held] == expected
    assert {kind for _, kind, _ in held} == {HoldKind.RATE_WINDOW}
    assert {first for _, _, first in held} == {None}  # a held row is not due
    events = PublicationEvent.objects.count()

    # A stale duplicate of the task comes (an earlier hand-out that waited in the queue):
    # the held rows are left alone, each keeps its turn, and nothing is written.
    queued = list(
        Publication.objects.filter(status=Status.QUEUED).order_by("pk").values_list("pk", flat=True)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert set(engine.publish_batch(queued).values()) == {"skipped"}
    assert PublicationEvent.objects.count() == events
    assert (
        list(
            Publication.objects.filter(status=Status.QUEUED)
            .order_by("pk")
            .values_list("next_attempt_at", flat=True)
        )
        == expected
    )

    # Ten minutes on: the first five slots have freed, and only five posts come due.
    Publication.objects.filter(status=Status.PUBLISHED).update(
        rate_slot_at=timezone.now() - window - dt.timedelta(seconds=1)
    )
    if settings.REDIS_URL:  # Redis's window moves on too: rebuilt from the database
        from django_redis import get_redis_connection

        get_redis_connection("default").delete(window_key("discord", f"integration:{account.pk}"))
    for pk, due in zip(queued, expected, strict=True):
        Publication.objects.filter(pk=pk).update(
            next_attempt_at=due - window - dt.timedelta(seconds=1)
        )
    handed = []
    with django_capture_on_commit_callbacks(execute=True):
        engine.tick(budget_seconds=0, enqueue=handed.append)
    with django_capture_on_commit_callbacks(execute=True):
        outcomes = engine.publish_batch(handed)
    assert sorted(handed) == sorted(queued[:5])
    assert set(outcomes.values()) == {"published"}
    assert len(fake_platform.calls) == 10


@pytest.mark.django_db(transaction=True)
def test_accounts_send_at_once_each_in_its_own_order_and_a_slow_call_holds_only_its_own(
    fake_platform, settings, monkeypatch
):
    settings.PUBLISH_CONCURRENCY = 8
    slow_owner = UserFactory()
    slow = IntegrationFactory(user=slow_owner, provider="discord")
    quick_owner = UserFactory()
    quick = IntegrationFactory(user=quick_owner, provider="discord")
    start = timezone.now() - dt.timedelta(seconds=30)
    for n in range(4):
        for owner, account, name in ((slow_owner, slow, "slow"), (quick_owner, quick, "quick")):
            schedule_content(
                owner=owner,
                body=f"{name} {n}",
                targets=[Target("discord", account)],
                scheduled_for=start + dt.timedelta(seconds=n),
            )
    sent: list[tuple[str, float]] = []
    lock = threading.Lock()
    publish = fake_module.publish

    def timed_publish(post, credentials):
        if post.body == "slow 0":
            time.sleep(1.5)  # one slow call: the quick account must not wait for it
        result = publish(post, credentials)
        with lock:
            sent.append((post.body, time.monotonic()))
        return result

    monkeypatch.setattr(fake_module, "publish", timed_publish)
    handed: list[int] = []
    engine.tick(budget_seconds=0, enqueue=handed.append)
    began = time.monotonic()
    outcomes = engine.publish_batch(handed)
    assert set(outcomes.values()) == {"published"}
    order = [body for body, _ in sent]
    assert [b for b in order if b.startswith("slow")] == [f"slow {n}" for n in range(4)]
    assert [b for b in order if b.startswith("quick")] == [f"quick {n}" for n in range(4)]
    quick_done = max(at for body, at in sent if body.startswith("quick"))
    assert quick_done - began < 1.0  # all four quick posts went out during the slow call
    assert order.index("quick 3") < order.index("slow 0")
    assert Publication.objects.filter(status=Status.PUBLISHED).count() == 8


def test_a_stale_task_leaves_a_waiting_post_its_turn(
    fake_platform, django_capture_on_commit_callbacks, settings
):
    """A hand-out that waited in the queue past its grace comes after the row was held:
    checking the row again would give it a new turn behind the others; it is skipped."""
    _, outcomes = one_account_behind_a_window(
        settings, django_capture_on_commit_callbacks, posts=5, limit=2
    )
    assert sorted(outcomes.values()) == ["published"] * 2 + ["rate_limited"] * 3
    turns = dict(
        Publication.objects.filter(status=Status.QUEUED).values_list("pk", "next_attempt_at")
    )
    first_waiting = min(turns, key=turns.get)
    events = PublicationEvent.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        assert engine.publish_batch([first_waiting]) == {first_waiting: "skipped"}

    assert (
        dict(Publication.objects.filter(status=Status.QUEUED).values_list("pk", "next_attempt_at"))
        == turns
    )
    assert PublicationEvent.objects.count() == events
    assert len(fake_platform.calls) == 2


def test_a_tick_stops_handing_out_rows_before_its_task_would_time_out(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    """A backlog bigger than a tick can hand out in time is left to the next tick."""
    settings.PUBLISH_BATCH_SIZE = 2
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 20}  # dispatching ends after 10 s
    schedule_due_posts("discord", 5, seconds_ago=30)
    clock = [0.0]

    def slow_monotonic():  # every reading of the clock comes 6 s after the one before
        clock[0] += 6
        return clock[0]

    monkeypatch.setattr(engine, "time", type("Clock", (), {"monotonic": slow_monotonic}))
    handed: list[int] = []
    with django_capture_on_commit_callbacks(execute=True):
        first = engine.tick(budget_seconds=0, enqueue=handed.append)

    assert first.dispatched == 2
    assert len(handed) == 2
    assert Publication.objects.filter(status=Status.SCHEDULED).count() == 3
    clock[0] = 0.0
    with django_capture_on_commit_callbacks(execute=True):
        second = engine.tick(budget_seconds=0, enqueue=handed.append)
    assert second.dispatched == 2
    assert len(set(handed)) == 4
