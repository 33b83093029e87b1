"""``manage.py set_plan <username> <plan>``: move one user to a plan, for scripts.

It says how many of the user's waiting posts the new plan holds or releases. The
command lives with publishing because it counts publications (the layers point
from publishing to entitlements, not back).
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from entitlements.models import Plan
from entitlements.services import set_plan
from publishing.selectors import plan_effect


def posts(count: int) -> str:
    return f"{count} waiting post" + ("" if count == 1 else "s")


class Command(BaseCommand):
    help = "Put a user on a plan (keeping their overrides); says what it holds or releases."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("plan", help="The plan's name, as `manage.py plans` lists it.")
        parser.add_argument("--note", default="", help="Recorded on the user's entitlement.")

    def handle(self, *args, username, plan, note, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        chosen = Plan.objects.filter(name=plan).first()
        if chosen is None:
            names = ", ".join(Plan.objects.values_list("name", flat=True)) or "none yet"
            raise CommandError(f"No plan named {plan!r}; the plans are: {names}.")
        effect = plan_effect([user.pk], chosen)
        set_plan(user, chosen, note=note)
        self.stdout.write(
            f"{user.get_username()} is now on the plan {chosen.name}: "
            f"{posts(effect.held)} held, {posts(effect.released)} released."
        )
        if user.is_superuser:
            self.stdout.write("A superuser is unlimited whatever the plan says.")
