"""The Mastodon emulation: instance, apps, OAuth, media v2, statuses with idempotency, limits."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sandbox.models import SandboxPost
from sandbox.views.mastodon import account_id_for, client_secret_for

pytestmark = pytest.mark.django_db

BASE = "/sandbox/mastodon"
AUTH = {"HTTP_AUTHORIZATION": "Bearer sandbox-m-alice"}


def post_status(client, key="", **body):
    headers = {**AUTH, **({"HTTP_IDEMPOTENCY_KEY": key} if key else {})}
    return client.post(f"{BASE}/api/v1/statuses", body, content_type="application/json", **headers)


def upload(client, description="A heron"):
    image = SimpleUploadedFile("a.png", b"\x89PNG" + b"x" * 60, content_type="image/png")
    return client.post(f"{BASE}/api/v2/media", {"file": image, "description": description}, **AUTH)


def test_the_instance_publishes_its_limits_without_a_token(client):
    answer = client.get(f"{BASE}/api/v2/instance")
    assert answer.status_code == 200
    statuses = answer.json()["configuration"]["statuses"]
    assert statuses == {
        "max_characters": 500,
        "max_media_attachments": 4,
        "characters_reserved_per_url": 23,
    }


def test_a_status_is_created_with_its_options_and_rate_headers(client):
    answer = post_status(
        client, key="k-1", status="Hello <world>", visibility="unlisted", spoiler_text="cw"
    )
    assert answer.status_code == 200
    status = answer.json()
    assert status["content"] == "<p>Hello &lt;world&gt;</p>"
    assert status["visibility"] == "unlisted" and status["spoiler_text"] == "cw"
    assert status["account"]["id"] == account_id_for("m-alice")
    assert status["url"].endswith(f"/sandbox/mastodon/@m_alice/{status['id']}")
    assert answer["X-RateLimit-Limit"] == "300"
    assert answer["X-RateLimit-Remaining"] == "299"
    reset = dt.datetime.fromisoformat(answer["X-RateLimit-Reset"].replace("Z", "+00:00"))
    assert timezone.now() < reset <= timezone.now() + dt.timedelta(minutes=5)
    post = SandboxPost.objects.get(platform="mastodon")
    assert (post.text, post.nonce, post.account) == ("Hello <world>", "k-1", "m-alice")


def test_the_same_idempotency_key_answers_the_same_status_without_a_second_post(client):
    first = post_status(client, key="k-1", status="Once")
    again = post_status(client, key="k-1", status="Once")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert SandboxPost.objects.count() == 1
    # Another key is another status (Mastodon does not refuse repeated text).
    assert post_status(client, key="k-2", status="Once").json()["id"] != first.json()["id"]
    assert SandboxPost.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"status": ""}, "Validation failed: Text can't be blank"),
        ({"status": "a" * 501}, "Validation failed: Text character limit of 500 exceeded"),
        ({"status": "x", "visibility": "friends"}, "Visibility is not included in the list"),
        ({"status": "x", "media_ids": ["404"]}, "unknown or still processing"),
    ],
)
def test_a_status_the_server_refuses_is_a_422_with_an_error(client, body, error):
    answer = post_status(client, **body)
    assert answer.status_code == 422
    assert error in answer.json()["error"]
    assert not SandboxPost.objects.exists()


def test_a_url_counts_as_23_characters(client):
    text = "a" * 470 + " https://example.com/" + "p" * 100
    assert post_status(client, status=text).status_code == 200


def test_media_is_accepted_with_202_then_processed_and_attached(client):
    answer = upload(client)
    assert answer.status_code == 202
    attachment = answer.json()
    assert attachment["url"] is None and attachment["type"] == "image"
    assert attachment["description"] == "A heron"
    # Not processed yet: a status may not use it.
    refused = post_status(client, status="x", media_ids=[attachment["id"]])
    assert refused.status_code == 422
    polled = client.get(f"{BASE}/api/v1/media/{attachment['id']}", **AUTH)
    assert polled.status_code == 200 and polled.json()["url"]
    status = post_status(client, status="Look", media_ids=[attachment["id"]]).json()
    assert status["media_attachments"] == [
        {"id": attachment["id"], "type": "image", "description": "A heron"}
    ]
    assert SandboxPost.objects.get().media[0]["size"] == 64


def test_anothers_media_is_not_found(client):
    media_id = upload(client).json()["id"]
    answer = client.get(
        f"{BASE}/api/v1/media/{media_id}", HTTP_AUTHORIZATION="Bearer sandbox-m-bob"
    )
    assert answer.status_code == 404 and answer.json() == {"error": "Record not found"}


def test_without_a_token_every_account_call_is_a_401(client):
    for method, path in [
        ("post", "/api/v1/statuses"),
        ("get", "/api/v1/accounts/verify_credentials"),
        ("post", "/api/v2/media"),
        ("get", "/api/v1/statuses/1"),
    ]:
        answer = getattr(client, method)(f"{BASE}{path}", HTTP_AUTHORIZATION="Bearer nope")
        assert answer.status_code == 401, path
        assert answer.json() == {"error": "The access token is invalid"}
        assert "X-RateLimit-Reset" in answer


def test_the_account_window_answers_429_when_spent(client, settings):
    settings.SANDBOX_RATE_LIMITS = {"mastodon": (1, 300)}
    assert post_status(client, status="one").status_code == 200
    answer = post_status(client, status="two")
    assert answer.status_code == 429
    assert answer.json() == {"error": "Too many requests"}
    assert answer["X-RateLimit-Remaining"] == "0"


def test_media_uploads_have_their_own_window(client, settings):
    settings.SANDBOX_RATE_LIMITS = {"mastodon_media": (1, 1800)}
    assert upload(client).status_code == 202
    assert upload(client).status_code == 429
    assert post_status(client, status="text still goes").status_code == 200


def test_a_status_and_the_accounts_statuses_are_read_back_with_counts(client):
    ids = [post_status(client, status=f"n{i}").json()["id"] for i in range(3)]
    one = client.get(f"{BASE}/api/v1/statuses/{ids[0]}", **AUTH).json()
    assert {"favourites_count", "reblogs_count", "replies_count"} <= set(one)
    listed = client.get(
        f"{BASE}/api/v1/accounts/{account_id_for('m-alice')}/statuses", {"limit": 2}, **AUTH
    ).json()
    assert [s["id"] for s in listed] == [ids[2], ids[1]]
    assert client.get(f"{BASE}/api/v1/statuses/999", **AUTH).status_code == 404


def test_verify_credentials_names_the_account(client):
    answer = client.get(f"{BASE}/api/v1/accounts/verify_credentials", **AUTH).json()
    assert answer["id"] == account_id_for("m-alice")
    assert answer["username"] == "m_alice"


def test_apps_register_a_client_whose_secret_the_token_endpoint_checks(client):
    answer = client.post(
        f"{BASE}/api/v1/apps",
        {"client_name": "Herald", "redirect_uris": "https://herald.test/cb", "scopes": "read"},
    )
    assert answer.status_code == 200
    app = answer.json()
    assert app["client_secret"] == client_secret_for(app["client_id"])
    assert app["redirect_uris"] == ["https://herald.test/cb"]
    missing = client.post(f"{BASE}/api/v1/apps", {"client_name": "Herald"})
    assert missing.status_code == 422
    wrong = client.post(
        f"{BASE}/oauth/token",
        {
            "grant_type": "authorization_code",
            "code": "x",
            "client_id": app["client_id"],
            "client_secret": "guess",
            "redirect_uri": "https://herald.test/cb",
        },
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    revoke = client.post(
        f"{BASE}/oauth/revoke",
        {"client_id": app["client_id"], "client_secret": "guess", "token": "t"},
    )
    assert revoke.status_code == 403


def test_the_consent_page_gives_a_code_the_token_endpoint_redeems_once(client):
    app = client.post(
        f"{BASE}/api/v1/apps",
        {"client_name": "Herald", "redirect_uris": "https://herald.test/cb"},
    ).json()
    query = {
        "client_id": app["client_id"],
        "redirect_uri": "https://herald.test/cb",
        "response_type": "code",
        "state": "st",
        "scope": "read:accounts write:statuses",
    }
    page = client.get(f"{BASE}/oauth/authorize", query)
    assert page.status_code == 200 and "Authorize app" in page.content.decode()
    allowed = client.post(
        f"{BASE}/oauth/authorize?" + "&".join(f"{k}={v}" for k, v in query.items()),
        {"decision": "allow", "account": "m-carol"},
    )
    code = parse_qs(urlsplit(allowed["Location"]).query)["code"][0]
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "redirect_uri": "https://herald.test/cb",
    }
    answer = client.post(f"{BASE}/oauth/token", exchange)
    assert answer.status_code == 200
    token = answer.json()
    assert token["access_token"].startswith("sandbox-m-carol.")
    assert "expires_in" not in token and "refresh_token" not in token
    assert client.post(f"{BASE}/oauth/token", exchange).json()["error"] == "invalid_grant"
    revoked = client.post(
        f"{BASE}/oauth/revoke",
        {
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "token": token["access_token"],
        },
    )
    assert revoked.status_code == 200 and revoked.json() == {}


def test_an_outage_stores_nothing(client, settings):
    settings.SANDBOX_FAILURE_RATE = 1
    answer = post_status(client, key="k", status="x")
    assert answer.status_code == 503
    assert not SandboxPost.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_maintained_client_library_speaks_to_the_emulation(live_server, tmp_path):
    """Mastodon.py, the maintained Python client, against the live emulation."""
    from mastodon import Mastodon

    base = f"{live_server.url}{BASE}"
    client_id, client_secret = Mastodon.create_app(
        "Herald", api_base_url=base, redirect_uris="https://herald.test/cb", scopes=["read"]
    )
    assert client_secret == client_secret_for(client_id)
    api = Mastodon(
        access_token="sandbox-m-lib",
        api_base_url=base,
        version_check_mode="none",
        ratelimit_method="throw",
    )
    assert api.account_verify_credentials()["username"] == "m_lib"
    image = tmp_path / "a.png"
    image.write_bytes(b"\x89PNG" + b"x" * 60)
    media = api.media_post(str(image), mime_type="image/png", description="Alt", synchronous=True)
    assert media["url"]
    status = api.status_post(
        "From the library", media_ids=[media["id"]], visibility="private", idempotency_key="lib-1"
    )
    again = api.status_post("From the library", media_ids=[media["id"]], idempotency_key="lib-1")
    assert again["id"] == status["id"]
    assert SandboxPost.objects.get().raw_request["visibility"] == "private"
    assert api.status(status["id"])["replies_count"] >= 0
    listed = api.account_statuses(account_id_for("m-lib"))
    assert [s["id"] for s in listed] == [status["id"]]
    assert api.ratelimit_limit == 300
