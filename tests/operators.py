"""Helpers for tests that act as an operator: grant a permission, read the messages a page
showed, drive a publication to in doubt as the engine does."""

import datetime as dt

from django.contrib.auth.models import Permission
from django.utils import timezone

from content.choices import Status
from publishing.models import Publication
from publishing.services import IN_DOUBT_CODE
from publishing.states import transition


def grant(user, codename: str) -> None:
    user.user_permissions.add(Permission.objects.get(codename=codename))


def make_in_doubt(publication: Publication) -> Publication:
    """Drive a row the way the engine does to FAILED / in_doubt (request sent, outcome unknown)."""
    transition(publication, Status.QUEUED, reason="due")
    transition(publication, Status.PUBLISHING, reason="claimed")
    transition(
        publication,
        Status.FAILED,
        reason="in doubt",
        error_code=IN_DOUBT_CODE,
        last_error_code=IN_DOUBT_CODE,
        last_error="The request was sent but its outcome is unknown.",
        request_sent_at=timezone.now() - dt.timedelta(minutes=5),
    )
    return publication


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []
