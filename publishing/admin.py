from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sized
from dataclasses import dataclass, field

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AdminSplitDateTime
from django.db.models import Prefetch
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django_q import admin as django_q_admin
from django_q.models import Failure, Success

from config.admin_readonly import ReadOnlyAdminMixin
from config.admin_secrets import SecretLookupsRefusedMixin
from config.admin_timezone import OperatorTimezoneMixin
from content.choices import Status
from content.models import Content, ContentMedia
from platforms import registry
from publishing import admin_integrations  # noqa: F401 - the Integration admin's rate column
from publishing.admin_deletion import delete_contents, deletion_summary, sent_publications
from publishing.media import UploadRefused, media_draft
from publishing.models import EngineHeartbeat, Publication, PublicationEvent
from publishing.posts import validation_problems
from publishing.services import (
    EDITABLE_STATUSES,
    IN_DOUBT_CODE,
    SchedulingError,
    cancel_content,
    check_schedule_time,
    edit_content,
    media_quota_problem,
    publish_now,
    resolve_in_doubt,
    resolve_target,
    retry_failed,
    schedule_content,
)
from publishing.states import Actor
from publishing.templatetags.herald_admin import status_badge

admin.site.site_header = "Herald back office"
admin.site.site_title = "Herald"
admin.site.index_title = "Run publishing"


# --- Actions: one way to run a service over a selection and say what it did ------------------


@dataclass
class ActionResults:
    """What an admin action did: how many it changed, and why it skipped the others."""

    done: int = 0
    skipped: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def skip(self, reason: str, label: str) -> None:
        self.skipped[reason].append(label)

    def summary(self, verb: str) -> str:
        """``3 canceled, 1 skipped: already published (#12).``"""
        parts = []
        if self.done or not self.skipped:
            parts.append(f"{self.done} {verb}")
        if self.skipped:
            total = sum(len(labels) for labels in self.skipped.values())
            reasons = "; ".join(
                f"{reason} ({', '.join(labels)})" for reason, labels in self.skipped.items()
            )
            parts.append(f"{total} skipped: {reasons}")
        return ", ".join(parts) + "."


def run_on_each(
    modeladmin: admin.ModelAdmin,
    request,
    objects: Iterable,
    verb: str,
    operation: Callable,
    why_skipped: Callable[[object], str],
) -> ActionResults:
    """Call ``operation(obj)`` (a service) on each object and tell the operator the outcome.

    The object is skipped when the service refuses (``SchedulingError``, its
    message is the reason) or changes nothing (returns an empty collection or
    None; ``why_skipped(obj)`` says why).
    """
    results = ActionResults()
    for obj in objects:
        label = f"#{obj.pk}"
        try:
            outcome = operation(obj)
        except SchedulingError as error:
            results.skip(str(error).rstrip("."), label)
            continue
        if outcome is None or (isinstance(outcome, Sized) and not len(outcome)):
            results.skip(why_skipped(obj), label)
        else:
            results.done += 1
    if results.skipped:
        level = messages.WARNING
    else:
        level = messages.SUCCESS if results.done else messages.INFO
    modeladmin.message_user(request, results.summary(verb), level)
    return results


def intermediate_form(modeladmin, request, queryset, *, form, action, title, intro, submit):
    """The page an action shows to ask for more (a time, a reason) before it runs."""
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "submit": submit,
        "form": form,
        "objects": list(queryset),
        "action": action,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": modeladmin.media + form.media,
    }
    return TemplateResponse(request, "admin/herald/action_form.html", context)


