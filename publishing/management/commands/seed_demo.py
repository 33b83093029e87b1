"""Create the demo operator and a little demo content, once.

Run by ``make run``. Safe to run again: it resets the operator's password
and adds content only when the operator has none.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from content.choices import Platform
from publishing.services import Target, schedule_content

DEMO_USERNAME = "operator"
DEMO_PASSWORD = "herald-demo"

DEMO_POSTS = [
    (1, "Hello from Herald! Our first scheduled post.", [Platform.TWITTER, Platform.DISCORD]),
    (3, "Release notes are out: see what changed this week.", [Platform.DISCORD]),
    (60, "Tomorrow's announcement, queued an hour ahead.", [Platform.TWITTER]),
]


class Command(BaseCommand):
    help = "Create the demo operator (and demo content, the first time)."

    @transaction.atomic
    def handle(self, *args, **options):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=DEMO_USERNAME,
            defaults={"is_staff": True, "is_superuser": True, "email": "operator@example.com"},
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo operator: username {DEMO_USERNAME!r}, password {DEMO_PASSWORD!r}"
                + (" (created)" if created else "")
            )
        )
        if user.contents.exists():
            self.stdout.write("Demo content already present; nothing added.")
            return
        now = timezone.now()
        for minutes, body, platforms in DEMO_POSTS:
            schedule_content(
                owner=user,
                body=body,
                targets=[Target(platform=p) for p in platforms],
                scheduled_for=now + dt.timedelta(minutes=minutes),
            )
        self.stdout.write(f"Scheduled {len(DEMO_POSTS)} demo posts.")
