"""The engine end to end against the fake platform: states, audit rows, calls sent."""

import datetime as dt
import logging

import pytest
from django.db import OperationalError
from django.utils import timezone
from waffle.models import Switch

from content.choices import Status
from content.models import Content
from integrations.models import Integration
from platforms.base import (
    AuthError,
    PermanentError,
    Published,
    RateLimited,
    TransientError,
)
from publishing import engine
from publishing.engine import Outcome
from publishing.holds import HoldKind
from publishing.models import Publication, PublicationEvent
from publishing.services import Target, retry_failed, schedule_content
from publishing.states import Actor
from tests.engine_run import schedule_due_posts
from tests.factories import IntegrationFactory, UserFactory

pytestmark = pytest.mark.django_db


def schedule(owner=None, *, platforms=("twitter",), when=None, integration=True, body="Hello"):
    owner = owner or UserFactory()
    targets = []
    for platform in platforms:
        account = IntegrationFactory(user=owner, provider=platform) if integration else None
        targets.append(Target(platform=platform, integration=account))
    return schedule_content(
        owner=owner,
        body=body,
        targets=targets,
        scheduled_for=when or timezone.now() - dt.timedelta(seconds=1),
    )


def history(publication):
    return list(
        PublicationEvent.objects.filter(publication=publication)
        .order_by("id")
        .values_list("from_status", "to_status")
    )


def make_due_now(**filters):
    Publication.objects.filter(**filters).update(next_attempt_at=timezone.now())


def every_attempt(drain, publication, retries: int = 3) -> list[str]:
    """The first attempt and each automatic retry, made due at once: their outcomes."""
    outcomes = drain()
    for _ in range(retries):
        make_due_now(pk=publication.pk)
        outcomes += drain()
    return outcomes


def test_normal_path_goes_scheduled_queued_publishing_published(drain, fake_platform):
    content = schedule(body="Launch day")
    assert drain() == ["published"]
    publication = content.publications.get()
    assert publication.status == Status.PUBLISHED
    assert publication.external_id == f"ext-{publication.pk}"
    assert publication.permalink == f"https://fake.example/{publication.pk}"
    assert publication.request_sent_at is not None and publication.published_at is not None
    assert history(publication) == [
        ("", Status.SCHEDULED),
        (Status.SCHEDULED, Status.QUEUED),
        (Status.QUEUED, Status.PUBLISHING),
        (Status.PUBLISHING, Status.PUBLISHED),
    ]
    assert Content.objects.get(pk=content.pk).status == Status.PUBLISHED
    assert fake_platform.calls == [publication.idempotency_key]


def test_future_posts_are_not_touched(drain, fake_platform):
    content = schedule(when=timezone.now() + dt.timedelta(minutes=5))
    assert drain() == []
    assert content.publications.get().status == Status.SCHEDULED
    assert fake_platform.calls == []


def test_rate_limit_queues_the_excess_until_the_window_frees(drain, fake_platform, settings):
    settings.PLATFORM_RATE_LIMITS = {**settings.PLATFORM_RATE_LIMITS, "twitter": (2, 3600)}
    schedule_due_posts("twitter", 5, seconds_ago=10)
    outcomes = drain()
    assert sorted(outcomes) == ["published"] * 2 + ["rate_limited"] * 3
    published = Publication.objects.filter(status=Status.PUBLISHED).order_by("rate_slot_at")
    queued = Publication.objects.filter(status=Status.QUEUED)
    assert published.count() == 2 and queued.count() == 3
    first_slot, second_slot = (row.rate_slot_at for row in published)
    # Herald counts the platform's hour and its margin (rate_limits.limit_for).
    hour = dt.timedelta(hours=1, seconds=settings.RATE_LIMIT_MARGIN_SECONDS)
    # Each waiting row has its own turn: the i-th is due when the i-th slot frees.
    assert sorted(row.next_attempt_at for row in queued) == [
        first_slot + hour,
        second_slot + hour,
        first_slot + 2 * hour,
    ]
    # In due order: the oldest waiting post gets the first slot that frees.
    assert [row.content.body for row in queued.order_by("next_attempt_at")] == [
        "post 2",
        "post 3",
        "post 4",
    ]
    for row in queued:
        assert (row.hold_kind, row.hold_reason) == (
            HoldKind.RATE_WINDOW,
            "rate limit: the twitter window is full",
        )
        assert row.retry_count == 0
    assert len(fake_platform.calls) == 2


