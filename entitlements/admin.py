"""The plans admin, and what the User admin shows of plans: the entitlement inline with its
usage, the "over or near a limit" filter and the action that moves users to another plan.

Thin callers: limits and usage come from ``entitlements.services``, the filter's counts
from ``entitlements.selectors``, a move from ``services.set_plan``. The admin may read
any app, so the connected accounts are counted here from ``integrations``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html, format_html_join

from entitlements.forms import LIMIT_LABELS, EntitlementForm, MovePlanForm, PlanForm
from entitlements.limits import LimitName
from entitlements.models import Entitlement, Plan
from entitlements.selectors import users_near_a_limit
from entitlements.services import set_plan, usage_report
from integrations.models import Integration
from operator_admin.timezone import OperatorTimezoneMixin
from platforms import registry
from publishing.admin.actions import intermediate_form
from publishing.selectors import plan_effect

MOVE_PERMISSION = "entitlements.change_entitlement"
LIMIT_NAMES = {name.value for name in LimitName}


# --- limits as people read them -------------------------------------------------------------


def readable_limit(name: LimitName, value) -> str:
    """``unlimited``, ``10.0 MB``, ``X, Discord``, ``no (publish now only)``..."""
    if name == LimitName.PLATFORMS:
        if value is None:
            return "all platforms"
        return ", ".join(platform_label(p) for p in value) if value else "none"
    if name == LimitName.AUTOMATION:
        return "no (publish now only)" if value is False else "yes"
    if value is None or value == "":
        return "unlimited"
    if name == LimitName.MAX_MEDIA_BYTES:
        return filesizeformat(value)
    return str(value)


def platform_label(value: str) -> str:
    """The platform's label; a value the registry no longer knows shows as itself."""
    return registry.label(value) if value in registry.values() else value


def readable_overrides(overrides: Mapping) -> str:
    if not overrides:
        return "none: the plan's limits"
    return "; ".join(
        f"{LIMIT_LABELS[LimitName(name)]}: {readable_limit(LimitName(name), value)}"
        for name, value in overrides.items()
        if name in LIMIT_NAMES
    )


def connected_accounts(user_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Each user's connected accounts by platform (revoked ones left out), in one query."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        Integration.objects.filter(user_id__in=list(user_ids))
        .exclude(status=Integration.Status.REVOKED)
        .values("user_id", "provider")
        .annotate(accounts=Count("id"))
        .values_list("user_id", "provider", "accounts")
    )
    for user_id, provider, accounts in rows:
        counts[user_id][provider] = accounts
    return counts


# --- plans ----------------------------------------------------------------------------------


