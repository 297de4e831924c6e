"""Slugs that moved: a renamed tag's, a merged tag's, an alias's and a merged publisher's.

Built through the desk's own services (the ones the tag and publisher admin call), for the API
tests and the schemathesis run.
"""

from desk.tags import add_alias, merge_by_name, rename_tag
from sources.services import merge_publishers
from tests.factories import CitationFactory, EntryFactory, PublisherFactory, SourceFactory

# old slug -> the slug that answers for it now
MOVED_TAGS = {"old-name": "new-name", "merged-away": "kept", "kyiv-alias": "kept"}
MOVED_PUBLISHERS = {"gone-daily": "the-daily"}


def build_moved_slugs() -> None:
    """Live entries under tags and publishers whose old slugs are in MOVED_TAGS and
    MOVED_PUBLISHERS."""
    from taggit.models import Tag

    EntryFactory(headline="Renamed tag entry", slug="renamed-tag-entry", tags=["Old name"])
    rename_tag(Tag.objects.get(name="Old name"), "New name")
    EntryFactory(headline="Kept tag entry", slug="kept-tag-entry", tags=["Kept"])
    EntryFactory(headline="Merged tag entry", slug="merged-tag-entry", tags=["Merged away"])
    merge_by_name(["Merged away"], "Kept")
    add_alias(Tag.objects.get(name="Kept"), "Kyiv alias")

    kept = PublisherFactory(name="The Daily", slug="the-daily", domain="daily.example")
    gone = PublisherFactory(name="Gone Daily", slug="gone-daily", domain="gone.example")
    for publisher in (kept, gone):
        CitationFactory(source=SourceFactory(publisher=publisher))
    merge_publishers([gone], into=kept)
