from django.db import migrations, models

# The texts the engine wrote before holds had a kind: the one place that still reads them.
KIND_OF_TEXT = (
    ("automation_switch", {"hold_reason": "switch automation_enabled is off"}),
    (
        "platform_switch",
        {"hold_reason__startswith": "switch publishing_", "hold_reason__endswith": " is off"},
    ),
    ("paused_account", {"hold_reason": "the account is paused"}),
    ("rate_window", {"hold_reason__startswith": "rate limit: "}),
    ("platform_wait", {"hold_reason": "the platform asked us to wait"}),
)


def set_hold_kinds(apps, schema_editor):
    """Give every row that carries a hold reason the kind of that reason."""
    Publication = apps.get_model("publishing", "Publication")
    for kind, text in KIND_OF_TEXT:
        Publication.objects.filter(hold_kind="", **text).update(hold_kind=kind)


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0004_settle_permission"),
    ]

    operations = [
        migrations.AddField(
            model_name="publication",
            name="hold_kind",
            field=models.CharField(
                blank=True,
                choices=[
                    ("automation_switch", "the automation switch is off"),
                    ("platform_switch", "the platform's publishing switch is off"),
                    ("paused_account", "the account is paused"),
                    ("rate_window", "Herald's rate window is full"),
                    ("platform_wait", "the platform asked us to wait"),
                ],
                help_text="What holds this QUEUED publication; empty when nothing does.",
                max_length=32,
            ),
        ),
        migrations.RunPython(set_hold_kinds, migrations.RunPython.noop, elidable=True),
    ]
