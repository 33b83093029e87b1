import datetime as dt

import pytest
import requests
from responses import matchers

from platforms.base import AuthError, PermanentError, Published, RateLimited
from platforms.youtube import client as youtube
from tests.platforms.conftest import credentials

UPLOAD = "https://youtube.test/upload/youtube/v3/videos"
SESSION = "https://youtube.test/upload/youtube/v3/videos?uploadType=resumable&upload_id=S1"
KIB = 1024
VIDEO = [("video", "v.mp4", "video/mp4", 768 * KIB)]
OPTIONS = {"youtube": {}}


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(youtube, "CHUNK_SIZE", 256 * KIB)


def start_session(api):
    api.post(
        UPLOAD,
        headers={"Location": SESSION},
        match=[
            matchers.query_param_matcher({"uploadType": "resumable", "part": "snippet,status"}),
            matchers.header_matcher(
                {
                    "Authorization": "Bearer tok-123",
                    "X-Upload-Content-Length": str(768 * KIB),
                    "X-Upload-Content-Type": "video/mp4",
                }
            ),
            matchers.json_params_matcher(
                {
                    "snippet": {
                        "title": "Launch",
                        "description": "Watch it",
                        "tags": [],
                        "categoryId": "22",
                    },
                    "status": {"privacyStatus": "unlisted", "selfDeclaredMadeForKids": False},
                }
            ),
        ],
    )


def post_for(make_post, **kwargs):
    return make_post(
        "Watch it", media=VIDEO, options={"title": "Launch", "privacy": "unlisted"}, **kwargs
    )


def ranges(api):
    return [c.request.headers["Content-Range"] for c in api.calls if c.request.method == "PUT"]


def test_resumable_upload_in_256_kib_chunks(api, make_post):
    start_session(api)
    api.put(SESSION, status=308, headers={"Range": "bytes=0-262143"})
    api.put(SESSION, status=308, headers={"Range": "bytes=0-524287"})
    api.put(SESSION, status=200, json={"id": "vid1"})
    post = post_for(make_post)
    assert youtube.publish(post, credentials()) == Published(
        "vid1", "https://www.youtube.com/watch?v=vid1"
    )
    assert ranges(api) == [
        "bytes 0-262143/786432",
        "bytes 262144-524287/786432",
        "bytes 524288-786431/786432",
    ]
    assert post.checkpoint == [{"upload_uri": SESSION}]
    sent = [len(c.request.body) for c in api.calls if c.request.method == "PUT"]
    assert sent == [262144, 262144, 262144]


def test_interrupted_chunk_resumes_from_the_servers_offset_without_resending(api, make_post):
    start_session(api)
    api.put(SESSION, status=308, headers={"Range": "bytes=0-262143"})
    api.put(SESSION, body=requests.ConnectionError("connection reset by peer"))
    # The server kept half of the interrupted chunk.
    api.put(
        SESSION,
        status=308,
        headers={"Range": "bytes=0-393215"},
        match=[matchers.header_matcher({"Content-Range": "bytes */786432"})],
    )
    api.put(SESSION, status=308, headers={"Range": "bytes=0-655359"})
    api.put(SESSION, status=201, json={"id": "vid2"})
    assert youtube.publish(post_for(make_post), credentials()).external_id == "vid2"
    assert ranges(api) == [
        "bytes 0-262143/786432",
        "bytes 262144-524287/786432",  # interrupted
        "bytes */786432",
        "bytes 393216-655359/786432",
        "bytes 655360-786431/786432",
    ]


def test_a_later_attempt_resumes_the_saved_session(api, make_post):
    api.put(SESSION, status=308, headers={"Range": "bytes=0-524287"})
    api.put(SESSION, status=200, json={"id": "vid3"})
    post = post_for(make_post, state={"upload_uri": SESSION})
    assert youtube.publish(post, credentials()).external_id == "vid3"
    assert ranges(api) == ["bytes */786432", "bytes 524288-786431/786432"]


def google_error(status, reason):
    return {"error": {"code": status, "message": reason, "errors": [{"reason": reason}]}}


def test_quota_exceeded_waits_until_midnight_pacific(api, make_post):
    api.post(UPLOAD, status=403, json=google_error(403, "quotaExceeded"))
    with pytest.raises(RateLimited) as error:
        youtube.publish(post_for(make_post), credentials())
    until = error.value.until.astimezone(youtube.PACIFIC)
    assert (until.hour, until.minute) == (0, 0)
    assert dt.timedelta(0) < error.value.until - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=24)


def test_upload_limit_waits_a_day_and_auth_error_needs_reauth(api, make_post):
    api.post(UPLOAD, status=400, json=google_error(400, "uploadLimitExceeded"))
    with pytest.raises(RateLimited) as error:
        youtube.publish(post_for(make_post), credentials())
    assert error.value.until - dt.datetime.now(dt.UTC) > dt.timedelta(hours=23, minutes=59)
    api.post(UPLOAD, status=401, json=google_error(401, "authError"))
    with pytest.raises(AuthError):
        youtube.publish(post_for(make_post), credentials())
    api.post(UPLOAD, status=400, json=google_error(400, "invalidTitle"))
    with pytest.raises(PermanentError) as invalid:
        youtube.publish(post_for(make_post), credentials())
    assert invalid.value.code == "invalidTitle"


def test_validation_rules(make_post):
    assert youtube.validate(post_for(make_post)) == []
    bad = make_post(
        "a < b" + "é" * 2500,
        media=VIDEO,
        options={"title": "t" * 101, "privacy": "secret"},
    )
    assert youtube.validate(bad) == [
        "YouTube: the title is 101 characters; the limit is 100.",
        "YouTube: the description is 5005 bytes; the limit is 5000.",
        "YouTube: the title and description may not contain < or >.",
        "YouTube: privacy must be one of public, unlisted, private.",
    ]
    assert youtube.validate(make_post("text", options={"title": "x"})) == [
        "YouTube: a post needs exactly one video file."
    ]


def test_reconcile_asks_the_upload_session(api, make_post):
    assert youtube.reconcile(post_for(make_post), credentials()) is None
    api.put(SESSION, status=200, json={"id": "vid4"})
    done = youtube.reconcile(post_for(make_post, state={"upload_uri": SESSION}), credentials())
    assert done == Published("vid4", "https://www.youtube.com/watch?v=vid4")
    api.put(SESSION, status=308, headers={"Range": "bytes=0-1"})
    assert (
        youtube.reconcile(post_for(make_post, state={"upload_uri": SESSION}), credentials()) is None
    )


def test_refresh_keeps_the_refresh_token_google_did_not_rotate(api):
    api.post(
        "https://oauth2.google.test/token",
        json={"access_token": "new-a", "expires_in": 3599, "token_type": "Bearer"},
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "refresh_token",
                    "client_id": "g-client",
                    "client_secret": "g-secret",
                    "refresh_token": "r-1",
                }
            )
        ],
    )
    fresh = youtube.refresh(credentials(refresh_token="r-1"))
    assert (fresh.access_token, fresh.refresh_token) == ("new-a", "r-1")
    api.post("https://oauth2.google.test/token", status=400, json={"error": "invalid_grant"})
    with pytest.raises(AuthError):
        youtube.refresh(credentials(refresh_token="r-1"))
