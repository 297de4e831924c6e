"""PublisherCount among the kept counts that stand aside for a bulk write (`events.counts`)."""

from events.counts import KeptCounts

PUBLISHERS = KeptCounts(
    tables=("sources_publishercount",),
    recount=(
        "DELETE FROM sources_publishercount",
        "INSERT INTO sources_publishercount (publisher_id, entries)"
        " SELECT s.publisher_id, COUNT(DISTINCT c.entry_id) FROM sources_citation c"
        " JOIN sources_source s ON s.id = c.source_id"
        " JOIN events_entry e ON e.id = c.entry_id"
        " WHERE e.status = 'published' AND s.publisher_id IS NOT NULL GROUP BY s.publisher_id",
    ),
)
