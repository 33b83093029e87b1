import datetime as dt

import pytest
import requests
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
from platforms.mastodon import client as mastodon
from tests.platforms.conftest import credentials
from tests.platforms.mastodon.conftest import SERVER, instance_answer

STATUSES = f"{SERVER}/api/v1/statuses"
MEDIA = f"{SERVER}/api/v2/media"
INSTANCE = f"{SERVER}/api/v2/instance"
ACCOUNT = {"server": SERVER, "account_id": "1091", "username": "herald"}
CREDS = credentials(account=ACCOUNT)
KEY = "7-mastodon-1700000000"


def status(status_id="1101", url=f"{SERVER}/@herald/1101", **extra):
    return {"id": status_id, "url": url, "content": "<p>Hello</p>", **extra}


@pytest.fixture
def no_sleep(monkeypatch):
    pauses = []
    monkeypatch.setattr(mastodon, "sleep", pauses.append)
    return pauses


# --- Publishing ----------------------------------------------------------------------------


def test_a_status_is_posted_with_its_options_and_the_idempotency_key(api, make_post):
    api.post(
        STATUSES,
        json=status(),
        match=[
            matchers.json_params_matcher(
                {
                    "status": "Hello",
                    "visibility": "unlisted",
                    "spoiler_text": "cw",
                    "sensitive": True,
                    "language": "en",
                }
            ),
            matchers.header_matcher(
                {
                    "Authorization": "Bearer tok-123",
                    "Idempotency-Key": KEY,
                    "User-Agent": "Herald/test",
                }
            ),
        ],
    )
    options = {"visibility": "unlisted", "spoiler_text": "cw", "sensitive": True, "language": "en"}
    post = make_post("Hello", options=options, key=KEY)
    assert mastodon.publish(post, CREDS) == Published("1101", f"{SERVER}/@herald/1101")
    assert [sorted(c) for c in post.checkpoint] == [["first_sent_at"], ["status_id", "url"]]
    assert post.checkpoint[1] == {"status_id": "1101", "url": f"{SERVER}/@herald/1101"}


def test_the_text_override_is_not_sent_as_a_parameter(api, make_post):
    api.post(STATUSES, json=status(), match=[matchers.json_params_matcher({"status": "Own"})])
    post = make_post("Own", options={"text": "Own"})
    assert mastodon.publish(post, CREDS).external_id == "1101"


def test_an_image_is_uploaded_with_its_alt_text_and_polled_until_processed(
    api, make_post, no_sleep
):
    api.post(
        MEDIA,
        status=202,
        json={"id": "55", "type": "image", "url": None},
        match=[matchers.header_matcher({"Authorization": "Bearer tok-123"})],
    )
    api.get(f"{SERVER}/api/v1/media/55", status=206, json={"id": "55", "url": None})
    api.get(f"{SERVER}/api/v1/media/55", json={"id": "55", "url": f"{SERVER}/m/55.png"})
    api.post(
        STATUSES,
        json=status(),
        match=[matchers.json_params_matcher({"status": "Look", "media_ids": ["55"]})],
    )
    post = make_post("Look", media=[("image", "a.png", "image/png", 300)])
    post.media[0] = type(post.media[0])(**{**post.media[0].__dict__, "alt_text": "A heron"})
    assert mastodon.publish(post, CREDS).external_id == "1101"
    upload = api.calls[0].request
    assert upload.headers["Content-Type"].startswith("multipart/form-data")
    assert b'name="description"' in upload.body and b"A heron" in upload.body
    assert b'name="file"; filename="a.png"' in upload.body
    assert b"Content-Type: image/png" in upload.body
    assert no_sleep == [1, 1]
    assert post.checkpoint[0] == {"media_ids": ["55"]}


def test_media_already_uploaded_is_not_uploaded_again(api, make_post):
    api.post(
        STATUSES,
        json=status(),
        match=[matchers.json_params_matcher({"status": "Again", "media_ids": ["55"]})],
    )
    post = make_post(
        "Again", media=[("image", "a.png", "image/png", 10)], state={"media_ids": ["55"]}
    )
    assert mastodon.publish(post, CREDS).external_id == "1101"


def test_media_processing_has_a_bound(api, make_post, no_sleep, monkeypatch):
    monkeypatch.setattr(mastodon, "MAX_MEDIA_POLLS", 2)
    api.post(MEDIA, status=202, json={"id": "55", "url": None})
    api.get(f"{SERVER}/api/v1/media/55", status=206, json={"id": "55", "url": None})
    api.get(f"{SERVER}/api/v1/media/55", status=206, json={"id": "55", "url": None})
    post = make_post("Slow", media=[("video", "v.mp4", "video/mp4", 10)])
    with pytest.raises(PermanentError, match="too long") as raised:
        mastodon.publish(post, CREDS)
    assert raised.value.code == "media_timeout"


