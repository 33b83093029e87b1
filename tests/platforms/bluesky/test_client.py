import base64
import datetime as dt
import json

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
from platforms.bluesky import client as bluesky
from platforms.bluesky import richtext
from tests.platforms.bluesky.conftest import XRPC
from tests.platforms.conftest import credentials

DID = "did:plc:herald"
RKEY = "3lbzgxkqjsk2c"
URI = f"at://{DID}/app.bsky.feed.post/{RKEY}"
CREATED = "2026-12-01T12:00:00.000Z"
CREDS = credentials(account={"did": DID, "handle": "herald.bsky.social"})
BEARER = {"Authorization": "Bearer tok-123", "User-Agent": "Herald/test"}
STATE = {"rkey": RKEY, "created_at": CREATED}


def jwt(claims):
    encoded = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"eyJhbGciOiJIUzI1NiJ9.{encoded}.sig"


def create_body(record_extra=None, rkey=RKEY):
    return {
        "repo": DID,
        "collection": "app.bsky.feed.post",
        "rkey": rkey,
        "record": {
            "$type": "app.bsky.feed.post",
            "text": record_extra.pop("text")
            if record_extra and "text" in record_extra
            else "Hello",
            "createdAt": CREATED,
            **(record_extra or {}),
        },
    }


# --- Publishing -------------------------------------------------------------------------------


def test_a_post_with_an_image_a_link_and_a_mention(api, make_post):
    text = "Launch ✨ with @bob.test: https://herald.test/launch"
    blob = {"$type": "blob", "ref": {"$link": "bafkreiabc"}, "mimeType": "image/png", "size": 300}
    api.get(
        f"{XRPC}/com.atproto.identity.resolveHandle",
        json={"did": "did:plc:bob"},
        match=[
            matchers.query_param_matcher({"handle": "bob.test"}),
            matchers.header_matcher(BEARER),
        ],
    )
    post = make_post(text, media=[("image", "chart.png", "image/png", 300)], state=STATE)
    post.media[0] = type(post.media[0])(**{**post.media[0].__dict__, "alt_text": "A chart"})
    with open(post.media[0].path, "rb") as image:
        image_bytes = image.read()
    uploaded = []

    def upload(request):
        uploaded.append(request.body)
        return 200, {}, json.dumps({"blob": blob})

    api.add_callback(
        "POST",
        f"{XRPC}/com.atproto.repo.uploadBlob",
        callback=upload,
        match=[matchers.header_matcher({**BEARER, "Content-Type": "image/png"})],
    )
    api.post(
        f"{XRPC}/com.atproto.repo.createRecord",
        json={"uri": URI, "cid": "bafyreirecord"},
        match=[
            matchers.header_matcher(BEARER),
            matchers.json_params_matcher(
                create_body(
                    {
                        "text": text,
                        "facets": [
                            {
                                "index": {"byteStart": 16, "byteEnd": 25},
                                "features": [
                                    {
                                        "$type": "app.bsky.richtext.facet#mention",
                                        "did": "did:plc:bob",
                                    }
                                ],
                            },
                            {
                                "index": {"byteStart": 27, "byteEnd": 53},
                                "features": [
                                    {
                                        "$type": "app.bsky.richtext.facet#link",
                                        "uri": "https://herald.test/launch",
                                    }
                                ],
                            },
                        ],
                        "embed": {
                            "$type": "app.bsky.embed.images",
                            "images": [{"alt": "A chart", "image": blob}],
                        },
                    }
                )
            ),
        ],
    )
    assert bluesky.publish(post, CREDS) == Published(
        URI, f"https://bsky.app/profile/herald.bsky.social/post/{RKEY}"
    )
    assert post.checkpoint == [STATE]
    assert uploaded == [image_bytes]


