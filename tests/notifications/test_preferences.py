"""Each user turns each kind on or off; the daily digest; the SQL a publication move costs."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from content.choices import Status
from notifications import delivery, services
from notifications.models import Audience, Kind, Notice
from notifications.receivers import notice_failed_publications
from publishing.states import transition, transition_many
from tests.factories import IntegrationFactory
from tests.notifications.conftest import a_post, doubt, fail

pytestmark = pytest.mark.django_db


def test_an_owner_who_turned_failures_off_is_not_told(alice, x_account, mailoutbox):
    services.update_preferences(alice, publication_failed=False)
    fail(a_post(alice, x_account))
    assert not Notice.objects.exists()
    assert delivery.send_due_notices() == 0 and mailoutbox == []


def test_turning_doubt_off_keeps_failures_and_the_operators_copy(alice, x_account, mailoutbox):
    services.update_preferences(alice, publication_in_doubt=False)
    doubt(a_post(alice, x_account, title="Unsure"))
    fail(a_post(alice, x_account, title="Broken"))
    delivery.send_due_notices()
    to_alice = [m for m in mailoutbox if m.to == ["alice@example.com"]]
    assert [m.subject.split(":")[1].strip() for m in to_alice] == ["A post failed"]
    assert {m.to[0] for m in mailoutbox} == {
        "alice@example.com",
        "ops@example.com",
        "oncall@example.com",
    }


def test_an_account_to_reconnect_respects_the_owner_switch(alice, x_account, mailoutbox):
    from integrations.services import mark_integration_error

    services.update_preferences(alice, integration_needs_reauth=False)
    mark_integration_error(x_account.pk, "revoked", status="needs_reauth")
    assert not Notice.objects.exists()


def test_a_user_without_an_address_is_not_queued(alice, x_account):
    alice.email = ""
    alice.save()
    fail(a_post(alice, x_account))
    assert not Notice.objects.exists()


def test_the_daily_digest_waits_for_the_hour_in_the_users_zone(
    settings, alice, x_account, mailoutbox
):
    settings.NOTIFY_DAILY_DIGEST_HOUR = 8
    services.update_preferences(alice, daily_digest=True)
    for n in range(3):
        fail(a_post(alice, x_account, title=f"Post {n}"))
    due = {notice.due_at for notice in Notice.objects.all()}
    assert len(due) == 1
    [due_at] = due
    local = due_at.astimezone(alice.zone)
    assert (local.hour, local.minute) == (8, 0)
    assert dt.timedelta(0) < due_at - timezone.now() <= dt.timedelta(days=1)

    assert delivery.send_due_notices() == 0
    assert delivery.send_due_notices(due_at) == 1
    [message] = mailoutbox
    assert message.subject == "Herald: 3 posts failed"
    assert "All of them:" in message.body


def test_due_at_skips_to_tomorrow_once_the_hour_has_passed(settings):
    settings.NOTIFY_DAILY_DIGEST_HOUR = 8
    now = dt.datetime(2030, 3, 30, 9, 0, tzinfo=dt.UTC)  # 11:00 in Madrid
    due = services.due_at(now, daily=True, zone_name="Europe/Madrid")
    # The clocks go forward that night: 08:00 is still 08:00 local, one hour less in UTC.
    assert due == dt.datetime(2030, 3, 31, 6, 0, tzinfo=dt.UTC)


def receiver_queries(ids, from_statuses, to_status) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        notice_failed_publications(
            sender=None,
            publication_ids=ids,
            from_statuses=from_statuses,
            to_status=to_status,
            error_code="",
            actor=None,
        )
    return [query["sql"] for query in captured.captured_queries]


def test_the_sql_a_publication_move_costs(alice, bob, x_account):
    """Any move but to FAILED: no query. To FAILED: one read, plus one insert when told."""
    publication = a_post(alice, x_account)
    transition(publication, Status.QUEUED, reason="due")
    assert receiver_queries([publication.pk], ["SCHEDULED"], Status.QUEUED) == []
    transition(publication, Status.PUBLISHING, reason="claimed")
    transition(publication, Status.FAILED, reason="no", last_error="no", last_error_code="x")
    Notice.objects.all().delete()
    # An operator settling a doubt as "not out": FAILED -> FAILED tells nobody, costs nothing.
    assert receiver_queries([publication.pk], ["FAILED"], Status.FAILED) == []

    services.update_preferences(alice, publication_failed=False)
    queries = receiver_queries([publication.pk], ["PUBLISHING"], Status.FAILED)
    assert len(queries) == 1 and queries[0].startswith("SELECT")
    assert not Notice.objects.exists()

    services.update_preferences(alice, publication_failed=True)
    queries = receiver_queries([publication.pk], ["PUBLISHING"], Status.FAILED)
    assert len(queries) == 2 and queries[1].startswith("INSERT")
    assert Notice.objects.get().audience == Audience.OWNER


def test_a_batch_of_failures_costs_two_queries_whatever_its_size(alice, bob, x_account):
    bobs = IntegrationFactory(user=bob, provider="twitter")
    publications = [a_post(alice, x_account, title=f"A{n}") for n in range(20)]
    publications += [a_post(bob, bobs, title=f"B{n}") for n in range(20)]
    ids = [p.pk for p in publications]
    transition_many(ids, [Status.SCHEDULED], Status.QUEUED, reason="due")
    transition_many(ids, [Status.QUEUED], Status.PUBLISHING, reason="claimed")
    transition_many(
        ids,
        [Status.PUBLISHING],
        Status.FAILED,
        reason="gone",
        last_error="The account is gone.",
        last_error_code="no_account",
    )
    Notice.objects.all().delete()
    assert len(receiver_queries(ids, ["PUBLISHING"] * len(ids), Status.FAILED)) == 2
    assert Notice.objects.filter(kind=Kind.PUBLICATION_FAILED).count() == 40
