"""RSS and Atom feeds of one story: its newest live entries, 404 exactly when its page is."""

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from stories.selectors import public_story, story_entries

from .feeds import LatestEntriesFeed
from .selectors import FEED_SIZE


class StoryFeed(LatestEntriesFeed):
    """The newest live entries of one story, by publish time (escaped as every feed is)."""

    def get_object(self, request, slug):
        return public_story(slug)

    # Feed passes the object to these when they take an argument, hence the [override] ignores.
    def title(self, story):  # type: ignore[override]
        return f"{settings.SITE_NAME}: {story.name}"

    def link(self, story):  # type: ignore[override]
        return reverse("events:story", kwargs={"slug": story.slug})

    def description(self, story):  # type: ignore[override]
        return f"The latest entries of the story {story.name}."

    def items(self, story):  # type: ignore[override]
        return (
            story_entries(story)
            .prefetch_related(Prefetch("tags", to_attr="card_tags"))
            .order_by("-publish_at", "-id")[:FEED_SIZE]
        )


class StoryAtomFeed(StoryFeed):
    feed_type = Atom1Feed

    def subtitle(self, story):
        return self.description(story)
