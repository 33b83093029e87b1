"""The Bluesky emulation: sessions, handles, blobs, post records, listings, post views, limits."""

import datetime as dt
import time

import pytest
from atproto import Client, client_utils

from sandbox.models import SandboxPost, SandboxUpload
from sandbox.views.bluesky import (
    SANDBOX_APP_PASSWORD,
    did_for,
    handle_for,
    issue_jwt,
)

pytestmark = pytest.mark.django_db

XRPC = "/sandbox/bluesky/xrpc"
ALICE = did_for("bsky-alice")
AUTH = {"HTTP_AUTHORIZATION": "Bearer sandbox-bsky-alice"}
RKEY = "3kaaaaaaaaaa2"


def post_json(client, nsid, body, **headers):
    return client.post(f"{XRPC}/{nsid}", body, content_type="application/json", **headers)


def create(client, record, rkey=None, repo=ALICE):
    body = {"repo": repo, "collection": "app.bsky.feed.post", "record": record}
    if rkey:
        body["rkey"] = rkey
    return post_json(client, "com.atproto.repo.createRecord", body, **AUTH)


def text_record(text="Hello Bluesky", **extra):
    return {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": "2026-12-01T12:00:00.000Z",
        **extra,
    }


def upload(client, data=b"\x89PNG" * 10, mime="image/png"):
    return client.post(f"{XRPC}/com.atproto.repo.uploadBlob", data, content_type=mime, **AUTH)


def assert_rate_headers(response, limit, remaining, window):
    assert response["RateLimit-Limit"] == str(limit)
    assert response["RateLimit-Remaining"] == str(remaining)
    assert int(response["RateLimit-Reset"]) > time.time()
    assert response["RateLimit-Policy"] == f"{limit};w={window}"


# --- Sessions -------------------------------------------------------------------------------


