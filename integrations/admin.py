from django.contrib import admin

from config.admin_secrets import SecretFieldsAdminMixin
from integrations.models import Integration, LegacyTokenUse


@admin.register(Integration)
class IntegrationAdmin(SecretFieldsAdminMixin, admin.ModelAdmin):
    secret_fields = Integration.SECRET_FIELDS
    list_display = (
        "__str__",
        "user",
        "provider",
        "status",
        "access_token_masked",
        "token_expires_at",
        "rate_limited_until",
        "last_error_at",
    )
    list_filter = ("provider", "status")
    search_fields = ("display_name", "external_account_id", "user__username", "user__email")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    readonly_fields = ("created_at", "updated_at", "last_error", "last_error_at")

    def get_fieldsets(self, request, obj=None):
        secrets = ["stored_secrets"]
        for name in self.secret_fields:
            secrets += [f"new_{name}", f"clear_{name}"]
        return (
            (
                None,
                {"fields": ("user", "provider", "external_account_id", "display_name", "status")},
            ),
            ("Tokens", {"fields": (*secrets, "token_expires_at", "scopes")}),
            ("Account", {"fields": ("account_options", "rate_limited_until")}),
            ("Health", {"fields": ("last_error", "last_error_at", "created_at", "updated_at")}),
        )

    @admin.display(description="Access token")
    def access_token_masked(self, obj: Integration) -> str:
        return obj.masked_secret("access_token")


@admin.register(LegacyTokenUse)
class LegacyTokenUseAdmin(admin.ModelAdmin):
    """Users the engine still publishes for with legacy columns: run migrate_user_tokens."""

    list_display = ("user", "provider", "uses", "last_used_at")
    list_filter = ("provider",)
    search_fields = ("user__username",)
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
