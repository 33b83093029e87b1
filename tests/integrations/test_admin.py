"""The admin never renders a token, and replaces one through a write-only input."""

import pytest

from integrations.models import Integration
from tests.factories import IntegrationFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "sekret-access-token-0123456789-3f9a"
REFRESH = "sekret-refresh-token-0123456789-77aa"


@pytest.fixture
def staff_client(client, operator):
    client.force_login(operator)
    return client


def test_integration_change_page_shows_masks_not_tokens(staff_client):
    integration = IntegrationFactory(access_token=TOKEN, refresh_token=REFRESH, webhook_url=None)
    html = staff_client.get(
        f"/admin/integrations/integration/{integration.pk}/change/"
    ).content.decode()
    assert TOKEN not in html and REFRESH not in html
    assert "sekret" not in html
    assert "••••3f9a" in html
    assert "webhook url: not set" in html
    assert 'name="new_access_token"' in html


def test_integration_list_shows_masks_not_tokens(staff_client):
    IntegrationFactory(access_token=TOKEN)
    html = staff_client.get("/admin/integrations/integration/").content.decode()
    assert "sekret" not in html
    assert "••••3f9a" in html


def form_data(integration, **extra):
    data = {
        "user": integration.user_id,
        "provider": integration.provider,
        "external_account_id": integration.external_account_id,
        "display_name": integration.display_name,
        "status": integration.status,
        "scopes": "",
        "account_options": "{}",
    }
    data.update(extra)
    return data


def test_token_is_replaced_through_the_write_only_input(staff_client):
    integration = IntegrationFactory(access_token=TOKEN, refresh_token=REFRESH)
    response = staff_client.post(
        f"/admin/integrations/integration/{integration.pk}/change/",
        form_data(integration, new_access_token="brand-new-token-value-0000"),
    )
    assert response.status_code == 302
    integration = Integration.objects.get(pk=integration.pk)
    assert integration.access_token == "brand-new-token-value-0000"
    assert integration.refresh_token == REFRESH  # left empty: kept


def test_empty_input_keeps_the_token_and_clear_removes_it(staff_client):
    integration = IntegrationFactory(access_token=TOKEN, refresh_token=REFRESH)
    staff_client.post(
        f"/admin/integrations/integration/{integration.pk}/change/",
        form_data(integration, clear_refresh_token="on"),
    )
    integration = Integration.objects.get(pk=integration.pk)
    assert integration.access_token == TOKEN
    assert integration.refresh_token is None


def test_user_change_page_masks_legacy_tokens(staff_client):
    owner = UserFactory(twitter_access_token="legacy-twitter-token-0123456789-beef")
    html = staff_client.get(f"/admin/accounts/user/{owner.pk}/change/").content.decode()
    assert "legacy-twitter-token" not in html
    assert "••••beef" in html


@pytest.mark.parametrize(
    "url",
    [
        "/admin/content/content/",
        "/admin/content/contentmedia/",
        "/admin/publishing/publication/",
        "/admin/publishing/publicationevent/",
        "/admin/publishing/engineheartbeat/",
        "/admin/integrations/integration/",
        "/admin/integrations/legacytokenuse/",
        "/admin/accounts/user/",
        "/admin/django_q/schedule/",
        "/admin/waffle/switch/",
    ],
)
def test_every_admin_list_opens(staff_client, url):
    assert staff_client.get(url).status_code == 200


def test_tick_schedule_is_visible_in_the_admin(staff_client):
    assert "publishing tick" in staff_client.get("/admin/django_q/schedule/").content.decode()
