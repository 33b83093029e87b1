"""YouTube: resumable video uploads, Google OAuth 2.0 for a web server."""

from platforms.descriptor import ClientSetting, Endpoint, LegacyColumns, Limits, Platform

YOUTUBE = Platform(
    value="youtube",
    label="YouTube",
    client="platforms.youtube.client",
    metrics="platforms.youtube.metrics",
    oauth="platforms.youtube.oauth",
    options="platforms.youtube.options.YouTubeOptions",
    # The text is the description, counted in bytes; the one medium is the video.
    limits=Limits(max_text=5000, max_media=1, rate_limit=(6, 24 * 3600)),
    api_urls=(
        Endpoint("youtube", "YOUTUBE_API_BASE_URL", "https://www.googleapis.com", "youtube"),
        Endpoint(
            "google_oauth", "GOOGLE_OAUTH_BASE_URL", "https://oauth2.googleapis.com", "google-oauth"
        ),
    ),
    authorize_url=Endpoint(
        "youtube",
        "GOOGLE_AUTHORIZE_URL",
        "https://accounts.google.com/o/oauth2/v2/auth",
        "google-accounts/o/oauth2/v2/auth",
    ),
    permalink_base=Endpoint("youtube", "", "https://www.youtube.com", "youtube"),
    client_settings=(ClientSetting("GOOGLE_CLIENT_ID"), ClientSetting("GOOGLE_CLIENT_SECRET")),
    legacy_columns=LegacyColumns(
        access_token="youtube_access_token", refresh_token="youtube_refresh_token"
    ),
)
