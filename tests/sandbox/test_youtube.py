"""The YouTube emulation: resumable sessions, chunks, status queries, quotas, tokens."""

import pytest

from publishing.sandbox.models import SandboxPost, SandboxUpload
from publishing.sandbox.views.youtube import CHUNK_GRANULARITY, channel_id_for

pytestmark = pytest.mark.django_db

START = "/sandbox/youtube/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status"
AUTH = {"HTTP_AUTHORIZATION": "Bearer sandbox-yt-alice"}
METADATA = {
    "snippet": {"title": "Launch day", "description": "All about it", "tags": ["herald"]},
    "status": {"privacyStatus": "unlisted", "selfDeclaredMadeForKids": False},
}
TOTAL = 2 * CHUNK_GRANULARITY + 1000


def start_session(client, metadata=METADATA, total=TOTAL, **headers):
    return client.post(
        START,
        metadata,
        content_type="application/json",
        HTTP_X_UPLOAD_CONTENT_LENGTH=str(total),
        HTTP_X_UPLOAD_CONTENT_TYPE="video/mp4",
        **(headers or AUTH),
    )


def put(client, session_url, body, content_range):
    return client.put(
        session_url,
        body,
        content_type="application/octet-stream",
        headers={"Content-Range": content_range},
    )


def test_resumable_upload_in_chunks(client):
    started = start_session(client)
    assert started.status_code == 200
    session_url = started["Location"]
    assert session_url.startswith("http://testserver/sandbox/youtube/upload/")
    assert "upload_id=" in session_url

    first = put(
        client, session_url, b"a" * CHUNK_GRANULARITY, f"bytes 0-{CHUNK_GRANULARITY - 1}/{TOTAL}"
    )
    assert first.status_code == 308
    assert first["Range"] == f"bytes=0-{CHUNK_GRANULARITY - 1}"

    end = 2 * CHUNK_GRANULARITY - 1
    second = put(
        client, session_url, b"b" * CHUNK_GRANULARITY, f"bytes {CHUNK_GRANULARITY}-{end}/{TOTAL}"
    )
    assert second.status_code == 308
    assert second["Range"] == f"bytes=0-{end}"

    status = put(client, session_url, b"", f"bytes */{TOTAL}")
    assert status.status_code == 308
    assert status["Range"] == f"bytes=0-{end}"

    last = put(client, session_url, b"c" * 1000, f"bytes {end + 1}-{TOTAL - 1}/{TOTAL}")
    assert last.status_code == 200
    video = last.json()
    assert video["kind"] == "youtube#video"
    assert video["snippet"]["title"] == "Launch day"
    assert video["snippet"]["channelId"] == channel_id_for("yt-alice")
    assert video["status"]["privacyStatus"] == "unlisted"
    assert video["status"]["uploadStatus"] == "uploaded"
    post = SandboxPost.objects.get(platform="youtube", external_id=video["id"])
    assert post.text == "Launch day"
    assert post.media[0]["size"] == TOTAL
    assert post.media[0]["chunks"] == 3

    # Asking again after completion answers the same video, and stores nothing new.
    again = put(client, session_url, b"", f"bytes */{TOTAL}")
    assert again.status_code == 200
    assert again.json()["id"] == video["id"]
    assert SandboxPost.objects.count() == 1


def test_status_query_before_any_byte_has_no_range(client):
    session_url = start_session(client)["Location"]

    response = put(client, session_url, b"", f"bytes */{TOTAL}")

    assert response.status_code == 308
    assert "Range" not in response


def test_chunk_that_skips_ahead_is_rejected(client):
    session_url = start_session(client)["Location"]
    put(client, session_url, b"a" * CHUNK_GRANULARITY, f"bytes 0-{CHUNK_GRANULARITY - 1}/{TOTAL}")

    start = 2 * CHUNK_GRANULARITY
    response = put(client, session_url, b"c" * 1000, f"bytes {start}-{TOTAL - 1}/{TOTAL}")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == 400
    assert "next expected byte" in response.json()["error"]["message"]
    assert response["Range"] == f"bytes=0-{CHUNK_GRANULARITY - 1}"
    assert SandboxUpload.objects.get().received_bytes == CHUNK_GRANULARITY
    assert not SandboxPost.objects.exists()


def test_non_final_chunk_off_the_256_kib_grid_is_rejected(client):
    session_url = start_session(client)["Location"]

    response = put(client, session_url, b"a" * 1000, f"bytes 0-999/{TOTAL}")

    assert response.status_code == 400
    assert SandboxUpload.objects.get().received_bytes == 0


def test_whole_file_in_one_put(client):
    session_url = start_session(client, total=10)["Location"]

    response = client.put(session_url, b"0123456789", content_type="video/mp4")

    assert response.status_code == 200
    assert response.json()["id"]


def test_unknown_session_is_404(client):
    response = put(
        client, "/sandbox/youtube/upload/youtube/v3/videos?upload_id=nope", b"", "bytes */10"
    )

    assert response.status_code == 404


@pytest.mark.parametrize(
    "title", ["", "x" * 101, "<script> title", "a > b"], ids=["empty", "long", "lt", "gt"]
)
def test_invalid_title_is_refused(client, title):
    metadata = {**METADATA, "snippet": {**METADATA["snippet"], "title": title}}

    response = start_session(client, metadata=metadata)

    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["reason"] == "invalidTitle"
    assert not SandboxUpload.objects.exists()


def test_bad_token_is_401_auth_error(client):
    response = start_session(client, HTTP_AUTHORIZATION="Bearer ya29.real")

    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == 401
    assert error["errors"][0]["reason"] == "authError"
    assert "WWW-Authenticate" in response


def test_quota_exceeded_is_403(client, settings):
    settings.SANDBOX_RATE_LIMITS = {"youtube": (1, 86400)}
    assert start_session(client).status_code == 200

    response = start_session(client)

    assert response.status_code == 403
    assert response.json()["error"]["errors"][0]["reason"] == "quotaExceeded"


def test_upload_limit_exceeded_is_400(client, settings):
    settings.SANDBOX_RATE_LIMITS = {"youtube_uploads": (1, 86400)}
    session_url = start_session(client, total=3)["Location"]
    assert client.put(session_url, b"abc", content_type="video/mp4").status_code == 200

    response = start_session(client, total=3)

    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["reason"] == "uploadLimitExceeded"


def test_videos_list_by_id(client):
    session_url = start_session(client, total=3)["Location"]
    video_id = client.put(session_url, b"abc", content_type="video/mp4").json()["id"]

    response = client.get(f"/sandbox/youtube/youtube/v3/videos?id={video_id}&part=status", **AUTH)

    items = response.json()["items"]
    assert [item["id"] for item in items] == [video_id]
    assert "snippet" not in items[0]
    assert items[0]["status"]["privacyStatus"] == "unlisted"


def test_google_token_refresh(client):
    response = client.post(
        "/sandbox/google-oauth/token",
        {"grant_type": "refresh_token", "refresh_token": "sandbox-yt-alice", "client_id": "c"},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] > 0
    upload = start_session(client, HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert upload.status_code == 200


def test_google_token_with_invalid_refresh_token_is_invalid_grant(client):
    response = client.post(
        "/sandbox/google-oauth/token", {"grant_type": "refresh_token", "refresh_token": "1//real"}
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
