import datetime as dt

import pytest

from content.choices import Status
from tests.factories import ContentFactory, IntegrationFactory, PublicationFactory

NOW = dt.datetime(2031, 3, 10, 12, 0, tzinfo=dt.UTC)


def published(integration, *, external_id: str, ago: dt.timedelta, platform_state=None):
    """A PUBLISHED publication of ``integration``'s account, ``ago`` before NOW."""
    content = ContentFactory(owner=integration.user, scheduled_for=NOW - ago)
    return PublicationFactory(
        content=content,
        platform=integration.provider,
        integration=integration,
        account_key=f"integration:{integration.pk}",
        status=Status.PUBLISHED,
        external_id=external_id,
        published_at=NOW - ago,
        platform_state=platform_state or {},
    )


@pytest.fixture
def x_account(db):
    return IntegrationFactory(provider="twitter", display_name="Acme on X")


@pytest.fixture
def real_hosts(settings):
    settings.PLATFORM_BASE_URLS = {
        **settings.PLATFORM_BASE_URLS,
        "twitter": "https://api.x.com",
        "youtube": "https://www.googleapis.com",
        "instagram": "https://graph.instagram.com",
        "discord": "https://discord.com",
    }


@pytest.fixture(autouse=True)
def fast_api(settings):
    """Throttles no test reaches."""
    settings.API_THROTTLE_USER = "1000000/hour"
