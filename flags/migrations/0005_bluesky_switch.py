from django.db import migrations

from flags.migration_operations import create_platform_switch


class Migration(migrations.Migration):
    dependencies = [("flags", "0004_mastodon_switch")]

    operations = [create_platform_switch("bluesky", "Bluesky")]
