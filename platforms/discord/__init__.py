"""Discord: channel messages as a bot, or through a webhook made by OAuth."""

from platforms.descriptor import ClientSetting, Endpoint, LegacyColumns, Limits, Platform

DISCORD = Platform(
    value="discord",
    label="Discord",
    client="platforms.discord.client",
    metrics="platforms.discord.metrics",
    oauth="platforms.discord.oauth",
    options="platforms.discord.options.DiscordOptions",
    limits=Limits(max_text=2000, max_media=10, rate_limit=(50, 3600)),
    api_urls=(Endpoint("discord", "DISCORD_API_BASE_URL", "https://discord.com", "discord"),),
    authorize_url=Endpoint(
        "discord",
        "DISCORD_AUTHORIZE_URL",
        "https://discord.com/oauth2/authorize",
        "discord/oauth2/authorize",
    ),
    permalink_base=Endpoint("discord", "", "https://discord.com", "discord"),
    client_settings=(ClientSetting("DISCORD_CLIENT_ID"), ClientSetting("DISCORD_CLIENT_SECRET")),
    legacy_columns=LegacyColumns(webhook_url="discord_webhook_url"),
    # https://discord.com/api/webhooks/<id>/<token>: the token is the secret.
    secret_url_patterns=(r"(/api/(?:v\d+/)?webhooks/\d+/)[A-Za-z0-9._-]+",),
)
