import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from django.utils import timezone
from responses import matchers

from platforms.base import (
    UNKNOWN,
    AuthError,
    PermanentError,
    Published,
    RateLimited,
    TransientError,
)
from platforms.linkedin import client as linkedin
from tests.platforms.conftest import credentials
from tests.platforms.linkedin.conftest import API, WWW

POSTS = f"{API}/rest/posts"
IMAGES = f"{API}/rest/images"
VIDEOS = f"{API}/rest/videos"
AUTHOR = "urn:li:person:abc123"
CREDS = credentials(account={"external_account_id": "abc123"})
REST_HEADERS = {
    "Authorization": "Bearer tok-123",
    "LinkedIn-Version": linkedin.LINKEDIN_VERSION,
    "X-Restli-Protocol-Version": "2.0.0",
    "User-Agent": "Herald/test",
}
KIB = 1024


def post_body(commentary, content=None, visibility="PUBLIC"):
    body = {
        "author": AUTHOR,
        "commentary": commentary,
        "visibility": visibility,
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }
    if content is not None:
        body["content"] = content
    return body


def expect_post(api, body, urn="urn:li:share:7001"):
    api.post(
        POSTS,
        status=201,
        headers={"x-restli-id": urn},
        match=[matchers.json_params_matcher(body), matchers.header_matcher(REST_HEADERS)],
    )


def expect_image(api, number):
    api.post(
        IMAGES,
        json={
            "value": {
                "uploadUrlExpiresAt": 1,
                "uploadUrl": f"{WWW}/dms-uploads/img{number}",
                "image": f"urn:li:image:I{number}",
            }
        },
        match=[
            matchers.query_param_matcher({"action": "initializeUpload"}),
            matchers.header_matcher(REST_HEADERS),
            matchers.json_params_matcher({"initializeUploadRequest": {"owner": AUTHOR}}),
        ],
    )
    api.put(
        f"{WWW}/dms-uploads/img{number}",
        status=201,
        match=[
            matchers.header_matcher(
                {"Authorization": "Bearer tok-123", "Content-Type": "application/octet-stream"}
            )
        ],
    )


def test_text_post_is_one_versioned_request_with_escaped_commentary(api, make_post):
    expect_post(api, post_body(r"Launch \(v2\) today \@team \\#1 #herald"))
    post = make_post("Launch (v2) today @team \\#1 #herald")
    assert linkedin.publish(post, CREDS) == Published(
        "urn:li:share:7001", "https://www.linkedin.com/feed/update/urn:li:share:7001/"
    )
    (checkpoint,) = post.checkpoint
    assert set(checkpoint) == {"post_sent_at"}
    assert dt.datetime.fromisoformat(checkpoint["post_sent_at"]) <= timezone.now()


def test_every_reserved_character_is_escaped_and_hashtags_stay():
    assert linkedin.escape_commentary("a|b{c}d@e[f]g(h)i<j>k*l_m~n\\o #tag") == (
        r"a\|b\{c\}d\@e\[f\]g\(h\)i\<j\>k\*l\_m\~n\\o #tag"
    )


def test_visibility_option_is_sent(api, make_post):
    expect_post(api, post_body("Friends only", visibility="CONNECTIONS"))
    linkedin.publish(make_post("Friends only", options={"visibility": "CONNECTIONS"}), CREDS)


def test_one_image_is_uploaded_then_posted_as_media_with_its_alt_text(api, make_post):
    expect_image(api, 1)
    expect_post(api, post_body("A photo", {"media": {"id": "urn:li:image:I1", "altText": "Team"}}))
    post = make_post("A photo", media=[("image", "a.jpg", "image/jpeg", 1000)])
    post.media = [dataclasses.replace(post.media[0], alt_text="Team")]
    linkedin.publish(post, CREDS)
    put = next(c.request for c in api.calls if c.request.method == "PUT")
    assert put.body == Path(post.media[0].path).read_bytes()
    assert post.checkpoint[0] == {"image_urns": ["urn:li:image:I1"]}


