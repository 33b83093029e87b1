"""Scheduling services: create, cancel and re-open publications.

Views, admin actions and commands call these; none of them touch
``Publication.status`` themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from content.choices import Platform, Status
from content.models import Content, ContentMedia
from integrations.models import Integration
from publishing.models import Publication
from publishing.posts import validation_problems
from publishing.states import Actor, record_creation, transition, transition_many


class SchedulingError(Exception):
    """Input the scheduler refuses, with a message a person can act on.

    ``problems`` maps a platform to the rules the content breaks there.
    """

    def __init__(self, message: str, *, problems: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.problems = problems or {}


@dataclass(frozen=True)
class Target:
    """Where to publish: a platform, optionally through one specific integration."""

    platform: str
    integration: Integration | None = None


def idempotency_key(content: Content, target: Target) -> str:
    """``{content_id}-{platform}-{scheduled_for epoch}``, as the original system built it.

    An explicit integration adds ``-i{id}``, so one content can go to two
    accounts of the same platform.
    """
    key = f"{content.pk}-{target.platform}-{int(content.scheduled_for.timestamp())}"
    if target.integration is not None:
        key += f"-i{target.integration.pk}"
    return key


def account_key(owner_id: int, target: Target) -> str:
    if target.integration is not None:
        return f"integration:{target.integration.pk}"
    return f"user:{owner_id}"


def resolve_target(owner, platform: str) -> Target:
    """A bare platform means the owner's only active account there, or the legacy tokens."""
    if platform not in Platform.values:
        raise SchedulingError(
            f"Unknown platform {platform!r}; choose from {', '.join(Platform.values)}."
        )
    accounts = list(
        Integration.objects.filter(user=owner, provider=platform).exclude(
            status=Integration.Status.REVOKED
        )[:2]
    )
    if len(accounts) > 1:
        raise SchedulingError(
            f"You have several {Platform(platform).label} accounts; choose one integration."
        )
    return Target(platform=platform, integration=accounts[0] if accounts else None)


@transaction.atomic
def schedule_content(
    *,
    owner,
    body: str,
    targets: list[Target],
    scheduled_for: dt.datetime,
    title: str = "",
    options: dict | None = None,
    media: list[ContentMedia] | None = None,
    actor: Actor | None = None,
) -> Content:
    """Create a Content (with unsaved ``media`` rows) and one SCHEDULED Publication per target.

    Raises ``SchedulingError``, having written nothing, when a platform would
    refuse the content.
    """
    if timezone.is_naive(scheduled_for):
        raise SchedulingError("scheduled_for needs a time zone offset.")
    if not targets:
        raise SchedulingError("Choose at least one platform to publish to.")
    actor = actor or Actor.for_user(owner)
    content = Content.objects.create(
        owner=owner, title=title, body=body, options=options or {}, scheduled_for=scheduled_for
    )
    for item in media or ():
        item.content = content
    ContentMedia.objects.bulk_create(media or ())
    # A post a platform would refuse is refused now, not at publish time.
    problems = validation_problems(content, sorted({t.platform for t in targets}))
    if problems:
        raise SchedulingError(
            " ".join(p for found in problems.values() for p in found), problems=problems
        )
    publications = Publication.objects.bulk_create(
        Publication(
            content=content,
            platform=target.platform,
            integration=target.integration,
            account_key=account_key(owner.pk, target),
            idempotency_key=idempotency_key(content, target),
            status=Status.SCHEDULED,
            next_attempt_at=scheduled_for,
        )
        for target in targets
    )
    record_creation(publications, actor=actor, reason=f"scheduled for {scheduled_for.isoformat()}")
    return content


EDITABLE_STATUSES = (Status.SCHEDULED, Status.QUEUED, Status.RETRYING)


