"""Actions on a content's targets: cancel, publish now, retry, delete."""

import datetime as dt

import pytest
from django.utils import timezone

from content.choices import Status
from content.models import Content
from publishing import engine
from publishing.models import Publication, PublicationEvent
from publishing.services import (
    ContentLocked,
    SchedulingError,
    Target,
    cancel_targets,
    delete_content,
    edit_content,
    publish_now,
    retry_failed,
    schedule_content,
)
from publishing.states import ENGINE, Actor, transition
from tests.factories import IntegrationFactory, UserFactory

pytestmark = pytest.mark.django_db


def schedule(platforms=("twitter", "discord"), *, when=None):
    owner = UserFactory()
    return schedule_content(
        owner=owner,
        body="Hello",
        targets=[Target(p, IntegrationFactory(user=owner, provider=p)) for p in platforms],
        scheduled_for=when or timezone.now() + dt.timedelta(hours=1),
    )


def move(publication, *statuses, **fields):
    for status in statuses:
        transition(publication, status, reason="test", **fields)


def fail(publication):
    move(publication, Status.QUEUED, Status.PUBLISHING)
    move(publication, Status.FAILED, last_error="boom")


def drain(capture):
    outcomes = []
    for _ in range(5):
        handed = []
        with capture(execute=True):
            engine.tick(budget_seconds=0, enqueue=handed.append)
        if not handed:
            break
        outcomes += [engine.publish_one(pk) for pk in handed]
    return outcomes


def test_publish_now_makes_scheduled_targets_due_and_leaves_others():
    content = schedule()
    twitter, discord = content.publications.order_by("platform").reverse()
    move(discord, Status.CANCELED)
    actor = Actor(name="alice")
    outcome = publish_now(content, actor=actor)
    assert outcome.done == [twitter.pk]
    assert outcome.skipped == {discord.pk: "canceled"}
    assert outcome.summary() == "1 moved to now, 1 skipped: canceled"
    twitter.refresh_from_db()
    assert twitter.status == Status.SCHEDULED
    assert twitter.next_attempt_at <= timezone.now()
    assert f"-{int(content.scheduled_for.timestamp())}-" in twitter.idempotency_key
    note = PublicationEvent.objects.filter(publication=twitter).latest("id")
    assert (note.from_status, note.to_status, note.reason, note.actor) == (
        Status.SCHEDULED,
        Status.SCHEDULED,
        "publish now requested",
        "alice",
    )


def test_publish_now_is_taken_by_the_next_tick(fake_platform, django_capture_on_commit_callbacks):
    content = schedule(("twitter",))
    assert drain(django_capture_on_commit_callbacks) == []
    publish_now(content, actor=ENGINE)
    assert drain(django_capture_on_commit_callbacks) == ["published"]
    assert fake_platform.calls == [content.publications.get().idempotency_key]


def test_retry_requeues_failed_targets_and_skips_published_ones():
    content = schedule(("twitter", "discord", "youtube"))
    rows = {p.platform: p for p in content.publications.all()}
    fail(rows["twitter"])
    fail(rows["discord"])
    Publication.objects.filter(pk=rows["discord"].pk).update(external_id="already-there")
    move(rows["youtube"], Status.QUEUED, Status.PUBLISHING, Status.PUBLISHED)
    outcome = retry_failed(content, actor=Actor(name="alice"))
    assert outcome.done == [rows["twitter"].pk]
    assert outcome.skipped == {
        rows["discord"].pk: "already published",
        rows["youtube"].pk: "already published",
    }
    assert outcome.summary() == "1 retried, 2 skipped: already published"
    statuses = dict(content.publications.values_list("platform", "status"))
    assert statuses == {
        "twitter": Status.QUEUED,
        "discord": Status.FAILED,
        "youtube": Status.PUBLISHED,
    }
    retried = Publication.objects.get(pk=rows["twitter"].pk)
    assert retried.hold_reason == "" and retried.next_attempt_at <= timezone.now()
    event = PublicationEvent.objects.filter(publication=retried).latest("id")
    assert (event.from_status, event.to_status, event.reason) == (
        Status.FAILED,
        Status.QUEUED,
        "retry requested",
    )


def test_retried_target_is_published_once_by_the_engine(
    fake_platform, django_capture_on_commit_callbacks
):
    content = schedule(("twitter",), when=timezone.now() - dt.timedelta(seconds=1))
    publication = content.publications.get()
    from platforms.base import PermanentError

    fake_platform.script = [PermanentError("refused once")]
    assert drain(django_capture_on_commit_callbacks) == ["failed"]
    assert retry_failed(content, actor=ENGINE).done == [publication.pk]
    assert drain(django_capture_on_commit_callbacks) == ["published"]
    publication.refresh_from_db()
    assert publication.status == Status.PUBLISHED
    assert fake_platform.per_key[publication.idempotency_key] == 2  # the refusal, then the post
    # A second retry has nothing to do, and the engine sends nothing more.
    again = retry_failed(content, actor=ENGINE)
    assert (again.done, again.summary()) == ([], "0 retried, 1 skipped: already published")
    assert drain(django_capture_on_commit_callbacks) == []
    assert fake_platform.per_key[publication.idempotency_key] == 2


def test_retry_of_an_in_doubt_target_reconciles_before_sending(
    fake_platform, django_capture_on_commit_callbacks
):
    content = schedule(("twitter",), when=timezone.now() - dt.timedelta(seconds=1))
    publication = content.publications.get()
    fail(publication)
    Publication.objects.filter(pk=publication.pk).update(
        request_sent_at=timezone.now(), last_error_code="in_doubt"
    )
    outcome = retry_failed(content, actor=ENGINE)
    assert publication.pk in outcome.notes
    from platforms.base import Published

    fake_platform.reconcile_answer = Published("found-1", "https://fake.example/found-1")
    assert drain(django_capture_on_commit_callbacks) == ["published"]
    assert fake_platform.calls == []  # found by reconcile: nothing sent again
    assert Publication.objects.get(pk=publication.pk).external_id == "found-1"


def test_cancel_targets_says_what_it_left_alone():
    content = schedule()
    twitter = content.publications.get(platform="twitter")
    move(twitter, Status.QUEUED, Status.PUBLISHING)
    outcome = cancel_targets(content, actor=ENGINE)
    discord = content.publications.get(platform="discord")
    assert outcome.done == [discord.pk]
    assert outcome.skipped == {twitter.pk: "being published now"}
    assert outcome.summary() == "1 canceled, 1 skipped: being published now"


def test_delete_refuses_content_that_went_out_and_deletes_the_rest():
    sent = schedule()
    move(sent.publications.get(platform="twitter"), Status.QUEUED, Status.PUBLISHING)
    with pytest.raises(ContentLocked, match=r"X: PUBLISHING\), so it stays as the record"):
        delete_content(sent)
    assert Content.objects.filter(pk=sent.pk).exists()

    unsent = schedule()
    fail(unsent.publications.get(platform="twitter"))
    delete_content(unsent)
    assert not Content.objects.filter(pk=unsent.pk).exists()
    assert not Publication.objects.filter(content_id=unsent.pk).exists()


def test_edit_of_started_content_is_a_locked_error_and_still_a_scheduling_error():
    content = schedule(("twitter",))
    move(content.publications.get(), Status.QUEUED, Status.PUBLISHING)
    with pytest.raises(ContentLocked) as locked:
        edit_content(content, body="new")
    assert isinstance(locked.value, SchedulingError)
