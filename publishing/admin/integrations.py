"""The Integration admin's rate-limit column: the windows are publishing's to count.

integrations/ sits below publishing/ and may not read its rate limits, so
publishing re-registers the Integration admin with the column added.
"""

from django.contrib import admin
from django.utils.html import format_html

from integrations.admin import IntegrationAdmin
from integrations.models import Integration
from publishing.rate_limits import window_uses


class IntegrationWithRateLimitAdmin(IntegrationAdmin):
    list_display = (
        *IntegrationAdmin.list_display[:6],
        "rate_limit_use",
        *IntegrationAdmin.list_display[6:],
    )

    def get_changelist_instance(self, request):
        """Read the rate-limit windows of the whole page at once (one query or one Redis call)."""
        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)
        uses = window_uses((row.provider, f"integration:{row.pk}") for row in rows)
        for row in rows:
            row.window_use = uses[(row.provider, f"integration:{row.pk}")]
        return changelist

    @admin.display(description="Rate limit (used / limit)")
    def rate_limit_use(self, obj: Integration) -> str:
        use = getattr(obj, "window_use", None)
        if use is None:
            return "—"
        hours = use.window_seconds / 3600
        window = f"{hours:g} h" if hours >= 1 else f"{use.window_seconds // 60} min"
        text = f"{use.used} / {use.limit} per {window}"
        if use.full:
            return format_html('<strong style="color:#c0392b">{} (full)</strong>', text)
        return text


admin.site.unregister(Integration)
admin.site.register(Integration, IntegrationWithRateLimitAdmin)
