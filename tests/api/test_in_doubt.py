"""In doubt is not failed: the flag, what is known, the filter, and the owner settling a row."""

import datetime as dt

import pytest

from content.choices import Status
from publishing.models import IN_DOUBT_CODE, Publication, PublicationEvent
from publishing.states import transition
from tests.api.conftest import client_for, scheduled

pytestmark = pytest.mark.django_db

SENT_AT = dt.datetime(2031, 5, 1, 9, 30, 2, tzinfo=dt.UTC)
UNKNOWN = (
    "The request was sent but its outcome is unknown, and the platform cannot tell whether "
    "the post exists. Check the platform, then settle it (its owner through the API, or an "
    "operator in the admin)."
)
EVIDENCE = f"request sent at 2031-05-01T09:30:02+00:00; 2 attempts; last error: {UNKNOWN}"


def in_doubt(publication: Publication) -> Publication:
    """The row as the engine leaves it when reconcile cannot tell: FAILED, code in_doubt."""
    transition(publication, Status.QUEUED, reason="due")
    transition(publication, Status.PUBLISHING, reason="claimed", attempts=2)
    transition(
        publication,
        Status.FAILED,
        reason=UNKNOWN,
        error_code=IN_DOUBT_CODE,
        last_error_code=IN_DOUBT_CODE,
        last_error=UNKNOWN,
        request_sent_at=SENT_AT,
    )
    return publication


def failed(publication: Publication) -> Publication:
    transition(publication, Status.QUEUED, reason="due")
    transition(publication, Status.PUBLISHING, reason="claimed")
    transition(
        publication,
        Status.FAILED,
        reason="refused",
        last_error_code="discord_50035",
        last_error="Discord answered 400: Invalid Form Body",
    )
    return publication


@pytest.fixture
def doubtful(alice):
    """Alice's content: the Discord target in doubt, the X target plainly failed."""
    content = scheduled(alice, platforms=("twitter", "discord"))
    in_doubt(content.publications.get(platform="discord"))
    failed(content.publications.get(platform="twitter"))
    return content


def settle(api, publication, **body):
    return api.post(f"/api/v1/publications/{publication.pk}/settle/", body, format="json")


def test_an_in_doubt_publication_says_so_and_what_is_known(api, doubtful):
    discord = doubtful.publications.get(platform="discord")
    twitter = doubtful.publications.get(platform="twitter")
    body = api.get(f"/api/v1/publications/{discord.pk}/").json()
    assert (body["status"], body["in_doubt"], body["in_doubt_evidence"]) == (
        "FAILED",
        True,
        EVIDENCE,
    )
    body = api.get(f"/api/v1/publications/{twitter.pk}/").json()
    assert (body["status"], body["in_doubt"], body["in_doubt_evidence"]) == ("FAILED", False, "")
    listed = {p["id"]: p for p in api.get("/api/v1/publications/").json()["results"]}
    assert (listed[discord.pk]["in_doubt"], listed[twitter.pk]["in_doubt"]) == (True, False)
    assert listed[discord.pk]["in_doubt_evidence"] == EVIDENCE


def test_the_content_does_not_read_a_bare_failed(api, alice, doubtful):
    """The aggregate stays FAILED (the seven states), and ``in_doubt`` says a post may be live."""
    plain = scheduled(alice, platforms=("twitter",))
    failed(plain.publications.get())
    body = api.get(f"/api/v1/content/{doubtful.pk}/").json()
    assert (body["status"], body["in_doubt"]) == ("FAILED", True)
    assert {t["platform"]: t["in_doubt"] for t in body["targets"]} == {
        "twitter": False,
        "discord": True,
    }
    assert [t["in_doubt_evidence"] for t in body["targets"] if t["in_doubt"]] == [EVIDENCE]
    body = api.get(f"/api/v1/content/{plain.pk}/").json()
    assert (body["status"], body["in_doubt"]) == ("FAILED", False)


def test_a_row_still_awaiting_reconcile_is_not_in_doubt(api, alice):
    """Sent, no outcome, retries left: the engine asks the platform itself before any resend."""
    publication = scheduled(alice, platforms=("discord",)).publications.get()
    transition(publication, Status.QUEUED, reason="due")
    transition(publication, Status.PUBLISHING, reason="claimed", request_sent_at=SENT_AT)
    transition(publication, Status.RETRYING, reason="timeout", last_error_code="transient")
    body = api.get(f"/api/v1/publications/{publication.pk}/").json()
    assert (body["status"], body["in_doubt"], body["in_doubt_evidence"]) == (
        "RETRYING",
        False,
        "",
    )


