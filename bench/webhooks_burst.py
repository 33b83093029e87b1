"""Benchmark: a burst of publications with webhook endpoints, one of them slow.

Publishes N due posts (default 1,000) with a real django-q2 cluster on
PostgreSQL + Redis, twice: first with no webhook endpoint, then with three
endpoints of the posts' owner (two answer at once, one sleeps --slow-seconds
before answering). Three local receivers verify every delivery with the
standardwebhooks library. Prints publishing's drain time in both runs, and the
time until every delivery succeeded (per endpoint).

    .venv/bin/python -m bench.webhooks_burst --posts 1000 --slow-seconds 10
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.engine import (
    configure_environment,
    create_posts,
    lag_figures,
    make_due,
    progress,
    reset_data,
    start_cluster,
    stop_cluster,
    wait_for_polling_tick,
    wait_until_final,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/herald_bench"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=50, help="the fake platform's")
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--slow-seconds", type=float, default=10.0)
    parser.add_argument("--timeout", type=int, default=1800, help="seconds to wait for a drain")
    return parser.parse_args()


class Receiver:
    """A local endpoint that verifies each request and counts the distinct messages it got."""

    def __init__(self, name: str, delay: float):
        self.name, self.delay = name, delay
        self.secret = ""
        self.lock = threading.Lock()
        self.verified_ids: set[str] = set()
        self.requests = 0
        self.refused = 0
        self.last_success = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                status = receiver.handle(dict(self.headers.items()), body)
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.request_queue_size = 256
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/{name}"

    def handle(self, headers: dict, body: bytes) -> int:
        from standardwebhooks import Webhook, WebhookVerificationError

        if self.delay:
            time.sleep(self.delay)
        try:
            Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError:
            with self.lock:
                self.refused += 1
            return 401
        with self.lock:
            self.requests += 1
            self.verified_ids.add(headers["webhook-id"])
            self.last_success = time.monotonic()
        return 200


def run_burst(args: argparse.Namespace, receivers: list[Receiver]) -> dict:
    """One burst; with receivers, waits for every delivery too. Returns the figures."""
    from django.utils import timezone

    from accounts.models import User
    from webhooks.models import DispatcherLease, WebhookDelivery, WebhookEndpoint, WebhookEvent
    from webhooks.services import create_endpoint

    reset_data()
    WebhookEndpoint.objects.all().delete()
    WebhookEvent.objects.all().delete()
    DispatcherLease.objects.all().delete()
    owner, _ = User.objects.get_or_create(username="bench")
    for receiver in receivers:
        _, receiver.secret = create_endpoint(
            owner=owner, url=receiver.url, events=["publication.published"]
        )
    ids = create_posts(args.posts, args.accounts, prefix=f"webhooks-{len(receivers)}")
    cluster = start_cluster()
    try:
        wait_for_polling_tick(timeout=90)
        started = time.monotonic()
        make_due(ids, timezone.now())
        wait_until_final(ids, "publishing", args.timeout)
        figures = lag_figures(ids)
        figures["publishing_wall_s"] = time.monotonic() - started
        print(f"  publishing drained in {figures['drain_s']:.1f} s")
        if receivers:
            expected = args.posts * len(receivers)
            deadline = time.monotonic() + args.timeout
            while time.monotonic() < deadline:
                done = WebhookDelivery.objects.filter(status="succeeded").count()
                progress("deliveries", done, expected)
                if done == expected:
                    break
                time.sleep(1)
            print()
            figures["deliveries_succeeded"] = WebhookDelivery.objects.filter(
                status="succeeded"
            ).count()
            figures["deliveries_expected"] = expected
            figures["all_delivered_s"] = max(r.last_success for r in receivers) - started
            figures["per_endpoint_s"] = {r.name: r.last_success - started for r in receivers}
            figures["verified"] = {r.name: len(r.verified_ids) for r in receivers}
            figures["requests"] = {r.name: r.requests for r in receivers}
            figures["refused"] = sum(r.refused for r in receivers)
    finally:
        stop_cluster(cluster)
    return figures


def main() -> None:
    args = parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("WEBHOOK_ALLOW_LOCAL_URLS", "1")
    configure_environment(args)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(
        f"Webhooks burst: {args.posts} posts, fake platform latency {args.latency_ms} ms, "
        f"{settings.Q_CLUSTER['workers']} django-q2 workers, PostgreSQL + Redis; "
        f"dispatcher: {settings.WEBHOOK_DELIVERY_THREADS} threads, at most "
        f"{settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT} in flight per endpoint\n"
    )
    without = run_burst(args, [])
    receivers = [
        Receiver("fast-1", 0),
        Receiver("fast-2", 0),
        Receiver("slow", args.slow_seconds),
    ]
    with_webhooks = run_burst(args, receivers)

    print(f"\n{'':<34}{'no webhooks':>14}{'3 endpoints':>14}")
    for label, key in (("publishing drain (s)", "drain_s"), ("lag p99 (s)", "lag_p99")):
        print(f"{label:<34}{without[key]:>14.1f}{with_webhooks[key]:>14.1f}")
    print(
        f"\nEvery delivery succeeded {with_webhooks['all_delivered_s']:.1f} s after the burst "
        f"came due ({with_webhooks['deliveries_succeeded']}/"
        f"{with_webhooks['deliveries_expected']} deliveries)."
    )
    for name, seconds in with_webhooks["per_endpoint_s"].items():
        print(
            f"  {name:<8} last delivery at {seconds:7.1f} s; "
            f"{with_webhooks['verified'][name]} distinct webhook-ids verified in "
            f"{with_webhooks['requests'][name]} requests"
        )
    print(f"  signatures refused: {with_webhooks['refused']}")


if __name__ == "__main__":
    main()
