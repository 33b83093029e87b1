"""Which fields of a content may still change: one rule, and the API and the admin both follow it."""

import datetime as dt

import pytest
from django.utils import timezone

from content.choices import Status
from publishing.selectors import EDITABLE_CONTENT_FIELDS, content_editability_of
from publishing.states import transition
from tests.api.conftest import FUTURE, client_for, scheduled
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REQUEST_SENT = "request sent"  # a step that records the request as sent
TEXT = {"title", "body", "options"}
EVERYTHING = set(EDITABLE_CONTENT_FIELDS)

# Each target's path through the state machine, and what the content then allows to change.
CASES = {
    "scheduled": ([[]], EVERYTHING),
    "queued (due, or held)": ([[Status.QUEUED]], TEXT),
    "retrying, nothing sent": ([[Status.QUEUED, Status.PUBLISHING, Status.RETRYING]], TEXT),
    "retrying after a request went out": (
        [[Status.QUEUED, Status.PUBLISHING, (Status.RETRYING, REQUEST_SENT)]],
        set(),
    ),
    "being published": ([[Status.QUEUED, Status.PUBLISHING]], set()),
    "published": ([[Status.QUEUED, Status.PUBLISHING, Status.PUBLISHED]], set()),
    "failed": ([[Status.QUEUED, Status.PUBLISHING, Status.FAILED]], set()),
    "canceled": ([[Status.CANCELED]], set()),
    "one scheduled, one queued": ([[], [Status.QUEUED]], TEXT),
    "one scheduled, one published": (
        [[], [Status.QUEUED, Status.PUBLISHING, Status.PUBLISHED]],
        set(),
    ),
}

NEW_VALUES = {
    "title": "A new title",
    "body": "A new body",
    "options": {},
    "scheduled_for": (FUTURE + dt.timedelta(days=1)).isoformat(),
}


def content_in(paths, owner):
    """A content with one target per path (Discord first, then X), driven along its path."""
    content = scheduled(owner, platforms=["discord", "twitter"][: len(paths)])
    for publication, path in zip(content.publications.order_by("platform"), paths, strict=True):
        for step in path:
            status, note = step if isinstance(step, tuple) else (step, "")
            fields = {"request_sent_at": timezone.now()} if note == REQUEST_SENT else {}
            transition(publication, status, reason="test", **fields)
    return content


def fields_the_api_accepts(content, owner) -> set[str]:
    """Each field PATCHed alone: 200 means it changed, 409 ``locked`` that it may not."""
    api = client_for(owner)
    accepted = set()
    for name, value in NEW_VALUES.items():
        answer = api.patch(f"/api/v1/content/{content.pk}/", {name: value}, format="json")
        assert answer.status_code in (200, 409), answer.json()
        if answer.status_code == 200:
            accepted.add(name)
        else:
            assert answer.json()["code"] == "locked"
    return accepted


def fields_the_admin_offers(content, client) -> set[str]:
    """The inputs of the admin's change page (the time is a split date and time input)."""
    html = client.get(f"/admin/content/content/{content.pk}/change/").content.decode()
    inputs = {"scheduled_for": 'name="scheduled_for_0"'}
    return {name for name in EDITABLE_CONTENT_FIELDS if inputs.get(name, f'name="{name}"') in html}


@pytest.mark.parametrize("case", CASES)
def test_the_api_and_the_admin_allow_the_same_fields(case, client, operator):
    paths, editable = CASES[case]
    owner = UserFactory()
    client.force_login(operator)

    assert content_editability_of(content_in(paths, owner)).fields == editable
    assert fields_the_admin_offers(content_in(paths, owner), client) == editable
    assert fields_the_api_accepts(content_in(paths, owner), owner) == editable


def test_the_refusal_names_what_started():
    content = content_in([[Status.QUEUED, Status.PUBLISHING], []], UserFactory())
    editability = content_editability_of(content)
    assert editability.frozen == EDITABLE_CONTENT_FIELDS
    assert editability.refusal == (
        "This content can no longer be edited (Discord: PUBLISHING); cancel it and schedule a "
        "new post."
    )


def test_a_due_content_keeps_its_time_and_says_why():
    content = content_in([[Status.QUEUED]], UserFactory())
    editability = content_editability_of(content)
    assert editability.frozen == ("scheduled_for",)
    assert editability.refusal == "Only content whose targets are all still scheduled can be moved."
