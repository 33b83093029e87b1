"""``manage.py plans``: every plan, how many users it has, and its limits."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Count
from django.template.defaultfilters import filesizeformat

from entitlements.limits import DESCRIPTIONS, LimitName
from entitlements.models import Plan
from platforms import registry


def shown(name: LimitName, value) -> str:
    """A limit's value as people read it; None is unlimited."""
    if name == LimitName.AUTOMATION:
        return "yes" if value else "no (publish now only)"
    if value is None:
        return "all" if name == LimitName.PLATFORMS else "unlimited"
    if name == LimitName.PLATFORMS:
        return ", ".join(registry.label(platform) for platform in value) or "none"
    if name == LimitName.MAX_MEDIA_BYTES:
        return filesizeformat(value)
    return str(value)


class Command(BaseCommand):
    help = "List the plans with their number of users and their limits."

    def handle(self, *args, **options):
        plans = Plan.objects.annotate(users=Count("entitlements")).order_by("name")
        if not plans:
            self.stdout.write("No plans yet.")
            return
        for plan in plans:
            default = " (default)" if plan.name == settings.DEFAULT_PLAN else ""
            users = f"{plan.users} user" + ("" if plan.users == 1 else "s")
            self.stdout.write(f"{plan.name}{default}: {users}")
            for name in LimitName:
                self.stdout.write(f"  {DESCRIPTIONS[name]}: {shown(name, plan.limit(name))}")
