"""The Mastodon platform's publishing switch, on."""

from django.db import migrations

from flags.migration_operations import create_platform_switch


class Migration(migrations.Migration):
    dependencies = [("flags", "0003_linkedin_switch")]

    operations = [create_platform_switch("mastodon", "Mastodon")]
