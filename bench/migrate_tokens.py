"""Benchmark: migrate_user_tokens on 10,000 users, batched against the previous per-user path.

Creates N users (default 10,000) with legacy plaintext tokens, most with all
four platforms and some with one, among 3% more users with none. Then, on a fresh copy of
them each time, runs the command four ways and counts SQL statements on the
default connection:

- baseline: the previous code path, reproduced by ``PerUserCommand`` below
  (the same batched reads, then per user one transaction with its own INSERT
  and, with ``--clear-legacy``, a SELECT and an UPDATE of that user);
- batched: the command as it is, ``--batch-size 500``;

each for a plain migration and for ``--clear-legacy``. Prints a table, then
checks the results: a second run creates nothing, every Integration decrypts
to its user's original tokens, and after ``--clear-legacy`` no legacy column
is left.

Runs on a throwaway SQLite file by default; with ``DATABASE_URL`` set, on
that PostgreSQL database (created if missing; only this benchmark's users
are touched).

    make bench-migrate              # or: .venv/bin/python bench/migrate_tokens.py --users 10000
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections import deque
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PREFIX = "migrate-bench-"
BATCH_SIZE = 500
QUERY_LOG_LIMIT = 10_000_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    return parser.parse_args()


def configure_environment(workdir: str) -> str:
    """Point Django at the benchmark database; returns a description of it."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if os.environ.get("DATABASE_URL"):
        from bench.engine import create_database_if_missing
        from config.environment import database_from_url

        create_database_if_missing(os.environ["DATABASE_URL"])
        return f"PostgreSQL ({database_from_url(os.environ['DATABASE_URL'])['NAME']})"
    os.environ["SQLITE_PATH"] = str(Path(workdir) / "migrate-bench.sqlite3")
    return "SQLite (a throwaway file)"


# --- data ---------------------------------------------------------------------------------


def token(rng: random.Random, label: str, n: int) -> str:
    return f"{label}-{n:05d}-{rng.getrandbits(160):040x}"


def legacy_columns(n: int) -> dict[str, str]:
    """User ``n``'s legacy columns: 3% none, 12% one platform, the rest all four."""
    rng = random.Random(n)
    full = {
        "twitter_access_token": token(rng, "tw", n),
        "twitter_refresh_token": token(rng, "twr", n),
        "discord_webhook_url": f"https://discord.com/api/webhooks/{900000 + n}/{token(rng, 'dw', n)}",
        "instagram_access_token": token(rng, "ig", n),
        "youtube_access_token": token(rng, "yt", n),
        "youtube_refresh_token": token(rng, "ytr", n),
    }
    kind = n % 100
    if kind < 3:
        return {}
    if kind < 6:
        return {"discord_webhook_url": full["discord_webhook_url"]}
    if kind < 9:
        return {"instagram_access_token": full["instagram_access_token"]}
    if kind < 12:
        return {name: full[name] for name in ("twitter_access_token", "twitter_refresh_token")}
    if kind < 15:
        return {"youtube_access_token": full["youtube_access_token"]}
    return full


def population(with_tokens: int) -> int:
    """How many users to create so that ``with_tokens`` of them have legacy tokens."""
    total, found = 0, 0
    while found < with_tokens:
        found += bool(legacy_columns(total))
        total += 1
    return total


def expected_integrations(columns: dict[str, str]) -> int:
    from platforms.registry import legacy_columns

    return sum(
        1 for names in legacy_columns().values() if any(columns.get(name) for name in names if name)
    )


def delete_bench_users() -> None:
    from accounts.models import User

    User.objects.filter(username__startswith=PREFIX).delete()


def create_users(count: int) -> dict[str, dict[str, str]]:
    """A fresh copy of the benchmark users; returns each one's legacy columns by username."""
    from accounts.models import User

    delete_bench_users()
    originals = {f"{PREFIX}{n:05d}": legacy_columns(n) for n in range(population(count))}
    User.objects.bulk_create(
        (User(username=username, **columns) for username, columns in originals.items()),
        batch_size=1000,
    )
    return originals


def check_no_other_legacy_users() -> None:
    from integrations.management.commands.migrate_user_tokens import Command

    others = Command.legacy_users().exclude(username__startswith=PREFIX).count()
    if others:
        raise SystemExit(
            f"{others} users outside this benchmark have legacy tokens in this database; "
            "the command would migrate them too. Use a database without them."
        )


# --- the previous code path ------------------------------------------------------------------


def per_user_command():
    """The command before batching: per user, one transaction with its own INSERT and, with
    --clear-legacy, a SELECT reading that user's Integrations back and an UPDATE."""
    from django.db import transaction

    from accounts.models import User
    from integrations.management.commands.migrate_user_tokens import (
        LEGACY_ACCOUNT_ID,
        Command,
        UserNotMigrated,
        new_integrations,
    )
    from integrations.models import Integration

    class PerUserCommand(Command):
        def migrate_batch(self, batch, *, dry_run, clear_legacy):
            existing = set(
                Integration.objects.filter(
                    user__in=batch, external_account_id=LEGACY_ACCOUNT_ID
                ).values_list("user_id", "provider")
            )
            for account in batch:
                try:
                    plan = self.plan_user(account, existing)
                    with transaction.atomic():
                        created = Integration.objects.bulk_create(new_integrations(account, plan))
                        self.summary["migrated"] += len(created)
                        if clear_legacy:
                            self.clear_one(account)
                except UserNotMigrated as error:
                    self.fail(account, str(error))

        def clear_one(self, user):
            stored = {
                (i.user_id, i.provider): i
                for i in Integration.objects.filter(
                    user=user, external_account_id=LEGACY_ACCOUNT_ID
                )
            }
            columns = self.verified_columns(user, stored)
            User.objects.filter(pk=user.pk).update(**dict.fromkeys(columns, ""))
            self.summary["legacy columns cleared"] += len(columns)

    return PerUserCommand()


