"""The plans admin: a readable list, a form without JSON, and plans that are kept."""

import pytest
from django.conf import settings

from entitlements.models import Entitlement, Plan
from entitlements.services import default_plan, set_plan
from tests.factories import UserFactory
from tests.operators import messages_of

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/entitlements/plan/"
ADD = "/admin/entitlements/plan/add/"
MB = 1024 * 1024


def starter(**fields) -> Plan:
    values = {
        "name": "Starter",
        "platforms": ["discord", "twitter"],
        "accounts_per_platform": 1,
        "posts_per_month": 30,
        "max_media_bytes": 10 * MB,
        "api_rate": "300/hour",
    }
    return Plan.objects.create(**{**values, **fields})


def plan_form(**fields) -> dict:
    """The add form as an operator fills it: Starter, on X only."""
    return {
        "name": "Starter",
        "platform_scope": "listed",
        "platform_list": ["twitter"],
        "accounts_per_platform": "1",
        "posts_per_month": "30",
        "automation": "on",
        "max_media_bytes": "10 MB",
        "api_rate": "300/hour",
        "_save": "Save",
        **fields,
    }


def test_the_list_reads_each_limit_in_words(staff_client, django_assert_max_num_queries):
    plan = starter()
    set_plan(UserFactory(username="alice"), plan)
    Plan.objects.create(name="Closed", platforms=[], automation=False)
    with django_assert_max_num_queries(8):
        response = staff_client.get(CHANGELIST)
    rows = {
        row.name: row for row in response.context["cl"].result_list
    }  # the page's own rows, then what it printed
    html = response.content.decode()
    assert set(rows) == {"Starter", "Closed", settings.DEFAULT_PLAN}
    starter_row = html[html.index(">Starter<") : html.index("</tr>", html.index(">Starter<"))]
    for cell in ("Discord, X", "10.0\xa0MB", ">30<", ">1<", "300/hour"):
        assert cell in starter_row, cell
    assert 'class="field-users">1<' in starter_row
    default_row = html[html.index(f">{settings.DEFAULT_PLAN}<") :]
    default_row = default_row[: default_row.index("</tr>")]
    assert "all platforms" in default_row and default_row.count(">unlimited<") == 3
    closed_row = html[html.index(">Closed<") :]
    assert ">none<" in closed_row[: closed_row.index("</tr>")]


def test_a_plan_is_added_with_checkboxes_and_a_size_in_megabytes(staff_client):
    response = staff_client.post(ADD, plan_form())
    assert response.status_code == 302, response.context["adminform"].form.errors
    plan = Plan.objects.get(name="Starter")
    assert plan.platforms == ["twitter"]
    assert plan.max_media_bytes == 10 * MB and plan.posts_per_month == 30
    assert plan.api_rate == "300/hour" and plan.automation is True


@pytest.mark.parametrize(
    ("scope", "ticked", "stored"),
    [
        ("every", [], None),
        ("listed", [], []),
        ("listed", ["discord", "twitter"], ["discord", "twitter"]),
    ],
)
def test_every_platform_is_null_and_none_ticked_is_no_platform(staff_client, scope, ticked, stored):
    response = staff_client.post(ADD, plan_form(platform_scope=scope, platform_list=ticked))
    assert response.status_code == 302
    assert Plan.objects.get(name="Starter").platforms == stored


