"""The connect pages and the admin actions, through Django's test client."""

import pytest
from django.urls import reverse

from content.choices import Status
from integrations.models import Integration, OAuthState
from publishing.engine import PAUSED_HOLD
from tests.factories import IntegrationFactory, PublicationFactory, UserFactory

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
        integration=active, status=Status.QUEUED, hold_reason=PAUSED_HOLD, next_attempt_at=None
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
