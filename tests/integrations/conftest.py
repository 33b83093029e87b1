import pytest
import responses

from integrations.encryption import reload_encryption_keys
from tests.integrations.hosts import (
    DISCORD,
    GOOGLE_OAUTH,
    GRAPH,
    INSTAGRAM_LOGIN,
    SITE,
    X_API,
    YOUTUBE_API,
)


@pytest.fixture
def use_keys(settings):
    """Switch FERNET_KEYS for one test; the encrypted fields read them again."""

    def apply(*keys):
        settings.FERNET_KEYS = list(keys)
        reload_encryption_keys()

    yield apply
    reload_encryption_keys()


@pytest.fixture
def providers(settings):
    """Every provider configured, on mocked hosts."""
    settings.SITE_URL = SITE
    settings.PLATFORM_BASE_URLS = {
        "twitter": X_API,
        "discord": DISCORD,
        "instagram": GRAPH,
        "youtube": YOUTUBE_API,
        "google_oauth": GOOGLE_OAUTH,
        "instagram_login": INSTAGRAM_LOGIN,
    }
    settings.OAUTH_AUTHORIZE_URLS = {
        "twitter": "https://x.test/i/oauth2/authorize",
        "youtube": "https://accounts.google.test/o/oauth2/v2/auth",
        "instagram": "https://www.instagram.test/oauth/authorize",
        "discord": "https://discord.test/oauth2/authorize",
    }
    settings.X_CLIENT_ID, settings.X_CLIENT_SECRET = "x-client", ""
    settings.GOOGLE_CLIENT_ID, settings.GOOGLE_CLIENT_SECRET = "g-client", "g-secret"
    settings.INSTAGRAM_CLIENT_ID, settings.INSTAGRAM_CLIENT_SECRET = "ig-client", "ig-secret"
    settings.DISCORD_CLIENT_ID, settings.DISCORD_CLIENT_SECRET = "d-client", "d-secret"
    settings.INTEGRATION_EXPIRY_WARNING_DAYS = 7


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock
