"""A plan's limits over the API: 403 entitlement_exceeded before anything is written."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from content.choices import Status
from content.models import Content, ContentMedia
from entitlements.models import Plan
from entitlements.services import set_plan
from publishing.models import Publication
from tests.api.conftest import FUTURE, scheduled, soon
from tests.media_files import PNG, upload

pytestmark = pytest.mark.django_db

ERROR_KEYS = {
    "code",
    "message",
    "field_errors",
    "platforms",
    "detail",
    "plan",
    "limit_name",
    "limit",
    "used",
    "resets_at",
}


def on_plan(user, **limits) -> Plan:
    plan = Plan.objects.create(name=limits.pop("name", "Starter"), **limits)
    set_plan(user, plan)
    return plan


def stored_files() -> list:
    return [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]


def create(api, when=FUTURE, targets=("twitter",), **fields):
    return api.post(
        "/api/v1/content/",
        {"body": "Hello", "scheduled_for": when.isoformat(), "targets": list(targets), **fields},
        format="json",
    )


def test_the_post_past_the_months_limit_is_a_403_naming_the_limit(api, alice):
    on_plan(alice, posts_per_month=2)
    assert [create(api).status_code for _ in range(2)] == [201, 201]

    answer = create(api)

    assert answer.status_code == 403
    body = answer.json()
    assert set(body) == ERROR_KEYS
    # alice is in Madrid: 1 May 2031 09:30 UTC is in May there, which ends at midnight there.
    assert body == {
        "code": "entitlement_exceeded",
        "message": "Your plan Starter allows 2 posts a month; you have scheduled 2 for May 2031.",
        "detail": "Your plan Starter allows 2 posts a month; you have scheduled 2 for May 2031.",
        "field_errors": {},
        "platforms": {},
        "plan": "Starter",
        "limit_name": "posts_per_month",
        "limit": 2,
        "used": 2,
        "resets_at": "2031-06-01T00:00:00+02:00",
    }
    assert Content.objects.filter(owner=alice).count() == 2
    assert Publication.objects.filter(content__owner=alice).count() == 2


def test_canceling_a_post_gives_its_slot_back(api, alice):
    on_plan(alice, posts_per_month=1)
    first = create(api).json()
    assert create(api).status_code == 403
    assert api.post(f"/api/v1/content/{first['id']}/cancel/").status_code == 200
    assert create(api).status_code == 201


def test_a_platform_outside_the_plan_is_refused(api, alice):
    on_plan(alice, platforms=["discord"])
    answer = create(api, targets=("discord", "twitter"))
    assert answer.status_code == 403
    body = answer.json()
    assert (body["limit_name"], body["limit"], body["used"]) == ("platforms", ["discord"], None)
    assert body["detail"] == "Your plan Starter does not include X."
    assert not Content.objects.exists()


def test_a_plan_without_automation_refuses_a_scheduled_post(api, alice):
    on_plan(alice, automation=False)
    answer = create(api)
    assert answer.status_code == 403
    assert answer.json()["limit_name"] == "automation"
    assert answer.json()["detail"] == (
        "Your plan Starter does not include scheduled publishing; publish now instead."
    )
    assert not Content.objects.exists()


def test_moving_a_post_into_a_full_month_is_refused_and_nothing_changes(api, alice):
    on_plan(alice, posts_per_month=1)
    may = create(api).json()
    june = FUTURE + dt.timedelta(days=31)
    api_june = scheduled(alice, when=june + dt.timedelta(days=1))
    assert api_june.scheduled_for.month == 6

    answer = api.patch(
        f"/api/v1/content/{may['id']}/", {"scheduled_for": june.isoformat()}, format="json"
    )

    assert answer.status_code == 403
    assert answer.json()["limit_name"] == "posts_per_month"
    assert answer.json()["resets_at"] == "2031-07-01T00:00:00+02:00"
    content = Content.objects.get(pk=may["id"])
    assert (content.scheduled_for, content.version) == (FUTURE, 1)


def test_moving_a_post_within_its_month_needs_no_new_slot(api, alice):
    on_plan(alice, posts_per_month=1)
    may = create(api).json()
    answer = api.patch(
        f"/api/v1/content/{may['id']}/",
        {"scheduled_for": (FUTURE + dt.timedelta(days=2)).isoformat()},
        format="json",
    )
    assert answer.status_code == 200


def test_publish_now_on_create_schedules_for_now(api, alice):
    before = timezone.now()
    answer = create(api, when=FUTURE, publish_now=True)
    assert answer.status_code == 400
    assert answer.json()["field_errors"] == {
        "publish_now": ["Give scheduled_for or publish_now, not both."]
    }
    answer = api.post(
        "/api/v1/content/",
        {"body": "Now", "targets": ["twitter"], "publish_now": True},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    content = Content.objects.get(pk=answer.json()["id"])
    assert before <= content.scheduled_for <= timezone.now()
    (publication,) = content.publications.all()
    assert publication.status == Status.SCHEDULED
    assert publication.next_attempt_at == content.scheduled_for


def test_a_plan_without_automation_refuses_a_schedule_and_takes_publish_now(api, alice):
    on_plan(alice, automation=False)

    refused = create(api)
    assert refused.status_code == 403
    assert refused.json()["limit_name"] == "automation"
    assert refused.json()["detail"] == (
        "Your plan Starter does not include scheduled publishing; publish now instead."
    )
    assert not Content.objects.exists()

    answer = api.post(
        "/api/v1/content/",
        {"body": "Now", "targets": ["twitter"], "publish_now": True},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    (publication,) = Publication.objects.filter(content_id=answer.json()["id"])
    # By hand: the engine lets it go although the plan has no automation.
    assert publication.by_hand is True


def test_neither_a_time_nor_publish_now_is_a_400(api):
    answer = api.post("/api/v1/content/", {"body": "x", "targets": ["twitter"]}, format="json")
    assert answer.status_code == 400
    assert answer.json()["field_errors"] == {
        "scheduled_for": ["This field is required (or set publish_now to true)."]
    }


def test_publish_now_on_create_counts_against_the_month(api, alice):
    on_plan(alice, posts_per_month=1)
    now = {"body": "Now", "targets": ["twitter"], "publish_now": True}
    assert api.post("/api/v1/content/", now, format="json").status_code == 201
    answer = api.post("/api/v1/content/", now, format="json")
    assert answer.status_code == 403
    assert answer.json()["limit_name"] == "posts_per_month"
    assert Content.objects.count() == 1


def test_a_file_larger_than_the_plan_allows_is_refused_and_nothing_is_stored(api, alice):
    on_plan(alice, max_media_bytes=2048)
    answer = api.post(
        "/api/v1/content/",
        {
            "body": "Look",
            "scheduled_for": soon(),
            "targets": ["discord"],
            "media": [
                upload("small.png", PNG, "image/png", 2048),
                upload("big.png", PNG, "image/png", 2049),
            ],
        },
        format="multipart",
    )
    assert answer.status_code == 403
    body = answer.json()
    assert body["limit_name"] == "max_media_bytes"
    assert (body["limit"], body["used"]) == (2048, 2049)
    assert body["detail"] == (
        "Your plan Starter allows media files up to 2.0\xa0KB; big.png is 2.0\xa0KB."
    )
    assert not Content.objects.exists() and not ContentMedia.objects.exists()
    assert stored_files() == []


def test_a_file_at_the_plans_size_is_stored(api, alice):
    on_plan(alice, max_media_bytes=2048)
    answer = api.post(
        "/api/v1/content/",
        {
            "body": "Look",
            "scheduled_for": soon(),
            "targets": ["discord"],
            "media": [upload("small.png", PNG, "image/png", 2048)],
        },
        format="multipart",
    )
    assert answer.status_code == 201, answer.json()
    assert len(stored_files()) == 1


def test_a_superuser_is_never_refused(api, alice):
    on_plan(alice, posts_per_month=0, automation=False, platforms=[])
    alice.is_superuser = True
    alice.save()
    assert create(api).status_code == 201


def test_a_refusal_with_an_idempotency_key_is_answered_again_and_writes_nothing(api, alice):
    on_plan(alice, posts_per_month=0)
    data = {"body": "x", "scheduled_for": FUTURE.isoformat(), "targets": ["twitter"]}
    first = api.post("/api/v1/content/", data, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post("/api/v1/content/", data, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 403
    assert first.json() == again.json()
    assert first.json()["code"] == "entitlement_exceeded"
    assert again["Idempotent-Replayed"] == "true"
    assert not Content.objects.exists()
