"""The Discord emulation: bot messages, multipart files, nonces, webhooks, limits."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sandbox.models import SandboxPost
from sandbox.views.discord import GUILD_ID, webhook_channel_id

pytestmark = pytest.mark.django_db

CHANNEL = "123456789012345678"
MESSAGES = f"/sandbox/discord/api/v10/channels/{CHANNEL}/messages"
BOT = {"HTTP_AUTHORIZATION": "Bot sandbox-discord-bot"}


def send(client, payload, **headers):
    return client.post(MESSAGES, payload, content_type="application/json", **(headers or BOT))


def test_bot_message_answers_the_message_object(client):
    response = send(client, {"content": "Release notes are out"})

    assert response.status_code == 200
    message = response.json()
    assert message["content"] == "Release notes are out"
    assert message["channel_id"] == CHANNEL
    assert message["guild_id"] == GUILD_ID
    assert message["attachments"] == []
    assert message["author"]["bot"] is True
    assert message["timestamp"]
    assert response["X-RateLimit-Limit"] == "120"
    assert response["X-RateLimit-Remaining"] == "119"
    assert float(response["X-RateLimit-Reset-After"]) >= 0
    post = SandboxPost.objects.get(platform="discord", external_id=message["id"])
    assert post.account == "discord-bot"
    assert post.target == CHANNEL


def test_message_can_be_read_back_and_listed(client):
    message_id = send(client, {"content": "hello"}).json()["id"]

    response = client.get(f"{MESSAGES}/{message_id}", **BOT)
    assert response.status_code == 200
    assert response.json()["content"] == "hello"

    listing = client.get(MESSAGES, **BOT)
    assert [item["id"] for item in listing.json()] == [message_id]

    missing = client.get(f"{MESSAGES}/1", **BOT)
    assert missing.status_code == 404
    assert missing.json() == {"message": "Unknown Message", "code": 10008}


def test_multipart_payload_json_and_files(client):
    response = client.post(
        MESSAGES,
        {
            "payload_json": json.dumps({"content": "with a file"}),
            "files[0]": SimpleUploadedFile("cat.png", b"\x89PNG....", content_type="image/png"),
        },
        **BOT,
    )

    assert response.status_code == 200
    attachment = response.json()["attachments"][0]
    assert attachment["filename"] == "cat.png"
    assert attachment["size"] == 8
    assert attachment["content_type"] == "image/png"
    assert "/sandbox/posts/" in attachment["url"]
    post = SandboxPost.objects.get()
    assert len(post.media[0]["sha256"]) == 64


def test_enforced_nonce_returns_the_same_message(client):
    payload = {"content": "only once", "nonce": "pub-42", "enforce_nonce": True}

    first = send(client, payload)
    second = send(client, payload)

    assert first.status_code == second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert second.json()["nonce"] == "pub-42"
    assert SandboxPost.objects.count() == 1


def test_nonce_without_enforce_creates_two_messages(client):
    payload = {"content": "twice", "nonce": "pub-43"}

    first = send(client, payload)
    second = send(client, payload)

    assert first.json()["id"] != second.json()["id"]
    assert SandboxPost.objects.count() == 2


def test_bad_bot_token_is_401(client):
    response = send(client, {"content": "hi"}, HTTP_AUTHORIZATION="Bot real-token")

    assert response.status_code == 401
    assert response.json() == {"message": "401: Unauthorized", "code": 0}


def test_bearer_scheme_is_not_a_bot_token(client):
    response = send(client, {"content": "hi"}, HTTP_AUTHORIZATION="Bearer sandbox-discord-bot")

    assert response.status_code == 401


def test_content_over_2000_characters_is_50035(client):
    response = send(client, {"content": "x" * 2001})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 50035
    assert body["errors"]["content"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    assert not SandboxPost.objects.exists()


def test_empty_message_is_50006(client):
    response = send(client, {"content": ""})

    assert response.status_code == 400
    assert response.json()["code"] == 50006


def test_over_the_limit_is_429_with_retry_after(client, settings):
    settings.SANDBOX_RATE_LIMITS = {"discord": (1, 60)}
    assert send(client, {"content": "one"}).status_code == 200

    response = send(client, {"content": "two"})

    assert response.status_code == 429
    body = response.json()
    assert body["message"] == "You are being rate limited."
    assert body["global"] is False
    assert 0 <= body["retry_after"] <= 60
    assert isinstance(body["retry_after"], float)
    assert 0 <= int(response["Retry-After"]) <= 60
    assert response["X-RateLimit-Limit"] == "1"
    assert response["X-RateLimit-Remaining"] == "0"
    assert response["X-RateLimit-Scope"] == "user"
    assert SandboxPost.objects.count() == 1


def test_webhook_with_wait_answers_the_message(client):
    response = client.post(
        "/sandbox/discord/api/webhooks/555/sandbox-hook?wait=true",
        {"content": "from a webhook", "username": "Herald"},
        content_type="application/json",
    )

    assert response.status_code == 200
    message = response.json()
    assert message["webhook_id"] == "555"
    assert message["author"]["username"] == "Herald"
    assert message["channel_id"] == webhook_channel_id("555")
    read_back = client.get(
        f"/sandbox/discord/api/webhooks/555/sandbox-hook/messages/{message['id']}"
    )
    assert read_back.json()["content"] == "from a webhook"


def test_webhook_without_wait_answers_204(client):
    response = client.post(
        "/sandbox/discord/api/webhooks/555/sandbox-hook",
        {"content": "fire and forget"},
        content_type="application/json",
    )

    assert response.status_code == 204
    assert response.content == b""
    assert SandboxPost.objects.get().account == "webhook:555"


def test_webhook_with_a_bad_token_is_401(client):
    response = client.post(
        "/sandbox/discord/api/webhooks/555/real-token?wait=true",
        {"content": "hi"},
        content_type="application/json",
    )

    assert response.status_code == 401
    assert response.json()["code"] == 50027


@pytest.mark.parametrize("wait", ["True", "true", "1"])
def test_webhook_wait_accepts_every_true_spelling_discord_accepts(client, wait):
    # discord.py sends wait=1: the message must come back, not a bodiless 204.
    response = client.post(
        f"/sandbox/discord/api/webhooks/555/sandbox-hook?wait={wait}",
        {"content": "posted with wait"},
        content_type="application/json",
    )

    assert response.status_code == 200
    message = response.json()
    assert message["content"] == "posted with wait"
    assert SandboxPost.objects.get().external_id == message["id"]


@pytest.mark.parametrize("wait", ["False", "false", "0"])
def test_webhook_wait_false_answers_204(client, wait):
    response = client.post(
        f"/sandbox/discord/api/webhooks/555/sandbox-hook?wait={wait}",
        {"content": "no answer wanted"},
        content_type="application/json",
    )

    assert response.status_code == 204
    assert response.content == b""
    assert SandboxPost.objects.count() == 1


@pytest.mark.parametrize("wait", ["yes", "TRUE"])
def test_webhook_wait_that_is_not_a_boolean_is_50035_and_stores_nothing(client, wait):
    response = client.post(
        f"/sandbox/discord/api/webhooks/555/sandbox-hook?wait={wait}",
        {"content": "ambiguous"},
        content_type="application/json",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 50035
    assert body["errors"]["wait"]["_errors"][0]["code"] == "BOOLEAN_TYPE_COERCE"
    assert not SandboxPost.objects.exists()