def test_a_new_record_key_is_saved_before_the_post_goes_out(api, make_post):
    post = make_post("Hello", key="9-bluesky-1700000000")
    seen = []

    def created(request):
        seen.append(list(post.checkpoint))
        body = json.loads(request.body)
        return 200, {}, json.dumps({"uri": f"at://{DID}/app.bsky.feed.post/{body['rkey']}"})

    api.add_callback("POST", f"{XRPC}/com.atproto.repo.createRecord", callback=created)
    published = bluesky.publish(post, CREDS)
    rkey = post.checkpoint[0]["rkey"]
    assert seen == [post.checkpoint] and len(post.checkpoint) == 1
    assert richtext.is_tid(rkey) and published.external_id.endswith(f"/{rkey}")
    # The TID's clock id is the idempotency key's.
    assert richtext.TID_ALPHABET.index(rkey[-1]) + 32 * richtext.TID_ALPHABET.index(
        rkey[-2]
    ) == richtext.clock_id_of("9-bluesky-1700000000")
    sent = json.loads(api.calls[0].request.body)["record"]
    assert sent["createdAt"] == post.checkpoint[0]["created_at"]
    assert sent["createdAt"].endswith("Z")


def test_a_resend_after_the_record_was_made_finds_it_instead_of_posting_twice(api, make_post):
    api.post(
        f"{XRPC}/com.atproto.repo.createRecord",
        status=400,
        json={"error": "InvalidRequest", "message": "Record already exists"},
        match=[matchers.json_params_matcher(create_body())],
    )
    api.get(
        f"{XRPC}/com.atproto.repo.getRecord",
        json={"uri": URI, "cid": "bafyrei", "value": {"text": "Hello"}},
        match=[
            matchers.query_param_matcher(
                {"repo": DID, "collection": "app.bsky.feed.post", "rkey": RKEY}
            )
        ],
    )
    assert bluesky.publish(make_post("Hello", state=STATE), CREDS).external_id == URI


def test_a_refused_record_is_a_permanent_error_in_blueskys_words(api, make_post):
    api.post(
        f"{XRPC}/com.atproto.repo.createRecord",
        status=400,
        json={
            "error": "InvalidRequest",
            "message": "Record/text must not be longer than 300 graphemes",
        },
    )
    api.get(
        f"{XRPC}/com.atproto.repo.getRecord",
        status=400,
        json={"error": "RecordNotFound", "message": "Could not locate record"},
    )
    with pytest.raises(PermanentError) as refused:
        bluesky.publish(make_post("Hello", state=STATE), CREDS)
    assert refused.value.code == "InvalidRequest"
    assert refused.value.message == (
        "Bluesky refused the post (400 InvalidRequest: Record/text must not be longer than "
        "300 graphemes)"
    )


def test_a_429_waits_until_ratelimit_reset(api, make_post):
    reset = int(dt.datetime.now(dt.UTC).timestamp()) + 1800
    api.post(
        f"{XRPC}/com.atproto.repo.createRecord",
        status=429,
        json={"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        headers={
            "RateLimit-Limit": "5000",
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(reset),
            "RateLimit-Policy": "5000;w=3600",
        },
    )
    with pytest.raises(RateLimited) as limited:
        bluesky.publish(make_post("Hello", state=STATE), CREDS)
    assert limited.value.until == dt.datetime.fromtimestamp(reset, tz=dt.UTC)
    assert limited.value.message == (
        "Bluesky refused the post (429 RateLimitExceeded: Rate Limit Exceeded); 0 of 5000 "
        "requests left"
    )


@pytest.mark.parametrize(
    ("headers", "longest"),
    [
        ({"RateLimit-Reset": "99999999999"}, dt.timedelta(days=1)),
        (
            {"RateLimit-Reset": "99999999999", "RateLimit-Policy": "30;w=300"},
            dt.timedelta(minutes=5),
        ),
        ({"Retry-After": "120"}, dt.timedelta(seconds=120)),
    ],
)
def test_a_reset_past_the_policy_window_is_capped_there(api, make_post, headers, longest):
    api.post(
        f"{XRPC}/com.atproto.repo.createRecord",
        status=429,
        json={"error": "RateLimitExceeded"},
        headers=headers,
    )
    before = dt.datetime.now(dt.UTC)
    with pytest.raises(RateLimited) as limited:
        bluesky.publish(make_post("Hello", state=STATE), CREDS)
    assert before + longest - dt.timedelta(seconds=5) <= limited.value.until
    assert limited.value.until <= dt.datetime.now(dt.UTC) + longest