# --- Publications -------------------------------------------------------------------------


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
    list_filter = (InDoubtFilter, "status", "platform", "last_error_code")
    search_fields = ("idempotency_key", "external_id", "content__title", "content__owner__username")
    list_select_related = ("content",)
    date_hierarchy = "created_at"
    actions = ("mark_published", "mark_failed")
    fieldsets = (
        (None, {"fields": ("content", "platform", "integration", "state", "hold_reason")}),
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


# --- Content --------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MediaFilesField(forms.FileField):
    """Several files from one input, cleaned one by one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,video/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MediaFilesField, self).clean(item, initial) for item in files if item]


class ContentAdminForm(forms.ModelForm):
    """Scheduling from the admin: the same services and rules as the API."""

    platforms = forms.MultipleChoiceField(
        choices=registry.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Each platform uses the owner's account there (or their legacy tokens).",
    )
    media_files = MediaFilesField(
        required=False,
        label="Media",
        help_text="Images or a video, in order. Instagram needs at least one; YouTube one video.",
    )

    class Meta:
        model = Content
        fields = ("owner", "title", "body", "options", "scheduled_for")

    def clean_media_files(self):
        """Unsaved media rows, typed by their content (the API's rules); nothing is written."""
        drafts, refusals = [], []
        for position, upload in enumerate(self.cleaned_data.get("media_files") or []):
            try:
                drafts.append(media_draft(upload, position=position))
            except UploadRefused as error:
                refusals.append(str(error))
        if refusals:
            raise forms.ValidationError(refusals)
        return drafts

    def clean_scheduled_for(self):
        when = self.cleaned_data.get("scheduled_for")
        if when is not None and when != self.instance.scheduled_for:
            try:
                check_schedule_time(when)
            except SchedulingError as error:
                raise forms.ValidationError(str(error)) from None
        return when

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
        media = None
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
            # The files are checked as they will be attached, before anything is saved.
            media = cleaned.get("media_files") or []
            quota_problem = media_quota_problem(
                owner=draft.owner, incoming_bytes=sum(item.size_bytes for item in media)
            )
            if quota_problem:
                self.add_error("media_files", quota_problem)
        else:
            platforms = list(self.instance.publications.values_list("platform", flat=True))
        for found in validation_problems(draft, platforms, media=media).values():
            for problem in found:
                self.add_error(None, problem)
        return cleaned


class PublicationInline(admin.TabularInline):
    model = Publication
    extra = 0
    fields = ("platform", "state", "attempts", "retry_count", "link", "last_error")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="State")
    def state(self, obj: Publication) -> str:
        return publication_state(obj)

    @admin.display(description="Permalink")
    def link(self, obj: Publication) -> str:
        return permalink_link(obj)


class ContentMediaInline(admin.TabularInline):
    model = ContentMedia
    extra = 0
    fields = ("position", "kind", "file", "mime_type", "size_bytes", "alt_text")


class RescheduleForm(forms.Form):
    scheduled_for = forms.SplitDateTimeField(
        label="New time",
        widget=AdminSplitDateTime,
        help_text="In your time zone. Only content whose targets are all still scheduled moves.",
    )

    def clean_scheduled_for(self):
        when = self.cleaned_data["scheduled_for"]
        try:
            check_schedule_time(when)
        except SchedulingError as error:
            raise forms.ValidationError(str(error)) from None
        return when


def not_done_because(content: Content) -> str:
    """Why a content action changed nothing: the state its targets are in."""
    statuses = {p.status for p in content.publications.all()}
    if statuses & {Status.PUBLISHING}:
        return "being published now"
    if (
        statuses
        and statuses <= {Status.PUBLISHED, Status.CANCELED}
        and Status.PUBLISHED in statuses
    ):
        return "already published"
    if statuses == {Status.CANCELED}:
        return "already canceled"
    if Status.FAILED in statuses:
        return "failed (retry it instead)"
    return f"{content.get_status_display().lower()}"


@admin.register(Content)
class ContentAdmin(SecretLookupsRefusedMixin, OperatorTimezoneMixin, admin.ModelAdmin):
    form = ContentAdminForm
    list_display = ("__str__", "state", "platforms", "scheduled_for", "owner")
    list_filter = ("status", "publications__platform", "scheduled_for", "owner")
    search_fields = ("title", "body", "owner__username")
    date_hierarchy = "scheduled_for"
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)
    actions = ("cancel_selected", "publish_now_selected", "retry_selected", "reschedule_selected")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "publications",
                    queryset=Publication.objects.only(
                        "id", "content_id", "platform", "status"
                    ).order_by("platform"),
                )
            )
        )

    def get_inlines(self, request, obj):
        # New content gets its media from the form's file input, checked before saving.
        return [PublicationInline, ContentMediaInline] if obj else []

    @admin.display(description="Status", ordering="status")
    def state(self, obj: Content) -> str:
        return status_badge(obj.status)

    @admin.display(description="Platforms")
    def platforms(self, obj: Content) -> str:
        return format_html_join(
            ", ",
            '<span title="{}">{}</span>',
            ((p.get_status_display(), p.get_platform_display()) for p in obj.publications.all()),
        )

    def get_fields(self, request, obj=None):
        fields = ["owner", "title", "body", "options", "scheduled_for"]
        if obj is None:
            return [*fields, "platforms", "media_files"]
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

    # Deleting goes through publishing.services.delete_content: content that
    # went out stays, with its targets and audit trail (publishing/admin_deletion.py).
    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or not sent_publications([obj])

    def get_deleted_objects(self, objs, request):
        return deletion_summary(
            super().get_deleted_objects(objs, request),
            contents=objs,
            may_delete_content=super().has_delete_permission(request),
        )

    def delete_model(self, request, obj):
        delete_contents([obj])

    def delete_queryset(self, request, queryset):
        delete_contents(queryset)

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
            media=data.get("media_files") or [],
            actor=Actor.for_user(request.user),
        )
        obj.pk = content.pk
        obj._state.adding = False

    @admin.action(description="Cancel the selected content", permissions=["change"])
    def cancel_selected(self, request, queryset):
        actor = Actor.for_user(request.user)
        run_on_each(
            self,
            request,
            queryset,
            "canceled",
            lambda content: cancel_content(content, actor=actor),
            why_skipped=not_done_because,
        )

    def run_targets_service(self, request, queryset, verb: str, service) -> None:
        """Run a targets service (publish now, retry) on each content; skips say the services' why."""
        actor = Actor.for_user(request.user)
        reasons: dict[int, str] = {}

        def operation(content):
            outcome = service(content, actor=actor)
            reasons[content.pk] = "; ".join(sorted(set(outcome.skipped.values())))
            return outcome.done

        run_on_each(
            self,
            request,
            queryset,
            verb,
            operation,
            why_skipped=lambda content: reasons.get(content.pk) or not_done_because(content),
        )

    @admin.action(description="Publish the selected content now", permissions=["change"])
    def publish_now_selected(self, request, queryset):
        self.run_targets_service(request, queryset, "moved to now", publish_now)

    @admin.action(
        description="Retry the failed targets of the selected content", permissions=["change"]
    )
    def retry_selected(self, request, queryset):
        self.run_targets_service(request, queryset, "retried", retry_failed)

    @admin.action(description="Reschedule the selected content…", permissions=["change"])
    def reschedule_selected(self, request, queryset):
        form = RescheduleForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return intermediate_form(
                self,
                request,
                queryset,
                form=form,
                action="reschedule_selected",
                title="Reschedule content",
                intro="Content moves only while none of its targets has started.",
                submit="Reschedule",
            )
        when = form.cleaned_data["scheduled_for"]
        run_on_each(
            self,
            request,
            queryset,
            "rescheduled",
            lambda content: edit_content(content, scheduled_for=when),
            why_skipped=not_done_because,
        )
        return None


# --- django-q2's task lists -----------------------------------------------------------------


@admin.action(description="Resubmit selected tasks to queue", permissions=["change"])
def resubmit_task(modeladmin, request, queryset):
    django_q_admin.resubmit_task(modeladmin, request, queryset)


class SuccessfulTaskAdmin(SecretLookupsRefusedMixin, django_q_admin.TaskAdmin):
    """django-q2's finished tasks. Resubmitting runs a task again: it needs the change permission
    (django-q2's own action asks for none, so anyone who may look could run tasks)."""

    actions = [resubmit_task]


class FailedTaskAdmin(SecretLookupsRefusedMixin, django_q_admin.FailAdmin):
    """django-q2's failed tasks; resubmitting needs the change permission, as above."""

    actions = [resubmit_task]


for task_model, task_admin in ((Success, SuccessfulTaskAdmin), (Failure, FailedTaskAdmin)):
    if admin.site.is_registered(task_model):
        admin.site.unregister(task_model)
    admin.site.register(task_model, task_admin)
