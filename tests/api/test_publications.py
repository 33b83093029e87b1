"""Publications: the user's targets, filtered, with their audit log."""

import pytest

from content.choices import Status
from publishing import holds
from publishing.states import Actor, transition
from tests.api.conftest import scheduled

pytestmark = pytest.mark.django_db


def test_list_filters_by_status_platform_and_content(api, alice):
    first = scheduled(alice, platforms=("twitter", "discord"))
    second = scheduled(alice, platforms=("twitter",))
    discord = first.publications.get(platform="discord")
    transition(discord, Status.CANCELED, reason="test")

    def ids(**params):
        answer = api.get("/api/v1/publications/", params)
        assert answer.status_code == 200, answer.json()
        return sorted(p["id"] for p in answer.json()["results"])

    everything = sorted(p.pk for c in (first, second) for p in c.publications.all())
    assert ids() == everything
    assert ids(status="CANCELED") == [discord.pk]
    assert ids(platform="twitter") == sorted(
        p.pk for c in (first, second) for p in c.publications.filter(platform="twitter")
    )
    assert ids(content=second.pk) == [second.publications.get().pk]


def test_bad_filters_are_field_errors(api):
    answer = api.get("/api/v1/publications/", {"content": "abc", "status": "x"})
    assert answer.status_code == 400
    assert answer.json()["field_errors"] == {
        "status": ['"x" is not a valid choice.'],
        "content": ["A valid integer is required."],
    }


def test_retrieve_includes_the_audit_events(api, alice):
    publication = scheduled(alice).publications.get()
    transition(publication, Status.CANCELED, reason="changed my mind", actor=Actor.for_user(alice))
    body = api.get(f"/api/v1/publications/{publication.pk}/").json()
    assert body["content"] == publication.content_id
    assert body["status"] == "CANCELED"
    assert [
        (e["from_status"], e["to_status"], e["reason"], e["actor"]) for e in body["events"]
    ] == [
        ("", "SCHEDULED", "scheduled for 2031-05-01T09:30:00+00:00", "alice"),
        ("SCHEDULED", "CANCELED", "changed my mind", "alice"),
    ]


def test_list_runs_a_fixed_number_of_queries(api, alice, django_assert_max_num_queries):
    for _ in range(10):
        scheduled(alice, platforms=("twitter", "discord"))
    # One more the first time: the throttle reads the plan's API rate (then cached).
    with django_assert_max_num_queries(5):
        assert len(api.get("/api/v1/publications/").json()["results"]) == 20
    with django_assert_max_num_queries(4):
        assert len(api.get("/api/v1/publications/").json()["results"]) == 20


def test_a_held_publication_shows_what_holds_it(api, alice):
    content = scheduled(alice, platforms=("discord",))
    publication = content.publications.get()
    publication.__class__.objects.filter(pk=publication.pk).update(
        status=Status.QUEUED, **holds.paused_account().fields()
    )
    answer = api.get(f"/api/v1/publications/{publication.pk}/")
    assert answer.status_code == 200, answer.json()
    assert (answer.json()["hold_kind"], answer.json()["hold_reason"]) == (
        "paused_account",
        "the account is paused",
    )
