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
from platforms.instagram import client as instagram
from tests.platforms.conftest import credentials

GRAPH = "https://graph.instagram.test/v23.0"
CREDS = credentials(account={"external_account_id": "1784"})
PHOTO = [("image", "p.jpg", "image/jpeg", 100)]


def quota(api, usage=0):
    api.get(
        f"{GRAPH}/1784/content_publishing_limit",
        json={
            "data": [{"quota_usage": usage, "config": {"quota_total": 50, "quota_duration": 86400}}]
        },
        match=[
            matchers.query_param_matcher(
                {"fields": "quota_usage,config", "access_token": "tok-123"}
            )
        ],
    )


def test_image_goes_container_status_publish_permalink(api, make_post, monkeypatch):
    monkeypatch.setattr(instagram, "sleep", lambda seconds: None)
    quota(api)
    api.post(
        f"{GRAPH}/1784/media",
        json={"id": "c1"},
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "caption": "Sunset #herald",
                    "image_url": "https://media.herald.test/p.jpg",
                    "access_token": "tok-123",
                }
            )
        ],
    )
    api.get(f"{GRAPH}/c1", json={"status_code": "IN_PROGRESS", "id": "c1"})
    api.get(f"{GRAPH}/c1", json={"status_code": "FINISHED", "id": "c1"})
    api.post(
        f"{GRAPH}/1784/media_publish",
        json={"id": "m1"},
        match=[
            matchers.urlencoded_params_matcher({"creation_id": "c1", "access_token": "tok-123"})
        ],
    )
    api.get(f"{GRAPH}/m1", json={"permalink": "https://www.instagram.com/p/abc/", "id": "m1"})
    post = make_post("Sunset #herald", media=PHOTO)
    assert instagram.publish(post, CREDS) == Published("m1", "https://www.instagram.com/p/abc/")
    assert post.checkpoint == [{"container_id": "c1"}, {"media_id": "m1"}]


def test_an_attempt_that_failed_after_publishing_is_finished_not_published_again(
    api, make_post, monkeypatch
):
    """The permalink fetch fails after media_publish: the retry must not publish again.

    Publishing the same container twice is refused by the Graph API (9007), which
    turned a post that was out into a FAILED one (found by the fault drills).
    """
    monkeypatch.setattr(instagram, "sleep", lambda seconds: None)
    quota(api)
    api.post(f"{GRAPH}/1784/media", json={"id": "c1"})
    api.get(f"{GRAPH}/c1", json={"status_code": "FINISHED", "id": "c1"})
    api.post(f"{GRAPH}/1784/media_publish", json={"id": "m1"})
    api.get(
        f"{GRAPH}/m1",
        status=503,
        json={"error": {"code": 2, "message": "Service unavailable", "is_transient": True}},
    )
    post = make_post("Sunset", media=PHOTO)
    with pytest.raises(TransientError):
        instagram.publish(post, CREDS)
    assert post.checkpoint == [{"container_id": "c1"}, {"media_id": "m1"}]

    api.get(f"{GRAPH}/m1", json={"permalink": "https://www.instagram.com/p/abc/", "id": "m1"})
    retry = make_post("Sunset", media=PHOTO, state={"container_id": "c1", "media_id": "m1"})
    assert instagram.publish(retry, CREDS) == Published("m1", "https://www.instagram.com/p/abc/")
    assert [call.request.url.split("?")[0] for call in api.calls].count(
        f"{GRAPH}/1784/media_publish"
    ) == 1


def test_carousel_makes_child_containers_then_a_carousel(api, make_post, monkeypatch):
    monkeypatch.setattr(instagram, "sleep", lambda seconds: None)
    quota(api)
    for n in (1, 2):
        api.post(
            f"{GRAPH}/1784/media",
            json={"id": f"k{n}"},
            match=[
                matchers.urlencoded_params_matcher(
                    {
                        "is_carousel_item": "true",
                        "image_url": f"https://media.herald.test/{n}.jpg",
                        "access_token": "tok-123",
                    }
                )
            ],
        )
        api.get(f"{GRAPH}/k{n}", json={"status_code": "FINISHED"})
    api.post(
        f"{GRAPH}/1784/media",
        json={"id": "car"},
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "media_type": "CAROUSEL",
                    "children": "k1,k2",
                    "caption": "Two",
                    "access_token": "tok-123",
                }
            )
        ],
    )
    api.get(f"{GRAPH}/car", json={"status_code": "FINISHED"})
    api.post(f"{GRAPH}/1784/media_publish", json={"id": "m2"})
    api.get(f"{GRAPH}/m2", json={"permalink": "https://www.instagram.com/p/two/"})
    post = make_post(
        "Two", media=[("image", "1.jpg", "image/jpeg", 10), ("image", "2.jpg", "image/jpeg", 10)]
    )
    assert instagram.publish(post, CREDS).external_id == "m2"


