"""Publications in the admin: read-only rows, their audit timeline, and settling those in doubt."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.html import format_html

from content.choices import Status
from operator_admin.readonly import ReadOnlyAdminMixin
from operator_admin.secrets import SecretLookupsRefusedMixin
from operator_admin.timezone import OperatorTimezoneMixin
from publishing.admin.actions import intermediate_form, run_on_each
from publishing.models import EngineHeartbeat, Publication, PublicationEvent
from publishing.services import IN_DOUBT_CODE, resolve_in_doubt
from publishing.states import Actor
from publishing.templatetags.herald_admin import status_badge


def publication_state(obj: Publication) -> str:
    badge = status_badge(obj.status)
    if obj.status == Status.FAILED and obj.last_error_code == IN_DOUBT_CODE:
        return format_html("{} <strong>in doubt</strong>", badge)
    return badge


def permalink_link(obj: Publication) -> str:
    if not obj.permalink:
        return "—"
    return format_html(
        '<a href="{url}" target="_blank" rel="noopener">{url}</a>', url=obj.permalink
    )


class MarkPublishedForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="How you know it is out (recorded in the audit log).",
    )
    external_id = forms.CharField(
        required=False, max_length=200, help_text="The post's id on the platform."
    )
    permalink = forms.URLField(required=False, max_length=500, assume_scheme="https")

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("external_id") or cleaned.get("permalink")):
            raise forms.ValidationError("Give the post's id or its permalink on the platform.")
        return cleaned


class MarkFailedForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="How you know it did not go out (recorded in the audit log).",
    )


class InDoubtFilter(admin.SimpleListFilter):
    title = "needs a decision"
    parameter_name = "in_doubt"

    def lookups(self, request, model_admin):
        return [("yes", "In doubt: an operator must decide")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(status=Status.FAILED, last_error_code=IN_DOUBT_CODE)
        return queryset


@admin.register(Publication)
class PublicationAdmin(
    SecretLookupsRefusedMixin, OperatorTimezoneMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    change_form_template = "admin/publishing/publication/change_form.html"
    list_display = (
        "id",
        "content",
        "platform",
        "state",
        "attempts",
        "retry_count",
        "next_attempt_at",
        "published_at",
        "last_error_code",
    )
    list_filter = (InDoubtFilter, "status", "platform", "hold_kind", "last_error_code")
    search_fields = ("idempotency_key", "external_id", "content__title", "content__owner__username")
    list_select_related = ("content",)
    date_hierarchy = "created_at"
    actions = ("mark_published", "mark_failed")
    fieldsets = (
        (
            None,
            {"fields": ("content", "platform", "integration", "state", "hold_kind", "hold_reason")},
        ),
        (
            "Attempts",
            {
                "fields": (
                    "attempts",
                    "retry_count",
                    "last_retry_at",
                    "next_attempt_at",
                    "request_sent_at",
                    "lease_expires_at",
                )
            },
        ),
        (
            "Outcome",
            {"fields": ("published_at", "external_id", "link", "last_error_code", "last_error")},
        ),
        ("Keys", {"fields": ("idempotency_key", "account_key", "created_at", "updated_at")}),
    )
    readonly_fields = ("state", "link")

    @admin.display(description="State", ordering="status")
    def state(self, obj: Publication) -> str:
        return publication_state(obj)

    @admin.display(description="Permalink")
    def link(self, obj: Publication) -> str:
        return permalink_link(obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        events = PublicationEvent.objects.filter(publication_id=object_id).order_by("id")
        extra_context = {**(extra_context or {}), "events": events, "in_doubt_code": IN_DOUBT_CODE}
        return super().change_view(request, object_id, form_url, extra_context)

    SETTLE_PERMISSION = "publishing.settle_publication"

    def has_settle_permission(self, request) -> bool:
        """Settling decides what the engine does next: it has a permission of its own."""
        return request.user.is_active and request.user.has_perm(self.SETTLE_PERMISSION)

    def resolve_action(self, request, queryset, *, form_class, action, outcome, title, verb):
        form = form_class(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            intro = (
                "Only publications whose outcome is unknown (failed, in doubt) are settled; "
                "check the post on the platform first. Your name and reason go in each "
                "publication's audit log."
            )
            return intermediate_form(
                self,
                request,
                queryset.select_related("content"),
                form=form,
                action=action,
                title=title,
                intro=intro,
                submit=title,
            )
        data = form.cleaned_data
        actor = Actor.for_user(request.user)
        run_on_each(
            self,
            request,
            queryset,
            verb,
            lambda publication: resolve_in_doubt(
                publication,
                outcome=outcome,
                reason=data["reason"],
                actor=actor,
                external_id=data.get("external_id", ""),
                permalink=data.get("permalink", ""),
            ),
            why_skipped=lambda publication: "not in doubt",
        )
        return None

    @admin.action(description="Mark in-doubt publications as published…", permissions=["settle"])
    def mark_published(self, request, queryset):
        return self.resolve_action(
            request,
            queryset,
            form_class=MarkPublishedForm,
            action="mark_published",
            outcome="published",
            title="Mark as published",
            verb="marked as published",
        )

    @admin.action(description="Mark in-doubt publications as failed…", permissions=["settle"])
    def mark_failed(self, request, queryset):
        return self.resolve_action(
            request,
            queryset,
            form_class=MarkFailedForm,
            action="mark_failed",
            outcome="failed",
            title="Mark as failed (not published)",
            verb="marked as failed",
        )


@admin.register(PublicationEvent)
class PublicationEventAdmin(
    SecretLookupsRefusedMixin, OperatorTimezoneMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    list_display = ("created_at", "publication", "from_status", "to_status", "error_code", "actor")
    list_filter = ("to_status", "from_status", "error_code")
    search_fields = ("reason", "actor", "publication__idempotency_key")
    list_select_related = ("publication",)
    date_hierarchy = "created_at"


@admin.register(EngineHeartbeat)
class EngineHeartbeatAdmin(SecretLookupsRefusedMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "last_tick_at", "last_tick_seconds", "last_dispatched")
