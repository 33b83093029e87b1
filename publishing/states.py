"""The one state machine of Herald.

Every change of ``Publication.status`` goes through ``transition`` (one row)
or ``transition_many`` (a batch, in a constant number of queries). Both are
compare-and-set updates: a row that another process moved first is left
alone and reported, never overwritten. Each move writes a PublicationEvent
and refreshes the aggregate status of the Content it belongs to.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from content.choices import Status
from content.models import Content
from publishing import signals
from publishing.models import Publication, PublicationEvent

S = Status

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    # due, held (switch, rate limit, paused account) or handed to a worker
    S.SCHEDULED: frozenset({S.QUEUED, S.CANCELED}),
    # a worker claims it; a hold is renewed; it cannot be sent (no account); canceled
    S.QUEUED: frozenset({S.PUBLISHING, S.QUEUED, S.FAILED, S.CANCELED}),
    S.PUBLISHING: frozenset(
        {
            S.PUBLISHED,
            S.RETRYING,  # transient error, retries left
            S.FAILED,  # permanent error, auth error, retries exhausted, in doubt
            S.QUEUED,  # platform rate limit, a switch flipped, or lease expired unsent
        }
    ),
    S.RETRYING: frozenset({S.QUEUED, S.CANCELED}),
    # an operator asks for a new attempt, or settles an in-doubt row by hand: PUBLISHED
    # when the post is out; FAILED -> FAILED records the operator's "it is not out" (the
    # in_doubt code gives way to the operator's decision, with its reason in the audit log)
    S.FAILED: frozenset({S.QUEUED, S.PUBLISHED, S.FAILED}),
    S.PUBLISHED: frozenset(),
    S.CANCELED: frozenset(),
}

ENGINE_ACTOR = "engine"


class IllegalTransition(Exception):
    """A move the state machine does not allow, e.g. PUBLISHED -> QUEUED."""

    def __init__(self, from_status: str, to_status: str):
        super().__init__(f"A publication cannot go from {from_status} to {to_status}.")
        self.from_status = from_status
        self.to_status = to_status


class StaleTransition(Exception):
    """The row was no longer in the expected state: another process moved it first."""


@dataclass(frozen=True)
class Actor:
    """Who moved a publication: the engine, or a user (operator or API client)."""

    name: str = ENGINE_ACTOR
    user_id: int | None = None

    @classmethod
    def for_user(cls, user) -> Actor:
        return cls(name=user.get_username(), user_id=user.pk)


ENGINE = Actor()


def check_transition(from_status: str, to_status: str) -> None:
    if to_status not in ALLOWED_TRANSITIONS[from_status]:
        raise IllegalTransition(from_status, to_status)


def transition(
    publication: Publication,
    to_status: str,
    *,
    reason: str,
    actor: Actor = ENGINE,
    error_code: str = "",
    **fields,
) -> Publication:
    """Move one publication from its current status to ``to_status``.

    ``fields`` are saved in the same UPDATE. Raises ``IllegalTransition`` for a
    move the machine refuses and ``StaleTransition`` when the row changed
    status under us. The in-memory object is updated on success.
    """
    from_status = publication.status
    check_transition(from_status, to_status)
    now = timezone.now()
    # No savepoint: the move is one unit with the caller's transaction. A
    # stale row is reported after the block, which then has written nothing.
    with transaction.atomic(savepoint=False):
        updated = Publication.objects.filter(pk=publication.pk, status=from_status).update(
            status=to_status, updated_at=now, **fields
        )
        if updated == 1:
            record_move(publication, from_status, to_status, reason, error_code, actor)
            signals.publications_moved.send(
                sender=None,
                publication_ids=[publication.pk],
                from_statuses=[from_status],
                to_status=to_status,
                error_code=error_code,
                actor=actor,
            )
    if updated != 1:
        raise StaleTransition(
            f"Publication {publication.pk} is no longer {from_status}; nothing was changed."
        )
    publication.status = to_status
    for name, value in fields.items():
        setattr(publication, name, value)
    return publication


def record_move(publication, from_status, to_status, reason, error_code, actor) -> None:
    PublicationEvent.objects.create(
        publication_id=publication.pk,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        error_code=error_code,
        actor=actor.name,
        actor_user_id=actor.user_id,
    )
    refresh_content_status([publication.content_id])


def transition_many(
    publication_ids: Iterable[int],
    from_statuses: Iterable[str],
    to_status: str,
    *,
    reason: str,
    actor: Actor = ENGINE,
    **fields,
) -> list[int]:
    """Move every listed publication still in one of ``from_statuses`` to ``to_status``.

    Runs a fixed number of queries whatever the batch size. Returns the ids
    actually moved; the others had already left ``from_statuses``. The rows
    are locked in primary-key order, as every multi-row lock in Herald is, so
    two batches that share rows queue behind each other instead of deadlocking.
    """
    from_statuses = list(from_statuses)
    for from_status in from_statuses:
        check_transition(from_status, to_status)
    ids = list(publication_ids)
    if not ids:
        return []
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        rows = list(
            Publication.objects.select_for_update()
            .filter(pk__in=ids, status__in=from_statuses)
            .order_by("pk")
            .values_list("pk", "status", "content_id")
        )
        if not rows:
            return []
        moved_ids = [pk for pk, _, _ in rows]
        Publication.objects.filter(pk__in=moved_ids).update(
            status=to_status, updated_at=now, **fields
        )
        PublicationEvent.objects.bulk_create(
            PublicationEvent(
                publication_id=pk,
                from_status=from_status,
                to_status=to_status,
                reason=reason,
                actor=actor.name,
                actor_user_id=actor.user_id,
            )
            for pk, from_status, _ in rows
        )
        refresh_content_status({content_id for _, _, content_id in rows})
        signals.publications_moved.send(
            sender=None,
            publication_ids=moved_ids,
            from_statuses=[from_status for _, from_status, _ in rows],
            to_status=to_status,
            error_code="",
            actor=actor,
        )
    return moved_ids


def record_creation(publications: Iterable[Publication], *, actor: Actor, reason: str) -> None:
    """Write the first audit row of newly created publications."""
    PublicationEvent.objects.bulk_create(
        PublicationEvent(
            publication_id=publication.pk,
            from_status="",
            to_status=publication.status,
            reason=reason,
            actor=actor.name,
            actor_user_id=actor.user_id,
        )
        for publication in publications
    )


def record_note(publication_ids: Iterable[int], status: str, *, actor: Actor, reason: str) -> None:
    """Write an audit row for something done to publications that stayed in ``status``."""
    PublicationEvent.objects.bulk_create(
        PublicationEvent(
            publication_id=pk,
            from_status=status,
            to_status=status,
            reason=reason,
            actor=actor.name,
            actor_user_id=actor.user_id,
        )
        for pk in publication_ids
    )


def aggregate_status(statuses: Iterable[str]) -> str:
    """The Content status for the statuses of its publications.

    The original scheduler's rules, in order: every target published ->
    PUBLISHED; any RETRYING -> RETRYING; any QUEUED -> QUEUED; any PUBLISHING
    -> PUBLISHING; any still SCHEDULED -> SCHEDULED. Once every target has
    ended: all canceled -> CANCELED; any FAILED -> FAILED, even when others
    went out (the mixed case: the content needs an operator's eye, and each
    target's own row says exactly which ones were published); otherwise
    PUBLISHED (some published, the rest canceled).
    """
    present = set(statuses)
    if not present:
        return S.CANCELED
    for waiting in (S.RETRYING, S.QUEUED, S.PUBLISHING, S.SCHEDULED):
        if waiting in present:
            return waiting
    if present == {S.CANCELED}:
        return S.CANCELED
    if S.FAILED in present:
        return S.FAILED
    return S.PUBLISHED


def refresh_content_status(content_ids: Iterable[int]) -> None:
    """Recompute the aggregate of each content, in one read and one write per new status."""
    content_ids = set(content_ids)
    if not content_ids:
        return
    statuses_by_content: dict[int, list[str]] = defaultdict(list)
    for content_id, status in Publication.objects.filter(content_id__in=content_ids).values_list(
        "content_id", "status"
    ):
        statuses_by_content[content_id].append(status)
    ids_by_status: dict[str, list[int]] = defaultdict(list)
    for content_id in content_ids:
        ids_by_status[aggregate_status(statuses_by_content[content_id])].append(content_id)
    for status, ids in ids_by_status.items():
        Content.objects.filter(pk__in=ids).exclude(status=status).update(status=status)
