"""A platform that quotes a token back in its error: the token is stored, shown and logged nowhere.

Publishing runs inside ``redacting`` the account's own secrets, so whatever
shape the platform's words take (plain, URL-encoded, the bare webhook token),
the publication, its audit log, the integration, the API, the admin and the
log only ever hold ``[redacted]``.
"""

import datetime as dt
import logging
from urllib.parse import quote

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.tokens import issue_token
from content.choices import Status
from integrations.models import Integration
from platforms.base import TransientError
from publishing.models import Publication, PublicationEvent
from publishing.services import Target, schedule_content
from tests.factories import IntegrationFactory, UserFactory

ACCESS = "x-access/Token+0123456789="
REFRESH = "x-refresh.token-9876543210"
WEBHOOK_TOKEN = "whk_AbCdEfGhIjKl0123456789"
WEBHOOK_URL = f"https://discord.com/api/webhooks/1100/{WEBHOOK_TOKEN}"
ALL_FORMS = (ACCESS, quote(ACCESS, safe=""), REFRESH, WEBHOOK_TOKEN)


@pytest.fixture(autouse=True)
def real_modules(settings):
    settings.PLATFORM_MODULES = {
        **settings.PLATFORM_MODULES,
        "twitter": "platforms.x.client",
        "discord": "platforms.discord.client",
    }


def schedule(owner, account):
    content = schedule_content(
        owner=owner,
        body="Hello",
        targets=[Target(account.provider, account)],
        scheduled_for=timezone.now() - dt.timedelta(seconds=1),
    )
    return content.publications.get()


def everything_a_person_can_read(publication, operator, client) -> list[str]:
    """The stored texts, the API's answers and the admin's pages about this publication."""
    owner = publication.content.owner
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=owner).token}")
    client.force_login(operator)
    publication.refresh_from_db()
    integration = Integration.objects.get(pk=publication.integration_id)
    texts = [
        publication.last_error,
        integration.last_error,
        *PublicationEvent.objects.filter(publication=publication).values_list("reason", flat=True),
        api.get(f"/api/v1/publications/{publication.pk}/").content.decode(),
        api.get(f"/api/v1/integrations/{integration.pk}/").content.decode(),
        client.get(f"/admin/publishing/publication/{publication.pk}/change/").content.decode(),
        client.get(f"/admin/integrations/integration/{integration.pk}/change/").content.decode(),
    ]
    assert all(texts[2:])  # every page answered
    return texts


def assert_no_secret_in(texts: list[str]) -> None:
    for text in texts:
        for secret in ALL_FORMS:
            assert secret not in text


def test_x_quoting_the_access_and_refresh_tokens_back(api, drain, operator, client, caplog):
    owner = UserFactory()
    account = IntegrationFactory(
        user=owner, provider="twitter", access_token=ACCESS, refresh_token=REFRESH
    )
    publication = schedule(owner, account)
    api.post(
        "https://api.x.test/2/tweets",
        status=401,
        json={
            "detail": f"Token {ACCESS} (sent as {quote(ACCESS, safe='')}) is revoked, "
            f"and so is {REFRESH}."
        },
    )
    with caplog.at_level(logging.DEBUG):
        assert drain() == ["failed"]

    texts = everything_a_person_can_read(publication, operator, client)
    assert_no_secret_in([*texts, caplog.text])
    publication.refresh_from_db()
    assert publication.last_error == (
        "X answered 401: Token [redacted] (sent as [redacted]) is revoked, and so is [redacted]."
    )
    integration = Integration.objects.get(pk=account.pk)
    assert integration.status == Integration.Status.NEEDS_REAUTH
    assert integration.last_error == publication.last_error


def test_discord_quoting_the_webhook_token_back(api, drain, operator, client, caplog):
    owner = UserFactory()
    account = IntegrationFactory(
        user=owner, provider="discord", access_token="", refresh_token="", webhook_url=WEBHOOK_URL
    )
    publication = schedule(owner, account)
    api.post(
        f"https://discord.test/api/webhooks/1100/{WEBHOOK_TOKEN}",
        status=400,
        json={"message": f"Invalid Webhook Token {WEBHOOK_TOKEN}", "code": 50027},
    )
    with caplog.at_level(logging.DEBUG):
        assert drain() == ["failed"]

    assert_no_secret_in([*everything_a_person_can_read(publication, operator, client), caplog.text])
    publication.refresh_from_db()
    assert (publication.last_error_code, publication.last_error) == (
        "discord_50027",
        "Discord answered 400: Invalid Webhook Token [redacted]",
    )


def test_a_retry_reason_and_a_logged_traceback_quoting_the_token(
    drain, fake_platform, settings, operator, client, caplog
):
    settings.PLATFORM_MODULES = {
        **settings.PLATFORM_MODULES,
        "twitter": "tests.publishing.fake_platform",
    }
    owner = UserFactory()
    account = IntegrationFactory(
        user=owner, provider="twitter", access_token=ACCESS, refresh_token=REFRESH
    )
    transient = schedule(owner, account)
    crashing = schedule(owner, account)
    fake_platform.script = [
        TransientError(f"the gateway choked on {ACCESS}"),
        ValueError(f"an answer no module expected: {{'token': {REFRESH!r}}}"),
    ]
    with caplog.at_level(logging.DEBUG):
        assert drain() == ["retrying", "retrying"]

    transient.refresh_from_db()
    assert transient.status == Status.RETRYING
    assert transient.last_error == "the gateway choked on [redacted]"
    assert PublicationEvent.objects.filter(publication=transient).last().reason == (
        "transient error, retry 1 of 3: the gateway choked on [redacted]"
    )
    # The bug's traceback is logged, with the refresh token masked in it.
    (record,) = [r for r in caplog.records if r.exc_info]
    assert "an answer no module expected" in record.exc_text
    for publication in (transient, crashing):
        assert_no_secret_in(
            [*everything_a_person_can_read(publication, operator, client), caplog.text]
        )
    assert Publication.objects.get(pk=crashing.pk).last_error == "Unexpected error: ValueError"
