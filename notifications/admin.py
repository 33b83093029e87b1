"""The notices (read-only: the outbox of e-mails) and each user's preferences."""

from django.contrib import admin

from notifications.models import Notice, NotificationPreferences
from operator_admin.changelist import DateSafeChangeListMixin


@admin.register(Notice)
class NoticeAdmin(DateSafeChangeListMixin, admin.ModelAdmin):
    list_display = ("created_at", "kind", "audience", "recipient", "post", "account", "sent_at")
    list_filter = ("kind", "audience", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("post", "account", "recipient__username", "recipient__email")
    date_hierarchy = "created_at"
    list_select_related = ("recipient",)
    readonly_fields = [field.name for field in Notice._meta.fields]

    # What happened is a record: nobody writes or edits it by hand.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(NotificationPreferences)
class NotificationPreferencesAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "publication_failed",
        "publication_in_doubt",
        "integration_needs_reauth",
        "integration_expiring",
        "endpoint_disabled",
        "scheduler_dead",
        "daily_digest",
    )
    list_filter = ("daily_digest",)
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = ("updated_at",)
