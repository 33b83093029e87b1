"""The composer's pages: write a post once, check it per platform while typing, save it.

Thin views over the services: ``publishing.services`` schedules and edits,
``publishing.drafts`` keeps drafts, ``publishing.posts.check_post`` measures and checks a
post with each platform's own ``validate()`` (the engine's and the API's). Every page is
wrapped by ``admin.site.admin_view`` in ``config/urls.py`` (staff only, CSRF, no cache)
and asks for its own permission: composing needs ``content.add_content``, editing also
``content.change_content``.

Whose content: the composer writes new posts and drafts owned by the signed-in operator,
to the operator's own accounts. It reopens the operator's own drafts, and any owner's
scheduled post (its text, options and time, through ``edit_content``, as the content's
admin page does: the calendar's "Edit" works on every post); another owner's draft is not
opened (its accounts are that owner's to choose).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware
from django.views.decorators.http import require_http_methods, require_POST

from composer.forms import (
    MAX_MEDIA,
    PUBLISH_NOW,
    SAVE_DRAFT,
    SCHEDULE,
    ComposerForm,
    draft_target_values,
    media_limit_bytes,
)
from composer.options import option_fields
from content.choices import ContentStatus
from content.models import Content, ContentMedia
from entitlements.services import EntitlementExceeded
from operator_admin.timezone import operator_timezone
from platforms import registry
from publishing import drafts
from publishing.posts import accounts_by_platform, check_post
from publishing.selectors import content_editability_of
from publishing.services import (
    SchedulingError,
    check_schedule_time,
    edit_content,
    schedule_content,
)
from publishing.states import Actor

ADD_PERMISSION = "content.add_content"
CHANGE_PERMISSION = "content.change_content"


def require_permissions(request, *perms: str) -> None:
    if not request.user.has_perms(perms):
        raise PermissionDenied("You may not compose content.")


def is_draft(content: Content | None) -> bool:
    return content is not None and content.status == ContentStatus.DRAFT


def may_open(user, content: Content) -> bool:
    """A draft is its owner's alone (its accounts are chosen among theirs); scheduled content
    of any owner is opened to change its text, options and time, as its admin page does."""
    return content.owner_id == user.pk or not is_draft(content)


def openable_content(request, content_id) -> Content:
    content = get_object_or_404(Content.objects.select_related("owner"), pk=content_id)
    if not may_open(request.user, content):
        raise Http404("No such content.")
    return content


@require_http_methods(["GET", "POST"])
def compose(request):
    """A new post; ``?at=<ISO time>`` fills in the time (the calendar's empty slot)."""
    require_permissions(request, ADD_PERMISSION)
    return composer_page(request, None)


@require_http_methods(["GET", "POST"])
def compose_edit(request, content_id: int):
    """A draft, or a scheduled post nothing has been sent for (``edit_content``'s rule)."""
    require_permissions(request, ADD_PERMISSION, CHANGE_PERMISSION)
    content = openable_content(request, content_id)
    if not is_draft(content) and not content_editability_of(content).fields:
        messages.error(
            request, f"{content} can no longer be edited: {content_editability_of(content).refusal}"
        )
        return redirect("admin:content_content_change", content.pk)
    return composer_page(request, content)


def initial_for(request, content: Content | None) -> dict:
    if content is None:
        return {"scheduled_for": time_from_link(request.GET.get("at", ""))}
    initial = {
        "title": content.title,
        "body": content.body,
        "scheduled_for": content.scheduled_for,
        "accounts": draft_target_values(content),
    }
    for platform, values in (content.options or {}).items():
        if platform not in registry.values() or not isinstance(values, dict):
            continue
        for option in option_fields(platform):
            if option.option in values:
                initial[option.name] = values[option.option]
    return initial


def time_from_link(text: str) -> dt.datetime | None:
    """The ``?at=`` time (ISO 8601; without an offset, in the operator's zone), or None for
    anything that is not a time Herald could schedule: a link fills the form, never fails it."""
    try:
        at = parse_datetime(text[:64])
        if at is not None and is_naive(at):
            at = make_aware(at)
        if at is not None:
            check_schedule_time(at)
    except (ValueError, OverflowError, SchedulingError):
        return None
    return at


def composer_page(request, content: Content | None):
    with operator_timezone(request) as zone:
        problems: dict[str, list[str]] = {}
        if request.method == "POST":
            form = ComposerForm(request.POST, request.FILES, user=request.user, content=content)
            if form.is_valid():
                try:
                    saved, action = save(request, form, content)
                except EntitlementExceeded as error:
                    form.add_error(None, error.message)
                except SchedulingError as error:
                    # Each platform's refusals are listed by the page; others are the form's.
                    problems = error.problems
                    if not problems:
                        form.add_error(None, str(error))
                else:
                    return after_save(request, saved, action)
        else:
            form = ComposerForm(
                initial=initial_for(request, content), user=request.user, content=content
            )
        fixed_targets = content is not None and not is_draft(content)
        if fixed_targets:
            form.fields["accounts"].disabled = True
            form.fields["media_files"].disabled = True
        context = {
            **admin.site.each_context(request),
            # The page needs its width (two columns, or one on a tablet): no app list beside it.
            "is_nav_sidebar_enabled": False,
            "title": title_of(content),
            "form": form,
            "content": content,
            "zone": zone,
            "fixed_targets": fixed_targets,
            "is_draft": is_draft(content),
            "problems": [
                (registry.label(p) if p in registry.values() else p, found)
                for p, found in problems.items()
            ],
            "problems_by_platform": problems,
            # A browser cannot be handed files back: after a refusal, new files are chosen again.
            "files_not_kept": request.method == "POST" and bool(request.FILES),
            "saved_media": form.saved_media,
            "max_media": MAX_MEDIA,
            "max_upload_bytes": media_limit_bytes(),
            "platforms": registry.all_platforms(),
            "check_url": reverse("herald-compose-check"),
        }
        return TemplateResponse(request, "composer/compose.html", context).render()


def title_of(content: Content | None) -> str:
    if content is None:
        return "Compose a post"
    if is_draft(content):
        return f"Edit draft #{content.pk}"
    return f"Edit scheduled post #{content.pk}"


def save(request, form: ComposerForm, content: Content | None) -> tuple[Content, str]:
    """Hand the form to the service its button names; services raise, nothing is left."""
    data = form.cleaned_data
    action = data.get("action") or (SAVE_DRAFT if is_draft(content) else SCHEDULE)
    actor = Actor.for_user(request.user)
    text = {"body": data.get("body", ""), "title": data.get("title", ""), "options": form.options}
    when = data.get("scheduled_for")
    if content is not None and not is_draft(content):
        if action != SCHEDULE:
            raise SchedulingError("A scheduled post is saved with its new text and time.")
        if when is None:
            raise SchedulingError("Give the time to publish at.")
        return edit_content(Content.objects.get(pk=content.pk), **text, scheduled_for=when), action
    if action == SAVE_DRAFT:
        if content is None:
            saved = drafts.save_draft(
                owner=request.user,
                **text,
                targets=form.targets,
                scheduled_for=when,
                media=form.media_rows,
                actor=actor,
            )
        else:
            saved = drafts.update_draft(
                content, **text, targets=form.targets, scheduled_for=when, media=form.media_rows
            )
        return saved, action
    by_hand = action == PUBLISH_NOW
    if action == SCHEDULE and when is None:
        raise SchedulingError("Give the time to publish at, or publish now.")
    if content is None:
        saved = schedule_content(
            owner=request.user,
            **text,
            targets=form.targets,
            scheduled_for=None if by_hand else when,
            media=form.media_rows,
            actor=actor,
            by_hand=by_hand,
        )
        return saved, action
    return schedule_edited_draft(form, content, text, when, by_hand, actor), action


def schedule_edited_draft(form, content, text, when, by_hand, actor) -> Content:
    """Save the draft's new state and schedule it, in one transaction: a refusal keeps
    the draft as it was, and the files this request stored go with the rollback."""
    new_rows = [row for row in form.media_rows if row.pk is None]
    try:
        with transaction.atomic():
            drafts.update_draft(
                content, **text, targets=form.targets, scheduled_for=when, media=form.media_rows
            )
            return drafts.schedule_draft(
                content, scheduled_for=None if by_hand else when, by_hand=by_hand, actor=actor
            )
    except BaseException:
        for row in new_rows:
            if row.file and row.file._committed:
                row.file.storage.delete(row.file.name)
        raise


def after_save(request, content: Content, action: str):
    if action == SAVE_DRAFT:
        messages.success(request, f"Draft #{content.pk} saved.")
        return redirect("herald-compose-edit", content.pk)
    if action == PUBLISH_NOW:
        messages.success(request, f"#{content.pk} goes out now.")
    else:
        with operator_timezone(request):
            messages.success(request, f"#{content.pk} scheduled.")
    return redirect("admin:content_content_change", content.pk)


@require_POST
def check(request):
    """Counters and problems per chosen platform, for the form as it stands (JSON).

    Media come as metadata only (kind, type, size): nothing is uploaded or written.
    """
    if not (request.user.has_perm(ADD_PERMISSION) or request.user.has_perm(CHANGE_PERMISSION)):
        raise PermissionDenied("You may not compose content.")
    content = None
    if request.POST.get("content"):
        # Editing: the post's own accounts are the ones checked, whoever owns it.
        require_permissions(request, CHANGE_PERMISSION)
        try:
            content = openable_content(request, int(request.POST["content"]))
        except ValueError:
            return JsonResponse({"errors": {"content": ["Not a content id."]}}, status=400)
    with operator_timezone(request):
        form = ComposerForm(request.POST, user=request.user, content=content, checking=True)
        form.is_valid()
    if "media" in form.errors:
        return JsonResponse({"errors": {"media": form.errors["media"]}}, status=400)
    platforms = form.platforms()
    results = {}
    if "body" not in form.errors and "title" not in form.errors:
        results = check_post(
            form.draft_content(),
            platforms,
            media=form.check_media(),
            accounts=accounts_by_platform(form.targets),
        )
    return JsonResponse(
        {
            "platforms": [
                {
                    "platform": platform,
                    "label": registry.label(platform),
                    "measures": [
                        {
                            "label": m.label,
                            "used": m.used,
                            "limit": m.limit,
                            "unit": m.unit,
                            "over": m.used > m.limit,
                        }
                        for m in results[platform].measures
                    ],
                    "problems": list(results[platform].problems),
                }
                for platform in platforms
                if platform in results
            ],
            "errors": {name: list(found) for name, found in form.errors.items()},
        }
    )


@require_http_methods(["GET", "HEAD"])
def media_file(request, media_id: int):
    """A saved file of the operator's own content, for its thumbnail in the composer."""
    require_permissions(request, ADD_PERMISSION)
    media = get_object_or_404(ContentMedia.objects.select_related("content"), pk=media_id)
    if not may_open(request.user, media.content):
        raise Http404("No such file.")
    try:
        opened = media.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("This file is missing from storage.") from None
    response = FileResponse(opened, content_type=media.mime_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response
