from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User
from config.admin_secrets import SecretFieldsAdminMixin, secret_form


@admin.register(User)
class UserAdmin(SecretFieldsAdminMixin, DjangoUserAdmin):
    secret_fields = User.LEGACY_TOKEN_FIELDS
    list_display = ("username", "email", "timezone", "is_staff", "legacy_tokens", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "timezone")
    search_fields = ("username", "email", "first_name", "last_name")

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None:
            return fieldsets
        fieldsets.insert(1, ("Scheduling", {"fields": ("timezone",)}))
        legacy = ["stored_secrets"]
        for name in self.secret_fields:
            legacy += [f"new_{name}", f"clear_{name}"]
        fieldsets.append(
            (
                "Legacy tokens (deprecated: run migrate_user_tokens)",
                {"fields": legacy, "classes": ("collapse",)},
            )
        )
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            # The add form is Django's own (username + password).
            return DjangoUserAdmin.get_form(self, request, obj, change=change, **kwargs)
        kwargs["form"] = type(
            "UserChangeSecretForm",
            (secret_form(User, self.secret_fields), self.form),
            {},
        )
        return DjangoUserAdmin.get_form(self, request, obj, change=change, **kwargs)

    @admin.display(boolean=True, description="Legacy tokens")
    def legacy_tokens(self, obj: User) -> bool:
        return obj.has_legacy_tokens()
