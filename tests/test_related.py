"""Related stories: the ranking, the one query behind it, its cache and the entry-page widget."""

import datetime
import math
import random

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape
from taggit.models import Tag

from events.models import Entry, EntryCount, TagCount, TaggedEntry
from events.related import cache as related_cache
from events.related import query as related_module
from events.related import query_related_entries, related_entries
from reading.text import clip
from tests.desk_support import move_to_draft, publish_now
from tests.factories import EntryFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2014, 2, 19)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def on(days: int) -> datetime.date:
    return DAY + datetime.timedelta(days=days)


def oracle(entry: Entry, limit: int = 10) -> list[tuple[int, float, list[str]]]:
    """The ranking rule written the slow, obvious way in Python, to check the SQL against."""
    n = Entry.objects.count()
    df = dict(
        TaggedEntry.objects.values_list("tag__name")
        .annotate(c=Count("id"))
        .values_list("tag__name", "c")
    )
    weight = {name: math.log(1 + n / count) for name, count in df.items()}
    mine = set(entry.tags.names())
    rows = []
    for other in Entry.objects.published().exclude(pk=entry.pk).prefetch_related("tags"):
        shared = mine & {t.name for t in other.tags.all()}
        if not shared:
            continue
        score = round(sum(weight[name] for name in shared), 6)
        apart = abs((other.event_date - entry.event_date).days)
        names = sorted(shared, key=lambda name: (-round(weight[name], 6), name.casefold(), name))
        rows.append((-score, apart, -other.event_date.toordinal(), other.pk, score, names))
    rows.sort()
    return [(row[3], row[4], row[5]) for row in rows[:limit]]


def as_rows(entries: list[Entry]) -> list[tuple[int, float, list[str]]]:
    return [(e.pk, e.score, e.shared_tags) for e in entries]


def ids(entries) -> list[int]:
    return [e.pk for e in entries]


# --- ranking ---------------------------------------------------------------------------------


def test_score_is_the_sum_of_log_weights_with_drafts_and_untagged_entries_in_n():
    entry = EntryFactory(tags=["Botswana", "North Korea"])
    other = EntryFactory(tags=["Botswana", "North Korea"])
    EntryFactory(draft=True, tags=["North Korea"])
    EntryFactory()  # untagged: still one of the N entries
    (result,) = related_entries(entry)
    n = 4
    expected = round(math.log(1 + n / 2) + math.log(1 + n / 3), 6)
    assert result.pk == other.pk
    assert result.score == pytest.approx(expected, abs=1e-9)
    assert result.shared_tags == ["Botswana", "North Korea"]


def test_rare_shared_tag_outranks_two_common_ones():
    entry = EntryFactory(tags=["Botswana", "United States", "North Korea"])
    common = EntryFactory(tags=["United States", "North Korea"])
    rare = EntryFactory(tags=["Botswana"])
    for _ in range(8):
        EntryFactory(tags=["United States", "North Korea"])
    result = related_entries(entry)
    assert ids(result)[0] == rare.pk
    assert common.pk in ids(result)
    assert result[0].score > result[1].score


def test_equal_scores_order_by_closeness_then_newer_then_lower_pk():
    entry = EntryFactory(event_date=DAY, tags=["Botswana"])
    far = EntryFactory(event_date=on(-400), tags=["Botswana"])
    older_near = EntryFactory(event_date=on(-10), tags=["Botswana"])
    newer_near = EntryFactory(event_date=on(10), tags=["Botswana"])
    same_day_low_pk = EntryFactory(event_date=on(3), tags=["Botswana"])
    same_day_high_pk = EntryFactory(event_date=on(3), tags=["Botswana"])
    assert ids(related_entries(entry)) == [
        same_day_low_pk.pk,
        same_day_high_pk.pk,
        newer_near.pk,
        older_near.pk,
        far.pk,
    ]


def test_scores_equal_up_to_float_noise_tie_on_six_decimals():
    entry = EntryFactory(tags=["a", "b", "c"])
    # Same tag set summed in different orders; both round to the same score.
    first = EntryFactory(event_date=on(5), tags=["a", "b"])
    second = EntryFactory(event_date=on(-5), tags=["b", "a"])
    result = related_entries(entry)
    assert [e.score for e in result] == [result[0].score, result[0].score]
    assert ids(result) == [first.pk, second.pk]