def test_create_session_with_the_sandbox_password_answers_tokens_did_and_handle(client):
    answer = post_json(
        client,
        "com.atproto.server.createSession",
        {"identifier": handle_for("bsky-alice"), "password": "sandbox-bsky-alice"},
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["did"] == ALICE and body["handle"] == "bsky-alice.bsky.sandbox"
    assert body["accessJwt"].count(".") == 2 and body["refreshJwt"].count(".") == 2
    assert_rate_headers(answer, 30, 29, 300)


def test_the_fixed_app_password_signs_in_any_handle(client):
    answer = post_json(
        client,
        "com.atproto.server.createSession",
        {"identifier": "carol.bsky.social", "password": SANDBOX_APP_PASSWORD},
    )
    assert answer.json()["did"] == did_for("carol")


@pytest.mark.parametrize(
    "body",
    [
        {"identifier": "bsky-bob.bsky.sandbox", "password": "sandbox-bsky-alice"},
        {"identifier": "bsky-alice.bsky.sandbox", "password": "hunter2"},
    ],
)
def test_a_wrong_password_is_a_401_in_xrpc_shape(client, body):
    answer = post_json(client, "com.atproto.server.createSession", body)
    assert answer.status_code == 401
    assert answer.json() == {
        "error": "AuthenticationRequired",
        "message": "Invalid identifier or password",
    }


def test_create_session_is_limited_per_account(client, settings):
    settings.SANDBOX_RATE_LIMITS = {"bluesky_session": (1, 300)}
    body = {"identifier": "bsky-alice", "password": "sandbox-bsky-alice"}
    assert post_json(client, "com.atproto.server.createSession", body).status_code == 200
    refused = post_json(client, "com.atproto.server.createSession", body)
    assert refused.status_code == 429
    assert refused.json()["error"] == "RateLimitExceeded"
    assert_rate_headers(refused, 1, 0, 300)


def test_refresh_session_takes_the_refresh_token_only(client):
    refresh = issue_jwt("bsky-alice", "com.atproto.refresh", 3600)
    access = issue_jwt("bsky-alice", "com.atproto.access", 3600)
    renewed = client.post(
        f"{XRPC}/com.atproto.server.refreshSession", HTTP_AUTHORIZATION=f"Bearer {refresh}"
    )
    assert renewed.status_code == 200
    assert renewed.json()["did"] == ALICE
    refused = client.post(
        f"{XRPC}/com.atproto.server.refreshSession", HTTP_AUTHORIZATION=f"Bearer {access}"
    )
    assert refused.status_code == 401
    assert refused.json()["error"] == "InvalidToken"


def test_a_refresh_token_works_once(client):
    refresh = issue_jwt("bsky-alice", "com.atproto.refresh", 3600)
    url = f"{XRPC}/com.atproto.server.refreshSession"
    renewed = client.post(url, HTTP_AUTHORIZATION=f"Bearer {refresh}").json()
    spent = client.post(url, HTTP_AUTHORIZATION=f"Bearer {refresh}")
    assert spent.status_code == 400
    assert spent.json() == {"error": "ExpiredToken", "message": "Token has been revoked"}
    signed_out = client.post(
        f"{XRPC}/com.atproto.server.deleteSession",
        HTTP_AUTHORIZATION=f"Bearer {renewed['refreshJwt']}",
    )
    assert signed_out.status_code == 200
    again = client.post(url, HTTP_AUTHORIZATION=f"Bearer {renewed['refreshJwt']}")
    assert again.status_code == 400


def test_an_expired_access_token_is_a_400_expired_token_and_none_is_a_401(client):
    expired = issue_jwt("bsky-alice", "com.atproto.access", -10)
    answer = client.get(
        f"{XRPC}/com.atproto.server.getSession", HTTP_AUTHORIZATION=f"Bearer {expired}"
    )
    assert answer.status_code == 400
    assert answer.json() == {"error": "ExpiredToken", "message": "Token has expired"}
    missing = client.get(f"{XRPC}/com.atproto.server.getSession")
    assert missing.status_code == 401
    assert missing.json()["error"] == "AuthMissing"


# --- Identity and blobs ---------------------------------------------------------------------


def test_resolve_handle_answers_a_did_or_a_400(client):
    found = client.get(f"{XRPC}/com.atproto.identity.resolveHandle?handle=bob.bsky.social", **AUTH)
    assert found.json() == {"did": did_for("bob")}
    missing = client.get(
        f"{XRPC}/com.atproto.identity.resolveHandle?handle=nobody.bsky.social", **AUTH
    )
    assert missing.status_code == 400
    assert missing.json() == {"error": "InvalidRequest", "message": "Unable to resolve handle"}


def test_upload_blob_answers_a_blob_reference_and_keeps_its_facts(client):
    answer = upload(client)
    blob = answer.json()["blob"]
    assert blob["$type"] == "blob" and blob["mimeType"] == "image/png" and blob["size"] == 40
    assert blob["ref"]["$link"].startswith("bafkrei")
    stored = SandboxUpload.objects.get(platform="bluesky")
    assert (stored.account, stored.total_bytes, stored.metadata) == (
        "bsky-alice",
        40,
        {"cid": blob["ref"]["$link"]},
    )


# --- Records --------------------------------------------------------------------------------


def test_create_record_stores_the_post_and_answers_uri_and_cid(client):
    answer = create(client, text_record(), rkey=RKEY)
    assert answer.status_code == 200
    body = answer.json()
    assert body["uri"] == f"at://{ALICE}/app.bsky.feed.post/{RKEY}"
    assert body["cid"].startswith("bafyrei")
    assert_rate_headers(answer, 1666, 1665, 3600)
    post = SandboxPost.objects.get(platform="bluesky")
    assert (post.account, post.target, post.external_id, post.text) == (
        "bsky-alice",
        ALICE,
        RKEY,
        "Hello Bluesky",
    )


def test_a_record_key_used_once_is_refused_the_second_time(client):
    assert create(client, text_record(), rkey=RKEY).status_code == 200
    again = create(client, text_record("Another"), rkey=RKEY)
    assert again.status_code == 400
    assert again.json()["error"] == "InvalidRequest"
    assert "already exists" in again.json()["message"]
    assert SandboxPost.objects.count() == 1


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (text_record("é" * 301), "Record/text must not be longer than 300 graphemes"),
        (
            text_record(
                "hi",
                facets=[
                    {
                        "index": {"byteStart": 0, "byteEnd": 3},
                        "features": [
                            {"$type": "app.bsky.richtext.facet#link", "uri": "https://a.example"}
                        ],
                    }
                ],
            ),
            "Record/facets/0/index is outside the text's 2 bytes",
        ),
        (
            text_record(
                "hi",
                facets=[
                    {
                        "index": {"byteStart": 0, "byteEnd": 2},
                        "features": [{"$type": "app.bsky.richtext.facet#mention"}],
                    }
                ],
            ),
            "Record/facets/0/features must be a link, mention or tag",
        ),
        (
            text_record("hi", embed={"$type": "app.bsky.embed.images", "images": []}),
            "Record/embed/images must hold 1 to 4 images",
        ),
        ({"$type": "app.bsky.feed.like", "createdAt": "2026-12-01T12:00:00Z"}, "Invalid $type"),
        (text_record(createdAt="yesterday"), "Record/createdAt must be an valid atproto datetime"),
    ],
)
def test_an_invalid_record_is_a_400_naming_the_rule(client, record, message):
    answer = create(client, record)
    assert answer.status_code == 400
    assert answer.json()["error"] == "InvalidRequest"
    assert answer.json()["message"].startswith(message)
    assert SandboxPost.objects.count() == 0