def test_several_images_make_a_multi_image_post(api, make_post):
    expect_image(api, 1)
    expect_image(api, 2)
    expect_post(
        api,
        post_body(
            "Two",
            {"multiImage": {"images": [{"id": "urn:li:image:I1"}, {"id": "urn:li:image:I2"}]}},
        ),
    )
    post = make_post(
        "Two",
        media=[("image", "a.png", "image/png", 500), ("image", "b.gif", "image/gif", 600)],
    )
    linkedin.publish(post, CREDS)
    assert post.checkpoint[:2] == [
        {"image_urns": ["urn:li:image:I1"]},
        {"image_urns": ["urn:li:image:I1", "urn:li:image:I2"]},
    ]


def test_a_retry_uploads_only_the_images_not_done(api, make_post):
    expect_image(api, 2)
    expect_post(
        api,
        post_body(
            "Two",
            {"multiImage": {"images": [{"id": "urn:li:image:I1"}, {"id": "urn:li:image:I2"}]}},
        ),
    )
    post = make_post(
        "Two",
        media=[("image", "a.png", "image/png", 500), ("image", "b.png", "image/png", 500)],
        state={"image_urns": ["urn:li:image:I1"]},
    )
    linkedin.publish(post, CREDS)
    assert [c.request.method for c in api.calls] == ["POST", "PUT", "POST"]


VIDEO = [("video", "v.mp4", "video/mp4", 100 * KIB)]
PARTS = [
    {"uploadUrl": f"{WWW}/dms-uploads/v/parts/0", "firstByte": 0, "lastByte": 65535},
    {"uploadUrl": f"{WWW}/dms-uploads/v/parts/1", "firstByte": 65536, "lastByte": 102399},
]


def expect_video_finish(api, statuses=("PROCESSING", "AVAILABLE")):
    api.post(
        VIDEOS,
        json={},
        match=[
            matchers.query_param_matcher({"action": "finalizeUpload"}),
            matchers.header_matcher(REST_HEADERS),
            matchers.json_params_matcher(
                {
                    "finalizeUploadRequest": {
                        "video": "urn:li:video:V1",
                        "uploadToken": "tok-up",
                        "uploadedPartIds": ["etag-0", "etag-1"],
                    }
                }
            ),
        ],
    )
    for status in statuses:
        api.get(
            f"{API}/rest/videos/urn%3Ali%3Avideo%3AV1",
            json={"id": "urn:li:video:V1", "status": status},
            match=[matchers.header_matcher(REST_HEADERS)],
        )


def test_video_is_uploaded_in_its_parts_finalized_and_awaited(api, make_post, monkeypatch):
    naps = []
    monkeypatch.setattr(linkedin, "sleep", naps.append)
    api.post(
        VIDEOS,
        json={
            "value": {
                "uploadUrlsExpireAt": 1,
                "video": "urn:li:video:V1",
                "uploadInstructions": PARTS,
                "uploadToken": "tok-up",
            }
        },
        match=[
            matchers.query_param_matcher({"action": "initializeUpload"}),
            matchers.json_params_matcher(
                {
                    "initializeUploadRequest": {
                        "owner": AUTHOR,
                        "fileSizeBytes": 100 * KIB,
                        "uploadCaptions": False,
                        "uploadThumbnail": False,
                    }
                }
            ),
        ],
    )
    api.put(PARTS[0]["uploadUrl"], headers={"ETag": "etag-0"})
    api.put(PARTS[1]["uploadUrl"], headers={"ETag": "etag-1"})
    expect_video_finish(api)
    expect_post(api, post_body("Watch", {"media": {"id": "urn:li:video:V1"}}))
    post = make_post("Watch", media=VIDEO)
    linkedin.publish(post, CREDS)
    data = Path(post.media[0].path).read_bytes()
    puts = [c.request for c in api.calls if c.request.method == "PUT"]
    assert [p.body for p in puts] == [data[:65536], data[65536:]]
    assert all("Authorization" not in p.headers for p in puts)
    assert naps == [linkedin.VIDEO_POLL_SECONDS]
    assert post.checkpoint[-2]["video"]["finalized"] is True
    assert post.checkpoint[1]["video"]["etags"] == ["etag-0"]


