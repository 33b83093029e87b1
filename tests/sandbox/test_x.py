"""The X emulation: posts, duplicates, media upload, users, token refresh, limits."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sandbox.models import SandboxPost
from sandbox.views.x import user_id_for, weighted_length

pytestmark = pytest.mark.django_db

AUTH = {"HTTP_AUTHORIZATION": "Bearer sandbox-x-alice"}


def tweet(client, text, **extra):
    return client.post(
        "/sandbox/x/2/tweets", {"text": text, **extra}, content_type="application/json", **AUTH
    )


def assert_rate_headers(response, limit, remaining):
    assert response["x-rate-limit-limit"] == str(limit)
    assert response["x-rate-limit-remaining"] == str(remaining)
    assert int(response["x-rate-limit-reset"]) > 0


def test_create_tweet_answers_201_and_stores_the_post(client):
    response = tweet(client, "Hello from Herald")

    assert response.status_code == 201
    data = response.json()["data"]
    assert data["text"] == "Hello from Herald"
    assert data["id"].isdigit()
    assert_rate_headers(response, 1000, 999)
    post = SandboxPost.objects.get(platform="twitter", external_id=data["id"])
    assert post.account == "x-alice"
    assert post.target == user_id_for("x-alice")
    assert post.raw_request == {"text": "Hello from Herald"}


def test_repeated_text_on_the_same_account_is_a_403_duplicate(client):
    assert tweet(client, "Same words").status_code == 201

    response = tweet(client, "Same words")

    assert response.status_code == 403
    assert response.json()["detail"] == (
        "You are not allowed to create a Tweet with duplicate content."
    )
    assert "x-rate-limit-remaining" in response
    # Another account may say the same thing.
    other = client.post(
        "/sandbox/x/2/tweets",
        {"text": "Same words"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer sandbox-x-bob",
    )
    assert other.status_code == 201


def test_text_over_280_weighted_characters_is_refused(client):
    response = tweet(client, "界" * 141)

    assert response.status_code == 400
    assert response.json()["title"] == "Invalid Request"
    assert not SandboxPost.objects.exists()


@pytest.mark.parametrize(
    "text",
    [
        "👨‍👩‍👧‍👦" * 140,  # a ZWJ family weighs 2, as one emoji
        "🇫🇷" * 140,  # a flag too
        "👍🏽" * 140,  # and an emoji with its skin tone
        "a" * 271 + " file.txt",  # a dotted word is text, not a 23-character link
    ],
)
def test_text_of_exactly_280_weighted_characters_is_posted(client, text):
    response = tweet(client, text)

    assert response.status_code == 201
    assert SandboxPost.objects.get().text == text


def test_weighted_length_counts_urls_and_wide_characters():
    assert weighted_length("abc") == 3
    assert weighted_length("see https://example.com/a/very/long/path/indeed") == 4 + 23
    assert weighted_length("see example.com/path") == 4 + 23
    assert weighted_length("日本") == 4
    assert weighted_length("text.with.dots") == 14


def test_bad_token_is_401_with_rate_headers(client):
    response = client.post(
        "/sandbox/x/2/tweets",
        {"text": "hi"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer real-token",
    )

    assert response.status_code == 401
    assert response.json()["title"] == "Unauthorized"
    assert_rate_headers(response, 1000, 1000)
    assert not SandboxPost.objects.exists()


def test_over_the_account_limit_is_429_code_88(client, settings):
    settings.SANDBOX_RATE_LIMITS = {"twitter": (2, 900)}
    assert tweet(client, "one").status_code == 201
    second = tweet(client, "two")
    assert_rate_headers(second, 2, 0)

    response = tweet(client, "three")

    assert response.status_code == 429
    assert response.json()["errors"] == [{"code": 88, "message": "Rate limit exceeded"}]
    assert_rate_headers(response, 2, 0)
    assert SandboxPost.objects.count() == 2


def test_users_me_and_recent_tweets(client):
    tweet(client, "first")
    tweet(client, "second")

    me = client.get("/sandbox/x/2/users/me", **AUTH).json()["data"]
    assert me == {"id": user_id_for("x-alice"), "username": "x_alice", "name": "x-alice"}

    response = client.get(f"/sandbox/x/2/users/{me['id']}/tweets?tweet.fields=created_at", **AUTH)
    assert response.status_code == 200
    body = response.json()
    assert [item["text"] for item in body["data"]] == ["second", "first"]
    assert body["data"][0]["created_at"].endswith("Z")
    assert body["meta"]["result_count"] == 2
    assert body["meta"]["newest_id"] == body["data"][0]["id"]


def test_recent_tweets_of_a_silent_user_has_no_data(client):
    response = client.get("/sandbox/x/2/users/42/tweets", **AUTH)

    assert response.json() == {"meta": {"result_count": 0}}


def test_chunked_video_upload_then_tweet_with_media(client):
    init = client.post(
        "/sandbox/x/2/media/upload",
        {
            "command": "INIT",
            "total_bytes": "10",
            "media_type": "video/mp4",
            "media_category": "tweet_video",
        },
        **AUTH,
    )
    assert init.status_code == 200
    media_id = init.json()["data"]["id"]
    assert init.json()["data"]["media_key"] == f"7_{media_id}"

    for index, chunk in enumerate([b"01234", b"56789"]):
        append = client.post(
            "/sandbox/x/2/media/upload",
            {
                "command": "APPEND",
                "media_id": media_id,
                "segment_index": str(index),
                "media": _file(chunk),
            },
            **AUTH,
        )
        assert append.status_code == 200

    # Not usable before processing finished.
    finalize = client.post(
        "/sandbox/x/2/media/upload", {"command": "FINALIZE", "media_id": media_id}, **AUTH
    )
    assert finalize.json()["data"]["processing_info"]["state"] == "pending"
    assert tweet(client, "too soon", media={"media_ids": [media_id]}).status_code == 400

    status = client.get(f"/sandbox/x/2/media/upload?command=STATUS&media_id={media_id}", **AUTH)
    assert status.json()["data"]["processing_info"]["state"] == "succeeded"

    response = tweet(client, "with video", media={"media_ids": [media_id]})
    assert response.status_code == 201
    post = SandboxPost.objects.get(external_id=response.json()["data"]["id"])
    assert post.media[0]["size"] == 10


def test_image_upload_needs_no_processing(client):
    media_id = client.post(
        "/sandbox/x/2/media/upload",
        {"command": "INIT", "total_bytes": "3", "media_type": "image/png"},
        **AUTH,
    ).json()["data"]["id"]
    client.post(
        "/sandbox/x/2/media/upload",
        {"command": "APPEND", "media_id": media_id, "segment_index": "0", "media_data": "YWJj"},
        **AUTH,
    )

    finalize = client.post(
        "/sandbox/x/2/media/upload", {"command": "FINALIZE", "media_id": media_id}, **AUTH
    )

    assert finalize.status_code == 200
    assert "processing_info" not in finalize.json()["data"]
    assert finalize.json()["data"]["media_key"] == f"3_{media_id}"


def test_finalize_before_every_byte_arrived_is_refused(client):
    media_id = client.post(
        "/sandbox/x/2/media/upload",
        {"command": "INIT", "total_bytes": "30", "media_type": "image/png"},
        **AUTH,
    ).json()["data"]["id"]

    response = client.post(
        "/sandbox/x/2/media/upload", {"command": "FINALIZE", "media_id": media_id}, **AUTH
    )

    assert response.status_code == 400


def test_another_accounts_media_id_is_invalid(client):
    media_id = client.post(
        "/sandbox/x/2/media/upload",
        {"command": "INIT", "total_bytes": "3", "media_type": "image/png"},
        HTTP_AUTHORIZATION="Bearer sandbox-x-bob",
    ).json()["data"]["id"]

    response = tweet(client, "stolen", media={"media_ids": [media_id]})

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "Your media IDs are invalid."


def test_refresh_token_grant_rotates_tokens_for_the_same_account(client):
    response = client.post(
        "/sandbox/x/2/oauth2/token",
        {"grant_type": "refresh_token", "refresh_token": "sandbox-x-alice", "client_id": "c"},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 7200
    assert "offline.access" in body["scope"]
    assert body["refresh_token"] != "sandbox-x-alice"
    me = client.get("/sandbox/x/2/users/me", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert me.json()["data"]["name"] == "x-alice"


def test_refresh_with_an_unknown_token_is_refused(client):
    response = client.post(
        "/sandbox/x/2/oauth2/token", {"grant_type": "refresh_token", "refresh_token": "nope"}
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def _file(content):
    return SimpleUploadedFile("chunk.bin", content, content_type="application/octet-stream")


def test_limits_can_go_uncounted_for_the_drills(settings, django_assert_num_queries):
    """bench/sandbox_settings.py turns counting off: no query, never over the limit."""
    from sandbox.limits import take_rate_slot

    settings.SANDBOX_RATE_LIMITS = {"twitter": (1, 900)}
    settings.SANDBOX_COUNT_RATE_LIMITS = False
    with django_assert_num_queries(0):
        states = [take_rate_slot("twitter", "drill-account") for _ in range(3)]
    assert [state.exceeded for state in states] == [False, False, False]
    assert states[0].limit == 1
