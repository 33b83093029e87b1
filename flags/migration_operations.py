"""The data migration a new platform adds for its switch: one operation in flags/migrations.

A platform's switch is created on, as the first four were (0001): adding a
platform never holds anything until an operator turns it off.
"""

from django.db import migrations

from flags.switches import platform_switch_name


def create_platform_switch(value: str, label: str) -> migrations.RunPython:
    """``publishing_<value>``, on, with a note naming ``label``; reversing deletes it."""
    name = platform_switch_name(value)

    def create(apps, schema_editor):
        Switch = apps.get_model("waffle", "Switch")
        Switch.objects.get_or_create(
            name=name,
            defaults={"active": True, "note": f"Off holds {label} publications in QUEUED."},
        )

    def remove(apps, schema_editor):
        apps.get_model("waffle", "Switch").objects.filter(name=name).delete()

    return migrations.RunPython(create, remove)
