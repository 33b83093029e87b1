"""Benchmark: PostgreSQL connections under a burst of concurrent API requests, pooled and not.

Starts the production web server of ``make serve`` (gunicorn, ``--workers`` processes of
``--threads`` threads, DEBUG off) on a free local port against a throwaway PostgreSQL
database, logs one user in (a session made in the database, sent as the session cookie, as
a browser would), and fires ``--requests`` concurrent ``GET /api/v1/content/`` at once,
counting the database's connections in ``pg_stat_activity`` every 10 ms meanwhile. As the
burst starts, the content table stays locked for ``--stall`` seconds (a long transaction,
a migration): the requests wait on the database, each holding a connection, as they do
when PostgreSQL is slow for a moment. Twice:

- pool: Herald's default, a psycopg pool of at most ``--pool-size`` connections per process;
- baseline: ``DATABASE_POOL=0`` with ``DATABASE_CONN_MAX_AGE=60``, the previous default: a
  persistent connection per thread that has served a request.

Prints, for each, the requests, the status counts, the most connections seen, the bound
Herald configured, and the time the burst took. The throwaway database
(``herald_bench_connections``) lives on the server of ``DATABASE_URL`` (default
127.0.0.1:5432, user postgres) and is dropped at the end.

    make bench-connections      # or: .venv/bin/python bench/connections.py --requests 300
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.environment import database_from_url  # noqa: E402
from server.management.commands.serve import gunicorn_command  # noqa: E402

DATABASE = "herald_bench_connections"
DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres"
START_TIMEOUT_SECONDS = 30
REQUEST_TIMEOUT_SECONDS = 60
SAMPLE_SECONDS = 0.01
CONTENT_ROWS = 20

# Run in the bench's environment by manage.py shell: one user with some content, logged
# in; prints the session key.
LOG_IN = """
import datetime as dt
from django.conf import settings
from django.test import Client
from accounts.models import User
from content.models import Content

user = User.objects.create_user("bench-connections-{name}")
later = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
Content.objects.bulk_create(
    Content(owner=user, body=f"post {{n}}", scheduled_for=later) for n in range({rows})
)
client = Client()
client.force_login(user)
print(client.cookies[settings.SESSION_COOKIE_NAME].value)
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=32, help="threads per process")
    parser.add_argument("--pool-size", type=int, default=10, help="connections per process")
    parser.add_argument(
        "--stall",
        type=float,
        default=1.0,
        help="seconds the content table stays locked as the burst starts",
    )
    return parser.parse_args()


def database_url() -> str:
    """DATABASE_URL's server and credentials, with the throwaway database's name."""
    parts = urlsplit(os.environ.get("DATABASE_URL") or DEFAULT_SERVER_URL)
    return urlunsplit(parts._replace(path=f"/{DATABASE}"))


def admin_connection(url: str) -> psycopg.Connection:
    """A connection to the server's ``postgres`` database: not counted, never pooled."""
    db = database_from_url(url)
    return psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def recreate_database(admin: psycopg.Connection) -> None:
    admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{DATABASE}"')