def test_an_expired_token_is_retried_after_a_refresh_and_an_invalid_one_needs_reconnecting(
    api, make_post
):
    api.post(
        f"{XRPC}/com.atproto.repo.createRecord",
        status=400,
        json={"error": "ExpiredToken", "message": "Token has expired"},
    )
    with pytest.raises(TransientError) as expired:
        bluesky.publish(make_post("Hello", state=STATE), CREDS)
    assert expired.value.code == "expired_token" and not expired.value.maybe_sent
    api.post(
        f"{XRPC}/com.atproto.repo.createRecord",
        status=401,
        json={"error": "InvalidToken", "message": "Token could not be verified"},
    )
    with pytest.raises(AuthError, match="InvalidToken: Token could not be verified"):
        bluesky.publish(make_post("Hello", state=STATE), CREDS)


def test_a_video_goes_in_a_video_embed_with_its_alt_text(api, make_post):
    blob = {"$type": "blob", "ref": {"$link": "bafkreivid"}, "mimeType": "video/mp4", "size": 900}
    post = make_post("", media=[("video", "clip.mp4", "video/mp4", 900)], state=STATE)
    post.media[0] = type(post.media[0])(**{**post.media[0].__dict__, "alt_text": "A demo"})
    api.post(
        f"{XRPC}/com.atproto.repo.uploadBlob",
        json={"blob": blob},
        match=[matchers.header_matcher({"Content-Type": "video/mp4"})],
    )
    api.post(
        f"{XRPC}/com.atproto.repo.createRecord",
        json={"uri": URI},
        match=[
            matchers.json_params_matcher(
                create_body(
                    {
                        "text": "",
                        "embed": {"$type": "app.bsky.embed.video", "video": blob, "alt": "A demo"},
                    }
                )
            )
        ],
    )
    assert bluesky.publish(post, CREDS).external_id == URI


def test_an_account_without_its_did_must_be_connected_again(make_post):
    with pytest.raises(AuthError, match="DID"):
        bluesky.publish(make_post("Hello"), credentials(account={}))


def test_langs_go_into_the_record(api, make_post):
    api.post(
        f"{XRPC}/com.atproto.repo.createRecord",
        json={"uri": URI},
        match=[matchers.json_params_matcher(create_body({"langs": ["en", "fr"]}))],
    )
    bluesky.publish(make_post("Hello", options={"langs": ["en", "fr"]}, state=STATE), CREDS)


# --- Validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "media", "problem"),
    [
        ("e\u0301" * 301, (), "Bluesky: the text is 301 graphemes; the limit is 300."),
        ("", (), "Bluesky: a post needs text or media."),
        (
            "hi",
            [("image", "a.png", "image/png", 10)] * 5,
            "Bluesky: at most 4 images per post (5 given).",
        ),
        (
            "hi",
            [("image", "a.png", "image/png", 10), ("video", "v.mp4", "video/mp4", 10)],
            "Bluesky: a post has images or one video, not both.",
        ),
        (
            "hi",
            [("image", "a.png", "image/png", 1_000_001)],
            "Bluesky: an image is 1,000,001 bytes; the limit is 1,000,000.",
        ),
        ("hi", [("video", "v.mov", "video/quicktime", 10)], "Bluesky: a video must be MP4"),
        ("hi", [("video", "v.mp4", "video/mp4", 10)] * 2, "Bluesky: at most 1 video per post"),
    ],
)
def test_validation_names_the_rule(make_post, body, media, problem):
    problems = bluesky.validate(make_post(body, media=media))
    assert any(p.startswith(problem) for p in problems), problems


