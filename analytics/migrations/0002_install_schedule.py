from django.db import migrations

SCHEDULES = {
    # Snapshots of the published posts that have come due, within each account's share.
    "analytics collect": {
        "func": "analytics.tasks.collect",
        "schedule_type": "I",  # MINUTES
        "minutes": 5,
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
        ("analytics", "0001_initial"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(install_schedules, remove_schedules)]
