"""Event entries, their tags, and the one rule that says which entries are live."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItemBase

from . import tagging, text
from .limits import (
    HEADLINE_MAX_LENGTH,
    SLUG_MAX_LENGTH,
    TAG_KEY_MAX_LENGTH,
    TAG_MAX_LENGTH,
)

# Either lets a desk member open an unpublished entry by its URL (a preview).
PREVIEW_PERMISSIONS = ("events.view_entry", "events.change_entry")


def can_preview(user) -> bool:
    """Whether `user` may open drafts, entries in review and scheduled entries by URL."""
    return any(user.has_perm(permission) for permission in PREVIEW_PERMISSIONS)


class EntryQuerySet(models.QuerySet["Entry"]):
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
        """What `user` may open by URL: live entries, and for a desk member who may view or
        change entries (reporters, editors) drafts, entries in review and scheduled ones too,
        as previews with a banner. Other staff (moderators) see what readers see."""
        if user.is_authenticated and user.is_staff and can_preview(user):
            return self.all()
        return self.published()


# The Django plugin cannot build TaggedEntry's reverse manager: taggit (its base) is untyped.
class Entry(models.Model):  # type: ignore[django-manager-missing]
    """One dated event in the archive: a headline, an optional Markdown body, tags and sources."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        REVIEW = "review", "In review"
        PUBLISHED = "published", "Published"

    event_date = models.DateField(
        "date of the event", help_text="The day the event happened; it is part of the entry's URL."
    )
    headline = models.CharField(max_length=HEADLINE_MAX_LENGTH)
    slug = models.SlugField(
        max_length=SLUG_MAX_LENGTH,
        unique_for_date="event_date",
        error_messages={
            "unique_for_date": "Another entry of that day already has this slug; change the slug."
        },
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
    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Goes up by one with every saved change, so a save made from an older version "
        "is never applied blindly.",
    )
    review_note = models.TextField(
        "note from the editor",
        blank=True,
        help_text="Why an editor returned the entry; shown to the reporter on the entry.",
    )
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    tags = TaggableManager(
        through="events.TaggedEntry",
        blank=True,
        help_text='Comma-separated; put a name that contains a comma in quotes: "Facebook, Inc."',
    )
    # The body's first sentence as plain text (events.text.lede), kept by save() and the
    # JSON Lines import so lists of entries never render Markdown. Nullable so the column was
    # added in place (a NOT NULL column makes SQLite rebuild the entry table, which drops the
    # triggers that keep EntryCount); NULL on rows written by raw SQL, computed when shown.
    lede = models.TextField(null=True, blank=True, editable=False)  # noqa: DJ001

    objects = EntryQuerySet.as_manager()

    # Not columns: declared for type checkers, set only on the entries some queries return.
    score: float  # events.related: sum of the shared tags' weights
    shared_tags: list[str]  # events.related: names of the shared tags

    class Meta:
        verbose_name_plural = "entries"
        permissions = [
            ("publish_entry", "Can publish, schedule, unpublish and approve entries"),
            ("restore_entry", "Can restore an earlier revision of an entry"),
            ("correct_entry", "Can append corrections, clarifications and updates to live entries"),
        ]
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
        self.lede = text.lede(self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "lede"}
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

    def get_constraints(self):
        # The slug's unique_for_date check already refuses a clash with one clear message; the
        # matching UniqueConstraint stays as the database's guard, not a second message.
        return [
            (model, [c for c in constraints if c.name != "entry_slug_unique_per_day"])
            for model, constraints in super().get_constraints()
        ]

    def _fill_defaults(self):
        """A trimmed headline, a slug from it when none was given, "publish now" when no time."""
        self.headline = (self.headline or "").strip()
        if not self.slug:
            self.slug = slugify(self.headline)[:SLUG_MAX_LENGTH].strip("-")
        if self.status == self.Status.PUBLISHED and self.publish_at is None:
            self.publish_at = timezone.now()

    @property
    def is_scheduled(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at > timezone.now()
        )

    @property
    def is_live(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )


class TaggedEntry(TaggedItemBase):
    """Concrete tag link with a real foreign key to the entry (not taggit's generic relation)."""

    # Annotated because taggit is untyped, so the Django plugin cannot see this is a model.
    content_object: "models.ForeignKey[Entry, Entry]" = models.ForeignKey(
        Entry, on_delete=models.CASCADE, related_name="tagged_items"
    )

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


class CorrectionQuerySet(models.QuerySet["Correction"]):
    def public(self):
        """Notes readers may see: those on live entries (the entry's own rule, published())."""
        return self.filter(entry__in=Entry.objects.published().values("pk"))


