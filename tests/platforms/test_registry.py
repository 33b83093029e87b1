"""A fifth platform, registered for a test: the registry alone makes Herald speak of it."""

import datetime as dt

import pytest
import responses
from django.utils import timezone
from rest_framework.test import APIClient

from api.tokens import issue_token
from config.environment import env_str
from content.choices import Platform
from integrations.oauth import providers
from integrations.oauth.flow import provider_statuses
from platforms import http, registry
from platforms.http import request_timed
from publishing.admin.content import ContentAdminForm
from publishing.models import Publication
from publishing.rate_limits import limit_for
from tests.factories import UserFactory
from tests.platforms.pigeon import PIGEON

pytestmark = pytest.mark.django_db


@pytest.fixture
def pigeon(settings):
    settings.SANDBOX_ENABLED = False
    with registry.registered(PIGEON) as platform:
        yield platform
    assert "pigeon" not in registry.values()


@pytest.fixture
def api():
    client = APIClient()
    user = UserFactory(username="fancier")
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=user).token}")
    return client


def schedule(api, body, **fields):
    when = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    data = {"body": body, "scheduled_for": when, "targets": ["pigeon"], **fields}
    return api.post("/api/v1/content/", data, format="json")


def test_the_api_lists_the_provider_and_what_it_needs(pigeon, api, settings):
    answer = api.get("/api/v1/integrations/providers/")
    by_name = {row["provider"]: row for row in answer.json()}
    assert by_name["pigeon"] == {
        "provider": "pigeon",
        "name": "Pigeon Post",
        "configured": False,
        "missing_settings": ["PIGEON_CLIENT_ID"],
        "asks_for_server": False,
    }
    settings.PIGEON_CLIENT_ID = "loft-client"
    answer = api.get("/api/v1/integrations/providers/")
    assert {row["provider"]: row for row in answer.json()}["pigeon"]["configured"] is True


def test_scheduling_follows_the_platforms_own_limits_and_options(pigeon, api):
    too_long = schedule(api, "c" * 41)
    assert too_long.status_code == 400
    assert too_long.json()["platforms"] == {
        "pigeon": ["Pigeon Post: the message is 41 characters; the limit is 40."]
    }
    unknown_option = schedule(api, "Coo", options={"pigeon": {"colour": "grey"}})
    assert unknown_option.status_code == 400
    assert unknown_option.json()["field_errors"] == {
        "options.pigeon.colour": ["Unknown option; the known ones are: ring."]
    }

    accepted = schedule(api, "c" * 40, options={"pigeon": {"ring": "blue"}})
    assert accepted.status_code == 201, accepted.json()
    publication = Publication.objects.get()
    assert publication.platform == "pigeon"
    assert publication.content.options == {"pigeon": {"ring": "blue"}}


def test_rate_limit_defaults_come_from_the_descriptor(pigeon, settings):
    assert settings.PLATFORM_RATE_LIMITS["pigeon"] == (3, 600)
    # Herald counts the window with its margin (publishing.rate_limits.limit_for).
    assert limit_for("pigeon") == (
        3,
        dt.timedelta(minutes=10, seconds=settings.RATE_LIMIT_MARGIN_SECONDS),
    )
    # The four platforms keep what the settings chose for them.
    assert settings.PLATFORM_RATE_LIMITS["twitter"] == (300, 3 * 3600)


def test_the_admin_and_the_models_offer_the_platform(pigeon):
    assert ("pigeon", "Pigeon Post") in list(ContentAdminForm().fields["platforms"].choices)
    assert ("pigeon", "Pigeon Post") in list(Publication._meta.get_field("platform").choices)
    assert "pigeon" in Platform.values
    assert Platform("pigeon").label == "Pigeon Post"


def test_the_oauth_flow_knows_the_provider(pigeon):
    assert providers()["pigeon"].NAME == "Pigeon Post"
    statuses = {status.provider: status for status in provider_statuses()}
    assert statuses["pigeon"].missing_settings == ("PIGEON_CLIENT_ID",)


def test_settings_come_from_the_descriptor_and_the_environment(pigeon, settings, monkeypatch):
    assert settings.PLATFORM_BASE_URLS["pigeon"] == "https://api.pigeon.example"
    assert settings.OAUTH_AUTHORIZE_URLS["pigeon"] == "https://pigeon.example/authorize"
    assert settings.OAUTH_CLIENT_SETTINGS["pigeon"] == ("PIGEON_CLIENT_ID",)
    assert settings.PIGEON_CLIENT_ID == ""

    monkeypatch.setenv("PIGEON_API_BASE_URL", "https://mirror.pigeon.example")
    monkeypatch.setenv("PIGEON_CLIENT_ID", "loft-client")
    from_environment = registry.settings_defaults(env=env_str, sandbox_base="")
    assert from_environment["PLATFORM_BASE_URLS"]["pigeon"] == "https://mirror.pigeon.example"
    assert from_environment["PIGEON_CLIENT_ID"] == "loft-client"

    in_sandbox = registry.settings_defaults(env=lambda name: "", sandbox_base="http://h/sandbox")
    assert in_sandbox["PLATFORM_BASE_URLS"]["pigeon"] == "http://h/sandbox/pigeon"
    assert in_sandbox["PIGEON_CLIENT_ID"] == "sandbox-pigeon-client-id"


def test_requests_are_timed_under_the_platform(pigeon, settings):
    heard = []

    def listener(sender, **event):
        heard.append((event["platform"], event["status_code"]))

    request_timed.connect(listener)
    try:
        with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
            mock.get("https://api.pigeon.example/coop", json={"ok": True})
            http.send(PIGEON.label, "GET", f"{settings.PLATFORM_BASE_URLS['pigeon']}/coop")
    finally:
        request_timed.disconnect(listener)
    assert heard == [("pigeon", 200)]


def test_a_platform_cannot_be_registered_twice(pigeon):
    with pytest.raises(ValueError, match="already registered"), registry.registered(PIGEON):
        pass
