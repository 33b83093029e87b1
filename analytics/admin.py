from django.contrib import admin

from analytics.models import CollectorBudget, MetricsSnapshot
from operator_admin.readonly import ReadOnlyAdminMixin
from operator_admin.timezone import OperatorTimezoneMixin


@admin.register(MetricsSnapshot)
class MetricsSnapshotAdmin(OperatorTimezoneMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
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


@admin.register(CollectorBudget)
class CollectorBudgetAdmin(OperatorTimezoneMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The collector's windows per account: what it spent, and whether it is backing off."""

    list_display = ("platform", "key", "window_start", "used", "backoff_until", "last_error")
    list_filter = ("platform",)
    search_fields = ("key",)
