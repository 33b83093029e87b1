
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('integrations', '0007_provider_choices_from_registry'),
        ('publishing', '0007_publication_by_hand_plan_hold'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='publication',
            index=models.Index(condition=models.Q(('status', 'PUBLISHED')), fields=['published_at'], name='publication_published_idx'),
        ),
        migrations.AddIndex(
            model_name='publication',
            index=models.Index(condition=models.Q(('status', 'FAILED')), fields=['updated_at'], name='publication_failed_idx'),
        ),
        migrations.AddIndex(
            model_name='publication',
            index=models.Index(condition=models.Q(('last_error_code', 'in_doubt'), ('status', 'FAILED')), fields=['platform'], name='publication_in_doubt_idx'),
        ),
        migrations.AddIndex(
            model_name='publication',
            index=models.Index(fields=['platform', 'rate_slot_at'], name='publication_window_idx'),
        ),
    ]