@transaction.atomic
def edit_content(
    content: Content,
    *,
    body: str | None = None,
    title: str | None = None,
    options: dict | None = None,
    scheduled_for: dt.datetime | None = None,
) -> Content:
    """Change a Content nothing has been sent for; its version grows.

    A worker that claimed a target before the edit sees the new version just
    before sending and releases the row, so old text never goes out. Moving
    the time is allowed only while every target is still SCHEDULED.
    """
    publications = list(Publication.objects.select_for_update().filter(content=content))
    started = [p for p in publications if p.status not in EDITABLE_STATUSES or p.request_sent_at]
    if started:
        names = ", ".join(f"{p.get_platform_display()}: {p.status}" for p in started)
        raise SchedulingError(
            f"This content can no longer be edited ({names}); cancel it and schedule a new post."
        )
    moving = scheduled_for is not None and scheduled_for != content.scheduled_for
    if moving:
        if timezone.is_naive(scheduled_for):
            raise SchedulingError("scheduled_for needs a time zone offset.")
        if any(p.status != Status.SCHEDULED for p in publications):
            raise SchedulingError(
                "Only content whose targets are all still scheduled can be moved."
            )
        content.scheduled_for = scheduled_for
    for name, value in (("body", body), ("title", title), ("options", options)):
        if value is not None:
            setattr(content, name, value)
    content.version += 1
    content.save(
        update_fields=["body", "title", "options", "scheduled_for", "version", "updated_at"]
    )
    problems = validation_problems(content, sorted({p.platform for p in publications}))
    if problems:
        raise SchedulingError(
            " ".join(p for found in problems.values() for p in found), problems=problems
        )
    if moving:
        for publication in publications:
            target = Target(publication.platform, publication.integration)
            publication.idempotency_key = idempotency_key(content, target)
            publication.next_attempt_at = content.scheduled_for
        Publication.objects.bulk_update(publications, ["idempotency_key", "next_attempt_at"])
    return content


# The error code the engine gives a row whose request went out with no known outcome.
IN_DOUBT_CODE = "in_doubt"
# The code a settled in-doubt row keeps when an operator found the post was not published.
NOT_PUBLISHED_CODE = "not_published"


@transaction.atomic
def resolve_in_doubt(
    publication: Publication,
    *,
    outcome: str,
    reason: str,
    actor: Actor,
    external_id: str = "",
    permalink: str = "",
) -> Publication:
    """Settle an in-doubt publication by hand, after an operator checked the platform.

    ``outcome`` is ``"published"`` (give the post's ``external_id`` or
    ``permalink``) or ``"failed"`` (the post is not out). The operator and the
    reason are recorded in the audit log. Raises ``SchedulingError`` when the
    row is not in doubt (any more) or the input is incomplete.
    """
    reason = reason.strip()
    if not reason:
        raise SchedulingError("Give a reason: it is recorded in the publication's audit log.")
    row = Publication.objects.select_for_update().get(pk=publication.pk)
    if row.status != Status.FAILED or row.last_error_code != IN_DOUBT_CODE:
        code = f", {row.last_error_code}" if row.last_error_code else ""
        raise SchedulingError(f"not in doubt: it is {row.get_status_display().lower()}{code}")
    if outcome == "published":
        external_id, permalink = external_id.strip(), permalink.strip()
        if not (external_id or permalink):
            raise SchedulingError("Give the post's id or its permalink on the platform.")
        transition(
            row,
            Status.PUBLISHED,
            reason=f"marked as published by {actor.name}: {reason}",
            actor=actor,
            external_id=external_id,
            permalink=permalink,
            # The request that made the post is the best known time it went out.
            published_at=row.request_sent_at or timezone.now(),
            last_error="",
            last_error_code="",
        )
    elif outcome == "failed":
        transition(
            row,
            Status.FAILED,
            reason=f"marked as failed by {actor.name}: {reason}",
            actor=actor,
            error_code=NOT_PUBLISHED_CODE,
            last_error_code=NOT_PUBLISHED_CODE,
            last_error=f"Not published (checked by {actor.name}): {reason}",
            # Settled: a later retry may send without reconciling first.
            request_sent_at=None,
        )
    else:
        raise SchedulingError(f"Unknown outcome {outcome!r}; choose published or failed.")
    publication.refresh_from_db()
    return publication


def cancel_content(content: Content, *, actor: Actor) -> list[int]:
    """Cancel every target that has not started; returns the ids canceled."""
    return transition_many(
        content.publications.values_list("pk", flat=True),
        (Status.SCHEDULED, Status.QUEUED, Status.RETRYING),
        Status.CANCELED,
        reason="canceled",
        actor=actor,
        next_attempt_at=None,
    )
