import datetime as dt
import json
import time
from urllib.parse import parse_qs

import pytest
from responses import matchers

from platforms.base import (
    UNKNOWN,
    AuthError,
    PermanentError,
    Published,
    RateLimited,
    TransientError,
)
from platforms.x import client as twitter
from tests.platforms.conftest import credentials

TWEETS = "https://api.x.test/2/tweets"
UPLOAD = "https://api.x.test/2/media/upload"
CREDS = credentials(account={"username": "herald"})


def test_text_post_sends_one_request_with_bearer_token_and_nfc_text(api, make_post):
    api.post(
        TWEETS,
        json={"data": {"id": "111", "text": "Café"}},
        status=201,
        match=[
            matchers.json_params_matcher({"text": "Café"}),
            matchers.header_matcher(
                {"Authorization": "Bearer tok-123", "User-Agent": "Herald/test"}
            ),
        ],
    )
    post = make_post("Cafe\u0301")  # decomposed é, normalised to NFC
    assert twitter.publish(post, CREDS) == Published("111", "https://x.com/herald/status/111")
    assert post.checkpoint == [{"tweet_ids": ["111"]}]


def test_thread_parts_are_posted_as_replies(api, make_post):
    api.post(
        TWEETS, json={"data": {"id": "1"}}, match=[matchers.json_params_matcher({"text": "one"})]
    )
    api.post(
        TWEETS,
        json={"data": {"id": "2"}},
        match=[
            matchers.json_params_matcher({"text": "two", "reply": {"in_reply_to_tweet_id": "1"}})
        ],
    )
    result = twitter.publish(make_post("one", options={"thread": ["two"]}), CREDS)
    assert result.external_id == "1"


def test_image_goes_through_init_append_finalize_then_the_post(api, make_post, monkeypatch):
    monkeypatch.setattr(twitter, "CHUNK_SIZE", 1000)
    api.post(
        UPLOAD,
        json={"data": {"id": "m1"}},
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "command": "INIT",
                    "total_bytes": "1500",
                    "media_type": "image/png",
                    "media_category": "tweet_image",
                }
            )
        ],
    )
    api.post(UPLOAD, json={"data": {}})
    api.post(UPLOAD, json={"data": {}})
    api.post(UPLOAD, json={"data": {"id": "m1", "processing_info": {"state": "pending"}}})
    api.get(
        UPLOAD,
        json={"data": {"id": "m1", "processing_info": {"state": "succeeded"}}},
        match=[matchers.query_param_matcher({"command": "STATUS", "media_id": "m1"})],
    )
    api.post(
        TWEETS,
        json={"data": {"id": "5"}},
        match=[matchers.json_params_matcher({"text": "pic", "media": {"media_ids": ["m1"]}})],
    )
    monkeypatch.setattr(twitter, "sleep", lambda seconds: None)
    post = make_post("pic", media=[("image", "a.png", "image/png", 1500)])
    assert twitter.publish(post, CREDS).external_id == "5"
    appends = [
        c.request
        for c in api.calls
        if isinstance(c.request.body, bytes) and b'name="command"\r\n\r\nAPPEND' in c.request.body
    ]
    assert len(appends) == 2
    assert b'name="segment_index"\r\n\r\n0' in appends[0].body
    assert b'name="segment_index"\r\n\r\n1' in appends[1].body
    finalize = parse_qs(api.calls[3].request.body)
    assert finalize == {"command": ["FINALIZE"], "media_id": ["m1"]}


def test_429_becomes_rate_limited_until_the_reset_header(api, make_post):
    api.post(
        TWEETS,
        status=429,
        json={"errors": [{"code": 88, "message": "Rate limit exceeded"}]},
        headers={
            "x-rate-limit-limit": "300",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": "1900000000",
        },
    )
    with pytest.raises(RateLimited) as error:
        twitter.publish(make_post(), CREDS)
    assert error.value.until == dt.datetime.fromtimestamp(1900000000, tz=dt.UTC)


