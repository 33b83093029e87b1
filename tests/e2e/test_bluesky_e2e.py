"""Bluesky end to end: connect with an app password, the engine publishes an image post with
facets to the sandbox over HTTP, and a lost answer is reconciled without a second post."""

import datetime as dt

import pytest
import requests
from django.core.files.base import ContentFile
from django.utils import timezone

from content.choices import Status
from content.models import ContentMedia
from integrations.credentials import credentials_from_integration
from integrations.services import connect_by_hand
from platforms.base import Post
from platforms.bluesky import client as bluesky
from publishing.models import Publication
from publishing.services import Target, schedule_content
from sandbox.models import SandboxPost
from sandbox.views.bluesky import did_for, issue_jwt
from tests.engine_run import drain
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = "Launch day ✨ with @bob.bsky.social: https://herald.test/launch #Herald"


def test_the_engine_publishes_an_image_post_with_facets_and_reconciles_a_lost_answer(sandbox):
    owner = UserFactory()
    account, created = connect_by_hand(
        user=owner,
        provider="bluesky",
        values={"identifier": "bsky-e2e.bsky.sandbox", "app_password": "sandbox-bsky-e2e"},
    )
    assert created and account.external_account_id == did_for("bsky-e2e")
    image = ContentMedia(kind="image", mime_type="image/png", size_bytes=4096, alt_text="A chart")
    image.file.save("chart.png", ContentFile(b"\x89PNG" * 1024), save=False)
    schedule_content(
        owner=owner,
        body=TEXT,
        targets=[Target("bluesky", account)],
        scheduled_for=timezone.now() - dt.timedelta(seconds=1),
        options={"bluesky": {"langs": ["en"]}},
        media=[image],
    )
    drain()

    row = Publication.objects.get()
    assert (row.status, row.last_error) == (Status.PUBLISHED, "")
    post = SandboxPost.objects.get(platform="bluesky")
    rkey = row.platform_state["rkey"]
    assert row.external_id == f"at://{did_for('bsky-e2e')}/app.bsky.feed.post/{rkey}"
    assert post.external_id == rkey and post.text == TEXT
    record = post.raw_request["record"]
    covered = [
        TEXT.encode()[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode()
        for f in record["facets"]
    ]
    assert covered == ["@bob.bsky.social", "https://herald.test/launch", "#Herald"]
    assert record["facets"][0]["features"][0]["did"] == did_for("bob")
    assert record["embed"]["images"][0]["alt"] == "A chart"
    assert post.media[0]["size"] == 4096 and record["langs"] == ["en"]
    assert (
        row.permalink == f"{sandbox.url}/sandbox/bluesky/profile/bsky-e2e.bsky.sandbox/post/{rkey}"
    )
    page = requests.get(row.permalink, timeout=10)
    assert page.url == f"{sandbox.url}/sandbox/posts/{post.pk}/"

    # The answer is lost: reconcile lists the account's records and finds this one.
    credentials = credentials_from_integration(account)
    lost = Post(
        publication_id=row.pk,
        idempotency_key=row.idempotency_key,
        body=TEXT,
        platform_state=dict(row.platform_state),
    )
    assert bluesky.reconcile(lost, credentials).external_id == row.external_id
    # Sent again all the same, the record key makes it the same post, not a second one.
    assert bluesky.publish(lost, credentials).external_id == row.external_id
    assert SandboxPost.objects.filter(platform="bluesky").count() == 1
    # A post that never went out is reported as such: safe to send.
    other = Post(publication_id=0, idempotency_key="other", body="Never sent")
    other.platform_state = {"rkey": bluesky.record_key(other)}
    assert bluesky.reconcile(other, credentials) is None


# The refresh holds the account's row lock while it calls the sandbox, which writes to the
# same database: SQLite locks the whole table, PostgreSQL only the row.
@pytest.mark.postgres
def test_an_expired_session_is_refreshed_before_the_post_and_the_new_tokens_are_kept(sandbox):
    owner = UserFactory()
    account, _ = connect_by_hand(
        user=owner,
        provider="bluesky",
        values={"identifier": "bsky-refresh", "app_password": "sandbox-bsky-refresh"},
    )
    old_refresh = account.refresh_token
    account.access_token = issue_jwt("bsky-refresh", "com.atproto.access", -60)
    account.token_expires_at = timezone.now() - dt.timedelta(minutes=1)
    account.save()
    schedule_content(
        owner=owner,
        body="After a refresh",
        targets=[Target("bluesky", account)],
        scheduled_for=timezone.now() - dt.timedelta(seconds=1),
    )
    drain()

    row = Publication.objects.get()
    assert (row.status, row.last_error) == (Status.PUBLISHED, "")
    account.refresh_from_db()
    assert account.refresh_token != old_refresh and account.token_expires_at > timezone.now()
    assert SandboxPost.objects.get(platform="bluesky").text == "After a refresh"