def test_300_graphemes_of_several_code_points_each_are_fine(make_post):
    post = make_post("e\u0301" * 300, media=[("image", "a.png", "image/png", 1_000_000)] * 4)
    assert bluesky.validate(post) == []
    assert [(m.label, m.used, m.limit, m.unit) for m in bluesky.measure(post)] == [
        ("Post", 300, 300, "graphemes"),
        ("Media", 4, 4, "files"),
    ]
    video = make_post("", media=[("video", "v.mp4", "video/mp4", 10)] * 2)
    assert bluesky.measure(video)[1].limit == 1 and bluesky.measure(video)[1].over


# --- Reconcile ---------------------------------------------------------------------------------


def listing(*rkeys, cursor=None, text="Hello"):
    body = {
        "records": [
            {
                "uri": f"at://{DID}/app.bsky.feed.post/{k}",
                "cid": "c",
                "value": {"text": text, "createdAt": CREATED},
            }
            for k in rkeys
        ]
    }
    if cursor:
        body["cursor"] = cursor
    return body


def list_call(api, body):
    api.get(
        f"{XRPC}/com.atproto.repo.listRecords",
        json=body,
        match=[
            matchers.query_param_matcher(
                {"repo": DID, "collection": "app.bsky.feed.post", "limit": "100"}
            ),
            matchers.header_matcher(BEARER),
        ],
    )


def test_reconcile_finds_the_record_by_its_key(api, make_post):
    list_call(api, listing("3lbzgxkqjsk3c", RKEY, "3lbzgxkqjsk2a"))
    assert bluesky.reconcile(make_post("Hello", state=STATE), CREDS) == Published(
        URI, f"https://bsky.app/profile/herald.bsky.social/post/{RKEY}"
    )


def test_reconcile_says_not_sent_when_the_listing_reaches_past_the_key(api, make_post):
    list_call(api, listing("3lbzgxkqjsk3c", "3lbzgxkqjsk2a"))
    assert bluesky.reconcile(make_post("Hello", state=STATE), CREDS) is None


def test_reconcile_cannot_tell_when_a_full_page_stops_before_the_key(api, make_post):
    list_call(api, listing(*(["3lbzgxkqjsk4c"] * 100), cursor="3lbzgxkqjsk4c"))
    assert bluesky.reconcile(make_post("Hello", state=STATE), CREDS) is UNKNOWN


def test_reconcile_without_a_key_knows_nothing_was_sent(api, make_post):
    assert bluesky.reconcile(make_post("Hello"), CREDS) is None
    assert len(api.calls) == 0


# --- Sessions ----------------------------------------------------------------------------------


def test_refresh_replaces_both_tokens_and_reads_the_expiry_from_the_access_token(api):
    exp = int(dt.datetime(2026, 12, 1, 14, 0, tzinfo=dt.UTC).timestamp())
    access = jwt({"scope": "com.atproto.access", "sub": DID, "exp": exp})
    api.post(
        f"{XRPC}/com.atproto.server.refreshSession",
        json={"accessJwt": access, "refreshJwt": "new-refresh", "did": DID, "handle": "h.test"},
        match=[matchers.header_matcher({"Authorization": "Bearer old-refresh"})],
    )
    renewed = bluesky.refresh(credentials(refresh_token="old-refresh", account={"did": DID}))
    assert (renewed.access_token, renewed.refresh_token) == (access, "new-refresh")
    assert renewed.expires_at == dt.datetime(2026, 12, 1, 14, 0, tzinfo=dt.UTC)
    assert renewed.account == {"did": DID, "handle": "h.test"} and renewed.integration_id == 1


def test_a_refused_refresh_means_connecting_again(api):
    api.post(
        f"{XRPC}/com.atproto.server.refreshSession",
        status=400,
        json={"error": "ExpiredToken", "message": "Token has expired"},
    )
    with pytest.raises(AuthError, match="ExpiredToken: Token has expired"):
        bluesky.refresh(credentials(refresh_token="old", account={"did": DID}))
