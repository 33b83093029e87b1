"""Every platform's options (its own text included), the counters the composer shows, and the
options that change what is sent: Discord's channel, Instagram's kind of post."""

import pytest
from responses import matchers

from platforms import registry
from platforms.base import Measure, PermanentError, Published
from platforms.discord import client as discord
from platforms.instagram import client as instagram
from platforms.x import client as x
from platforms.youtube import client as youtube
from tests.platforms.conftest import credentials

BOT = credentials(access_token="bot-tok", account={"channel_id": "555", "guild_id": "777"})
WEBHOOK = credentials(access_token="", webhook_url="https://discord.com/api/webhooks/12/tok")
OTHER_CHANNEL = "123456789012345678"


@pytest.mark.parametrize("platform", registry.values())
def test_every_platform_takes_its_own_text(platform):
    serializer = registry.get(platform).options_serializer()(data={"text": "Only here"})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data == {"text": "Only here"}


def test_unknown_and_bad_options_are_named():
    discord_options = registry.get("discord").options_serializer()(data={"channel_id": "general"})
    assert not discord_options.is_valid()
    assert discord_options.errors == {"channel_id": ["A Discord channel id is 17 to 20 digits."]}
    instagram_options = registry.get("instagram").options_serializer()(data={"kind": "story"})
    assert not instagram_options.is_valid()
    assert instagram_options.errors == {"kind": ['"story" is not a valid choice.']}


def test_x_measures_each_thread_part_in_weighted_characters(make_post):
    post = make_post("é" * 10 + " https://example.com/" + "a" * 100, options={"thread": ["日本"]})
    assert x.measure(post) == [
        Measure("Post", 10 + 1 + 23, 280, "weighted characters"),
        Measure("Thread part 2", 4, 280, "weighted characters"),
        Measure("Media", 0, 4, "files"),
    ]


def test_discord_instagram_and_youtube_measures(make_post):
    body = "#a #b @c " + "x" * 10
    assert discord.measure(make_post(body)) == [
        Measure("Message", len(body), 2000, "characters"),
        Measure("Attachments", 0, 10, "files"),
    ]
    assert instagram.measure(make_post(body)) == [
        Measure("Caption", len(body), 2200, "characters"),
        Measure("Hashtags", 2, 30, "hashtags"),
        Measure("Mentions", 1, 20, "@mentions"),
        Measure("Media", 0, 10, "files"),
    ]
    video = make_post("Déjà vu", options={"title": "T" * 101})
    assert youtube.measure(video) == [
        Measure("Title", 101, 100, "characters"),
        Measure("Description", len("Déjà vu".encode()), 5000, "bytes"),
    ]
    assert youtube.measure(video)[0].over


@pytest.mark.parametrize(
    ("kind", "media", "problem"),
    [
        ("feed", [("image", "a.jpg", "image/jpeg", 10)], None),
        ("feed", [("video", "a.mp4", "video/mp4", 10)], "a feed post is exactly one image."),
        ("reel", [("video", "a.mp4", "video/mp4", 10)], None),
        ("reel", [("image", "a.jpg", "image/jpeg", 10)], "a reel is exactly one video."),
        (
            "carousel",
            [("image", "a.jpg", "image/jpeg", 10)],
            "a carousel holds 2 to 10 images or videos.",
        ),
        ("carousel", [("image", f"{n}.jpg", "image/jpeg", 10) for n in range(2)], None),
    ],
)
def test_instagram_kind_is_checked_against_the_media(make_post, kind, media, problem):
    problems = instagram.validate(make_post("Caption", media=media, options={"kind": kind}))
    assert problems == ([f"Instagram: {problem}"] if problem else [])


def test_discord_bot_posts_in_the_chosen_channel_and_reconciles_there(api, make_post):
    url = f"https://discord.test/api/v10/channels/{OTHER_CHANNEL}/messages"
    post = make_post("Hello there", options={"channel_id": OTHER_CHANNEL})
    api.post(
        url,
        json={"id": "900", "channel_id": OTHER_CHANNEL},
        match=[
            matchers.json_params_matcher(
                {"content": "Hello there", "nonce": discord.nonce_for(post), "enforce_nonce": True}
            ),
            matchers.header_matcher({"Authorization": "Bot bot-tok"}),
        ],
    )
    assert discord.publish(post, BOT) == Published(
        "900", f"https://discord.com/channels/777/{OTHER_CHANNEL}/900"
    )
    api.get(
        url,
        json=[
            {
                "id": "900",
                "channel_id": OTHER_CHANNEL,
                "content": "Hello there",
                "author": {"bot": True},
            }
        ],
        match=[matchers.query_param_matcher({"limit": "100"})],
    )
    assert discord.reconcile(post, BOT).external_id == "900"


def test_a_webhook_account_cannot_choose_a_channel(make_post):
    with pytest.raises(PermanentError, match="needs a bot account") as refused:
        discord.publish(make_post("Hi", options={"channel_id": OTHER_CHANNEL}), WEBHOOK)
    assert refused.value.code == "channel_needs_bot"
