from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from waffle import admin as waffle_admin
from waffle.models import Switch

from flags.models import SwitchFlip
from flags.services import set_switch
from flags.switches import ALL_SWITCH_NAMES
from operator_admin.readonly import ReadOnlyAdminMixin
from operator_admin.secrets import SecretLookupsRefusedMixin
from operator_admin.timezone import OperatorTimezoneMixin


@admin.register(SwitchFlip)
class SwitchFlipAdmin(
    SecretLookupsRefusedMixin, OperatorTimezoneMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    """The record of every flip, read-only: flips are made on the switches panel."""

    list_display = ("at", "name", "state", "username", "note")
    list_filter = ("name", "active")
    search_fields = ("name", "username", "note")
    date_hierarchy = "at"

    @admin.display(description="New state", ordering="active")
    def state(self, obj: SwitchFlip) -> str:
        return "on" if obj.active else "off"


class SwitchForm(forms.ModelForm):
    class Meta:
        model = Switch
        fields = ("name", "active", "note", "created", "modified")  # django-waffle's own form

    def clean_name(self):
        name = self.cleaned_data["name"]
        if name in ALL_SWITCH_NAMES and name != self.instance.name:
            raise forms.ValidationError(
                f"{name} is a publishing switch: flip it on the switches panel, where the flip "
                "is recorded."
            )
        return name


class SwitchAdmin(SecretLookupsRefusedMixin, waffle_admin.SwitchAdmin):
    """django-waffle's switches. The publishing switches change only through ``set_switch``:
    it needs ``flags.flip_switch`` and records the flip. Here they are read-only, and the
    enable/disable actions flip them through it, for those allowed to."""

    form = SwitchForm
    actions = ["enable_selected", "disable_selected", "delete_selected_switches"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.name in ALL_SWITCH_NAMES:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.name in ALL_SWITCH_NAMES:
            return False
        return super().has_delete_permission(request, obj)

    def flip_selected(self, request, queryset, active: bool) -> None:
        for switch in queryset.filter(name__in=ALL_SWITCH_NAMES).order_by("pk"):
            try:
                set_switch(switch.name, active, user=request.user, note="from the switch list")
            except PermissionDenied as error:
                self.message_user(request, f"Skipped {switch.name}: {error}", messages.WARNING)
        others = queryset.exclude(name__in=ALL_SWITCH_NAMES).order_by("pk")
        flip = waffle_admin.enable_switches if active else waffle_admin.disable_switches
        flip(self, request, others)

    @admin.action(description="Enable selected switches", permissions=["change"])
    def enable_selected(self, request, queryset):
        self.flip_selected(request, queryset, True)

    @admin.action(description="Disable selected switches", permissions=["change"])
    def disable_selected(self, request, queryset):
        self.flip_selected(request, queryset, False)

    @admin.action(description="Delete selected", permissions=["delete"])
    def delete_selected_switches(self, request, queryset):
        kept = list(queryset.filter(name__in=ALL_SWITCH_NAMES).values_list("name", flat=True))
        if kept:
            # A missing switch counts as off: deleting one would hold posts with no record.
            self.message_user(
                request,
                f"Kept {', '.join(kept)}: publishing switches are never deleted.",
                messages.WARNING,
            )
        waffle_admin.delete_individually(self, request, queryset.exclude(name__in=ALL_SWITCH_NAMES))


if admin.site.is_registered(Switch):
    admin.site.unregister(Switch)
    admin.site.register(Switch, SwitchAdmin)
