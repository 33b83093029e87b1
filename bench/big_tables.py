"""Benchmark: does anything slow down as the tables grow?

Fills one PostgreSQL database with a year of a busy installation (default
1,000,000 publications, mostly PUBLISHED, with their contents, 20 users with 4
accounts each, and 5,000,000 audit events) in bulk SQL (INSERT ... SELECT
generate_series, chunked, with progress), and another with the same schema and
a few rows of the same shape. Both get the same live set (due posts, the next
day's posts, the last hour's and the last day's outcomes), then each operation
is timed on both in the same run (the median of --repeat runs after a warm-up, in
the best of --rounds rounds that alternate the two databases):

* the due selector, and one claimed batch (``dispatch_due_batch`` with a no-op
  enqueue, rolled back so every run claims the same rows);
* the admin dashboard, as a superuser;
* the API's content list of one user: the first page and the middle page;
* ``/health/`` and a ``/metrics`` scrape (with the bearer token).

An operation passes when its full-database time is at most 2x its empty-database
time; times under a floor (--floor-ms, default 5 ms) count as within bound, since
2x of a millisecond is noise. Each query of each operation is then run under
EXPLAIN (ANALYZE) on the full database, and the table lists the scans of the big
tables and whether they use an index.

The fill is kept between runs (a marker table records its size); --refill
drops and rebuilds it.

    make bench-big-tables                       # or: .venv/bin/python -m bench.big_tables
    .venv/bin/python -m bench.big_tables --publications 100000 --events 500000
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
PLATFORMS = ("twitter", "discord", "instagram", "youtube")
BIG_TABLES = ("content_content", "publishing_publication", "publishing_publicationevent")
MARKER = "bench_big_tables_fill"
LIVE_TITLE = "bench-live"
METRICS_TOKEN = "bench-big-tables-metrics-token"
CHUNK_CONTENTS = 50_000
CHUNK_PUBLICATIONS = 100_000
PAGE_SIZE = 50


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server URL")
    parser.add_argument("--full-db", default="herald_bigtables")
    parser.add_argument("--empty-db", default="herald_bigtables_empty")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--publications", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--empty-publications", type=int, default=6_000)
    parser.add_argument("--repeat", type=int, default=11, help="timed runs per operation")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per database")
    parser.add_argument("--floor-ms", type=float, default=5.0)
    parser.add_argument("--refill", action="store_true", help="rebuild the full database")
    # Internal: the parent runs each phase in a child process bound to one database.
    parser.add_argument("--phase", choices=("fill", "measure"), help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- the parent: orchestrates, one child process per database and phase ----------------


def main() -> None:
    args = parse_args()
    if args.phase:
        child(args)
        return
    print(
        f"Big tables: {args.publications:,} publications and {args.events:,} audit events in "
        f"{args.full_db}, {args.empty_publications:,} publications in {args.empty_db}."
    )
    for name in (args.full_db, args.empty_db):
        create_database(args.server, name)
        print(f"Migrating {name} ...", flush=True)
        run_child(args, name, ["manage.py", "migrate", "--noinput", "-v0"], module=False)
    fill_started = time.monotonic()
    run_child(args, args.full_db, ["--phase", "fill", *size_args(args, args.publications)])
    print(f"Full database ready in {time.monotonic() - fill_started:.0f} s.")
    run_child(
        args,
        args.empty_db,
        ["--phase", "fill", "--refill", *size_args(args, args.empty_publications, empty=True)],
    )
    # Rounds alternate the two databases, and each keeps its best round: the machine's
    # other load comes and goes, and must not count against one side only.
    results: dict[str, dict] = {}
    for round_number in range(1, args.rounds + 1):
        for label, name in (("empty", args.empty_db), ("full", args.full_db)):
            out = ROOT / f".bench-big-tables-{label}.json"
            print(f"Round {round_number}/{args.rounds}: timing on {name} ...", flush=True)
            run_child(
                args,
                name,
                ["--phase", "measure", "--out", str(out), "--repeat", str(args.repeat)],
            )
            measured = json.loads(out.read_text())
            out.unlink()
            kept = results.setdefault(label, measured)
            for operation, timing in measured["timings"].items():
                if timing["ms"] < kept["timings"][operation]["ms"]:
                    kept["timings"][operation] = timing
    report(results, args.floor_ms)


def size_args(args, publications: int, *, empty: bool = False) -> list[str]:
    events = publications * 5 if empty else args.events
    return ["--publications", str(publications), "--events", str(events)] + (
        ["--refill"] if args.refill else []
    )


def create_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        if not connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def run_child(args, database: str, argv: list[str], *, module: bool = True) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"{args.server}/{database}",
        "REDIS_URL": args.redis_url,
        "METRICS_TOKEN": METRICS_TOKEN,
        "API_THROTTLE_USER": "1000000/hour",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    command = (
        [sys.executable, "-m", "bench.big_tables", *argv] if module else [sys.executable, *argv]
    )
    if module:
        command += ["--users", str(args.users), "--floor-ms", str(args.floor_ms)]
    subprocess.run(command, cwd=ROOT, env=env, check=True)


def report(results: dict, floor_ms: float) -> None:
    empty, full = results["empty"], results["full"]
    print()
    print(
        f"Empty: {empty['sizes']['publications']:,} publications, "
        f"{empty['sizes']['events']:,} events. Full: {full['sizes']['publications']:,} "
        f"publications, {full['sizes']['events']:,} events, {full['sizes']['contents']:,} contents."
    )
    print(
        f"The API user has {empty['sizes']['owner_contents']:,} contents (middle page: "
        f"{empty['sizes']['middle_page']}) in the empty database, "
        f"{full['sizes']['owner_contents']:,} (middle page: {full['sizes']['middle_page']}) "
        "in the full one."
    )
    print()
    header = f"{'operation':<30} {'empty ms':>9} {'full ms':>9} {'ratio':>6} {'queries':>8}  ≤2x"
    print(header)
    print("-" * len(header))
    failed = 0
    for name, timing in full["timings"].items():
        base = empty["timings"][name]
        ratio = timing["ms"] / base["ms"] if base["ms"] else float("inf")
        within = timing["ms"] <= max(2 * base["ms"], floor_ms)
        failed += not within
        print(
            f"{name:<30} {base['ms']:>9.1f} {timing['ms']:>9.1f} {ratio:>6.2f} "
            f"{timing['queries']:>8}  {'PASS' if within else 'FAIL'}"
        )
    print(
        f"\nms: the median of the timed runs, in the best of the alternating rounds. PASS: full "
        f"<= 2 x empty, or full under {floor_ms:g} ms (a floor: below it, 2x is noise)."
    )
    print("\nPlans on the full database (EXPLAIN ANALYZE; scans of the big tables):")
    for name, plans in full["plans"].items():
        print(f"  {name}")
        for plan in plans:
            print(f"    {plan['ms']:>7.1f} ms  {plan['summary']}")
            for scan in plan["scans"]:
                print(f"               {scan}")
    print(f"\n{failed} operation(s) above 2x." if failed else "\nEvery operation within 2x.")


# --- the children: Django bound to one database ----------------------------------------


def child(args) -> None:
    import django

    django.setup()
    if args.phase == "fill":
        fill(args)
    else:
        measure(args)


def progress(label: str, done: int, total: int, started: float) -> None:
    done = min(done, total)
    bar = "#" * int(30 * done / max(total, 1))
    rate = done / max(time.monotonic() - started, 1e-6)
    print(f"\r  {label:<14} [{bar:<30}] {done:>10,}/{total:,} ({rate:,.0f}/s)", end="", flush=True)
    if done >= total:
        print()


def filled_size(cursor) -> tuple[int, int] | None:
    cursor.execute("SELECT to_regclass(%s)", [MARKER])
    if cursor.fetchone()[0] is None:
        return None
    cursor.execute(f"SELECT publications, events FROM {MARKER}")
    row = cursor.fetchone()
    return None if row is None else (row[0], row[1])


def fill(args) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if not args.refill and filled_size(cursor) == (args.publications, args.events):
            print(f"  already filled ({args.publications:,} / {args.events:,}); --refill rebuilds.")
        else:
            fill_history(cursor, args)
        reset_live_set(cursor)
        cursor.execute("ANALYZE")


def fill_history(cursor, args) -> None:
    """A year of history in bulk SQL: contents, their publications, their audit events."""
    from django.contrib.auth import get_user_model

    from integrations.models import Integration

    started = time.monotonic()
    cursor.execute(f"DROP TABLE IF EXISTS {MARKER}")
    # Every table that refers to a user or a publication goes too (CASCADE).
    cursor.execute("TRUNCATE accounts_user, django_session RESTART IDENTITY CASCADE")
    User = get_user_model()
    User.objects.create_superuser("operator", "operator@example.com", None)
    users = [
        User.objects.create_user(f"user{i}", f"user{i}@example.com", None)
        for i in range(args.users)
    ]
    for user in users:
        for platform in PLATFORMS:
            Integration.objects.create(
                user=user,
                provider=platform,
                external_account_id=f"{platform}-{user.pk}",
                display_name=f"{user.username} on {platform}",
                access_token=f"token-{platform}-{user.pk}",
            )
    # Triggers off for the fill (the foreign keys are right by construction), back on after.
    cursor.execute("SET session_replication_role = replica")
    contents = args.publications // 2
    owners = "ARRAY[" + ",".join(str(u.pk) for u in users) + "]::bigint[]"
    # Spread over the past year and the next week; 2% failed, 2% canceled, the rest published.
    chunk_started = time.monotonic()
    for low in range(0, contents, CHUNK_CONTENTS):
        high = min(low + CHUNK_CONTENTS, contents)
        cursor.execute(
            f"""
            INSERT INTO content_content (owner_id, title, body, options, draft_targets,
                scheduled_for, status, retry_count, version, created_at, updated_at)
            SELECT ({owners})[1 + g %% %(users)s], 'Post ' || g,
                   'Body of post ' || g || ': a year of a busy installation.', '{{}}', '[]', at,
                   CASE WHEN at > now() THEN 'SCHEDULED' WHEN g %% 50 = 0 THEN 'FAILED'
                        WHEN g %% 50 = 1 THEN 'CANCELED' ELSE 'PUBLISHED' END,
                   0, 1, at - interval '1 day', LEAST(at, now()) + interval '2 seconds'
            FROM generate_series(%(low)s, %(high)s - 1) g,
                 LATERAL (SELECT now() - interval '365 days'
                          + (g::float / %(contents)s) * interval '372 days' AS at) t
            """,
            {"users": len(users), "low": low, "high": high, "contents": contents},
        )
        progress("contents", high, contents, chunk_started)
    cursor.execute("SELECT min(id), max(id) FROM content_content")
    first_content, last_content = cursor.fetchone()
    cursor.execute(
        "CREATE TEMP TABLE bench_accounts AS SELECT user_id, provider, id AS integration_id "
        "FROM integrations_integration"
    )
    chunk_started = time.monotonic()
    step = CHUNK_PUBLICATIONS // 2
    for low in range(first_content, last_content + 1, step):
        high = min(low + step, last_content + 1)
        cursor.execute(
            f"""
            INSERT INTO publishing_publication (content_id, platform, integration_id, account_key,
                status, idempotency_key, attempts, retry_count, next_attempt_at, hold_kind,
                hold_reason, by_hand, rate_slot_at, request_sent_at, external_id, permalink,
                platform_state, last_error_code, last_error, published_at, created_at, updated_at)
            SELECT c.id, p.platform, a.integration_id, 'integration:' || a.integration_id,
                   c.status, c.id || '-' || p.platform || '-' || extract(epoch FROM c.scheduled_for)::bigint,
                   s.sent::int, 0,
                   CASE WHEN c.status = 'SCHEDULED' THEN c.scheduled_for END, '', '', false,
                   CASE WHEN s.sent THEN c.scheduled_for END,
                   CASE WHEN s.sent THEN c.scheduled_for END,
                   CASE WHEN c.status = 'PUBLISHED' THEN 'ext-' || c.id || '-' || k ELSE '' END,
                   CASE WHEN c.status = 'PUBLISHED' THEN 'https://example.com/p/' || c.id || '/' || k
                        ELSE '' END,
                   '{{}}',
                   CASE WHEN c.status <> 'FAILED' THEN ''
                        WHEN c.id %% 1000 = 1 THEN 'in_doubt' ELSE 'rejected' END,
                   CASE WHEN c.status = 'FAILED' THEN 'The platform refused the post.' ELSE '' END,
                   CASE WHEN c.status = 'PUBLISHED'
                        THEN c.scheduled_for + (1 + c.id %% 3) * interval '1 second' END,
                   c.created_at, c.updated_at
            FROM content_content c
            CROSS JOIN generate_series(0, 1) k
            CROSS JOIN LATERAL (SELECT (ARRAY{list(PLATFORMS)})[1 + (c.id + k) %% 4] AS platform) p
            CROSS JOIN LATERAL (SELECT c.status IN ('PUBLISHED', 'FAILED') AS sent) s
            JOIN bench_accounts a ON a.user_id = c.owner_id AND a.provider = p.platform
            WHERE c.id >= %(low)s AND c.id < %(high)s
            """,
            {"low": low, "high": high},
        )
        progress("publications", 2 * (high - first_content), 2 * contents, chunk_started)
    fill_events(cursor, args.events)
    cursor.execute("SET session_replication_role = DEFAULT")
    # The publication tally's triggers were off too: count once.
    from publishing.tally import rebuild_tally

    rebuild_tally()
    cursor.execute("SELECT count(*) FROM publishing_publicationevent")
    events = cursor.fetchone()[0]
    print(f"  vacuum analyze ... ({time.monotonic() - started:.0f} s so far)", flush=True)
    for table in BIG_TABLES:
        cursor.execute(f"VACUUM ANALYZE {table}")
    cursor.execute(
        f"CREATE TABLE {MARKER} (publications bigint, events bigint, filled_at timestamptz)"
    )
    cursor.execute(
        f"INSERT INTO {MARKER} VALUES (%s, %s, now())",
        [args.publications, args.events],
    )
    print(
        f"  filled: {2 * contents:,} publications, {events:,} events in {time.monotonic() - started:.0f} s"
    )


# The audit trail of a publication, by its final state: (step, from, to, reason, at).
EVENT_STEPS = """
    (VALUES (1, '', 'SCHEDULED', 'scheduled', 0),
            (2, 'SCHEDULED', 'QUEUED', 'due: handed to a worker', 1),
            (3, 'QUEUED', 'PUBLISHING', 'claimed by a worker', 1),
            (4, 'PUBLISHING', 'RETRYING', 'transient error, retry 1 of 3: timeout', 1),
            (5, 'RETRYING', 'QUEUED', 'due: handed to a worker', 2),
            (6, 'QUEUED', 'PUBLISHING', 'claimed by a worker', 2),
            (7, 'PUBLISHING', 'PUBLISHED', 'published', 2),
            (8, 'SCHEDULED', 'CANCELED', 'canceled by its owner', 0),
            (9, 'PUBLISHING', 'FAILED', 'The platform refused the post.', 2))
    AS step(n, from_status, to_status, reason, at)
