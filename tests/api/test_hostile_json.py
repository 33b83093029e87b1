"""Hostile JSON and unknown paths: a 4xx in the error shape, never a 500."""

import json

import pytest
from rest_framework.test import APIClient

from api.parsers import MAX_JSON_DEPTH, json_depth, loads_bounded
from content.models import Content
from tests.api.conftest import soon

pytestmark = pytest.mark.django_db


def nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


def deep_object(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


@pytest.mark.parametrize("text", [nested(2000), deep_object(2000), nested(MAX_JSON_DEPTH + 1)])
def test_deep_json_to_the_unauthenticated_token_endpoint_is_a_parse_error(text):
    answer = APIClient().post("/api/v1/auth/token/", text, content_type="application/json")
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "parse_error"
    assert f"nested deeper than {MAX_JSON_DEPTH} levels" in body["message"]
    assert (body["field_errors"], body["platforms"]) == ({}, {})


@pytest.mark.parametrize(
    "path", ["/api/v1/content/", "/api/v1/integrations/", "/api/v1/integrations/connect/"]
)
def test_deep_json_to_any_endpoint_is_a_parse_error(api, path):
    body = '{"body": "x", "options": ' + deep_object(3000) + "}"
    answer = api.post(path, body, content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["code"] == "parse_error"
    assert not Content.objects.exists()


def test_deep_json_in_an_edit_is_a_parse_error(api, alice):
    from tests.api.conftest import scheduled

    content = scheduled(alice)
    answer = api.patch(
        f"/api/v1/content/{content.pk}/", nested(5000), content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "parse_error"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/content/", '{"body": "x", "targets": ["discord"], "options": {"\\ud800": 1}}'),
        ("/api/v1/content/", '{"body": "\\udcff", "targets": ["discord"]}'),
        ("/api/v1/auth/token/", '{"username": "alice", "password": "\\ud800"}'),
    ],
)
def test_unpaired_surrogates_are_a_parse_error(api, path, body):
    """Not valid Unicode: no database stores it, and an error naming it could not be sent."""
    answer = api.post(path, body, content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["code"] == "parse_error"
    assert "unpaired surrogate" in answer.json()["message"]


def test_an_unpaired_surrogate_in_multipart_json_text_is_a_field_error(api):
    answer = multipart(api, options='{"twitter": {"\\ud800": 1}}')
    assert answer.status_code == 400
    assert "unpaired surrogate" in answer.json()["field_errors"]["options"][0]


def test_json_at_the_depth_limit_is_read_as_json():
    assert json_depth(loads_bounded(nested(MAX_JSON_DEPTH))) == MAX_JSON_DEPTH
    with pytest.raises(ValueError, match="nested deeper"):
        loads_bounded(nested(MAX_JSON_DEPTH + 1))
    with pytest.raises(ValueError, match="nested deeper"):
        loads_bounded(nested(100_000))


def test_a_json_body_above_the_memory_limit_is_a_413(api, settings):
    """DRF reads JSON through ``request.body``: Django's memory limit bounds it."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"body": "x" * 20_000, "scheduled_for": soon(), "targets": ["twitter"]})
    answer = api.post("/api/v1/content/", body, content_type="application/json")
    assert answer.status_code == 413
    assert answer.json()["code"] == "too_large"
    assert not Content.objects.exists()


def multipart(api, **fields):
    data = {"body": "Hi", "scheduled_for": soon(), "targets": ["twitter"], **fields}
    return api.post("/api/v1/content/", data, format="multipart")


def test_deep_json_text_in_multipart_options_and_targets_is_a_field_error(api):
    answer = multipart(api, options=deep_object(5000))
    assert answer.status_code == 400
    assert "nested deeper" in answer.json()["field_errors"]["options"][0]
    answer = multipart(api, targets=['{"platform": ' + deep_object(5000) + "}"])
    assert answer.status_code == 400
    assert answer.json()["field_errors"] == {
        "targets.0": ['A target is a platform name, {"platform": name} or {"integration": id}.']
    }
    assert not Content.objects.exists()


def test_wide_options_are_one_error_not_one_per_item(api):
    """Shallow but huge: a million-item list or a thousand unknown keys answer briefly."""
    thread = [[]] * 200_000
    answer = api.post(
        "/api/v1/content/",
        {
            "body": "x",
            "scheduled_for": soon(),
            "targets": ["twitter"] * 50_000,
            "options": {"twitter": {"thread": thread}, "youtube": {"tags": thread}},
        },
        format="json",
    )
    assert answer.status_code == 400
    errors = answer.json()["field_errors"]
    assert errors == {
        "targets": ["Ensure this field has no more than 10 elements."],
        "options.twitter.thread": ["Ensure this field has no more than 25 elements."],
        "options.youtube.tags": ["Ensure this field has no more than 500 elements."],
    }
    unknown = {f"key{n:05}": 1 for n in range(5000)}
    answer = multipart(api, options=json.dumps({"twitter": unknown}))
    assert answer.status_code == 400
    assert len(answer.json()["field_errors"]) == 10
    assert len(answer.content) < 5000


# --- unknown paths ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/", "/api/v1/", "/api/v1/nothing/", "/api/v2/content/", "/api/v1/content/1/x/"]
)
def test_an_unknown_api_path_is_a_json_404(api, path):
    for method in ("get", "post", "delete"):
        answer = getattr(api, method)(path)
        assert answer.status_code == 404
        assert answer["Content-Type"] == "application/json"
        assert answer.json() == {
            "code": "not_found",
            "message": f"No API endpoint at {path}. See /api/docs/.",
            "field_errors": {},
            "platforms": {},
        }


def test_an_unknown_api_path_is_a_json_404_without_credentials_or_csrf_token():
    client = APIClient(enforce_csrf_checks=True)
    for method in ("get", "post", "put"):
        answer = getattr(client, method)("/api/v1/nothing/")
        assert answer.status_code == 404
        assert answer.json()["code"] == "not_found"


def test_a_route_without_its_slash_redirects_a_read_and_names_the_route_otherwise(api):
    answer = api.get("/api/v1/content?status=SCHEDULED")
    assert answer.status_code == 301
    assert answer["Location"] == "/api/v1/content/?status=SCHEDULED"
    answer = api.post("/api/v1/content", {"body": "x"}, format="json")
    assert answer.status_code == 404
    assert answer.json()["message"] == (
        "No API endpoint at /api/v1/content. Did you mean /api/v1/content/ (with the slash)? "
        "See /api/docs/."
    )


def test_other_pages_keep_their_html_404(client):
    answer = client.get("/nowhere/")
    assert answer.status_code == 404
    assert answer["Content-Type"].startswith("text/html")
