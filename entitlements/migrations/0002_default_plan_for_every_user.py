from django.conf import settings
from django.db import migrations


def give_every_user_the_default_plan(apps, schema_editor):
    """Every user so far could do anything: the default plan starts unlimited (but for the
    API rate they already had), and each user gets an entitlement to it."""
    Plan = apps.get_model("entitlements", "Plan")
    Entitlement = apps.get_model("entitlements", "Entitlement")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    plan, _ = Plan.objects.get_or_create(
        name=settings.DEFAULT_PLAN, defaults={"api_rate": settings.API_THROTTLE_USER}
    )
    have = set(Entitlement.objects.values_list("user_id", flat=True))
    Entitlement.objects.bulk_create(
        Entitlement(user_id=pk, plan=plan, note="given the default plan when plans arrived")
        for pk in User.objects.exclude(pk__in=have).values_list("pk", flat=True).iterator()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("entitlements", "0001_plans"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(give_every_user_the_default_plan, migrations.RunPython.noop),
    ]
