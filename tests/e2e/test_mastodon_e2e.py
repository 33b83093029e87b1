"""Mastodon end to end, offline: connect on a server through its own OAuth, then publish.

Herald registers itself on the sandbox's emulated server (``POST /api/v1/apps``), the
browser consents there, the callback stores the account with its server; the engine
then uploads an image (202, then processed), posts the status with the publication's
idempotency key and the chosen visibility, and reads its numbers back.
"""

import datetime as dt

import pytest
import requests
from django.core.files.base import ContentFile
from django.utils import timezone

from content.choices import Status
from content.models import ContentMedia
from integrations.credentials import credentials_from_integration
from integrations.models import Integration, RegisteredClient
from integrations.oauth.flow import start_connect
from integrations.services import revoke_integration
from platforms.base import Post
from platforms.mastodon import client as mastodon
from platforms.mastodon import metrics
from platforms.metrics import MetricsTarget
from publishing.models import Publication
from publishing.services import SchedulingError, Target, schedule_content
from sandbox.models import SandboxPost, SandboxUpload
from tests.engine_run import drain
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server(sandbox, settings):
    """The sandbox's Mastodon server on the live test server, as the one allowed non-https one."""
    settings.SESSION_COOKIE_SECURE = False
    base = f"{sandbox.url}/sandbox/mastodon"
    settings.PLATFORM_BASE_URLS = {**settings.PLATFORM_BASE_URLS, "mastodon": base}
    settings.SANDBOX_ENABLED = True
    return base


def connect(user, server: str, account: str) -> Integration:
    browser = requests.Session()
    start = start_connect(user=user, provider="mastodon", server=server)
    page = browser.get(start, timeout=10)
    assert page.status_code == 200 and "Authorize app" in page.text, page.text
    assert page.url.startswith(f"{server}/oauth/authorize?")
    answer = browser.post(
        page.url, data={"decision": "allow", "account": account}, allow_redirects=False, timeout=10
    )
    result = browser.get(answer.headers["Location"], timeout=30)
    assert result.status_code == 200 and "Account connected" in result.text, result.text
    return Integration.objects.get(user=user, provider="mastodon")


def test_connect_on_the_server_then_publish_an_image_with_its_visibility(server):
    user = UserFactory()
    integration = connect(user, server, "m-brand")
    assert integration.display_name.startswith("@m_brand@")
    assert integration.account_options["server"] == server
    assert integration.token_expires_at is None
    assert RegisteredClient.objects.get().server == server
    # A second account on the same server reuses Herald's client there.
    connect(UserFactory(), server, "m-other")
    assert RegisteredClient.objects.count() == 1

    image = ContentMedia(kind="image", mime_type="image/png", size_bytes=512, alt_text="A heron")
    image.file.save("heron.png", ContentFile(b"\x89" * 512), save=False)
    schedule_content(
        owner=user,
        body="A heron at dawn https://example.com/herons",
        options={"mastodon": {"visibility": "unlisted", "spoiler_text": "birds"}},
        targets=[Target("mastodon", integration)],
        scheduled_for=timezone.now() - dt.timedelta(seconds=1),
        media=[image],
    )
    drain()

    publication = Publication.objects.get()
    assert publication.status == Status.PUBLISHED, publication.last_error
    post = SandboxPost.objects.get(platform="mastodon")
    assert post.text == "A heron at dawn https://example.com/herons"
    assert post.account == "m-brand"
    assert post.nonce == publication.idempotency_key
    assert post.raw_request["visibility"] == "unlisted"
    assert post.raw_request["spoiler_text"] == "birds"
    assert [(m["media_type"], m["size"], m["description"]) for m in post.media] == [
        ("image/png", 512, "A heron")
    ]
    assert SandboxUpload.objects.get().state == SandboxUpload.State.COMPLETE
    assert publication.external_id == post.external_id
    assert publication.permalink.endswith(f"/sandbox/mastodon/@m_brand/{post.external_id}")
    assert requests.get(publication.permalink, timeout=10).status_code == 200

    # A resend under the same key (an in-doubt attempt) is the same status, not a second one.
    credentials = credentials_from_integration(Integration.objects.get(pk=integration.pk))
    again = mastodon.publish(
        Post(
            publication_id=publication.pk,
            idempotency_key=publication.idempotency_key,
            body=post.text,
        ),
        credentials,
    )
    assert again.external_id == post.external_id
    assert SandboxPost.objects.filter(platform="mastodon").count() == 1

    # Its numbers come back from the status.
    found = metrics.collect([MetricsTarget(key=1, external_id=post.external_id)], credentials)
    assert found[1].likes is not None and found[1].shares is not None

    revoked = revoke_integration(Integration.objects.get(pk=integration.pk))
    assert revoked.platform_message == "Mastodon revoked the access."


def test_the_servers_limit_is_checked_when_scheduling(server):
    user = UserFactory()
    integration = connect(user, server, "m-long")
    with pytest.raises(SchedulingError, match="the server's limit is 500"):
        schedule_content(
            owner=user,
            body="a" * 501,
            targets=[Target("mastodon", integration)],
            scheduled_for=timezone.now() + dt.timedelta(hours=1),
        )
