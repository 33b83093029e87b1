"""The sandbox's metrics endpoints: numbers that grow with time, deterministic per post,
with the real APIs' batch sizes and limits."""

import datetime as dt

import pytest
from django.utils import timezone

from sandbox.metrics import grown
from sandbox.models import SandboxPost

pytestmark = pytest.mark.django_db

X_AUTH = {"HTTP_AUTHORIZATION": "Bearer sandbox-x-alice"}
YT_AUTH = {"HTTP_AUTHORIZATION": "Bearer sandbox-yt-alice"}


def post(platform: str, external_id: str, hours_ago: float, **fields) -> SandboxPost:
    return SandboxPost.objects.create(
        platform=platform,
        account=fields.pop("account", "alice"),
        external_id=external_id,
        created_at=timezone.now() - dt.timedelta(hours=hours_ago),
        **fields,
    )


def test_numbers_grow_with_time_and_are_the_same_for_the_same_post():
    start = dt.datetime(2031, 1, 1, tzinfo=dt.UTC)
    values = [grown("123", "likes", start, start + dt.timedelta(hours=h)) for h in (0, 1, 24, 720)]
    assert values == sorted(values) and values[0] == 0 and values[-1] > values[1]
    assert grown("123", "likes", start, start + dt.timedelta(hours=5)) == grown(
        "123", "likes", start, start + dt.timedelta(hours=5)
    )


def test_x_lookup_answers_public_metrics_and_names_the_missing_posts(client):
    post("twitter", "111", hours_ago=2)
    response = client.get(
        "/sandbox/x/2/tweets", {"ids": "111,222", "tweet.fields": "public_metrics"}, **X_AUTH
    )
    assert response.status_code == 200
    body = response.json()
    (tweet,) = body["data"]
    assert tweet["id"] == "111"
    assert set(tweet["public_metrics"]) == {
        "retweet_count",
        "reply_count",
        "like_count",
        "quote_count",
        "bookmark_count",
        "impression_count",
    }
    assert body["errors"][0]["resource_id"] == "222"
    assert body["errors"][0]["type"].endswith("resource-not-found")
    # The lookup has its own window, apart from the posting one.
    assert response["x-rate-limit-limit"] == "5000"


def test_x_lookup_refuses_more_than_100_ids(client):
    ids = ",".join(str(1000 + n) for n in range(101))
    response = client.get("/sandbox/x/2/tweets", {"ids": ids}, **X_AUTH)
    assert response.status_code == 400


def test_x_lookup_answers_429_past_its_limit(client, settings):
    settings.SANDBOX_RATE_LIMITS = {"twitter_lookup": (1, 900)}
    assert client.get("/sandbox/x/2/tweets", {"ids": "1"}, **X_AUTH).status_code == 200
    over = client.get("/sandbox/x/2/tweets", {"ids": "1"}, **X_AUTH)
    assert over.status_code == 429 and over.json()["errors"][0]["code"] == 88


def test_youtube_statistics_and_the_50_id_limit(client):
    post("youtube", "vidA", hours_ago=30)
    response = client.get(
        "/sandbox/youtube/youtube/v3/videos", {"part": "statistics", "id": "vidA,gone"}, **YT_AUTH
    )
    (item,) = response.json()["items"]
    assert item["id"] == "vidA" and int(item["statistics"]["viewCount"]) > 0
    too_many = ",".join(f"v{n}" for n in range(51))
    refused = client.get(
        "/sandbox/youtube/youtube/v3/videos", {"part": "statistics", "id": too_many}, **YT_AUTH
    )
    assert refused.status_code == 400


def test_instagram_insights_current_metrics_and_refuses_deprecated_ones(client):
    post("instagram", "17900000000000001", hours_ago=5)
    url = "/sandbox/instagram/v23.0/17900000000000001/insights"
    answer = client.get(url, {"metric": "reach,likes,views", "access_token": "sandbox-ig-alice"})
    assert [m["name"] for m in answer.json()["data"]] == ["reach", "likes", "views"]
    refused = client.get(url, {"metric": "plays", "access_token": "sandbox-ig-alice"})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == 100
    missing = client.get(
        "/sandbox/instagram/v23.0/17900000000000999/insights",
        {"metric": "reach", "access_token": "sandbox-ig-alice"},
    )
    assert missing.json()["error"]["error_subcode"] == 33


def test_discord_message_carries_reaction_counts(client):
    post("discord", "900000000000000001", hours_ago=48, target="555")
    response = client.get(
        "/sandbox/discord/api/v10/channels/555/messages/900000000000000001",
        HTTP_AUTHORIZATION="Bot sandbox-bot-alice",
    )
    reactions = response.json()["reactions"]
    assert sum(r["count"] for r in reactions) > 0
    assert all(set(r) >= {"count", "count_details", "emoji", "me"} for r in reactions)
