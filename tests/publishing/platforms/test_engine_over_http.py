"""The engine with the real platform modules over mocked HTTP: what left decides what is in doubt.

A failure before any request left is an ordinary failure (nothing can be on
the platform); one after a request keeps the in-doubt mark, so the next
attempt asks the platform first. And an Instagram account known only by its
legacy token publishes: the token is asked which account it belongs to.
"""

import datetime as dt
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from responses import matchers

from content.choices import Status
from content.models import ContentMedia
from platforms.instagram import client as instagram
from publishing.models import Publication, PublicationEvent
from publishing.services import Target, retry_failed, schedule_content
from publishing.states import Actor
from tests.factories import IntegrationFactory, UserFactory

GRAPH = "https://graph.instagram.test/v23.0"
X_API = "https://api.x.test/2"
IG_USER = "17841400000000042"
TOKEN = "legacy-instagram-token-0123456789"


@pytest.fixture(autouse=True)
def real_modules(settings, tmp_path, monkeypatch):
    settings.PLATFORM_MODULES = {
        "twitter": "platforms.x.client",
        "discord": "platforms.discord.client",
        "instagram": "platforms.instagram.client",
        "youtube": "platforms.youtube.client",
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(instagram, "sleep", lambda seconds: None)


def photo_post(owner, target: Target):
    content = schedule_content(
        owner=owner,
        body="Golden hour",
        targets=[target],
        scheduled_for=timezone.now() - dt.timedelta(seconds=1),
        media=[
            ContentMedia(
                file=SimpleUploadedFile("sun.jpg", b"not really a jpeg", content_type="image/jpeg"),
                kind="image",
                mime_type="image/jpeg",
                size_bytes=17,
            )
        ],
    )
    return content, content.publications.get()


def graph_answers(api, *, user_path: str, image_url: str) -> None:
    """Instagram's answers for one photo: quota, container, status, publish, permalink."""
    token = matchers.query_param_matcher
    api.get(
        f"{GRAPH}/{user_path}/content_publishing_limit",
        json={"data": [{"quota_usage": 0, "config": {"quota_total": 50}}]},
        match=[token({"fields": "quota_usage,config", "access_token": TOKEN})],
    )
    api.post(
        f"{GRAPH}/{user_path}/media",
        json={"id": "container-1"},
        match=[
            matchers.urlencoded_params_matcher(
                {"caption": "Golden hour", "image_url": image_url, "access_token": TOKEN}
            )
        ],
    )
    api.get(f"{GRAPH}/container-1", json={"status_code": "FINISHED"})
    api.post(f"{GRAPH}/{user_path}/media_publish", json={"id": "media-1"})
    api.get(f"{GRAPH}/media-1", json={"permalink": "https://www.instagram.com/p/sun/"})


def public_url(content) -> str:
    return f"https://media.herald.test/{content.media.get().file.name}"


@pytest.mark.parametrize("source", ["legacy columns", "migrated integration"])
def test_an_instagram_account_known_only_by_its_legacy_token_publishes(api, drain, source):
    if source == "legacy columns":
        owner = UserFactory(instagram_access_token=TOKEN)
        target = Target("instagram")
    else:  # what migrate_user_tokens makes of those columns
        owner = UserFactory()
        target = Target(
            "instagram",
            IntegrationFactory(
                user=owner, provider="instagram", external_account_id="legacy", access_token=TOKEN
            ),
        )
    content, publication = photo_post(owner, target)
    api.get(
        f"{GRAPH}/me",
        json={"user_id": IG_USER, "username": "herald.photos"},
        match=[matchers.query_param_matcher({"fields": "user_id,username", "access_token": TOKEN})],
    )
    graph_answers(api, user_path=IG_USER, image_url=public_url(content))

    assert drain() == ["published"]
    publication.refresh_from_db()
    assert (publication.status, publication.external_id, publication.permalink) == (
        Status.PUBLISHED,
        "media-1",
        "https://www.instagram.com/p/sun/",
    )


def test_a_bug_before_any_request_is_a_plain_failure_and_a_retry_sends_without_asking(
    api, drain, monkeypatch
):
    owner = UserFactory()
    account = IntegrationFactory(
        user=owner, provider="instagram", external_account_id=IG_USER, access_token=TOKEN
    )
    content, publication = photo_post(owner, Target("instagram", account))

    def broken_lookup(credentials):
        return credentials.account["instagram_user_id"]  # a bug: no such key

    monkeypatch.setattr(instagram, "account_id", broken_lookup)
    assert drain() == ["failed"]
    publication.refresh_from_db()
    assert publication.status == Status.FAILED
    assert publication.last_error_code == "internal_error"
    assert publication.last_error == (
        "Herald failed before sending anything (KeyError); nothing went out. "
        "Retry once the cause is fixed."
    )
    assert publication.request_sent_at is None
    assert publication.retry_count == 0

    # Fixed, then retried: sent at once, with no reconcile call first (none is mocked).
    monkeypatch.undo()
    monkeypatch.setattr(instagram, "sleep", lambda seconds: None)
    outcome = retry_failed(content, actor=Actor.for_user(owner))
    assert outcome.notes == {}
    graph_answers(api, user_path=IG_USER, image_url=public_url(content))
    assert drain() == ["published"]


def test_a_bug_after_a_request_left_stays_in_doubt(api, drain):
    owner = UserFactory()
    account = IntegrationFactory(
        user=owner, provider="instagram", external_account_id=IG_USER, access_token=TOKEN
    )
    _, publication = photo_post(owner, Target("instagram", account))
    api.get(
        f"{GRAPH}/{IG_USER}/content_publishing_limit",
        json={"data": [{"quota_usage": 0, "config": {"quota_total": 50}}]},
    )
    # An answer without the container's id: the module trips over it after the POST left.
    api.post(f"{GRAPH}/{IG_USER}/media", json={"unexpected": True})

    assert drain() == ["retrying"]
    publication.refresh_from_db()
    assert publication.status == Status.RETRYING
    assert publication.last_error == "Unexpected error: KeyError"
    assert publication.request_sent_at is not None


def test_a_refusal_before_any_request_clears_the_sent_mark(drain):
    owner = UserFactory()
    # A Discord account with neither a webhook nor a bot channel: refused before sending.
    account = IntegrationFactory(user=owner, provider="discord", webhook_url="", access_token="")
    content = schedule_content(
        owner=owner,
        body="Hello",
        targets=[Target("discord", account)],
        scheduled_for=timezone.now() - dt.timedelta(seconds=1),
    )
    assert drain() == ["failed"]
    publication = Publication.objects.get(content=content)
    assert (publication.status, publication.last_error_code) == (Status.FAILED, "auth")
    assert publication.request_sent_at is None
    assert PublicationEvent.objects.filter(publication=publication).last().reason == (
        "Discord: the account has neither a bot token and channel nor a webhook."
    )


def test_an_x_post_over_its_24_hour_cap_is_held_until_the_cap_resets(api, drain):
    owner = UserFactory()
    account = IntegrationFactory(user=owner, provider="twitter")
    content = schedule_content(
        owner=owner,
        body="Launch day",
        targets=[Target("twitter", account)],
        scheduled_for=timezone.now() - dt.timedelta(seconds=1),
    )
    daily_reset = int(time.time()) + 10 * 3600
    api.post(
        f"{X_API}/tweets",
        status=429,
        json={"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
        headers={
            "x-rate-limit-remaining": "99",
            "x-rate-limit-reset": str(int(time.time()) + 900),
            "x-user-limit-24hour-remaining": "0",
            "x-user-limit-24hour-reset": str(daily_reset),
        },
    )

    assert drain() == ["rate_limited"]
    until = dt.datetime.fromtimestamp(daily_reset, tz=dt.UTC)
    publication = Publication.objects.get(content=content)
    assert (publication.status, publication.next_attempt_at) == (Status.QUEUED, until)
    account.refresh_from_db()
    assert account.rate_limited_until == until