def test_a_refused_status_is_permanent_with_the_servers_words(api, make_post):
    api.post(
        STATUSES,
        status=422,
        json={"error": "Validation failed: Text character limit of 500 exceeded"},
    )
    with pytest.raises(PermanentError) as raised:
        mastodon.publish(make_post("x"), CREDS)
    assert raised.value.message == (
        "Mastodon answered 422: Validation failed: Text character limit of 500 exceeded"
    )
    assert raised.value.code == "validation_failed"


@pytest.mark.parametrize("code", [401, 403])
def test_a_refused_token_is_an_auth_error(api, make_post, code):
    api.post(STATUSES, status=code, json={"error": "The access token is invalid"})
    with pytest.raises(AuthError, match="The access token is invalid"):
        mastodon.publish(make_post("x"), CREDS)


def test_a_429_waits_until_the_iso_reset(api, make_post):
    reset = (timezone.now() + dt.timedelta(minutes=3)).replace(microsecond=0)
    api.post(
        STATUSES,
        status=429,
        json={"error": "Too many requests"},
        headers={
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": reset.isoformat().replace("+00:00", "Z"),
        },
    )
    with pytest.raises(RateLimited) as raised:
        mastodon.publish(make_post("x"), CREDS)
    assert raised.value.until == reset


@pytest.mark.parametrize("header", ["", "soon", "2031-13-45T00:00:00Z"])
def test_a_429_without_a_usable_reset_waits_one_window(api, make_post, header):
    api.post(STATUSES, status=429, json={}, headers={"X-RateLimit-Reset": header})
    before = timezone.now()
    with pytest.raises(RateLimited) as raised:
        mastodon.publish(make_post("x"), CREDS)
    assert (
        before + dt.timedelta(minutes=5)
        <= raised.value.until
        <= timezone.now() + dt.timedelta(minutes=5)
    )


def test_a_reset_years_away_is_capped_at_a_day(api, make_post):
    api.post(STATUSES, status=429, json={}, headers={"X-RateLimit-Reset": "2099-01-01T00:00:00Z"})
    with pytest.raises(RateLimited) as raised:
        mastodon.publish(make_post("x"), CREDS)
    assert raised.value.until <= timezone.now() + dt.timedelta(days=1)


def test_a_server_error_is_transient(api, make_post):
    api.post(STATUSES, status=503, json={"error": "Service Unavailable"})
    with pytest.raises(TransientError):
        mastodon.publish(make_post("x"), CREDS)


def test_an_account_without_a_usable_server_fails_before_any_request(api, make_post):
    creds = credentials(account={"server": "http://169.254.169.254"})
    with pytest.raises(PermanentError, match="server is not usable") as raised:
        mastodon.publish(make_post("x"), creds)
    assert raised.value.code == "bad_server"


def test_tokens_cannot_be_refreshed():
    with pytest.raises(AuthError, match="connect the account again"):
        mastodon.refresh(CREDS)


# --- Validation ---------------------------------------------------------------------------


def test_the_servers_own_limit_is_used_and_kept_for_an_hour(api, make_post):
    api.get(INSTANCE, json=instance_answer(max_characters=1000))
    post = make_post("a" * 900)
    post.account = ACCOUNT
    assert mastodon.validate(post) == []
    assert mastodon.validate(post) == []  # the second check asks nobody
    assert len(api.calls) == 1
    post.body = "a" * 1001
    assert mastodon.validate(post) == [
        "Mastodon: the status and its content warning are 1001 characters; the server's "
        "limit is 1000."
    ]


def test_an_unreadable_server_means_mastodons_default_of_500(api, make_post):
    api.get(INSTANCE, status=404, json={"error": "Not found"})
    post = make_post("a" * 501)
    post.account = ACCOUNT
    assert mastodon.validate(post) == [
        "Mastodon: the status and its content warning are 501 characters; the server's "
        "limit is 500."
    ]
    # Kept a few minutes: a server that is down does not cost every check a timeout.
    mastodon.validate(post)
    assert len(api.calls) == 1


def test_an_unreachable_server_means_the_defaults_too(api, make_post):
    api.get(INSTANCE, body=requests.ConnectionError("refused"))
    post = make_post("a" * 400)
    post.account = ACCOUNT
    assert mastodon.validate(post) == []


