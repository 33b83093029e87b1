from django.db import migrations

from flags.migration_operations import create_platform_switch


class Migration(migrations.Migration):
    dependencies = [("flags", "0002_switch_flip")]

    operations = [create_platform_switch("bluesky", "Bluesky")]
