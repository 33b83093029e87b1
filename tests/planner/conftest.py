"""Posts on a calendar, and the operators who look at it."""

import datetime as dt
import zoneinfo

import pytest
from django.contrib.auth.models import Permission

from content.choices import Status
from publishing.services import Target, schedule_content
from publishing.states import transition
from tests.factories import IntegrationFactory, UserFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
UTC = dt.UTC
VIEW_PERMISSIONS = ("view_content", "view_publication")


def staff_with(username: str, *codenames: str, timezone: str = "UTC"):
    user = UserFactory(username=username, is_staff=True, timezone=timezone)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def viewer(db):
    """Staff who may look at content and publications, and change nothing."""
    return staff_with("viewer", *VIEW_PERMISSIONS, timezone="Europe/Paris")


@pytest.fixture
def mover(db):
    """Staff who may look and move posts."""
    return staff_with("mover", *VIEW_PERMISSIONS, "change_content", timezone="Europe/Paris")


@pytest.fixture
def bare_staff(db):
    return staff_with("bare")


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", timezone="Europe/Paris")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


@pytest.fixture
def alice_x(alice):
    return IntegrationFactory(user=alice, provider="twitter", display_name="@alice")


@pytest.fixture
def alice_discord(alice):
    return IntegrationFactory(
        user=alice,
        provider="discord",
        display_name="#news",
        account_options={"channel_id": "1100000000000000001", "guild_id": "1"},
    )


def post(owner, when, *, targets=None, body="Hello from the calendar", title=""):
    return schedule_content(
        owner=owner,
        body=body,
        title=title,
        targets=targets or [Target("twitter")],
        scheduled_for=when,
    )


def publish(content, platform=None):
    """Drive the targets (or one platform's) to PUBLISHED as the engine does."""
    for publication in content.publications.all():
        if platform and publication.platform != platform:
            continue
        transition(publication, Status.QUEUED, reason="due")
        transition(publication, Status.PUBLISHING, reason="claimed")
        transition(
            publication,
            Status.PUBLISHED,
            reason="sent",
            external_id="42",
            permalink=f"https://x.com/alice/status/{publication.pk}",
        )
    content.refresh_from_db()
    return content
