import pytest

PDS = "https://pds.bsky.test"
XRPC = f"{PDS}/xrpc"


@pytest.fixture(autouse=True)
def bluesky_settings(settings, platform_settings):
    settings.PLATFORM_BASE_URLS = {**settings.PLATFORM_BASE_URLS, "bluesky": PDS}
    settings.PLATFORM_PERMALINK_BASES = {
        **settings.PLATFORM_PERMALINK_BASES,
        "bluesky": "https://bsky.app",
    }