# --- measuring ---------------------------------------------------------------------------------


def run(label: str, command, args: list[str]) -> dict:
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from integrations.models import Integration

    before = Integration.objects.filter(user__username__startswith=PREFIX).count()
    users = command.legacy_users().count()
    out, err = StringIO(), StringIO()
    # Keep every statement: Django's log keeps only the last 9,000 by default.
    connection.queries_log = deque(maxlen=QUERY_LOG_LIMIT)
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        call_command(command, *args, stdout=out, stderr=err)
        seconds = time.perf_counter() - began
    created = Integration.objects.filter(user__username__startswith=PREFIX).count() - before
    summary = out.getvalue().rstrip().splitlines()[-1]
    print(f"  {label:<28} {seconds:7.2f} s  {summary}")
    return {
        "label": label,
        "users": users,
        "created": created,
        "seconds": seconds,
        "queries": len(queries),
    }


def verify(originals: dict[str, dict[str, str]], *, cleared: bool) -> None:
    """Every bench user's Integrations decrypt to its original tokens; columns blank if cleared."""
    from integrations.management.commands.migrate_user_tokens import LEGACY_ACCOUNT_ID, Command
    from integrations.models import Integration
    from platforms.registry import legacy_columns

    stored = {
        (i.user.username, i.provider): i
        for i in Integration.objects.filter(
            user__username__startswith=PREFIX, external_account_id=LEGACY_ACCOUNT_ID
        ).select_related("user")
    }
    expected = sum(expected_integrations(columns) for columns in originals.values())
    problems = []
    if len(stored) != expected:
        problems.append(f"{len(stored)} Integrations, expected {expected}")
    fields = ("access_token", "refresh_token", "webhook_url")
    for username, columns in originals.items():
        for provider, names in legacy_columns().items():
            want = {
                field: columns.get(name, "")
                for field, name in zip(fields, names, strict=True)
                if name
            }
            if not any(want.values()):
                continue
            integration = stored.get((username, provider))
            got = (
                {field: getattr(integration, field) or "" for field in want}
                if integration
                else None
            )
            if got != want:
                problems.append(f"{username} {provider}: does not decrypt to the original")
    if cleared:
        left = Command.legacy_users().filter(username__startswith=PREFIX).count()
        if left:
            problems.append(f"{left} users still have legacy columns")
    if problems:
        raise SystemExit("Verification failed: " + "; ".join(problems[:5]))
    print(
        f"  verified: {len(stored)} Integrations decrypt to the original tokens"
        + (", no legacy column left" if cleared else "")
    )


def print_table(rows: list[dict]) -> None:
    header = f"{'':<28}{'users':>8}{'created':>10}{'seconds':>10}{'queries':>10}{'q/user':>9}"
    print("\n" + header)
    for row in rows:
        print(
            f"{row['label']:<28}{row['users']:>8}{row['created']:>10}{row['seconds']:>10.2f}"
            f"{row['queries']:>10}{row['queries'] / row['users']:>9.2f}"
        )


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        database = configure_environment(workdir)
        import django

        django.setup()
        from django.core.management import call_command

        from integrations.management.commands.migrate_user_tokens import Command

        call_command("migrate", verbosity=0)
        check_no_other_legacy_users()
        batch = ["--batch-size", str(args.batch_size)]
        print(
            f"migrate_user_tokens benchmark: {args.users} users with legacy tokens on {database}, "
            f"batched with --batch-size {args.batch_size}\n"
        )
        rows = []
        create_users(args.users)
        rows.append(run("baseline (per user) migrate", per_user_command(), batch))
        originals = create_users(args.users)
        rows.append(run("batched migrate", Command(), batch))
        verify(originals, cleared=False)
        again = run("batched, second run", Command(), batch)
        if again["created"]:
            raise SystemExit(f"Not idempotent: the second run created {again['created']} rows.")
        print("  idempotent: the second run created 0 Integrations")
        create_users(args.users)
        rows.append(
            run("baseline (per user) +clear", per_user_command(), [*batch, "--clear-legacy"])
        )
        originals = create_users(args.users)
        rows.append(run("batched migrate +clear", Command(), [*batch, "--clear-legacy"]))
        verify(originals, cleared=True)
        rows.append(again)
        print_table(rows)
        for kind, (base, fast) in {"migrate": rows[0:2], "migrate+clear": rows[2:4]}.items():
            print(
                f"{kind}: {base['queries'] / fast['queries']:.0f}x fewer queries, "
                f"{base['seconds'] / fast['seconds']:.1f}x faster."
            )
        delete_bench_users()


if __name__ == "__main__":
    main()
