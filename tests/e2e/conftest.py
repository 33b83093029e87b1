import pytest

SANDBOX_CLIENTS = {
    "X_CLIENT_ID": "sandbox-x-client",
    "X_CLIENT_SECRET": "",
    "GOOGLE_CLIENT_ID": "sandbox-google-client",
    "GOOGLE_CLIENT_SECRET": "sandbox-google-secret",
    "INSTAGRAM_CLIENT_ID": "sandbox-ig-client",
    "INSTAGRAM_CLIENT_SECRET": "sandbox-ig-secret",
    "DISCORD_CLIENT_ID": "sandbox-discord-client",
    "DISCORD_CLIENT_SECRET": "sandbox-discord-secret",
}


@pytest.fixture
def sandbox(live_server, settings, tmp_path):
    """Herald and its platforms on the live test server: APIs, consent pages, media."""
    base = f"{live_server.url}/sandbox"
    settings.SITE_URL = live_server.url
    settings.PLATFORM_BASE_URLS = {
        "twitter": f"{base}/x",
        "discord": f"{base}/discord",
        "instagram": f"{base}/instagram",
        "youtube": f"{base}/youtube",
        "google_oauth": f"{base}/google-oauth",
    }
    settings.PLATFORM_PERMALINK_BASES = {
        "twitter": f"{base}/x",
        "discord": f"{base}/discord",
        "youtube": f"{base}/youtube",
    }
    settings.OAUTH_AUTHORIZE_URLS = {
        "twitter": f"{base}/x/i/oauth2/authorize",
        "youtube": f"{base}/google-accounts/o/oauth2/v2/auth",
        "instagram": f"{base}/instagram-login/oauth/authorize",
        "discord": f"{base}/discord/oauth2/authorize",
    }
    settings.INSTAGRAM_OAUTH_BASE_URL = f"{base}/instagram-login"
    for name, value in SANDBOX_CLIENTS.items():
        setattr(settings, name, value)
    settings.MEDIA_ROOT = tmp_path
    settings.PUBLIC_MEDIA_BASE_URL = f"{live_server.url}/media"
    return live_server