def test_a_retry_resumes_the_video_after_the_last_part_recorded(api, make_post, monkeypatch):
    monkeypatch.setattr(linkedin, "sleep", lambda seconds: None)
    api.put(PARTS[1]["uploadUrl"], headers={"ETag": "etag-1"})
    expect_video_finish(api, statuses=("AVAILABLE",))
    expect_post(api, post_body("Watch", {"media": {"id": "urn:li:video:V1"}}))
    state = {
        "video": {
            "urn": "urn:li:video:V1",
            "upload_token": "tok-up",
            "instructions": PARTS,
            "etags": ["etag-0"],
            "finalized": False,
        }
    }
    linkedin.publish(make_post("Watch", media=VIDEO, state=state), CREDS)
    assert api.calls[0].request.url == PARTS[1]["uploadUrl"]


def test_a_video_linkedin_cannot_process_fails_for_good(api, make_post, monkeypatch):
    monkeypatch.setattr(linkedin, "sleep", lambda seconds: None)
    api.get(
        f"{API}/rest/videos/urn%3Ali%3Avideo%3AV1",
        json={"status": "PROCESSING_FAILED", "processingFailureReason": "Bad codec"},
    )
    state = {"video": {"urn": "urn:li:video:V1", "instructions": PARTS, "finalized": True}}
    with pytest.raises(PermanentError) as error:
        linkedin.publish(make_post("Watch", media=VIDEO, state=state), CREDS)
    assert (error.value.code, error.value.message) == (
        "media_failed",
        "LinkedIn could not process the video: Bad codec",
    )


def test_video_polling_is_bounded(api, make_post, monkeypatch):
    monkeypatch.setattr(linkedin, "sleep", lambda seconds: None)
    monkeypatch.setattr(linkedin, "MAX_VIDEO_POLLS", 2)
    for _ in range(2):
        api.get(f"{API}/rest/videos/urn%3Ali%3Avideo%3AV1", json={"status": "PROCESSING"})
    state = {"video": {"urn": "urn:li:video:V1", "instructions": PARTS, "finalized": True}}
    with pytest.raises(PermanentError) as error:
        linkedin.publish(make_post("Watch", media=VIDEO, state=state), CREDS)
    assert error.value.code == "media_timeout"


def test_429_without_retry_after_waits_for_midnight_utc(api, make_post):
    api.post(POSTS, status=429, json={"status": 429, "message": "Too many requests"})
    with pytest.raises(RateLimited) as error:
        linkedin.publish(make_post("Hi"), CREDS)
    tomorrow = timezone.now().date() + dt.timedelta(days=1)
    assert error.value.until == dt.datetime.combine(tomorrow, dt.time(), tzinfo=dt.UTC)
    assert error.value.message == "LinkedIn answered 429: Too many requests"


def test_429_with_a_garbled_retry_after_waits_for_midnight_utc(api, make_post):
    api.post(POSTS, status=429, headers={"Retry-After": "soon"}, json={"status": 429})
    with pytest.raises(RateLimited) as error:
        linkedin.publish(make_post("Hi"), CREDS)
    drift = error.value.until - linkedin.next_utc_midnight()
    assert abs(drift) < dt.timedelta(seconds=1)


def test_429_with_retry_after_waits_that_long(api, make_post):
    api.post(POSTS, status=429, headers={"Retry-After": "120"}, json={"status": 429})
    with pytest.raises(RateLimited) as error:
        linkedin.publish(make_post("Hi"), CREDS)
    waited = (error.value.until - timezone.now()).total_seconds()
    assert 110 < waited <= 120