class Correction(models.Model):
    """A dated note an editor appends to a live entry: a correction, clarification or update.

    It keeps the entry's published headline and body just before and just after it, so the
    public "what changed" page compares two states readers actually saw, never a draft, and
    reads only this row (revisions belong to the desk, which the public site does not know).
    """

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        CLARIFICATION = "clarification", "Clarification"
        UPDATE = "update", "Update"

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=13, choices=Kind.choices, default=Kind.CORRECTION)
    note = models.TextField(
        help_text="What was wrong or unclear, or what is new, in a sentence or two; readers see "
        "it under the entry, dated."
    )
    created = models.DateTimeField(default=timezone.now, db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    headline_before = models.CharField(max_length=HEADLINE_MAX_LENGTH)
    body_before = models.TextField(blank=True)
    headline_after = models.CharField(max_length=HEADLINE_MAX_LENGTH)
    body_after = models.TextField(blank=True)

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["created", "id"]
        get_latest_by = "created"
        constraints = [
            models.CheckConstraint(condition=~Q(note=""), name="correction_note_not_empty"),
        ]
        indexes = [models.Index(fields=["entry", "created"], name="correction_entry_created_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.entry_id}, {self.created:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("events:correction", kwargs={"pk": self.pk})

    @property
    def verb(self) -> str:
        """How the entry page introduces the note: "Corrected", "Clarified", "Updated"."""
        return CORRECTION_VERBS[self.kind]

    @property
    def changed_text(self) -> bool:
        return (self.headline_before, self.body_before) != (self.headline_after, self.body_after)


CORRECTION_VERBS: dict[str, str] = {
    Correction.Kind.CORRECTION: "Corrected",
    Correction.Kind.CLARIFICATION: "Clarified",
    Correction.Kind.UPDATE: "Updated",
}


class TagAlias(models.Model):
    """Another name of a tag ("Kiev" for "Kyiv"): typed or imported, it stores the tag itself.

    An alias is never also a tag's name (desk.tags.check_alias decides, for every caller), and
    its slug answers 301 to the tag's page.
    """

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(
        max_length=TAG_MAX_LENGTH,
        help_text="Another spelling or an old name; typing it in the tag field stores the tag.",
    )
    slug = models.SlugField(max_length=TAG_MAX_LENGTH, allow_unicode=True, editable=False)
    # events.tagging.tag_key(name), kept by save(): what a typed name is matched on.
    key = models.CharField(max_length=TAG_KEY_MAX_LENGTH, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "tag alias"
        verbose_name_plural = "tag aliases"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                name="tagalias_key_unique",
                violation_error_message="That name is already an alias.",
            )
        ]
        indexes = [models.Index(fields=["slug"], name="tagalias_slug_idx")]

    def __str__(self):
        return f"{self.name} → {self.tag.name}" if self.tag_id else self.name

    def save(self, *args, **kwargs):
        self.slug = tagging.tag_slug(self.name)
        self.key = tagging.tag_key(self.name)
        super().save(*args, **kwargs)


class TagKey(models.Model):
    """A tag's identity: its name casefolded (events.tagging.tag_key), stored and unique.

    taggit's Tag is not ours to add a column to, so the key lives beside it, one row per tag,
    kept by a post_save receiver (events.signals) and by the bulk writers that skip signals.
    Every typed or imported name is matched on it (events.tagging.find_tags), so "STRASSE"
    finds "Straße" and "ΚΊΕΒΟΣ" finds "Κίεβος" on every database. A tag without a row
    (written by raw SQL) is still found by its exact name; a second spelling older than the
    keys keeps none (migration 0016): every spelling then finds the first, and the housekeeping
    page lists the two as probable duplicates to merge.
    """

    tag = models.OneToOneField(
        Tag, primary_key=True, on_delete=models.CASCADE, related_name="identity"
    )
    key = models.CharField(max_length=TAG_KEY_MAX_LENGTH, unique=True)

    class Meta:
        verbose_name = "tag key"

    def __str__(self):
        return self.key


class TagRedirect(models.Model):
    """A slug a tag no longer has (renamed, or merged into another): it answers 301 to `tag`."""

    old_slug = models.SlugField(max_length=TAG_MAX_LENGTH, allow_unicode=True, unique=True)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="redirects")
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "tag redirect"

    def __str__(self):
        return f"{self.old_slug} → {self.tag_id}"


class PublishedTagCount(models.Model):
    """How many entries with status published carry each tag, scheduled ones included.

    Kept by database triggers (migration 0012) on entries and tag links, never by Django code.
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

    Kept by database triggers (migration 0012); the live count subtracts the scheduled ones.
    """

    id = models.SmallIntegerField(primary_key=True)
    entries = models.BigIntegerField()

    class Meta:
        verbose_name = "published entry count"

    def __str__(self):
        return f"{self.entries} published entries"


class PublishedDayCount(models.Model):
    """How many entries with status published fall on each event date, scheduled ones included.

    Kept by database triggers (migration 0014); days with live entries are those whose count
    exceeds their scheduled entries (`Entry.objects.scheduled()`). Rows may hold 0.
    """

    event_date = models.DateField(primary_key=True)
    entries = models.BigIntegerField()

    class Meta:
        verbose_name = "published day count"

    def __str__(self):
        return f"{self.event_date}: {self.entries} published entries"
