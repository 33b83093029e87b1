"""A dead scheduler is told to the operators by a command run from cron, once per outage."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from notifications.models import Kind, Notice
from publishing.models import EngineHeartbeat

pytestmark = pytest.mark.django_db


def beat(seconds_ago: int) -> None:
    EngineHeartbeat.objects.update_or_create(
        name=EngineHeartbeat.TICK,
        defaults={"last_tick_at": timezone.now() - dt.timedelta(seconds=seconds_ago)},
    )


def run() -> str:
    out = io.StringIO()
    call_command("notify_dead_scheduler", stdout=out)
    return out.getvalue()


def test_a_ticking_scheduler_tells_nobody(settings, mailoutbox):
    settings.HEALTH_MAX_TICK_AGE = 180
    beat(30)
    assert run().strip() == "The scheduler is ticking."
    assert mailoutbox == [] and not Notice.objects.exists()


def test_a_dead_scheduler_is_e_mailed_to_the_operators_once_per_outage(settings, mailoutbox):
    settings.HEALTH_MAX_TICK_AGE = 180
    settings.NOTIFY_DIGEST_SECONDS = 600  # urgent: the command sends at once anyway
    beat(600)
    output = run()
    assert "has not ticked for 600 s (limit 180 s)" in output and "e-mails sent now: 2" in output
    assert sorted(m.to[0] for m in mailoutbox) == ["oncall@example.com", "ops@example.com"]
    message = mailoutbox[0]
    assert message.subject == "Herald: The scheduler is not running"
    assert "https://herald.example/health/" in message.body
    assert "manage.py qcluster" in message.body

    assert "already, for this outage" in run()  # cron runs again: nothing new
    assert len(mailoutbox) == 2
    assert Notice.objects.filter(kind=Kind.SCHEDULER_DEAD).count() == 1

    beat(0)  # it came back...
    assert run().strip() == "The scheduler is ticking."
    beat(900)  # ...and died again: a new outage, a new e-mail
    run()
    assert len(mailoutbox) == 4


def test_a_scheduler_that_never_ticked_is_an_outage(mailoutbox):
    assert "never ticked" in run()
    assert len(mailoutbox) == 2


def test_an_operator_who_turned_it_off_is_not_told(settings, mailoutbox):
    from django.contrib.auth.models import Group

    from notifications.services import update_preferences
    from tests.factories import UserFactory

    settings.HERALD_OPERATOR_EMAILS = []
    group = Group.objects.create(name="Operators")
    quiet = UserFactory(username="quiet", email="quiet@example.com", is_staff=True)
    quiet.groups.add(group)
    update_preferences(quiet, scheduler_dead=False)
    run()
    assert mailoutbox == []
    assert Notice.objects.get().last_error == "Not sent: no operator address wants this kind."
