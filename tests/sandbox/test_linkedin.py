"""The LinkedIn emulation: versioned headers, posts, image and video uploads, OAuth, limits.

No maintained official Python client exists for LinkedIn's versioned REST APIs, so the
emulation is checked at the protocol level here and through Herald's own module (the
video upload below, and the end-to-end test).
"""

import dataclasses
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing

from platforms.base import Credentials, MediaFile, Post
from platforms.linkedin import client as linkedin_client
from sandbox.models import SandboxPost, SandboxUpload
from sandbox.views import linkedin
from sandbox.views.oauth import CODE_SALT

pytestmark = pytest.mark.django_db

REST = {
    "Authorization": "Bearer sandbox-li-alice",
    "LinkedIn-Version": "202605",
    "X-Restli-Protocol-Version": "2.0.0",
}
ALICE = linkedin.person_urn("li-alice")


def create_post(client, body, headers=REST):
    return client.post(
        "/sandbox/linkedin/rest/posts", body, content_type="application/json", headers=headers
    )


def text_post(commentary="Hello LinkedIn", **extra):
    return {
        "author": ALICE,
        "commentary": commentary,
        "visibility": "PUBLIC",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
        **extra,
    }


def test_userinfo_names_the_member_behind_the_token(client):
    answer = client.get(
        "/sandbox/linkedin/v2/userinfo", headers={"Authorization": "Bearer sandbox-li-alice"}
    )
    assert answer.status_code == 200
    assert answer.json()["sub"] == linkedin.member_id_for("li-alice")
    assert (answer.json()["name"], answer.json()["given_name"]) == ("Li Alice", "Li")
    refused = client.get("/sandbox/linkedin/v2/userinfo")
    assert refused.status_code == 401
    assert refused.json() == {
        "status": 401,
        "serviceErrorCode": 65600,
        "code": "INVALID_ACCESS_TOKEN",
        "message": "Invalid access token",
    }


def test_a_post_is_created_with_201_and_its_urn_in_x_restli_id(client):
    answer = create_post(client, text_post(r"Launch \(v2\) #herald"))
    assert answer.status_code == 201
    assert answer.content == b""
    post = SandboxPost.objects.get()
    assert answer["x-restli-id"] == post.external_id
    assert post.external_id.startswith("urn:li:share:7")
    assert (post.text, post.target, post.account) == ("Launch (v2) #herald", ALICE, "li-alice")


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({**REST, "LinkedIn-Version": ""}, 400, "VERSION_MISSING"),
        ({**REST, "LinkedIn-Version": "2026-05"}, 426, "NONEXISTENT_VERSION"),
        ({**REST, "X-Restli-Protocol-Version": ""}, 400, "PROTOCOL_VERSION_MISSING"),
        ({**REST, "Authorization": "Bearer nope"}, 401, "INVALID_ACCESS_TOKEN"),
    ],
)
def test_required_headers_are_checked(client, headers, status, code):
    answer = create_post(client, text_post(), headers=headers)
    assert (answer.status_code, answer.json()["code"]) == (status, code)
    assert SandboxPost.objects.count() == 0


def test_posts_linkedin_would_refuse_are_refused(client):
    unescaped = create_post(client, text_post("Launch (v2)"))
    assert unescaped.status_code == 422
    assert "'(' unescaped" in unescaped.json()["message"]
    too_long = create_post(client, text_post("x" * 3001))
    assert (too_long.status_code, too_long.json()["code"]) == (422, "FIELD_LENGTH_TOO_LONG")
    someone_else = create_post(client, text_post(author="urn:li:person:other"))
    assert someone_else.status_code == 403
    not_json = client.post(
        "/sandbox/linkedin/rest/posts", "[", content_type="application/json", headers=REST
    )
    assert not_json.status_code == 400
    hostile = create_post(client, text_post(visibility=["PUBLIC"], content={"multiImage": None}))
    assert hostile.status_code == 422
    missing_image = create_post(client, text_post(content={"media": {"id": "urn:li:image:nope"}}))
    assert missing_image.status_code == 422
    assert SandboxPost.objects.count() == 0


def test_a_member_may_post_as_an_organization(client):
    organization = "urn:li:organization:2414183"
    value = initialize(client, "images", {"owner": organization}).json()["value"]
    client.put(urlsplit(value["uploadUrl"]).path, b"x" * 10, content_type="image/png")
    body = text_post("News", author=organization, content={"media": {"id": value["image"]}})
    assert create_post(client, body).status_code == 201
    assert SandboxPost.objects.get().target == organization
    listed = client.get(
        "/sandbox/linkedin/rest/posts", {"q": "author", "author": organization}, headers=REST
    )
    assert [e["author"] for e in listed.json()["elements"]] == [organization]
    bad = create_post(client, text_post("Other", author="urn:li:organization:acme"))
    assert bad.status_code == 403


