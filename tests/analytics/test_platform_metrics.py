"""Each platform's metrics reader against the answers its documentation shows.

Every request is checked: URL, query parameters, authorization; every mocked
answer is used (assert_all_requests_are_fired).
"""

import datetime as dt
import zoneinfo

import pytest
import responses
from responses import matchers

from platforms.base import AuthError, Credentials, RateLimited
from platforms.discord import metrics as discord
from platforms.instagram import metrics as instagram
from platforms.metrics import GONE, MetricsTarget, PostMetrics
from platforms.x import metrics as x
from platforms.youtube import metrics as youtube

pytestmark = pytest.mark.django_db

X_API = "https://api.x.com"
YOUTUBE_API = "https://www.googleapis.com"
GRAPH = "https://graph.instagram.com"
DISCORD = "https://discord.com"


@pytest.fixture(autouse=True)
def real_hosts(settings):
    settings.PLATFORM_BASE_URLS = {
        **settings.PLATFORM_BASE_URLS,
        "twitter": X_API,
        "youtube": YOUTUBE_API,
        "instagram": GRAPH,
        "discord": DISCORD,
    }


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


TOKEN = Credentials(access_token="user-token-123", account={"channel_id": "555"})


def targets(count: int, prefix: str = "") -> list[MetricsTarget]:
    return [MetricsTarget(key=n, external_id=f"{prefix}{1000 + n}") for n in range(count)]


def bearer(token: str = TOKEN.access_token) -> matchers:
    return matchers.header_matcher({"Authorization": f"Bearer {token}"})


# --- X ---------------------------------------------------------------------------------


def tweet(id_: str, likes: int) -> dict:
    return {
        "id": id_,
        "text": "hello",
        "edit_history_tweet_ids": [id_],
        "public_metrics": {
            "retweet_count": 3,
            "reply_count": 2,
            "like_count": likes,
            "quote_count": 1,
            "bookmark_count": 4,
            "impression_count": 900,
        },
    }


def test_x_asks_100_ids_in_one_call_and_maps_public_metrics(mocked):
    batch = targets(100)
    ids = ",".join(t.external_id for t in batch)
    mocked.get(
        f"{X_API}/2/tweets",
        match=[
            matchers.query_param_matcher({"ids": ids, "tweet.fields": "public_metrics"}),
            bearer(),
        ],
        json={"data": [tweet(t.external_id, likes=t.key) for t in batch]},
    )
    answer = x.collect(batch, TOKEN)
    assert len(answer) == 100
    assert answer[7] == PostMetrics(views=900, likes=7, comments=2, shares=3, quotes=1, saves=4)
    assert answer[7].engagement == 7 + 2 + 3 + 1 + 4


def test_x_refuses_more_than_100_ids():
    with pytest.raises(ValueError, match="100"):
        x.collect(targets(101), TOKEN)


def test_x_deleted_post_is_gone(mocked):
    batch = targets(2)
    mocked.get(
        f"{X_API}/2/tweets",
        json={
            "data": [tweet("1000", likes=5)],
            "errors": [
                {
                    "value": "1001",
                    "detail": "Could not find tweet with ids: [1001].",
                    "title": "Not Found Error",
                    "resource_type": "tweet",
                    "parameter": "ids",
                    "resource_id": "1001",
                    "type": "https://api.twitter.com/2/problems/resource-not-found",
                }
            ],
        },
    )
    answer = x.collect(batch, TOKEN)
    assert answer[0].likes == 5
    assert answer[1] is GONE


def test_x_429_waits_until_the_window_resets(mocked):
    reset = int(dt.datetime(2031, 1, 1, 12, 15, tzinfo=dt.UTC).timestamp())
    mocked.get(
        f"{X_API}/2/tweets",
        status=429,
        headers={
            "x-rate-limit-limit": "5000",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(reset),
        },
        json={
            "title": "Too Many Requests",
            "errors": [{"code": 88, "message": "Rate limit exceeded"}],
        },
    )
    with pytest.raises(RateLimited) as caught:
        x.collect(targets(3), TOKEN)
    assert caught.value.until == dt.datetime(2031, 1, 1, 12, 15, tzinfo=dt.UTC)


