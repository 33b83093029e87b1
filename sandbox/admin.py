"""The sandbox's records in the admin, read-only: they are what the platforms received."""

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from operator_admin.changelist import DateSafeChangeListMixin
from sandbox.models import (
    SandboxContainer,
    SandboxPost,
    SandboxRateWindow,
    SandboxUpload,
)


class ReadOnlyAdmin(DateSafeChangeListMixin, admin.ModelAdmin):
    """Only the emulated APIs write these rows; the admin shows them."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(SandboxPost)
class SandboxPostAdmin(ReadOnlyAdmin):
    list_display = ("id", "platform", "account", "target", "external_id", "text", "created_at")
    list_filter = ("platform",)
    search_fields = ("account", "external_id", "text", "nonce")
    date_hierarchy = "created_at"


@admin.register(SandboxUpload)
class SandboxUploadAdmin(ReadOnlyAdmin):
    list_display = (
        "upload_id",
        "platform",
        "account",
        "media_type",
        "received_bytes",
        "total_bytes",
        "state",
        "created_at",
    )
    list_filter = ("platform", "state")
    search_fields = ("upload_id", "account")


@admin.register(SandboxContainer)
class SandboxContainerAdmin(ReadOnlyAdmin):
    list_display = ("container_id", "account", "ig_user_id", "media_type", "post", "created_at")
    list_filter = ("media_type", "is_carousel_item")
    search_fields = ("container_id", "account", "caption")


@admin.register(SandboxRateWindow)
class SandboxRateWindowAdmin(ReadOnlyAdmin):
    list_display = ("limit_name", "account", "count", "window_start", "resets_at")
    list_filter = ("limit_name",)
    search_fields = ("account",)
