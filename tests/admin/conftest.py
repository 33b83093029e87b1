import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from content.choices import Status
from publishing.models import Publication
from publishing.services import IN_DOUBT_CODE
from publishing.states import transition
from tests.factories import UserFactory


@pytest.fixture
def staff_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def steering_operator(db):
    """A staff operator (not a superuser) who may steer content and publications only."""
    user = UserFactory(username="steerer", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=("content", "publishing"),
            codename__in=("view_content", "change_content", "add_content", "view_publication"),
        )
    )
    return user


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


@pytest.fixture
def tasks_queued_in_the_database(monkeypatch):
    """django-q2 queues to the database whatever the broker, so a test sees what was queued."""
    from django_q.brokers.orm import ORM
    from django_q.conf import Conf

    monkeypatch.setattr(
        "django_q.tasks.get_broker",
        lambda list_key=None: ORM(list_key=list_key or Conf.CLUSTER_NAME),
    )
