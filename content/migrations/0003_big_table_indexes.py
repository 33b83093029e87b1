
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('content', '0002_draft'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='content',
            name='content_owner_time_idx',
        ),
        migrations.AddIndex(
            model_name='content',
            index=models.Index(fields=['owner', 'scheduled_for', 'id'], name='content_owner_page_idx'),
        ),
        migrations.AddIndex(
            model_name='content',
            index=models.Index(fields=['scheduled_for'], name='content_time_idx'),
        ),
    ]
