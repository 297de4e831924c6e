"""Stories as a first-class model: the service, the migration of Entry.story, the archive and
JSON Lines mappings, and the desk."""

import datetime
import io
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from events.models import Entry
from interchange.archive import parse_link_item, split_story
from interchange.archive_import import import_files
from interchange.jsonlines import export_entries, import_lines
from stories import services
from stories.models import Story, StoryEntry
from tests.factories import EntryFactory
from tests.test_admin_entries import entry_form

pytestmark = pytest.mark.django_db


def story_name(entry) -> str | None:
    return StoryEntry.objects.filter(entry=entry).values_list("story__name", flat=True).first()


# --- the service ------------------------------------------------------------------------------


def test_a_typed_name_finds_its_story_in_any_case_and_spacing_or_starts_one():
    first = services.story_named("War in  Donbass")
    assert (first.name, first.slug, first.status) == ("War in Donbass", "war-in-donbass", "ongoing")
    assert services.story_named(" war in donbass ") == first
    assert services.story_named("") is None and services.story_named(None) is None
    assert Story.objects.count() == 1


def test_two_stories_whose_names_slugify_alike_get_distinct_slugs():
    one = services.story_named("Brexit")
    two = services.story_named("Brexit!")
    assert (one.slug, two.slug) == ("brexit", "brexit-2")


def test_an_entry_belongs_to_at_most_one_story_and_moving_it_touches_both():
    entry = EntryFactory(event_date="2014-02-19")
    donbass = services.set_story_named(entry, "War in Donbass", key=True)
    assert donbass.started.isoformat() == "2014-02-19"
    crimea = services.set_story_named(entry, "Crimean crisis")
    assert list(StoryEntry.objects.values_list("story__name", "key")) == [("Crimean crisis", True)]
    donbass.refresh_from_db()
    assert donbass.updated >= crimea.created
    assert services.set_story(entry, None) is True
    assert not StoryEntry.objects.exists()
    assert services.set_story(entry, None) is False


def test_key_events_are_marked_and_unmarked_by_the_service():
    story = services.story_named("Syrian Civil War")
    assert story is not None
    a, b = EntryFactory(story="Syrian Civil War"), EntryFactory(story="Syrian Civil War")
    assert services.set_key_events(story, [a.pk, b.pk], key=True) == 2
    assert services.set_key_events(story, [a.pk], key=True) == 0
    assert services.set_key_events(story, [a.pk], key=False) == 1
    assert list(StoryEntry.objects.filter(key=True).values_list("entry", flat=True)) == [b.pk]


def test_the_summary_is_rendered_through_the_sanitising_markdown_path():
    story = Story(
        name="X", slug="x", summary="**Bold** <script>alert(1)</script> [a](javascript:x)"
    )
    html = story.summary_html()
    assert "<strong>Bold</strong>" in html
    assert "<script" not in html and "javascript:" not in html


# --- migrating Entry.story and the archive's story tags ---------------------------------------

BEFORE = [("events", "0016_tag_keys"), ("stories", "0001_initial")]
AFTER = [("events", "0017_remove_entry_story"), ("stories", "0002_from_entry_story")]


@pytest.mark.django_db(transaction=True)
def test_story_text_and_story_tags_migrate_to_stories_without_loss_and_back():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldEntry = old.get_model("events", "Entry")
    Tag = old.get_model("taggit", "Tag")
    TaggedEntry = old.get_model("events", "TaggedEntry")

    def entry(slug, headline, story=None, date="2014-02-19"):
        return OldEntry.objects.create(
            event_date=date, slug=slug, headline=headline, story=story, status="draft"
        )

    a = entry("a", "Talks resume.", story="Iran nuclear talks", date="2014-02-18")
    b = entry("b", "Talks stall.", story="iran  nuclear talks")  # another spelling: same story
    c = entry("c", "Crime in North Korea. North Korea releases a prisoner.")  # the tag form
    d = entry("d", "North Korea tests a missile.")  # "North Korea tests" is not "North Korea. "
    kept = entry("kept", "Ferries. Boats double.", story="Harbour")  # the text wins over a tag
    entry("untagged", "Ferries. Boats double again.")  # no tag says so
    tag = Tag.objects.create(name="Crime in North Korea", slug="crime-in-north-korea")
    other = Tag.objects.create(name="North Korea", slug="north-korea")
    ferries = Tag.objects.create(name="Ferries", slug="ferries")
    TaggedEntry.objects.create(content_object=c, tag=tag)
    TaggedEntry.objects.create(content_object=c, tag=other)
    TaggedEntry.objects.create(content_object=d, tag=other)
    TaggedEntry.objects.create(content_object=kept, tag=ferries)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    NewStory = new.get_model("stories", "Story")
    NewStoryEntry = new.get_model("stories", "StoryEntry")
    assert sorted(NewStory.objects.values_list("name", "slug", "status")) == [
        ("Crime in North Korea", "crime-in-north-korea", "concluded"),  # the tag's slug
        ("Harbour", "harbour", "concluded"),
        ("Iran nuclear talks", "iran-nuclear-talks", "concluded"),
    ]
    assert dict(NewStoryEntry.objects.values_list("entry_id", "story__name")) == {
        a.pk: "Iran nuclear talks",
        b.pk: "Iran nuclear talks",
        c.pk: "Crime in North Korea",
        kept.pk: "Harbour",
    }
    iran = NewStory.objects.get(slug="iran-nuclear-talks")
    assert iran.started.isoformat() == "2014-02-18"
    # Headlines and tags are kept as they were.
    NewEntry = new.get_model("events", "Entry")
    assert NewEntry.objects.get(pk=c.pk).headline.startswith("Crime in North Korea. ")
    assert new.get_model("events", "TaggedEntry").objects.count() == 4

    # And back: each entry's story name returns to the text column.
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    assert dict(old.get_model("events", "Entry").objects.values_list("slug", "story")) == {
        "a": "Iran nuclear talks",
        "b": "Iran nuclear talks",
        "c": "Crime in North Korea",
        "d": None,
        "kept": "Harbour",
        "untagged": None,
    }

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_entry_table_keeps_its_count_triggers_after_the_column_goes():
    EntryFactory()
    EntryFactory()
    with connection.cursor() as cursor:
        cursor.execute("SELECT entries FROM events_entrycount WHERE id = 1")
        assert cursor.fetchone()[0] == 2


# --- the archive ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("War in Donbass. A shell hits.", ("War in Donbass", "A shell hits.")),
        ("War in Donbass:. A bomb kills 13.", ("War in Donbass", "A bomb kills 13.")),
        ("2017 North Korea crisis. IISS says so.", ("2017 North Korea crisis", "IISS says so.")),
        ("An Afghan soldier kills 3 U.S. troops. The Taliban claim it.", None),
        ('Deciding "Maryland v. Wynne", the court rules.', None),
        ("Justice Stephen G. Breyer retires.", None),
        ("The ferry sinks. Twelve die.", None),
        ("According to the Defense Ministry, 26 to 30 soldiers die in a long attack. More.", None),
        ("Ferry services double while the bridge is closed.", None),
    ],
)  # fmt: skip
def test_a_related_link_opening_with_a_story_name_gives_the_story_and_its_own_sentence(
    text, expected
):
    assert split_story(text) == (expected or ("", text))


def test_a_related_link_item_carries_its_story_and_the_headline_alone():
    link = parse_link_item(
        "1. [Human rights in North Korea. Eleven of 15 members vote. ]"
        "(/news/2014/12/22/eleven.md) _Context: North Korea_",
        7,
    )
    assert (link.story, link.headline, link.tags) == (
        "Human rights in North Korea",
        "Eleven of 15 members vote.",
        ("North Korea",),
    )


def test_the_archive_import_maps_headings_and_related_links_to_stories(tmp_path):
    page = tmp_path / "news" / "2014" / "03" / "05" / "pier.md"
    page.parent.mkdir(parents=True)
    page.write_text(
        "### [2014-03-05](/news/2014/03/05/index.md)\n\n"
        "##### Port Ellery harbour\n"
        "# The north pier closes.\n\n"
        "### Related:\n\n"
        "1. [Port Ellery council. The council funds a ferry terminal. ]"
        "(/news/2015/06/18/terminal.md) _Context: Port Ellery_\n"
        "2. [Port Ellery harbour. Inspectors survey the piers. ]"
        "(/news/2013/11/20/survey.md) _Context: Port Ellery_\n"
        "3. [ A storm tears the roof off the market. ](/news/2012/01/7/storm.md) _Context: X_\n",
        encoding="utf-8",
    )
    report = import_files([page])
    assert not report.errors
    stories = dict(Entry.objects.values_list("slug", "story_membership__story__name"))
    assert stories == {
        "pier": "Port Ellery harbour",
        "terminal": "Port Ellery council",
        "survey": "Port Ellery harbour",
        "storm": None,
    }
    assert Entry.objects.get(slug="terminal").headline == "The council funds a ferry terminal."
    assert Story.objects.count() == 2
    # Importing again changes nothing.
    again = import_files([page])
    assert again.entries_updated == 0 and Story.objects.count() == 2


