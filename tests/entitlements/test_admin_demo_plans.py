"""The demo data (``make run``) has plans, and a user on Starter the admin shows as such."""

import pytest
from django.core.management import call_command

from accounts.models import User
from entitlements.models import Entitlement, Plan
from entitlements.services import limits_for

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_the_plans_and_a_starter_user_once(staff_client):
    call_command("seed_demo", stdout=None)
    starter = Plan.objects.get(name="Starter")
    assert starter.platforms == ["discord", "twitter"] and starter.posts_per_month == 30
    writer = Entitlement.objects.get(user__username="writer")
    assert writer.plan == starter
    limits = limits_for(writer.user)
    assert (limits.posts_per_month, limits.accounts_per_platform, limits.api_rate) == (
        30,
        1,
        "300/hour",
    )
    # Run again: an operator's changes stay.
    Plan.objects.filter(name="Pro").update(posts_per_month=2000)
    writer.plan = Plan.objects.get(name="Pro")
    writer.save()
    call_command("seed_demo", stdout=None)
    assert Plan.objects.filter(name__in=["Starter", "Pro"]).count() == 2
    assert Entitlement.objects.get(user__username="writer").plan.name == "Pro"
    assert Plan.objects.get(name="Pro").posts_per_month == 2000
    html = staff_client.get("/admin/entitlements/plan/").content.decode()
    assert "Discord, X" in html and ">2000<" in html


def test_the_demo_operator_stays_unlimited():
    call_command("seed_demo", stdout=None)
    operator = User.objects.get(username="operator")
    assert limits_for(operator).unlimited and operator.entitlement.plan.name != "Starter"
