from django.contrib import admin

from config.admin_secrets import SecretLookupsRefusedMixin
from config.admin_timezone import OperatorTimezoneMixin
from flags.models import SwitchFlip


@admin.register(SwitchFlip)
class SwitchFlipAdmin(SecretLookupsRefusedMixin, OperatorTimezoneMixin, admin.ModelAdmin):
    """The record of every flip, read-only: flips are made on the switches panel."""

    list_display = ("at", "name", "state", "username", "note")
    list_filter = ("name", "active")
    search_fields = ("name", "username", "note")
    date_hierarchy = "at"

    @admin.display(description="New state", ordering="active")
    def state(self, obj: SwitchFlip) -> str:
        return "on" if obj.active else "off"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
