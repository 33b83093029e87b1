from django.urls import path

from integrations import views

app_name = "integrations"

urlpatterns = [
    path("connect/", views.connect_index, name="connect"),
    path("connect/<str:provider>/by-hand/", views.connect_by_hand, name="connect-by-hand"),
    # The address Discord's bot form always had: the same page, kept for links and bookmarks.
    path(
        "connect/discord-bot/", views.connect_by_hand, {"provider": "discord"}, name="discord-bot"
    ),
    path("connect/<str:provider>/", views.connect_start, name="connect-start"),
    path("oauth/<str:provider>/start/", views.oauth_start, name="oauth-start"),
    path("oauth/<str:provider>/callback/", views.oauth_callback, name="oauth-callback"),
]