def test_the_change_form_shows_the_plan_as_it_was_entered(staff_client):
    plan = starter()
    html = staff_client.get(f"/admin/entitlements/plan/{plan.pk}/change/").content.decode()
    assert 'value="10 MB"' in html
    assert 'name="platform_scope" value="listed"' in html
    checked = [
        line for line in html.splitlines() if 'name="platform_list"' in line and "checked" in line
    ]
    assert len(checked) == 2 and any('value="twitter"' in line for line in checked)
    assert "Instagram" in html  # every registered platform is offered


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"api_rate": "lots"},
            "api_rate",
            "'lots' is not a rate; write a number per second, minute, hour or day, e.g. 1000/hour.",
        ),
        (
            {"max_media_bytes": "ten megs"},
            "max_media_bytes",
            "'ten megs' is not a size; write e.g. 10 MB, 512 KB, 1.5 GB or a number of bytes.",
        ),
        (
            {"max_media_bytes": "99999999 TB"},
            "max_media_bytes",
            "That size is larger than any file; leave it empty for unlimited.",
        ),
        (
            {"platform_scope": "every"},
            "platform_list",
            "You chose every platform and also ticked some",
        ),
        (
            {"platform_list": ["myspace"]},
            "platform_list",
            "Select a valid choice. myspace is not one of the available choices.",
        ),
        (
            {"posts_per_month": "-1"},
            "posts_per_month",
            "Ensure this value is greater than or equal to 0.",
        ),
        ({"posts_per_month": "thirty"}, "posts_per_month", "Enter a whole number."),
        ({"platform_scope": "some"}, "platform_scope", "Select a valid choice."),
    ],
)
def test_a_wrong_value_is_refused_in_words_and_nothing_is_saved(
    staff_client, fields, field, message
):
    response = staff_client.post(ADD, plan_form(**fields))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors[field]
    assert any(error.startswith(message) for error in errors), errors
    assert message.split("'")[0] in response.content.decode().replace("&#x27;", "'")
    assert not Plan.objects.filter(name="Starter").exists()


def test_the_default_plan_keeps_its_name(staff_client):
    plan = default_plan()
    url = f"/admin/entitlements/plan/{plan.pk}/change/"
    data = {**plan_form(name="Legacy", platform_scope="every", platform_list=[], api_rate="")}
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"] == [
        f"{settings.DEFAULT_PLAN} is the default plan (the DEFAULT_PLAN setting names it), the "
        "plan of every user without an entitlement in force: it keeps its name. To make another "
        "plan the default, set DEFAULT_PLAN to that plan's name."
    ]
    assert Plan.objects.get(pk=plan.pk).name == settings.DEFAULT_PLAN
    # Its limits change as any plan's do.
    response = staff_client.post(url, {**data, "name": settings.DEFAULT_PLAN})
    assert response.status_code == 302
    assert Plan.objects.get(pk=plan.pk).posts_per_month == 30


def test_the_default_plan_is_never_deleted(staff_client):
    plan = default_plan()
    Entitlement.objects.all().delete()  # unused, still kept
    url = f"/admin/entitlements/plan/{plan.pk}/delete/"
    html = staff_client.get(url).content.decode()
    assert (
        f"{settings.DEFAULT_PLAN} is the default plan (the DEFAULT_PLAN setting names it): it is never deleted."
        in html
    )
    assert "Yes, I’m sure" not in html
    assert staff_client.post(url, {"post": "yes"}).status_code == 200
    assert Plan.objects.filter(pk=plan.pk).exists()


def test_a_plan_in_use_is_not_deleted_and_the_page_says_why(staff_client):
    plan = starter()
    for name in ("alice", "bob"):
        set_plan(UserFactory(username=name), plan)
    url = f"/admin/entitlements/plan/{plan.pk}/delete/"
    response = staff_client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Starter is the plan of 2 users: move them to another plan first" in html
    assert "Yes, I’m sure" not in html and "alice on Starter" not in html
    response = staff_client.post(url, {"post": "yes"})
    assert response.status_code == 200 and Plan.objects.filter(pk=plan.pk).exists()
    # The list's delete action says the same and keeps it.
    response = staff_client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [plan.pk], "post": "yes"}
    )
    assert response.status_code == 200
    assert "Starter is the plan of 2 users" in response.content.decode()
    assert Plan.objects.filter(pk=plan.pk).exists()


def test_a_plan_nobody_is_on_is_deleted(staff_client):
    plan = starter()
    response = staff_client.post(
        f"/admin/entitlements/plan/{plan.pk}/delete/", {"post": "yes"}, follow=True
    )
    assert not Plan.objects.filter(pk=plan.pk).exists()
    assert any("deleted successfully" in m for m in messages_of(response))
