"""The platform's id is saved the moment its answer arrives, so a crash after it is not in doubt.

A Discord webhook cannot list its messages: were its answer lost, nothing could
tell whether the post went out. The client saves the message id as soon as
Discord answers, before the outcome is recorded; a worker that dies in between
leaves a row whose next attempt asks Discord for that message instead of
marking it in doubt, and never posts it again.
"""

import datetime as dt
import json

import pytest
from django.db import OperationalError
from django.utils import timezone

from content.choices import Status
from publishing import engine
from publishing.models import Publication, PublicationEvent
from publishing.posts import build_post
from publishing.services import Target, schedule_content
from tests.factories import IntegrationFactory, UserFactory

HOOK = "https://discord.test/api/webhooks/12/secret-token"
CHANNEL = "https://discord.test/api/v10/channels/555/messages"
ANSWER = {"id": "901", "channel_id": "555", "guild_id": "778", "content": "Ship it"}
PERMALINK = "https://discord.com/channels/778/555/901"


@pytest.fixture(autouse=True)
def real_modules(settings):
    settings.PLATFORM_MODULES = {
        "twitter": "platforms.x.client",
        "discord": "platforms.discord.client",
        "instagram": "platforms.instagram.client",
        "youtube": "platforms.youtube.client",
    }


def webhook_account(owner):
    return IntegrationFactory(
        user=owner,
        provider="discord",
        access_token="",
        refresh_token="",
        webhook_url="https://discord.com/api/webhooks/12/secret-token",
    )


def bot_account(owner):
    account = IntegrationFactory(user=owner, provider="discord", access_token="bot-token-0123")
    account.account_options = {"channel_id": "555", "guild_id": "778"}
    account.save()
    return account


# How each kind of Discord account posts, and how its next attempt finds the message by id.
KINDS = {
    "webhook": (webhook_account, HOOK, f"{HOOK}/messages/901"),
    "bot": (bot_account, CHANNEL, f"{CHANNEL}/901"),
}


def due_post(owner, account) -> Publication:
    content = schedule_content(
        owner=owner,
        body="Ship it",
        targets=[Target("discord", account)],
        scheduled_for=timezone.now() - dt.timedelta(seconds=1),
    )
    return content.publications.get()


def crash_while_recording_published(monkeypatch):
    """The outcome's transaction fails, as when the worker's database connection dies."""
    record = engine.apply_moves

    def apply_moves(moves, **kwargs):
        moves = list(moves)
        if any(move.to_status == Status.PUBLISHED for move in moves):
            raise OperationalError("server closed the connection unexpectedly")
        return record(moves, **kwargs)

    monkeypatch.setattr(engine, "apply_moves", apply_moves)


@pytest.mark.parametrize("kind", KINDS)
def test_a_crash_after_the_answer_is_reconciled_by_the_saved_id_without_a_second_post(
    api, drain, monkeypatch, django_capture_on_commit_callbacks, kind
):
    make_account, post_url, message_url = KINDS[kind]
    owner = UserFactory()
    publication = due_post(owner, make_account(owner))
    api.post(post_url, json=ANSWER)

    handed: list[int] = []
    with django_capture_on_commit_callbacks(execute=True):
        engine.tick(budget_seconds=0, enqueue=handed.append)
    assert handed == [publication.pk]
    with monkeypatch.context() as patch:
        crash_while_recording_published(patch)
        with pytest.raises(OperationalError):
            engine.publish_one(publication.pk)

    # Nothing of the outcome was recorded, but the message id was, at once.
    publication.refresh_from_db()
    assert (publication.status, publication.external_id) == (Status.PUBLISHING, "")
    assert publication.request_sent_at is not None
    assert publication.platform_state == {"message_id": "901", "channel_id": "555"}

    # The worker is gone: its lease runs out, and the next tick hands the row on.
    Publication.objects.filter(pk=publication.pk).update(
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    api.get(message_url, json=ANSWER)
    assert drain() == ["published"]

    publication.refresh_from_db()
    assert (publication.status, publication.external_id, publication.permalink) == (
        Status.PUBLISHED,
        "901",
        PERMALINK,
    )
    assert publication.last_error_code == ""
    assert PublicationEvent.objects.filter(publication=publication).last().reason == (
        "found on the platform by reconcile"
    )
    # One POST, then a GET of that very message: the post went out once.
    assert [(call.request.method, call.request.url.split("?")[0]) for call in api.calls] == [
        ("POST", post_url),
        ("GET", message_url),
    ]
    assert json.loads(api.calls[0].request.body)["content"] == "Ship it"
    assert api.calls[1].request.body is None


def test_without_the_saved_id_a_webhook_post_is_in_doubt(api, drain):
    """What the early id saves: a webhook whose answer was lost cannot be asked."""
    owner = UserFactory()
    publication = due_post(owner, webhook_account(owner))
    Publication.objects.filter(pk=publication.pk).update(
        status=Status.QUEUED,
        request_sent_at=timezone.now() - dt.timedelta(minutes=10),
        next_attempt_at=timezone.now(),
    )
    assert drain() == ["failed"]
    publication.refresh_from_db()
    assert (publication.status, publication.last_error_code) == (Status.FAILED, "in_doubt")
    assert len(api.calls) == 0  # nothing asked, nothing sent


def test_a_worker_that_lost_its_claim_saves_nothing(
    api, django_capture_on_commit_callbacks, caplog
):
    """The row was recovered and claimed again: the late worker must not write into it."""
    owner = UserFactory()
    publication = due_post(owner, webhook_account(owner))
    handed: list[int] = []
    with django_capture_on_commit_callbacks(execute=True):
        engine.tick(budget_seconds=0, enqueue=handed.append)
    first = engine.claim_publication(publication.pk)
    late_worker = build_post(first.content, "discord", publication=first.publication)

    # Its lease expires; another worker claims the row.
    Publication.objects.filter(pk=publication.pk).update(
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    engine.recover_expired_leases(timezone.now())
    second = engine.claim_publication(publication.pk)
    assert isinstance(second, engine.Claim)
    current_worker = build_post(second.content, "discord", publication=second.publication)

    late_worker.checkpoint({"message_id": "111"})
    assert Publication.objects.get(pk=publication.pk).platform_state == {}
    assert "not saving message_id, its claim was lost to another worker" in caplog.text
    current_worker.checkpoint({"message_id": "222"})
    assert Publication.objects.get(pk=publication.pk).platform_state == {"message_id": "222"}
