"""A request Django refuses before any view answers in the API's error shape under /api/."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_host_header_herald_does_not_serve_is_a_json_400_under_the_api(client, settings):
    settings.ALLOWED_HOSTS = ["herald.example"]
    settings.DEBUG = False
    response = client.post("/api/v1/content/1/cancel/", HTTP_HOST="")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "bad_request"
    assert set(response.json()) == {"code", "message", "field_errors", "platforms"}


def test_outside_the_api_it_stays_django_s_page(client, settings):
    settings.ALLOWED_HOSTS = ["herald.example"]
    settings.DEBUG = False
    response = client.get("/admin/", HTTP_HOST="")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
