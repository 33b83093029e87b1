"""X (stored as "twitter"): API v2 posts and threads, OAuth 2.0 with PKCE."""

from platforms.descriptor import ClientSetting, Endpoint, LegacyColumns, Limits, Platform

X = Platform(
    value="twitter",
    label="X",
    client="platforms.x.client",
    metrics="platforms.x.metrics",
    oauth="platforms.x.oauth",
    options="platforms.x.options.XOptions",
    limits=Limits(max_text=280, max_media=4, rate_limit=(300, 3 * 3600)),
    api_urls=(Endpoint("twitter", "X_API_BASE_URL", "https://api.x.com", "x"),),
    authorize_url=Endpoint(
        "twitter", "X_AUTHORIZE_URL", "https://x.com/i/oauth2/authorize", "x/i/oauth2/authorize"
    ),
    permalink_base=Endpoint("twitter", "", "https://x.com", "x"),
    client_settings=(
        ClientSetting("X_CLIENT_ID"),
        # A public client has no secret: X then takes the client id alone.
        ClientSetting("X_CLIENT_SECRET", required=False, sandbox_default=False),
    ),
    legacy_columns=LegacyColumns(
        access_token="twitter_access_token", refresh_token="twitter_refresh_token"
    ),
)
