"""A client app registered through the API hears of a post the engine published to the sandbox.

Everything is real but the clock: the endpoint is a local HTTP receiver that verifies
each request with the Standard Webhooks library, the engine publishes over HTTP to the
sandbox on the live server, and the dispatcher runs as the task each commit queued.
"""

import datetime as dt
import time

import pytest
from django.utils import timezone
from django_q.models import OrmQ
from standardwebhooks import Webhook, WebhookVerificationError

from content.choices import Status
from publishing.models import Publication
from publishing.services import Target, schedule_content
from sandbox.models import SandboxPost
from tests.api.conftest import client_for
from tests.engine_run import drain
from tests.factories import IntegrationFactory, UserFactory
from tests.webhooks.conftest import start_receiver
from webhooks import tasks
from webhooks.models import WebhookDelivery, WebhookEvent
from webhooks.services import new_secret

pytestmark = pytest.mark.django_db(transaction=True)

DELIVER_TASK = "webhooks.tasks.deliver_due"


@pytest.fixture(autouse=True)
def webhook_settings(settings, tasks_queued_in_the_database):
    """A receiver on 127.0.0.1 is allowed; a commit's wake-up is queued in the database."""
    settings.WEBHOOK_ALLOW_LOCAL_URLS = True
    settings.WEBHOOK_CONNECT_TIMEOUT = 2
    settings.WEBHOOK_READ_TIMEOUT = 5
    settings.WEBHOOK_DISPATCH_BUDGET_SECONDS = 10


@pytest.fixture
def receiver():
    receiver, server = start_receiver()
    yield receiver
    server.shutdown()
    server.server_close()


def run_queued_dispatcher() -> str:
    """Run the dispatcher task the commits queued, once, as a worker would; its report."""
    queued = OrmQ.objects.filter(pk__in=[q.pk for q in OrmQ.objects.all() if is_dispatch(q)])
    assert queued.exists(), "no commit queued the webhook dispatcher"
    queued.delete()
    return tasks.deliver_due()


def is_dispatch(queued: OrmQ) -> bool:
    return queued.task["func"] == DELIVER_TASK


def test_a_post_published_to_the_sandbox_reaches_the_client_app_signed(sandbox, receiver):
    owner = UserFactory(username="client-app")
    registered = client_for(owner).post(
        "/api/v1/webhooks/",
        {"url": receiver.url, "events": ["content.scheduled", "publication.published"]},
        format="json",
    )
    assert registered.status_code == 201, registered.content
    secret = registered.json()["secret"]
    receiver.secret = secret
    x_account = IntegrationFactory(
        user=owner,
        provider="twitter",
        access_token="sandbox-x-hooks",
        account_options={"username": "hooks"},
    )
    discord_account = IntegrationFactory(
        user=owner,
        provider="discord",
        access_token="sandbox-discord-hooks",
        account_options={"channel_id": "1100000000000000077", "guild_id": "77"},
    )
    started = int(time.time())

    content = schedule_content(
        owner=owner,
        body="Shipped: webhooks",
        targets=[Target("twitter", x_account), Target("discord", discord_account)],
        scheduled_for=timezone.now() - dt.timedelta(seconds=1),
    )
    assert run_queued_dispatcher() == "sent=1 succeeded=1 failed=0 disabled=0"
    drain()
    assert run_queued_dispatcher() == "sent=2 succeeded=2 failed=0 disabled=0"

    rows = {p.platform: p for p in Publication.objects.filter(content=content)}
    assert {p: r.status for p, r in rows.items()} == {
        "twitter": Status.PUBLISHED,
        "discord": Status.PUBLISHED,
    }
    posts = {p.platform: p for p in SandboxPost.objects.all()}
    assert set(posts) == {"twitter", "discord"}
    assert all(d.verified and d.answered == 200 for d in receiver.received)
    first, *published = receiver.received
    assert first.payload["type"] == "content.scheduled"
    assert first.payload["data"]["content_id"] == content.pk
    assert first.payload["data"]["platforms"] == ["discord", "twitter"]
    assert [d.payload["type"] for d in published] == ["publication.published"] * 2
    assert all(first.received_at < d.received_at for d in published)

    base = f"{sandbox.url}/sandbox"
    permalinks = {
        "twitter": f"{base}/x/hooks/status/{rows['twitter'].external_id}",
        "discord": (
            f"{base}/discord/channels/77/1100000000000000077/{rows['discord'].external_id}"
        ),
    }
    by_platform = {d.payload["data"]["platform"]: d for d in published}
    assert set(by_platform) == {"twitter", "discord"}
    for platform, delivery in by_platform.items():
        row = rows[platform]
        assert row.external_id == posts[platform].external_id
        assert row.permalink == permalinks[platform]
        assert delivery.payload["data"] == {
            "publication_id": row.pk,
            "content_id": content.pk,
            "platform": platform,
            "integration_id": row.integration_id,
            "status": "PUBLISHED",
            "attempts": 1,
            "permalink": row.permalink,
            "external_id": row.external_id,
            "published_at": row.published_at.isoformat(),
        }

    events = dict(WebhookEvent.objects.values_list("message_id", "type"))
    for delivery in receiver.received:
        headers = delivery.headers
        assert events[headers["webhook-id"]] == delivery.payload["type"]
        assert started - 5 <= int(headers["webhook-timestamp"]) <= time.time() + 5
        assert headers["webhook-signature"].startswith("v1,")
        assert Webhook(secret).verify(delivery.body, headers) == delivery.payload
        # Another secret does not verify the same request.
        with pytest.raises(WebhookVerificationError):
            Webhook(new_secret()).verify(delivery.body, headers)
    assert len(events) == 3 and len({d.headers["webhook-id"] for d in receiver.received}) == 3
    assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {("succeeded", 1)}
