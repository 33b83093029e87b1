"""Create the demo operator, sandbox accounts, demo plans and a little demo content, once.

Run by ``make run``. Safe to run again: it resets the demo passwords, adds a plan
only when no plan has its name (an edited plan keeps its limits) and adds content
only when the operator has none. The accounts use sandbox
tokens, so with the sandbox on (the embedded default) the demo posts go out
to ``/sandbox/`` and nowhere else.
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from content.choices import Platform
from entitlements.models import Plan
from entitlements.services import set_plan
from integrations.models import Integration
from publishing.drafts import save_draft
from publishing.services import Target, schedule_content

DEMO_USERNAME = "operator"
# A published demo login, for a local install only.
DEMO_PASSWORD = "herald-demo"

SANDBOX_ACCOUNTS = {
    Platform.TWITTER: {
        "external_account_id": "herald_demo",
        "display_name": "@herald_demo",
        "access_token": "sandbox-x-herald_demo",
        "account_options": {"username": "herald_demo"},
    },
    Platform.DISCORD: {
        "external_account_id": "demo-channel",
        "display_name": "#announcements",
        "access_token": "sandbox-discord-herald",
        "account_options": {"channel_id": "1100000000000000001"},
    },
}

MB = 1024 * 1024
DEMO_PLANS = {
    "Starter": {
        "platforms": [Platform.DISCORD, Platform.TWITTER],
        "accounts_per_platform": 1,
        "posts_per_month": 30,
        "max_media_bytes": 10 * MB,
        "api_rate": "300/hour",
    },
    "Pro": {
        "platforms": None,
        "accounts_per_platform": 10,
        "posts_per_month": 1000,
        "max_media_bytes": 512 * MB,
        "api_rate": "3000/hour",
    },
}
# A user who is not a superuser (superusers are unlimited), on Starter.
DEMO_WRITER = "writer"

DEMO_POSTS = [
    (1, "Hello from Herald! Our first scheduled post.", [Platform.TWITTER, Platform.DISCORD]),
    (3, "Release notes are out: see what changed this week.", [Platform.DISCORD]),
    (60, "Tomorrow's announcement, queued an hour ahead.", [Platform.TWITTER]),
]
# The week ahead, for the calendar: (days from today, hour, text, platforms).
DEMO_WEEK = [
    (1, 9, "Monday tip: schedule your week in one sitting.", [Platform.TWITTER]),
    (2, 12, "Community call at noon, link inside.", [Platform.DISCORD]),
    (3, 17, "Behind the scenes of our release process.", [Platform.TWITTER, Platform.DISCORD]),
    (5, 10, "Weekend reading list.", [Platform.TWITTER]),
]
# Drafts: (days from today or None for no time yet, text).
DEMO_DRAFTS = [
    (4, "Draft: the customer story, waiting for approval."),
    (None, "Draft: an idea for next month's campaign."),
]


class Command(BaseCommand):
    help = "Create the demo operator, sandbox accounts and demo content (the first time)."

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
        self.seed_plans()
        if not settings.SANDBOX_ENABLED:
            self.stdout.write("The sandbox is off: no demo accounts or content added.")
            return
        accounts = {}
        for platform, fields in SANDBOX_ACCOUNTS.items():
            accounts[platform], _ = Integration.objects.get_or_create(
                user=user,
                provider=platform,
                external_account_id=fields["external_account_id"],
                defaults=fields,
            )
        if user.contents.exists():
            self.stdout.write("Demo content already present; nothing added.")
            return
        now = timezone.now()
        for minutes, body, platforms in DEMO_POSTS:
            schedule_content(
                owner=user,
                body=body,
                targets=[Target(platform=p, integration=accounts[p]) for p in platforms],
                scheduled_for=now + dt.timedelta(minutes=minutes),
            )
        today = timezone.localtime(now, user.zone).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        for days, hour, body, platforms in DEMO_WEEK:
            schedule_content(
                owner=user,
                body=body,
                targets=[Target(platform=p, integration=accounts[p]) for p in platforms],
                scheduled_for=today + dt.timedelta(days=days, hours=hour),
            )
        for days, body in DEMO_DRAFTS:
            save_draft(
                owner=user,
                body=body,
                targets=[Target(platform=Platform.TWITTER, integration=accounts[Platform.TWITTER])],
                scheduled_for=None if days is None else today + dt.timedelta(days=days, hours=11),
            )
        self.stdout.write(
            f"Scheduled {len(DEMO_POSTS)} demo posts to the sandbox accounts; the first goes out "
            "in about a minute. Watch Publishing > Publications, and the posts at /sandbox/. "
            f"{len(DEMO_WEEK)} more fill the week ahead and {len(DEMO_DRAFTS)} drafts wait: "
            "see the calendar."
        )

    def seed_plans(self) -> None:
        for name, limits in DEMO_PLANS.items():
            Plan.objects.get_or_create(name=name, defaults=limits)
        User = get_user_model()
        writer, created = User.objects.get_or_create(
            username=DEMO_WRITER, defaults={"email": "writer@example.com"}
        )
        writer.set_password(DEMO_PASSWORD)
        writer.save(update_fields=["password"])
        if created:  # later, the plan an operator gave the writer stays
            set_plan(writer, Plan.objects.get(name="Starter"), note="the demo's Starter user")
        self.stdout.write(
            f"Demo plans: {', '.join(DEMO_PLANS)}. User {DEMO_WRITER!r} (password "
            f"{DEMO_PASSWORD!r}, not staff) starts on Starter: see Users, and Plans and "
            "entitlements > Plans."
        )