def test_two_transient_failures_then_success(drain, fake_platform):
    fake_platform.script = [TransientError("503 from X"), TransientError("timeout"), None]
    content = schedule()
    assert drain() == ["retrying"]
    publication = content.publications.get()
    assert publication.status == Status.RETRYING
    assert publication.next_attempt_at > timezone.now() + dt.timedelta(seconds=290)
    assert Content.objects.get(pk=content.pk).status == Status.RETRYING
    for expected in ("retrying", "published"):
        make_due_now(pk=publication.pk)
        assert drain() == [expected]
    publication.refresh_from_db()
    content.refresh_from_db()
    assert publication.status == Status.PUBLISHED
    assert publication.retry_count == 2 and content.retry_count == 2
    assert content.last_retry_at is not None
    assert len(fake_platform.calls) == 3


def test_four_transient_failures_end_failed(drain, fake_platform):
    fake_platform.script = [TransientError("503") for _ in range(4)]
    content = schedule()
    publication = content.publications.get()
    assert every_attempt(drain, publication) == ["retrying", "retrying", "retrying", "failed"]
    publication.refresh_from_db()
    assert publication.status == Status.FAILED
    assert publication.retry_count == 3
    assert publication.last_error == "gave up after 3 retries: 503"
    assert Content.objects.get(pk=content.pk).status == Status.FAILED
    assert len(fake_platform.calls) == 4


def test_publishing_the_same_content_twice_calls_the_platform_once(
    fake_platform, django_capture_on_commit_callbacks
):
    content = schedule()
    handed: list[int] = []
    with django_capture_on_commit_callbacks(execute=True):
        engine.tick(budget_seconds=0, enqueue=handed.append)
    (pk,) = handed
    assert engine.publish_one(pk) is Outcome.PUBLISHED
    assert engine.publish_one(pk) is Outcome.SKIPPED
    assert fake_platform.calls == [content.publications.get().idempotency_key]


def test_second_run_is_logged(fake_platform, drain, caplog):
    content = schedule()
    drain()
    with caplog.at_level(logging.INFO, logger="publishing.engine"):
        assert engine.publish_one(content.publications.get().pk) is Outcome.SKIPPED
    assert "skipped, the publication is PUBLISHED" in caplog.text


def test_switch_off_holds_then_on_publishes_by_itself(drain, fake_platform):
    Switch.objects.filter(name="automation_enabled").update(active=False)
    content = schedule()
    assert drain() == []
    publication = content.publications.get()
    assert publication.status == Status.QUEUED
    assert (publication.hold_kind, publication.hold_reason) == (
        HoldKind.AUTOMATION_SWITCH,
        "switch automation_enabled is off",
    )
    assert Content.objects.get(pk=content.pk).status == Status.QUEUED
    assert fake_platform.calls == []
    Switch.objects.filter(name="automation_enabled").update(active=True)
    assert drain() == ["published"]
    published = Publication.objects.get(pk=publication.pk)
    assert (published.status, published.hold_kind, published.hold_reason) == (
        Status.PUBLISHED,
        "",
        "",
    )


def test_platform_switch_holds_only_its_platform(drain, fake_platform):
    Switch.objects.filter(name="publishing_discord").update(active=False)
    content = schedule(platforms=("twitter", "discord"))
    assert drain() == ["published"]
    states = dict(content.publications.values_list("platform", "status"))
    assert states == {"twitter": Status.PUBLISHED, "discord": Status.QUEUED}
    Switch.objects.filter(name="publishing_discord").update(active=True)
    assert drain() == ["published"]
    assert Content.objects.get(pk=content.pk).status == Status.PUBLISHED


def test_switch_flipped_after_dispatch_is_checked_again_before_the_call(
    fake_platform, django_capture_on_commit_callbacks
):
    content = schedule()
    handed: list[int] = []
    with django_capture_on_commit_callbacks(execute=True):
        engine.tick(budget_seconds=0, enqueue=handed.append)
    Switch.objects.filter(name="publishing_twitter").update(active=False)
    assert engine.publish_one(handed[0]) is Outcome.HELD
    held = content.publications.get()
    assert (held.hold_kind, held.hold_reason) == (
        HoldKind.PLATFORM_SWITCH,
        "switch publishing_twitter is off",
    )
    assert fake_platform.calls == []


