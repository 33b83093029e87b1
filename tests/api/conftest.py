import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.tokens import issue_token
from publishing.services import Target, schedule_content
from tests.factories import UserFactory

FUTURE = dt.datetime(2031, 5, 1, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def api_settings(settings, tmp_path):
    """Rates no test reaches, and uploads in a temporary folder.

    A user's rate is their plan's; the default plan takes ``API_THROTTLE_USER`` when it
    is created (a flushed database) and ``generous_default_plan`` sets it otherwise.
    """
    settings.API_THROTTLE_USER = "1000000/hour"
    settings.API_THROTTLE_ANON = "1000000/hour"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_MEDIA_BASE_URL = "https://media.example"


@pytest.fixture(autouse=True)
def generous_default_plan(request, api_settings):
    """The default plan's API rate, which the migration copied from the settings of its day,
    at a rate no test reaches (the throttle tests set their own)."""
    uses_db = {"db", "transactional_db"} & set(request.fixturenames)
    if not uses_db and request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("db")
    from entitlements.services import default_plan

    plan = default_plan()
    plan.api_rate = "1000000/hour"
    plan.save(update_fields=["api_rate"])


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=user).token}")
    return client


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", timezone="Europe/Madrid")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


@pytest.fixture
def api(alice):
    return client_for(alice)


def scheduled(owner, *, platforms=("twitter",), body="Hello", when=FUTURE, **kwargs):
    return schedule_content(
        owner=owner,
        body=body,
        targets=[Target(p) for p in platforms],
        scheduled_for=when,
        **kwargs,
    )


def soon():
    return (timezone.now() + dt.timedelta(hours=1)).isoformat()
