from django.db import migrations

SCHEDULE_NAME = "daily integration check"


def install_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": "integrations.tasks.daily_integration_check",
            "schedule_type": "D",  # DAILY, first run when the cluster starts
            "repeats": -1,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0003_oauth_state"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(install_schedule, remove_schedule)]