@pytest.mark.parametrize(
    ("status", "body", "error_class", "code"),
    [
        (401, {"status": 401, "message": "Invalid access token"}, AuthError, "auth"),
        (426, {"status": 426, "message": "Requested version is not active"}, PermanentError,
         "version_inactive"),
        (422, {"status": 422, "message": "commentary is too long"}, PermanentError, "http_422"),
        (403, {"status": 403, "message": "Not enough permissions"}, PermanentError, "http_403"),
        (500, {"status": 500, "message": "Internal"}, TransientError, "http_500"),
    ],
)  # fmt: skip
def test_errors_map_to_heralds_classes(api, make_post, status, body, error_class, code):
    api.post(POSTS, status=status, json=body)
    with pytest.raises(error_class) as error:
        linkedin.publish(make_post("Hi"), CREDS)
    assert error.value.code == code
    if status < 500:
        assert error.value.message == f"LinkedIn answered {status}: {body['message']}"


def finder(api, elements):
    api.get(
        POSTS,
        json={"paging": {"start": 0, "count": 50}, "elements": elements},
        match=[
            matchers.query_param_matcher(
                {"q": "author", "author": AUTHOR, "count": "50", "sortBy": "CREATED"}
            ),
            matchers.header_matcher(REST_HEADERS),
        ],
    )


def ms(moment):
    return int(moment.timestamp() * 1000)


def test_a_duplicate_answer_finds_the_post_an_earlier_attempt_made(api, make_post):
    sent = timezone.now() - dt.timedelta(minutes=30)
    api.post(POSTS, status=422, json={"status": 422, "message": "Content is a duplicate of x"})
    finder(api, [{"id": "urn:li:share:9", "commentary": "Hi", "createdAt": ms(sent)}])
    post = make_post("Hi", state={"post_sent_at": sent.isoformat()})
    assert linkedin.publish(post, CREDS) == Published(
        "urn:li:share:9", "https://www.linkedin.com/feed/update/urn:li:share:9/"
    )
    assert post.checkpoint == []  # the first attempt's moment is kept


def test_a_duplicate_of_an_older_post_fails_as_duplicate_content(api, make_post):
    api.post(POSTS, status=422, json={"status": 422, "message": "Content is a duplicate of x"})
    old = timezone.now() - dt.timedelta(days=3)
    finder(api, [{"id": "urn:li:share:1", "commentary": "Hi", "createdAt": ms(old)}])
    with pytest.raises(PermanentError) as error:
        linkedin.publish(make_post("Hi"), CREDS)
    assert error.value.code == "duplicate_content"


def test_reconcile_without_a_post_request_sent_nothing(api, make_post):
    assert linkedin.reconcile(make_post("Hi", state={"image_urns": ["x"]}), CREDS) is None
    assert len(api.calls) == 0


def test_reconcile_finds_the_post_by_commentary_since_the_attempt(api, make_post):
    sent = timezone.now() - dt.timedelta(minutes=2)
    finder(
        api,
        [
            {"id": "urn:li:share:3", "commentary": "Other", "createdAt": ms(sent)},
            {"id": "urn:li:share:2", "commentary": r"Hi \(2\)", "createdAt": ms(sent)},
        ],
    )
    post = make_post("Hi (2)", state={"post_sent_at": sent.isoformat()})
    assert linkedin.reconcile(post, CREDS) == Published(
        "urn:li:share:2", "https://www.linkedin.com/feed/update/urn:li:share:2/"
    )


def test_reconcile_ignores_the_same_text_posted_before_the_attempt(api, make_post):
    sent = timezone.now()
    old = sent - dt.timedelta(hours=1)
    finder(api, [{"id": "urn:li:share:1", "commentary": "Hi", "createdAt": ms(old)}])
    assert (
        linkedin.reconcile(make_post("Hi", state={"post_sent_at": sent.isoformat()}), CREDS) is None
    )


