# Entry.story, a line of text, is replaced by stories.Story and its memberships; the data moved
# in stories.0002 (which runs before this one). Dropped in place on SQLite too (a plain
# nullable column), so the entry table keeps its triggers.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0016_tag_keys"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="entry",
            name="story",
        ),
    ]