def base_environment(url: str) -> dict[str, str]:
    """Production settings, as ``make serve`` would have them behind a proxy."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "TOKEN_"))
    }
    return {
        **inherited,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "TOKEN_ENCRYPTION_KEY": secrets.token_urlsafe(32),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_TRUST_X_FORWARDED_PROTO": "1",
        "DATABASE_URL": url,
        # The burst is one user's: the per-user rate is not what is measured.
        "API_THROTTLE_USER": "1000000/hour",
        "LOG_LEVEL": "WARNING",
    }


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {args[0]} failed:\n{result.stderr}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(
    env: dict[str, str], args: argparse.Namespace, log: Path
) -> tuple[str, subprocess.Popen]:
    port = free_port()
    server = subprocess.Popen(
        gunicorn_command(f"127.0.0.1:{port}", workers=args.workers, threads=args.threads),
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline and server.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return f"http://127.0.0.1:{port}", server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise SystemExit(f"gunicorn did not start:\n{log.read_text()}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def connection_count(admin: psycopg.Connection, *, besides: int) -> int:
    return admin.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> %s",
        [DATABASE, besides],
    ).fetchone()[0]


def lock_the_content_table(url: str) -> psycopg.Connection:
    """Lock the content table until the returned connection commits.

    As a long transaction or a migration would: requests that read it wait on the
    database meanwhile, each holding its connection. That is when a server without a
    bound piles connections up.
    """
    db = database_from_url(url)
    locker = psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        dbname=DATABASE,
    )
    locker.execute("LOCK TABLE content_content IN ACCESS EXCLUSIVE MODE")
    return locker


def burst(url: str, database: str, session_key: str, args: argparse.Namespace, admin) -> dict:
    """``args.requests`` requests at once; the status counts, the connections seen, the seconds."""
    count = args.requests
    headers = {"X-Forwarded-Proto": "https", "Cookie": f"sessionid={session_key}"}
    endpoint = f"{url}/api/v1/content/"
    # Every process serves one request first (imports, its first connection): the
    # burst measures a running server, not its start.
    for _ in range(4):
        requests.get(endpoint, headers=headers, timeout=REQUEST_TIMEOUT_SECONDS)
    locker = lock_the_content_table(database)
    # Released --stall seconds after the last request thread is ready to fire.
    release = threading.Timer(args.stall, locker.commit)
    locker_pid = locker.info.backend_pid
    seen = [connection_count(admin, besides=locker_pid)]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            seen.append(connection_count(admin, besides=locker_pid))
            time.sleep(SAMPLE_SECONDS)

    start = threading.Barrier(count, action=release.start)

    def request(_: int) -> str:
        start.wait()
        try:
            response = requests.get(endpoint, headers=headers, timeout=REQUEST_TIMEOUT_SECONDS)
        except requests.RequestException as error:
            return type(error).__name__
        return str(response.status_code)

    sampler = threading.Thread(target=sample)
    sampler.start()
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=count) as pool:
        statuses = Counter(pool.map(request, range(count)))
    seconds = time.monotonic() - began
    time.sleep(0.2)  # connections a finished request left open still count
    done.set()
    sampler.join()
    release.join()
    locker.close()
    return {"statuses": statuses, "max_connections": max(seen), "seconds": seconds}


def run(name: str, env: dict[str, str], args: argparse.Namespace, admin, logs: Path) -> dict:
    url, server = start_server(env, args, logs / f"gunicorn-{name}.log")
    try:
        log_in = LOG_IN.format(name=name, rows=CONTENT_ROWS)
        session_key = manage(env, "shell", "--no-imports", "-c", log_in).strip()
        figures = burst(url, env["DATABASE_URL"], session_key, args, admin)
    finally:
        stop_server(server)
    return figures


def main() -> None:
    args = parse_args()
    url = database_url()
    logs = Path(tempfile.gettempdir()) / "herald-bench-connections"
    logs.mkdir(exist_ok=True)
    admin = admin_connection(url)
    limit = admin.execute("SHOW max_connections").fetchone()[0]
    recreate_database(admin)
    env = base_environment(url)
    try:
        print(f"Migrating the throwaway database {DATABASE} ...", flush=True)
        manage({**env, "DATABASE_POOL": "0"}, "migrate", "--noinput")
        runs = {
            "pool": (
                {**env, "DATABASE_POOL_MAX_SIZE": str(args.pool_size)},
                f"{args.pool_size} per process x {args.workers} = {args.pool_size * args.workers}",
                args.pool_size * args.workers,
            ),
            "baseline": (
                {**env, "DATABASE_POOL": "0", "DATABASE_CONN_MAX_AGE": "60"},
                f"none (one per thread: up to {args.threads * args.workers})",
                None,
            ),
        }
        results = {}
        for name, (run_env, _, _) in runs.items():
            print(f"{name}: {args.requests} concurrent requests ...", flush=True)
            results[name] = run(name, run_env, args, admin, logs)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        admin.close()

    print()
    print(
        f"gunicorn: {args.workers} processes x {args.threads} threads; "
        f"GET /api/v1/content/ as one logged-in user; content table locked for "
        f"{args.stall:g} s; PostgreSQL max_connections {limit}"
    )
    print(f"{'run':<10}{'requests':>9}  {'statuses':<24}{'max conn':>9}  {'bound':<40}{'s':>6}")
    for name, figures in results.items():
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(figures["statuses"].items()))
        print(
            f"{name:<10}{args.requests:>9}  {statuses:<24}{figures['max_connections']:>9}  "
            f"{runs[name][1]:<40}{figures['seconds']:>6.2f}"
        )
    pooled = results["pool"]
    bound = runs["pool"][2]
    ok = pooled["max_connections"] <= bound and set(pooled["statuses"]) == {"200"}
    print()
    print(
        f"{'PASS' if ok else 'FAIL'}: with the pool, at most {pooled['max_connections']} "
        f"connections (bound {bound}) and "
        f"{'no' if set(pooled['statuses']) == {'200'} else 'some'} request other than 200."
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
