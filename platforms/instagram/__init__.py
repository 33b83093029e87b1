"""Instagram: the Graph API with Instagram Login (professional accounts)."""

from platforms.descriptor import ClientSetting, Endpoint, LegacyColumns, Limits, Platform

INSTAGRAM = Platform(
    value="instagram",
    label="Instagram",
    client="platforms.instagram.client",
    metrics="platforms.instagram.metrics",
    oauth="platforms.instagram.oauth",
    options="platforms.instagram.options.InstagramOptions",
    limits=Limits(max_text=2200, max_media=10, rate_limit=(25, 3600)),
    api_urls=(
        Endpoint("instagram", "INSTAGRAM_API_BASE_URL", "https://graph.instagram.com", "instagram"),
        # Instagram Login exchanges its authorization code on a host of its own.
        Endpoint(
            "instagram_login",
            "INSTAGRAM_OAUTH_BASE_URL",
            "https://api.instagram.com",
            "instagram-login",
        ),
    ),
    authorize_url=Endpoint(
        "instagram",
        "INSTAGRAM_AUTHORIZE_URL",
        "https://www.instagram.com/oauth/authorize",
        "instagram-login/oauth/authorize",
    ),
    client_settings=(
        ClientSetting("INSTAGRAM_CLIENT_ID"),
        ClientSetting("INSTAGRAM_CLIENT_SECRET"),
    ),
    legacy_columns=LegacyColumns(access_token="instagram_access_token"),
)
