import datetime as dt
import json

import pytest
from responses import matchers

from platforms.base import UNKNOWN, AuthError, PermanentError, Published, RateLimited
from platforms.discord import client as discord
from tests.platforms.conftest import credentials

MESSAGES = "https://discord.test/api/v10/channels/555/messages"
BOT = credentials(access_token="bot-tok", account={"channel_id": "555", "guild_id": "777"})
WEBHOOK = credentials(
    access_token="", webhook_url="https://discord.com/api/webhooks/12/secret-token"
)


def test_bot_message_carries_a_stable_nonce_enforced_by_discord(api, make_post):
    post = make_post("Ship it", key="3-discord-1700000000")
    nonce = discord.nonce_for(post)
    assert len(nonce) == 25 and nonce == discord.nonce_for(make_post(key="3-discord-1700000000"))
    api.post(
        MESSAGES,
        json={"id": "900", "channel_id": "555"},
        match=[
            matchers.json_params_matcher(
                {"content": "Ship it", "nonce": nonce, "enforce_nonce": True}
            ),
            matchers.header_matcher({"Authorization": "Bot bot-tok"}),
        ],
    )
    assert discord.publish(post, BOT) == Published(
        "900", "https://discord.com/channels/777/555/900"
    )


def test_webhook_waits_for_the_message_and_goes_to_the_configured_host(api, make_post):
    api.post(
        "https://discord.test/api/webhooks/12/secret-token",
        json={"id": "901", "channel_id": "556", "guild_id": "778"},
        match=[
            matchers.query_param_matcher({"wait": "true"}),
            matchers.json_params_matcher({"content": "Hi"}),
        ],
    )
    result = discord.publish(make_post("Hi"), WEBHOOK)
    assert result == Published("901", "https://discord.com/channels/778/556/901")


def test_attachments_go_as_multipart_payload_json_and_files(api, make_post):
    api.post(MESSAGES, json={"id": "902", "channel_id": "555"})
    post = make_post("With a file", media=[("image", "a.png", "image/png", 300)])
    discord.publish(post, BOT)
    request = api.calls[0].request
    assert request.headers["Content-Type"].startswith("multipart/form-data")
    assert b'name="files[0]"; filename="a.png"' in request.body
    payload = request.body.split(b'name="payload_json"\r\n\r\n')[1].split(b"\r\n")[0]
    assert json.loads(payload)["content"] == "With a file"


def test_429_retry_after_becomes_rate_limited(api, make_post):
    api.post(
        MESSAGES,
        status=429,
        json={"message": "You are being rate limited.", "retry_after": 2.5, "global": False},
        headers={"Retry-After": "3"},
    )
    before = dt.datetime.now(dt.UTC)
    with pytest.raises(RateLimited) as error:
        discord.publish(make_post(), BOT)
    assert before + dt.timedelta(seconds=2.4) < error.value.until < before + dt.timedelta(seconds=4)


def test_error_classes(api, make_post):
    api.post(MESSAGES, status=401, json={"message": "401: Unauthorized", "code": 0})
    with pytest.raises(AuthError):
        discord.publish(make_post(), BOT)
    api.post(MESSAGES, status=404, json={"message": "Unknown Channel", "code": 10003})
    with pytest.raises(PermanentError) as gone:
        discord.publish(make_post(), BOT)
    assert gone.value.code == "target_gone"
    api.post(MESSAGES, status=400, json={"message": "Invalid Form Body", "code": 50035})
    with pytest.raises(PermanentError) as invalid:
        discord.publish(make_post(), BOT)
    assert invalid.value.code == "discord_50035"


def test_validate_limits_content_to_2000_characters(make_post):
    assert discord.validate(make_post("a" * 2000)) == []
    assert discord.validate(make_post("a" * 2001)) == [
        "Discord: the message is 2001 characters; the limit is 2000."
    ]


def test_reconcile_bot_looks_among_recent_bot_messages(api, make_post):
    api.get(
        MESSAGES,
        json=[
            {"id": "1", "channel_id": "555", "content": "Ship it", "author": {"bot": False}},
            {"id": "2", "channel_id": "555", "content": "Ship it", "author": {"bot": True}},
        ],
        match=[
            matchers.query_param_matcher({"limit": "100"}),
            matchers.header_matcher({"Authorization": "Bot bot-tok"}),
        ],
    )
    found = discord.reconcile(make_post("Ship it"), BOT)
    assert found == Published("2", "https://discord.com/channels/777/555/2")
    api.get(MESSAGES, json=[])
    assert discord.reconcile(make_post("Ship it"), BOT) is None
    api.get(f"{MESSAGES}/900", json={"id": "900", "channel_id": "555"})
    saved = discord.reconcile(make_post(state={"message_id": "900"}), BOT)
    assert saved == Published("900", "https://discord.com/channels/777/555/900")


def test_reconcile_bot_not_found_on_a_full_page_is_unknown(api, make_post):
    """Older messages were left unread, and Discord's nonce memory is short: no resend."""
    page = [
        {"id": str(n), "channel_id": "555", "content": f"other {n}", "author": {"bot": True}}
        for n in range(discord.RECENT_MESSAGES)
    ]
    api.get(MESSAGES, json=page, match=[matchers.query_param_matcher({"limit": "100"})])
    assert discord.reconcile(make_post("Ship it"), BOT) is UNKNOWN


def test_reconcile_webhook(api, make_post):
    assert discord.reconcile(make_post(), WEBHOOK) is UNKNOWN
    api.get(
        "https://discord.test/api/webhooks/12/secret-token/messages/901",
        json={"id": "901", "channel_id": "556", "guild_id": "778"},
    )
    found = discord.reconcile(make_post(state={"message_id": "901"}), WEBHOOK)
    assert found == Published("901", "https://discord.com/channels/778/556/901")


def test_refresh_keeps_bot_credentials():
    assert discord.refresh(BOT) is BOT