def test_grapheme_count_not_code_points_is_what_counts(client):
    accented = "e\u0301"  # one grapheme, two code points, three bytes
    assert create(client, text_record(accented * 300)).status_code == 200
    assert create(client, text_record(accented * 301)).status_code == 400


def test_images_must_be_this_accounts_blobs_of_at_most_a_megabyte(client):
    small = upload(client).json()["blob"]
    big = upload(client, b"x" * 1_000_001).json()["blob"]
    ok = create(
        client,
        text_record(
            embed={"$type": "app.bsky.embed.images", "images": [{"alt": "a chart", "image": small}]}
        ),
    )
    assert ok.status_code == 200
    assert SandboxPost.objects.get().media[0]["alt"] == "a chart"
    too_big = create(
        client,
        text_record(
            embed={"$type": "app.bsky.embed.images", "images": [{"alt": "", "image": big}]}
        ),
    )
    assert too_big.status_code == 400
    assert "too large" in too_big.json()["message"]
    stranger = {**small, "ref": {"$link": "bafkreiunknown"}}
    unknown = create(
        client,
        text_record(
            embed={"$type": "app.bsky.embed.images", "images": [{"alt": "", "image": stranger}]}
        ),
    )
    assert unknown.json()["message"] == "Could not find blob of images/0"


def test_a_video_embed_takes_one_mp4_blob(client):
    video = upload(client, b"\x00" * 100, "video/mp4").json()["blob"]
    answer = create(client, text_record(embed={"$type": "app.bsky.embed.video", "video": video}))
    assert answer.status_code == 200
    png = upload(client).json()["blob"]
    refused = create(client, text_record(embed={"$type": "app.bsky.embed.video", "video": png}))
    assert refused.status_code == 400 and "video/mp4" in refused.json()["message"]


def test_another_accounts_repo_is_refused(client):
    answer = create(client, text_record(), repo=did_for("bsky-bob"))
    assert answer.status_code == 400
    assert SandboxPost.objects.count() == 0


def test_record_writes_are_limited_per_account_with_rate_limit_headers(client, settings):
    settings.SANDBOX_RATE_LIMITS = {"bluesky_writes": (1, 3600)}
    assert create(client, text_record("one")).status_code == 200
    refused = create(client, text_record("two"))
    assert refused.status_code == 429
    assert refused.json() == {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}
    assert_rate_headers(refused, 1, 0, 3600)


def test_list_records_newest_key_first_with_a_cursor(client):
    for number, rkey in enumerate(("3kaaaaaaaaaa2", "3kaaaaaaaaab2", "3kaaaaaaaaac2")):
        create(client, text_record(f"post {number}"), rkey=rkey)
    page = client.get(
        f"{XRPC}/com.atproto.repo.listRecords",
        {"repo": ALICE, "collection": "app.bsky.feed.post", "limit": 2},
        **AUTH,
    ).json()
    assert [r["uri"].rsplit("/", 1)[1] for r in page["records"]] == [
        "3kaaaaaaaaac2",
        "3kaaaaaaaaab2",
    ]
    assert page["records"][0]["value"]["text"] == "post 2"
    rest = client.get(
        f"{XRPC}/com.atproto.repo.listRecords",
        {"repo": ALICE, "collection": "app.bsky.feed.post", "cursor": page["cursor"]},
        **AUTH,
    ).json()
    assert [r["value"]["text"] for r in rest["records"]] == ["post 0"]
    assert "cursor" not in rest