def test_without_an_account_the_defaults_apply_without_a_request(api, make_post):
    assert mastodon.measure(make_post("Hi")) == [
        mastodon.Measure("Status", 2, 500, "characters"),
        mastodon.Measure("Media", 0, 4, "files"),
    ]


def test_urls_count_as_23_and_the_content_warning_counts_too(api, make_post):
    text = "see https://example.com/" + "p" * 200 + " now"
    post = make_post(text, options={"spoiler_text": "spoil"})
    assert mastodon.measure(post)[0].used == len("see ") + 23 + len(" now") + 5


def test_joined_emoji_and_combining_marks_count_once():
    assert mastodon.character_count("e\u0301") == 1
    assert mastodon.character_count("\U0001f469\u200d\U0001f4bb") == 1
    assert mastodon.character_count("\u2764\ufe0f") == 1


def test_media_rules(make_post):
    five = [("image", f"{i}.png", "image/png", 10) for i in range(5)]
    assert mastodon.validate(make_post("x", media=five)) == [
        "Mastodon: at most 4 media per status (5 given)."
    ]
    mixed = [("video", "v.mp4", "video/mp4", 10), ("image", "a.png", "image/png", 10)]
    assert mastodon.validate(make_post("x", media=mixed)) == [
        "Mastodon: a video must be the only media of a status."
    ]
    assert mastodon.validate(make_post("  ")) == ["Mastodon: a status needs text or media."]


# --- Reconcile ------------------------------------------------------------------------------


def test_a_recorded_status_is_the_answer(api, make_post):
    post = make_post("x", state={"status_id": "9", "url": f"{SERVER}/@herald/9"})
    assert mastodon.reconcile(post, CREDS) == Published("9", f"{SERVER}/@herald/9")


def test_within_the_idempotency_window_a_resend_is_safe(api, make_post):
    sent = (timezone.now() - dt.timedelta(minutes=20)).isoformat()
    assert mastodon.reconcile(make_post("x", state={"first_sent_at": sent}), CREDS) is None


def test_beyond_the_window_the_recent_statuses_are_read(api, make_post):
    sent = (timezone.now() - dt.timedelta(hours=2)).isoformat()
    api.get(
        f"{SERVER}/api/v1/accounts/1091/statuses",
        match=[
            matchers.query_param_matcher({"limit": "40", "exclude_reblogs": "true"}),
            matchers.header_matcher({"Authorization": "Bearer tok-123"}),
        ],
        json=[
            status("3", content="<p>Other</p>"),
            status("2", url=f"{SERVER}/@herald/2", content="<p>Hello &amp; bye<br>again</p>"),
        ],
    )
    post = make_post("Hello & bye\nagain", state={"first_sent_at": sent})
    assert mastodon.reconcile(post, CREDS) == Published("2", f"{SERVER}/@herald/2")


def test_not_found_on_a_short_page_means_not_sent(api, make_post):
    api.get(f"{SERVER}/api/v1/accounts/1091/statuses", json=[status("3", content="<p>Other</p>")])
    assert mastodon.reconcile(make_post("Hello"), CREDS) is None


def test_not_found_on_a_full_page_cannot_tell(api, make_post):
    page = [status(str(i), content="<p>Other</p>") for i in range(40)]
    api.get(f"{SERVER}/api/v1/accounts/1091/statuses", json=page)
    assert mastodon.reconcile(make_post("Hello"), CREDS) is UNKNOWN


def test_without_a_stored_account_id_it_is_asked_first(api, make_post):
    api.get(f"{SERVER}/api/v1/accounts/verify_credentials", json={"id": "77", "username": "h"})
    api.get(f"{SERVER}/api/v1/accounts/77/statuses", json=[])
    creds = credentials(account={"server": SERVER})
    assert mastodon.reconcile(make_post("Hello"), creds) is None


# --- Redirects --------------------------------------------------------------------------------


def test_a_redirect_is_never_followed(api, make_post):
    api.post(STATUSES, status=302, headers={"Location": "http://169.254.169.254/latest"})
    with pytest.raises(PermanentError, match="a redirect, which Herald does not follow") as raised:
        mastodon.publish(make_post("x"), CREDS)
    assert raised.value.code == "redirect"
    assert len(api.calls) == 1


def test_a_redirected_instance_answer_means_the_defaults(api, make_post):
    api.get(INSTANCE, status=301, headers={"Location": "http://10.0.0.1/api/v2/instance"})
    post = make_post("a" * 501)
    post.account = ACCOUNT
    assert mastodon.measure(post)[0].limit == 500
    assert len(api.calls) == 1
