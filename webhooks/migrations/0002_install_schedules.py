from django.db import migrations

SCHEDULES = {
    # Delivers what a lost task left behind, and every retry that has come due.
    "webhooks sweep": {
        "func": "webhooks.tasks.deliver_due",
        "schedule_type": "I",  # MINUTES
        "minutes": 1,
        "repeats": -1,
    },
    "webhooks prune": {
        "func": "webhooks.tasks.prune",
        "schedule_type": "D",  # DAILY
        "repeats": -1,
    },
}


def install_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, fields in SCHEDULES.items():
        Schedule.objects.update_or_create(name=name, defaults=fields)


def remove_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=SCHEDULES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(install_schedules, remove_schedules)]
