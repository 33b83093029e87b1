"""The Analytics page and the publication page's chart, as each kind of user sees them."""

import datetime as dt

import pytest
from django.utils import timezone

from analytics.models import MetricsSnapshot
from tests.analytics.conftest import published
from tests.factories import IntegrationFactory, UserFactory
from tests.operators import grant

pytestmark = pytest.mark.django_db

URL = "/admin/analytics/"


@pytest.fixture
def numbers(db):
    account = IntegrationFactory(provider="twitter", display_name="Acme on X")
    post = published(account, external_id="77", ago=dt.timedelta(days=1))
    post.published_at = timezone.now() - dt.timedelta(days=1)
    post.save(update_fields=["published_at"])
    post.content.title = "Spring launch"
    post.content.save(update_fields=["title"])
    for age, likes, latest in ((3600, 3, False), (86400, 12, True)):
        MetricsSnapshot.objects.create(
            publication=post,
            due_after=age,
            taken_at=timezone.now(),
            likes=likes,
            views=likes * 10,
            engagement=likes,
            is_latest=latest,
        )
    return post


@pytest.fixture
def viewer(client):
    user = UserFactory(username="viewer", is_staff=True)
    grant(user, "view_metricssnapshot")
    grant(user, "view_publication")
    client.force_login(user)
    return client


def test_view_only_staff_sees_totals_accounts_chart_and_top_posts(viewer, numbers):
    page = viewer.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Acme on X" in html and "Spring launch" in html
    assert (
        '<svg class="herald-chart"' in html and "Engagement of the posts published each day" in html
    )
    assert page.context["totals"]["likes"] == 12  # the newest snapshot only
    assert f"/admin/publishing/publication/{numbers.pk}/change/" in html


def test_the_range_and_platform_filter(viewer, numbers):
    old = (timezone.now() - dt.timedelta(days=90)).date()
    page = viewer.get(URL, {"start": old, "end": old + dt.timedelta(days=3)})
    assert page.context["totals"]["posts"] == 0
    assert viewer.get(URL, {"platform": "youtube"}).context["totals"]["posts"] == 0


@pytest.mark.parametrize(
    "query",
    [
        {"start": "not a date"},
        {"start": "2031-02-01", "end": "2031-01-01"},
        {"platform": "myspace"},
        {"start": "0001-01-01", "end": "9999-12-31"},
        {"end": "\x00"},
        {"end": "0001-01-05"},
        {"end": "9999-12-31"},
    ],
)
def test_hostile_input_shows_the_form_errors_not_a_500(viewer, numbers, query):
    page = viewer.get(URL, query)
    assert page.status_code == 200
    assert page.context["form"].errors


def test_staff_without_the_permission_is_refused(client, numbers):
    client.force_login(UserFactory(username="bare", is_staff=True))
    assert client.get(URL).status_code == 403


def test_anonymous_is_sent_to_the_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_the_publication_page_shows_its_snapshots_as_a_chart(viewer, numbers):
    html = viewer.get(f"/admin/publishing/publication/{numbers.pk}/change/").content.decode()
    assert 'id="publication-metrics"' in html
    assert "This post&#x27;s numbers after publishing" in html or "This post's numbers" in html
    assert ">1 h<" in html and ">1 d<" in html


def test_the_index_links_the_page_for_those_allowed(viewer):
    assert 'href="/admin/analytics/"' in viewer.get("/admin/").content.decode()
