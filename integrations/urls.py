from django.urls import path

from integrations import views

app_name = "integrations"

urlpatterns = [
    path("connect/", views.connect_index, name="connect"),
    path("connect/discord-bot/", views.discord_bot, name="discord-bot"),
    path("connect/<str:provider>/", views.connect_start, name="connect-start"),
    path("oauth/<str:provider>/start/", views.oauth_start, name="oauth-start"),
    path("oauth/<str:provider>/callback/", views.oauth_callback, name="oauth-callback"),
]