def test_x_refused_token_is_an_auth_error(mocked):
    mocked.get(
        f"{X_API}/2/tweets", status=401, json={"title": "Unauthorized", "detail": "Unauthorized"}
    )
    with pytest.raises(AuthError):
        x.collect(targets(1), TOKEN)


# --- YouTube ------------------------------------------------------------------------------


def video(id_: str, views: str) -> dict:
    return {
        "kind": "youtube#video",
        "etag": "e",
        "id": id_,
        "statistics": {
            "viewCount": views,
            "likeCount": "12",
            "favoriteCount": "0",
            "commentCount": "3",
        },
    }


def test_youtube_asks_50_ids_with_part_statistics(mocked):
    batch = targets(50, prefix="vid")
    mocked.get(
        f"{YOUTUBE_API}/youtube/v3/videos",
        match=[
            matchers.query_param_matcher(
                {"part": "statistics", "id": ",".join(t.external_id for t in batch)}
            ),
            bearer(),
        ],
        json={
            "kind": "youtube#videoListResponse",
            # videos.list answers in its own order: found by id, not by position
            "items": [video(t.external_id, str(t.key * 10)) for t in reversed(batch)],
            "pageInfo": {"totalResults": 50, "resultsPerPage": 50},
        },
    )
    answer = youtube.collect(batch, TOKEN)
    assert answer[4] == PostMetrics(views=40, likes=12, comments=3)
    assert answer[4].engagement == 15


def test_youtube_refuses_more_than_50_ids():
    with pytest.raises(ValueError, match="50"):
        youtube.collect(targets(51), TOKEN)


def test_youtube_deleted_video_is_absent_hence_gone_and_hidden_likes_are_none(mocked):
    item = video("vid1000", "77")
    del item["statistics"]["likeCount"]
    mocked.get(f"{YOUTUBE_API}/youtube/v3/videos", json={"items": [item]})
    answer = youtube.collect(targets(2, prefix="vid"), TOKEN)
    assert answer[0] == PostMetrics(views=77, likes=None, comments=3)
    assert answer[1] is GONE


def test_youtube_quota_exceeded_waits_until_pacific_midnight(mocked):
    mocked.get(
        f"{YOUTUBE_API}/youtube/v3/videos",
        status=403,
        json={
            "error": {
                "code": 403,
                "message": "The request cannot be completed because you have exceeded your quota.",
                "errors": [
                    {"message": "quota", "domain": "youtube.quota", "reason": "quotaExceeded"}
                ],
            }
        },
    )
    with pytest.raises(RateLimited) as caught:
        youtube.collect(targets(1), TOKEN)
    until = caught.value.until.astimezone(zoneinfo.ZoneInfo("America/Los_Angeles"))
    assert (until.hour, until.minute) == (0, 0)
    assert caught.value.code == "quota_exceeded"


def test_youtube_budget_is_the_apps_daily_quota_less_publishing():
    budget = youtube.budget((6, 86400))
    assert budget.per_app and budget.cost == 1
    assert budget.units == 10_000 - 6 * youtube.PUBLISH_UNITS


# --- Instagram ----------------------------------------------------------------------------


def insight(name: str, value: int) -> dict:
    return {
        "name": name,
        "period": "lifetime",
        "values": [{"value": value}],
        "title": name.title(),
        "description": "",
        "id": f"1000/insights/{name}/lifetime",
    }


