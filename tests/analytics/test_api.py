"""The analytics API: one's own snapshots, totals, top posts, CSV; hostile input is a 400."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from analytics.models import CollectorState, MetricsSnapshot
from tests.analytics.conftest import published
from tests.api.conftest import client_for
from tests.factories import IntegrationFactory

pytestmark = pytest.mark.django_db


def snapshot(publication, due_after, likes, *, latest=True, views=None):
    return MetricsSnapshot.objects.create(
        publication=publication,
        due_after=due_after,
        taken_at=publication.published_at + dt.timedelta(seconds=due_after),
        likes=likes,
        comments=1,
        views=views,
        engagement=likes + 1,
        is_latest=latest,
    )


@pytest.fixture
def world(db):
    now = timezone.now()
    alice_x = IntegrationFactory(provider="twitter", display_name="Alice on X")
    alice_yt = IntegrationFactory(provider="youtube", user=alice_x.user, display_name="Alice TV")
    bob_x = IntegrationFactory(provider="twitter", display_name="Bob on X")
    first = published(alice_x, external_id="1", ago=dt.timedelta(days=2))
    second = published(alice_yt, external_id="vid", ago=dt.timedelta(days=3))
    bobs = published(bob_x, external_id="2", ago=dt.timedelta(days=2))
    # published() dates from a fixed NOW: move them to the real clock for the default range.
    for post, days in ((first, 2), (second, 3), (bobs, 2)):
        post.published_at = now - dt.timedelta(days=days)
        post.save(update_fields=["published_at"])
    snapshot(first, 3600, 5, latest=False)
    snapshot(first, 86400, 9, views=100)
    snapshot(second, 86400, 40, views=1000)
    snapshot(bobs, 86400, 1000)
    CollectorState.objects.create(
        publication=second,
        platform="youtube",
        account_key="k",
        published_at=second.published_at,
        next_age_index=2,
        next_due_at=second.published_at + dt.timedelta(days=7),
    )
    return {
        "alice": client_for(alice_x.user),
        "bob": client_for(bob_x.user),
        "first": first,
        "second": second,
        "bobs": bobs,
        "alice_x": alice_x,
    }


def test_a_publications_snapshots_oldest_first(world):
    answer = world["alice"].get(f"/api/v1/publications/{world['first'].pk}/metrics/")
    assert answer.status_code == 200
    body = answer.json()
    assert [(s["due_after"], s["likes"]) for s in body["snapshots"]] == [(3600, 5), (86400, 9)]
    assert body["gone"] is False and body["platform"] == "twitter"


def test_someone_elses_publication_is_404(world):
    assert world["bob"].get(f"/api/v1/publications/{world['first'].pk}/metrics/").status_code == 404
    assert world["alice"].get("/api/v1/publications/999999/metrics/").status_code == 404


def test_totals_per_platform_and_account_and_top_posts_only_ones_own(world):
    body = world["alice"].get("/api/v1/analytics/").json()
    assert body["totals"]["posts"] == 2
    assert body["totals"]["likes"] == 9 + 40  # newest snapshots only; Bob's 1000 not counted
    assert {r["platform"]: r["likes"] for r in body["by_platform"]} == {"twitter": 9, "youtube": 40}
    accounts = {r["account"]: r["engagement"] for r in body["by_account"]}
    assert accounts == {"Alice TV": 41, "Alice on X": 10}
    assert [r["publication"] for r in body["results"]] == [world["second"].pk, world["first"].pk]
    assert body["count"] == 2


def test_filters_by_platform_integration_and_range(world):
    client = world["alice"]
    only_x = client.get("/api/v1/analytics/", {"platform": "twitter"}).json()
    assert [r["publication"] for r in only_x["results"]] == [world["first"].pk]
    by_account = client.get("/api/v1/analytics/", {"integration": world["alice_x"].pk}).json()
    assert by_account["totals"]["posts"] == 1
    recent = (timezone.now() - dt.timedelta(days=2, hours=12)).isoformat()
    assert client.get("/api/v1/analytics/", {"from": recent}).json()["totals"]["posts"] == 1


def test_csv_export_of_the_same_posts(world):
    response = world["alice"].get("/api/v1/analytics/", {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [int(r["publication"]) for r in rows] == [world["second"].pk, world["first"].pk]
    assert rows[0]["likes"] == "40" and rows[0]["platform"] == "youtube"


@pytest.mark.parametrize(
    "query",
    [
        {"from": "yesterday"},
        {"from": "2031-01-02T00:00:00Z", "to": "2031-01-01T00:00:00Z"},
        {"from": "2001-01-01T00:00:00Z", "to": "2031-01-01T00:00:00Z"},
        {"platform": "myspace"},
        {"integration": "-1"},
        {"integration": "99999999999999999999999"},
        {"to": "\x00"},
        {"page": "0"},
        {"to": "0001-01-05T00:00:00Z"},
        {"from": "9999-12-31T23:00:00Z"},
        {"format": "csv", "from": "nope"},
    ],
)
def test_hostile_input_is_a_json_400_or_404(world, query):
    response = world["alice"].get("/api/v1/analytics/", query)
    assert response.status_code in (400, 404)
    assert response["Content-Type"].startswith("application/json")


def test_anonymous_is_401(client):
    assert client.get("/api/v1/analytics/").status_code == 401