def test_mentions_and_hashtag_templates_may_stand_unescaped(client):
    commentary = "Hi @[Acme](urn:li:organization:1234) {hashtag|#|Tech}"
    assert create_post(client, text_post(commentary)).status_code == 201


def test_the_same_commentary_twice_is_a_duplicate(client):
    first = create_post(client, text_post("Once"))
    again = create_post(client, text_post("Once"))
    assert again.status_code == 422
    assert again.json()["message"] == f"Content is a duplicate of {first['x-restli-id']}"


def test_the_author_finder_lists_the_members_posts_newest_first(client):
    create_post(client, text_post("First"))
    create_post(client, text_post("Second"))
    answer = client.get(
        "/sandbox/linkedin/rest/posts",
        {"q": "author", "author": ALICE, "count": "10"},
        headers=REST,
    )
    assert answer.status_code == 200
    elements = answer.json()["elements"]
    assert [e["commentary"] for e in elements] == ["Second", "First"]
    assert all(isinstance(e["createdAt"], int) for e in elements)
    other = client.get(
        "/sandbox/linkedin/rest/posts", {"q": "author", "author": "urn:li:person:x"}, headers=REST
    )
    assert other.status_code == 403


def initialize(client, kind, body):
    return client.post(
        f"/sandbox/linkedin/rest/{kind}?action=initializeUpload",
        {"initializeUploadRequest": body},
        content_type="application/json",
        headers=REST,
    )


def test_an_image_is_initialized_put_and_posted(client):
    value = initialize(client, "images", {"owner": ALICE}).json()["value"]
    assert value["image"].startswith("urn:li:image:")
    upload_path = urlsplit(value["uploadUrl"]).path
    assert upload_path.startswith("/sandbox/linkedin-www/dms-uploads/")
    put = client.put(
        upload_path,
        b"\x89PNG" * 100,
        content_type="application/octet-stream",
        headers={"Authorization": "Bearer sandbox-li-alice"},
    )
    assert put.status_code == 201
    assert client.put(upload_path, b"again").status_code == 400
    answer = create_post(client, text_post("Photo", content={"media": {"id": value["image"]}}))
    assert answer.status_code == 201
    assert SandboxPost.objects.get().media[0]["size"] == 400


def test_uploads_belong_to_their_owner(client):
    refused = initialize(client, "images", {"owner": "urn:li:person:other"})
    assert refused.status_code == 403
    value = initialize(client, "images", {"owner": ALICE}).json()["value"]
    stranger = client.put(
        urlsplit(value["uploadUrl"]).path,
        b"x",
        content_type="application/octet-stream",
        headers={"Authorization": "Bearer sandbox-li-bob"},
    )
    assert stranger.status_code == 401
    assert SandboxUpload.objects.get().state == SandboxUpload.State.UPLOADING


def test_a_video_part_of_the_wrong_size_and_a_wrong_finalize_are_refused(client, monkeypatch):
    monkeypatch.setattr(linkedin, "PART_SIZE", 1000)
    value = initialize(client, "videos", {"owner": ALICE, "fileSizeBytes": 1500}).json()["value"]
    parts = value["uploadInstructions"]
    assert [(p["firstByte"], p["lastByte"]) for p in parts] == [(0, 999), (1000, 1499)]
    assert value["uploadToken"]
    short = client.put(urlsplit(parts[0]["uploadUrl"]).path, b"x" * 10, content_type="video/mp4")
    assert short.status_code == 400
    etag = client.put(urlsplit(parts[0]["uploadUrl"]).path, b"x" * 1000, content_type="video/mp4")
    finalize = client.post(
        "/sandbox/linkedin/rest/videos?action=finalizeUpload",
        {
            "finalizeUploadRequest": {
                "video": value["video"],
                "uploadToken": value["uploadToken"],
                "uploadedPartIds": [etag["ETag"]],
            }
        },
        content_type="application/json",
        headers=REST,
    )
    assert finalize.status_code == 400
    assert "every part" in finalize.json()["message"]


def test_social_actions_summarise_likes_and_comments(client):
    urn = create_post(client, text_post("Counted"))["x-restli-id"]
    answer = client.get(f"/sandbox/linkedin/rest/socialActions/{urn}", headers=REST)
    assert answer.status_code == 200
    body = answer.json()
    assert body["target"] == urn
    assert set(body["likesSummary"]) == {"likedByCurrentUser", "totalLikes"}
    assert set(body["commentsSummary"]) == {"totalFirstLevelComments", "aggregatedTotalComments"}
    missing = client.get("/sandbox/linkedin/rest/socialActions/urn:li:share:1", headers=REST)
    assert missing.status_code == 404


