"""Drafts: content saved without a time or targets, scheduled later with a new post's checks.

A draft is a ``Content`` whose status is DRAFT. It has no publications, so the
engine never sees it, and it takes no slot of the owner's plan. Its chosen
accounts wait in ``Content.draft_targets``; its time, when it has one, is only
tentative (the calendar shows it). ``schedule_draft`` runs the same checks as
``schedule_content`` (the time, each platform's ``validate()``, the plan, the
media) and creates the publications; from then on it is content like any other.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import PurePosixPath

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from content.choices import ContentStatus
from content.models import Content, ContentMedia
from entitlements.services import check_media_file, reserve_post
from integrations.models import Integration
from publishing import signals
from publishing.posts import accounts_by_platform, validation_problems
from publishing.services import (
    SchedulingError,
    Target,
    atomic_with_files,
    check_new_media,
    check_schedule_time,
    create_publications,
    resolve_target,
    store_media_files,
)
from publishing.states import Actor, refresh_content_status

logger = logging.getLogger(__name__)

# ``update_draft(scheduled_for=UNSET)`` leaves the time as it is; ``None`` removes it.
UNSET = object()


class NotADraft(SchedulingError):
    """The content was scheduled already: edit it as scheduled content instead."""


def targets_as_data(targets: list[Target]) -> list[dict]:
    """How a draft keeps its targets: ``{"platform": ..., "integration": id or None}``."""
    kept, seen = [], set()
    for target in targets:
        item = {
            "platform": target.platform,
            "integration": target.integration.pk if target.integration else None,
        }
        if (item["platform"], item["integration"]) not in seen:
            seen.add((item["platform"], item["integration"]))
            kept.append(item)
    return kept


def draft_targets(content: Content) -> list[Target]:
    """The draft's targets as they stand now, one query for its accounts.

    An account removed or revoked since the draft was saved is refused here, by
    name, rather than skipped: the person chose it and should choose again.
    """
    items = list(content.draft_targets or ())
    ids = [item["integration"] for item in items if item.get("integration")]
    accounts = {
        account.pk: account
        for account in Integration.objects.filter(user_id=content.owner_id, pk__in=ids)
    }
    targets = []
    for item in items:
        integration_id = item.get("integration")
        if not integration_id:
            targets.append(resolve_target(content.owner, item["platform"]))
            continue
        account = accounts.get(integration_id)
        if account is None or account.status == Integration.Status.REVOKED:
            raise SchedulingError(
                f"An account chosen for this draft (integration {integration_id}) is gone or "
                "revoked; choose the accounts again."
            )
        targets.append(Target(account.provider, account))
    return targets


def check_tentative_time(scheduled_for: dt.datetime | None) -> None:
    if scheduled_for is not None:
        check_schedule_time(scheduled_for)


def save_draft(
    *,
    owner,
    body: str = "",
    title: str = "",
    options: dict | None = None,
    targets: list[Target] = (),
    scheduled_for: dt.datetime | None = None,
    media: list[ContentMedia] = (),
    actor: Actor | None = None,
) -> Content:
    """A new draft. Nothing is required; a time given must be one Herald could schedule.

    ``media`` are unsaved rows, stored with the owner's plan and quota checks. A
    draft has no publications, so nothing is written to the audit log (``actor`` is
    taken for symmetry with ``schedule_content``).
    """
    check_tentative_time(scheduled_for)
    media = list(media)
    with atomic_with_files() as written:
        check_new_media(owner, media)
        content = Content.objects.create(
            owner=owner,
            title=title,
            body=body,
            options=options or {},
            scheduled_for=scheduled_for,
            status=ContentStatus.DRAFT,
            draft_targets=targets_as_data(list(targets)),
        )
        for position, item in enumerate(media):
            item.content, item.position = content, position
        store_media_files(media, written)
        ContentMedia.objects.bulk_create(media)
    return content


def locked_draft(content: Content) -> Content:
    """The draft's row, locked for this transaction; ``NotADraft`` once it was scheduled."""
    locked = Content.objects.select_for_update().get(pk=content.pk)
    if locked.status != ContentStatus.DRAFT:
        raise NotADraft(
            f"Content #{locked.pk} is not a draft any more (it is {locked.get_status_display()})."
        )
    return locked