def test_paused_integration_holds(drain, fake_platform):
    content = schedule()
    Integration.objects.update(status=Integration.Status.PAUSED)
    assert drain() == ["held"]
    publication = content.publications.get()
    assert publication.status == Status.QUEUED
    assert (publication.hold_kind, publication.hold_reason) == (
        HoldKind.PAUSED_ACCOUNT,
        "the account is paused",
    )
    assert fake_platform.calls == []


def test_permanent_error_fails_at_once_with_the_platform_reason(drain, fake_platform):
    fake_platform.script = [PermanentError("Duplicate content", code="duplicate_content")]
    content = schedule()
    assert drain() == ["failed"]
    publication = content.publications.get()
    assert publication.status == Status.FAILED
    assert (publication.last_error_code, publication.last_error) == (
        "duplicate_content",
        "Duplicate content",
    )
    assert publication.retry_count == 0


def test_auth_error_fails_and_marks_the_integration(drain, fake_platform):
    fake_platform.script = [AuthError("token revoked")]
    content = schedule()
    assert drain() == ["failed"]
    integration = Integration.objects.get()
    assert integration.status == Integration.Status.NEEDS_REAUTH
    assert integration.last_error == "token revoked"
    assert content.publications.get().last_error_code == "auth"


def test_platform_rate_limit_requeues_without_burning_a_retry(drain, fake_platform):
    until = timezone.now() + dt.timedelta(minutes=15)
    fake_platform.script = [RateLimited("429", until=until)]
    content = schedule()
    assert drain() == ["rate_limited"]
    publication = content.publications.get()
    assert publication.status == Status.QUEUED
    assert publication.next_attempt_at == until
    assert publication.retry_count == 0
    assert Integration.objects.get().rate_limited_until == until
    assert (publication.hold_kind, publication.hold_reason) == (
        HoldKind.PLATFORM_WAIT,
        "the platform asked us to wait",
    )


def test_no_account_fails_with_a_clear_reason(drain, fake_platform):
    content = schedule(integration=False)
    assert drain() == ["failed"]
    publication = content.publications.get()
    assert publication.last_error_code == "not_connected"
    assert "No twitter account is connected" in publication.last_error
    assert fake_platform.calls == []


def test_legacy_user_token_is_the_fallback(drain, fake_platform):
    owner = UserFactory(twitter_access_token="legacy-token-value-1234567890")
    schedule(owner, integration=False)
    assert drain() == ["published"]