# --- JSON Lines -------------------------------------------------------------------------------


def export_lines() -> list[dict]:
    out = io.StringIO()
    export_entries(out)
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def test_json_lines_carry_the_story_and_a_round_trip_recreates_it():
    entry = EntryFactory(slug="talks", story="Iran nuclear talks")
    story = Story.objects.get()
    story.status, story.category, story.summary = "developing", "international", "**Talks.**"
    story.save()
    services.set_story(entry, story, key=True)
    [line] = export_lines()
    assert line["format_version"] == 3
    assert {k: line["story"][k] for k in ("name", "slug", "status", "category", "key")} == {
        "name": "Iran nuclear talks",
        "slug": "iran-nuclear-talks",
        "status": "developing",
        "category": "international",
        "key": True,
    }
    Entry.objects.all().delete()
    Story.objects.all().delete()
    report = import_lines([json.dumps(line)])
    assert report.entries_created == 1, report.errors
    restored = Story.objects.get()
    assert (restored.name, restored.status, restored.category, restored.summary) == (
        "Iran nuclear talks",
        "developing",
        "international",
        "**Talks.**",
    )
    assert StoryEntry.objects.get().key is True
    assert export_lines() == [line]


def test_an_older_line_with_a_plain_story_name_joins_the_story_of_that_name():
    existing = services.story_named("War in Donbass")
    base = {
        "format_version": 2,
        "event_date": "2014-02-19",
        "headline": "Shelling",
        "status": "published",
        "publish_at": "2014-02-19T00:00:00+00:00",
    }
    lines = [
        json.dumps({**base, "slug": "one", "story": "war in donbass"}),
        json.dumps({**base, "slug": "two"}),
        json.dumps({**base, "slug": "three", "format_version": 1, "story": "Crimean crisis"}),
    ]
    report = import_lines(lines)
    assert report.entries_created == 3, report.errors
    assert dict(Entry.objects.values_list("slug", "story_membership__story")) == {
        "one": existing.pk,
        "two": None,
        "three": Story.objects.get(name="Crimean crisis").pk,
    }


@pytest.mark.parametrize(
    ("story", "reason"),
    [
        (12, "story must be null, a name or an object"),
        ({"name": "X", "status": "paused"}, "unknown story status 'paused'"),
        ({"name": "X", "category": "gossip"}, "unknown story category 'gossip'"),
        ({"name": " "}, "name is empty"),
    ],
)
def test_a_bad_story_is_refused_with_its_line(story, reason):
    line = {
        "event_date": "2014-02-19",
        "slug": "x",
        "headline": "X",
        "status": "draft",
        "story": story,
    }
    report = import_lines([json.dumps(line)])
    assert [str(e) for e in report.errors] == [f"line 1: {reason}"]


# --- the desk ---------------------------------------------------------------------------------


@pytest.fixture
def editor_client(editor):
    client = Client()
    client.force_login(editor)
    return client


def test_the_entry_form_puts_the_entry_in_a_typed_story_and_shows_it_when_reopened(editor_client):
    existing = services.story_named("War in Donbass")
    response = editor_client.post(
        reverse("admin:events_entry_add"), entry_form(story="war in donbass")
    )
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert story_name(entry) == existing.name
    page = editor_client.get(reverse("admin:events_entry_change", args=[entry.pk]))
    assert 'value="War in Donbass"' in page.content.decode()
    assert '<option value="War in Donbass">' in page.content.decode()  # suggested

    data = entry_form(story="Crimean crisis", base_version=str(entry.version))
    editor_client.post(reverse("admin:events_entry_change", args=[entry.pk]), data)
    assert story_name(entry) == "Crimean crisis"
    data = entry_form(story="", base_version=str(Entry.objects.get().version))
    editor_client.post(reverse("admin:events_entry_change", args=[entry.pk]), data)
    assert story_name(entry) is None


