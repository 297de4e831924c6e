"""Sources' kept tables among those that stand aside for a bulk write (`events.counts`):
PublisherCount, PublisherCitationCount and the publishers' entries (PublisherEntry)."""

from events.counts import KeptCounts

PUBLISHERS = KeptCounts(
    tables=("sources_publishercount", "sources_publishercitationcount", "sources_publisherentry"),
    recount=(
        "DELETE FROM sources_publishercount",
        "INSERT INTO sources_publishercount (publisher_id, entries)"
        " SELECT s.publisher_id, COUNT(DISTINCT c.entry_id) FROM sources_citation c"
        " JOIN sources_source s ON s.id = c.source_id"
        " JOIN events_entry e ON e.id = c.entry_id"
        " WHERE e.status = 'published' AND s.publisher_id IS NOT NULL GROUP BY s.publisher_id",
        "DELETE FROM sources_publishercitationcount",
        "INSERT INTO sources_publishercitationcount (publisher_id, citations)"
        " SELECT s.publisher_id, COUNT(*) FROM sources_citation c"
        " JOIN sources_source s ON s.id = c.source_id"
        " JOIN events_entry e ON e.id = c.entry_id"
        " WHERE e.status = 'published' AND s.publisher_id IS NOT NULL GROUP BY s.publisher_id",
        # Only the rows that differ are written: an import into a large archive leaves most
        # pairs as they were.
        "DELETE FROM sources_publisherentry AS p WHERE NOT EXISTS (SELECT 1 FROM sources_citation c"
        " JOIN sources_source s ON s.id = c.source_id"
        " WHERE c.entry_id = p.entry_id AND s.publisher_id = p.publisher_id)",
        "INSERT INTO sources_publisherentry AS p (entry_id, publisher_id, event_date)"
        " SELECT DISTINCT c.entry_id, s.publisher_id, e.event_date FROM sources_citation c"
        " JOIN sources_source s ON s.id = c.source_id JOIN events_entry e ON e.id = c.entry_id"
        " WHERE s.publisher_id IS NOT NULL"
        " ON CONFLICT (entry_id, publisher_id) DO UPDATE SET event_date = excluded.event_date"
        " WHERE p.event_date <> excluded.event_date",
    ),
)
