"""RSS and Atom feeds: the latest published entries, site-wide and per tag."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from events.markdown import render_markdown

from . import selectors

FEED_SIZE = 50


class LatestEntriesFeed(Feed):
    """The newest published entries (by publish time, so a late-filed story still shows up)."""

    description = "Dated, sourced entries on current events."

    @property
    def language(self):  # type: ignore[override]  # Feed declares a plain attribute
        """The site's language (settings.LANGUAGE_CODE), not whichever one a request activated."""
        return settings.LANGUAGE_CODE

    def title(self):
        return f"{settings.SITE_NAME}: latest entries"

    def link(self):
        return reverse("events:list")

    def items(self):
        return selectors.public_entries().order_by("-publish_at", "-id")[:FEED_SIZE]

    def item_title(self, item):
        return item.headline

    def item_description(self, item):
        return render_markdown(item.body) if item.body else item.headline

    def item_pubdate(self, item):
        return item.publish_at

    def item_updateddate(self, item):
        return item.updated

    def item_categories(self, item):
        return [tag.name for tag in item.tags.all()]


class LatestEntriesAtomFeed(LatestEntriesFeed):
    feed_type = Atom1Feed
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
        return selectors.entries_tagged(tag).order_by("-publish_at", "-id")[:FEED_SIZE]


class TagAtomFeed(TagFeed):
    feed_type = Atom1Feed

    def subtitle(self, tag):
        return self.description(tag)
