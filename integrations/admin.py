from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from entitlements.services import EntitlementExceeded
from integrations.daily_check import refresh_integration
from integrations.models import Integration, LegacyTokenUse
from integrations.services import (
    IntegrationError,
    check_plan_allows,
    pause_integration,
    resume_integration,
    revoke_integration,
)
from operator_admin.secrets import (
    SecretFieldsAdminMixin,
    SecretLookupsRefusedMixin,
    mask_secret,
)
from operator_admin.timezone import OperatorTimezoneMixin


class PlanCheckedForm:
    """An account added (or given to another user) by hand must fit that user's plan.

    The admin saves a form in the transaction that cleaned it, so the check's lock on
    the user's entitlement holds until the account is stored.
    """

    def clean(self):
        cleaned = super().clean()
        user, provider = cleaned.get("user"), cleaned.get("provider")
        account = cleaned.get("external_account_id")
        revoked = self.instance.pk and self.instance.status == Integration.Status.REVOKED
        if user and provider and account and not revoked:
            try:
                check_plan_allows(user, provider, account)
            except EntitlementExceeded as refusal:
                raise ValidationError(str(refusal)) from None
        return cleaned


@admin.register(Integration)
class IntegrationAdmin(OperatorTimezoneMixin, SecretFieldsAdminMixin, admin.ModelAdmin):
    secret_fields = Integration.SECRET_FIELDS
    list_display = (
        "__str__",
        "user",
        "provider",
        "status",
        "access_token_masked",
        "token_expires_at",
        "rate_limited_until",
        "short_last_error",
        "last_error_at",
    )
    list_filter = ("provider", "status")
    search_fields = ("display_name", "external_account_id", "user__username", "user__email")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    # Status changes go through the actions (services), which also release held posts.
    readonly_fields = ("status", "created_at", "updated_at", "last_error", "last_error_at")
    actions = ("refresh_accounts", "pause_accounts", "resume_accounts", "revoke_accounts")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (PlanCheckedForm, form), {})

    MANAGE_PERMISSION = "integrations.manage_integration"

    # Only superusers and users given "manage_integration" touch accounts; others may look
    # (with the usual view permission), and never see a token either way.
    def has_manage_permission(self, request) -> bool:
        return request.user.is_active and request.user.has_perm(self.MANAGE_PERMISSION)

    def has_add_permission(self, request):
        return self.has_manage_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_manage_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_manage_permission(request)

    def has_view_permission(self, request, obj=None):
        return self.has_manage_permission(request) or super().has_view_permission(request, obj)

    @admin.display(description="Last error")
    def short_last_error(self, obj: Integration) -> str:
        if not obj.last_error:
            return "—"
        return obj.last_error if len(obj.last_error) <= 80 else f"{obj.last_error[:79]}…"

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

    def run_lifecycle(self, request, queryset, service, done: str) -> None:
        """Apply ``service`` to each account; say what was done and what was skipped, and why."""
        succeeded, skipped = 0, []
        for integration in queryset:
            try:
                result = service(integration)
            except IntegrationError as error:
                skipped.append(str(error))
                continue
            succeeded += 1
            if platform_message := getattr(result, "platform_message", ""):
                self.message_user(request, f"{integration}: {platform_message}")
        if succeeded:
            self.message_user(request, f"{succeeded} {done}.", messages.SUCCESS)
        for reason in skipped:
            self.message_user(request, f"Skipped: {reason}", messages.WARNING)

    @admin.action(description="Refresh the selected accounts' tokens now", permissions=["manage"])
    def refresh_accounts(self, request, queryset):
        self.run_lifecycle(request, queryset, refresh_integration, "refreshed")

    @admin.action(description="Pause the selected accounts", permissions=["manage"])
    def pause_accounts(self, request, queryset):
        self.run_lifecycle(request, queryset, pause_integration, "paused")

    @admin.action(description="Resume the selected accounts", permissions=["manage"])
    def resume_accounts(self, request, queryset):
        self.run_lifecycle(request, queryset, resume_integration, "resumed")

    @admin.action(
        description="Revoke the selected accounts (also at the platform)", permissions=["manage"]
    )
    def revoke_accounts(self, request, queryset):
        self.run_lifecycle(request, queryset, revoke_integration, "revoked")

    @admin.display(description="Access token")
    def access_token_masked(self, obj: Integration) -> str:
        return mask_secret(obj.access_token)


@admin.register(LegacyTokenUse)
class LegacyTokenUseAdmin(SecretLookupsRefusedMixin, admin.ModelAdmin):
    """Users the engine still publishes for with legacy columns: run migrate_user_tokens."""

    list_display = ("user", "provider", "uses", "last_used_at")
    list_filter = ("provider",)
    search_fields = ("user__username",)
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
