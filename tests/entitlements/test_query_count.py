"""The entitlement check on the scheduling path costs at most 2 queries more than none."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from entitlements.models import Plan
from entitlements.services import set_plan
from publishing.services import Target, schedule_content
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2027, 3, 10, 12, tzinfo=dt.UTC)


def queries_to_schedule(owner) -> int:
    """The queries of a second schedule_content (the first may create defaults)."""
    schedule_content(owner=owner, body="warm", targets=[Target("twitter")], scheduled_for=WHEN)
    with CaptureQueriesContext(connection) as captured:
        schedule_content(owner=owner, body="Hi", targets=[Target("twitter")], scheduled_for=WHEN)
    return len(captured)


@pytest.fixture
def superuser():
    return UserFactory(is_superuser=True)


def on_plan(**limits):
    user = UserFactory()
    set_plan(user, Plan.objects.create(name="Starter", **limits))
    return user


def test_a_superuser_schedules_without_any_entitlement_query(superuser):
    # The content, its publications, their audit rows, the webhooks outbox asking whether
    # the owner has an endpoint, and the transaction's savepoint and its release (the test
    # runs inside a transaction): no plan read at all.
    assert queries_to_schedule(superuser) == 6


def test_an_unlimited_plan_costs_one_query_more(superuser):
    # The user's entitlement with its plan, locked.
    assert queries_to_schedule(UserFactory()) == queries_to_schedule(superuser) + 1


def test_a_monthly_limit_costs_two_queries_more(superuser, django_assert_max_num_queries):
    baseline = queries_to_schedule(superuser)
    limited = on_plan(posts_per_month=100, platforms=["twitter"], automation=True)
    # The entitlement with its plan, locked; the month's posts, counted.
    assert queries_to_schedule(limited) == baseline + 2
    with django_assert_max_num_queries(baseline + 2):
        schedule_content(
            owner=limited, body="pinned", targets=[Target("twitter")], scheduled_for=WHEN
        )
