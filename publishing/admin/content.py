"""Content in the admin: scheduling, editing and the content actions, through the services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.db.models import Prefetch
from django.utils.html import format_html_join

from content.choices import ContentStatus, Status
from content.models import Content, ContentMedia
from entitlements.services import EntitlementExceeded, check_media_file, reserve_post
from operator_admin.readonly import ReadOnlyAdminMixin
from operator_admin.secrets import SecretLookupsRefusedMixin
from operator_admin.timezone import OperatorTimezoneMixin
from platforms import registry
from publishing.admin.actions import intermediate_form, run_on_each
from publishing.admin.deletion import delete_contents, deletion_summary, sent_publications
from publishing.admin.publications import permalink_link, publication_state
from publishing.drafts import duplicate_as_draft
from publishing.media import UploadRefused, media_draft
from publishing.models import Publication
from publishing.posts import accounts_by_platform, validation_problems
from publishing.selectors import content_editability_of
from publishing.services import (
    SchedulingError,
    cancel_content,
    check_schedule_time,
    edit_content,
    media_quota_problem,
    publish_now,
    resolve_target,
    retry_failed,
    schedule_content,
)
from publishing.states import Actor
from publishing.templatetags.herald_admin import status_badge


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
        accounts = accounts_by_platform(
            self.targets if self.instance.pk is None else self.instance.publications.all()
        )
        found_problems = validation_problems(draft, platforms, media=media, accounts=accounts)
        for found in found_problems.values():
            for problem in found:
                self.add_error(None, problem)
        if not self.errors:
            self.check_plan(draft, platforms, media or [])
        return cleaned

    def check_plan(self, draft: Content, platforms: list[str], media: list) -> None:
        """The plan's refusal, shown on the form as the API words it.

        The admin's add and change views run in one transaction, so the lock
        ``reserve_post`` takes here holds until the save asks again and writes.
        """
        current = self.instance
        moving = current if current.pk else None
        if moving is not None and draft.scheduled_for == current.scheduled_for:
            return
        if current.status == ContentStatus.DRAFT:
            return  # a draft takes no slot until it is scheduled
        try:
            limits = reserve_post(
                draft.owner,
                scheduled_for=draft.scheduled_for,
                platforms=platforms,
                moving=moving,
                announce=False,
            )
            for item in media:
                check_media_file(
                    draft.owner, name=item.file.name, size_bytes=item.size_bytes, limits=limits
                )
        except EntitlementExceeded as error:
            self.add_error(None, error.message)


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


class ContentMediaInline(ReadOnlyAdminMixin, admin.TabularInline):
    """A content's files, shown only: they come in through the add form, typed and named by
    ``publishing.media`` (as the API's are), never typed by hand here."""

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
    actions = (
        "cancel_selected",
        "publish_now_selected",
        "retry_selected",
        "reschedule_selected",
        "duplicate_selected",
    )

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
        # The same rule as edit_content: what a started target froze is shown, not offered.
        always = ("owner", "status", "retry_count", "last_retry_at", "version")
        return (*always, *content_editability_of(obj).frozen)

    # Deleting goes through publishing.services.delete_content: content that
    # went out stays, with its targets and audit trail (publishing/admin/deletion.py).
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
                    actor=Actor.for_user(request.user),
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
        actor = Actor.for_user(request.user)
        run_on_each(
            self,
            request,
            queryset,
            "rescheduled",
            lambda content: edit_content(content, scheduled_for=when, actor=actor),
            why_skipped=not_done_because,
        )
        return None

    @admin.action(description="Duplicate the selected content as drafts", permissions=["add"])
    def duplicate_selected(self, request, queryset):
        """A new draft of each (same owner, text, options, media and accounts); the originals stay."""
        actor = Actor.for_user(request.user)
        # Plain rows: the list's queryset prefetches trimmed publications.
        originals = Content.objects.filter(pk__in=queryset.values("pk")).order_by("pk")
        copies = [duplicate_as_draft(content, actor=actor) for content in originals]
        self.message_user(
            request,
            f"{len(copies)} duplicated as drafts: {', '.join(f'#{c.pk}' for c in copies)}.",
            level=messages.SUCCESS,
        )
