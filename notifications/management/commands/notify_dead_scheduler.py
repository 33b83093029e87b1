"""Tell operators when the scheduler is dead, from outside the cluster (cron).

The "notifications sweep" runs inside the django-q2 cluster, so it cannot report
the cluster's own death. Run this command from cron (every five minutes, say) on
any host with Herald's settings: it reads the tick's heartbeat, the condition
``/health/`` reports, and e-mails the operators itself, once per outage.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from notifications import delivery, services


class Command(BaseCommand):
    help = "E-mail the operators, once per outage, when the scheduler has stopped ticking."

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        outage = services.scheduler_outage(now)
        if outage is None:
            self.stdout.write("The scheduler is ticking.")
            return
        recorded = services.record_scheduler_outage(now)
        sent = delivery.send_due_notices(now)
        self.stdout.write(
            f"{outage[1]} Operators told: {'yes' if recorded else 'already, for this outage'}; "
            f"e-mails sent now: {sent}."
        )
