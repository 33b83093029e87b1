"""The publishing admin: content (``content``), publications (``publications``), the actions
they share (``actions``), deleting that keeps the record (``deletion``), the dashboard and
switches pages (``views``) and django-q2's task lists (``tasks``)."""

from django.contrib import admin

from publishing.admin import content, publications, tasks  # noqa: F401 - register the admins

admin.site.site_header = "Herald back office"
admin.site.site_title = "Herald"
admin.site.index_title = "Run publishing"
