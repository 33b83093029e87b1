"""The YouTube emulation: resumable sessions, chunks, status queries, quotas, tokens."""

import json

import pytest

from sandbox.models import SandboxPost, SandboxUpload
from sandbox.views.youtube import CHUNK_GRANULARITY, channel_id_for

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


def test_uncounted_limits_never_exceed_the_upload_limit(client, settings):
    """The drills' sandbox (bench/sandbox_settings.py) counts no window, uploads' included."""
    settings.SANDBOX_RATE_LIMITS = {"youtube_uploads": (1, 86400)}
    settings.SANDBOX_COUNT_RATE_LIMITS = False
    for _ in range(2):
        session_url = start_session(client, total=3)["Location"]
        assert client.put(session_url, b"abc", content_type="video/mp4").status_code == 200

    assert SandboxPost.objects.filter(platform="youtube").count() == 2


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


MULTIPART = "/sandbox/youtube/upload/youtube/v3/videos?uploadType=multipart&part=snippet,status"
# Every byte value and the line breaks a multipart parser could trip on.
VIDEO = bytes(range(256)) * 3 + b"\r\n--not-the-boundary\r\n" + b"\x00\xff" * 100


def related_body(metadata=METADATA, video=VIDEO, media_type="video/mp4", boundary="herald-part"):
    """A multipart/related body shaped as Google documents a multipart upload."""
    return (
        (
            f"--{boundary}\r\n"
            "Content-Type: application/json; charset=UTF-8\r\n\r\n"
            f"{json.dumps(metadata)}\r\n"
            f"--{boundary}\r\n"
            f"Content-Type: {media_type}\r\n\r\n"
        ).encode()
        + video
        + f"\r\n--{boundary}--\r\n".encode()
    )


def multipart_upload(client, body, boundary="herald-part", url=MULTIPART, **headers):
    return client.post(
        url,
        body,
        content_type=f'multipart/related; boundary="{boundary}"',
        **(headers or AUTH),
    )


def test_multipart_upload_answers_the_video_and_stores_it_like_a_resumable_one(client):
    response = multipart_upload(client, related_body())

    assert response.status_code == 200
    video = response.json()
    assert video["kind"] == "youtube#video"
    assert video["snippet"]["title"] == "Launch day"
    assert video["snippet"]["channelId"] == channel_id_for("yt-alice")
    assert video["status"]["privacyStatus"] == "unlisted"
    post = SandboxPost.objects.get(platform="youtube", external_id=video["id"])
    assert post.account == "yt-alice"
    assert post.text == "Launch day"

    # The same bytes sent through a resumable session are stored with the same facts.
    session_url = start_session(client, total=len(VIDEO))["Location"]
    resumable_id = client.put(session_url, VIDEO, content_type="video/mp4").json()["id"]
    resumable = SandboxPost.objects.get(platform="youtube", external_id=resumable_id)
    assert post.media == resumable.media
    assert post.media[0]["size"] == len(VIDEO)
    assert post.media[0]["media_type"] == "video/mp4"
    assert SandboxUpload.objects.get(post=post).state == SandboxUpload.State.COMPLETE


def test_multipart_upload_checks_the_token(client):
    response = multipart_upload(client, related_body(), HTTP_AUTHORIZATION="Bearer real-token")

    assert response.status_code == 401
    assert not SandboxPost.objects.exists()


@pytest.mark.parametrize(
    ("metadata", "reason"),
    [
        ({**METADATA, "snippet": {"title": "x" * 101}}, "invalidTitle"),
        ({**METADATA, "status": {"privacyStatus": "secret"}}, "invalidVideoMetadata"),
        ({"status": {}}, "invalidVideoMetadata"),
    ],
    ids=["long-title", "privacy", "no-snippet"],
)
def test_multipart_upload_checks_the_metadata(client, metadata, reason):
    response = multipart_upload(client, related_body(metadata=metadata))

    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["reason"] == reason
    assert not SandboxPost.objects.exists()
    assert not SandboxUpload.objects.exists()


def test_multipart_upload_checks_the_part_and_the_upload_limit(client, settings):
    no_snippet = multipart_upload(client, related_body(), url=MULTIPART.replace("snippet,", ""))
    assert no_snippet.status_code == 400
    assert no_snippet.json()["error"]["errors"][0]["reason"] == "invalidPart"

    settings.SANDBOX_RATE_LIMITS = {"youtube_uploads": (1, 86400)}
    assert multipart_upload(client, related_body()).status_code == 200
    over = multipart_upload(client, related_body())
    assert over.status_code == 400
    assert over.json()["error"]["errors"][0]["reason"] == "uploadLimitExceeded"
    assert SandboxPost.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        b"not multipart at all",
        related_body()[: len(related_body()) // 2],
        related_body(media_type="image/png"),
        related_body(video=b""),
        related_body().replace(b"application/json", b"text/plain"),
        b"--herald-part\r\nContent-Type: application/json\r\n\r\n{}\r\n--herald-part--\r\n",
    ],
    ids=["no-parts", "truncated", "not-video", "empty-video", "metadata-not-json", "one-part"],
)
def test_malformed_multipart_is_400_in_googles_shape(client, body):
    response = multipart_upload(client, body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 400
    assert error["errors"][0]["reason"] == "badContent"
    assert not SandboxPost.objects.exists()


def test_multipart_metadata_that_is_not_json_is_a_parse_error(client):
    body = related_body().replace(json.dumps(METADATA).encode(), b"{not json")

    response = multipart_upload(client, body)

    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["reason"] == "parseError"


def test_multipart_upload_over_the_size_limit_is_refused(client, monkeypatch):
    monkeypatch.setattr("sandbox.views.youtube.MAX_MULTIPART_BYTES", 512)

    response = multipart_upload(client, related_body())

    assert response.status_code == 400
    assert "exceeds 512 bytes" in response.json()["error"]["message"]
    assert not SandboxPost.objects.exists()
