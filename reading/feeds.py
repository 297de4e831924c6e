"""RSS and Atom feeds: the latest published entries, site-wide and per tag.

Readers render an item's RSS `description` and Atom `summary type="html"` as HTML: what goes
there is either sanitised Markdown (`render_markdown`) or plain text escaped here, never raw.
Titles are plain text in both formats (XML-escaped by the feed generator).
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed, rfc3339_date
from django.utils.html import escape

from events.markdown import render_markdown

from . import selectors


def inert_text(text: str) -> str:
    """Plain text for an RSS element that readers may take as text or as HTML (titles and the
    channel's description: RSS cannot say which). `<` and `>` become entities, so no markup
    forms either way; `&` stays as written, harmless as text and as HTML.
    """
    return str(text).replace("<", "&lt;").replace(">", "&gt;")


class RssWithUpdated(Rss201rev2Feed):
    """RSS 2.0 with each item's modified time as `atom:updated` (RSS has no element for it),
    and titles that no reader can take for markup (`inert_text`), and the WebSub hub beside the
    self link.

    A corrected entry's time moves here as in the Atom feed's `updated`; the `atom` namespace
    is already declared by Django's RSS feed for its self link. (Atom says what each text is:
    titles are type="text" there, and need nothing.)
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key in ("title", "description"):
            self.feed[key] = inert_text(self.feed[key])

    def add_item(self, *args, **kwargs):
        super().add_item(*args, **kwargs)
        self.items[-1]["title"] = inert_text(self.items[-1]["title"])

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        if settings.WEBSUB_HUB_URL:
            handler.addQuickElement(
                "atom:link", None, {"rel": "hub", "href": settings.WEBSUB_HUB_URL}
            )

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("updateddate") is not None:
            handler.addQuickElement("atom:updated", rfc3339_date(item["updateddate"]))


class AtomWithHub(Atom1Feed):
    """Atom with the WebSub hub (WEBSUB_HUB_URL) beside its rel="self" link."""

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        if settings.WEBSUB_HUB_URL:
            handler.addQuickElement("link", "", {"rel": "hub", "href": settings.WEBSUB_HUB_URL})


class LatestEntriesFeed(Feed):
    """The newest published entries (by publish time, so a late-filed story still shows up)."""

    description = "Dated, sourced entries on current events."
    feed_type: type[SyndicationFeed] = RssWithUpdated

    @property
    def language(self):  # type: ignore[override]  # Feed declares a plain attribute
        """The site's language (settings.LANGUAGE_CODE), not whichever one a request activated."""
        return settings.LANGUAGE_CODE

    def title(self):
        return f"{settings.SITE_NAME}: latest entries"

    def link(self):
        return reverse("events:list")

    def items(self):
        return selectors.feed_entries()

    def item_title(self, item):
        return item.headline

    def item_description(self, item):
        """The body as sanitised HTML; an entry without one shows its headline, as text."""
        return render_markdown(item.body) if item.body else escape(item.headline)

    def item_pubdate(self, item):
        return item.publish_at

    def item_updateddate(self, item):
        return item.updated

    def item_categories(self, item):
        return sorted(tag.name for tag in item.card_tags)


class LatestEntriesAtomFeed(LatestEntriesFeed):
    feed_type = AtomWithHub
    subtitle = LatestEntriesFeed.description


class TagFeed(LatestEntriesFeed):
    """The newest published entries carrying one tag; 404 exactly when the tag's page is."""

    def get_object(self, request, slug):
        return selectors.public_tag(slug)

    # Feed passes the object to these when they take an argument, hence the [override] ignores.
    def title(self, tag):  # type: ignore[override]
        return f"{settings.SITE_NAME}: {tag.name}"

    def link(self, tag):  # type: ignore[override]
        return reverse("events:tag", kwargs={"slug": tag.slug})

    def description(self, tag):  # type: ignore[override]
        return f"Entries tagged {tag.name}."

    def items(self, tag):  # type: ignore[override]
        return selectors.feed_entries(tag)


class TagAtomFeed(TagFeed):
    feed_type = AtomWithHub

    def subtitle(self, tag):
        return self.description(tag)


class CorrectionsFeed(Feed):
    """Every correction, clarification and update on live entries, newest first."""

    feed_type: type[SyndicationFeed] = RssWithUpdated
    description = "Corrections, clarifications and updates to our entries, newest first."

    @property
    def language(self):  # type: ignore[override]  # Feed declares a plain attribute
        return settings.LANGUAGE_CODE

    def title(self):
        return f"{settings.SITE_NAME}: corrections and updates"

    def link(self):
        return reverse("events:corrections")

    def items(self):
        return selectors.public_corrections()[: selectors.FEED_SIZE]

    def item_title(self, item):
        return f"{item.verb}: {item.entry.headline}"

    def item_description(self, item):
        """The note is plain text (its pages escape it): escaped to be read as HTML."""
        return escape(item.note)

    def item_link(self, item):
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return item.created

    def item_updateddate(self, item):
        return item.created


class CorrectionsAtomFeed(CorrectionsFeed):
    feed_type = AtomWithHub
    subtitle = CorrectionsFeed.description