def update_draft(
    content: Content,
    *,
    body: str | None = None,
    title: str | None = None,
    options: dict | None = None,
    targets: list[Target] | None = None,
    scheduled_for=UNSET,
    media: list[ContentMedia] | None = None,
) -> Content:
    """Change a draft. ``None`` leaves a field as it is (``UNSET`` for the time).

    ``media`` is the whole new ordered list: saved rows that stay, in their new
    order, and unsaved new ones; saved rows left out are deleted with their files
    once this commits.
    """
    if scheduled_for is not UNSET:
        check_tentative_time(scheduled_for)
    with atomic_with_files() as written:
        draft = locked_draft(content)
        for name, value in (("body", body), ("title", title), ("options", options)):
            if value is not None:
                setattr(draft, name, value)
        if targets is not None:
            draft.draft_targets = targets_as_data(targets)
        if scheduled_for is not UNSET:
            draft.scheduled_for = scheduled_for
        draft.version += 1
        draft.save()
        if media is not None:
            replace_media(draft, list(media), written)
    return draft


def replace_media(draft: Content, media: list[ContentMedia], written: list[str]) -> None:
    saved = {item.pk: item for item in draft.media.all()}
    kept_ids = {item.pk for item in media if item.pk}
    foreign = kept_ids - set(saved)
    if foreign:
        raise SchedulingError("A media file given is not one of this draft's.")
    new = [item for item in media if not item.pk]
    check_new_media(draft.owner, new)
    removed = [item for pk, item in saved.items() if pk not in kept_ids]
    for item in removed:
        item.delete()
    for position, item in enumerate(media):
        item.content, item.position = draft, position
    store_media_files(new, written)
    ContentMedia.objects.bulk_create(new)
    ContentMedia.objects.bulk_update([item for item in media if item.pk], ["position"])
    files = [item.file for item in removed if item.file]
    transaction.on_commit(lambda: [file.storage.delete(file.name) for file in files])


def schedule_draft(
    content: Content,
    *,
    scheduled_for: dt.datetime | None = None,
    by_hand: bool = False,
    actor: Actor | None = None,
) -> Content:
    """Schedule a draft (or publish it now) with every check a new post gets.

    Without ``scheduled_for``, the draft's tentative time is used. Raises
    ``SchedulingError`` (``.problems`` per platform) or ``EntitlementExceeded``,
    leaving the draft as it was.
    """
    with transaction.atomic():
        draft = locked_draft(content)
        if by_hand:
            if scheduled_for is not None:
                raise SchedulingError("Publish now takes no schedule time: it goes out now.")
            scheduled_for = timezone.now()
        else:
            scheduled_for = scheduled_for or draft.scheduled_for
            if scheduled_for is None:
                raise SchedulingError("Give a time to schedule for, or publish now.")
        check_schedule_time(scheduled_for)
        targets = draft_targets(draft)
        if not targets:
            raise SchedulingError("Choose at least one account to publish to.")
        media = list(draft.media.all())
        platforms = sorted({target.platform for target in targets})
        problems = validation_problems(
            draft, platforms, media=media, accounts=accounts_by_platform(targets)
        )
        if problems:
            raise SchedulingError(
                " ".join(p for found in problems.values() for p in found), problems=problems
            )
        limits = reserve_post(
            draft.owner, scheduled_for=scheduled_for, platforms=platforms, by_hand=by_hand
        )
        for item in media:
            check_media_file(
                draft.owner, name=item.file.name, size_bytes=item.size_bytes, limits=limits
            )
        draft.scheduled_for = scheduled_for
        draft.draft_targets = []
        draft.version += 1
        draft.save(update_fields=["scheduled_for", "draft_targets", "version", "updated_at"])
        create_publications(
            draft, targets, by_hand=by_hand, actor=actor or Actor.for_user(draft.owner)
        )
        # The status is the publications' aggregate from now on (SCHEDULED).
        refresh_content_status([draft.pk])
        draft.refresh_from_db(fields=["status"])
        signals.content_changed.send(sender=None, content=draft, change="scheduled")
    return draft


def duplicate_as_draft(content: Content, *, actor: Actor | None = None) -> Content:
    """A new draft with ``content``'s text, options, accounts and media (files copied).

    The copy has no time: the person picks one. Its media count against the
    owner's quota like any upload.
    """
    if content.status == ContentStatus.DRAFT:
        targets = draft_targets(content)
    else:
        targets = [
            Target(p.platform, p.integration)
            for p in content.publications.select_related("integration").order_by("pk")
        ]
    originals = list(content.media.all())
    copies = [
        ContentMedia(
            file=File(item.file.open("rb"), name=PurePosixPath(item.file.name).name),
            kind=item.kind,
            mime_type=item.mime_type,
            size_bytes=item.size_bytes,
            alt_text=item.alt_text,
        )
        for item in originals
    ]
    try:
        return save_draft(
            owner=content.owner,
            body=content.body,
            title=content.title,
            options=dict(content.options or {}),
            targets=targets,
            media=copies,
            actor=actor,
        )
    finally:
        for item in originals:
            item.file.close()