def test_reconcile_on_a_full_page_or_a_refused_finder_cannot_tell(api, make_post, monkeypatch):
    monkeypatch.setattr(linkedin, "RECENT_POSTS", 1)
    sent = timezone.now().isoformat()
    api.get(POSTS, json={"elements": [{"id": "urn:li:share:1", "commentary": "Other"}]})
    api.get(POSTS, status=403, json={"status": 403, "message": "Not enough permissions"})
    post = make_post("Hi", state={"post_sent_at": sent})
    assert linkedin.reconcile(post, CREDS) is UNKNOWN
    assert linkedin.reconcile(post, CREDS) is UNKNOWN


def test_an_account_without_member_id_must_reconnect(make_post):
    with pytest.raises(AuthError):
        linkedin.publish(make_post("Hi"), credentials())


def test_validation_names_linkedins_rules(make_post):
    assert linkedin.validate(make_post("x" * 3000)) == []
    assert linkedin.validate(make_post("x" * 3001)) == [
        "LinkedIn: the text is 3001 characters; the limit is 3000."
    ]
    assert linkedin.validate(make_post("  ")) == ["LinkedIn: a post needs text or media."]
    mixed = make_post("x", media=[*VIDEO, ("image", "a.jpg", "image/jpeg", 10)])
    assert linkedin.validate(mixed) == ["LinkedIn: a video must be the only medium of a post."]
    many = make_post("x", media=[("image", f"{n}.jpg", "image/jpeg", 10) for n in range(21)])
    assert linkedin.validate(many) == ["LinkedIn: at most 20 images per post (21)."]
    odd = make_post(
        "x", media=[("image", "a.webp", "image/webp", 10), ("image", "b.jpg", "image/jpeg", 10)]
    )
    assert linkedin.validate(odd) == ["LinkedIn: images must be JPG, PNG or GIF."]
    assert linkedin.validate(make_post("x", media=[("video", "v.mov", "video/quicktime", 10**6)]))
    tiny = make_post("x", media=[("video", "v.mp4", "video/mp4", 1000)])
    assert linkedin.validate(tiny) == ["LinkedIn: a video must be between 75 KB and 5 GB."]
    assert linkedin.validate(make_post("x", options={"visibility": "FRIENDS"})) == [
        "LinkedIn: visibility must be one of PUBLIC, CONNECTIONS."
    ]


def test_measure_counts_characters_and_media(make_post):
    measures = linkedin.measure(make_post("hello", media=[("image", "a.jpg", "image/jpeg", 10)]))
    assert [(m.label, m.used, m.limit) for m in measures] == [
        ("Commentary", 5, 3000),
        ("Media", 1, 20),
    ]


def test_refresh_uses_the_refresh_token_and_keeps_it(api):
    api.post(
        f"{WWW}/oauth/v2/accessToken",
        json={"access_token": "new", "expires_in": 5184000, "refresh_token_expires_in": 100},
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "refresh_token",
                    "refresh_token": "ref-1",
                    "client_id": "li-client",
                    "client_secret": "li-secret",
                }
            )
        ],
    )
    renewed = linkedin.refresh(credentials(refresh_token="ref-1"))
    assert (renewed.access_token, renewed.refresh_token) == ("new", "ref-1")
    assert renewed.expires_at - timezone.now() > dt.timedelta(days=59)


def test_a_refused_refresh_needs_reauthorization(api):
    api.post(
        f"{WWW}/oauth/v2/accessToken",
        status=400,
        json={"error": "invalid_request", "error_description": "expired or revoked"},
    )
    with pytest.raises(AuthError) as error:
        linkedin.refresh(credentials(refresh_token="ref-1"))
    assert "ref-1" not in error.value.message


def test_the_body_is_json(api, make_post):
    expect_post(api, post_body("Hi"))
    linkedin.publish(make_post("Hi"), CREDS)
    assert json.loads(api.calls[0].request.body)["commentary"] == "Hi"


