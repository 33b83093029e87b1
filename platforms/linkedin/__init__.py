"""LinkedIn: member posts through the versioned Posts API, OAuth 2.0 (authorization code)."""

from platforms.descriptor import ClientSetting, Endpoint, Limits, Platform

LINKEDIN = Platform(
    value="linkedin",
    label="LinkedIn",
    client="platforms.linkedin.client",
    metrics="platforms.linkedin.metrics",
    oauth="platforms.linkedin.oauth",
    options="platforms.linkedin.options.LinkedInOptions",
    # 3,000 characters of commentary; up to 20 images (multiImage) or one video.
    # LinkedIn publishes no per-member numbers (client.py says why 100 a day).
    limits=Limits(max_text=3000, max_media=20, rate_limit=(100, 24 * 3600)),
    api_urls=(
        Endpoint("linkedin", "LINKEDIN_API_BASE_URL", "https://api.linkedin.com", "linkedin"),
        # The OAuth endpoints live on www.linkedin.com, apart from the API host.
        Endpoint(
            "linkedin_oauth",
            "LINKEDIN_OAUTH_BASE_URL",
            "https://www.linkedin.com",
            "linkedin-www",
        ),
    ),
    authorize_url=Endpoint(
        "linkedin",
        "LINKEDIN_AUTHORIZE_URL",
        "https://www.linkedin.com/oauth/v2/authorization",
        "linkedin-www/oauth/v2/authorization",
    ),
    permalink_base=Endpoint("linkedin", "", "https://www.linkedin.com", "linkedin-www"),
    client_settings=(
        ClientSetting("LINKEDIN_CLIENT_ID"),
        ClientSetting("LINKEDIN_CLIENT_SECRET"),
        # The scopes to ask for, when not the default (platforms/linkedin/oauth.py):
        # an app approved for Community Management adds w_organization_social.
        ClientSetting("LINKEDIN_SCOPES", required=False, sandbox_default=False),
    ),
)
