"""The sandbox's OAuth refresh grants answer no scope beyond the original grant (RFC 6749 §6)."""

import base64
import hashlib
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

pytestmark = pytest.mark.django_db

REDIRECT_URI = "http://testserver/integrations/callback"
VERIFIER = "a-code-verifier-long-enough-for-the-sandbox-0123456789"
X_GRANT = "tweet.read tweet.write offline.access"
X_TOKEN = "/sandbox/x/2/oauth2/token"
READONLY = "https://www.googleapis.com/auth/youtube.readonly"
UPLOAD = "https://www.googleapis.com/auth/youtube.upload"
GOOGLE_TOKEN = "/sandbox/google-oauth/token"


def consent(client, authorize_path, scope, **extra):
    """Allow the consent page and return the authorization code it redirects with."""
    query = {
        "client_id": "herald",
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "state": "s",
        "scope": scope,
        **extra,
    }
    response = client.post(f"{authorize_path}?{urlencode(query)}", {"decision": "allow"})
    assert response.status_code == 302
    return parse_qs(urlparse(response["Location"]).query)["code"][0]


def x_tokens(client, scope=X_GRANT):
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
    )
    code = consent(
        client,
        "/sandbox/x/i/oauth2/authorize",
        scope,
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    response = client.post(
        X_TOKEN,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": "herald",
            "code_verifier": VERIFIER,
        },
    )
    assert response.status_code == 200
    assert response.json()["scope"] == scope
    return response.json()


def x_refresh(client, refresh_token, **extra):
    return client.post(
        X_TOKEN,
        {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": "herald"}
        | extra,
    )


def google_tokens(client, scope):
    code = consent(client, "/sandbox/google-accounts/o/oauth2/v2/auth", scope)
    response = client.post(
        GOOGLE_TOKEN,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": "herald",
            "client_secret": "secret",
        },
    )
    assert response.status_code == 200
    return response.json()


def google_refresh(client, refresh_token, **extra):
    return client.post(
        GOOGLE_TOKEN,
        {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": "herald",
            "client_secret": "secret",
        }
        | extra,
    )


def test_x_refresh_answers_the_granted_scopes_not_more(client):
    tokens = x_tokens(client)

    first = x_refresh(client, tokens["refresh_token"])
    assert first.status_code == 200
    assert first.json()["scope"] == X_GRANT

    # The rotated refresh token still stands for the same grant.
    second = x_refresh(client, first.json()["refresh_token"])
    assert second.status_code == 200
    assert second.json()["scope"] == X_GRANT


def test_x_refresh_may_narrow_the_scope_and_keeps_the_grant(client):
    tokens = x_tokens(client)

    narrowed = x_refresh(client, tokens["refresh_token"], scope="offline.access tweet.read")
    assert narrowed.status_code == 200
    assert narrowed.json()["scope"] == "tweet.read offline.access"

    again = x_refresh(client, narrowed.json()["refresh_token"])
    assert again.json()["scope"] == X_GRANT


def test_x_refresh_asking_beyond_the_grant_is_invalid_scope(client):
    tokens = x_tokens(client)

    response = x_refresh(client, tokens["refresh_token"], scope="tweet.read media.write")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"
    assert "media.write" in response.json()["error_description"]
    assert "X-Rate-Limit-Limit" in response


def test_x_refresh_token_with_a_forged_grant_is_refused(client):
    tokens = x_tokens(client)
    forged = tokens["refresh_token"].rsplit(":", 1)[0] + ":forged"

    response = x_refresh(client, forged)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_google_refresh_answers_the_granted_scope(client):
    tokens = google_tokens(client, READONLY)

    response = google_refresh(client, tokens["refresh_token"])

    assert response.status_code == 200
    assert response.json()["scope"] == READONLY


def test_google_refresh_may_narrow_but_not_widen(client):
    tokens = google_tokens(client, f"{READONLY} {UPLOAD}")

    narrowed = google_refresh(client, tokens["refresh_token"], scope=UPLOAD)
    assert narrowed.status_code == 200
    assert narrowed.json()["scope"] == UPLOAD

    widened = google_refresh(
        client, tokens["refresh_token"], scope=f"{UPLOAD} https://www.googleapis.com/auth/youtube"
    )
    assert widened.status_code == 400
    assert widened.json()["error"] == "invalid_scope"
