"""bench/import.py's corpus written by set-based SQL on PostgreSQL, for sizes the import is slow at.

The same rows `bench/import.py`'s generator describes (entry n on day 2000-01-01 + n % 7300, tags
Topic (n*k) % 2000 for k in 1, 7, 13, a story of its publisher n % 200 and the day's wire story,
a comment on every fifth entry), inserted with one INSERT ... SELECT per table into an empty
database, so each count trigger runs once per table over the whole set. It measures nothing about
the import: `bench/import.py` does that. Used by `bench/pages.py --sql-build`.
"""

TAGS = 2000
PUBLISHERS = 200
DAYS = 7300

STATEMENTS = [
    f"""INSERT INTO taggit_tag (id, name, slug)
        SELECT i + 1, 'Topic ' || i, 'topic-' || i FROM generate_series(0, {TAGS - 1}) i""",
    # Each tag's identity key (events.tagging.tag_key): LOWER is that for these ASCII names.
    "INSERT INTO events_tagkey (tag_id, key) SELECT id, lower(name) FROM taggit_tag",
    f"""INSERT INTO sources_publisher (id, name, slug, homepage, domain, needs_name)
        SELECT i + 1, 'Publisher ' || i, 'publisher-' || i, 'https://publisher' || i || '.example',
               'publisher' || i || '.example', false
        FROM generate_series(0, {PUBLISHERS - 1}) i""",
    # Entries, with their search text (tag names in name order) and lede as save() keeps them.
    f"""INSERT INTO events_entry (id, event_date, headline, slug, body, status, publish_at,
            comments_open, created, updated, search_tags, review_note, version, lede)
        SELECT n + 1, d, 'Event number ' || n || ' happens somewhere in the world',
               'event-number-' || n || '-happens-somewhere',
               repeat('A short summary of what happened. ', 3), 'published', s, true, s, s,
               (SELECT string_agg(name, ' ' ORDER BY name) FROM (
                    SELECT DISTINCT 'Topic ' || ((n * k) % {TAGS}) AS name
                    FROM (VALUES (1), (7), (13)) AS ks(k)) t),
               '', 1, 'A short summary of what happened.'
        FROM generate_series(0, __LAST__) n,
             LATERAL (SELECT DATE '2000-01-01' + (n % {DAYS}) AS d) day,
             LATERAL (SELECT (day.d + TIME '12:00') AT TIME ZONE 'UTC' AS s) stamp""",
    f"""INSERT INTO events_taggedentry (content_object_id, tag_id)
        SELECT DISTINCT n + 1, (n * k) % {TAGS} + 1
        FROM generate_series(0, __LAST__) n, (VALUES (1), (7), (13)) AS ks(k)""",
    # Each entry's own story (source id n + 1), then one wire story per day.
    f"""INSERT INTO sources_source (id, url, title, byline, published_on, excerpt, created,
            publisher_id)
        SELECT n + 1, 'https://publisher' || (n % {PUBLISHERS}) || '.example/'
                   || (DATE '2000-01-01' + (n % {DAYS})) || '/story-' || n,
               'Story ' || n, 'A. Reporter', DATE '2000-01-01' + (n % {DAYS}), '',
               (DATE '2000-01-01' + (n % {DAYS}) + TIME '12:00') AT TIME ZONE 'UTC',
               n % {PUBLISHERS} + 1
        FROM generate_series(0, __LAST__) n""",
    f"""INSERT INTO sources_source (id, url, title, byline, published_on, excerpt, created,
            publisher_id)
        SELECT __LAST__ + 2 + d, 'https://wire.example/daily/' || (DATE '2000-01-01' + d),
               'Daily wire', '', NULL, '',
               (DATE '2000-01-01' + d + TIME '12:00') AT TIME ZONE 'UTC', NULL
        FROM generate_series(0, LEAST(__LAST__, {DAYS - 1})) d""",
    # The publisher-count trigger compares every new citation with the statement's others,
    # which at this size takes many minutes: it stands aside, and the counts are written once
    # from the citations (the same numbers: entries with status "published" citing each
    # publisher).
    "ALTER TABLE sources_citation DISABLE TRIGGER sources_publishercount_insert",
    f"""INSERT INTO sources_citation (entry_id, source_id, position)
        SELECT n + 1, n + 1, 0 FROM generate_series(0, __LAST__) n
        UNION ALL
        SELECT n + 1, __LAST__ + 2 + n % {DAYS}, 1 FROM generate_series(0, __LAST__) n""",
    "ALTER TABLE sources_citation ENABLE TRIGGER sources_publishercount_insert",
    """INSERT INTO sources_publishercount (publisher_id, entries)
        SELECT s.publisher_id, COUNT(DISTINCT c.entry_id) FROM sources_citation c
        JOIN sources_source s ON s.id = c.source_id
        JOIN events_entry e ON e.id = c.entry_id AND e.status = 'published'
        WHERE s.publisher_id IS NOT NULL GROUP BY s.publisher_id""",
    """INSERT INTO comments_comment (name, email, body, status, ip_address, created, entry_id)
        SELECT 'Reader', 'reader@example.com', 'Thanks for the summary.', 'approved',
               '192.0.2.1', (DATE '2000-01-01' + (n % 7300) + TIME '12:00') AT TIME ZONE 'UTC',
               n + 1
        FROM generate_series(0, __LAST__, 5) n""",
]
SEQUENCES = [
    ("taggit_tag", "id"),
    ("sources_publisher", "id"),
    ("events_entry", "id"),
    ("sources_source", "id"),
]


def build(cursor, count: int) -> None:
    """Write a corpus of `count` entries into the (empty) tables of `cursor`'s database."""
    cursor.execute("SET LOCAL work_mem = '256MB'")
    # Foreign keys checked per statement, so the trigger can be switched off and on in between.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    last = int(count) - 1
    for statement in STATEMENTS:
        # No query parameters: the SQL's own % operators stay as they are.
        cursor.execute(statement.replace("__LAST__", str(last)))
    for table, column in SEQUENCES:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
            f" (SELECT MAX({column}) FROM {table}))"
        )
