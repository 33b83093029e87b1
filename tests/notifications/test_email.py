"""What people are told, by e-mail: a real SMTP server receives it; the digest collapses a burst."""

import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction
from django.utils import timezone
from django_q.models import OrmQ, Schedule

from content.choices import Status
from integrations.models import Integration
from integrations.services import mark_integration_error
from notifications import delivery, services, tasks
from notifications.models import Audience, Kind, Notice
from publishing.states import transition
from tests.factories import UserFactory
from tests.notifications.conftest import TOKEN, a_post, doubt, fail

pytestmark = pytest.mark.django_db


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a local port, and Herald's SMTP backend pointed at it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "Herald <herald@herald.example>"
    yield inbox
    controller.stop()


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_a_real_smtp_server_receives_the_failure_email(smtp_server, alice, x_account):
    publication = fail(
        a_post(alice, x_account),
        reason=f"X answered 403: the post is a duplicate (sent with {TOKEN}).",
    )
    assert smtp_server.messages == []  # nothing is sent before a worker runs

    assert delivery.send_due_notices() == 1

    [(recipients, message)] = smtp_server.messages
    assert recipients == ["alice@example.com"]
    assert message["To"] == "alice@example.com"
    assert message["From"] == "Herald <herald@herald.example>"
    # The subject is folded in encoded words (it is not ASCII): compare it unfolded.
    assert " ".join(message["Subject"].split()) == (
        f"Herald: A post failed: “Launch day” (#{publication.content_id}) on X · @alice_news"
    )
    body = body_of(message)
    assert "A post failed." in body
    assert f"Post: “Launch day” (#{publication.content_id})" in body
    assert "Account: X · @alice_news" in body
    assert "Why: X answered 403: the post is a duplicate" in body and "(permanent)" in body
    assert f"Link: https://herald.example/api/v1/content/{publication.content_id}/" in body
    assert "https://herald.example/api/v1/me/notifications/" in body
    assert TOKEN not in body and TOKEN not in str(message)
    assert Notice.objects.get().sent_at is not None
    assert delivery.send_due_notices() == 0  # sent once


def test_smtp_down_keeps_the_notice_for_a_later_attempt(settings, alice, x_account):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    fail(a_post(alice, x_account))
    assert delivery.send_due_notices() == 0
    notice = Notice.objects.get()
    assert notice.sent_at is None and notice.attempts == 1
    assert "ConnectionRefusedError" in notice.last_error
    assert notice.due_at > timezone.now()  # retried later, not in a tight loop


def test_a_burst_of_500_failures_is_one_email_with_counts_and_reasons(
    settings, alice, x_account, mailoutbox
):
    settings.NOTIFY_DIGEST_SECONDS = 60
    publications = [a_post(alice, x_account, title=f"Post {n}") for n in range(500)]
    for n, publication in enumerate(publications):
        reason = "X answered 403: duplicate content." if n % 5 else "The video is too long."
        fail(publication, reason=reason)
    assert Notice.objects.filter(audience=Audience.OWNER).count() == 500

    assert delivery.send_due_notices() == 0  # the window is still open
    later = timezone.now() + timezone.timedelta(seconds=61)
    assert delivery.send_due_notices(later) == 1

    [message] = mailoutbox
    assert message.to == ["alice@example.com"]
    assert message.subject == "Herald: 500 posts failed"
    assert "500 things happened: 500 posts failed." in message.body
    assert "  400 × X answered 403: duplicate content." in message.body
    assert "  100 × The video is too long." in message.body
    assert "The first 10:" in message.body and "… and 490 more." in message.body
    assert message.body.count("Post: “Post ") == 10
    assert "https://herald.example/api/v1/publications/?status=FAILED" in message.body
    assert not Notice.objects.filter(sent_at__isnull=True).exists()


def test_in_doubt_tells_the_owner_and_the_operators_and_never_says_failed(
    alice, x_account, mailoutbox
):
    publication = doubt(a_post(alice, x_account))
    assert delivery.send_due_notices() == 3

    by_address = {message.to[0]: message for message in mailoutbox}
    assert set(by_address) == {"alice@example.com", "ops@example.com", "oncall@example.com"}
    owner = by_address["alice@example.com"]
    assert owner.subject.startswith("Herald: A post is in doubt: “Launch day”")
    assert "failed" not in owner.subject.lower()
    operator = by_address["ops@example.com"]
    assert (
        f"Link: https://herald.example/admin/publishing/publication/{publication.pk}/change/"
        in operator.body
    )
    assert "You receive this as a Herald operator" in operator.body


