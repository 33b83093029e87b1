"""Move the legacy plaintext User token columns into encrypted Integration rows.

Idempotent (an account already migrated is skipped), ``--dry-run`` writes
nothing, ``--clear-legacy`` blanks the User columns only after reading the
Integration back and finding the same values. Exits non-zero if any user
failed; the others are migrated all the same.

Users are read in batches of ``--batch-size`` (by primary key). Per batch:

1. One SELECT of the users and one SELECT of their existing legacy
   Integrations; each user's values are checked in Python. A user whose
   values are unusable is reported failed and takes no further part.
2. One transaction holding one bulk INSERT of the new Integrations of every
   planned user of the batch (the backend may split a very large insert into
   a few statements, e.g. SQLite's 999-parameter limit; never one per row).
   If that transaction fails with a database error (say a concurrent run
   created one of the rows), it is rolled back entirely and the batch is
   retried with one transaction per user: the good users migrate, the
   failing one is reported with the database's reason. Either way a user's
   new Integrations are created all together or not at all, and one user's
   failure neither stops nor undoes another's.
3. With ``--clear-legacy``, a second transaction: one SELECT locking the
   batch's users (``FOR UPDATE`` on PostgreSQL; SQLite takes its write lock
   at BEGIN) re-reads their columns, one SELECT reads back their legacy
   Integrations, Python compares the decrypted values with the columns as
   they are now, and one UPDATE per distinct set of columns to blank clears
   the users that matched. The rows stay locked from the re-read to the
   UPDATE, so a column is only blanked while it holds the verified value.
   A user whose Integration reads back differently is reported failed and
   keeps all its columns; its Integrations stay (they may hold a refreshed
   token by then), and the engine uses them before the columns.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction
from django.db.models import Q

from accounts.models import User
from integrations.models import Integration
from platforms.registry import legacy_columns

LEGACY_ACCOUNT_ID = "legacy"
DISPLAY_NAME = "Migrated from legacy tokens"


class UserNotMigrated(Exception):
    """This user's tokens cannot be migrated; the message says why."""


def legacy_values(user: User, provider: str) -> dict[str, str]:
    """The non-empty legacy values of ``provider`` as Integration fields."""
    access, refresh, webhook = legacy_columns()[provider]
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
    return [column for column in legacy_columns()[provider] if column]


def new_integrations(user: User, plan: dict[str, dict[str, str]]) -> list[Integration]:
    return [
        Integration(
            user=user,
            provider=provider,
            external_account_id=LEGACY_ACCOUNT_ID,
            display_name=DISPLAY_NAME,
            **values,
        )
        for provider, values in plan.items()
    ]


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

    @staticmethod
    def legacy_users():
        """The users with at least one legacy column set, by primary key."""
        has_legacy = Q()
        for name in User.LEGACY_TOKEN_FIELDS:
            has_legacy |= ~Q(**{name: ""})
        return User.objects.filter(has_legacy).order_by("pk")

    def handle(self, *args, dry_run, user, batch_size, clear_legacy, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        users = self.legacy_users()
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
            self.migrate_batch(batch, dry_run=dry_run, clear_legacy=clear_legacy)
            done += len(batch)
            last_pk = batch[-1].pk
            self.progress(done, total)
        self.report(dry_run)
        if self.failures:
            raise CommandError(f"{len(self.failures)} users could not be migrated (listed above).")

    def migrate_batch(self, batch: list[User], *, dry_run: bool, clear_legacy: bool) -> None:
        # One read for the whole batch: which accounts already exist.
        existing = set(
            Integration.objects.filter(
                user__in=batch, external_account_id=LEGACY_ACCOUNT_ID
            ).values_list("user_id", "provider")
        )
        plans: dict[User, dict[str, dict[str, str]]] = {}
        for account in batch:
            try:
                plans[account] = self.plan_user(account, existing)
            except UserNotMigrated as error:
                self.fail(account, str(error))
        if dry_run:
            self.summary["would migrate"] += sum(len(plan) for plan in plans.values())
            return
        migrated = self.insert_batch(plans)
        if clear_legacy and migrated:
            self.clear_checked(migrated)

    def plan_user(self, user: User, existing: set) -> dict[str, dict[str, str]]:
        """The Integrations to create for ``user``, by provider; raises if a value is unusable."""
        plan = {}
        for provider in legacy_columns():
            values = legacy_values(user, provider)
            if not values:
                continue
            check_values(provider, values)
            if (user.pk, provider) in existing:
                self.skipped["already migrated"] += 1
            else:
                plan[provider] = values
        return plan

    def insert_batch(self, plans: dict[User, dict]) -> list[User]:
        """Create every planned Integration; returns the users whose rows all exist now."""
        rows = [row for user, plan in plans.items() for row in new_integrations(user, plan)]
        if not rows:
            return list(plans)
        try:
            with transaction.atomic():
                Integration.objects.bulk_create(rows)
        except DatabaseError:
            # Rolled back whole: find the culprit, one transaction per user.
            return self.insert_each(plans)
        self.summary["migrated"] += len(rows)
        return list(plans)

    def insert_each(self, plans: dict[User, dict]) -> list[User]:
        migrated = []
        for user, plan in plans.items():
            try:
                with transaction.atomic():
                    created = Integration.objects.bulk_create(new_integrations(user, plan))
            except DatabaseError as error:
                reason = str(error).splitlines()[0] if str(error) else type(error).__name__
                self.fail(user, f"the database refused the new Integrations ({reason})")
                continue
            self.summary["migrated"] += len(created)
            migrated.append(user)
        return migrated

    def clear_checked(self, users: list[User]) -> None:
        """Blank the columns of the users whose Integrations decrypt to exactly the same values."""
        pks = [user.pk for user in users]
        groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
        with transaction.atomic():
            # Locked until the UPDATEs below: the values compared are the values blanked.
            current = list(
                User.objects.select_for_update()
                .filter(pk__in=pks)
                .only("pk", "username", *User.LEGACY_TOKEN_FIELDS)
                .order_by("pk")
            )
            stored = {
                (i.user_id, i.provider): i
                for i in Integration.objects.filter(
                    user_id__in=pks, external_account_id=LEGACY_ACCOUNT_ID
                )
            }
            for user in current:
                try:
                    columns = self.verified_columns(user, stored)
                except UserNotMigrated as error:
                    self.fail(user, str(error))
                    continue
                if columns:
                    groups[columns].append(user.pk)
            for columns, group in groups.items():
                User.objects.filter(pk__in=group).update(**dict.fromkeys(columns, ""))
                self.summary["legacy columns cleared"] += len(columns) * len(group)

    def verified_columns(self, user: User, stored: dict) -> tuple[str, ...]:
        """The columns to blank for ``user``; raises if any Integration reads back differently."""
        columns: list[str] = []
        for provider in legacy_columns():
            values = legacy_values(user, provider)
            if not values:
                continue
            integration = stored.get((user.pk, provider))
            if integration is None or any(
                getattr(integration, name) != value for name, value in values.items()
            ):
                raise UserNotMigrated(
                    f"{provider}: the Integration does not read back the legacy value; kept"
                )
            columns.extend(columns_of(provider))
        return tuple(columns)

    def fail(self, user: User, reason: str) -> None:
        self.failures.append((user.get_username(), reason))

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
