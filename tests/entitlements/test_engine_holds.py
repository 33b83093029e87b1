"""A plan that shrinks holds due posts through the engine; one that grows releases them.

The real X and YouTube clients run over mocked hosts: what leaves is checked in
the request bodies.
"""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from responses import matchers

from content.choices import Status
from content.models import ContentMedia
from entitlements.models import Plan
from entitlements.services import default_plan, set_plan
from publishing import engine
from publishing.models import Publication
from publishing.services import Target, publish_now, schedule_content
from publishing.states import Actor
from tests.factories import IntegrationFactory, UserFactory
from tests.platforms.conftest import api, metrics_store, platform_settings  # noqa: F401

pytestmark = pytest.mark.django_db

TWEETS = "https://api.x.test/2/tweets"
UPLOAD = "https://youtube.test/upload/youtube/v3/videos"
SESSION = "https://youtube.test/upload/youtube/v3/videos?uploadType=resumable&upload_id=S1"


@pytest.fixture(autouse=True)
def real_modules(settings, tmp_path):
    settings.PLATFORM_MODULES = {
        "twitter": "platforms.x.client",
        "discord": "platforms.discord.client",
        "instagram": "platforms.instagram.client",
        "youtube": "platforms.youtube.client",
    }
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def drain(django_capture_on_commit_callbacks):
    """Ticks and the workers they feed, committing as a worker does, until nothing is due."""

    def run(rounds: int = 5) -> list[str]:
        outcomes = []
        for _ in range(rounds):
            handed: list[int] = []
            with django_capture_on_commit_callbacks(execute=True):
                engine.tick(budget_seconds=0, enqueue=handed.append)
            if not handed:
                break
            for pk in sorted(handed):
                with django_capture_on_commit_callbacks(execute=True):
                    outcomes.append(engine.publish_one(pk))
        return sorted(outcomes)

    return run


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a change as its own committed transaction: its on-commit signals fire."""

    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    return run


def due():
    return timezone.now() - dt.timedelta(seconds=1)


def tweet(owner, body="Launch day"):
    account = IntegrationFactory(
        user=owner, provider="twitter", account_options={"username": "herald"}
    )
    content = schedule_content(
        owner=owner, body=body, targets=[Target("twitter", account)], scheduled_for=due()
    )
    return content.publications.get()


def video(owner):
    account = IntegrationFactory(user=owner, provider="youtube")
    content = schedule_content(
        owner=owner,
        body="Watch it",
        targets=[Target("youtube", account)],
        scheduled_for=due(),
        options={"youtube": {"title": "Launch", "privacy": "unlisted"}},
        media=[
            ContentMedia(
                file=SimpleUploadedFile("v.mp4", b"\x00" * 1024, content_type="video/mp4"),
                kind="video",
                mime_type="video/mp4",
                size_bytes=1024,
            )
        ],
    )
    return content.publications.get()


def x_answers(api, text, tweet_id):  # noqa: F811 - the responses fixture
    api.post(
        TWEETS,
        status=201,
        json={"data": {"id": tweet_id, "text": text}},
        match=[matchers.json_params_matcher({"text": text})],
    )


def youtube_answers(api, video_id):  # noqa: F811
    api.post(UPLOAD, headers={"Location": SESSION})
    api.put(SESSION, status=200, json={"id": video_id})


def sent_bodies(api, url):  # noqa: F811
    return [json.loads(call.request.body) for call in api.calls if call.request.url == url]


def last_reason(publication):
    return publication.events.order_by("id").last().reason


def test_a_plan_without_youtube_holds_the_video_and_moving_back_releases_it(
    api,  # noqa: F811
    drain,
    committed,
):
    owner = UserFactory()
    x_row, youtube_row = tweet(owner), video(owner)
    starter = Plan.objects.create(name="Starter", platforms=["twitter"])
    committed(set_plan, owner, starter)
    x_answers(api, "Launch day", "111")

    assert drain() == ["held", "published"]
    x_row.refresh_from_db()
    assert (x_row.status, x_row.external_id) == (Status.PUBLISHED, "111")
    assert sent_bodies(api, TWEETS) == [{"text": "Launch day"}]
    youtube_row.refresh_from_db()
    assert youtube_row.status == Status.QUEUED
    assert youtube_row.hold_kind == "plan"
    assert youtube_row.hold_reason == "the plan Starter does not include YouTube"
    assert youtube_row.next_attempt_at is None  # not due until something releases it
    assert last_reason(youtube_row) == "held: the plan Starter does not include YouTube"
    assert youtube_row.last_error == "" and youtube_row.attempts == 0
    assert drain() == []  # held, not retried on every tick

    committed(set_plan, owner, default_plan())
    youtube_row.refresh_from_db()
    assert youtube_row.next_attempt_at is not None
    assert youtube_row.next_attempt_at <= timezone.now()
    youtube_answers(api, "vid1")

    assert drain() == ["published"]
    youtube_row.refresh_from_db()
    assert (youtube_row.status, youtube_row.external_id) == (Status.PUBLISHED, "vid1")
    assert (youtube_row.hold_kind, youtube_row.hold_reason) == ("", "")
    assert len(sent_bodies(api, TWEETS)) == 1  # the tweet went once


def test_a_change_to_the_plan_itself_releases_its_users_holds(api, drain, committed):  # noqa: F811
    owner = UserFactory()
    youtube_row = video(owner)
    starter = Plan.objects.create(name="Starter", platforms=["twitter"])
    committed(set_plan, owner, starter)
    assert drain() == ["held"]
    starter.platforms = ["twitter", "youtube"]
    committed(starter.save)
    youtube_answers(api, "vid2")
    assert drain() == ["published"]
    youtube_row.refresh_from_db()
    assert youtube_row.status == Status.PUBLISHED


def test_a_release_that_is_still_refused_is_held_again(drain, committed):
    owner = UserFactory()
    youtube_row = video(owner)
    committed(set_plan, owner, Plan.objects.create(name="Starter", platforms=["twitter"]))
    assert drain() == ["held"]
    # Another plan without YouTube: released, asked again, held again, never failed.
    committed(set_plan, owner, Plan.objects.create(name="Basic", platforms=["discord"]))
    assert drain() == ["held"]
    youtube_row.refresh_from_db()
    assert (youtube_row.status, youtube_row.hold_reason) == (
        Status.QUEUED,
        "the plan Basic does not include YouTube",
    )


def test_without_automation_a_due_post_is_held_and_publish_now_sends_it(
    api,  # noqa: F811
    drain,
    committed,
):
    owner = UserFactory()
    row = tweet(owner, body="Scheduled earlier")
    committed(set_plan, owner, Plan.objects.create(name="Manual", automation=False))
    assert drain() == ["held"]
    row.refresh_from_db()
    assert (row.status, row.hold_kind, row.hold_reason) == (
        Status.QUEUED,
        "plan",
        "the plan Manual does not include scheduled publishing",
    )

    outcome = committed(publish_now, row.content, actor=Actor.for_user(owner))
    assert outcome.done == [row.pk]
    x_answers(api, "Scheduled earlier", "222")
    assert drain() == ["published"]
    row.refresh_from_db()
    assert (row.status, row.by_hand, row.external_id) == (Status.PUBLISHED, True, "222")
    assert sent_bodies(api, TWEETS) == [{"text": "Scheduled earlier"}]


def test_without_automation_a_post_published_now_by_hand_goes(api, drain, committed):  # noqa: F811
    owner = UserFactory()
    committed(set_plan, owner, Plan.objects.create(name="Manual", automation=False))
    account = IntegrationFactory(
        user=owner, provider="twitter", account_options={"username": "herald"}
    )
    content = schedule_content(
        owner=owner, body="Right now", targets=[Target("twitter", account)], by_hand=True
    )
    x_answers(api, "Right now", "333")
    assert drain() == ["published"]
    assert content.publications.get().status == Status.PUBLISHED


def test_publish_now_does_not_pass_a_platform_the_plan_leaves_out(drain, committed):
    owner = UserFactory()
    youtube_row = video(owner)
    committed(set_plan, owner, Plan.objects.create(name="Starter", platforms=["twitter"]))
    assert drain() == ["held"]
    committed(publish_now, youtube_row.content, actor=Actor.for_user(owner))
    assert drain() == ["held"]
    youtube_row.refresh_from_db()
    assert (youtube_row.status, youtube_row.hold_kind) == (Status.QUEUED, "plan")
    assert Publication.objects.filter(status=Status.FAILED).count() == 0
