"""A fifth platform that exists only in tests: its descriptor, client, provider and options.

Everything Herald knows about it comes from ``PIGEON``, registered for a test's
duration with ``registry.registered``.
"""

from __future__ import annotations

from rest_framework import serializers

from platforms.base import Credentials, Post, Published
from platforms.descriptor import ClientSetting, Endpoint, LegacyColumns, Limits, Platform
from platforms.oauth import ConnectedAccount
from platforms.options import StrictSerializer

PIGEON = Platform(
    value="pigeon",
    label="Pigeon Post",
    client="tests.platforms.pigeon",
    oauth="tests.platforms.pigeon",
    options="tests.platforms.pigeon.PigeonOptions",
    limits=Limits(max_text=40, max_media=0, rate_limit=(3, 600)),
    api_urls=(Endpoint("pigeon", "PIGEON_API_BASE_URL", "https://api.pigeon.example", "pigeon"),),
    authorize_url=Endpoint(
        "pigeon", "PIGEON_AUTHORIZE_URL", "https://pigeon.example/authorize", "pigeon/authorize"
    ),
    client_settings=(ClientSetting("PIGEON_CLIENT_ID"),),
    legacy_columns=LegacyColumns(),
)

# The client.
LABEL = PIGEON.label


def validate(post: Post) -> list[str]:
    problems = []
    if len(post.body) > PIGEON.limits.max_text:
        problems.append(
            f"Pigeon Post: the message is {len(post.body)} characters; "
            f"the limit is {PIGEON.limits.max_text}."
        )
    if len(post.media) > PIGEON.limits.max_media:
        problems.append("Pigeon Post: a pigeon carries no media.")
    return problems


def publish(post: Post, credentials: Credentials) -> Published:
    return Published(f"pigeon-{post.publication_id}")


def reconcile(post: Post, credentials: Credentials):
    return None


def refresh(credentials: Credentials) -> Credentials:
    return credentials


# The OAuth provider.
NAME = PIGEON.label
USES_PKCE = False


def authorization_url(*, state: str, redirect_uri: str, code_challenge: str) -> str:
    return f"https://pigeon.example/authorize?state={state}"


def exchange_code(*, code: str, redirect_uri: str, code_verifier: str) -> Credentials:
    return Credentials(access_token=f"token-for-{code}")


def fetch_account(grant: Credentials) -> ConnectedAccount:
    return ConnectedAccount(external_account_id="loft-1", display_name="The loft")


revoke = None


def can_refresh(grant: Credentials, now) -> bool:
    return False


# The options.
class PigeonOptions(StrictSerializer):
    ring = serializers.ChoiceField(choices=("blue", "red"), required=False)
