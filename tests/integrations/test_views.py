"""The connect pages and the admin actions, through Django's test client."""

import hashlib
from http.cookies import Morsel

import pytest
from django.test import Client
from django.urls import reverse

from content.choices import Status
from integrations.models import Integration, OAuthState
from integrations.oauth.flow import start_connect
from publishing import holds
from tests.factories import IntegrationFactory, PublicationFactory, UserFactory
from tests.integrations.hosts import SITE, X_API

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, operator):
    client.force_login(operator)
    return client


def test_the_connect_page_lists_every_provider_and_says_which_are_not_configured(
    staff_client, settings
):
    settings.X_CLIENT_ID = "x-client"
    settings.GOOGLE_CLIENT_ID = ""
    page = staff_client.get(reverse("integrations:connect"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Connect X" in text
    assert "not configured: set GOOGLE_CLIENT_ID" in text
    assert "Connect YouTube" not in text


def test_the_connect_page_needs_a_staff_login(client):
    client.force_login(UserFactory())
    page = client.get(reverse("integrations:connect"))
    assert page.status_code == 302 and "/admin/login/" in page["Location"]


def test_connect_sends_the_browser_to_the_provider_with_a_state(staff_client, settings, operator):
    settings.X_CLIENT_ID = "x-client"
    settings.OAUTH_AUTHORIZE_URLS = {
        **settings.OAUTH_AUTHORIZE_URLS,
        "twitter": "https://x.test/i/oauth2/authorize",
    }
    answer = staff_client.post(reverse("integrations:connect-start", args=["twitter"]))
    assert answer.status_code == 302
    state = OAuthState.objects.get()
    assert state.user == operator
    assert answer["Location"].startswith("https://x.test/i/oauth2/authorize?")
    assert f"state={state.state}" in answer["Location"]
    assert state.return_to == reverse("admin:integrations_integration_changelist")
    # The operator's browser is bound at once: it holds the flow's cookie.
    (cookie,) = [c for name, c in answer.cookies.items() if name.startswith("herald_oauth_")]
    assert state.browser_binding == hashlib.sha256(cookie.value.encode()).hexdigest()


# --- The browser binding (the start URL, the cookie, the callback) ------------------------


def start_url_for(provider: str = "twitter") -> str:
    """What the API answers: Herald's start URL, not yet opened by any browser."""
    return start_connect(user=UserFactory(), provider=provider).removeprefix(SITE)


def flow_cookie(answer) -> Morsel:
    (cookie,) = [c for name, c in answer.cookies.items() if name.startswith("herald_oauth_")]
    return cookie


def mock_x_connect(api) -> None:
    api.post(f"{X_API}/2/oauth2/token", json={"access_token": "x-access", "expires_in": 7200})
    api.get(f"{X_API}/2/users/me", json={"data": {"id": "42", "username": "someone"}})


@pytest.mark.usefixtures("providers")
def test_the_start_url_binds_the_first_browser_with_a_cookie_and_goes_on_to_the_provider(
    client, settings
):
    settings.SESSION_COOKIE_SECURE = True
    answer = client.get(start_url_for("twitter"))
    assert answer.status_code == 302
    state = OAuthState.objects.get()
    assert answer["Location"].startswith("https://x.test/i/oauth2/authorize?")
    assert f"state={state.state}" in answer["Location"]
    assert "no-store" in answer["Cache-Control"]
    cookie = flow_cookie(answer)
    assert state.browser_binding == hashlib.sha256(cookie.value.encode()).hexdigest()
    assert cookie["httponly"] and cookie["secure"]
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/integrations/oauth/twitter/"
    assert cookie["max-age"] == settings.OAUTH_STATE_MAX_AGE


@pytest.mark.usefixtures("providers")
def test_the_start_url_opened_in_a_second_browser_is_refused(client):
    url = start_url_for("twitter")
    first = client.get(url)
    assert first.status_code == 302
    second = Client().get(url)
    assert second.status_code == 400
    assert "could not be verified" in second.content.decode()
    assert not [name for name in second.cookies if name.startswith("herald_oauth_")]
    # The first browser may open it again (a reload) and keeps its binding.
    again = client.get(url)
    assert again.status_code == 302
    assert flow_cookie(again).value == flow_cookie(first).value


@pytest.mark.usefixtures("providers")
def test_a_callback_opened_in_another_browser_is_refused_and_the_first_browser_completes(
    client, api
):
    first = client.get(start_url_for("twitter"))
    state = OAuthState.objects.get()
    callback = reverse("integrations:oauth-callback", args=["twitter"])
    query = {"state": state.state, "code": "the-code"}
    # Someone else's browser, not logged in to Herald, with the same valid state and code.
    refused = Client().get(callback, query)
    assert refused.status_code == 400
    assert "could not be verified" in refused.content.decode()
    assert Integration.objects.count() == 0
    assert len(api.calls) == 0
    # The browser that started runs the flow to the end; the cookie is then deleted.
    mock_x_connect(api)
    done = client.get(callback, query)
    assert done.status_code == 200, done.content.decode()
    assert "Account connected" in done.content.decode()
    assert Integration.objects.get().user == state.user
    cookie = done.cookies[flow_cookie(first).key]
    assert cookie.value == "" and cookie["max-age"] == 0
    assert cookie["path"] == "/integrations/oauth/twitter/"


@pytest.mark.usefixtures("providers")
def test_the_operators_own_browser_completes_the_flow_it_started(staff_client, api, operator):
    staff_client.post(reverse("integrations:connect-start", args=["twitter"]))
    state = OAuthState.objects.get()
    mock_x_connect(api)
    done = staff_client.get(
        reverse("integrations:oauth-callback", args=["twitter"]),
        {"state": state.state, "code": "the-code"},
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("admin:integrations_integration_changelist")
    assert Integration.objects.get().user == operator


def test_connecting_an_unconfigured_provider_says_what_to_set(staff_client, settings):
    settings.INSTAGRAM_CLIENT_ID = ""
    answer = staff_client.post(
        reverse("integrations:connect-start", args=["instagram"]), follow=True
    )
    assert "Instagram is not configured: set INSTAGRAM_CLIENT_ID and INSTAGRAM_CLIENT_SECRET" in (
        answer.content.decode()
    )
    assert OAuthState.objects.count() == 0


def test_a_callback_with_a_forged_state_is_a_clear_400_page(client):
    page = client.get(
        reverse("integrations:oauth-callback", args=["twitter"]),
        {"state": "forged", "code": "c"},
    )
    assert page.status_code == 400
    assert "could not be verified" in page.content.decode()
    assert Integration.objects.count() == 0


def test_the_discord_bot_form_shows_the_platform_refusal(staff_client, settings):
    page = staff_client.post(
        reverse("integrations:discord-bot"), {"bot_token": "t", "channel_id": "general"}
    )
    assert page.status_code == 400
    assert "A Discord channel id is a number" in page.content.decode()
    # The token is never sent back into the form.
    assert 'value="t"' not in page.content.decode()


def test_admin_actions_pause_and_resume_and_say_what_was_skipped(staff_client):
    active = IntegrationFactory()
    revoked = IntegrationFactory(status=Integration.Status.REVOKED)
    url = reverse("admin:integrations_integration_changelist")
    page = staff_client.post(
        url,
        {"action": "pause_accounts", "_selected_action": [active.pk, revoked.pk]},
        follow=True,
    )
    text = page.content.decode()
    assert "1 paused." in text
    assert "Skipped: Only an active account can be paused" in text
    active.refresh_from_db()
    assert active.status == Integration.Status.PAUSED
    held = PublicationFactory(
        integration=active,
        status=Status.QUEUED,
        **holds.paused_account().fields(),
        next_attempt_at=None,
    )
    staff_client.post(url, {"action": "resume_accounts", "_selected_action": [active.pk]})
    active.refresh_from_db()
    held.refresh_from_db()
    assert active.status == Integration.Status.ACTIVE
    assert held.next_attempt_at is not None


def test_the_admin_change_form_does_not_let_status_be_typed_in(staff_client):
    integration = IntegrationFactory()
    page = staff_client.get(reverse("admin:integrations_integration_change", args=[integration.pk]))
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    assert integration.access_token not in page.content.decode()
