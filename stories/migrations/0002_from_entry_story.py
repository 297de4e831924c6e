# Entry.story (a line of text) and the story tags of the archive import become stories.
#
# Every entry whose story text is set joins the story of that name (compared in any case and
# spacing; of two spellings the smaller is kept, as for tags). An entry without story text that
# carries a tag opening its headline as "Tag. Headline" (the archive's form, the rule migration
# events.0009 used) joins the story named like that tag. A story named like a tag takes the
# tag's slug, so /stories/<slug>/ matches /tags/<slug>/. Headlines and tags are left as they are.
# A story whose latest event is more than 30 days ago is concluded, the others ongoing.
# Reversed, each entry's story name goes back into Entry.story.

import datetime

from django.db import migrations
from django.utils import timezone
from django.utils.text import slugify

BATCH = 2000
STORY_MAX_LENGTH = 200
QUIET_FOR = datetime.timedelta(days=30)


def _clean(name):
    return " ".join((name or "").split())[:STORY_MAX_LENGTH].strip()


def forwards(apps, schema_editor):
    Entry = apps.get_model("events", "Entry")
    TaggedEntry = apps.get_model("events", "TaggedEntry")
    Tag = apps.get_model("taggit", "Tag")
    Story = apps.get_model("stories", "Story")
    StoryEntry = apps.get_model("stories", "StoryEntry")

    found = {}  # entry id -> story name
    texts = Entry.objects.exclude(story=None).order_by("pk").values_list("pk", "story")
    for pk, text in texts.iterator(chunk_size=BATCH):
        name = _clean(text)
        if name:
            found[pk] = name
    links = (
        TaggedEntry.objects.order_by("content_object_id", "tag__name")
        .values_list("content_object_id", "content_object__headline", "tag__name")
    )
    for entry_id, headline, tag in links.iterator(chunk_size=BATCH):
        if entry_id not in found and headline.casefold().startswith(f"{tag}. ".casefold()):
            found[entry_id] = _clean(tag)
    if not found:
        return

    spelling = {}  # casefolded name -> the smallest spelling
    for name in found.values():
        key = name.casefold()
        spelling[key] = min(spelling.get(key, name), name)
    tag_slugs = {}
    names = list(spelling.values())
    for start in range(0, len(names), BATCH):
        for name, slug in Tag.objects.filter(name__in=names[start : start + BATCH]).values_list(
            "name", "slug"
        ):
            tag_slugs[name.casefold()] = slug

    taken = set(Story.objects.values_list("slug", flat=True))
    existing = {s.name.casefold(): s for s in Story.objects.all()}
    new = []
    for key, name in sorted(spelling.items()):
        if key in existing:
            continue
        base = (tag_slugs.get(key) or slugify(name, allow_unicode=True))[:STORY_MAX_LENGTH - 8]
        base = base.strip("-") or "story"
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        new.append(Story(name=name, slug=slug, status="ongoing"))
    for story in Story.objects.bulk_create(new, batch_size=BATCH):
        existing[story.name.casefold()] = story
    if any(s.pk is None for s in existing.values()):  # backends that return no ids
        existing = {s.name.casefold(): s for s in Story.objects.all()}

    ids = sorted(found)
    have = set(StoryEntry.objects.values_list("entry_id", flat=True))
    for start in range(0, len(ids), BATCH):
        StoryEntry.objects.bulk_create(
            [
                StoryEntry(entry_id=pk, story_id=existing[found[pk].casefold()].pk)
                for pk in ids[start : start + BATCH]
                if pk not in have
            ]
        )

    now = timezone.now()
    for story in Story.objects.filter(pk__in=[s.pk for s in existing.values()]):
        dates = Entry.objects.filter(story_membership__story=story)
        first = dates.order_by("event_date").values_list("event_date", flat=True).first()
        latest = dates.order_by("-event_date").values_list("event_date", flat=True).first()
        last = dates.order_by("-updated").values_list("updated", flat=True).first()
        story.started = story.started or first
        story.updated = last or now
        if latest is not None and latest < (now - QUIET_FOR).date():
            story.status = "concluded"
        story.save(update_fields=["started", "updated", "status"])


def backwards(apps, schema_editor):
    Entry = apps.get_model("events", "Entry")
    StoryEntry = apps.get_model("stories", "StoryEntry")
    rows = StoryEntry.objects.order_by("entry_id").values_list("entry_id", "story__name")
    batch = []
    for entry_id, name in rows.iterator(chunk_size=BATCH):
        batch.append(Entry(pk=entry_id, story=name))
        if len(batch) >= BATCH:
            Entry.objects.bulk_update(batch, ["story"])
            batch = []
    if batch:
        Entry.objects.bulk_update(batch, ["story"])


class Migration(migrations.Migration):
    dependencies = [
        ("stories", "0001_initial"),
        ("events", "0015_entry_lede"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]
    # The text column goes in events.0017 once its stories are here.
    run_before = [("events", "0017_remove_entry_story")]

    operations = [migrations.RunPython(forwards, backwards)]