def test_editors_create_summarise_and_close_stories_and_mark_key_events(editor_client):
    entry = EntryFactory()
    response = editor_client.post(
        reverse("admin:stories_story_add"),
        {
            "name": "Kestrel River floods",
            "slug": "kestrel-river-floods",
            "status": "developing",
            "category": "disasters",
            "summary": "The river burst its banks.",
            "started": "",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-entry": str(entry.pk),
            "memberships-0-key": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].errors
    story = Story.objects.get()
    assert (story.status, story.category, story.summary) == (
        "developing",
        "disasters",
        "The river burst its banks.",
    )
    assert story.started == entry.event_date  # filled from its earliest entry
    assert list(StoryEntry.objects.values_list("entry", "key")) == [(entry.pk, True)]

    changelist = reverse("admin:stories_story_changelist")
    editor_client.post(changelist, {"action": "close_stories", "_selected_action": [story.pk]})
    story.refresh_from_db()
    assert story.status == "concluded"
    response = editor_client.post(
        changelist, {"action": "close_stories", "_selected_action": [story.pk]}, follow=True
    )
    assert "Nothing changed" in response.content.decode()


def test_a_second_story_of_the_same_name_in_another_case_is_refused_by_the_desk(editor_client):
    services.story_named("Brexit")
    response = editor_client.post(
        reverse("admin:stories_story_add"),
        {
            "name": "BREXIT",
            "slug": "brexit-again",
            "status": "ongoing",
            "category": "",
            "summary": "",
            "started": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200
    assert "A story with that name already exists." in response.content.decode()
    assert Story.objects.count() == 1


def test_an_open_story_without_a_new_entry_for_two_weeks_is_offered_for_closing(editor_client):
    quiet = EntryFactory(story="Quiet story")
    EntryFactory(story="Busy story")
    EntryFactory(story="Closed story")
    StoryEntry.objects.filter(entry=quiet).update(
        added=timezone.now() - datetime.timedelta(days=15)
    )
    Story.objects.filter(name="Closed story").update(status=Story.Status.CONCLUDED)
    StoryEntry.objects.filter(story__name="Closed story").update(
        added=timezone.now() - datetime.timedelta(days=30)
    )
    changelist = reverse("admin:stories_story_changelist")
    page = editor_client.get(changelist).content.decode()
    assert "1 open story has had no new entry for 14 days" in page
    listed = editor_client.get(changelist, {"quiet": "yes"}).context["cl"].result_list
    assert [s.name for s in listed] == ["Quiet story"]


def test_the_entry_form_suggests_up_to_three_open_stories_it_shares_tags_or_sources_with(
    editor_client,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from stories.selectors import suggest_stories
    from tests.factories import CitationFactory, PublisherFactory, SourceFactory

    today = timezone.localdate()
    gazette = PublisherFactory(name="Kestrel Gazette")

    def story_entry(story, tags, *, days_ago=1, publisher=None):
        entry = EntryFactory(
            event_date=today - datetime.timedelta(days=days_ago), tags=tags, story=story
        )
        if publisher:
            CitationFactory(entry=entry, source=SourceFactory(publisher=publisher))
        return entry

    story_entry("Floods", ["Millford", "rain"], publisher=gazette)
    story_entry("Rail strike", ["Millford"])
    story_entry("Old floods", ["Millford", "rain"], days_ago=60)  # not recent
    story_entry("Closed", ["rain"])
    Story.objects.filter(name="Closed").update(status=Story.Status.CONCLUDED)
    for n in range(3):
        story_entry(f"Other {n}", ["unrelated"])
    entry = EntryFactory(event_date=today, tags=["Millford", "rain"])
    CitationFactory(entry=entry, source=SourceFactory(publisher=gazette))

    with CaptureQueriesContext(connection) as queries:
        found = suggest_stories(entry)
    assert len(queries) == 1
    assert [(s.name, s.reason) for s in found] == [
        ("Floods", "shares tags Millford, rain and sources from Kestrel Gazette"),
        ("Rail strike", "shares tags Millford"),
    ]
    page = editor_client.get(reverse("admin:events_entry_change", args=[entry.pk]))
    assert "Suggested: “Floods” (shares tags Millford, rain and sources from Kestrel Gazette)" in (
        page.content.decode()
    )
    services.set_story_named(entry, "Floods")
    page = editor_client.get(reverse("admin:events_entry_change", args=[entry.pk]))
    assert "Suggested:" not in page.content.decode()
