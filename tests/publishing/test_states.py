"""The state machine: allowed moves, refused moves, audit rows and the content aggregate."""

import pytest

from content.choices import Status
from publishing.models import PublicationEvent
from publishing.states import (
    ALLOWED_TRANSITIONS,
    Actor,
    IllegalTransition,
    StaleTransition,
    aggregate_status,
    transition,
    transition_many,
)
from tests.factories import PublicationFactory, UserFactory

S = Status
ALL_MOVES = [(a, b) for a in S.values for b in S.values]


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), ALL_MOVES)
def test_every_move_is_allowed_or_refused_as_the_table_says(from_status, to_status):
    publication = PublicationFactory(status=from_status)
    if to_status in ALLOWED_TRANSITIONS[from_status]:
        transition(publication, to_status, reason="test move")
        publication.refresh_from_db()
        assert publication.status == to_status
        event = PublicationEvent.objects.get(publication=publication)
        assert (event.from_status, event.to_status, event.reason, event.actor) == (
            from_status,
            to_status,
            "test move",
            "engine",
        )
        assert publication.content.__class__.objects.get(pk=publication.content_id).status == (
            aggregate_status([to_status])
        )
    else:
        with pytest.raises(IllegalTransition, match=f"from {from_status} to {to_status}"):
            transition(publication, to_status, reason="test move")
        publication.refresh_from_db()
        assert publication.status == from_status
        assert not PublicationEvent.objects.filter(publication=publication).exists()


@pytest.mark.django_db
def test_a_move_made_elsewhere_first_is_not_overwritten():
    publication = PublicationFactory(status=S.QUEUED)
    stale_copy = type(publication).objects.get(pk=publication.pk)
    transition(publication, S.PUBLISHING, reason="worker A")
    with pytest.raises(StaleTransition):
        transition(stale_copy, S.PUBLISHING, reason="worker B")
    assert PublicationEvent.objects.filter(publication=publication).count() == 1


@pytest.mark.django_db
def test_transition_many_moves_only_rows_still_in_the_expected_state():
    owner = UserFactory()
    rows = [PublicationFactory(content__owner=owner, status=S.SCHEDULED) for _ in range(3)]
    transition(rows[0], S.CANCELED, reason="user canceled")
    operator = UserFactory(username="ops")
    moved = transition_many(
        [r.pk for r in rows], [S.SCHEDULED], S.QUEUED, reason="due", actor=Actor.for_user(operator)
    )
    assert sorted(moved) == sorted([rows[1].pk, rows[2].pk])
    events = PublicationEvent.objects.filter(to_status=S.QUEUED)
    assert {e.actor for e in events} == {"ops"}
    assert {e.actor_user_id for e in events} == {operator.pk}


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([S.PUBLISHED, S.PUBLISHED], S.PUBLISHED),
        ([S.PUBLISHED, S.RETRYING, S.QUEUED], S.RETRYING),
        ([S.PUBLISHED, S.QUEUED, S.PUBLISHING], S.QUEUED),
        ([S.PUBLISHED, S.PUBLISHING], S.PUBLISHING),
        ([S.SCHEDULED, S.PUBLISHED], S.SCHEDULED),
        ([S.FAILED, S.FAILED], S.FAILED),
        ([S.FAILED, S.CANCELED], S.FAILED),
        ([S.PUBLISHED, S.FAILED], S.FAILED),  # mixed: needs an operator's eye
        ([S.PUBLISHED, S.CANCELED], S.PUBLISHED),
        ([S.CANCELED, S.CANCELED], S.CANCELED),
    ],
)
def test_content_aggregate_rules(statuses, expected):
    assert aggregate_status(statuses) == expected