def test_operators_of_the_group_get_notices_by_their_own_preferences(
    settings, alice, x_account, mailoutbox
):
    from django.contrib.auth.models import Group

    settings.HERALD_OPERATOR_EMAILS = []
    group = Group.objects.create(name="Operators")
    keen = UserFactory(username="keen", email="keen@example.com", is_staff=True)
    quiet = UserFactory(username="quiet", email="quiet@example.com", is_staff=True)
    outsider = UserFactory(username="outsider", email="outsider@example.com", is_staff=True)
    keen.groups.add(group)
    quiet.groups.add(group)
    services.update_preferences(quiet, publication_in_doubt=False)
    doubt(a_post(alice, x_account))
    delivery.send_due_notices()
    assert sorted(m.to[0] for m in mailoutbox) == ["alice@example.com", "keen@example.com"]
    assert outsider.email not in {m.to[0] for m in mailoutbox}


def test_a_failure_rolled_back_leaves_no_notice_and_sends_nothing(alice, x_account, mailoutbox):
    publication = a_post(alice, x_account)
    with pytest.raises(RuntimeError), transaction.atomic():
        fail(publication)
        assert Notice.objects.count() == 1  # written in the same transaction...
        raise RuntimeError("the caller's transaction fails")
    assert not Notice.objects.exists()  # ...and gone with it
    assert delivery.send_due_notices() == 0 and mailoutbox == []


def test_the_commit_asks_a_worker_to_send(
    alice, x_account, tasks_queued_in_the_database, django_capture_on_commit_callbacks
):
    publication = a_post(alice, x_account)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        fail(publication)
    assert callbacks  # nothing is asked before the commit
    assert [task.task["func"] for task in OrmQ.objects.all()] == [services.SEND_TASK]


def test_a_digest_window_asks_one_schedule_at_its_end(
    settings, alice, x_account, django_capture_on_commit_callbacks, monkeypatch
):
    settings.NOTIFY_DIGEST_SECONDS = 60
    # The clock stands still in the middle of a window, so the three commits share it.
    middle = timezone.now().replace(second=30, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: middle)
    before = set(Schedule.objects.values_list("pk", flat=True))
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            fail(a_post(alice, x_account, title=f"Post {n}"))
    [schedule] = Schedule.objects.exclude(pk__in=before)
    assert schedule.func == services.SEND_TASK and schedule.schedule_type == Schedule.ONCE
    assert schedule.next_run >= Notice.objects.order_by("due_at").first().due_at
    assert schedule.next_run == middle.replace(second=0) + timezone.timedelta(minutes=2)


def test_a_lost_send_task_is_picked_up_by_the_periodic_sweep(
    alice, x_account, mailoutbox, django_capture_on_commit_callbacks
):
    sweep = Schedule.objects.get(name="notifications sweep")
    assert sweep.func == "notifications.tasks.send_due_notices"
    assert (sweep.schedule_type, sweep.minutes, sweep.repeats) == (Schedule.MINUTES, 1, -1)
    # The commit's request is lost: the callbacks are captured and never run.
    with django_capture_on_commit_callbacks(execute=False):
        fail(a_post(alice, x_account))
    assert mailoutbox == []
    assert tasks.send_due_notices() == "sent=1 pruned=0"  # what the sweep runs
    assert [m.to for m in mailoutbox] == [["alice@example.com"]]


def test_an_account_to_reconnect_is_told_to_its_owner_without_its_token(
    alice, x_account, mailoutbox
):
    mark_integration_error(
        x_account.pk,
        f"X answered 401: invalid_token access_token={TOKEN}",
        status=Integration.Status.NEEDS_REAUTH,
    )
    # Every failed attempt after the first: no new notice.
    mark_integration_error(x_account.pk, "X answered 401 again", status="needs_reauth")
    assert delivery.send_due_notices() == 1
    [message] = mailoutbox
    assert message.subject == "Herald: Connect X · @alice_news again"
    assert "Why: X answered 401: invalid_token access_token=[redacted]" in message.body
    assert f"https://herald.example/api/v1/integrations/{x_account.pk}/" in message.body
    assert TOKEN not in message.body and x_account.refresh_token not in message.body


