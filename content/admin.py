from django.contrib import admin

from content.models import Content, ContentMedia


class ContentMediaInline(admin.TabularInline):
    model = ContentMedia
    extra = 0
    fields = ("position", "kind", "file", "mime_type", "size_bytes", "alt_text")


@admin.register(Content)
class ContentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "owner", "status", "scheduled_for", "retry_count", "version")
    list_filter = ("status", "publications__platform", "scheduled_for", "owner")
    search_fields = ("title", "body", "owner__username")
    date_hierarchy = "scheduled_for"
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)
    readonly_fields = (
        "status",
        "retry_count",
        "last_retry_at",
        "version",
        "created_at",
        "updated_at",
    )
    inlines = [ContentMediaInline]


@admin.register(ContentMedia)
class ContentMediaAdmin(admin.ModelAdmin):
    list_display = ("__str__", "content", "kind", "mime_type", "size_bytes")
    list_filter = ("kind",)
    search_fields = ("file", "content__title")
    list_select_related = ("content",)
    raw_id_fields = ("content",)
