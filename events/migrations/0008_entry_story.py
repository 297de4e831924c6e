# The story heading an entry is grouped under on day pages.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0007_slug_message'),
    ]

    operations = [
        migrations.AddField(
            model_name='entry',
            name='story',
            field=models.CharField(blank=True, null=True, help_text="Optional. The ongoing story this entry belongs to, e.g. “2014 Ukrainian revolution”; a day's entries are grouped under it. Spell it the same way each time.", max_length=200),
        ),
    ]
