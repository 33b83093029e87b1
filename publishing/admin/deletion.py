"""Deleting from the admin keeps the record of what went out.

Content with a target that was sent, is being sent or is in doubt is the
record of what went out (``publishing.services.was_sent``): its publications
and audit rows stay. The content admin and the user admin (a user's content
goes with the user) both delete through ``publishing.services.delete_content``,
which refuses such content, and both say which content is kept before
anything is deleted.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction

from content.models import Content, ContentMedia
from publishing.models import Publication, PublicationEvent
from publishing.services import ContentLocked, delete_content, was_sent

# Deleted with their content by ``delete_content``: no permission of their own is asked.
DELETED_WITH_CONTENT = {
    str(model._meta.verbose_name) for model in (Publication, PublicationEvent, ContentMedia)
}


def sent_publications(contents: Iterable[Content]) -> list[Publication]:
    """The targets of ``contents`` that went out (or may have), in primary-key order."""
    publications = Publication.objects.filter(content__in=list(contents)).select_related("content")
    return [p for p in publications.order_by("pk") if was_sent(p)]


def kept_as_record(publications: list[Publication]) -> list[str]:
    """One line per sent target, for the "protected" list of Django's delete page."""
    return [
        f"{p.content} (#{p.content_id}): {p.get_platform_display()} {p.get_status_display().lower()}, "
        "kept as the record of what went out"
        for p in publications
    ]


def deletion_summary(deleted, *, contents: Iterable[Content], may_delete_content: bool):
    """Django's ``get_deleted_objects`` answer, adjusted for content.

    A content's targets, audit rows and media are deleted with it by the
    service, so only the content permission counts; content that went out is
    listed as protected, so the page refuses and says why.
    """
    to_delete, model_count, perms_needed, protected = deleted
    perms_needed = {name for name in perms_needed if str(name) not in DELETED_WITH_CONTENT}
    sent = kept_as_record(sent_publications(contents))
    if sent and may_delete_content:
        # The content permission is there: the refusal is the record, said below.
        perms_needed = {
            name for name in perms_needed if str(name) != str(Content._meta.verbose_name)
        }
    return to_delete, model_count, perms_needed, [*protected, *sent]


def delete_contents(contents: Iterable[Content]) -> None:
    """Delete each content through the service, all or nothing; refuse if any went out meanwhile."""
    with transaction.atomic():
        for content in sorted(contents, key=lambda c: c.pk):
            try:
                delete_content(content)
            except ContentLocked as error:
                # Sent between the confirmation page and this request.
                raise PermissionDenied(str(error)) from error
