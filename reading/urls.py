from django.urls import path, re_path

from . import feeds, story_feeds, story_views, views

# The public URL namespace keeps its first name, `events:`.
app_name = "events"

TAG = r"(?P<slug>[-\w]+)"
YEAR, MONTH, DAY = r"(?P<year>[0-9]{4})", r"(?P<month>[0-9]{2})", r"(?P<day>[0-9]{2})"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("events/", views.EntryListView.as_view(), name="list"),
    path("feeds/rss/", feeds.LatestEntriesFeed(), name="feed-rss"),
    path("feeds/atom/", feeds.LatestEntriesAtomFeed(), name="feed-atom"),
    path("corrections/", views.CorrectionListView.as_view(), name="corrections"),
    path("corrections/<int:pk>/", views.CorrectionDetailView.as_view(), name="correction"),
    path("corrections/rss/", feeds.CorrectionsFeed(), name="corrections-feed-rss"),
    path("corrections/atom/", feeds.CorrectionsAtomFeed(), name="corrections-feed-atom"),
    path("tags/", views.TagIndexView.as_view(), name="tags"),
    # Tag slugs are taggit's slugify(allow_unicode=True): word characters and hyphens only.
    # Renamed, merged and alias slugs answer 301 to the tag's page or feed (selectors.public_tag).
    re_path(rf"^tags/{TAG}/$", views.follow_moved(views.TagDetailView.as_view()), name="tag"),
    re_path(rf"^tags/{TAG}/rss/$", views.follow_moved(feeds.TagFeed()), name="tag-feed-rss"),
    re_path(rf"^tags/{TAG}/atom/$", views.follow_moved(feeds.TagAtomFeed()), name="tag-feed-atom"),
    path("stories/", story_views.StoryIndexView.as_view(), name="stories"),
    re_path(rf"^stories/{TAG}/$", story_views.StoryDetailView.as_view(), name="story"),
    re_path(rf"^stories/{TAG}/rss/$", story_feeds.StoryFeed(), name="story-feed-rss"),
    re_path(rf"^stories/{TAG}/atom/$", story_feeds.StoryAtomFeed(), name="story-feed-atom"),
    re_path(rf"^{YEAR}/$", views.EntryYearArchiveView.as_view(), name="archive-year"),
    re_path(rf"^{YEAR}/{MONTH}/$", views.EntryMonthArchiveView.as_view(), name="archive-month"),
    re_path(rf"^{YEAR}/{MONTH}/{DAY}/$", views.EntryDayArchiveView.as_view(), name="archive-day"),
    re_path(
        rf"^{YEAR}/{MONTH}/{DAY}/(?P<slug>[-\w]+)/$",
        views.EntryDetailView.as_view(),
        name="detail",
    ),
    path("events/<int:pk>/related.json", views.related_json, name="related-json"),
]
