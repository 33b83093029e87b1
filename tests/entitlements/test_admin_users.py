"""What the User admin shows of plans: the entitlement inline and its usage, the
"over or near a limit" filter, and the action that moves users to another plan."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from content.choices import Status
from entitlements.admin import connected_accounts
from entitlements.models import Entitlement, Plan
from entitlements.selectors import users_near_a_limit
from entitlements.services import default_plan, set_plan
from integrations.models import Integration
from publishing.models import Publication
from tests.entitlements.pages import change_page_data
from tests.factories import ContentFactory, IntegrationFactory, PublicationFactory, UserFactory
from tests.operators import messages_of

pytestmark = pytest.mark.django_db
USERS = "/admin/accounts/user/"
MB = 1024 * 1024


@pytest.fixture
def starter(db) -> Plan:
    return Plan.objects.create(
        name="Starter",
        platforms=["discord", "twitter"],
        accounts_per_platform=1,
        posts_per_month=30,
        max_media_bytes=10 * MB,
        api_rate="300/hour",
    )


@pytest.fixture
def pro(db) -> Plan:
    return Plan.objects.create(name="Pro", posts_per_month=500, accounts_per_platform=5)


def posts_this_month(owner, count: int, status=Status.SCHEDULED) -> None:
    for _ in range(count):
        ContentFactory(owner=owner, scheduled_for=timezone.now(), status=status)


def user_page(client, user):
    return client.get(f"{USERS}{user.pk}/change/")


# --- the inline -------------------------------------------------------------------------------


def test_the_user_page_shows_the_plan_and_what_is_used(staff_client, starter):
    alice = UserFactory(username="alice", timezone="Europe/Madrid")
    set_plan(alice, starter)
    posts_this_month(alice, 2)
    posts_this_month(alice, 1, status=Status.CANCELED)  # gave its slot back
    IntegrationFactory(user=alice, provider="twitter")
    IntegrationFactory(user=alice, provider="twitter", status=Integration.Status.REVOKED)
    IntegrationFactory(user=UserFactory(username="bob"), provider="discord")  # not hers
    html = user_page(staff_client, alice).content.decode()
    assert f'<option value="{starter.pk}" selected>Starter</option>' in html
    usage = html[html.index('class="herald-usage"') :]
    usage = usage[: usage.index("</table>")]
    assert (
        "<td>posts scheduled per calendar month</td><td>30</td><td>2 this month</td><td>28 (resets "
        in usage
    )
    assert "CET)" in usage or "CEST)" in usage  # the month of her zone
    assert "<td>connected accounts per platform</td><td>1</td><td>X 1, Discord 0, " in usage
    assert "<td>platforms allowed</td><td>Discord, X</td>" in usage
    assert "<td>largest media file</td><td>10.0\xa0MB</td>" in usage


def test_a_superusers_page_says_they_are_unlimited(staff_client, operator):
    html = user_page(staff_client, operator).content.decode()
    assert "A superuser is unlimited, whatever the plan says." in html


def test_an_entitlement_past_its_dates_says_the_default_plan_applies(staff_client, starter):
    alice = UserFactory(username="alice")
    Entitlement.objects.filter(user=alice).update(
        plan=starter, valid_until=timezone.now() - dt.timedelta(days=1)
    )
    html = user_page(staff_client, alice).content.decode()
    assert f"Outside its validity dates: the default plan {default_plan().name} applies." in html
    assert (
        f"Starter (not in force: {default_plan().name})" in staff_client.get(USERS).content.decode()
    )


def test_overrides_are_form_fields_and_save_as_the_service_reads_them(staff_client, starter, pro):
    alice = UserFactory(username="alice")
    set_plan(alice, starter)
    page = user_page(staff_client, alice)
    html = page.content.decode()
    assert 'name="entitlement-0-override_posts_per_month" value="plan"' in html
    assert "overrides" not in {
        f for f in page.context["inline_admin_formsets"][0].formset.forms[0].fields
    }
    data = change_page_data(page)
    assert data["entitlement-0-override_posts_per_month"] == "plan"
    data.update(
        {
            "entitlement-0-plan": str(pro.pk),
            "entitlement-0-override_posts_per_month": "value",
            "entitlement-0-override_posts_per_month_value": "1000",
            "entitlement-0-override_max_media_bytes": "unlimited",
            "entitlement-0-override_platforms": "value",
            "entitlement-0-override_platforms_value": ["twitter"],
            "entitlement-0-override_automation": "value",
            "entitlement-0-note": "trial of Pro, more posts",
        }
    )
    response = staff_client.post(f"{USERS}{alice.pk}/change/", data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    entitlement = Entitlement.objects.get(user=alice)
    assert entitlement.plan == pro and entitlement.note == "trial of Pro, more posts"
    assert entitlement.overrides == {
        "platforms": ["twitter"],
        "posts_per_month": 1000,
        "automation": False,
        "max_media_bytes": None,
    }
    # Shown again as they were entered.
    html = user_page(staff_client, alice).content.decode()
    assert 'name="entitlement-0-override_posts_per_month_value" value="1000"' in html
    assert (
        'name="entitlement-0-override_max_media_bytes" value="unlimited" id="id_entitlement-0-override_max_media_bytes_1" checked'
        in html
    )
    # And the plan's value again removes an override.
    data = change_page_data(user_page(staff_client, alice))
    data["entitlement-0-override_posts_per_month"] = "plan"
    data["entitlement-0-override_posts_per_month_value"] = ""
    assert staff_client.post(f"{USERS}{alice.pk}/change/", data).status_code == 302
    assert "posts_per_month" not in Entitlement.objects.get(user=alice).overrides


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"override_posts_per_month": "value"},
            "override_posts_per_month_value",
            "Give the value, or choose the plan's value or unlimited.",
        ),
        (
            {"override_posts_per_month_value": "12"},
            "override_posts_per_month_value",
            "You gave a value but chose the plan's",
        ),
        (
            {"override_api_rate": "unlimited", "override_api_rate_value": "5/hour"},
            "override_api_rate_value",
            "You chose unlimited: clear the value.",
        ),
        (
            {"override_api_rate": "value", "override_api_rate_value": "often"},
            "override_api_rate_value",
            "'often' is not a rate",
        ),
        (
            {"override_max_media_bytes": "value", "override_max_media_bytes_value": "big"},
            "override_max_media_bytes_value",
            "'big' is not a size",
        ),
        (
            {
                "override_accounts_per_platform": "value",
                "override_accounts_per_platform_value": "-3",
            },
            "override_accounts_per_platform_value",
            "Ensure this value is greater than or equal to 0.",
        ),
        (
            {"override_platforms": "value", "override_platforms_value": ["myspace"]},
            "override_platforms_value",
            "Select a valid choice.",
        ),
        ({"override_automation": "sometimes"}, "override_automation", "Select a valid choice."),
        (
            {
                "valid_from_0": "2031-02-01",
                "valid_from_1": "00:00:00",
                "valid_until_0": "2031-01-01",
                "valid_until_1": "00:00:00",
            },
            "valid_until",
            "Valid until must come after valid from.",
        ),
    ],
)
def test_a_wrong_override_is_refused_in_words_and_nothing_changes(
    staff_client, starter, fields, field, message
):
    alice = UserFactory(username="alice")
    set_plan(alice, starter)
    data = change_page_data(user_page(staff_client, alice))
    data.update({f"entitlement-0-{name}": value for name, value in fields.items()})
    response = staff_client.post(f"{USERS}{alice.pk}/change/", data)
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.forms[0].errors[field]
    assert any(error.startswith(message) for error in errors), errors
    assert Entitlement.objects.get(user=alice).overrides == {}


def test_a_view_only_operator_reads_the_plan_overrides_and_usage(client, starter):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    client.force_login(viewer)
    alice = UserFactory(username="alice")
    set_plan(alice, starter)
    Entitlement.objects.filter(user=alice).update(overrides={"posts_per_month": 100})
    html = user_page(client, alice).content.decode()
    assert "posts scheduled per calendar month: 100" in html
    assert "<td>posts scheduled per calendar month</td><td>100</td>" in html
    assert 'name="entitlement-0-override' not in html  # nothing to fill in


# --- the filter -------------------------------------------------------------------------------


def test_the_filter_lists_users_over_or_near_a_limit(
    staff_client, starter, django_assert_max_num_queries
):
    near = UserFactory(username="near")  # 24 of 30: 80 %
    below = UserFactory(username="below")  # 23 of 30
    full = UserFactory(username="full-accounts")  # 1 X account of 1
    revoked = UserFactory(username="revoked-only")  # its account no longer counts
    outside = UserFactory(username="outside-plan")  # an Instagram account, not in Starter
    unlimited = UserFactory(username="default-plan")  # the default plan: unlimited
    root = UserFactory(username="root", is_superuser=True)
    for user in (near, below, full, revoked, outside, root):
        set_plan(user, starter)
    posts_this_month(near, 24)
    posts_this_month(below, 23)
    posts_this_month(below, 5, status=Status.CANCELED)
    posts_this_month(unlimited, 40)
    posts_this_month(root, 40)
    IntegrationFactory(user=full, provider="twitter")
    IntegrationFactory(user=revoked, provider="twitter", status=Integration.Status.REVOKED)
    IntegrationFactory(user=outside, provider="instagram")
    IntegrationFactory(user=root, provider="twitter")
    with django_assert_max_num_queries(11) as queries:
        response = staff_client.get(f"{USERS}?limits=near")
    listed = {user.username for user in response.context["cl"].result_list}
    assert listed == {"near", "full-accounts", "outside-plan"}
    assert "over or near a limit" in response.content.decode()
    # More users, as many queries: nothing is asked per user.
    for n in range(10):
        user = UserFactory(username=f"more{n}", timezone="America/New_York")
        set_plan(user, starter)
        posts_this_month(user, 25)
    with django_assert_max_num_queries(len(queries.captured_queries)):
        response = staff_client.get(f"{USERS}?limits=near")
    assert len(response.context["cl"].result_list) == 13


def test_the_filter_counts_the_month_in_each_users_zone(staff_client, starter):
    """A post at 31 Jan 23:30 UTC is January's for a UTC user and February's in Madrid
    (00:30 on 1 Feb there)."""
    madrid = UserFactory(username="madrid", timezone="Europe/Madrid")
    utc = UserFactory(username="utc", timezone="UTC")
    for user in (madrid, utc):
        set_plan(user, starter)
        # 30 Jan 23:30 UTC: January for both; then 31 Jan 23:30 UTC, 1 Feb in Madrid.
        for _ in range(24):
            ContentFactory(
                owner=user, scheduled_for=dt.datetime(2031, 1, 31, 23, 30, tzinfo=dt.UTC)
            )
    users = [madrid, utc]
    in_january = dt.datetime(2031, 1, 31, 12, 0, tzinfo=dt.UTC)
    assert users_near_a_limit(users, count_connected=connected_accounts, now=in_january) == {utc.pk}
    in_february = dt.datetime(2031, 2, 1, 12, 0, tzinfo=dt.UTC)
    assert users_near_a_limit(users, count_connected=connected_accounts, now=in_february) == {
        madrid.pk
    }


# --- the action -------------------------------------------------------------------------------


def waiting_post(
    owner, platform: str, *, status=Status.SCHEDULED, hold_kind: str = ""
) -> Publication:
    """A due post (its time has come), waiting for the engine's next pass."""
    publication = PublicationFactory(
        content=ContentFactory(owner=owner, scheduled_for=timezone.now() - dt.timedelta(minutes=1)),
        platform=platform,
    )
    Publication.objects.filter(pk=publication.pk).update(status=status, hold_kind=hold_kind)
    return publication


