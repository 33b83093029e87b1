"""manage.py prune_history: old history goes in batches; what an open question needs stays."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_q.models import Schedule

from content.choices import Status
from notifications.models import Audience, Kind, Notice
from publishing import tasks
from publishing.models import IN_DOUBT_CODE, Publication, PublicationEvent
from publishing.retention import prune_history
from tests.config.test_settings import manage
from tests.factories import ContentFactory, PublicationFactory, UserFactory
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db

NOW = timezone.now()
OLD = NOW - dt.timedelta(days=500)
RECENT = NOW - dt.timedelta(days=10)


def publication(status, *, changed_at, error_code="", events_at=(OLD, OLD, OLD)):
    """A publication last changed at ``changed_at``, with one audit event per ``events_at``."""
    row = PublicationFactory(content=ContentFactory(scheduled_for=OLD), status=status)
    for at in events_at:
        event = PublicationEvent.objects.create(
            publication=row, from_status="", to_status=status, actor="engine"
        )
        PublicationEvent.objects.filter(pk=event.pk).update(created_at=at)
    Publication.objects.filter(pk=row.pk).update(updated_at=changed_at, last_error_code=error_code)
    return row


def events_of(row) -> int:
    return PublicationEvent.objects.filter(publication=row).count()


def run(*args) -> str:
    out = StringIO()
    call_command("prune_history", *args, stdout=out)
    return out.getvalue()


def test_old_events_of_settled_publications_go_and_the_rest_stay():
    published = publication(Status.PUBLISHED, changed_at=OLD)
    canceled = publication(Status.CANCELED, changed_at=OLD)
    failed_long_ago = publication(Status.FAILED, changed_at=OLD, error_code="rejected")
    recent = publication(Status.PUBLISHED, changed_at=RECENT, events_at=(RECENT, RECENT))
    # Kept whatever the age of their events:
    waiting = publication(Status.SCHEDULED, changed_at=OLD)
    retrying = publication(Status.RETRYING, changed_at=OLD)
    in_doubt = publication(Status.FAILED, changed_at=OLD, error_code=IN_DOUBT_CODE)
    # A failure within the retention is kept whole, with its old first events.
    failed_lately = publication(
        Status.FAILED, changed_at=RECENT, error_code="rejected", events_at=(OLD, OLD, RECENT)
    )

    output = run("--older-than", "400d")

    assert "audit events: deleted 9 row(s)" in output
    assert [events_of(p) for p in (published, canceled, failed_long_ago)] == [0, 0, 0]
    assert [events_of(p) for p in (recent, waiting, retrying, in_doubt, failed_lately)] == [
        2,
        3,
        3,
        3,
        3,
    ]
    # The publications themselves are the record of what went out: they stay.
    assert Publication.objects.count() == 8


def test_the_default_age_is_the_setting(settings):
    settings.HISTORY_RETENTION_DAYS = 600
    old = publication(Status.PUBLISHED, changed_at=OLD)

    output = run()

    assert "older than 600 days" in output
    assert events_of(old) == 3

    settings.HISTORY_RETENTION_DAYS = 400
    run()
    assert events_of(old) == 0


def test_deletes_go_in_batches_of_the_set_size(settings):
    settings.HISTORY_PRUNE_BATCH_SIZE = 2
    rows = [publication(Status.PUBLISHED, changed_at=OLD) for _ in range(2)]  # 6 events
    kept = publication(Status.SCHEDULED, changed_at=OLD)

    output = run("--older-than", "400d")

    assert "audit events: deleted 6 row(s)" in output
    assert "in 3 batch(es)" in output
    assert output.count("audit events: 2 deleted so far") == 1
    assert output.count("audit events: 6 deleted so far") == 1
    assert [events_of(p) for p in rows] == [0, 0]
    assert events_of(kept) == 3


def test_a_time_budget_stops_between_batches_and_the_next_run_goes_on():
    row = publication(Status.PUBLISHED, changed_at=OLD)

    stopped = prune_history(older_than=dt.timedelta(days=400), budget_seconds=0, batch_size=1)

    assert stopped[0].finished is False
    assert events_of(row) == 3
    finished = prune_history(older_than=dt.timedelta(days=400), batch_size=1)
    assert (finished[0].rows, finished[0].batches, finished[0].finished) == (3, 3, True)
    assert events_of(row) == 0


def test_dry_run_counts_and_deletes_nothing():
    row = publication(Status.PUBLISHED, changed_at=OLD)
    publication(Status.SCHEDULED, changed_at=OLD)

    output = run("--older-than", "400d", "--dry-run")

    assert "dry run: nothing is deleted" in output
    assert "audit events: would delete 3 row(s)" in output
    assert events_of(row) == 3
    assert PublicationEvent.objects.count() == 6


@pytest.mark.parametrize(
    ("age", "message"),
    [
        ("abc", "'abc' is not an age: give a whole number of days, like 400d."),
        ("400x", "'400x' is not an age"),
        ("-5d", "'-5d' is not an age"),
        ("1.5d", "'1.5d' is not an age"),
        ("0d", "'0d' is out of range: give between 1d and 100000d."),
        ("9999999999d", "is out of range"),
        ("", "'' is not an age"),
    ],
)
def test_a_bad_age_is_a_clear_command_error(age, message):
    publication(Status.PUBLISHED, changed_at=OLD)

    with pytest.raises(CommandError) as raised:
        run(f"--older-than={age}")

    assert "--older-than:" in str(raised.value)
    assert message in str(raised.value)
    assert PublicationEvent.objects.count() == 3


def test_a_bad_batch_size_is_a_command_error():
    with pytest.raises(CommandError, match="--batch-size must be at least 1"):
        run("--batch-size", "0")


def test_ages_in_days_are_accepted_in_several_spellings():
    row = publication(Status.PUBLISHED, changed_at=OLD)
    assert "older than 450 days" in run("--older-than", "450 days", "--dry-run")
    assert "older than 450 days" in run("--older-than", "450", "--dry-run")
    assert events_of(row) == 3


# --- delivered-message logs ---------------------------------------------------------------


def delivery(endpoint, status, *, at, attempts=1):
    event = WebhookEvent.objects.create(
        owner=endpoint.owner, type="publication.published", data={}, created_at=at
    )
    row = WebhookDelivery.objects.create(event=event, endpoint=endpoint, status=status)
    WebhookDelivery.objects.filter(pk=row.pk).update(created_at=at)
    for _ in range(attempts):
        WebhookAttempt.objects.create(delivery=row, attempted_at=at, status_code=200)
    return row


def notice(*, sent_at, created_at=OLD):
    row = Notice.objects.create(
        kind=Kind.SCHEDULER_DEAD, audience=Audience.OPERATORS, due_at=created_at, sent_at=sent_at
    )
    Notice.objects.filter(pk=row.pk).update(created_at=created_at)
    return row


def test_delivered_messages_go_and_undelivered_ones_stay():
    owner = UserFactory()
    active = WebhookEndpoint.objects.create(owner=owner, url="https://example.com/a", secret="s")
    disabled = WebhookEndpoint.objects.create(
        owner=owner, url="https://example.com/b", secret="s", is_active=False
    )
    succeeded = delivery(active, WebhookDelivery.Status.SUCCEEDED, at=OLD, attempts=2)
    failed = delivery(active, WebhookDelivery.Status.FAILED, at=OLD)
    stranded = delivery(disabled, WebhookDelivery.Status.PENDING, at=OLD)
    pending = delivery(active, WebhookDelivery.Status.PENDING, at=OLD)
    recent = delivery(active, WebhookDelivery.Status.SUCCEEDED, at=RECENT)
    sent_long_ago = notice(sent_at=OLD)
    never_sent = notice(sent_at=None)
    sent_lately = notice(sent_at=RECENT)

    output = run("--older-than", "400d")

    assert "webhook deliveries: deleted 3 row(s)" in output
    assert "webhook events: deleted 3 row(s)" in output
    assert "sent notices: deleted 1 row(s)" in output
    remaining = set(WebhookDelivery.objects.values_list("pk", flat=True))
    assert remaining == {pending.pk, recent.pk}
    assert not WebhookAttempt.objects.filter(
        delivery_id__in=[succeeded.pk, failed.pk, stranded.pk]
    ).exists()
    # An event stays while a delivery still needs it.
    assert set(WebhookEvent.objects.values_list("pk", flat=True)) == {
        pending.event_id,
        recent.event_id,
    }
    assert set(Notice.objects.values_list("pk", flat=True)) == {never_sent.pk, sent_lately.pk}
    assert sent_long_ago.pk not in set(Notice.objects.values_list("pk", flat=True))


def test_an_apps_own_longer_retention_is_kept(settings):
    settings.WEBHOOK_DELIVERY_RETENTION_DAYS = 30
    settings.NOTIFY_KEEP_DAYS = 90
    owner = UserFactory()
    endpoint = WebhookEndpoint.objects.create(owner=owner, url="https://example.com/a", secret="s")
    twenty_days = NOW - dt.timedelta(days=20)
    kept = delivery(endpoint, WebhookDelivery.Status.SUCCEEDED, at=twenty_days)
    kept_notice = notice(sent_at=twenty_days, created_at=twenty_days)
    row = publication(Status.PUBLISHED, changed_at=twenty_days, events_at=(twenty_days,))

    output = run("--older-than", "15d")

    assert WebhookDelivery.objects.filter(pk=kept.pk).exists()
    assert Notice.objects.filter(pk=kept_notice.pk).exists()
    assert "webhook deliveries: deleted 0 row(s)" in output
    # Audit events have no other retention: 15 days is what was asked.
    assert events_of(row) == 0


# --- the daily schedule -----------------------------------------------------------------


def test_the_prune_runs_daily_and_the_tally_folds_every_five_minutes():
    prune = Schedule.objects.get(name="publishing prune history")
    assert (prune.func, prune.schedule_type, prune.repeats) == (
        "publishing.tasks.prune_history",
        Schedule.DAILY,
        -1,
    )
    fold = Schedule.objects.get(name="publishing tally")
    assert (fold.func, fold.schedule_type, fold.minutes) == (
        "publishing.tasks.compact_tally",
        Schedule.MINUTES,
        5,
    )


def test_the_scheduled_prune_uses_the_setting_and_reports_what_went(settings):
    settings.HISTORY_RETENTION_DAYS = 400
    row = publication(Status.PUBLISHED, changed_at=OLD)

    summary = tasks.prune_history()

    assert sorted(summary.split()) == [
        "audit_events=3",
        "sent_notices=0",
        "webhook_deliveries=0",
        "webhook_events=0",
    ]
    assert events_of(row) == 0


# --- settings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HISTORY_RETENTION_DAYS": "0"}, "HISTORY_RETENTION_DAYS"),
        ({"HISTORY_RETENTION_DAYS": "a year"}, "HISTORY_RETENTION_DAYS"),
        ({"HISTORY_PRUNE_BATCH_SIZE": "0"}, "HISTORY_PRUNE_BATCH_SIZE"),
        (
            {"HISTORY_PRUNE_BUDGET_SECONDS": "280"},
            "HISTORY_PRUNE_BUDGET_SECONDS (280) + 30 must stay below Q_TIMEOUT (300)",
        ),
    ],
)
def test_bad_history_settings_fail_at_start(env, message):
    result = manage("check", **env)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if not line.startswith("Warning:")]
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
