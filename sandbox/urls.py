"""The sandbox's routes: each platform under the prefix its base URL setting names."""

from django.urls import path, re_path

from sandbox.views import discord, instagram, oauth, pages, x, youtube

app_name = "sandbox"

# Discord and the Graph API accept their path with or without a version segment.
DISCORD_API = r"^discord/api/(?:v\d+/)?"
GRAPH = r"^instagram/(?:v\d+\.\d+/)?"
SNOWFLAKE = r"\d+"

urlpatterns = [
    path("", pages.post_list, name="post-list"),
    path("posts/<int:pk>/", pages.post_detail, name="post-detail"),
    # Permalinks in the platforms' own shapes (PLATFORM_PERMALINK_BASES points here).
    path("x/<str:username>/status/<str:external_id>", pages.x_permalink, name="x-permalink"),
    path(
        "discord/channels/<str:guild_id>/<str:channel_id>/<str:message_id>",
        pages.discord_permalink,
        name="discord-permalink",
    ),
    path("youtube/watch", pages.youtube_permalink, name="youtube-permalink"),
    # Consent pages: where the connect flows send the browser (OAUTH_AUTHORIZE_URLS).
    path("x/i/oauth2/authorize", oauth.consent, {"provider": "twitter"}, name="x-authorize"),
    path(
        "google-accounts/o/oauth2/v2/auth",
        oauth.consent,
        {"provider": "youtube"},
        name="google-authorize",
    ),
    path(
        "instagram-login/oauth/authorize",
        oauth.consent,
        {"provider": "instagram"},
        name="instagram-authorize",
    ),
    path(
        "discord/oauth2/authorize", oauth.consent, {"provider": "discord"}, name="discord-authorize"
    ),
    # X
    path("x/2/oauth2/revoke", x.oauth2_revoke, name="x-oauth2-revoke"),
    path("x/2/tweets", x.tweets, name="x-tweets"),
    path("x/2/users/me", x.users_me, name="x-users-me"),
    path("x/2/users/<str:user_id>/tweets", x.user_tweets, name="x-user-tweets"),
    path("x/2/media/upload", x.media_upload, name="x-media-upload"),
    path("x/2/oauth2/token", x.oauth2_token, name="x-oauth2-token"),
    # Discord
    re_path(DISCORD_API + r"oauth2/token$", discord.oauth2_token, name="discord-oauth2-token"),
    re_path(
        DISCORD_API + r"oauth2/token/revoke$", discord.oauth2_revoke, name="discord-oauth2-revoke"
    ),
    re_path(
        DISCORD_API + rf"channels/(?P<channel_id>{SNOWFLAKE})$",
        discord.channel,
        name="discord-channel",
    ),
    re_path(
        DISCORD_API + rf"channels/(?P<channel_id>{SNOWFLAKE})/messages$",
        discord.channel_messages,
        name="discord-channel-messages",
    ),
    re_path(
        DISCORD_API
        + rf"channels/(?P<channel_id>{SNOWFLAKE})/messages/(?P<message_id>{SNOWFLAKE})$",
        discord.channel_message,
        name="discord-channel-message",
    ),
    re_path(
        DISCORD_API + rf"webhooks/(?P<webhook_id>{SNOWFLAKE})/(?P<webhook_token>[^/]+)$",
        discord.execute_webhook,
        name="discord-webhook",
    ),
    re_path(
        DISCORD_API + rf"webhooks/(?P<webhook_id>{SNOWFLAKE})/(?P<webhook_token>[^/]+)"
        rf"/messages/(?P<message_id>{SNOWFLAKE})$",
        discord.webhook_message,
        name="discord-webhook-message",
    ),
    # Instagram
    path(
        "instagram-login/oauth/access_token",
        instagram.login_access_token,
        name="instagram-login-token",
    ),
    re_path(GRAPH + r"access_token$", instagram.exchange_token, name="ig-exchange-token"),
    re_path(GRAPH + r"refresh_access_token$", instagram.refresh_access_token, name="ig-refresh"),
    re_path(GRAPH + r"me$", instagram.me, name="ig-me"),
    re_path(GRAPH + r"(?P<ig_user_id>\d+|me)/media$", instagram.user_media, name="ig-media"),
    re_path(
        GRAPH + r"(?P<ig_user_id>\d+|me)/media_publish$",
        instagram.media_publish,
        name="ig-media-publish",
    ),
    re_path(
        GRAPH + r"(?P<ig_user_id>\d+|me)/content_publishing_limit$",
        instagram.publishing_limit,
        name="ig-publishing-limit",
    ),
    re_path(
        GRAPH + r"(?P<media_id>\d+)/insights$", instagram.media_insights, name="ig-media-insights"
    ),
    re_path(GRAPH + r"(?P<object_id>\d+)$", instagram.graph_object, name="ig-object"),
    # YouTube and Google OAuth
    path("youtube/upload/youtube/v3/videos", youtube.upload_videos, name="youtube-upload"),
    path("youtube/youtube/v3/videos", youtube.list_videos, name="youtube-videos"),
    path("youtube/youtube/v3/channels", youtube.list_channels, name="youtube-channels"),
    path("google-oauth/token", youtube.google_token, name="google-token"),
    path("google-oauth/revoke", youtube.google_revoke, name="google-revoke"),
]
