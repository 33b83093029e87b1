"""The API throttle: each user's rate is their plan's, read at each request (cached briefly)."""

import pytest

from api.throttling import plan_rate
from entitlements.models import Plan
from entitlements.services import default_plan, set_plan
from tests.api.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/content/"


def statuses(client, count: int) -> list[int]:
    return [client.get(LIST).status_code for _ in range(count)]


def test_a_plan_with_a_lower_rate_is_throttled_at_the_right_count(alice):
    set_plan(alice, Plan.objects.create(name="Slow", api_rate="5/minute"))
    api = client_for(alice)
    assert statuses(api, 5) == [200] * 5
    answer = api.get(LIST)
    assert answer.status_code == 429
    assert answer.json()["code"] == "throttled"
    assert 0 < int(answer["Retry-After"]) <= 60


def test_a_plan_without_a_rate_is_never_throttled(alice, bob):
    default = default_plan()
    default.api_rate = "3/minute"
    default.save()
    set_plan(alice, Plan.objects.create(name="Unlimited", api_rate=""))
    assert statuses(client_for(alice), 20) == [200] * 20
    # bob, on the default plan, is held to its rate.
    assert statuses(client_for(bob), 4) == [200, 200, 200, 429]


def test_a_superuser_is_never_throttled(db):
    default = default_plan()
    default.api_rate = "2/minute"
    default.save()
    root = UserFactory(username="root", is_superuser=True)
    assert statuses(client_for(root), 10) == [200] * 10


def test_a_users_override_of_the_rate_applies(alice):
    entitlement = set_plan(alice, Plan.objects.create(name="Slow", api_rate="2/minute"))
    entitlement.overrides = {"api_rate": "4/minute"}
    entitlement.save()
    assert statuses(client_for(alice), 5) == [200] * 4 + [429]


def test_moving_to_another_plan_applies_at_the_next_request(
    alice, django_capture_on_commit_callbacks
):
    slow = Plan.objects.create(name="Slow", api_rate="2/minute")
    set_plan(alice, slow)
    api = client_for(alice)
    assert statuses(api, 3) == [200, 200, 429]
    # The rate is cached; the entitlement's change forgets it once committed.
    with django_capture_on_commit_callbacks(execute=True):
        set_plan(alice, Plan.objects.create(name="Fast", api_rate="10/minute"))
    # The two requests already made count in the new window; the refused one does not.
    assert statuses(api, 9) == [200] * 8 + [429]


def test_a_plan_whose_rate_changes_applies_to_its_users_at_the_next_request(
    alice, django_capture_on_commit_callbacks
):
    plan = Plan.objects.create(name="Slow", api_rate="2/minute")
    set_plan(alice, plan)
    api = client_for(alice)
    assert statuses(api, 3) == [200, 200, 429]
    with django_capture_on_commit_callbacks(execute=True):
        plan.api_rate = ""
        plan.save()
    assert statuses(api, 10) == [200] * 10


def test_the_plan_rate_costs_one_query_then_none_until_it_expires(alice, django_assert_num_queries):
    set_plan(alice, Plan.objects.create(name="Slow", api_rate="7/hour"))
    with django_assert_num_queries(1):
        assert plan_rate(alice) == "7/hour"
    with django_assert_num_queries(0):
        assert plan_rate(alice) == "7/hour"
    with django_assert_num_queries(0):
        assert plan_rate(UserFactory.build(is_superuser=True)) is None


def test_the_throttle_adds_no_query_to_a_request_once_the_rate_is_cached(
    alice, django_assert_num_queries
):
    set_plan(alice, Plan.objects.create(name="Slow", api_rate="100/hour"))
    api = client_for(alice)
    api.get("/api/v1/integrations/providers/")
    # Two for the token (knox); the providers list reads no table.
    with django_assert_num_queries(2):
        assert api.get("/api/v1/integrations/providers/").status_code == 200
