"""A transaction the database aborts for a lock conflict runs once more, then answers 409 busy.

The database's verdict is simulated here (an OperationalError caused by the
driver's DeadlockDetected or SerializationFailure), so these run on SQLite
too; test_action_concurrency.py meets real deadlocks on PostgreSQL.
"""

import datetime as dt

import pytest
from django.db import OperationalError, transaction
from django.utils import timezone
from psycopg import errors as pg_errors
from rest_framework.test import APIClient

from api.tokens import issue_token
from content.choices import Status
from publishing import services
from publishing.services import (
    BUSY_MESSAGE,
    ContentBusy,
    Target,
    retried_once_on_lock_conflict,
    schedule_content,
)
from tests.factories import UserFactory
from tests.operators import messages_of

pytestmark = pytest.mark.django_db(transaction=True)


def aborted_by(driver_error_class) -> OperationalError:
    """An error as Django raises it when PostgreSQL aborts a transaction."""
    error = OperationalError("deadlock detected")
    error.__cause__ = driver_error_class("deadlock detected")
    return error


class Flaky:
    """A service that fails with ``errors`` in turn, then answers "done"."""

    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = 0
        self.__name__ = "flaky"

    def __call__(self):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


@pytest.mark.parametrize(
    "driver_error", [pg_errors.DeadlockDetected, pg_errors.SerializationFailure]
)
def test_a_deadlock_victim_runs_once_more(driver_error):
    service = Flaky(aborted_by(driver_error))
    assert retried_once_on_lock_conflict(service)() == "done"
    assert service.calls == 2


def test_a_second_conflict_is_answered_busy():
    service = Flaky(aborted_by(pg_errors.DeadlockDetected), aborted_by(pg_errors.DeadlockDetected))
    with pytest.raises(ContentBusy) as raised:
        retried_once_on_lock_conflict(service)()
    assert str(raised.value) == "Another action on this content was running; try again."
    assert service.calls == 2


def test_other_database_errors_are_not_run_again():
    service = Flaky(OperationalError("server closed the connection unexpectedly"))
    with pytest.raises(OperationalError, match="server closed"):
        retried_once_on_lock_conflict(service)()
    assert service.calls == 1


def test_inside_a_callers_transaction_nothing_is_run_again():
    service = Flaky(aborted_by(pg_errors.DeadlockDetected))
    with pytest.raises(OperationalError), transaction.atomic():
        retried_once_on_lock_conflict(service)()
    assert service.calls == 1


@pytest.fixture
def always_deadlocking(monkeypatch):
    """publish_now's audit write loses a deadlock, every time."""

    def record_note(*args, **kwargs):
        raise aborted_by(pg_errors.DeadlockDetected)

    monkeypatch.setattr(services, "record_note", record_note)


def scheduled_content(owner):
    return schedule_content(
        owner=owner,
        body="Soon",
        targets=[Target("twitter")],
        scheduled_for=timezone.now() + dt.timedelta(days=1),
    )


def test_the_api_answers_409_busy_when_the_rerun_loses_too(always_deadlocking):
    owner = UserFactory()
    content = scheduled_content(owner)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=owner).token}")
    response = client.post(f"/api/v1/content/{content.pk}/publish-now/")
    assert response.status_code == 409
    assert response.json() == {
        "code": "busy",
        "message": BUSY_MESSAGE,
        "field_errors": {},
        "platforms": {},
    }
    publication = content.publications.get()
    assert (publication.status, publication.next_attempt_at) == (
        Status.SCHEDULED,
        content.scheduled_for,
    )


def test_the_admin_action_says_so_too(client, operator, always_deadlocking):
    content = scheduled_content(UserFactory())
    client.force_login(operator)
    response = client.post(
        "/admin/content/content/",
        {"action": "publish_now_selected", "_selected_action": [content.pk]},
        follow=True,
    )
    assert messages_of(response) == [f"1 skipped: {BUSY_MESSAGE.rstrip('.')} (#{content.pk})."]
