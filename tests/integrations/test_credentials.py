"""Credential resolution order: an active Integration, then the legacy User columns, then an error."""

import logging

import pytest

from integrations.credentials import (
    IntegrationUnavailable,
    NotConnected,
    legacy_fallback_count,
    resolve_credentials,
)
from integrations.models import Integration, LegacyTokenUse
from tests.factories import IntegrationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_active_integration_wins_over_the_legacy_columns(caplog):
    owner = UserFactory(twitter_access_token="legacy-access-token-0000")
    integration = IntegrationFactory(user=owner, provider="twitter")
    credentials = resolve_credentials(owner=owner, platform="twitter", integration=None)
    assert credentials.integration_id == integration.pk
    assert credentials.access_token == integration.access_token
    assert LegacyTokenUse.objects.count() == 0
    assert "deprecated" not in caplog.text


def test_without_an_active_integration_the_legacy_columns_are_used_logged_and_counted(caplog):
    owner = UserFactory(twitter_access_token="legacy-access-token-0000")
    IntegrationFactory(user=owner, provider="twitter", status=Integration.Status.REVOKED)
    with caplog.at_level(logging.WARNING, logger="integrations.credentials"):
        credentials = resolve_credentials(owner=owner, platform="twitter", integration=None)
    assert credentials.access_token == "legacy-access-token-0000"
    assert credentials.integration_id is None
    assert "Using the deprecated User token columns for twitter" in caplog.text
    assert "legacy-access-token-0000" not in caplog.text
    assert legacy_fallback_count() == 1


def test_with_neither_the_error_names_the_platform():
    owner = UserFactory(username="dana")
    with pytest.raises(NotConnected) as refused:
        resolve_credentials(owner=owner, platform="youtube", integration=None)
    assert str(refused.value) == "No youtube account is connected for user 'dana'."


def test_a_chosen_integration_that_is_not_active_says_why():
    integration = IntegrationFactory(
        provider="discord", display_name="Announcements", status=Integration.Status.NEEDS_REAUTH
    )
    with pytest.raises(IntegrationUnavailable) as refused:
        resolve_credentials(owner=integration.user, platform="discord", integration=integration)
    assert str(refused.value) == (
        "The Discord account 'Announcements' cannot publish: the platform refused its token; "
        "connect it again."
    )
