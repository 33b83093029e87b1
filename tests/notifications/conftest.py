import datetime as dt

import pytest
from django.utils import timezone

from content.choices import Status
from notifications import services
from publishing.models import IN_DOUBT_CODE
from publishing.services import Target, schedule_content
from publishing.states import transition
from tests.factories import IntegrationFactory, UserFactory

# A token as a platform might quote it back: it must never reach an e-mail.
TOKEN = "sk-live-4f9a8b7c6d5e4f3a2b1c"


@pytest.fixture(autouse=True)
def notification_settings(settings):
    """Notices due at once, two operator addresses, a known site URL, fast API limits."""
    settings.NOTIFY_DIGEST_SECONDS = 0
    settings.HERALD_OPERATOR_EMAILS = ["ops@example.com", "oncall@example.com"]
    settings.HERALD_OPERATOR_GROUP = "Operators"
    settings.SITE_URL = "https://herald.example"
    settings.API_THROTTLE_USER = "1000000/hour"
    settings.API_THROTTLE_ANON = "1000000/hour"


@pytest.fixture(autouse=True)
def no_window_remembered():
    """The process remembers the last window it asked a Schedule for; tests roll theirs back."""
    services._requested_windows.clear()


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", email="alice@example.com", timezone="Europe/Madrid")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", email="bob@example.com")


@pytest.fixture
def x_account(alice):
    return IntegrationFactory(
        user=alice, provider="twitter", display_name="@alice_news", access_token=TOKEN
    )


def later() -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=2)


def a_post(owner, account, *, title="Launch day"):
    content = schedule_content(
        owner=owner,
        title=title,
        body="We are live",
        targets=[Target("twitter", integration=account)],
        scheduled_for=later(),
    )
    return content.publications.get()


def fail(publication, *, reason="X refused the post: duplicate content.", code="permanent"):
    """Drive a row to FAILED the way the engine does."""
    transition(publication, Status.QUEUED, reason="due")
    transition(publication, Status.PUBLISHING, reason="claimed")
    transition(
        publication,
        Status.FAILED,
        reason=reason,
        error_code=code,
        last_error_code=code,
        last_error=reason,
    )
    return publication


def doubt(publication):
    return fail(
        publication,
        reason="The request was sent but its outcome is unknown.",
        code=IN_DOUBT_CODE,
    )
