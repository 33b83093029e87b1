"""The one state machine of Herald.

Every change of ``Publication.status`` goes through ``transition`` (one row),
``transition_many`` (a batch, in a constant number of queries) or
``apply_moves`` (a batch of different moves, each row with its own values, in
a constant number of queries: the engine's claims, holds and outcomes). All are
compare-and-set updates: a row that another process moved first is left
alone and reported, never overwritten. Each move writes a PublicationEvent
and refreshes the aggregate status of the Content it belongs to.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Case, Value, When
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


@dataclass
class Move:
    """One row's move for ``apply_moves``: from one of ``from_statuses`` to ``to_status``.

    ``record=False`` changes the row without an audit event (and without the
    ``publications_moved`` signal): a hold re-checked and still the same, or a
    QUEUED row handed to a worker again, is not news.
    """

    publication_id: int
    from_statuses: tuple[str, ...]
    to_status: str
    reason: str
    fields: dict = field(default_factory=dict)
    error_code: str = ""
    record: bool = True


def apply_moves(
    moves: Iterable[Move],
    *,
    actor: Actor = ENGINE,
    locked: dict[int, tuple[str, int]] | None = None,
    content_ids: dict[int, int] | None = None,
) -> list[Move]:
    """Apply many moves at once; returns the moves made (the others' rows had moved on).

    Each row is compared before it is set: its current status, read under a row
    lock (taken here in primary-key order, or already held by the caller, who
    passes ``locked``: id -> (status, content_id) as read under that lock), must
    be one of its move's ``from_statuses``. Or, with ``content_ids`` (id ->
    content_id) instead of a lock, for moves from a single status each: the
    compare-and-set is the UPDATE's own ``WHERE status = ...``; when it moves
    fewer rows than asked, the ones it moved are told by the update time it
    wrote. Queries: the lock (unless given),
    one UPDATE per target status and set of columns, where a column whose value
    differs between rows is set with a CASE on the id, one INSERT for every
    audit event, the content aggregates refreshed once, and one
    ``publications_moved`` signal per target status.
    """
    moves = list(moves)
    for move in moves:
        for from_status in move.from_statuses:
            check_transition(from_status, move.to_status)
    if not moves:
        return []
    now = timezone.now()
    if content_ids is not None:
        return apply_unlocked_moves(moves, actor, content_ids, now)
    with transaction.atomic(savepoint=False):
        if locked is None:
            locked = {
                pk: (status, content_id)
                for pk, status, content_id in Publication.objects.select_for_update()
                .filter(pk__in=[move.publication_id for move in moves])
                .order_by("pk")
                .values_list("pk", "status", "content_id")
            }
        made = [
            move
            for move in moves
            if move.publication_id in locked
            and locked[move.publication_id][0] in move.from_statuses
        ]
        groups: dict[tuple[str, tuple[str, ...]], list[Move]] = defaultdict(list)
        for move in made:
            groups[(move.to_status, tuple(sorted(move.fields)))].append(move)
        for (to_status, names), group in groups.items():
            values = {name: column_value(name, group) for name in names}
            Publication.objects.filter(pk__in=[move.publication_id for move in group]).update(
                status=to_status, updated_at=now, **values
            )
        recorded = [move for move in made if move.record]
        PublicationEvent.objects.bulk_create(
            PublicationEvent(
                publication_id=move.publication_id,
                from_status=locked[move.publication_id][0],
                to_status=move.to_status,
                reason=move.reason,
                error_code=move.error_code,
                actor=actor.name,
                actor_user_id=actor.user_id,
            )
            for move in recorded
        )
        refresh_content_status({locked[move.publication_id][1] for move in made})
        announce(recorded, {pk: status for pk, (status, _) in locked.items()}, actor)
    return made


def announce(recorded: list[Move], from_status: dict[int, str], actor: Actor) -> None:
    """One ``publications_moved`` signal per target status (and error code)."""
    by_status: dict[tuple[str, str], list[Move]] = defaultdict(list)
    for move in recorded:
        by_status[(move.to_status, move.error_code)].append(move)
    for (to_status, error_code), group in by_status.items():
        signals.publications_moved.send(
            sender=None,
            publication_ids=[move.publication_id for move in group],
            from_statuses=[from_status[move.publication_id] for move in group],
            to_status=to_status,
            error_code=error_code,
            actor=actor,
        )


def apply_unlocked_moves(
    moves: list[Move], actor: Actor, content_ids: dict[int, int], now
) -> list[Move]:
    """``apply_moves`` without the lock: each group's UPDATE compares the status itself."""
    for move in moves:
        if len(move.from_statuses) != 1:
            raise ValueError("Without a lock, each move must come from a single status.")
    made: list[Move] = []
    with transaction.atomic(savepoint=False):
        groups: dict[tuple[str, str, tuple[str, ...]], list[Move]] = defaultdict(list)
        for move in moves:
            groups[(move.from_statuses[0], move.to_status, tuple(sorted(move.fields)))].append(move)
        for (from_status, to_status, names), group in groups.items():
            values = {name: column_value(name, group) for name in names}
            ids = [move.publication_id for move in group]
            updated = Publication.objects.filter(pk__in=ids, status=from_status).update(
                status=to_status, updated_at=now, **values
            )
            if updated == len(ids):
                made += group
                continue
            moved = set(
                Publication.objects.filter(
                    pk__in=ids, status=to_status, updated_at=now
                ).values_list("pk", flat=True)
            )
            made += [move for move in group if move.publication_id in moved]
        recorded = [move for move in made if move.record]
        PublicationEvent.objects.bulk_create(
            PublicationEvent(
                publication_id=move.publication_id,
                from_status=move.from_statuses[0],
                to_status=move.to_status,
                reason=move.reason,
                error_code=move.error_code,
                actor=actor.name,
                actor_user_id=actor.user_id,
            )
            for move in recorded
        )
        refresh_content_status({content_ids[move.publication_id] for move in made})
        announce(recorded, {m.publication_id: m.from_statuses[0] for m in made}, actor)
    return made


def column_value(name: str, moves: list[Move]):
    """One value for every row, or a CASE on the id when the rows' values differ."""
    values = [move.fields[name] for move in moves]
    first = values[0]
    if all(value == first and type(value) is type(first) for value in values):
        return first
    output = Publication._meta.get_field(name)
    return Case(
        *(
            When(pk=move.publication_id, then=Value(value, output_field=output))
            for move, value in zip(moves, values, strict=True)
        ),
        output_field=output,
    )


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
