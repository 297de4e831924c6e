"""Tag identity keys: a stored, unique casefolded key beside each tag and on each alias.

The keys are filled here by the same function the code uses (events.tagging.tag_key). Two tags
whose names already share a key (made before the key existed) cannot both hold it: the oldest
keeps it, and every spelling typed from now on finds that one; the other keeps its entries
and no key, listed among the housekeeping page's probable duplicates for an editor to merge.
Of two aliases sharing a key (possible before, on SQLite, for non-ASCII names), only one
could ever be matched: the oldest is kept.
"""

import django.db.models.deletion
from django.db import migrations, models

from events.tagging import tag_key


def fill_keys(apps, schema_editor):
    Tag = apps.get_model("taggit", "Tag")
    TagKey = apps.get_model("events", "TagKey")
    TagAlias = apps.get_model("events", "TagAlias")
    seen: set[str] = set()
    batch = []
    for pk, name in Tag.objects.order_by("pk").values_list("pk", "name").iterator():
        key = tag_key(name)
        if key in seen:
            continue
        seen.add(key)
        batch.append(TagKey(tag_id=pk, key=key))
        if len(batch) >= 1000:
            TagKey.objects.bulk_create(batch)
            batch = []
    TagKey.objects.bulk_create(batch)
    aliases: set[str] = set()
    for alias in TagAlias.objects.order_by("pk"):
        key = tag_key(alias.name)
        if key in aliases:
            alias.delete()
            continue
        aliases.add(key)
        alias.key = key
        alias.save(update_fields=["key"])


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0015_entry_lede"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.CreateModel(
            name="TagKey",
            fields=[
                (
                    "tag",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="identity",
                        serialize=False,
                        to="taggit.tag",
                    ),
                ),
                ("key", models.CharField(max_length=400, unique=True)),
            ],
            options={"verbose_name": "tag key"},
        ),
        migrations.AddField(
            model_name="tagalias",
            name="key",
            field=models.CharField(default="", editable=False, max_length=400),
            preserve_default=False,
        ),
        migrations.RemoveConstraint(model_name="tagalias", name="tagalias_name_unique"),
        migrations.RunPython(fill_keys, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="tagalias",
            constraint=models.UniqueConstraint(
                fields=("key",),
                name="tagalias_key_unique",
                violation_error_message="That name is already an alias.",
            ),
        ),
    ]
