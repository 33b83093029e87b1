"""/metrics: who may read it, and what a scrape costs."""

import datetime as dt

import pytest
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST

from content.choices import Platform, Status
from integrations.models import LegacyTokenUse
from monitoring import store
from publishing.models import EngineHeartbeat
from tests.factories import PublicationFactory, UserFactory
from tests.monitoring.conftest import TOKEN, URL, Scrape

pytestmark = pytest.mark.django_db

CHALLENGE = 'Bearer realm="metrics"'


def test_no_credentials_is_401_with_the_bearer_challenge(client):
    response = client.get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == CHALLENGE


@pytest.mark.parametrize(
    "authorization",
    [f"Bearer {TOKEN}x", "Bearer wrong", "Bearer ", f"Token {TOKEN}", TOKEN, f"Basic {TOKEN}"],
)
def test_a_wrong_token_is_401(client, authorization):
    response = client.get(URL, HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == CHALLENGE
    assert TOKEN.encode() not in response.content


def test_the_token_reads_the_metrics_in_prometheus_format(client):
    response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPE_LATEST
    assert "no-store" in response["Cache-Control"]
    assert TOKEN.encode() not in response.content
    scrape = Scrape(response.content.decode())
    assert scrape.value("herald_publications", platform="twitter", state="PUBLISHED") == 0


def test_a_staff_session_reads_the_metrics(client):
    client.force_login(UserFactory(is_staff=True))
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPE_LATEST


def test_a_logged_in_user_who_is_not_staff_is_403(client):
    client.force_login(UserFactory(is_staff=False))
    response = client.get(URL)
    assert response.status_code == 403
    assert "WWW-Authenticate" not in response


@pytest.mark.parametrize("authorization", ["Bearer ", "Bearer anything"])
def test_without_a_configured_token_bearer_access_is_off(client, settings, authorization):
    settings.METRICS_TOKEN = ""
    assert client.get(URL, HTTP_AUTHORIZATION=authorization).status_code == 401


def test_only_get_and_head(client):
    response = client.post(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 405
    assert client.head(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def fill(rows: int) -> None:
    """Publications in every platform and state, legacy uses, a heartbeat, recorded events."""
    platforms, states = Platform.values, Status.values
    for n in range(rows):
        PublicationFactory(platform=platforms[n % len(platforms)], status=states[n % len(states)])
    owner = UserFactory()
    for platform in platforms:
        LegacyTokenUse.objects.create(
            user=owner, provider=platform, uses=3, last_used_at=timezone.now()
        )
    EngineHeartbeat.objects.update_or_create(
        name=EngineHeartbeat.TICK, defaults={"last_tick_at": timezone.now()}
    )
    for platform in platforms:
        store.write(
            [
                (
                    store.series_key(
                        "herald_rate_limit_holds",
                        {"platform": platform, "source": "herald"},
                        store.VALUE,
                    ),
                    1,
                )
            ]
        )


# Six reads of state (the publication tally, the waiting and in-doubt rows, switches,
# overdue, legacy uses, heartbeat) and one of the event store; with Redis the store is
# read there, not in the database.
SCRAPE_QUERIES = 7


@pytest.mark.parametrize("rows", [3, 40])
def test_a_scrape_makes_a_fixed_number_of_queries(
    rows, scrape, django_assert_max_num_queries, settings
):
    fill(rows)
    with django_assert_max_num_queries(SCRAPE_QUERIES if not settings.REDIS_URL else 6):
        result = scrape()
    assert sum(s.value for s in result.samples("herald_publications")) == rows
    assert result.value("herald_legacy_token_fallbacks_total", platform="youtube") == 3
    assert result.value("herald_rate_limit_holds_total", platform="discord", source="herald") == 1


def test_a_tick_that_never_ran_reads_zero(scrape):
    result = scrape()
    assert result.value("herald_tick_last_run_timestamp_seconds") == 0
    assert result.value("herald_tick_last_duration_seconds") == 0


def test_the_tick_heartbeat(scrape):
    last = timezone.now() - dt.timedelta(seconds=30)
    EngineHeartbeat.objects.create(
        name=EngineHeartbeat.TICK, last_tick_at=last, last_tick_seconds=2.5
    )
    result = scrape()
    assert result.value("herald_tick_last_run_timestamp_seconds") == pytest.approx(last.timestamp())
    assert result.value("herald_tick_last_duration_seconds") == 2.5
