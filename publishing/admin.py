from django.contrib import admin

from publishing.models import EngineHeartbeat, Publication, PublicationEvent


class ReadOnlyAdminMixin:
    """The audit trail and engine rows change only through the state machine."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PublicationEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PublicationEvent
    extra = 0
    fields = ("created_at", "from_status", "to_status", "reason", "error_code", "actor")
    readonly_fields = fields
    ordering = ("id",)


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "content",
        "platform",
        "status",
        "attempts",
        "retry_count",
        "next_attempt_at",
        "published_at",
        "last_error_code",
    )
    list_filter = ("status", "platform", "last_error_code")
    search_fields = ("idempotency_key", "external_id", "content__title", "content__owner__username")
    list_select_related = ("content",)
    date_hierarchy = "created_at"
    inlines = [PublicationEventInline]


@admin.register(PublicationEvent)
class PublicationEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "publication", "from_status", "to_status", "error_code", "actor")
    list_filter = ("to_status", "from_status", "error_code")
    search_fields = ("reason", "actor", "publication__idempotency_key")
    list_select_related = ("publication",)
    date_hierarchy = "created_at"


@admin.register(EngineHeartbeat)
class EngineHeartbeatAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "last_tick_at", "last_tick_seconds", "last_dispatched")
