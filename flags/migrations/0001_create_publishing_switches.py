from django.db import migrations

SWITCHES = {
    "automation_enabled": "Global kill switch: off holds every publication in QUEUED.",
    "publishing_twitter": "Off holds X (Twitter) publications in QUEUED.",
    "publishing_discord": "Off holds Discord publications in QUEUED.",
    "publishing_instagram": "Off holds Instagram publications in QUEUED.",
    "publishing_youtube": "Off holds YouTube publications in QUEUED.",
}


def create_switches(apps, schema_editor):
    Switch = apps.get_model("waffle", "Switch")
    for name, note in SWITCHES.items():
        Switch.objects.get_or_create(name=name, defaults={"active": True, "note": note})


def remove_switches(apps, schema_editor):
    apps.get_model("waffle", "Switch").objects.filter(name__in=SWITCHES).delete()


class Migration(migrations.Migration):
    dependencies = [("waffle", "0004_update_everyone_nullbooleanfield")]

    operations = [migrations.RunPython(create_switches, remove_switches)]
