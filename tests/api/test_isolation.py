"""Another user's content and publications answer 404 for every read, write and action."""

import pytest

from content.choices import Status
from content.models import Content
from publishing.models import PublicationEvent
from tests.api.conftest import scheduled

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(bob):
    return scheduled(bob, platforms=("twitter",))


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("get", "", None),
        ("patch", "", {"body": "mine now"}),
        ("put", "", {"body": "mine now", "scheduled_for": "2031-06-01T10:00:00Z"}),
        ("delete", "", None),
        ("post", "cancel/", None),
        ("post", "publish-now/", None),
        ("post", "retry/", None),
    ],
)
def test_another_users_content_is_not_found(api, theirs, method, suffix, data):
    answer = getattr(api, method)(f"/api/v1/content/{theirs.pk}/{suffix}", data, format="json")
    assert answer.status_code == 404
    assert answer.json() == {
        "code": "not_found",
        "message": "Not found.",
        "field_errors": {},
        "platforms": {},
    }
    theirs.refresh_from_db()
    assert (theirs.body, theirs.version, theirs.status) == ("Hello", 1, Status.SCHEDULED)
    events = PublicationEvent.objects.filter(publication__content=theirs)
    assert events.count() == 1


def test_another_users_content_is_not_listed(api, theirs, alice):
    mine = scheduled(alice)
    assert [c["id"] for c in api.get("/api/v1/content/").json()["results"]] == [mine.pk]
    assert Content.objects.count() == 2


def test_another_users_publication_is_not_found_nor_listed(api, theirs, alice):
    mine = scheduled(alice).publications.get()
    other = theirs.publications.get()
    assert api.get(f"/api/v1/publications/{other.pk}/").status_code == 404
    assert [p["id"] for p in api.get("/api/v1/publications/").json()["results"]] == [mine.pk]
    filtered = api.get("/api/v1/publications/", {"content": theirs.pk}).json()
    assert filtered["results"] == []
    not_in_doubt = api.get("/api/v1/publications/", {"in_doubt": "false"}).json()
    assert [p["id"] for p in not_in_doubt["results"]] == [mine.pk]
    settle = {"outcome": "not_published", "reason": "mine now"}
    answer = api.post(f"/api/v1/publications/{other.pk}/settle/", settle, format="json")
    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_publications_are_read_only(api, alice, method):
    publication = scheduled(alice).publications.get()
    answer = getattr(api, method)(f"/api/v1/publications/{publication.pk}/", {}, format="json")
    assert answer.status_code == 405
    assert answer.json()["code"] == "method_not_allowed"
