"""The outbox: events are written with the change, never for a rollback, and never lost."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.models import OrmQ

from content.choices import Status
from integrations.services import mark_integration_error
from integrations.signals import integration_expiring
from publishing.services import Target, cancel_targets, delete_content, edit_content
from publishing.services import schedule_content as schedule
from publishing.states import Actor, transition
from tests.factories import IntegrationFactory, UserFactory
from tests.operators import make_in_doubt
from webhooks import dispatch, tasks
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEvent
from webhooks.services import prune_deliveries, record_event

pytestmark = pytest.mark.django_db

LATER = dt.datetime(2031, 5, 1, 9, 30, tzinfo=dt.UTC)


def scheduled(owner, platforms=("twitter",)):
    return schedule(
        owner=owner, body="Hello", targets=[Target(p) for p in platforms], scheduled_for=LATER
    )


def types() -> list[str]:
    return list(WebhookEvent.objects.order_by("pk").values_list("type", flat=True))


def test_a_rolled_back_change_leaves_no_event(owner, receivers, endpoint_at):
    endpoint_at(receivers())
    with pytest.raises(RuntimeError), transaction.atomic():
        scheduled(owner)
        assert types() == ["content.scheduled"]
        raise RuntimeError("the request failed after scheduling")
    assert WebhookEvent.objects.count() == 0
    assert WebhookDelivery.objects.count() == 0


def test_the_commit_queues_a_dispatcher_task(
    owner, receivers, endpoint_at, django_capture_on_commit_callbacks
):
    endpoint_at(receivers())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        scheduled(owner)
    assert len(callbacks) == 1
    [task] = OrmQ.objects.all()
    assert task.task["func"] == "webhooks.tasks.deliver_due"
    assert task.task["save"] is False  # a burst would write one result row per commit


def test_a_lost_task_is_delivered_by_the_sweep(
    owner, receivers, endpoint_at, django_capture_on_commit_callbacks
):
    """The worker died between commit and delivery: no task ever ran."""
    receiver = receivers()
    endpoint_at(receiver)
    with django_capture_on_commit_callbacks(execute=False):
        scheduled(owner)
    assert OrmQ.objects.count() == 0 and receiver.received == []

    assert tasks.deliver_due() == "sent=1 succeeded=1 failed=0 disabled=0"

    assert receiver.types() == ["content.scheduled"]
    assert WebhookDelivery.objects.get().status == "succeeded"


def test_a_killed_dispatcher_leaves_its_claims_to_the_next(owner, receivers, endpoint_at):
    receiver = receivers()
    endpoint_at(receiver)
    scheduled(owner)
    # The dispatcher claimed the delivery and held the lease, then its worker was killed.
    assert dispatch.acquire_lease("killed")
    dispatch.claim(10, dispatch.Counter())
    assert dispatch.deliver_due(budget_seconds=1).ran is False
    later = timezone.now() + dt.timedelta(seconds=dispatch.CLAIM_SECONDS + 1)
    dispatch.DispatcherLease.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    WebhookDelivery.objects.update(
        next_attempt_at=later - dt.timedelta(seconds=dispatch.CLAIM_SECONDS + 2)
    )
    report = dispatch.deliver_due(budget_seconds=5)
    assert (report.ran, report.succeeded) == (True, 1)
    assert receiver.types() == ["content.scheduled"]


def test_an_owner_without_endpoints_costs_one_query_per_move(owner):
    content = scheduled(owner)
    publication = content.publications.get()
    with CaptureQueriesContext(connection) as queued:
        transition(publication, Status.QUEUED, reason="due")
    with CaptureQueriesContext(connection) as canceled:
        transition(publication, Status.CANCELED, reason="canceled")
    about_webhooks = [q for q in canceled.captured_queries if "webhooks_" in q["sql"]]
    assert len(about_webhooks) == 1
    assert not [q for q in queued.captured_queries if "webhooks_" in q["sql"]]
    assert WebhookEvent.objects.count() == 0


def test_publication_events_with_their_data(owner, receivers, endpoint_at):
    endpoint_at(receivers())
    content = scheduled(owner, platforms=("twitter", "discord"))
    twitter, discord = content.publications.order_by("platform").reverse()
    for status in (Status.QUEUED, Status.PUBLISHING):
        transition(twitter, status, reason="x")
    transition(
        twitter,
        Status.FAILED,
        reason="refused",
        error_code="permanent",
        last_error_code="permanent",
        last_error="X: duplicate content.",
    )
    cancel_targets(content, actor=Actor.for_user(owner))
    events = {e.type: e.data for e in WebhookEvent.objects.all()}
    assert events["publication.failed"]["error"] == {
        "code": "permanent",
        "message": "X: duplicate content.",
    }
    assert events["publication.canceled"]["publication_id"] == discord.pk


def test_in_doubt_is_never_publication_failed(owner, receivers, endpoint_at):
    endpoint_at(receivers())
    publication = scheduled(owner).publications.get()
    make_in_doubt(publication)
    assert types() == ["content.scheduled", "publication.in_doubt"]
    data = WebhookEvent.objects.get(type="publication.in_doubt").data
    assert data["in_doubt"] is True
    assert "outcome is unknown" in data["message"]


def test_content_events_follow_the_content(owner, receivers, endpoint_at):
    endpoint_at(receivers())
    content = scheduled(owner)
    edit_content(content, body="Edited")
    content_id = content.pk
    delete_content(content)
    assert types() == ["content.scheduled", "content.updated", "content.deleted"]
    deleted = WebhookEvent.objects.get(type="content.deleted").data
    assert deleted["content_id"] == content_id
    assert deleted["platforms"] == ["twitter"]


def test_only_subscribed_events_are_written(owner, receivers, endpoint_at):
    endpoint_at(receivers(), events=["publication.published"])
    scheduled(owner)
    assert WebhookEvent.objects.count() == 0


def test_another_owners_changes_never_reach_my_endpoint(owner, receivers, endpoint_at):
    endpoint_at(receivers())
    scheduled(UserFactory(username="someone-else"))
    assert WebhookEvent.objects.count() == 0


def test_integration_events(owner, receivers, endpoint_at):
    endpoint_at(receivers())
    account = IntegrationFactory(user=owner, provider="twitter", display_name="@herald")
    mark_integration_error(account.pk, "X said the token was revoked.", status="needs_reauth")
    expires = timezone.now() + dt.timedelta(days=3)
    integration_expiring.send(sender=None, integration_id=account.pk, expires_at=expires)
    assert types() == ["integration.needs_reauth", "integration.expiring"]
    needs = WebhookEvent.objects.get(type="integration.needs_reauth").data
    assert needs["message"] == "X said the token was revoked."
    assert needs["display_name"] == "@herald"
    expiring = WebhookEvent.objects.get(type="integration.expiring").data
    assert expiring["expires_at"] == expires.isoformat()


def test_record_event_for_other_apps(owner, receivers, endpoint_at):
    endpoint_at(receivers(), events=["entitlement.limit_reached"])
    written = record_event(
        owner_id=owner.pk, type="entitlement.limit_reached", data={"limit": "posts_per_month"}
    )
    assert written == 1
    assert types() == ["entitlement.limit_reached"]
    with pytest.raises(ValueError, match="Unknown webhook event type"):
        record_event(owner_id=owner.pk, type="made.up", data={})


def test_old_deliveries_are_pruned_but_pending_ones_kept(owner, receivers, endpoint_at):
    endpoint_at(receivers())
    scheduled(owner)
    scheduled(owner)
    dispatch.deliver_due(budget_seconds=5)
    old = timezone.now() - dt.timedelta(days=31)
    first, second = WebhookDelivery.objects.order_by("pk")
    WebhookDelivery.objects.update(created_at=old)
    WebhookEvent.objects.update(created_at=old)
    WebhookDelivery.objects.filter(pk=second.pk).update(status="pending")
    assert prune_deliveries(older_than_days=30) == 1
    assert list(WebhookDelivery.objects.values_list("pk", flat=True)) == [second.pk]
    assert WebhookEvent.objects.count() == 1
    assert WebhookAttempt.objects.filter(delivery=first.pk).count() == 0
    # A pending delivery to an endpoint that was disabled has nowhere to go.
    second.endpoint.__class__.objects.update(is_active=False)
    assert prune_deliveries(older_than_days=30) == 1
    assert WebhookEvent.objects.count() == 0


def test_the_sweep_and_the_prune_are_scheduled():
    from django_q.models import Schedule

    schedules = {s.name: (s.func, s.schedule_type) for s in Schedule.objects.all()}
    assert schedules["webhooks sweep"] == ("webhooks.tasks.deliver_due", "I")
    assert schedules["webhooks prune"] == ("webhooks.tasks.prune", "D")
    assert Schedule.objects.get(name="webhooks sweep").minutes == 1


def test_the_post_that_fills_the_month_sends_entitlement_limit_reached(
    owner, receivers, endpoint_at
):
    from entitlements.models import Plan
    from entitlements.services import EntitlementExceeded, set_plan

    endpoint_at(receivers())
    set_plan(owner, Plan.objects.create(name="Starter", posts_per_month=2))
    scheduled(owner)
    assert "entitlement.limit_reached" not in types()
    scheduled(owner)
    assert sorted(types()) == [
        "content.scheduled",
        "content.scheduled",
        "entitlement.limit_reached",
    ]
    event = WebhookEvent.objects.get(type="entitlement.limit_reached")
    assert event.data == {"limit_name": "posts_per_month", "limit": 2, "used": 2}
    # The refused third post writes nothing, not even a second limit event.
    with pytest.raises(EntitlementExceeded):
        scheduled(owner)
    assert types().count("entitlement.limit_reached") == 1