@admin.register(Plan)
class PlanAdmin(OperatorTimezoneMixin, admin.ModelAdmin):
    form = PlanForm
    list_display = (
        "name",
        "platforms_allowed",
        "accounts",
        "posts",
        "automation",
        "largest_file",
        "api_requests",
        "users",
    )
    search_fields = ("name",)
    readonly_fields = ("users", "created_at", "updated_at")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(user_count=Count("entitlements"))

    def get_fieldsets(self, request, obj=None):
        limits = [
            "accounts_per_platform",
            "posts_per_month",
            "automation",
            "max_media_bytes",
            "api_rate",
        ]
        if obj is not None and not self.has_change_permission(request, obj):
            # Read-only: the model's values, the platforms by label.
            platforms = ["platforms_allowed"]
        else:
            platforms = ["platform_scope", "platform_list"]
        fieldsets = [
            (None, {"fields": ["name"]}),
            ("Limits (empty: unlimited)", {"fields": [*platforms, *limits]}),
        ]
        if obj is not None:
            fieldsets.append(("Use", {"fields": ["users", "created_at", "updated_at"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            return (*fields, "platforms_allowed")
        return fields

    @admin.display(description="Platforms")
    def platforms_allowed(self, plan: Plan) -> str:
        return readable_limit(LimitName.PLATFORMS, plan.platforms)

    @admin.display(description="Accounts per platform", ordering="accounts_per_platform")
    def accounts(self, plan: Plan) -> str:
        return readable_limit(LimitName.ACCOUNTS_PER_PLATFORM, plan.accounts_per_platform)

    @admin.display(description="Posts a month", ordering="posts_per_month")
    def posts(self, plan: Plan) -> str:
        return readable_limit(LimitName.POSTS_PER_MONTH, plan.posts_per_month)

    @admin.display(description="Largest file", ordering="max_media_bytes")
    def largest_file(self, plan: Plan) -> str:
        return readable_limit(LimitName.MAX_MEDIA_BYTES, plan.max_media_bytes)

    @admin.display(description="API rate", ordering="api_rate")
    def api_requests(self, plan: Plan) -> str:
        return readable_limit(LimitName.API_RATE, plan.api_rate)

    @admin.display(description="Users")
    def users(self, plan: Plan) -> int:
        count = getattr(plan, "user_count", None)
        return plan.entitlements.count() if count is None else count

    def get_deleted_objects(self, objs, request):
        """Refuse, in words, to delete the default plan or a plan someone is on."""
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        plans = list(objs)
        reasons = []
        for plan in plans:
            if plan.name == settings.DEFAULT_PLAN:
                reasons.append(
                    f"{plan.name} is the default plan (the DEFAULT_PLAN setting names it): "
                    "it is never deleted."
                )
        in_use = {
            row["plan"]: row["users"]
            for row in Entitlement.objects.filter(plan__in=plans)
            .values("plan")
            .annotate(users=Count("id"))
        }
        for plan in plans:
            if users := in_use.get(plan.pk):
                reasons.append(
                    f"{plan.name} is the plan of {users} user{'s' if users != 1 else ''}: "
                    "move them to another plan first (Users, action “Move the selected users "
                    "to another plan”)."
                )
        if reasons:
            # In place of every entitlement (Django lists each): the page offers no button.
            protected = reasons
        return deleted, model_count, perms_needed, protected


# --- the entitlement on the User page -------------------------------------------------------


def usage_rows(user) -> list[tuple[str, str, str, str]]:
    """(limit, in force, used, left) for each limit of ``user``, from the one service."""
    report = usage_report(user, connected=connected_accounts([user.pk]).get(user.pk, {}))
    rows = []
    for usage in report.limits:
        limit = readable_limit(usage.name, usage.limit)
        used, remaining = "", ""
        if usage.name == LimitName.ACCOUNTS_PER_PLATFORM:
            used = ", ".join(
                f"{platform_label(platform)} {count}"
                for platform, count in usage.used.items()
                if count or usage.limit is not None
            )
            used = used or "none connected"
        elif usage.name == LimitName.POSTS_PER_MONTH:
            used = f"{usage.used} this month"
            remaining = "unlimited" if usage.remaining is None else str(usage.remaining)
            if usage.resets_at is not None:
                # The month in the user's own zone; shown as a date, with its zone.
                resets = usage.resets_at
                remaining += f" (resets {resets:%Y-%m-%d %H:%M} {resets.tzname()})"
        rows.append((LIMIT_LABELS[usage.name], limit, used, remaining))
    return rows


class EntitlementInline(admin.StackedInline):
    """The user's plan, overrides (one field per limit), validity, note and usage."""

    model = Entitlement
    form = EntitlementForm
    can_delete = False
    max_num = 1
    extra = 1  # shown only for a user without one: max_num counts the existing row
    verbose_name = "plan and limits"
    verbose_name_plural = "plan and limits"
    readonly_fields = ("usage", "overrides_in_force")

    def get_fieldsets(self, request, obj=None):
        head = (None, {"fields": ["plan", ("valid_from", "valid_until"), "note"]})
        usage = ("Usage", {"fields": ["usage"]})
        if not self.has_change_permission(request, obj):
            return [head, ("Overrides", {"fields": ["overrides_in_force"]}), usage]
        overrides = []
        for name in LimitName:
            if name == LimitName.AUTOMATION:
                overrides.append(f"override_{name.value}")
            else:
                overrides.append((f"override_{name.value}", f"override_{name.value}_value"))
        return [
            head,
            (
                "Overrides of the plan's limits, for this user only",
                {"fields": overrides, "classes": ("collapse",)},
            ),
            usage,
        ]

    @admin.display(description="Overrides")
    def overrides_in_force(self, entitlement: Entitlement) -> str:
        if entitlement is None or entitlement.pk is None:
            return "—"
        return readable_overrides(entitlement.overrides)

    @admin.display(description="Usage now")
    def usage(self, entitlement: Entitlement) -> str:
        if entitlement is None or entitlement.pk is None:
            return "—"
        user = entitlement.user
        if user.is_superuser:
            return "A superuser is unlimited, whatever the plan says."
        note = ""
        if not entitlement.in_force():
            note = format_html(
                "<p><strong>Outside its validity dates: the default plan {} applies.</strong></p>",
                settings.DEFAULT_PLAN,
            )
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            usage_rows(user),
        )
        return format_html(
            '{}<table class="herald-usage"><thead><tr><th>limit</th><th>in force</th>'
            "<th>used</th><th>left</th></tr></thead><tbody>{}</tbody></table>",
            note,
            body,
        )


# --- the User list: "over or near a limit" --------------------------------------------------


class NearLimitFilter(admin.SimpleListFilter):
    """Users whose posts this month reach 80 % of their limit, or whose accounts reach theirs."""

    title = "limits"
    parameter_name = "limits"
    NEAR = "near"

    def lookups(self, request, model_admin):
        return [(self.NEAR, "over or near a limit")]

    def queryset(self, request, queryset):
        if self.value() != self.NEAR:
            return queryset
        users = queryset.order_by().only("pk", "is_superuser", "timezone")
        near = users_near_a_limit(users, count_connected=connected_accounts)
        return queryset.filter(pk__in=near)


# --- the action: move users to another plan -------------------------------------------------


def posts(count: int) -> str:
    return f"{count} post{'s' if count != 1 else ''}"


def move_users_to_plan(modeladmin, request, queryset):
    """Ask for the plan (an intermediate page), then move each user with ``set_plan``."""
    users = list(queryset.order_by("username"))
    form = MovePlanForm(request.POST if "apply" in request.POST else None)
    if not form.is_valid():
        return intermediate_form(
            modeladmin,
            request,
            users,
            form=form,
            action="move_to_plan",
            title="Move users to another plan",
            intro="Each selected user moves to the plan chosen below from now on. Due posts "
            "the new plan does not allow wait in QUEUED with a plan hold; posts the old plan "
            "held go out when the new one allows them.",
            submit="Move them",
        )
    plan = form.cleaned_data["plan"]
    ids = [user.pk for user in users]
    with transaction.atomic():
        effect = plan_effect(ids, plan)
        held, released = effect.held, effect.released
        for user in users:
            set_plan(user, plan, note=form.cleaned_data["note"])
    superusers = sum(user.is_superuser for user in users)
    moved = f"{len(users)} user{'s' if len(users) != 1 else ''} moved to {plan.name}"
    effect = f"{posts(held)} held by the plan, {posts(released)} released"
    unlimited = f" ({superusers} superuser{'s' if superusers != 1 else ''} stay unlimited)"
    modeladmin.message_user(
        request,
        f"{moved}{unlimited if superusers else ''}: {effect}.",
        messages.WARNING if held else messages.SUCCESS,
    )
    return None
