"""The sandbox's HTML pages and admin: what it received, newest first, read-only."""

import pytest
from django.utils import timezone

from sandbox.models import SandboxPost

pytestmark = pytest.mark.django_db


def make_post(**fields):
    defaults = {
        "platform": "twitter",
        "account": "x-alice",
        "external_id": "1",
        "text": "Hello",
    }
    return SandboxPost.objects.create(**{**defaults, **fields})


def test_list_page_shows_a_post_posted_through_the_api(client):
    client.post(
        "/sandbox/x/2/tweets",
        {"text": "Seen on the list page"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer sandbox-x-alice",
    )
    post = SandboxPost.objects.get()

    response = client.get("/sandbox/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Seen on the list page" in html
    assert "x-alice" in html
    assert '<span class="badge" style="background: #111">X</span>' in html
    assert f'href="/sandbox/posts/{post.pk}/"' in html


def test_list_is_newest_first_and_filters_by_platform(client):
    make_post(
        text="older", external_id="1", created_at=timezone.now() - timezone.timedelta(hours=1)
    )
    make_post(text="newer", external_id="2")
    make_post(platform="discord", text="on discord", external_id="3")

    html = client.get("/sandbox/").content.decode()
    assert html.index("on discord") < html.index("newer") < html.index("older")

    only_discord = client.get("/sandbox/?platform=discord").content.decode()
    assert "on discord" in only_discord
    assert "newer" not in only_discord


def test_empty_list_says_so(client):
    response = client.get("/sandbox/")

    assert "Nothing received yet." in response.content.decode()


def test_detail_page_shows_the_request(client):
    post = make_post(text="Body <b>escaped</b>", raw_request={"text": "Body", "reply": None})

    response = client.get(f"/sandbox/posts/{post.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Body &lt;b&gt;escaped&lt;/b&gt;" in html
    assert "&quot;reply&quot;: null" in html
    assert client.get("/sandbox/posts/999999/").status_code == 404


def test_admin_lists_posts_read_only(client, operator):
    post = make_post(text="In the admin")
    client.force_login(operator)

    changelist = client.get("/admin/sandbox/sandboxpost/")
    assert changelist.status_code == 200
    assert "In the admin" in changelist.content.decode()
    assert client.get("/admin/sandbox/sandboxpost/add/").status_code == 403
    change = client.get(f"/admin/sandbox/sandboxpost/{post.pk}/change/")
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    for model in ("sandboxupload", "sandboxcontainer", "sandboxratewindow"):
        assert client.get(f"/admin/sandbox/{model}/").status_code == 200
