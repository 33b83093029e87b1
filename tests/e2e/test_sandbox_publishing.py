"""The real engine publishes over HTTP to the sandbox, on all four platforms, exactly once each."""

import datetime as dt

import pytest
import requests
from django.core.files.base import ContentFile
from django.utils import timezone

from content.choices import Status
from content.models import ContentMedia
from integrations.credentials import credentials_from_integration
from platforms.base import Post
from platforms.discord import client as discord
from platforms.youtube import client as youtube
from publishing import engine
from publishing.models import Publication
from publishing.services import Target, schedule_content
from sandbox.models import SandboxPost
from tests.engine_run import drain
from tests.factories import IntegrationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def accounts(owner):
    return {
        "twitter": IntegrationFactory(
            user=owner,
            provider="twitter",
            access_token="sandbox-x-e2e",
            account_options={"username": "e2e"},
        ),
        "discord": IntegrationFactory(
            user=owner,
            provider="discord",
            access_token="sandbox-discord-e2e",
            account_options={"channel_id": "1100000000000000042", "guild_id": "99"},
        ),
        "instagram": IntegrationFactory(
            user=owner,
            provider="instagram",
            external_account_id="17841400000000001",
            access_token="sandbox-ig-e2e",
        ),
        "youtube": IntegrationFactory(
            user=owner, provider="youtube", access_token="sandbox-yt-e2e"
        ),
    }


def media(kind, name, mime, size):
    item = ContentMedia(kind=kind, mime_type=mime, size_bytes=size)
    item.file.save(name, ContentFile(b"\x89" * size), save=False)
    return item


def test_engine_publishes_to_every_platform_of_the_sandbox_once(sandbox, monkeypatch):
    monkeypatch.setattr(youtube, "CHUNK_SIZE", 256 * 1024)
    owner = UserFactory()
    linked = accounts(owner)
    when = timezone.now() - dt.timedelta(seconds=1)
    schedule_content(
        owner=owner,
        body="Hello X and Discord from the e2e test",
        targets=[Target("twitter", linked["twitter"]), Target("discord", linked["discord"])],
        scheduled_for=when,
    )
    schedule_content(
        owner=owner,
        body="A photo for Instagram #herald",
        targets=[Target("instagram", linked["instagram"])],
        scheduled_for=when,
        media=[media("image", "photo.jpg", "image/jpeg", 2048)],
    )
    schedule_content(
        owner=owner,
        title="Launch video",
        body="Our launch, in three minutes.",
        targets=[Target("youtube", linked["youtube"])],
        scheduled_for=when,
        options={"youtube": {"privacy": "unlisted"}},
        media=[media("video", "launch.mp4", "video/mp4", 600 * 1024)],
    )
    drain()

    rows = {p.platform: p for p in Publication.objects.all()}
    assert {p: r.status for p, r in rows.items()} == dict.fromkeys(rows, Status.PUBLISHED)
    posts = {p.platform: p for p in SandboxPost.objects.all()}
    assert SandboxPost.objects.count() == 4 and set(posts) == set(rows)
    for platform, row in rows.items():
        assert row.external_id == posts[platform].external_id
    base = f"{sandbox.url}/sandbox"
    assert rows["twitter"].permalink == f"{base}/x/e2e/status/{rows['twitter'].external_id}"
    assert rows["discord"].permalink == (
        f"{base}/discord/channels/99/1100000000000000042/{rows['discord'].external_id}"
    )
    assert rows["youtube"].permalink == f"{base}/youtube/watch?v={rows['youtube'].external_id}"
    # Every permalink opens the sandbox's page of that very post.
    for platform, row in rows.items():
        page = requests.get(row.permalink, timeout=10)
        assert page.status_code == 200
        assert page.url == f"{base}/posts/{posts[platform].pk}/"
    assert posts["twitter"].text == "Hello X and Discord from the e2e test"
    # 600 KiB in 256 KiB chunks: three PUTs, every byte received once.
    assert (posts["youtube"].media[0]["size"], posts["youtube"].media[0]["chunks"]) == (
        600 * 1024,
        3,
    )
    assert posts["instagram"].text == "A photo for Instagram #herald"


def test_running_the_engine_again_sends_nothing_more(sandbox):
    owner = UserFactory()
    linked = accounts(owner)
    schedule_content(
        owner=owner,
        body="Only once",
        targets=[Target("discord", linked["discord"])],
        scheduled_for=timezone.now() - dt.timedelta(seconds=1),
    )
    drain()
    (row,) = Publication.objects.all()
    assert (row.status, row.last_error, row.hold_reason) == (Status.PUBLISHED, "", "")
    assert engine.publish_one(row.pk) == "skipped"
    drain()
    assert SandboxPost.objects.count() == 1
    # Reconcile, as after a lost answer, finds that very message in the channel.
    found = discord.reconcile(
        Post(publication_id=row.pk, idempotency_key=row.idempotency_key, body="Only once"),
        credentials_from_integration(linked["discord"]),
    )
    assert found.external_id == row.external_id