def crash_mid_publish(fake_platform, django_capture_on_commit_callbacks):
    """Publish until the worker dies right after the request went out."""
    content = schedule()
    fake_platform.crash_after_send = True
    handed: list[int] = []
    with django_capture_on_commit_callbacks(execute=True):
        engine.tick(budget_seconds=0, enqueue=handed.append)
    with pytest.raises(SystemExit):
        engine.publish_one(handed[0])
    fake_platform.crash_after_send = False
    publication = content.publications.get()
    assert publication.status == Status.PUBLISHING
    assert publication.request_sent_at is not None
    Publication.objects.filter(pk=publication.pk).update(
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    return publication


def test_crash_after_the_request_reconciles_instead_of_resending(
    drain, fake_platform, django_capture_on_commit_callbacks
):
    publication = crash_mid_publish(fake_platform, django_capture_on_commit_callbacks)
    fake_platform.reconcile_answer = Published("found-1", "https://fake.example/found-1")
    assert drain() == ["published"]
    publication.refresh_from_db()
    assert publication.status == Status.PUBLISHED
    assert publication.external_id == "found-1"
    assert len(fake_platform.calls) == 1
    assert fake_platform.reconcile_calls == [publication.idempotency_key]


def test_crash_that_reconcile_cannot_settle_is_failed_in_doubt(
    drain, fake_platform, django_capture_on_commit_callbacks
):
    publication = crash_mid_publish(fake_platform, django_capture_on_commit_callbacks)
    fake_platform.reconcile_answer = "unknown"
    assert drain() == ["failed"]
    publication.refresh_from_db()
    assert publication.status == Status.FAILED
    assert publication.last_error_code == "in_doubt"
    assert len(fake_platform.calls) == 1


def test_crash_that_reconcile_finds_absent_is_sent_again_once(
    drain, fake_platform, django_capture_on_commit_callbacks
):
    publication = crash_mid_publish(fake_platform, django_capture_on_commit_callbacks)
    fake_platform.reconcile_answer = None
    assert drain() == ["published"]
    assert len(fake_platform.calls) == 2
    assert Publication.objects.get(pk=publication.pk).status == Status.PUBLISHED


def test_lease_expired_before_sending_returns_to_the_due_set(
    drain, fake_platform, django_capture_on_commit_callbacks
):
    content = schedule()
    handed: list[int] = []
    with django_capture_on_commit_callbacks(execute=True):
        engine.tick(budget_seconds=0, enqueue=handed.append)
    engine.claim_publication(handed[0])  # the worker dies right after claiming
    Publication.objects.update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert drain() == ["published"]
    assert fake_platform.reconcile_calls == []
    assert len(fake_platform.calls) == 1
    assert content.publications.get().status == Status.PUBLISHED


def test_lost_task_is_dispatched_again_after_its_grace(
    drain, fake_platform, django_capture_on_commit_callbacks
):
    content = schedule()
    with django_capture_on_commit_callbacks(execute=True):
        engine.tick(budget_seconds=0, enqueue=lambda pk: None)  # the broker loses it
    assert drain() == []  # still within its grace period
    make_due_now(pk=content.publications.get().pk)
    assert drain() == ["published"]


def test_edit_after_claim_is_sent_as_edited(
    fake_platform, django_capture_on_commit_callbacks, drain
):
    content = schedule(body="old text")
    handed: list[int] = []
    with django_capture_on_commit_callbacks(execute=True):
        engine.tick(budget_seconds=0, enqueue=handed.append)
    claim = engine.claim_publication(handed[0])
    Content.objects.filter(pk=content.pk).update(body="new text", version=2)
    assert engine.mark_request_sent(claim.publication, claim.content) is False
    assert engine.release_after_edit(claim.publication) == "released"
    assert fake_platform.calls == []
    assert drain() == ["published"]


def test_publish_one_query_count_is_pinned(
    django_assert_max_num_queries, fake_platform, django_capture_on_commit_callbacks
):
    content = schedule()
    handed: list[int] = []
    with django_capture_on_commit_callbacks(execute=True):
        engine.tick(budget_seconds=0, enqueue=handed.append)
    # 15 for the engine, +1: the owner's limits (their entitlement with its plan), +1: the
    # publish lag observation (one upsert into the metrics table without Redis; none with
    # it), run on commit as in a worker; +1: the webhooks outbox asks whether the owner has
    # an active endpoint (none here).
    with (
        django_assert_max_num_queries(18),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert engine.publish_one(handed[0]) == "published"
    assert content.publications.get().status == Status.PUBLISHED


@pytest.mark.parametrize("batch", [5, 50])
def test_dispatch_query_count_does_not_grow_with_batch_size(
    batch, settings, django_assert_max_num_queries
):
    settings.PUBLISH_BATCH_SIZE = batch
    owner = UserFactory()
    for _ in range(batch):
        schedule(owner)
    # Unchanged by the metrics: a dispatch records no event (the tick records its pass).
    with django_assert_max_num_queries(8):
        assert engine.dispatch_due_batch(timezone.now(), enqueue=lambda pk: None) == batch


@pytest.mark.parametrize("rows", [1, 50])
def test_one_tick_pass_query_count_does_not_grow_with_the_rows_it_dispatches(
    rows, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    owner = UserFactory()
    for _ in range(rows):
        schedule(owner)
    # 19 for the engine, +1: the pass's duration observation (one upsert into the
    # metrics table without Redis; none with it).
    with (
        django_assert_max_num_queries(20),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert engine.tick(budget_seconds=0, enqueue=lambda pk: None).dispatched == rows


def test_one_failure_never_stops_the_others(drain, fake_platform):
    fake_platform.script = [ValueError("a bug in the platform module"), None, None]
    owner = UserFactory()
    contents = [schedule(owner, body=f"post {n}") for n in range(3)]
    assert sorted(drain()) == ["published", "published", "retrying"]
    statuses = sorted(c.publications.get().status for c in contents)
    assert statuses == [Status.PUBLISHED, Status.PUBLISHED, Status.RETRYING]
    failed = Publication.objects.get(status=Status.RETRYING)
    assert failed.last_error == "Unexpected error: ValueError"
    # The request may have gone out: the next attempt reconciles first.
    assert failed.request_sent_at is not None


def test_canceled_content_is_never_sent(drain, fake_platform, django_capture_on_commit_callbacks):
    from publishing.services import cancel_content
    from publishing.states import Actor

    content = schedule()
    owner = content.owner
    handed: list[int] = []
    with django_capture_on_commit_callbacks(execute=True):
        engine.tick(budget_seconds=0, enqueue=handed.append)
    assert cancel_content(content, actor=Actor.for_user(owner)) == handed
    assert engine.publish_one(handed[0]) == "skipped"
    assert fake_platform.calls == []
    assert Content.objects.get(pk=content.pk).status == Status.CANCELED
    event = PublicationEvent.objects.filter(to_status=Status.CANCELED).get()
    assert (event.actor, event.actor_user_id) == (owner.username, owner.pk)


def test_exponential_backoff_stays_between_the_base_delay_and_its_ceiling(settings):
    settings.PUBLISH_RETRY_BACKOFF = True
    settings.PUBLISH_RETRY_DELAY = 60
    for retry_number, ceiling in ((1, 60), (2, 120), (3, 240)):
        delays = {engine.retry_delay(retry_number).total_seconds() for _ in range(50)}
        assert all(60 <= d <= ceiling for d in delays)
    settings.PUBLISH_RETRY_BACKOFF = False
    assert engine.retry_delay(3) == dt.timedelta(seconds=60)


class FailingReconcile:
    """A reconcile that cannot reach the platform: raises ``error`` on every call."""

    def __init__(self, fake, error):
        self.fake = fake
        self.error = error

    def __call__(self, post, credentials):
        self.fake.reconcile_calls.append(post.idempotency_key)
        raise self.error


def in_doubt_figures(publication):
    publication.refresh_from_db()
    return publication.status, publication.last_error_code, publication.request_sent_at is not None


def test_a_row_stays_in_doubt_until_reconcile_settles_it_even_when_reconcile_fails(
    drain, fake_platform, django_capture_on_commit_callbacks, monkeypatch
):
    from tests.publishing import fake_platform as fake_module

    publication = crash_mid_publish(fake_platform, django_capture_on_commit_callbacks)
    monkeypatch.setattr(
        fake_module, "reconcile", FailingReconcile(fake_platform, TransientError("timed out"))
    )
    # Every automatic attempt asks the platform first, fails to, and keeps the mark.
    outcomes = drain()
    for _ in range(3):
        assert in_doubt_figures(publication) == (Status.RETRYING, "transient", True)
        make_due_now(pk=publication.pk)
        outcomes += drain()
    assert outcomes == ["retrying", "retrying", "retrying", "failed"]
    # Out of retries: still in doubt, for an operator, never "failed" like a refusal.
    assert in_doubt_figures(publication) == (Status.FAILED, "in_doubt", True)
    assert publication.last_error.startswith("The request was sent but its outcome is unknown")
    assert "gave up after 3 retries: timed out" in publication.last_error
    assert Publication.objects.filter(status=Status.FAILED, last_error_code="in_doubt").count() == 1

    # The operator retries; the platform now refuses the token while being asked.
    operator = Actor.for_user(publication.content.owner)
    retry_failed(publication.content, actor=operator)
    monkeypatch.setattr(
        fake_module, "reconcile", FailingReconcile(fake_platform, AuthError("token revoked"))
    )
    assert drain() == ["failed"]
    assert in_doubt_figures(publication) == (Status.FAILED, "in_doubt", True)
    integration = Integration.objects.get(pk=publication.integration_id)
    assert integration.status == Integration.Status.NEEDS_REAUTH

    # Reconnected and retried: reconcile finds the post, and settles the row without a resend.
    Integration.objects.filter(pk=publication.integration_id).update(
        status=Integration.Status.ACTIVE
    )
    monkeypatch.undo()
    fake_platform.reconcile_answer = Published("found-2", "https://fake.example/found-2")
    retry_failed(publication.content, actor=operator)
    assert drain() == ["published"]
    publication.refresh_from_db()
    assert publication.status == Status.PUBLISHED
    assert publication.external_id == "found-2"
    assert len(fake_platform.calls) == 1  # the one request of the crashed attempt
    assert len(fake_platform.reconcile_calls) == 6  # 4 automatic, 1 after each retry


def test_a_timeout_on_the_last_retry_fails_in_doubt_not_as_a_refusal(drain, fake_platform):
    fake_platform.script = [TransientError("503") for _ in range(3)] + [
        TransientError("no answer in time", maybe_sent=True)
    ]
    content = schedule()
    publication = content.publications.get()
    assert every_attempt(drain, publication) == ["retrying", "retrying", "retrying", "failed"]
    assert in_doubt_figures(publication) == (Status.FAILED, "in_doubt", True)
    assert len(fake_platform.calls) == 4


def test_a_bug_before_any_request_is_a_plain_failure_not_in_doubt(drain, fake_platform):
    fake_platform.fail_before_sending = KeyError("external_account_id")
    content = schedule()
    assert drain() == ["failed"]
    publication = content.publications.get()
    assert in_doubt_figures(publication) == (Status.FAILED, "internal_error", False)
    assert "nothing went out" in publication.last_error
    assert fake_platform.calls == []
    # A retry sends at once: there is nothing to ask the platform about.
    fake_platform.fail_before_sending = None
    outcome = retry_failed(content, actor=Actor.for_user(content.owner))
    assert outcome.notes == {}
    assert drain() == ["published"]
    assert fake_platform.reconcile_calls == []


def test_a_database_failure_before_any_request_is_retried_not_failed(drain, fake_platform):
    """A pool with no free connection in time, a dropped connection: nothing went out."""
    fake_platform.fail_before_sending = OperationalError("couldn't get a connection after 5 sec")
    content = schedule()
    publication = content.publications.get()
    assert drain() == ["retrying"]
    assert in_doubt_figures(publication) == (Status.RETRYING, "database_unavailable", False)
    assert publication.retry_count == 1
    assert publication.last_error == (
        "Herald's database was unavailable (OperationalError); nothing went out."
    )
    assert fake_platform.calls == []
    # The next try sends at once: there is nothing to ask the platform about.
    fake_platform.fail_before_sending = None
    make_due_now(pk=publication.pk)
    assert drain() == ["published"]
    assert len(fake_platform.calls) == 1
    assert fake_platform.reconcile_calls == []


def test_a_refusal_before_any_request_clears_the_sent_mark_and_one_after_keeps_it(
    drain, fake_platform
):
    fake_platform.fail_before_sending = PermanentError("no media to send", code="no_media")
    before = schedule(body="refused before sending").publications.get()
    assert drain() == ["failed"]
    assert in_doubt_figures(before) == (Status.FAILED, "no_media", False)
    fake_platform.fail_before_sending = None
    fake_platform.script = [PermanentError("Duplicate content", code="duplicate_content")]
    after = schedule(body="refused after sending").publications.get()
    assert drain() == ["failed"]
    # Not in doubt (a refusal), but a retry still asks the platform before sending again.
    assert in_doubt_figures(after) == (Status.FAILED, "duplicate_content", True)


def test_a_bug_before_sending_again_after_reconcile_found_nothing_is_a_plain_failure(
    drain, fake_platform, django_capture_on_commit_callbacks
):
    publication = crash_mid_publish(fake_platform, django_capture_on_commit_callbacks)
    fake_platform.reconcile_answer = None  # the crashed attempt's post is not out
    fake_platform.fail_before_sending = ValueError("a bug")
    assert drain() == ["failed"]
    assert in_doubt_figures(publication) == (Status.FAILED, "internal_error", False)


def test_a_bug_while_reconciling_keeps_the_row_in_doubt(
    drain, fake_platform, django_capture_on_commit_callbacks, monkeypatch
):
    from tests.publishing import fake_platform as fake_module

    publication = crash_mid_publish(fake_platform, django_capture_on_commit_callbacks)
    monkeypatch.setattr(
        fake_module, "reconcile", FailingReconcile(fake_platform, ValueError("a bug"))
    )
    assert drain() == ["retrying"]
    assert in_doubt_figures(publication) == (Status.RETRYING, "transient", True)


def test_legacy_fallback_is_counted_where_operators_see_it(drain, fake_platform):
    from integrations.credentials import legacy_fallback_count
    from integrations.models import LegacyTokenUse

    owner = UserFactory(twitter_access_token="legacy-token-value-1234567890")
    schedule(owner, integration=False, body="one")
    schedule(owner, integration=False, body="two")
    assert drain() == ["published", "published"]
    use = LegacyTokenUse.objects.get(user=owner, provider="twitter")
    assert use.uses == 2
    assert legacy_fallback_count() == 2
