import base64
import json

import pytest
import requests
from responses import matchers

from platforms.bluesky import oauth
from platforms.oauth import OAuthError
from tests.platforms.bluesky.conftest import XRPC
from tests.platforms.conftest import credentials

DID = "did:plc:alice"
PASSWORD = "abcd-efgh-ijkl-mnop"


def access_jwt(exp=2_000_000_000):
    claims = base64.urlsafe_b64encode(json.dumps({"exp": exp}).encode()).rstrip(b"=").decode()
    return f"eyJ0eXAiOiJKV1QifQ.{claims}.sig"


def session(**extra):
    return {
        "accessJwt": access_jwt(),
        "refreshJwt": "refresh-jwt",
        "did": DID,
        "handle": "alice.bsky.social",
        **extra,
    }


def test_an_app_password_becomes_a_session_and_is_not_kept(api):
    api.post(
        f"{XRPC}/com.atproto.server.createSession",
        json=session(),
        match=[
            matchers.json_params_matcher({"identifier": "alice.bsky.social", "password": PASSWORD})
        ],
    )
    grant, account = oauth.CONNECT_BY_HAND.connect(
        {"identifier": "@alice.bsky.social", "app_password": PASSWORD}
    )
    assert (grant.access_token, grant.refresh_token) == (access_jwt(), "refresh-jwt")
    assert grant.expires_at.timestamp() == 2_000_000_000
    assert PASSWORD not in repr(grant) and PASSWORD not in grant.secrets()
    assert (account.external_account_id, account.display_name, account.account_options) == (
        DID,
        "@alice.bsky.social",
        {"did": DID, "handle": "alice.bsky.social"},
    )


def test_a_refused_sign_in_says_why_and_suggests_an_app_password(api):
    api.post(
        f"{XRPC}/com.atproto.server.createSession",
        status=401,
        json={"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
    )
    with pytest.raises(OAuthError) as refused:
        oauth.connect_with_app_password({"identifier": "alice.bsky.social", "app_password": "main"})
    assert str(refused.value) == (
        "Bluesky refused the sign-in: Invalid identifier or password. Use an app password "
        "(Settings → Privacy and security → App passwords)."
    )
    assert not refused.value.transient


def test_a_rate_limited_or_unreachable_sign_in_is_transient(api):
    api.post(f"{XRPC}/com.atproto.server.createSession", status=429, json={})
    with pytest.raises(OAuthError, match="rate limiting") as limited:
        oauth.connect_with_app_password({"identifier": "a.test", "app_password": PASSWORD})
    assert limited.value.transient
    api.post(f"{XRPC}/com.atproto.server.createSession", body=requests.ConnectionError("refused"))
    with pytest.raises(OAuthError, match="could not be reached") as down:
        oauth.connect_with_app_password({"identifier": "a.test", "app_password": PASSWORD})
    assert down.value.transient


def test_both_fields_are_needed_before_any_call(api):
    with pytest.raises(OAuthError, match="handle and an app password"):
        oauth.connect_with_app_password({"identifier": "a.test", "app_password": ""})


def test_the_hand_connect_declares_a_secret_password_and_a_plain_identifier():
    fields = {f.name: f for f in oauth.CONNECT_BY_HAND.fields}
    assert set(fields) == {"identifier", "app_password"}
    assert fields["app_password"].secret and not fields["identifier"].secret
    assert oauth.CONNECT_BY_HAND.secrets({"identifier": "a", "app_password": "p"}) == ["p"]
    assert oauth.CONNECTS_BY_REDIRECT is False


def test_there_is_no_redirect_flow():
    with pytest.raises(OAuthError, match="app password"):
        oauth.authorization_url(state="s", redirect_uri="https://h.test/cb", code_challenge="")


def test_fetch_account_reads_the_session(api):
    api.get(
        f"{XRPC}/com.atproto.server.getSession",
        json={"did": DID, "handle": "alice.bsky.social"},
        match=[matchers.header_matcher({"Authorization": "Bearer tok-123"})],
    )
    account = oauth.fetch_account(credentials())
    assert account.external_account_id == DID


def test_revoke_ends_the_session_with_the_refresh_token(api):
    api.post(
        f"{XRPC}/com.atproto.server.deleteSession",
        match=[matchers.header_matcher({"Authorization": "Bearer the-refresh"})],
    )
    oauth.revoke(credentials(refresh_token="the-refresh"))
    assert oauth.can_refresh(credentials(refresh_token="the-refresh"), None)