def test_full_quota_is_rate_limited_before_any_container(api, make_post):
    quota(api, usage=50)
    with pytest.raises(RateLimited, match="quota of 50"):
        instagram.publish(make_post(media=PHOTO), CREDS)


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        ({"code": 190, "message": "Error validating access token"}, AuthError),
        (
            {"code": 4, "message": "Application request limit reached", "is_transient": True},
            RateLimited,
        ),
        ({"code": 9, "error_subcode": 2207042, "message": "limit"}, RateLimited),
        (
            {"code": 2, "message": "Service temporarily unavailable", "is_transient": True},
            TransientError,
        ),
        ({"code": 100, "message": "Invalid parameter"}, PermanentError),
    ],
)
def test_graph_errors_map_to_engine_errors(api, make_post, error, raised):
    api.get(
        f"{GRAPH}/1784/content_publishing_limit",
        status=400,
        json={"error": {"type": "OAuthException", **error}},
    )
    with pytest.raises(raised) as caught:
        instagram.publish(make_post(media=PHOTO), CREDS)
    assert "tok-123" not in str(caught.value)


def test_validation_rules(make_post, settings):
    assert instagram.validate(make_post("text only")) == [
        "Instagram: a post needs an image or a video; text alone is refused."
    ]
    tags = " ".join(f"#t{n}" for n in range(31))
    assert instagram.validate(make_post(tags, media=PHOTO)) == [
        "Instagram: 31 hashtags; the limit is 30."
    ]
    settings.PUBLIC_MEDIA_BASE_URL = ""
    assert "set PUBLIC_MEDIA_BASE_URL" in instagram.validate(make_post("x", media=PHOTO))[0]


def test_reconcile_by_container_status(api, make_post):
    assert instagram.reconcile(make_post(media=PHOTO), CREDS) is None
    api.get(f"{GRAPH}/c1", json={"status_code": "FINISHED"})
    assert instagram.reconcile(make_post(media=PHOTO, state={"container_id": "c1"}), CREDS) is None
    api.get(f"{GRAPH}/c2", json={"status_code": "PUBLISHED"})
    api.get(
        f"{GRAPH}/1784/media",
        json={
            "data": [
                {"id": "m9", "caption": "Hello", "permalink": "https://www.instagram.com/p/9/"}
            ]
        },
        match=[
            matchers.query_param_matcher(
                {"fields": "id,caption,permalink", "limit": "100"}, strict_match=False
            )
        ],
    )
    found = instagram.reconcile(
        make_post("Hello", media=PHOTO, state={"container_id": "c2"}), CREDS
    )
    assert found == Published("m9", "https://www.instagram.com/p/9/")
    api.get(f"{GRAPH}/c3", json={"status_code": "ERROR"})
    assert (
        instagram.reconcile(make_post(media=PHOTO, state={"container_id": "c3"}), CREDS) is UNKNOWN
    )


def test_refresh_extends_the_long_lived_token(api):
    api.get(
        "https://graph.instagram.test/refresh_access_token",
        json={"access_token": "new", "token_type": "bearer", "expires_in": 5184000},
        match=[
            matchers.query_param_matcher(
                {"grant_type": "ig_refresh_token", "access_token": "tok-123"}
            )
        ],
    )
    assert instagram.refresh(CREDS).access_token == "new"


def test_reel_is_a_video_container(api, make_post, monkeypatch):
    monkeypatch.setattr(instagram, "sleep", lambda seconds: None)
    quota(api)
    api.post(
        f"{GRAPH}/1784/media",
        json={"id": "r1"},
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "caption": "Reel",
                    "media_type": "REELS",
                    "video_url": "https://media.herald.test/r.mp4",
                    "access_token": "tok-123",
                }
            )
        ],
    )
    api.get(f"{GRAPH}/r1", json={"status_code": "FINISHED"})
    api.post(f"{GRAPH}/1784/media_publish", json={"id": "m3"})
    api.get(f"{GRAPH}/m3", json={"permalink": "https://www.instagram.com/reel/r/"})
    post = make_post("Reel", media=[("video", "r.mp4", "video/mp4", 100)])
    assert instagram.publish(post, CREDS) == Published("m3", "https://www.instagram.com/reel/r/")
