from django.contrib import admin

from analytics.models import CollectorBudget, MetricsSnapshot


@admin.register(MetricsSnapshot)
class MetricsSnapshotAdmin(admin.ModelAdmin):
    """Read-only: snapshots are the collector's record (the Analytics page sums them)."""

    list_display = (
        "publication",
        "due_after",
        "taken_at",
        "engagement",
        "views",
        "likes",
        "comments",
        "shares",
        "reactions",
        "is_latest",
    )
    list_filter = ("publication__platform", "due_after", "is_latest")
    list_select_related = ("publication",)
    date_hierarchy = "taken_at"
    raw_id_fields = ("publication",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CollectorBudget)
class CollectorBudgetAdmin(admin.ModelAdmin):
    """The collector's windows per account: what it spent, and whether it is backing off."""

    list_display = ("platform", "key", "window_start", "used", "backoff_until", "last_error")
    list_filter = ("platform",)
    search_fields = ("key",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