def test_moving_users_asks_for_the_plan_first(staff_client, starter, pro):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    response = staff_client.post(
        USERS, {"action": "move_to_plan", "_selected_action": [alice.pk, bob.pk]}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Move users to another plan" in html
    assert "<li>alice</li>" in html and "<li>bob</li>" in html
    assert ">Pro</option>" in html and ">Starter</option>" in html
    assert set(Entitlement.objects.values_list("plan__name", flat=True)) == {default_plan().name}


def test_moving_users_says_how_many_posts_it_holds_and_releases(staff_client, starter, pro):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    waiting_post(alice, "instagram")  # Starter has no Instagram: held
    waiting_post(alice, "twitter")  # allowed: goes as planned
    waiting_post(bob, "youtube", status=Status.QUEUED)  # held when due
    waiting_post(bob, "youtube", status=Status.PUBLISHED)  # done: not counted
    waiting_post(UserFactory(username="carol"), "instagram")  # not moved
    response = staff_client.post(
        USERS,
        {
            "action": "move_to_plan",
            "_selected_action": [alice.pk, bob.pk],
            "plan": starter.pk,
            "note": "downgraded at renewal",
            "apply": "Move them",
        },
        follow=True,
    )
    assert messages_of(response) == [
        "2 users moved to Starter: 2 posts held by the plan, 0 posts released."
    ]
    moved = Entitlement.objects.filter(user__in=[alice, bob])
    assert {(e.plan.name, e.note) for e in moved} == {("Starter", "downgraded at renewal")}
    assert Entitlement.objects.get(user__username="carol").plan == default_plan()
    # Back up: the posts the plan held go.
    Publication.objects.filter(
        platform__in=("instagram", "youtube"), content__owner__in=[alice, bob]
    ).exclude(status=Status.PUBLISHED).update(status=Status.QUEUED, hold_kind="plan")
    response = staff_client.post(
        USERS,
        {
            "action": "move_to_plan",
            "_selected_action": [alice.pk, bob.pk],
            "plan": pro.pk,
            "apply": "Move them",
        },
        follow=True,
    )
    assert messages_of(response) == [
        "2 users moved to Pro: 0 posts held by the plan, 2 posts released."
    ]


def test_a_bad_plan_in_the_action_asks_again(staff_client, starter):
    alice = UserFactory(username="alice")
    response = staff_client.post(
        USERS,
        {
            "action": "move_to_plan",
            "_selected_action": [alice.pk],
            "plan": "999999",
            "apply": "Move them",
        },
    )
    assert response.status_code == 200
    assert (
        "Select a valid choice. That choice is not one of the available choices."
        in response.content.decode()
    )
    assert Entitlement.objects.get(user=alice).plan == default_plan()


def test_a_user_without_an_entitlement_is_given_one_on_their_page(staff_client, starter):
    alice = UserFactory(username="alice")
    Entitlement.objects.filter(user=alice).delete()  # as a user loaded from a fixture would be
    page = user_page(staff_client, alice)
    assert '<select name="entitlement-0-plan"' in page.content.decode()
    data = change_page_data(page)
    assert data["entitlement-TOTAL_FORMS"] == "1" and data["entitlement-INITIAL_FORMS"] == "0"
    # Left as it is, nothing is created: the default plan applies.
    assert staff_client.post(f"{USERS}{alice.pk}/change/", data).status_code == 302
    assert not Entitlement.objects.filter(user=alice).exists()
    data["entitlement-0-plan"] = str(starter.pk)
    assert staff_client.post(f"{USERS}{alice.pk}/change/", data).status_code == 302
    assert Entitlement.objects.get(user=alice).plan == starter
