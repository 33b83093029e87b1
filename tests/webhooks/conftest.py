"""A real HTTP receiver on a local port that verifies every delivery with standardwebhooks."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from platforms import registry
from tests.factories import UserFactory
from tests.publishing.fake_platform import FAKE
from webhooks.services import create_endpoint

FAKE_MODULE = "tests.publishing.fake_platform"


@dataclass
class Delivery:
    """One request as the receiver saw it, and whether its signature verified."""

    headers: dict
    body: bytes
    verified: bool
    payload: dict | None
    received_at: float
    answered: int


@dataclass
class Receiver:
    """Answers each request from ``script`` (status codes, then 200), after ``delay`` seconds.

    Verifies the Standard Webhooks signature with ``secret`` first, as a client app
    would: a request that does not verify is answered 401.
    """

    url: str = ""
    secret: str = ""
    delay: float = 0.0
    script: list[int] = field(default_factory=list)
    received: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, headers: dict, body: bytes) -> int:
        received_at = time.monotonic()
        try:
            payload = Webhook(self.secret).verify(body, headers)
            verified = True
        except WebhookVerificationError:
            payload, verified = None, False
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            answer = (self.script.pop(0) if self.script else 200) if verified else 401
            self.received.append(Delivery(headers, body, verified, payload, received_at, answer))
        return answer

    def types(self) -> list[str]:
        return [d.payload["type"] for d in self.received if d.payload]


def start_receiver() -> tuple[Receiver, ThreadingHTTPServer]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            status = receiver.handle(dict(self.headers.items()), body)
            answer = f'{{"seen": {len(receiver.received)}}}'.encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):  # quiet test output
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    return receiver, server


@pytest.fixture
def receivers():
    """Make receivers on demand; every one is shut down at the end."""
    servers = []

    def make() -> Receiver:
        receiver, server = start_receiver()
        servers.append(server)
        return receiver

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def webhook_settings(settings):
    """Local receivers allowed, short timeouts, and retries a test can wait for."""
    settings.WEBHOOK_ALLOW_LOCAL_URLS = True
    settings.WEBHOOK_CONNECT_TIMEOUT = 2
    settings.WEBHOOK_READ_TIMEOUT = 5
    settings.WEBHOOK_RETRY_SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 36000]
    settings.WEBHOOK_DISPATCH_BUDGET_SECONDS = 20
    settings.PLATFORM_MODULES = dict.fromkeys(registry.values(), FAKE_MODULE)
    FAKE.reset()
    yield settings
    FAKE.reset()


@pytest.fixture(autouse=True)
def queued_tasks(tasks_queued_in_the_database):
    """A commit's wake-up goes to the database queue (read by the tests), never to Redis."""


@pytest.fixture
def owner(db):
    return UserFactory(username="client-app")


@pytest.fixture
def endpoint_at(owner):
    """Register an endpoint at a receiver, which then verifies with its secret."""

    def register(receiver: Receiver, events=("*",), user=None):
        endpoint, secret = create_endpoint(
            owner=user or owner, url=receiver.url, events=list(events)
        )
        receiver.secret = secret
        return endpoint

    return register