def daily_cap_answer(api, **headers: str) -> None:
    """A 429 from POST /2/tweets whose 15-minute window still has room."""
    api.post(
        TWEETS,
        status=429,
        json={"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
        headers={
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": "99",
            "x-rate-limit-reset": str(int(time.time()) + 900),
            **headers,
        },
    )


def test_429_with_the_users_24_hour_cap_used_up_waits_for_its_reset(api, make_post):
    user_reset = int(time.time()) + 6 * 3600
    daily_cap_answer(
        api,
        **{
            "x-user-limit-24hour-limit": "17",
            "x-user-limit-24hour-remaining": "0",
            "x-user-limit-24hour-reset": str(user_reset),
            "x-app-limit-24hour-limit": "10000",
            "x-app-limit-24hour-remaining": "9000",
            "x-app-limit-24hour-reset": str(user_reset + 3600),
        },
    )
    with pytest.raises(RateLimited) as error:
        twitter.publish(make_post(), CREDS)
    assert error.value.until == dt.datetime.fromtimestamp(user_reset, tz=dt.UTC)


def test_429_with_the_apps_24_hour_cap_used_up_waits_for_its_reset(api, make_post):
    app_reset = int(time.time()) + 9 * 3600
    daily_cap_answer(
        api,
        **{
            "x-user-limit-24hour-remaining": "12",
            "x-user-limit-24hour-reset": str(app_reset - 3600),
            "x-app-limit-24hour-remaining": "0",
            "x-app-limit-24hour-reset": str(app_reset),
        },
    )
    with pytest.raises(RateLimited) as error:
        twitter.publish(make_post(), CREDS)
    assert error.value.until == dt.datetime.fromtimestamp(app_reset, tz=dt.UTC)


@pytest.mark.parametrize("later", ["user", "app"])
def test_429_with_both_24_hour_caps_used_up_waits_for_the_later_reset(api, make_post, later):
    soon, late = int(time.time()) + 2 * 3600, int(time.time()) + 20 * 3600
    daily_cap_answer(
        api,
        **{
            "x-user-limit-24hour-remaining": "0",
            "x-user-limit-24hour-reset": str(late if later == "user" else soon),
            "x-app-limit-24hour-remaining": "0",
            "x-app-limit-24hour-reset": str(late if later == "app" else soon),
        },
    )
    with pytest.raises(RateLimited) as error:
        twitter.publish(make_post(), CREDS)
    assert error.value.until == dt.datetime.fromtimestamp(late, tz=dt.UTC)


@pytest.mark.parametrize("cap", ["user", "app"])
@pytest.mark.parametrize("reset", [None, "", "tomorrow", "inf", "1e20", "4102444800"])
def test_a_used_up_24_hour_cap_without_a_usable_reset_waits_a_day(api, make_post, cap, reset):
    headers = {f"x-{cap}-limit-24hour-remaining": "0"}
    if reset is not None:
        headers[f"x-{cap}-limit-24hour-reset"] = reset
    daily_cap_answer(api, **headers)
    before = dt.datetime.now(dt.UTC)
    with pytest.raises(RateLimited) as error:
        twitter.publish(make_post(), CREDS)
    after = dt.datetime.now(dt.UTC)
    assert before + dt.timedelta(hours=24) <= error.value.until <= after + dt.timedelta(hours=24)


def test_429_with_24_hour_caps_left_keeps_the_15_minute_reset(api, make_post):
    window_reset = int(time.time()) + 600
    api.post(
        TWEETS,
        status=429,
        json={"errors": [{"code": 88, "message": "Rate limit exceeded"}]},
        headers={
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(window_reset),
            "x-user-limit-24hour-remaining": "5",
            "x-user-limit-24hour-reset": str(window_reset + 3600),
            "x-app-limit-24hour-remaining": "not a number",
            "x-app-limit-24hour-reset": str(window_reset + 7200),
        },
    )
    with pytest.raises(RateLimited) as error:
        twitter.publish(make_post(), CREDS)
    assert error.value.until == dt.datetime.fromtimestamp(window_reset, tz=dt.UTC)


def test_429_without_any_reset_waits_15_minutes(api, make_post):
    api.post(TWEETS, status=429, json={"errors": [{"code": 88, "message": "Rate limit exceeded"}]})
    before = dt.datetime.now(dt.UTC)
    with pytest.raises(RateLimited) as error:
        twitter.publish(make_post(), CREDS)
    after = dt.datetime.now(dt.UTC)
    window = dt.timedelta(minutes=15)
    assert before + window <= error.value.until <= after + window


def test_duplicate_content_is_permanent_with_its_own_code(api, make_post):
    api.post(
        TWEETS,
        status=403,
        json={"detail": "You are not allowed to create a Tweet with duplicate content."},
    )
    with pytest.raises(PermanentError) as error:
        twitter.publish(make_post(), CREDS)
    assert error.value.code == "duplicate_content"


def test_401_is_an_auth_error_and_5xx_is_transient(api, make_post):
    api.post(TWEETS, status=401, json={"title": "Unauthorized", "detail": "Unauthorized"})
    with pytest.raises(AuthError):
        twitter.publish(make_post(), CREDS)
    api.post(TWEETS, status=503, json={})
    with pytest.raises(TransientError) as error:
        twitter.publish(make_post(), CREDS)
    assert "tok-123" not in str(error.value)


def test_validation_counts_weighted_characters():
    from platforms.base import Post

    assert twitter.validate(Post(1, "k", "a" * 280)) == []
    long = twitter.validate(Post(1, "k", "日" * 141))
    assert long == ["X: the text is 282 weighted characters; the limit is 280."]
    url_text = "see https://example.com/" + "x" * 200 + " " + "a" * 250
    assert twitter.validate(Post(1, "k", url_text)) == []  # the URL counts 23


def test_reconcile_finds_the_post_among_recent_ones(api, make_post):
    api.get("https://api.x.test/2/users/me", json={"data": {"id": "42", "username": "herald"}})
    api.get(
        "https://api.x.test/2/users/42/tweets",
        json={"data": [{"id": "9", "text": "other"}, {"id": "10", "text": "Hello"}]},
        match=[matchers.query_param_matcher({"max_results": "100"})],
    )
    assert twitter.reconcile(make_post("Hello"), CREDS) == Published(
        "10", "https://x.com/herald/status/10"
    )


def test_reconcile_not_found_means_safe_to_send(api, make_post):
    api.get("https://api.x.test/2/users/me", json={"data": {"id": "42", "username": "herald"}})
    api.get("https://api.x.test/2/users/42/tweets", json={"data": []})
    assert twitter.reconcile(make_post("Hello"), CREDS) is None


def test_reconcile_not_found_on_a_full_page_is_unknown(api, make_post):
    """Under a burst the post may be older than the page read: that is not proof of absence."""
    api.get("https://api.x.test/2/users/me", json={"data": {"id": "42", "username": "herald"}})
    page = [{"id": str(n), "text": f"other {n}"} for n in range(twitter.RECENT_POSTS)]
    api.get(
        "https://api.x.test/2/users/42/tweets",
        json={"data": page, "meta": {"next_token": "older"}},
    )
    assert twitter.reconcile(make_post("Hello"), CREDS) is UNKNOWN


def test_refresh_rotates_tokens(api):
    api.post(
        "https://api.x.test/2/oauth2/token",
        json={"access_token": "new-a", "refresh_token": "new-r", "expires_in": 7200},
        match=[
            matchers.urlencoded_params_matcher(
                {"grant_type": "refresh_token", "refresh_token": "old-r", "client_id": "x-client"}
            )
        ],
    )
    fresh = twitter.refresh(credentials(refresh_token="old-r"))
    assert (fresh.access_token, fresh.refresh_token, fresh.integration_id) == ("new-a", "new-r", 1)
    assert fresh.expires_at > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=119)


def test_refused_refresh_needs_reauthorization(api):
    api.post("https://api.x.test/2/oauth2/token", status=400, json={"error": "invalid_request"})
    with pytest.raises(AuthError, match="connected again"):
        twitter.refresh(credentials(refresh_token="old-r"))


def test_json_body_is_sent_as_json(api, make_post):
    api.post(TWEETS, json={"data": {"id": "1"}})
    twitter.publish(make_post("x"), CREDS)
    request = api.calls[0].request
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == {"text": "x"}