def test_get_record_answers_the_record_or_record_not_found(client):
    create(client, text_record(), rkey=RKEY)
    params = {"repo": ALICE, "collection": "app.bsky.feed.post"}
    found = client.get(f"{XRPC}/com.atproto.repo.getRecord", {**params, "rkey": RKEY}, **AUTH)
    assert found.json()["value"]["text"] == "Hello Bluesky"
    missing = client.get(
        f"{XRPC}/com.atproto.repo.getRecord", {**params, "rkey": "3kaaaaaaaaaz2"}, **AUTH
    )
    assert missing.status_code == 400
    assert missing.json()["error"] == "RecordNotFound"


def test_get_posts_answers_counts_that_grow_and_leaves_out_unknown_posts(client):
    uri = create(client, text_record(), rkey=RKEY).json()["uri"]
    SandboxPost.objects.update(
        created_at=SandboxPost.objects.get().created_at - dt.timedelta(days=3)
    )
    missing = f"at://{ALICE}/app.bsky.feed.post/3kaaaaaaaaaz2"
    answer = client.get(f"{XRPC}/app.bsky.feed.getPosts", {"uris": [uri, missing]}, **AUTH)
    posts = answer.json()["posts"]
    assert [p["uri"] for p in posts] == [uri]
    assert posts[0]["likeCount"] > 0 and posts[0]["author"]["did"] == ALICE
    assert set(posts[0]) >= {"likeCount", "repostCount", "replyCount", "quoteCount"}
    too_many = client.get(f"{XRPC}/app.bsky.feed.getPosts", {"uris": [uri] * 26}, **AUTH)
    assert too_many.status_code == 400


def test_an_outage_answers_503_in_xrpc_shape_and_stores_nothing(client, settings):
    settings.SANDBOX_FAILURE_RATE = 1.0
    answer = create(client, text_record())
    assert answer.status_code == 503
    assert answer.json()["error"] == "UpstreamFailure"
    assert SandboxPost.objects.count() == 0


def test_the_permalink_opens_the_posts_page(client):
    create(client, text_record(), rkey=RKEY)
    page = client.get(f"/sandbox/bluesky/profile/bsky-alice.bsky.sandbox/post/{RKEY}")
    assert page.status_code == 302
    assert page["Location"] == f"/sandbox/posts/{SandboxPost.objects.get().pk}/"


# --- The maintained SDK against the live sandbox ---------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_atproto_sdk_logs_in_and_posts_with_a_link_to_the_live_sandbox(sandbox):
    sdk = Client(base_url=f"{sandbox.url}/sandbox/bluesky/xrpc")
    profile = sdk.login("bsky-sdk.bsky.sandbox", "sandbox-bsky-sdk")
    assert profile.did == did_for("bsky-sdk")
    text = (
        client_utils.TextBuilder().text("Made with the SDK: ").link("docs", "https://atproto.blue")
    )
    created = sdk.send_post(text)
    rkey = created.uri.rsplit("/", 1)[1]
    post = SandboxPost.objects.get(platform="bluesky", external_id=rkey)
    assert post.text == "Made with the SDK: docs"
    facet = post.raw_request["record"]["facets"][0]
    assert (facet["index"]["byteStart"], facet["index"]["byteEnd"]) == (19, 23)
    assert facet["features"][0]["uri"] == "https://atproto.blue"
    assert post.raw_request["repo"] == did_for("bsky-sdk")


def test_a_blob_larger_than_the_request_memory_limit_is_read_in_pieces(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    answer = upload(client, b"\x00" * 5000, "video/mp4")
    assert answer.status_code == 200
    assert answer.json()["blob"]["size"] == 5000


def test_a_blob_past_the_pds_limit_is_a_413(client, monkeypatch):
    monkeypatch.setattr("sandbox.views.bluesky.MAX_BLOB_BYTES", 100)
    answer = upload(client, b"\x00" * 101, "video/mp4")
    assert answer.status_code == 413
    assert answer.json()["error"] == "PayloadTooLarge"
    assert SandboxUpload.objects.count() == 0