def test_filters_publications_and_content_by_in_doubt(api, alice, bob, doubtful):
    other = scheduled(alice, platforms=("discord",))
    in_doubt(scheduled(bob, platforms=("discord",)).publications.get())  # not alice's

    def ids(path, **params):
        answer = api.get(path, params)
        assert answer.status_code == 200, answer.json()
        return sorted(item["id"] for item in answer.json()["results"])

    discord = doubtful.publications.get(platform="discord").pk
    twitter = doubtful.publications.get(platform="twitter").pk
    waiting = other.publications.get().pk
    assert ids("/api/v1/publications/", in_doubt="true") == [discord]
    assert ids("/api/v1/publications/", in_doubt="false") == sorted([twitter, waiting])
    assert ids("/api/v1/publications/", in_doubt="true", platform="twitter") == []
    assert ids("/api/v1/content/", in_doubt="true") == [doubtful.pk]
    assert ids("/api/v1/content/", in_doubt="false") == [other.pk]


@pytest.mark.parametrize("value", ["yes", "1", "TRUE", "true\x00"])
def test_a_bad_in_doubt_value_is_a_field_error(api, value):
    for path in ("/api/v1/publications/", "/api/v1/content/"):
        answer = api.get(path, {"in_doubt": value})
        assert answer.status_code == 400, (path, value)
        assert answer.json()["code"] == "invalid"
        assert list(answer.json()["field_errors"]) == ["in_doubt"]


def test_the_owner_settles_it_as_published(api, alice, doubtful):
    publication = doubtful.publications.get(platform="discord")
    answer = settle(
        api,
        publication,
        outcome="published",
        permalink="https://discord.com/channels/1/2/3",
        reason="I can see it in the channel",
    )
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["status"], body["in_doubt"], body["permalink"]) == (
        "PUBLISHED",
        False,
        "https://discord.com/channels/1/2/3",
    )
    assert body["events"][-1] == {
        **body["events"][-1],
        "from_status": "FAILED",
        "to_status": "PUBLISHED",
        "reason": "marked as published by alice: I can see it in the channel",
        "actor": "alice",
    }
    event = PublicationEvent.objects.filter(publication=publication).last()
    assert (event.actor, event.actor_user_id) == ("alice", alice.pk)
    publication.refresh_from_db()
    assert publication.published_at == SENT_AT
    content = api.get(f"/api/v1/content/{doubtful.pk}/").json()
    assert (content["status"], content["in_doubt"]) == ("FAILED", False)  # X still failed


def test_the_owner_settles_it_as_published_with_the_platform_id(api, doubtful):
    publication = doubtful.publications.get(platform="discord")
    answer = settle(api, publication, outcome="published", external_id="1234", reason="seen")
    assert answer.status_code == 200, answer.json()
    assert (answer.json()["status"], answer.json()["external_id"]) == ("PUBLISHED", "1234")


def test_the_owner_settles_it_as_not_published(api, alice, doubtful):
    publication = doubtful.publications.get(platform="discord")
    answer = settle(api, publication, outcome="not_published", reason="not in the channel")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["status"], body["in_doubt"], body["last_error_code"], body["last_error"]) == (
        "FAILED",
        False,
        "not_published",
        "Not published (checked by alice): not in the channel",
    )
    event = PublicationEvent.objects.filter(publication=publication).last()
    assert (event.from_status, event.to_status, event.error_code) == (
        "FAILED",
        "FAILED",
        "not_published",
    )
    assert event.reason == f"marked as failed by alice: not in the channel ({EVIDENCE})"
    assert (event.actor, event.actor_user_id) == ("alice", alice.pk)
    # The request did go out: a later retry asks the platform before it sends.
    publication.refresh_from_db()
    assert publication.request_sent_at == SENT_AT


