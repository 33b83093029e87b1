"""Hosts the provider tests mock; nothing here is ever reached."""

X_API = "https://api.x.test"
GOOGLE_OAUTH = "https://oauth2.google.test"
YOUTUBE_API = "https://youtube.test"
GRAPH = "https://graph.instagram.test"
INSTAGRAM_LOGIN = "https://api.instagram.test"
DISCORD = "https://discord.test"
SITE = "https://herald.test"