def test_draft_never_appears_in_related():
    entry = EntryFactory(tags=["Botswana"])
    draft = EntryFactory(draft=True, tags=["Botswana"])
    live = EntryFactory(tags=["Botswana"])
    assert ids(related_entries(entry)) == [live.pk]
    assert draft.pk not in ids(query_related_entries(entry))


def test_scheduled_entry_appears_only_once_its_time_has_come():
    entry = EntryFactory(tags=["Botswana"])
    scheduled = EntryFactory(scheduled=True, tags=["Botswana"])
    assert related_entries(entry) == []
    Entry.objects.filter(pk=scheduled.pk).update(
        publish_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert ids(query_related_entries(entry)) == [scheduled.pk]


def test_entry_itself_never_appears():
    entry = EntryFactory(tags=["Botswana", "North Korea"])
    assert related_entries(entry) == []
    other = EntryFactory(tags=["North Korea"])
    assert ids(related_entries(entry)) == [other.pk]


def test_drafts_count_in_tag_weights():
    entry = EntryFactory(tags=["Chad", "Niger"])
    chad = EntryFactory(event_date=on(2), tags=["Chad"])
    niger = EntryFactory(event_date=on(1), tags=["Niger"])
    assert ids(query_related_entries(entry)) == [niger.pk, chad.pk]  # tie: closer first
    EntryFactory(draft=True, tags=["Niger"])  # Niger is now commoner, so it weighs less
    assert ids(query_related_entries(entry)) == [chad.pk, niger.pk]


def test_entries_sharing_no_tag_are_not_related():
    entry = EntryFactory(tags=["Botswana"])
    EntryFactory(tags=["Chad"])
    EntryFactory()
    assert related_entries(entry) == []


def test_entry_without_tags_has_no_related_entries():
    entry = EntryFactory()
    EntryFactory(tags=["Botswana"])
    assert related_entries(entry) == []


def test_limit_keeps_the_best():
    entry = EntryFactory(tags=["Botswana", "Chad"])
    best = EntryFactory(tags=["Botswana", "Chad"])
    for _ in range(12):
        EntryFactory(tags=["Chad"])
    assert len(related_entries(entry)) == 10
    assert ids(related_entries(entry, limit=1)) == [best.pk]


@pytest.mark.parametrize("limit", [0, -1, 2.5, "10", True])
def test_limit_must_be_a_positive_whole_number(limit):
    entry = EntryFactory(tags=["Botswana"])
    with pytest.raises(ValueError):
        related_entries(entry, limit=limit)


def test_shared_tags_are_listed_by_weight_then_name():
    entry = EntryFactory(tags=["North Korea", "human rights", "Zambia", "Angola"])
    other = EntryFactory(tags=["North Korea", "human rights", "Zambia", "Angola"])
    EntryFactory(tags=["human rights", "Zambia", "Angola"])  # NK is now the rarest
    (result,) = [e for e in related_entries(entry) if e.pk == other.pk]
    assert result.shared_tags == ["North Korea", "Angola", "human rights", "Zambia"]


@pytest.mark.parametrize(
    ("budget", "floor", "exact"),
    [(0, 0, 1), (0, 1, 1), (3, 5, 2), (40, 1, 5), (40, 30, 100), (10**9, 0, 1), (10**9, 30, 100)],
)
@pytest.mark.parametrize("limit", [1, 3, 10])
def test_ranking_matches_the_rule_on_a_random_corpus_whatever_the_first_pass(
    monkeypatch, budget, floor, exact, limit
):
    # Each knob only moves work between the query's passes; every setting must give the rule.
    monkeypatch.setattr(related_module, "FIRST_PASS_POSTINGS", budget)
    monkeypatch.setattr(related_module, "FIRST_PASS_FLOOR", floor)
    monkeypatch.setattr(related_module, "FIRST_PASS_EXACT", exact)
    assert_ranking_matches_the_rule(limit)


def assert_ranking_matches_the_rule(limit: int, *, analyze: bool = False) -> None:
    """70 random entries (Zipf-popular tags, some drafts and scheduled): every entry's related
    list is the oracle's, in order, with the same scores."""
    rng = random.Random(4)
    names = [f"tag {i}" for i in range(14)]
    popularity = [1 / (i + 1) for i in range(len(names))]
    entries = []
    for _ in range(70):
        kind = rng.choice(["live", "live", "live", "draft", "scheduled"])
        tags = set(rng.choices(names, weights=popularity, k=rng.randint(0, 4)))
        entries.append(
            EntryFactory(
                event_date=on(rng.randint(-30, 30)),
                tags=sorted(tags),
                draft=kind == "draft",
                scheduled=kind == "scheduled",
            )
        )
    if analyze:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE events_entry, events_taggedentry, events_tagcount")
    for entry in entries:
        got = as_rows(query_related_entries(entry, limit=limit))
        expected = oracle(entry, limit)
        assert [(pk, tags) for pk, _, tags in got] == [(pk, tags) for pk, _, tags in expected]
        assert [score for _, score, _ in got] == pytest.approx([s for _, s, _ in expected])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL planner statistics")
@pytest.mark.parametrize("limit", [3, 10])
def test_the_ranking_does_not_depend_on_the_plan(limit):
    # With the tables analyzed, the planner checks liveness by a hash join rather than by
    # in-order probes: a query relying on a subquery's order then picked a wrong bar and
    # cut-off, and dropped the weakest related entries.
    assert_ranking_matches_the_rule(limit, analyze=True)


# --- one query, cached -----------------------------------------------------------------------


def test_exactly_one_query_cold_and_none_warm(django_assert_num_queries):
    entry = EntryFactory(tags=["Botswana", "North Korea"])
    EntryFactory(tags=["Botswana"])
    EntryFactory(tags=["North Korea"])
    with django_assert_num_queries(1):
        cold = related_entries(entry)
    with django_assert_num_queries(0):
        warm = related_entries(entry)
    assert as_rows(warm) == as_rows(cold)
    assert len(cold) == 2


def assert_counts_exact() -> None:
    """The trigger-kept N and df(t) equal a fresh count of the tables."""
    assert EntryCount.objects.get(id=1).entries == Entry.objects.count()
    df = dict(
        TaggedEntry.objects.values_list("tag_id").annotate(c=Count("id")).values_list("tag_id", "c")
    )
    assert dict(TagCount.objects.values_list("tag_id", "entries")) == df


def test_the_query_counts_nothing_and_reads_n_and_df_from_trigger_kept_counts():
    entry = EntryFactory(tags=["Botswana"])
    other = EntryFactory(tags=["Botswana"])
    with CaptureQueriesContext(connection) as queries:
        query_related_entries(other)
    assert "COUNT(" not in queries[0]["sql"].upper()
    EntryFactory()  # a third entry: N changes, so every weight does
    (result,) = related_entries(other)
    assert result.pk == entry.pk
    assert result.score == pytest.approx(round(math.log(1 + 3 / 2), 6), abs=1e-9)


def test_counts_stay_exact_through_bulk_writes_updates_cascades_and_raw_sql():
    botswana, chad, niger = (Tag.objects.create(name=n) for n in ["Botswana", "Chad", "Niger"])
    entries = Entry.objects.bulk_create(
        [Entry(event_date=on(i), headline=f"Bulk {i}", slug=f"bulk-{i}") for i in range(6)]
    )
    if entries[0].pk is None:
        entries = list(Entry.objects.filter(slug__startswith="bulk-").order_by("slug"))
    TaggedEntry.objects.bulk_create(
        [TaggedEntry(content_object=e, tag=botswana) for e in entries]
        + [TaggedEntry(content_object=e, tag=chad) for e in entries[:3]]
    )
    assert_counts_exact()
    TaggedEntry.objects.filter(tag=chad, content_object=entries[0]).update(tag=niger)
    assert_counts_exact()
    entries[1].delete()  # cascades to its two tag links
    assert_counts_exact()
    Entry.objects.filter(pk__in=[e.pk for e in entries[2:4]]).delete()
    assert_counts_exact()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM events_taggedentry WHERE tag_id = %s", [botswana.pk])
        cursor.execute("DELETE FROM events_entry WHERE id = %s", [entries[5].pk])
    assert_counts_exact()
    assert not TagCount.objects.filter(tag_id=botswana.pk).exists()  # no entry carries it
    EntryFactory(tags=["Chad", "Niger"])  # the ordinary path: save() and tags.add()
    assert_counts_exact()


def test_ranking_is_exact_after_bulk_inserts_that_send_no_signals():
    entry = EntryFactory(tags=["Chad", "Niger"])
    chad = EntryFactory(event_date=on(2), tags=["Chad"])
    niger = EntryFactory(event_date=on(1), tags=["Niger"])
    assert ids(query_related_entries(entry)) == [niger.pk, chad.pk]  # tie: closer first
    (draft,) = Entry.objects.bulk_create([Entry(event_date=DAY, headline="Bulk", slug="bulk")])
    draft = draft if draft.pk else Entry.objects.get(slug="bulk")
    TaggedEntry.objects.bulk_create(
        [TaggedEntry(content_object=draft, tag=Tag.objects.get(name="Niger"))]
    )
    assert ids(query_related_entries(entry)) == [chad.pk, niger.pk]  # Niger is commoner now
    assert as_rows(query_related_entries(entry)) == oracle(entry)


def test_query_count_does_not_grow_with_candidates(django_assert_num_queries):
    entry = EntryFactory(tags=["Botswana", "North Korea", "Chad"])
    for i in range(30):
        EntryFactory(tags=["Botswana", "North Korea", "Chad"][: 1 + i % 3])
    with django_assert_num_queries(1):
        assert len(query_related_entries(entry)) == 10


@pytest.fixture
def cached_pair():
    """An entry and one related entry, with the related list already cached."""
    entry = EntryFactory(tags=["Botswana"])
    other = EntryFactory(tags=["Botswana"], headline="Old headline")
    assert ids(related_entries(entry)) == [other.pk]
    return entry, other


def test_cache_dropped_when_related_entry_becomes_a_draft(cached_pair, editor):
    entry, other = cached_pair
    assert move_to_draft(editor, other) == ["Moved to draft 1."]
    assert related_entries(entry) == []


def test_cache_dropped_when_related_entry_is_deleted(cached_pair):
    entry, other = cached_pair
    other.delete()
    assert related_entries(entry) == []


def test_cache_dropped_when_related_entry_loses_the_shared_tag(cached_pair):
    entry, other = cached_pair
    other.tags.remove("Botswana")
    assert related_entries(entry) == []


def test_cache_dropped_when_tags_are_cleared_or_set(cached_pair):
    entry, other = cached_pair
    other.tags.set(["Chad"])
    assert related_entries(entry) == []
    other.tags.set(["Botswana"])
    assert ids(related_entries(entry)) == [other.pk]
    other.tags.clear()
    assert related_entries(entry) == []


def test_cache_dropped_when_a_new_entry_is_tagged(cached_pair):
    entry, _ = cached_pair
    newcomer = EntryFactory(event_date=entry.event_date)
    newcomer.tags.add("Botswana")
    assert newcomer.pk in ids(related_entries(entry))


def test_cache_dropped_when_a_draft_is_published(cached_pair, editor):
    entry, _ = cached_pair
    draft = EntryFactory(draft=True, tags=["Botswana"])
    assert draft.pk not in ids(related_entries(entry))
    assert publish_now(editor, draft) == ["Published 1."]
    assert draft.pk in ids(related_entries(entry))


def test_cache_dropped_when_headline_or_date_changes(cached_pair):
    entry, other = cached_pair
    other.headline = "New headline"
    other.event_date = on(7)
    other.save()
    (result,) = related_entries(entry)
    assert (result.headline, result.event_date) == ("New headline", on(7))


def test_cache_dropped_when_the_shared_tag_is_renamed_or_deleted(cached_pair):
    entry, _ = cached_pair
    tag = Tag.objects.get(name="Botswana")
    tag.name = "Republic of Botswana"
    tag.save()
    assert related_entries(entry)[0].shared_tags == ["Republic of Botswana"]
    tag.delete()
    assert related_entries(entry) == []


def test_cached_list_expires_after_the_configured_timeout(settings, cached_pair, monkeypatch):
    entry, _ = cached_pair
    cache.clear()
    stored = {}
    monkeypatch.setattr(cache, "set", lambda key, value, timeout: stored.update({key: timeout}))
    settings.RELATED_CACHE_SECONDS = 42
    related_entries(entry)
    assert stored[related_cache.list_cache_key(entry.pk)] == 42


# --- the widget on the entry page and the JSON view --------------------------------------------


@pytest.fixture
def korea_page():
    """The archive page of 2014-02-19 in miniature: NK is rarer than 'human rights' here."""
    entry = EntryFactory(headline="Botswana ends relations", tags=["North Korea", "human rights"])
    related = EntryFactory(
        event_date=datetime.date(2016, 7, 28),
        headline="North Korea says the United States crossed the red line",
        tags=["North Korea", "human rights"],
    )
    EntryFactory(tags=["human rights"])
    return entry, related


def test_widget_lists_date_linked_headline_and_context(client, korea_page):
    entry, related = korea_page
    html = client.get(entry.get_absolute_url()).content.decode()
    assert 'id="related-heading"' in html
    # Compact: the headline cut at a word boundary, a short date, the shared tags.
    headline = escape(clip(related.headline, 160))
    assert f'<a href="{related.get_absolute_url()}">{headline}</a>' in html
    assert "Context: North Korea, human rights" in html
    assert '<time datetime="2016-07-28">28 Jul 2016</time>' in html


def test_no_widget_and_no_query_for_an_entry_without_tags(client, django_assert_num_queries):
    tagged = EntryFactory(tags=["Botswana"])
    EntryFactory(tags=["Botswana"])
    untagged = EntryFactory()
    with CaptureQueriesContext(connection) as tagged_queries:
        client.get(tagged.get_absolute_url())
    cache.clear()
    with CaptureQueriesContext(connection) as untagged_queries:
        html = client.get(untagged.get_absolute_url()).content.decode()
    assert "related-heading" not in html
    assert "Context:" not in html
    assert len(untagged_queries) == len(tagged_queries) - 1


def test_no_widget_when_tags_are_shared_with_nobody_live(client):
    entry = EntryFactory(tags=["Botswana"])
    EntryFactory(draft=True, tags=["Botswana"])
    html = client.get(entry.get_absolute_url()).content.decode()
    assert "related-heading" not in html


def test_entry_page_query_count_is_constant_whatever_the_related_count(client):
    def page_queries(n_related: int) -> int:
        entry = EntryFactory(tags=[f"t{n_related}", "shared"])
        for _ in range(n_related):
            EntryFactory(tags=[f"t{n_related}"])
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(entry.get_absolute_url())
        assert response.content.decode().count("Context:") == min(n_related, 10)
        return len(queries)

    assert page_queries(1) == page_queries(12)


def test_warm_entry_page_runs_no_related_query(client, korea_page):
    entry, _ = korea_page
    with CaptureQueriesContext(connection) as cold:
        client.get(entry.get_absolute_url())
    with CaptureQueriesContext(connection) as warm:
        client.get(entry.get_absolute_url())
    assert len(warm) == len(cold) - 1


def test_related_json_lists_the_widget_items(client, korea_page, django_assert_num_queries):
    entry, related = korea_page
    with django_assert_num_queries(2):
        response = client.get(f"/events/{entry.pk}/related.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    item = response.json()["related"][0]
    assert item == {
        "id": related.pk,
        "date": "2016-07-28",
        "headline": related.headline,
        "url": related.get_absolute_url(),
        "score": item["score"],
        "context": ["North Korea", "human rights"],
    }
    assert item["score"] == related_entries(entry)[0].score
    assert response.json()["entry"] == entry.pk


def test_related_json_of_an_untagged_entry_is_an_empty_list(client):
    entry = EntryFactory()
    response = client.get(f"/events/{entry.pk}/related.json")
    assert response.status_code == 200
    assert response.json()["related"] == []


@pytest.mark.parametrize("kind", ["draft", "scheduled"])
def test_related_json_is_404_for_an_entry_that_is_not_live(client, kind):
    entry = EntryFactory(tags=["Botswana"], **{kind: True})
    EntryFactory(tags=["Botswana"])
    assert client.get(f"/events/{entry.pk}/related.json").status_code == 404


@pytest.mark.parametrize("pk", ["999999", "99999999999999999999999", "abc", "-1", "1.5"])
def test_related_json_is_404_for_unknown_or_malformed_ids(client, pk):
    assert client.get(f"/events/{pk}/related.json").status_code == 404