def test_an_expiring_account_is_told_once_per_expiry_date(alice, x_account, mailoutbox):
    from integrations.signals import integration_expiring

    expires_at = timezone.now() + timezone.timedelta(days=3)
    for _ in range(3):  # the daily check, three days running
        integration_expiring.send(
            sender=Integration, integration_id=x_account.pk, expires_at=expires_at
        )
    assert Notice.objects.filter(kind=Kind.INTEGRATION_EXPIRING).count() == 1
    delivery.send_due_notices()
    [message] = mailoutbox
    assert message.subject == "Herald: X · @alice_news expires soon"
    assert f"Its access expires on {expires_at:%Y-%m-%d %H:%M} UTC" in message.body


def test_a_disabled_webhook_endpoint_is_told_to_its_owner_and_the_operators(alice, mailoutbox):
    from notifications.receivers import notify_endpoint_disabled

    notify_endpoint_disabled(
        sender=None,
        endpoint_id=41,
        owner_id=alice.pk,
        url=f"https://user:{TOKEN}@hooks.example.com/herald?key={TOKEN}",
        reason="It answered 410 Gone.",
    )
    assert delivery.send_due_notices() == 3
    assert sorted(m.to[0] for m in mailoutbox) == [
        "alice@example.com",
        "oncall@example.com",
        "ops@example.com",
    ]
    for message in mailoutbox:
        assert (
            message.subject == "Herald: Disabled: webhook endpoint https://hooks.example.com/herald"
        )
        assert "Why: It answered 410 Gone." in message.body
        assert TOKEN not in message.body and TOKEN not in message.subject
    by_address = {m.to[0]: m.body for m in mailoutbox}
    # The owner reads it through the API; operators open its admin page.
    assert "https://herald.example/api/v1/webhooks/41/" in by_address["alice@example.com"]
    assert (
        "https://herald.example/admin/webhooks/webhookendpoint/41/change/"
        in by_address["ops@example.com"]
    )


def test_the_webhooks_app_disabling_an_endpoint_sends_the_notice(alice, mailoutbox):
    """Wired through ``webhooks.signals.endpoint_disabled``, in the disabling transaction."""
    from webhooks.models import WebhookEndpoint
    from webhooks.services import disable_endpoint

    endpoint = WebhookEndpoint.objects.create(
        owner=alice, url="https://hooks.example.com/herald", events=["*"]
    )
    assert disable_endpoint(endpoint, reason="It answered 410 Gone.") is True
    assert delivery.send_due_notices() == 3
    assert {m.to[0] for m in mailoutbox} >= {"alice@example.com"}
    assert all("Why: It answered 410 Gone." in m.body for m in mailoutbox)


def test_a_canceled_or_published_post_tells_nobody(alice, x_account, mailoutbox):
    publication = a_post(alice, x_account)
    transition(publication, Status.CANCELED, reason="the owner canceled")
    assert not Notice.objects.exists()


def test_the_sweep_prunes_notices_sent_long_ago_but_never_pending_ones(
    settings, alice, x_account, mailoutbox
):
    settings.NOTIFY_KEEP_DAYS = 30
    fail(a_post(alice, x_account, title="Old"))
    delivery.send_due_notices()
    Notice.objects.update(sent_at=timezone.now() - timezone.timedelta(days=31))
    settings.NOTIFY_DIGEST_SECONDS = 60
    fail(a_post(alice, x_account, title="New"))  # pending: its window is open
    assert tasks.send_due_notices() == "sent=0 pruned=1"
    assert list(Notice.objects.values_list("post", flat=True)) == [
        f"“New” (#{Notice.objects.get().content_id})"
    ]


def test_a_mixed_digest_counts_each_kind_and_shows_times_in_the_owners_zone(
    alice, x_account, mailoutbox
):
    fail(a_post(alice, x_account, title="One"))
    doubt(a_post(alice, x_account, title="Two"))
    mark_integration_error(x_account.pk, "X answered 401", status="needs_reauth")
    delivery.send_due_notices()
    [message] = [m for m in mailoutbox if m.to == ["alice@example.com"]]
    assert message.subject == ("Herald: 1 post failed, 1 post in doubt, 1 account to connect again")
    local = Notice.objects.first().created_at.astimezone(alice.zone)
    assert f"When: {local:%Y-%m-%d %H:%M} {local:%Z}" in message.body  # Madrid: CET or CEST
    assert local.strftime("%Z") in {"CET", "CEST"}
    assert "All of them:" in message.body and message.body.count("\n  Why: ") == 3
