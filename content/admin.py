from django.contrib import admin

from content.models import ContentMedia

# Content itself is administered in publishing/admin.py: scheduling and
# editing go through the publishing services, which content may not import.


@admin.register(ContentMedia)
class ContentMediaAdmin(admin.ModelAdmin):
    list_display = ("__str__", "content", "kind", "mime_type", "size_bytes")
    list_filter = ("kind",)
    search_fields = ("file", "content__title")
    list_select_related = ("content",)
    raw_id_fields = ("content",)
