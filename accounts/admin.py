from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from content.models import Content
from entitlements.admin import (
    MOVE_PERMISSION,
    EntitlementInline,
    NearLimitFilter,
    move_users_to_plan,
)
from operator_admin.changelist import DateSafeChangeListMixin
from operator_admin.secrets import SecretFieldsAdminMixin, secret_form
from publishing.admin.deletion import delete_contents, deletion_summary, sent_publications

# Who may grant rights: only a superuser, or anyone allowed to change users could
# make themselves one.
PRIVILEGE_FIELDS = ("is_superuser", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(SecretFieldsAdminMixin, DjangoUserAdmin):
    secret_fields = User.LEGACY_TOKEN_FIELDS
    list_display = (
        "username",
        "email",
        "timezone",
        "plan",
        "is_staff",
        "legacy_tokens",
        "date_joined",
    )
    list_filter = (
        NearLimitFilter,
        "entitlement__plan",
        "is_staff",
        "is_superuser",
        "is_active",
        "timezone",
    )
    list_select_related = ("entitlement__plan",)
    search_fields = ("username", "email", "first_name", "last_name")
    actions = ("move_to_plan",)

    def get_inlines(self, request, obj):
        # The add page is Django's own; a new user gets the default plan (a receiver).
        return [EntitlementInline] if obj is not None else []

    @admin.display(description="Plan", ordering="entitlement__plan__name")
    def plan(self, obj: User) -> str:
        entitlement = getattr(obj, "entitlement", None)
        if obj.is_superuser:
            return "unlimited (superuser)"
        if entitlement is None:
            return "—"
        if not entitlement.in_force():
            return f"{entitlement.plan.name} (not in force: {settings.DEFAULT_PLAN})"
        return entitlement.plan.name

    @admin.action(description="Move the selected users to another plan…", permissions=["move_plan"])
    def move_to_plan(self, request, queryset):
        return move_users_to_plan(self, request, queryset)

    def has_move_plan_permission(self, request) -> bool:
        return request.user.has_perm(MOVE_PERMISSION)

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

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and not request.user.is_superuser:
            return (*fields, *PRIVILEGE_FIELDS)
        return fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # nor set a superuser's password
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    # A user's content goes with the user, through publishing.services.delete_content:
    # content that went out stays with its audit trail, so its owner is not deleted.
    # Refused here rather than with on_delete=PROTECT, which would also keep every
    # user who only ever scheduled drafts, and would put the rule in two places.
    def get_deleted_objects(self, objs, request):
        contents = Content.objects.filter(owner__in=objs)
        content_admin = self.admin_site.get_model_admin(Content)
        deleted = deletion_summary(
            super().get_deleted_objects(objs, request),
            contents=contents,
            may_delete_content=content_admin.has_delete_permission(request),
        )
        if sent_publications(contents):
            self.message_user(
                request,
                "A user whose content went out is kept with it, as the record of what was "
                "published; deactivate the user (untick Active) instead.",
                messages.WARNING,
            )
        return deleted

    def delete_model(self, request, obj):
        with transaction.atomic():
            delete_contents(obj.contents.all())
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            delete_contents(Content.objects.filter(owner__in=queryset))
            super().delete_queryset(request, queryset)

    @admin.display(boolean=True, description="Legacy tokens")
    def legacy_tokens(self, obj: User) -> bool:
        return obj.has_legacy_tokens()


# django-axes' lists, with a date hierarchy that takes any year (a 500 for year 9999), and an
# attempt list that offers "Clean up expired attempts" to anyone who may look at it; the
# action also fails outside a sign-in request (it reads the time axes stamps on those).
admin.site.unregister(AccessAttempt)
admin.site.unregister(AccessLog)
admin.site.unregister(AccessFailureLog)


@admin.register(AccessLog)
class SignInLogAdmin(DateSafeChangeListMixin, AccessLogAdmin):
    """Successful admin sign-ins and sign-outs."""


@admin.register(AccessFailureLog)
class SignInFailureLogAdmin(DateSafeChangeListMixin, AccessFailureLogAdmin):
    """Every failed sign-in, locked out or not (never a password)."""


@admin.register(AccessAttempt)
class SignInAttemptAdmin(DateSafeChangeListMixin, AccessAttemptAdmin):
    """Failed sign-ins (never a password); only those who may delete them clean them up."""

    @admin.action(description="Clean up expired attempts", permissions=["delete"])
    def cleanup_expired_attempts(self, request, queryset):
        request.axes_attempt_time = timezone.now()
        return super().cleanup_expired_attempts(request, queryset)
