import pytest

API = "https://api.linkedin.test"
WWW = "https://www.linkedin.test"


@pytest.fixture(autouse=True)
def linkedin_settings(settings, platform_settings):
    settings.PLATFORM_BASE_URLS = {
        **settings.PLATFORM_BASE_URLS,
        "linkedin": API,
        "linkedin_oauth": WWW,
    }
    settings.PLATFORM_PERMALINK_BASES = {
        **settings.PLATFORM_PERMALINK_BASES,
        "linkedin": "https://www.linkedin.com",
    }
    settings.OAUTH_AUTHORIZE_URLS = {
        **settings.OAUTH_AUTHORIZE_URLS,
        "linkedin": "https://www.linkedin.com/oauth/v2/authorization",
    }
    settings.LINKEDIN_CLIENT_ID = "li-client"
    settings.LINKEDIN_CLIENT_SECRET = "li-secret"
