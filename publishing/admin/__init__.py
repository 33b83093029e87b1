"""The publishing admin: content (``content``), publications (``publications``), the actions
they share (``actions``), deleting that keeps the record (``deletion``), the dashboard and
switches pages (``views``), django-q2's task lists (``tasks``) and the Integration admin's
rate-limit column (``integrations``)."""

from django.contrib import admin

from publishing.admin import (  # noqa: F401 - register the admins
    content,
    integrations,
    publications,
    tasks,
)

admin.site.site_header = "Herald back office"
admin.site.site_title = "Herald"
admin.site.index_title = "Run publishing"