"""


def fill_events(cursor, target: int) -> None:
    """Five events per published row on average (one retry in three), fewer for the others,
    then re-check holds on the published rows up to exactly ``target``."""
    cursor.execute("SELECT min(id), max(id) FROM publishing_publication")
    first, last = cursor.fetchone()
    started = time.monotonic()
    for low in range(first, last + 1, CHUNK_PUBLICATIONS):
        high = min(low + CHUNK_PUBLICATIONS, last + 1)
        cursor.execute(
            f"""
            INSERT INTO publishing_publicationevent (publication_id, from_status, to_status,
                reason, error_code, actor, created_at)
            SELECT p.id, step.from_status, step.to_status, step.reason, '', 'engine',
                   CASE step.at WHEN 0 THEN p.created_at
                                WHEN 1 THEN p.next_at
                                ELSE p.updated_at END
            FROM (SELECT id, status, created_at, updated_at,
                         COALESCE(request_sent_at, created_at) AS next_at,
                         id %% 3 = 0 AS retried
                  FROM publishing_publication WHERE id >= %(low)s AND id < %(high)s) p
            JOIN {EVENT_STEPS} ON CASE p.status
                WHEN 'SCHEDULED' THEN step.n = 1
                WHEN 'CANCELED' THEN step.n IN (1, 8)
                WHEN 'FAILED' THEN step.n IN (1, 2, 3, 9)
                ELSE step.n IN (1, 2, 3, 7) OR (p.retried AND step.n IN (4, 5, 6)) END
            ORDER BY p.id, step.n
            """,
            {"low": low, "high": high},
        )
        progress("audit events", high - first, last + 1 - first, started)
    cursor.execute("SELECT count(*) FROM publishing_publicationevent")
    missing = target - cursor.fetchone()[0]
    started = time.monotonic()
    done = 0
    while missing > 0:
        batch = min(missing, 500_000)
        cursor.execute(
            """
            INSERT INTO publishing_publicationevent (publication_id, from_status, to_status,
                reason, error_code, actor, created_at)
            SELECT id, 'QUEUED', 'QUEUED', 'held: the rate window is full', 'rate_window',
                   'engine', request_sent_at - interval '1 second'
            FROM publishing_publication
            WHERE status = 'PUBLISHED' AND id > %(after)s
            ORDER BY id LIMIT %(batch)s
            """,
            {"after": first + done, "batch": batch},
        )
        done += batch
        missing -= batch
        progress("hold events", done, done + missing, started)


def reset_live_set(cursor) -> None:
    """The same live rows in both databases, relative to now: due, upcoming, recent outcomes."""
    cursor.execute(
        "DELETE FROM publishing_publicationevent WHERE publication_id IN (SELECT p.id FROM "
        "publishing_publication p JOIN content_content c ON c.id = p.content_id "
        "WHERE c.title = %s)",
        [LIVE_TITLE],
    )
    cursor.execute(
        "DELETE FROM publishing_publication WHERE content_id IN "
        "(SELECT id FROM content_content WHERE title = %s)",
        [LIVE_TITLE],
    )
    cursor.execute("DELETE FROM content_content WHERE title = %s", [LIVE_TITLE])
    cursor.execute(
        "INSERT INTO publishing_engineheartbeat (name, last_tick_at, last_tick_seconds, "
        "last_dispatched) VALUES ('tick', now(), 0.5, 50) "
        "ON CONFLICT (name) DO UPDATE SET last_tick_at = now()"
    )
    cursor.execute("SELECT id FROM accounts_user WHERE NOT is_superuser ORDER BY id LIMIT 1")
    owner = cursor.fetchone()[0]
    # (how many contents, their status, scheduled this far from now)
    groups = [
        (100, "SCHEDULED", "- interval '30 seconds'"),  # due now: 200 publications
        (60, "SCHEDULED", "+ (g %% 1380) * interval '1 minute' + interval '10 minutes'"),
        (50, "PUBLISHED", "- (g %% 50) * interval '1 minute'"),  # the last hour's lag
        (10, "FAILED", "- (g %% 20) * interval '1 hour'"),  # the last day's failures
    ]
    for count, status, offset in groups:
        cursor.execute(
            f"""
            WITH c AS (
                INSERT INTO content_content (owner_id, title, body, options, draft_targets,
                    scheduled_for, status, retry_count, version, created_at, updated_at)
                SELECT %(owner)s, %(title)s, 'Live post ' || g, '{{}}', '[]', now() {offset},
                       %(status)s, 0, 1, now() - interval '1 day', now()
                FROM generate_series(1, %(count)s) g
                RETURNING id, status, scheduled_for
            ), p AS (
                INSERT INTO publishing_publication (content_id, platform, integration_id,
                    account_key, status, idempotency_key, attempts, retry_count, next_attempt_at,
                    hold_kind, hold_reason, by_hand, rate_slot_at, request_sent_at, external_id,
                    permalink, platform_state, last_error_code, last_error, published_at,
                    created_at, updated_at)
                SELECT c.id, i.provider, i.id, 'integration:' || i.id, c.status,
                       'live-' || c.id || '-' || i.provider, 0, 0,
                       CASE WHEN c.status = 'SCHEDULED' THEN c.scheduled_for END, '', '', false,
                       NULL, NULL, '', '', '{{}}',
                       CASE WHEN c.status = 'FAILED' THEN 'rejected' ELSE '' END, '',
                       CASE WHEN c.status = 'PUBLISHED'
                            THEN c.scheduled_for + interval '2 seconds' END,
                       now() - interval '1 day', now()
                FROM c JOIN integrations_integration i ON i.user_id = %(owner)s
                    AND i.provider IN ('twitter', 'discord')
                RETURNING id
            )
            INSERT INTO publishing_publicationevent (publication_id, from_status, to_status,
                reason, error_code, actor, created_at)
            SELECT id, '', 'SCHEDULED', 'scheduled', '', 'engine', now() - interval '1 day' FROM p
            """,
            {"owner": owner, "title": LIVE_TITLE, "status": status, "count": count},
        )


# --- measuring ---------------------------------------------------------------------------


def measure(args) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from publishing import engine, selectors

    settings.ALLOWED_HOSTS = ["*"]
    # /health/ may answer 503 (nothing ticks here): that is measured, not logged.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    User = get_user_model()
    operator = User.objects.get(username="operator")
    owner = User.objects.filter(is_superuser=False).order_by("pk").first()
    total = owner.contents.count()
    middle_page = max(1, (total // PAGE_SIZE + 1) // 2)
    admin_client, api_client, anonymous = Client(), Client(), Client()
    admin_client.force_login(operator)
    api_client.force_login(owner)

    def get(client, path, **headers):
        def run():
            response = client.get(path, headers=headers)
            if response.status_code not in (200, 503):
                raise RuntimeError(f"GET {path} answered {response.status_code}")
            return response

        return run

    def claim_batch():
        with transaction.atomic():
            claimed = engine.dispatch_due_batch(timezone.now(), enqueue=lambda pk: None)
            transaction.set_rollback(True)
        if claimed == 0:
            raise RuntimeError("nothing was due: the live set is missing")

    operations = {
        "due selector (50 ids)": lambda: list(
            selectors.due_publications(timezone.now()).values_list("pk", flat=True)[:50]
        ),
        "claim one batch": claim_batch,
        "admin dashboard": get(admin_client, "/admin/dashboard/"),
        "API content, page 1": get(api_client, "/api/v1/content/"),
        "API content, middle page": get(api_client, f"/api/v1/content/?page={middle_page}"),
        "/health/": get(anonymous, "/health/"),
        "/metrics scrape": get(anonymous, "/metrics", authorization=f"Bearer {METRICS_TOKEN}"),
    }
    timings, plans = {}, {}
    for name, operation in operations.items():
        for _ in range(2):
            operation()
        runs = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            operation()
            runs.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as captured:
            operation()
        timings[name] = {"ms": statistics.median(runs), "queries": len(captured.captured_queries)}
        plans[name] = explain_all(captured.captured_queries)
    sizes = {}
    with connection.cursor() as cursor:
        for key, table in zip(("contents", "publications", "events"), BIG_TABLES, strict=True):
            cursor.execute(f"SELECT count(*) FROM {table}")
            sizes[key] = cursor.fetchone()[0]
    sizes["owner_contents"] = total
    sizes["middle_page"] = middle_page
    Path(args.out).write_text(json.dumps({"timings": timings, "plans": plans, "sizes": sizes}))


SCAN = re.compile(
    r"(Parallel Seq Scan|Seq Scan|Parallel Index Only Scan|Index Only Scan Backward|Index Only Scan|"
    r"Parallel Index Scan|Index Scan Backward|Index Scan|Parallel Bitmap Heap Scan|Bitmap Heap Scan)"
    r"(?: using (\S+))? on (\S+)"
)
SKIPPED = re.compile(r"^\s*(SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|SET)\b", re.IGNORECASE)


def explain_all(queries: list[dict]) -> list[dict]:
    """EXPLAIN ANALYZE each statement that reads a big table, inside a rolled-back transaction."""
    from django.db import connection, transaction

    plans = []
    for query in queries:
        sql = query["sql"]
        if SKIPPED.match(sql) or not any(table in sql for table in BIG_TABLES):
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT TEXT) {sql}")
            lines = [row[0] for row in cursor.fetchall()]
            transaction.set_rollback(True)
        scans = []
        for line in lines:
            match = SCAN.search(line)
            if match and match.group(3) in BIG_TABLES:
                kind, index, table = match.groups()
                rows = re.search(r"actual time=[\d.]+\.\.[\d.]+ rows=(\d+)", line)
                scans.append(
                    f"{table}: {kind}{f' using {index}' if index else ''}"
                    f"{' (of index bitmaps)' if 'Bitmap' in kind else ''}"
                    f"{f' ({rows.group(1)} rows)' if rows else ''}"
                    + ("  <-- no index" if "Seq Scan" in kind else "")
                )
        total = re.search(r"Execution Time: ([\d.]+) ms", "\n".join(lines))
        plans.append(
            {
                "ms": float(total.group(1)) if total else 0.0,
                "summary": " ".join(sql.split())[:110],
                "scans": scans,
            }
        )
    return plans


if __name__ == "__main__":
    main()
