"""The Instagram emulation: containers, status polling, publishing, permalinks, limits."""

import pytest

from sandbox.models import SandboxContainer, SandboxPost
from sandbox.views.instagram import ig_user_id_for

pytestmark = pytest.mark.django_db

TOKEN = "sandbox-ig-alice"
USER = "17841400000000001"
GRAPH = "/sandbox/instagram/v23.0"


def create_container(client, **params):
    return client.post(f"{GRAPH}/{USER}/media", {"access_token": TOKEN, **params})


def publish(client, container_id):
    return client.post(
        f"{GRAPH}/{USER}/media_publish?creation_id={container_id}&access_token={TOKEN}"
    )


def get(client, path, **params):
    return client.get(f"{GRAPH}/{path}", {"access_token": TOKEN, **params})


def test_image_post_end_to_end_with_permalink(client, settings, django_assert_num_queries):
    created = create_container(
        client, image_url="https://cdn.example.com/cat.jpg", caption="A cat #cats"
    )
    assert created.status_code == 200
    container_id = created.json()["id"]

    settings.SANDBOX_COUNT_RATE_LIMITS = False  # as in the drills: the call limit costs nothing
    with django_assert_num_queries(1):  # the container: an image's polls are not counted
        status = get(client, container_id, fields="status_code")
    assert status.status_code == 200
    assert status.json() == {"id": container_id, "status_code": "FINISHED"}

    published = publish(client, container_id)
    assert published.status_code == 200
    media_id = published.json()["id"]

    media = get(client, media_id, fields="permalink").json()
    assert media["id"] == media_id
    permalink = media["permalink"]
    post = SandboxPost.objects.get(platform="instagram", external_id=media_id)
    assert permalink == f"http://testserver/sandbox/posts/{post.pk}/"
    assert post.text == "A cat #cats"
    assert post.target == USER
    assert post.media == [{"media_type": "IMAGE", "url": "https://cdn.example.com/cat.jpg"}]
    assert client.get(permalink).status_code == 200
    assert get(client, container_id, fields="status_code").json()["status_code"] == "PUBLISHED"

    listing = get(client, f"{USER}/media", fields="id,caption,permalink").json()["data"]
    assert listing == [{"id": media_id, "caption": "A cat #cats", "permalink": permalink}]


def test_reel_is_in_progress_until_polled_and_cannot_be_published_early(client):
    container_id = create_container(
        client, media_type="REELS", video_url="https://cdn.example.com/clip.mp4"
    ).json()["id"]

    early = publish(client, container_id)
    assert early.status_code == 400
    assert early.json()["error"]["code"] == 9007
    assert early.json()["error"]["error_subcode"] == 2207027

    assert get(client, container_id, fields="status_code").json()["status_code"] == "IN_PROGRESS"
    assert get(client, container_id, fields="status_code").json()["status_code"] == "FINISHED"
    assert SandboxContainer.objects.get(container_id=container_id).status_polls == 2
    assert publish(client, container_id).status_code == 200


def test_carousel_of_finished_items(client):
    children = [
        create_container(
            client, image_url=f"https://cdn.example.com/{n}.jpg", is_carousel_item="true"
        ).json()["id"]
        for n in range(2)
    ]
    carousel = create_container(
        client, media_type="CAROUSEL", children=",".join(children), caption="Two pictures"
    )
    assert carousel.status_code == 200

    media_id = publish(client, carousel.json()["id"]).json()["id"]

    post = SandboxPost.objects.get(external_id=media_id)
    assert len(post.media) == 2
    assert post.text == "Two pictures"


def test_carousel_needs_two_children(client):
    response = create_container(client, media_type="CAROUSEL", children="1")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == 100


def test_missing_image_url_is_code_100(client):
    response = create_container(client, caption="no picture")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "OAuthException"
    assert error["code"] == 100
    assert error["fbtrace_id"]


def test_caption_over_2200_characters_is_refused(client):
    response = create_container(
        client, image_url="https://cdn.example.com/a.jpg", caption="x" * 2201
    )

    assert response.status_code == 400


def test_bad_token_is_code_190(client):
    response = client.post(
        f"{GRAPH}/{USER}/media",
        {"access_token": "EAAreal", "image_url": "https://cdn.example.com/a.jpg"},
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 190
    assert error["type"] == "OAuthException"
    assert error["is_transient"] is False


def test_publishing_limit_counts_published_media(client):
    container_id = create_container(client, image_url="https://cdn.example.com/a.jpg").json()["id"]
    publish(client, container_id)

    response = get(client, f"{USER}/content_publishing_limit", fields="quota_usage,config")

    assert response.json() == {
        "data": [{"quota_usage": 1, "config": {"quota_total": 50, "quota_duration": 86400}}]
    }


def test_publish_beyond_the_quota_is_code_9(client, settings):
    settings.SANDBOX_RATE_LIMITS = {"instagram_publish": (1, 86400)}
    first, second = (
        create_container(client, image_url=f"https://cdn.example.com/{n}.jpg").json()["id"]
        for n in range(2)
    )
    assert publish(client, first).status_code == 200

    response = publish(client, second)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == 9
    assert response.json()["error"]["error_subcode"] == 2207042


def test_uncounted_limits_leave_the_publishing_quota_empty(client, settings):
    """The drills' sandbox (bench/sandbox_settings.py) counts no window, the quota's included."""
    settings.SANDBOX_RATE_LIMITS = {"instagram_publish": (1, 86400)}
    settings.SANDBOX_COUNT_RATE_LIMITS = False
    first, second = (
        create_container(client, image_url=f"https://cdn.example.com/{n}.jpg").json()["id"]
        for n in range(2)
    )
    assert publish(client, first).status_code == 200

    assert publish(client, second).status_code == 200
    response = get(client, f"{USER}/content_publishing_limit", fields="quota_usage,config")
    assert response.json()["data"][0]["quota_usage"] == 0
    assert SandboxPost.objects.filter(platform="instagram").count() == 2


def test_over_the_call_limit_is_code_4_with_usage_header(client, settings):
    settings.SANDBOX_RATE_LIMITS = {"instagram": (1, 3600)}
    assert get(client, f"{USER}/content_publishing_limit").status_code == 200

    response = get(client, f"{USER}/content_publishing_limit")

    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == 4
    assert error["is_transient"] is True
    assert '"call_count": 100' in response["X-App-Usage"]


def test_unknown_object_is_code_100_subcode_33(client):
    response = get(client, "99999", fields="permalink")

    assert response.status_code == 400
    assert response.json()["error"]["error_subcode"] == 33


def test_me_and_version_free_paths(client):
    response = client.get("/sandbox/instagram/me", {"access_token": TOKEN, "fields": "id,username"})

    assert response.json() == {"id": ig_user_id_for("ig-alice"), "username": "ig-alice"}


def test_refresh_access_token(client):
    response = client.get(
        "/sandbox/instagram/refresh_access_token",
        {"grant_type": "ig_refresh_token", "access_token": TOKEN},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 60 * 24 * 3600
    assert body["access_token"].startswith("sandbox-ig-alice.")

    refused = client.get(
        "/sandbox/instagram/refresh_access_token",
        {"grant_type": "ig_refresh_token", "access_token": "IGQreal"},
    )
    assert refused.json()["error"]["code"] == 190