def test_settling_what_is_not_in_doubt_is_a_conflict(api, alice, doubtful):
    twitter = doubtful.publications.get(platform="twitter")
    waiting = scheduled(alice, platforms=("discord",)).publications.get()
    for publication, status in ((twitter, "failed, discord_50035"), (waiting, "scheduled")):
        answer = settle(api, publication, outcome="not_published", reason="checked")
        assert answer.status_code == 409
        assert answer.json() == {
            "code": "not_in_doubt",
            "message": f"not in doubt: it is {status}",
            "field_errors": {},
            "platforms": {},
        }
    # Settled once, it cannot be settled again.
    discord = doubtful.publications.get(platform="discord")
    assert settle(api, discord, outcome="not_published", reason="checked").status_code == 200
    again = settle(api, discord, outcome="published", external_id="1", reason="found it")
    assert (again.status_code, again.json()["message"]) == (
        409,
        "not in doubt: it is failed, not_published",
    )
    assert PublicationEvent.objects.filter(publication=twitter).last().reason == "refused"


def test_another_users_publication_answers_404(alice, bob, doubtful):
    publication = doubtful.publications.get(platform="discord")
    answer = settle(client_for(bob), publication, outcome="not_published", reason="mine now")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"
    publication.refresh_from_db()
    assert publication.last_error_code == IN_DOUBT_CODE


def test_published_needs_the_permalink_or_the_id(api, doubtful):
    publication = doubtful.publications.get(platform="discord")
    answer = settle(api, publication, outcome="published", reason="it is out")
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid"
    assert answer.json()["message"] == "Give the post's id or its permalink on the platform."
    publication.refresh_from_db()
    assert publication.last_error_code == IN_DOUBT_CODE


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "maybe", "reason": "x"}, "outcome"),
        ({"reason": "x"}, "outcome"),
        ({"outcome": "not_published"}, "reason"),
        ({"outcome": "not_published", "reason": "   "}, "reason"),
        ({"outcome": "not_published", "reason": "nul\x00byte"}, "reason"),
        ({"outcome": "not_published", "reason": "x" * 1001}, "reason"),
        ({"outcome": "published", "reason": "x", "permalink": "javascript:alert(1)"}, "permalink"),
        ({"outcome": "published", "reason": "x", "permalink": "ftp://a.example/b"}, "permalink"),
        ({"outcome": "published", "reason": "x", "external_id": "9" * 201}, "external_id"),
        ({"outcome": "not_published", "reason": "x", "external_id": "1"}, "external_id"),
        ({"outcome": ["published"], "reason": {"a": 1}}, "outcome"),
    ],
)
def test_hostile_input_is_a_400_that_changes_nothing(api, doubtful, body, field):
    publication = doubtful.publications.get(platform="discord")
    events = PublicationEvent.objects.filter(publication=publication).count()
    answer = settle(api, publication, **body)
    assert answer.status_code == 400, answer.json()
    assert field in answer.json()["field_errors"]
    publication.refresh_from_db()
    assert publication.last_error_code == IN_DOUBT_CODE
    assert PublicationEvent.objects.filter(publication=publication).count() == events


def test_settle_honours_the_idempotency_key(api, doubtful):
    publication = doubtful.publications.get(platform="discord")
    body = {"outcome": "not_published", "reason": "checked"}
    url = f"/api/v1/publications/{publication.pk}/settle/"
    first = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="settle-1")
    second = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="settle-1")
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert PublicationEvent.objects.filter(publication=publication, to_status="FAILED").count() == 2


def test_the_list_of_in_doubt_rows_runs_a_fixed_number_of_queries(
    api, alice, django_assert_max_num_queries
):
    for _ in range(10):
        content = scheduled(alice, platforms=("twitter", "discord"))
        in_doubt(content.publications.get(platform="discord"))
    # One more the first time: the throttle reads the plan's API rate (then cached).
    with django_assert_max_num_queries(5):
        api.get("/api/v1/publications/", {"in_doubt": "true"})
    with django_assert_max_num_queries(4):
        results = api.get("/api/v1/publications/", {"in_doubt": "true"}).json()["results"]
    assert len(results) == 10 and all(p["in_doubt_evidence"] == EVIDENCE for p in results)
    with django_assert_max_num_queries(6):
        results = api.get("/api/v1/content/", {"in_doubt": "true"}).json()["results"]
    assert len(results) == 10 and all(c["in_doubt"] for c in results)