def test_instagram_reads_the_current_media_insights_metrics(mocked):
    mocked.get(
        f"{GRAPH}/v23.0/1000/insights",
        match=[
            matchers.query_param_matcher(
                {
                    "metric": "reach,likes,comments,saved,shares,views",
                    "access_token": TOKEN.access_token,
                }
            )
        ],
        # "shares" has no data yet: left out of the answer, not 0
        json={
            "data": [
                insight("reach", 300),
                insight("likes", 20),
                insight("comments", 4),
                insight("saved", 2),
                insight("views", 650),
            ]
        },
    )
    answer = instagram.collect(targets(1), TOKEN)
    assert answer[0] == PostMetrics(
        views=650, likes=20, comments=4, saves=2, reach=300, shares=None
    )


def test_instagram_deleted_media_is_gone(mocked):
    mocked.get(
        f"{GRAPH}/v23.0/1000/insights",
        status=400,
        json={
            "error": {
                "message": "Unsupported get request. Object with ID '1000' does not exist",
                "type": "GraphMethodException",
                "code": 100,
                "error_subcode": 33,
                "fbtrace_id": "A",
            }
        },
    )
    assert instagram.collect(targets(1), TOKEN) == {0: GONE}


def test_instagram_throttling_is_rate_limited(mocked):
    mocked.get(
        f"{GRAPH}/v23.0/1000/insights",
        status=400,
        json={
            "error": {
                "message": "(#4) Application request limit reached",
                "type": "OAuthException",
                "code": 4,
                "is_transient": True,
                "fbtrace_id": "B",
            }
        },
    )
    with pytest.raises(RateLimited):
        instagram.collect(targets(1), TOKEN)


def test_instagram_one_media_per_call():
    with pytest.raises(ValueError):
        instagram.collect(targets(2), TOKEN)


# --- Discord ------------------------------------------------------------------------------


def test_discord_bot_sums_the_message_reactions(mocked):
    target = MetricsTarget(key=9, external_id="777", platform_state={"channel_id": "555"})
    mocked.get(
        f"{DISCORD}/api/v10/channels/555/messages/777",
        match=[matchers.header_matcher({"Authorization": f"Bot {TOKEN.access_token}"})],
        json={
            "id": "777",
            "channel_id": "555",
            "content": "hi",
            "reactions": [
                {
                    "count": 5,
                    "count_details": {"burst": 1, "normal": 4},
                    "me": False,
                    "emoji": {"id": None, "name": "🔥"},
                },
                {
                    "count": 2,
                    "count_details": {"burst": 0, "normal": 2},
                    "me": False,
                    "emoji": {"id": None, "name": "👍"},
                },
            ],
        },
    )
    assert discord.collect([target], TOKEN) == {9: PostMetrics(reactions=7)}


def test_discord_webhook_message_without_reactions_counts_zero(mocked):
    hook = Credentials(webhook_url="https://discord.com/api/webhooks/42/secret-token")
    mocked.get(f"{DISCORD}/api/webhooks/42/secret-token/messages/777", json={"id": "777"})
    assert discord.collect([MetricsTarget(1, "777")], hook) == {1: PostMetrics(reactions=0)}


def test_discord_unknown_message_is_gone(mocked):
    mocked.get(
        f"{DISCORD}/api/v10/channels/555/messages/777",
        status=404,
        json={"message": "Unknown Message", "code": 10008},
    )
    assert discord.collect([MetricsTarget(1, "777", {"channel_id": "555"})], TOKEN) == {1: GONE}


def test_discord_429_waits_retry_after(mocked):
    mocked.get(
        f"{DISCORD}/api/v10/channels/555/messages/777",
        status=429,
        headers={"Retry-After": "3"},
        json={"message": "You are being rate limited.", "retry_after": 2.5, "global": False},
    )
    before = dt.datetime.now(dt.UTC)
    with pytest.raises(RateLimited) as caught:
        discord.collect([MetricsTarget(1, "777", {"channel_id": "555"})], TOKEN)
    assert 2 <= (caught.value.until - before).total_seconds() <= 4
