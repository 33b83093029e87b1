"""Move the legacy plaintext User token columns into encrypted Integration rows.

Idempotent (a user already migrated is skipped), one transaction per user,
``--dry-run`` writes nothing, ``--clear-legacy`` blanks the User columns only
after reading the Integration back and finding the same values. Exits
non-zero if any user failed; the others are migrated all the same.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q

from accounts.models import User
from integrations.credentials import LEGACY_COLUMNS
from integrations.models import Integration

LEGACY_ACCOUNT_ID = "legacy"


class UserNotMigrated(Exception):
    """This user's tokens cannot be migrated; the message says why."""


def legacy_values(user: User, provider: str) -> dict[str, str]:
    """The non-empty legacy values of ``provider`` as Integration fields."""
    access, refresh, webhook = LEGACY_COLUMNS[provider]
    values = {
        "access_token": getattr(user, access) if access else "",
        "refresh_token": getattr(user, refresh) if refresh else "",
        "webhook_url": getattr(user, webhook) if webhook else "",
    }
    return {name: value for name, value in values.items() if value}


def check_values(provider: str, values: dict[str, str]) -> None:
    if "refresh_token" in values and "access_token" not in values:
        raise UserNotMigrated(f"{provider}: a refresh token without an access token")
    if "webhook_url" in values:
        parts = urlsplit(values["webhook_url"])
        if parts.scheme != "https" or "/api/webhooks/" not in parts.path:
            raise UserNotMigrated(f"{provider}: the webhook URL is not a Discord webhook URL")


def columns_of(provider: str) -> list[str]:
    return [column for column in LEGACY_COLUMNS[provider] if column]


class Command(BaseCommand):
    help = "Migrate legacy User token columns into encrypted Integration rows."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report; write nothing.")
        parser.add_argument("--user", help="Only this username.")
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--clear-legacy",
            action="store_true",
            help="Blank the User columns once the Integration reads back the same values.",
        )

    def handle(self, *args, dry_run, user, batch_size, clear_legacy, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        has_legacy = Q()
        for name in User.LEGACY_TOKEN_FIELDS:
            has_legacy |= ~Q(**{name: ""})
        users = User.objects.filter(has_legacy).order_by("pk")
        if user:
            users = users.filter(username=user)
            if not users.exists():
                raise CommandError(f"No user {user!r} with legacy tokens.")
        total = users.count()
        self.summary = Counter()
        self.skipped: Counter = Counter()
        self.failures: list[tuple[str, str]] = []
        done, last_pk = 0, 0
        while batch := list(users.filter(pk__gt=last_pk)[:batch_size]):
            # One read for the whole batch: which accounts already exist.
            existing = {
                (i.user_id, i.provider): i
                for i in Integration.objects.filter(
                    user__in=batch, external_account_id=LEGACY_ACCOUNT_ID
                )
            }
            for account in batch:
                try:
                    self.migrate_user(account, existing, dry_run=dry_run, clear_legacy=clear_legacy)
                except UserNotMigrated as error:
                    self.failures.append((account.get_username(), str(error)))
            done += len(batch)
            last_pk = batch[-1].pk
            self.progress(done, total)
        self.report(dry_run)
        if self.failures:
            raise CommandError(f"{len(self.failures)} users could not be migrated (listed above).")

    def migrate_user(self, user: User, existing: dict, *, dry_run: bool, clear_legacy: bool):
        plan = {}
        for provider in LEGACY_COLUMNS:
            values = legacy_values(user, provider)
            if not values:
                continue
            check_values(provider, values)
            if (user.pk, provider) in existing:
                self.skipped["already migrated"] += 1
            else:
                plan[provider] = values
        if dry_run:
            self.summary["would migrate"] += len(plan)
            return
        with transaction.atomic():
            created = Integration.objects.bulk_create(
                Integration(
                    user=user,
                    provider=provider,
                    external_account_id=LEGACY_ACCOUNT_ID,
                    display_name="Migrated from legacy tokens",
                    **values,
                )
                for provider, values in plan.items()
            )
            self.summary["migrated"] += len(created)
            if clear_legacy:
                self.clear_checked(user, existing)

    def clear_checked(self, user: User, existing: dict) -> None:
        """Blank the columns whose Integration decrypts to exactly the same values."""
        stored = {
            i.provider: i
            for i in Integration.objects.filter(user=user, external_account_id=LEGACY_ACCOUNT_ID)
        }
        cleared = {}
        for provider in LEGACY_COLUMNS:
            values = legacy_values(user, provider)
            if not values:
                continue
            integration = stored.get(provider)
            if integration is None or any(
                getattr(integration, name) != value for name, value in values.items()
            ):
                raise UserNotMigrated(
                    f"{provider}: the Integration does not read back the legacy value; kept"
                )
            cleared.update(dict.fromkeys(columns_of(provider), ""))
        User.objects.filter(pk=user.pk).update(**cleared)
        self.summary["legacy columns cleared"] += len(cleared)

    def progress(self, done: int, total: int) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        self.stdout.write(f"\r[{'#' * filled:<{width}}] {done}/{total} users", ending="")
        self.stdout.flush()

    def report(self, dry_run: bool) -> None:
        self.stdout.write("")
        prefix = "Dry run, nothing written. " if dry_run else ""
        counts = ", ".join(f"{n} {what}" for what, n in sorted(self.summary.items()) if n)
        counts = counts or "nothing to do"
        self.stdout.write(self.style.SUCCESS(f"{prefix}Tokens: {counts}."))
        for reason, n in sorted(self.skipped.items()):
            self.stdout.write(f"Skipped {n}: {reason}.")
        for username, reason in self.failures:
            self.stderr.write(f"Failed {username}: {reason}.")