def test_the_daily_post_limit_answers_429_without_rate_headers(client, settings):
    settings.SANDBOX_RATE_LIMITS = {"linkedin_posts": (1, 86400)}
    assert create_post(client, text_post("One")).status_code == 201
    limited = create_post(client, text_post("Two"))
    assert limited.status_code == 429
    assert limited.json()["code"] == "TOO_MANY_REQUESTS"
    assert not [h for h in limited.headers if h.lower().startswith("x-rate")]


def consent_code(client, **query):
    params = {
        "response_type": "code",
        "client_id": "sandbox-linkedin-client-id",
        "redirect_uri": "https://herald.test/cb",
        "state": "s1",
        "scope": "openid profile w_member_social",
        **query,
    }
    page = client.post(
        "/sandbox/linkedin-www/oauth/v2/authorization?"
        + "&".join(f"{k}={v}" for k, v in params.items()),
        {"decision": "allow", "account": "li-alice"},
    )
    assert page.status_code == 302
    return parse_qs(urlsplit(page["Location"]).query)["code"][0]


def test_the_code_grant_and_the_refresh_grant(client):
    code = consent_code(client)
    assert signing.loads(code, salt=CODE_SALT)["provider"] == "linkedin"
    token = client.post(
        "/sandbox/linkedin-www/oauth/v2/accessToken",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "https://herald.test/cb",
            "client_id": "sandbox-linkedin-client-id",
            "client_secret": "sandbox-linkedin-client-secret",
        },
    )
    assert token.status_code == 200
    answer = token.json()
    assert answer["access_token"].startswith("sandbox-li-alice.")
    assert (answer["expires_in"], answer["refresh_token_expires_in"]) == (5184000, 31536000)
    assert answer["scope"] == "openid,profile,w_member_social"
    refreshed = client.post(
        "/sandbox/linkedin-www/oauth/v2/accessToken",
        {
            "grant_type": "refresh_token",
            "refresh_token": answer["refresh_token"],
            "client_id": "c",
            "client_secret": "s",
        },
    ).json()
    assert refreshed["refresh_token"] == answer["refresh_token"]
    assert refreshed["access_token"] != answer["access_token"]
    no_secret = client.post(
        "/sandbox/linkedin-www/oauth/v2/accessToken",
        {"grant_type": "refresh_token", "refresh_token": answer["refresh_token"]},
    )
    assert no_secret.status_code == 401


def test_revoke_accepts_sandbox_tokens_only(client):
    fields = {"client_id": "c", "client_secret": "s"}
    ok = client.post("/sandbox/linkedin-www/oauth/v2/revoke", {"token": "sandbox-li-a", **fields})
    assert ok.status_code == 200
    bad = client.post("/sandbox/linkedin-www/oauth/v2/revoke", {"token": "nope", **fields})
    assert bad.status_code == 400


def test_the_permalink_opens_the_posts_page(client):
    urn = create_post(client, text_post("Linked"))["x-restli-id"]
    page = client.get(f"/sandbox/linkedin-www/feed/update/{urn}/")
    assert page.status_code == 302
    assert page["Location"] == f"/sandbox/posts/{SandboxPost.objects.get().pk}/"


@pytest.mark.django_db(transaction=True)
def test_herald_uploads_a_video_in_parts_and_posts_it(sandbox, tmp_path, monkeypatch):
    """Herald's own module against the live sandbox: three parts, finalize, poll, post."""
    monkeypatch.setattr(linkedin, "PART_SIZE", 40 * 1024)
    monkeypatch.setattr(linkedin_client, "sleep", lambda seconds: None)
    video = tmp_path / "launch.mp4"
    video.write_bytes(bytes(range(256)) * 400)  # 100 KiB
    checkpoints = []
    post = Post(
        publication_id=1,
        idempotency_key="1-linkedin-1",
        body="Our launch (in 3 minutes)",
        media=[MediaFile("video", str(video), "video/mp4", video.stat().st_size)],
    )
    post.checkpoint = checkpoints.append
    member = linkedin.member_id_for("li-video")
    credentials = Credentials(
        access_token="sandbox-li-video", account={"external_account_id": member}
    )
    published = linkedin_client.publish(post, credentials)
    stored = SandboxPost.objects.get()
    assert published.external_id == stored.external_id
    assert stored.text == "Our launch (in 3 minutes)"
    assert (stored.media[0]["size"], stored.media[0]["parts"]) == (100 * 1024, 3)
    assert [len(c["video"]["etags"]) for c in checkpoints if "video" in c] == [0, 1, 2, 3, 3]
    # A retry after all this sends nothing new: the duplicate is this very post.
    again = dataclasses.replace(post, platform_state=post.platform_state)
    assert linkedin_client.publish(again, credentials) == published
    assert SandboxPost.objects.count() == 1