def test_an_expired_upload_session_is_started_afresh(api, make_post, monkeypatch):
    monkeypatch.setattr(linkedin, "sleep", lambda seconds: None)
    fresh = [{"uploadUrl": f"{WWW}/dms-uploads/w/parts/0", "firstByte": 0, "lastByte": 102399}]
    api.post(
        VIDEOS,
        json={
            "value": {
                "uploadUrlsExpireAt": ms(timezone.now() + dt.timedelta(days=1)),
                "video": "urn:li:video:V2",
                "uploadInstructions": fresh,
                "uploadToken": "",
            }
        },
        match=[matchers.query_param_matcher({"action": "initializeUpload"})],
    )
    api.put(fresh[0]["uploadUrl"], headers={"ETag": "e"})
    api.post(VIDEOS, json={}, match=[matchers.query_param_matcher({"action": "finalizeUpload"})])
    api.get(f"{API}/rest/videos/urn%3Ali%3Avideo%3AV2", json={"status": "AVAILABLE"})
    expect_post(api, post_body("Watch", {"media": {"id": "urn:li:video:V2"}}))
    stale = {
        "video": {
            "urn": "urn:li:video:V1",
            "expires_at_ms": ms(timezone.now() - dt.timedelta(minutes=1)),
            "instructions": PARTS,
            "etags": ["etag-0"],
            "finalized": False,
        }
    }
    linkedin.publish(make_post("Watch", media=VIDEO, state=stale), CREDS)
    assert linkedin.upload_urls_expired(stale["video"])
    assert not linkedin.upload_urls_expired({**stale["video"], "finalized": True})


@pytest.mark.parametrize(
    "answer",
    [
        {"value": "nope"},
        {"value": {"video": "urn:li:video:V1", "uploadInstructions": [{"uploadUrl": "u"}]}},
        {"value": {"video": "urn:li:video:V1", "uploadInstructions": ["x"]}},
        {"value": {"video": 5, "uploadInstructions": PARTS}},
    ],
)
def test_a_garbled_upload_answer_is_a_clear_permanent_error(api, make_post, answer):
    api.post(VIDEOS, json=answer)
    with pytest.raises(PermanentError) as error:
        linkedin.publish(make_post("Watch", media=VIDEO), CREDS)
    assert error.value.message == (
        "LinkedIn answered the video upload without a URN or instructions."
    )


def test_an_organization_post_names_the_organization_as_author_and_image_owner(api, make_post):
    organization = "urn:li:organization:2414183"
    api.post(
        IMAGES,
        json={"value": {"uploadUrl": f"{WWW}/dms-uploads/o1", "image": "urn:li:image:O1"}},
        match=[matchers.json_params_matcher({"initializeUploadRequest": {"owner": organization}})],
    )
    api.put(f"{WWW}/dms-uploads/o1", status=201)
    body = {**post_body("News", {"media": {"id": "urn:li:image:O1"}}), "author": organization}
    expect_post(api, body)
    post = make_post(
        "News",
        media=[("image", "a.jpg", "image/jpeg", 100)],
        options={"organization": "2414183"},
    )
    linkedin.publish(post, CREDS)


def test_reconcile_looks_among_the_organizations_posts(api, make_post):
    sent = timezone.now()
    api.get(
        POSTS,
        json={"elements": [{"id": "urn:li:share:5", "commentary": "News", "createdAt": ms(sent)}]},
        match=[
            matchers.query_param_matcher(
                {
                    "q": "author",
                    "author": "urn:li:organization:42",
                    "count": "50",
                    "sortBy": "CREATED",
                }
            )
        ],
    )
    post = make_post(
        "News", options={"organization": "42"}, state={"post_sent_at": sent.isoformat()}
    )
    assert linkedin.reconcile(post, CREDS).external_id == "urn:li:share:5"


def test_an_organization_id_must_be_a_number(make_post):
    assert linkedin.validate(make_post("x", options={"organization": "acme"})) == [
        "LinkedIn: an organization id is a number."
    ]
