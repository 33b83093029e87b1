"""The sandbox's routes: its own pages, then each emulated platform's (sandbox/emulations.py)."""

from django.urls import path

from sandbox import emulations
from sandbox.views import pages

app_name = "sandbox"

urlpatterns = [
    path("", pages.post_list, name="post-list"),
    path("posts/<int:pk>/", pages.post_detail, name="post-detail"),
    *emulations.urlpatterns(),
]
