from django.contrib import admin

from content.models import ContentMedia
from operator_admin.readonly import ReadOnlyAdminMixin

# Content itself is administered in publishing/admin/content.py: scheduling and
# editing go through the publishing services, which content may not import.


@admin.register(ContentMedia)
class ContentMediaAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Attached files, read-only.

    Files come in through the content form (or the API), where each is typed by
    its bytes, checked against the platform rules and counted in the owner's
    quota; here they could skip all three, or change what a sent post showed.
    They go away with their content (publishing.services.delete_content).
    """

    list_display = ("__str__", "content", "kind", "mime_type", "size_bytes")
    list_filter = ("kind",)
    search_fields = ("file", "content__title")
    list_select_related = ("content",)
    raw_id_fields = ("content",)
