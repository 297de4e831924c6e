"""Event entries, their tags, and the one rule that says which entries are live."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItemBase

from .limits import HEADLINE_MAX_LENGTH, SLUG_MAX_LENGTH


class EntryQuerySet(models.QuerySet):
    def published(self):
        """Entries readers may see: status published and publish time reached.

        The only definition of "live": every public page, feed, sitemap and widget starts here.
        A scheduled entry (publish time in the future) goes live by itself when the time passes.
        """
        return self.filter(status=Entry.Status.PUBLISHED, publish_at__lte=timezone.now())

    def scheduled(self):
        """Entries published for a time still ahead: the few that go live by the clock.

        The complement of `published()` among entries with status published; counts kept by
        triggers include them (no write happens when they go live), so readers subtract these.
        """
        return self.filter(status=Entry.Status.PUBLISHED, publish_at__gt=timezone.now())

    def carrying(self, tag):
        """Entries that carry `tag` (a Tag or its id): the one "entry carries tag" filter.

        An EXISTS on the tag links, so an entry is never repeated and other filters compose.
        """
        return self.filter(
            Exists(TaggedEntry.objects.filter(content_object=OuterRef("pk"), tag=tag))
        )

    def carrying_any(self, tags):
        """Entries that carry at least one of `tags`."""
        return self.filter(
            Exists(TaggedEntry.objects.filter(content_object=OuterRef("pk"), tag__in=tags))
        )

    def visible_to(self, user):
        """What `user` may open by URL: staff see drafts too (with a banner), readers only live."""
        if user.is_authenticated and user.is_staff:
            return self.all()
        return self.published()


class Entry(models.Model):
    """One dated event in the archive: a headline, an optional Markdown body, tags and sources."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    event_date = models.DateField(
        "date of the event", help_text="The day the event happened; it is part of the entry's URL."
    )
    headline = models.CharField(max_length=HEADLINE_MAX_LENGTH)
    slug = models.SlugField(
        max_length=SLUG_MAX_LENGTH,
        unique_for_date="event_date",
        help_text="The last part of the URL; unique among the entries of the same day.",
    )
    body = models.TextField(
        blank=True, help_text="Optional. Markdown; scripts and inline event handlers are removed."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    publish_at = models.DateTimeField(
        "publish time",
        null=True,
        blank=True,
        help_text="A published entry goes live at this time; leave empty to publish now.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="entries",
    )
    search_tags = models.TextField(
        blank=True,
        editable=False,
        help_text="The entry's tag names, kept current by events.search so search can weight "
        "tags without a join.",
    )
    comments_open = models.BooleanField(
        default=True, help_text="Untick to close comments on this entry."
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    tags = TaggableManager(
        through="events.TaggedEntry",
        blank=True,
        help_text='Comma-separated; put a name that contains a comma in quotes: "Facebook, Inc."',
    )

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "entries"
        ordering = ["-event_date", "-id"]
        get_latest_by = "event_date"
        constraints = [
            models.UniqueConstraint(
                fields=["event_date", "slug"], name="entry_slug_unique_per_day"
            ),
            models.CheckConstraint(condition=~Q(headline=""), name="entry_headline_not_empty"),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(publish_at__isnull=False),
                name="entry_published_has_publish_time",
            ),
        ]
        indexes = [
            models.Index(fields=["-event_date", "-id"], name="entry_date_id_idx"),
            models.Index(fields=["status", "publish_at"], name="entry_status_publish_idx"),
            models.Index(fields=["slug"], name="entry_slug_idx"),
        ]

    def __str__(self):
        return f"{self.event_date:%Y-%m-%d} {self.headline}"

    def save(self, *args, **kwargs):
        self._fill_defaults()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse(
            "events:detail",
            kwargs={
                "year": f"{self.event_date:%Y}",
                "month": f"{self.event_date:%m}",
                "day": f"{self.event_date:%d}",
                "slug": self.slug,
            },
        )

    def clean(self):
        self._fill_defaults()

    def _fill_defaults(self):
        """A trimmed headline, a slug from it when none was given, "publish now" when no time."""
        self.headline = (self.headline or "").strip()
        if not self.slug:
            self.slug = slugify(self.headline)[:SLUG_MAX_LENGTH].strip("-")
        if self.status == self.Status.PUBLISHED and self.publish_at is None:
            self.publish_at = timezone.now()

    @property
    def is_live(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )


class TaggedEntry(TaggedItemBase):
    """Concrete tag link with a real foreign key to the entry (not taggit's generic relation)."""

    content_object = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="tagged_items")

    class Meta:
        verbose_name = "tag link"
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="taggedentry_unique")
        ]
        # (tag, entry) covers "which entries carry tag t" and per-tag counts from the index alone;
        # the unique constraint above covers "which tags does entry e carry".
        indexes = [models.Index(fields=["tag", "content_object"], name="taggedentry_tag_entry_idx")]


class TagCount(models.Model):
    """How many entries carry each tag, drafts included: df(t) in the related-stories weights.

    Written only by database triggers on the tag through table (migration 0004), never by
    Django code, so bulk inserts, `QuerySet.update()`, cascades and raw SQL keep it exact too.
    A tag that no entry carries has no row.
    """

    tag_id = models.IntegerField(primary_key=True)
    entries = models.BigIntegerField()

    class Meta:
        verbose_name = "tag count"

    def __str__(self):
        return f"tag {self.tag_id}: {self.entries} entries"


class EntryCount(models.Model):
    """The number of entries, drafts included (N in the related-stories weights), in one row.

    Row 1 is written only by database triggers on the entry table (migration 0004); no row
    means no entries.
    """

    id = models.SmallIntegerField(primary_key=True)
    entries = models.BigIntegerField()

    class Meta:
        verbose_name = "entry count"

    def __str__(self):
        return f"{self.entries} entries"


class PublishedTagCount(models.Model):
    """How many entries with status published carry each tag, scheduled ones included.

    Kept by database triggers (migration 0006) on entries and tag links, never by Django code.
    The live count of a tag is this minus its links on `Entry.objects.scheduled()` entries.
    Rows may hold 0 once a tag's last published entry goes.
    """

    tag = models.OneToOneField(
        Tag, primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    entries = models.BigIntegerField()

    class Meta:
        verbose_name = "published tag count"

    def __str__(self):
        return f"tag {self.tag_id}: {self.entries} published entries"


class PublishedEntryCount(models.Model):
    """The number of entries with status published, scheduled ones included, in row 1.

    Kept by database triggers (migration 0006); the live count subtracts the scheduled ones.
    """

    id = models.SmallIntegerField(primary_key=True)
    entries = models.BigIntegerField()

    class Meta:
        verbose_name = "published entry count"

    def __str__(self):
        return f"{self.entries} published entries"


class PublishedDayCount(models.Model):
    """How many entries with status published fall on each event date, scheduled ones included.

    Kept by database triggers (migration 0008); days with live entries are those whose count
    exceeds their scheduled entries (`Entry.objects.scheduled()`). Rows may hold 0.
    """

    event_date = models.DateField(primary_key=True)
    entries = models.BigIntegerField()

    class Meta:
        verbose_name = "published day count"

    def __str__(self):
        return f"{self.event_date}: {self.entries} published entries"
