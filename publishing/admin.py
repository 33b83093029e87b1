from django import forms
from django.contrib import admin, messages

from content.choices import Platform, Status
from content.models import Content, ContentMedia
from publishing.models import EngineHeartbeat, Publication, PublicationEvent
from publishing.posts import validation_problems
from publishing.services import (
    EDITABLE_STATUSES,
    SchedulingError,
    edit_content,
    resolve_target,
    schedule_content,
)
from publishing.states import Actor


class ReadOnlyAdminMixin:
    """The audit trail and engine rows change only through the state machine."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PublicationEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PublicationEvent
    extra = 0
    fields = ("created_at", "from_status", "to_status", "reason", "error_code", "actor")
    readonly_fields = fields
    ordering = ("id",)


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "content",
        "platform",
        "status",
        "attempts",
        "retry_count",
        "next_attempt_at",
        "published_at",
        "last_error_code",
    )
    list_filter = ("status", "platform", "last_error_code")
    search_fields = ("idempotency_key", "external_id", "content__title", "content__owner__username")
    list_select_related = ("content",)
    date_hierarchy = "created_at"
    inlines = [PublicationEventInline]


@admin.register(PublicationEvent)
class PublicationEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "publication", "from_status", "to_status", "error_code", "actor")
    list_filter = ("to_status", "from_status", "error_code")
    search_fields = ("reason", "actor", "publication__idempotency_key")
    list_select_related = ("publication",)
    date_hierarchy = "created_at"


@admin.register(EngineHeartbeat)
class EngineHeartbeatAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "last_tick_at", "last_tick_seconds", "last_dispatched")


class ContentAdminForm(forms.ModelForm):
    """Scheduling from the admin: the same services and rules as the API."""

    platforms = forms.MultipleChoiceField(
        choices=Platform.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Each platform uses the owner's account there (or their legacy tokens).",
    )

    class Meta:
        model = Content
        fields = ("owner", "title", "body", "options", "scheduled_for")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        # Fields the admin shows read-only are not in cleaned_data: keep the saved ones.
        current = self.instance
        draft = Content(
            pk=current.pk,
            owner=cleaned.get("owner") or current.owner,
            title=cleaned.get("title", current.title),
            body=cleaned.get("body", current.body),
            options=cleaned.get("options", current.options) or {},
            scheduled_for=cleaned.get("scheduled_for", current.scheduled_for),
        )
        if self.instance.pk is None:
            if not cleaned.get("platforms"):
                self.add_error("platforms", "Choose at least one platform to publish to.")
                return cleaned
            try:
                self.targets = [resolve_target(draft.owner, p) for p in cleaned["platforms"]]
            except SchedulingError as error:
                self.add_error("platforms", str(error))
                return cleaned
            platforms = cleaned["platforms"]
        else:
            platforms = list(self.instance.publications.values_list("platform", flat=True))
        for found in validation_problems(draft, platforms).values():
            for problem in found:
                self.add_error(None, problem)
        return cleaned


class PublicationInline(admin.TabularInline):
    model = Publication
    extra = 0
    fields = ("platform", "status", "attempts", "retry_count", "permalink", "last_error")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class ContentMediaInline(admin.TabularInline):
    model = ContentMedia
    extra = 0
    fields = ("position", "kind", "file", "mime_type", "size_bytes", "alt_text")


@admin.register(Content)
class ContentAdmin(admin.ModelAdmin):
    form = ContentAdminForm
    list_display = ("__str__", "owner", "status", "scheduled_for", "retry_count", "version")
    list_filter = ("status", "publications__platform", "scheduled_for", "owner")
    search_fields = ("title", "body", "owner__username")
    date_hierarchy = "scheduled_for"
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)
    inlines = [PublicationInline, ContentMediaInline]

    def get_fields(self, request, obj=None):
        fields = ["owner", "title", "body", "options", "scheduled_for"]
        if obj is None:
            return [*fields, "platforms"]
        return [*fields, "status", "retry_count", "last_retry_at", "version"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        frozen = ("owner", "status", "retry_count", "last_retry_at", "version")
        if obj.publications.exclude(status__in=EDITABLE_STATUSES).exists() or (
            obj.publications.filter(request_sent_at__isnull=False).exists()
        ):
            # Something went out: the text is history now.
            return (*frozen, "title", "body", "options", "scheduled_for")
        if obj.publications.exclude(status=Status.SCHEDULED).exists():
            return (*frozen, "scheduled_for")
        return frozen

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            if not form.changed_data:
                return
            try:
                edit_content(
                    Content.objects.get(pk=obj.pk),
                    body=data.get("body"),
                    title=data.get("title"),
                    options=data.get("options"),
                    scheduled_for=data.get("scheduled_for"),
                )
            except SchedulingError as error:
                # A target started between the form and the save.
                self.message_user(request, f"Not saved: {error}", level=messages.ERROR)
            return
        content = schedule_content(
            owner=data["owner"],
            title=data.get("title", ""),
            body=data.get("body", ""),
            options=data.get("options") or {},
            scheduled_for=data["scheduled_for"],
            targets=form.targets,
            actor=Actor.for_user(request.user),
        )
        obj.pk = content.pk
        obj._state.adding = False
