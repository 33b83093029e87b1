"""LinkedIn end to end: connect on the sandbox's consent page, then the engine posts an image."""

import datetime as dt

import pytest
import requests
from django.core.files.base import ContentFile
from django.utils import timezone

from analytics.models import MetricsSnapshot
from analytics.services import collect_due
from content.choices import Status
from content.models import ContentMedia
from integrations.models import Integration
from integrations.oauth.flow import start_connect
from integrations.services import revoke_integration
from publishing.models import Publication
from publishing.services import Target, schedule_content
from sandbox.models import SandboxPost
from sandbox.views.linkedin import member_id_for, person_urn
from tests.e2e.test_connect_flows import consent
from tests.e2e.test_sandbox_analytics import age_everything
from tests.engine_run import drain
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def plain_http_cookies(settings):
    """The live server speaks plain HTTP: a Secure cookie would never come back."""
    settings.SESSION_COOKIE_SECURE = False


def test_a_connected_linkedin_member_publishes_an_image_post_once(sandbox):
    user = UserFactory()
    result = consent(start_connect(user=user, provider="linkedin"), "allow", account="li-brand")
    assert result.status_code == 200 and "Account connected" in result.text, result.text
    integration = Integration.objects.get(user=user, provider="linkedin")
    assert (integration.external_account_id, integration.display_name) == (
        member_id_for("li-brand"),
        "Li Brand",
    )
    assert integration.refresh_token and integration.token_expires_at > timezone.now()

    photo = ContentMedia(kind="image", mime_type="image/png", size_bytes=4096, alt_text="Team")
    photo.file.save("team.png", ContentFile(b"\x89PNG" * 1024), save=False)
    schedule_content(
        owner=user,
        body="Meet the team (all 12 of us) #herald",
        targets=[Target("linkedin", integration)],
        scheduled_for=timezone.now() - dt.timedelta(seconds=1),
        options={"linkedin": {"visibility": "CONNECTIONS"}},
        media=[photo],
    )
    drain()

    publication = Publication.objects.get()
    assert publication.status == Status.PUBLISHED, publication.last_error
    post = SandboxPost.objects.get()
    assert publication.external_id == post.external_id
    assert post.text == "Meet the team (all 12 of us) #herald"
    assert post.target == person_urn("li-brand")
    assert post.raw_request["commentary"] == r"Meet the team \(all 12 of us\) #herald"
    assert post.raw_request["visibility"] == "CONNECTIONS"
    assert post.raw_request["content"]["media"]["altText"] == "Team"
    assert post.media[0]["size"] == 4096
    base = f"{sandbox.url}/sandbox/linkedin-www"
    assert publication.permalink == f"{base}/feed/update/{post.external_id}/"
    page = requests.get(publication.permalink, timeout=10)
    assert page.status_code == 200 and page.url == f"{sandbox.url}/sandbox/posts/{post.pk}/"
    # Running the engine again sends nothing more.
    drain()
    assert SandboxPost.objects.count() == 1

    # Analytics: the social actions summary, read over HTTP once the post is an hour old.
    assert collect_due().enrolled == 1
    age_everything(dt.timedelta(hours=2))
    report = collect_due()
    assert (report.snapshots, report.errors, report.calls) == (1, {}, {"linkedin": 1})
    snapshot = MetricsSnapshot.objects.get()
    summary = requests.get(
        f"{sandbox.url}/sandbox/linkedin/rest/socialActions/{post.external_id}",
        headers={
            "Authorization": f"Bearer {integration.access_token}",
            "LinkedIn-Version": "202605",
        },
        timeout=10,
    ).json()
    # The sandbox's numbers only grow: read a moment later, they are at least the snapshot's.
    assert 0 < snapshot.likes <= summary["likesSummary"]["totalLikes"]
    assert snapshot.comments <= summary["commentsSummary"]["aggregatedTotalComments"]
    assert snapshot.views is None  # LinkedIn's summary has no views

    # Disconnecting reaches the sandbox's revoke endpoint.
    revoked = revoke_integration(integration)
    assert "failed" not in revoked.platform_message
    assert Integration.objects.get(pk=integration.pk).status == Integration.Status.REVOKED
