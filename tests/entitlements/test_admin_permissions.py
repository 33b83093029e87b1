"""Each plans page and action asks for its own permission: an anonymous visitor, a staff
member without permissions and a view-only one get no further than they may."""

import pytest
from django.contrib.auth.models import Permission

from entitlements.models import Entitlement, Plan
from entitlements.services import default_plan
from tests.entitlements.pages import change_page_data
from tests.factories import UserFactory
from tests.operators import grant, messages_of

pytestmark = pytest.mark.django_db
USERS = "/admin/accounts/user/"
PLANS = "/admin/entitlements/plan/"


@pytest.fixture
def starter(db) -> Plan:
    return Plan.objects.create(name="Starter", posts_per_month=30)


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


def plan_pages(plan) -> list[tuple[str, str, dict | None]]:
    """(method, url, form) of every plans page, each sent complete."""
    change = f"{PLANS}{plan.pk}/change/"
    form = {"name": "Renamed", "platform_scope": "every", "posts_per_month": "1", "_save": "Save"}
    return [
        ("get", PLANS, None),
        ("get", f"{PLANS}add/", None),
        ("post", f"{PLANS}add/", {**form, "name": "Sneaked in"}),
        ("get", change, None),
        ("post", change, form),
        ("get", f"{PLANS}{plan.pk}/delete/", None),
        ("post", f"{PLANS}{plan.pk}/delete/", {"post": "yes"}),
        ("get", f"{PLANS}{plan.pk}/history/", None),
        (
            "post",
            PLANS,
            {"action": "delete_selected", "_selected_action": [plan.pk], "post": "yes"},
        ),
    ]


def move_action(plan, *users) -> dict:
    return {
        "action": "move_to_plan",
        "_selected_action": [u.pk for u in users],
        "plan": plan.pk,
        "apply": "Move them",
    }


def plans_unchanged(plan) -> bool:
    return list(Plan.objects.order_by("pk").values_list("name", "posts_per_month")) == [
        (default_plan().name, None),
        (plan.name, 30),
    ]


def test_an_anonymous_visitor_is_sent_to_the_login_from_every_plans_page(client, starter, alice):
    for method, url, data in plan_pages(starter):
        response = getattr(client, method)(url, data or {})
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url
    response = client.post(USERS, move_action(starter, alice))
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    response = client.get(f"{USERS}?limits=near")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert plans_unchanged(starter)
    assert Entitlement.objects.get(user=alice).plan == default_plan()


def test_a_staff_member_without_permissions_opens_no_plans_page(client, starter, alice):
    client.force_login(UserFactory(username="bare", is_staff=True))
    for method, url, data in plan_pages(starter):
        response = getattr(client, method)(url, data or {})
        assert response.status_code == 403, (method, url, response.status_code)
    assert client.post(USERS, move_action(starter, alice)).status_code == 403
    assert client.get(f"{USERS}?limits=near").status_code == 403
    assert plans_unchanged(starter)
    assert Entitlement.objects.get(user=alice).plan == default_plan()


@pytest.fixture
def viewer(client):
    user = UserFactory(username="viewer", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    client.force_login(user)
    return user


def test_a_view_only_operator_reads_plans_and_changes_none(client, viewer, starter, alice):
    for method, url, data in plan_pages(starter):
        response = getattr(client, method)(url, data or {})
        reads = method == "get" and not url.endswith(("/add/", "/delete/"))
        if reads:
            assert response.status_code == 200, url
        elif url == PLANS:  # the delete action is not offered: the list again
            assert response.status_code in (200, 302), url
        else:
            assert response.status_code == 403, (method, url, response.status_code)
    html = client.get(f"{PLANS}{starter.pk}/change/").content.decode()
    assert "all platforms" in html and 'name="platform_scope"' not in html
    assert plans_unchanged(starter)


def test_a_view_only_operator_may_filter_users_but_not_move_them(client, viewer, starter, alice):
    assert client.get(f"{USERS}?limits=near").status_code == 200
    html = client.get(USERS).content.decode()
    assert "move_to_plan" not in html
    response = client.post(USERS, move_action(starter, alice))
    assert response.status_code == 200 and "cl" in response.context  # the list, not the form
    assert "Move users to another plan" not in response.content.decode()
    assert Entitlement.objects.get(user=alice).plan == default_plan()


def test_changing_users_is_not_enough_to_move_them_to_a_plan(client, starter, alice):
    operator = UserFactory(username="user-admin", is_staff=True)
    for codename in ("view_user", "change_user", "view_plan"):
        grant(operator, codename)
    client.force_login(operator)
    assert "move_to_plan" not in client.get(USERS).content.decode()
    response = client.post(USERS, move_action(starter, alice))
    assert response.status_code == 200 and "cl" in response.context  # the list, not the form
    assert "Move users to another plan" not in response.content.decode()
    assert Entitlement.objects.get(user=alice).plan == default_plan()
    # Nor through the inline, which only shows the plan to those who may see entitlements.
    page = client.get(f"{USERS}{alice.pk}/change/")
    assert "entitlement-0-plan" not in page.content.decode()
    grant(operator, "view_entitlement")
    page = client.get(f"{USERS}{alice.pk}/change/")
    data = change_page_data(page)
    data.update({"entitlement-TOTAL_FORMS": "1", "entitlement-INITIAL_FORMS": "1"})
    data.update(
        {"entitlement-0-id": str(alice.entitlement.pk), "entitlement-0-plan": str(starter.pk)}
    )
    client.post(f"{USERS}{alice.pk}/change/", data)
    assert Entitlement.objects.get(user=alice).plan == default_plan()


def test_the_entitlement_permission_moves_users(client, starter, alice):
    operator = UserFactory(username="plans-admin", is_staff=True)
    for codename in ("view_user", "change_entitlement"):
        grant(operator, codename)
    client.force_login(operator)
    assert "move_to_plan" in client.get(USERS).content.decode()
    response = client.post(USERS, move_action(starter, alice), follow=True)
    assert messages_of(response) == [
        "1 user moved to Starter: 0 posts held by the plan, 0 posts released."
    ]
    assert Entitlement.objects.get(user=alice).plan == starter
