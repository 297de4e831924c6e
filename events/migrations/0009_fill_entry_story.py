# Fill Entry.story where the archive told us the story. Imported entries carry the archive's
# `##### Story` heading as a tag, and their headlines often begin with it ("Crime in North
# Korea. North Korea releases ..."): a tag that opens the headline that way is the story.
# Entries without such a tag keep an empty story; re-importing their pages sets it.

from django.db import migrations

BATCH = 2000


def fill_story(apps, schema_editor):
    Entry = apps.get_model("events", "Entry")
    TaggedEntry = apps.get_model("events", "TaggedEntry")
    links = (
        TaggedEntry.objects.filter(content_object__story__isnull=True)
        .order_by("content_object_id", "tag__name")
        .values_list("content_object_id", "content_object__headline", "tag__name")
    )
    found = {}
    for entry_id, headline, tag in links.iterator(chunk_size=BATCH):
        if entry_id not in found and headline.casefold().startswith(f"{tag}. ".casefold()):
            found[entry_id] = tag
    ids = sorted(found)
    for start in range(0, len(ids), BATCH):
        entries = list(Entry.objects.filter(pk__in=ids[start : start + BATCH]).only("pk"))
        for entry in entries:
            entry.story = found[entry.pk]
        Entry.objects.bulk_update(entries, ["story"])


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0008_entry_story"),
    ]

    operations = [
        migrations.RunPython(fill_story, migrations.RunPython.noop),
    ]
