"""Every connect flow end to end, offline: Herald -> sandbox consent page -> callback -> post.

Each browser is a ``requests.Session``: it keeps the cookie Herald's start URL sets,
as a browser does, and sends it back to the callback.
"""

import datetime as dt
import re

import pytest
import requests
from django.utils import timezone

from content.choices import Status
from integrations.models import Integration
from integrations.oauth.flow import start_connect
from integrations.services import revoke_integration
from publishing.models import Publication
from publishing.services import Target, schedule_content
from sandbox.models import SandboxPost
from tests.engine_run import drain
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def plain_http_cookies(settings):
    """The live server speaks plain HTTP: a Secure cookie would never come back."""
    settings.SESSION_COOKIE_SECURE = False


def open_consent_page(start_url: str, browser: requests.Session) -> requests.Response:
    """Open Herald's start URL: it binds this browser and sends it on to the consent page."""
    page = browser.get(start_url, timeout=10)
    assert page.status_code == 200 and "Authorize app" in page.text, page.text
    assert page.history[0].status_code == 302  # Herald's redirect, with the flow's cookie
    return page


def consent(
    start_url: str, decision: str, browser: requests.Session | None = None, **fields
) -> requests.Response:
    """Open the start URL, then press a button on the consent page; the callback's answer."""
    browser = browser or requests.Session()
    page = open_consent_page(start_url, browser)
    answer = browser.post(
        page.url, data={"decision": decision, **fields}, allow_redirects=False, timeout=10
    )
    assert answer.status_code == 302
    return browser.get(answer.headers["Location"], timeout=30)


@pytest.mark.parametrize(
    ("provider", "account", "display_name"),
    [
        ("twitter", "x-brand", "@x_brand"),
        ("youtube", "yt-brand", "yt-brand channel"),
        ("instagram", "ig-brand", "@ig-brand"),
        ("discord", "discord-brand", "Herald #releases"),
    ],
)
def test_connect_flow_runs_end_to_end_against_the_sandbox(sandbox, provider, account, display_name):
    user = UserFactory()
    url = start_connect(user=user, provider=provider)
    result = consent(url, "allow", account=account, channel="releases")
    assert result.status_code == 200, result.text
    assert "Account connected" in result.text
    integration = Integration.objects.get(user=user, provider=provider)
    assert integration.display_name == display_name
    assert integration.status == Integration.Status.ACTIVE
    assert integration.access_token or integration.webhook_url
    # Connecting the same account again updates it: still one row, new tokens.
    first_token = integration.access_token
    again = start_connect(user=user, provider=provider)
    result = consent(again, "allow", account=account, channel="releases")
    assert result.status_code == 200, result.text
    assert Integration.objects.filter(user=user, provider=provider).count() == 1
    integration.refresh_from_db()
    assert integration.access_token != first_token
    # Revoking reaches the sandbox's revoke endpoint where the platform has one.
    revoked = revoke_integration(integration)
    assert "failed" not in revoked.platform_message
    assert Integration.objects.get(pk=integration.pk).status == Integration.Status.REVOKED


@pytest.mark.parametrize(("provider", "account"), [("twitter", "x-live"), ("discord", "dc-live")])
def test_a_connected_account_publishes_through_the_engine(sandbox, provider, account):
    user = UserFactory()
    consent(start_connect(user=user, provider=provider), "allow", account=account)
    integration = Integration.objects.get(user=user)
    schedule_content(
        owner=user,
        body=f"First post through the connected {provider} account",
        targets=[Target(provider, integration)],
        scheduled_for=timezone.now() - dt.timedelta(seconds=1),
    )
    drain()
    publication = Publication.objects.get()
    assert publication.status == Status.PUBLISHED, publication.last_error
    post = SandboxPost.objects.get()
    assert post.text == f"First post through the connected {provider} account"
    assert publication.external_id == post.external_id


def test_denying_access_on_the_consent_page_is_shown_in_words(sandbox):
    user = UserFactory()
    result = consent(start_connect(user=user, provider="twitter"), "deny")
    assert result.status_code == 400
    assert "Access was denied on X, so no account was connected." in result.text
    assert Integration.objects.count() == 0


def test_a_forged_state_is_refused_with_a_clear_page(sandbox):
    user = UserFactory()
    browser = requests.Session()
    page = open_consent_page(start_connect(user=user, provider="twitter"), browser)
    answer = browser.post(page.url, data={"decision": "allow"}, allow_redirects=False, timeout=10)
    forged = re.sub(r"state=[^&]+", "state=forged", answer.headers["Location"])
    result = browser.get(forged, timeout=10)
    assert result.status_code == 400
    assert "could not be verified" in result.text
    assert Integration.objects.count() == 0


def test_a_flow_runs_only_in_the_browser_that_opened_it(sandbox):
    """A link someone else started cannot connect another person's account to them."""
    owner = UserFactory()
    start_url = start_connect(user=owner, provider="twitter")
    first, second = requests.Session(), requests.Session()
    page = open_consent_page(start_url, first)
    # The start URL in a second browser (not logged in to Herald) is refused.
    refused = second.get(start_url, timeout=10)
    assert refused.status_code == 400 and "could not be verified" in refused.text
    # So is the consent page's answer (the callback with a valid state and code) there.
    answer = first.post(
        page.url,
        data={"decision": "allow", "account": "someone-else"},
        allow_redirects=False,
        timeout=10,
    )
    callback = answer.headers["Location"]
    refused = second.get(callback, timeout=30)
    assert refused.status_code == 400 and "could not be verified" in refused.text
    assert Integration.objects.count() == 0
    # The browser that opened it completes the flow, and its cookie is gone afterwards.
    result = first.get(callback, timeout=30)
    assert result.status_code == 200 and "Account connected" in result.text, result.text
    assert Integration.objects.get().user == owner
    assert not [cookie for cookie in first.cookies if cookie.name.startswith("herald_oauth_")]
