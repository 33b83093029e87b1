from django.db import migrations

SCHEDULES = {
    # Deletes audit events and delivered-message logs past HISTORY_RETENTION_DAYS.
    "publishing prune history": {
        "func": "publishing.tasks.prune_history",
        "schedule_type": "D",  # DAILY
        "repeats": -1,
    },
    # Folds the publication tally's deltas (PostgreSQL), so reading it stays short.
    "publishing tally": {
        "func": "publishing.tasks.compact_tally",
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
        ("publishing", "0009_publication_tally"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(install_schedules, remove_schedules)]
