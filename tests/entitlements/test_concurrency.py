"""Threads racing for the last slot of a month, on PostgreSQL: exactly one gets it."""

import datetime as dt
import threading

import pytest
from django.db import connection

from content.models import Content
from entitlements.models import Plan
from entitlements.services import EntitlementExceeded, set_plan
from publishing.services import Target, schedule_content
from tests.factories import ContentFactory, UserFactory

LIMIT = 5
ROUNDS = 3


def race(owner, when, threads: int) -> tuple[int, int, list[BaseException]]:
    """``threads`` schedule_content calls at once for ``when``: (successes, refusals, errors)."""
    start = threading.Barrier(threads)
    successes, refusals, errors = [], [], []

    def attempt(n):
        try:
            start.wait()
            schedule_content(
                owner=owner, body=f"racer {n}", targets=[Target("twitter")], scheduled_for=when
            )
            successes.append(n)
        except EntitlementExceeded as refusal:
            refusals.append(refusal)
        except BaseException as error:  # reported by the test's assertion
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=attempt, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return len(successes), len(refusals), errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("threads", [2, 8])
def test_racing_for_the_last_slot_of_the_month_exactly_one_wins(threads):
    owner = UserFactory()
    set_plan(owner, Plan.objects.create(name="Starter", posts_per_month=LIMIT))
    attempts = wins = 0
    for month in range(ROUNDS):
        when = dt.datetime(2027, 3 + month, 10, 12, tzinfo=dt.UTC)
        ContentFactory.create_batch(LIMIT - 1, owner=owner, scheduled_for=when)
        successes, refusals, errors = race(owner, when, threads)
        assert errors == []
        assert (successes, refusals) == (1, threads - 1)
        assert Content.objects.filter(owner=owner, scheduled_for=when).count() == LIMIT
        attempts, wins = attempts + threads, wins + successes
    print(
        f"\nlast-slot race, {threads} threads x {ROUNDS} months: "
        f"{attempts} attempts, {wins} successes, {attempts - wins} refused"
    )
    assert wins == ROUNDS
