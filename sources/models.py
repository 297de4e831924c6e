"""Publishers, the articles they publish (sources) and the citations that tie them to entries."""

from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q

from events.models import Entry

SOURCE_URL_MAX_LENGTH = 2000
PUBLISHER_NAME_MAX_LENGTH = 200

http_url = URLValidator(schemes=["http", "https"], message="Enter an http:// or https:// URL.")


class Publisher(models.Model):
    """A news organisation; found from a source URL's domain when the editor names none."""

    name = models.CharField(max_length=PUBLISHER_NAME_MAX_LENGTH, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    homepage = models.URLField(blank=True, validators=[http_url])
    domain = models.CharField(
        max_length=253,
        blank=True,
        help_text="Web domain without www., e.g. reuters.com; sources on it are credited here.",
    )
    needs_name = models.BooleanField(
        "needs a name",
        default=False,
        help_text="Created automatically from a web domain when a source was cited: give the "
        "publisher its real name, then untick (saving a new name unticks it too).",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain"], condition=~Q(domain=""), name="publisher_domain_unique"
            )
        ]

    def __str__(self):
        return self.name


class PublisherDomain(models.Model):
    """Another web domain of a publisher (bbc.com beside bbc.co.uk): sources on it are its too."""

    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE, related_name="other_domains")
    domain = models.CharField(
        max_length=253, unique=True, help_text="Web domain without www., e.g. bbc.com."
    )

    class Meta:
        ordering = ["domain"]
        verbose_name = "other domain"

    def __str__(self):
        return self.domain


class PublisherRedirect(models.Model):
    """The slug of a publisher merged into another: its old page answers 301 to the new one."""

    old_slug = models.SlugField(max_length=200, unique=True)
    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE, related_name="redirects")

    def __str__(self):
        return f"{self.old_slug} → {self.publisher_id}"


class Source(models.Model):
    """One article, stored once per normalised URL; it can back several entries."""

    url = models.URLField(
        "URL", max_length=SOURCE_URL_MAX_LENGTH, unique=True, validators=[http_url]
    )
    title = models.CharField(max_length=500, blank=True)
    publisher = models.ForeignKey(
        Publisher, null=True, blank=True, on_delete=models.PROTECT, related_name="sources"
    )
    byline = models.CharField(max_length=300, blank=True)
    published_on = models.DateField("publication date", null=True, blank=True)
    excerpt = models.TextField("quote or excerpt", blank=True)
    entries: "models.ManyToManyField[Entry, Citation]" = models.ManyToManyField(
        Entry, through="Citation", related_name="sources"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_on", "id"]

    def __str__(self):
        return self.title or self.url


class Citation(models.Model):
    """An entry cites a source, at a position: entries list their sources in the editor's order."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "source"], name="citation_source_once_per_entry"
            )
        ]
        indexes = [models.Index(fields=["source", "entry"], name="citation_source_entry_idx")]

    def __str__(self):
        return f"{self.entry_id} cites {self.source_id}"


class PublisherCount(models.Model):
    """How many entries with status published cite each publisher, scheduled ones included.

    Kept by database triggers (migration 0002) on citations, sources and entries, never by
    Django code; an entry citing two of a publisher's sources counts once. The live count of a
    publisher is this minus the scheduled entries (`Entry.objects.scheduled()`) citing it.
    """

    publisher = models.OneToOneField(
        Publisher,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    entries = models.BigIntegerField()

    class Meta:
        verbose_name = "publisher count"

    def __str__(self):
        return f"publisher {self.publisher_id}: {self.entries} published entries"


class PublisherCitationCount(models.Model):
    """How many citations of each publisher's sources entries with status published make,
    scheduled ones included (an entry citing two of its sources counts twice).

    Kept by database triggers (migration 0006) like PublisherCount; the page's "Cited n times"
    is this minus the citations of the scheduled entries (`Entry.objects.scheduled()`).
    """

    publisher = models.OneToOneField(
        Publisher,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    citations = models.BigIntegerField()

    class Meta:
        verbose_name = "publisher citation count"

    def __str__(self):
        return f"publisher {self.publisher_id}: cited {self.citations} times"


class PublisherEntry(models.Model):
    """One row per (publisher, entry) pair where the entry cites one of the publisher's sources,
    whatever the entry's status, with the entry's event date: a publisher's page walks its rows
    newest first instead of reading every citation of the publisher.

    Kept by database triggers (migration 0005) on citations, sources and entries, never by
    Django code; an entry citing two of a publisher's sources is one row. It holds exactly the
    pairs `selectors.cites_publisher` finds (tests/test_publisher_entries.py).
    """

    pk = models.CompositePrimaryKey("entry", "publisher")
    # Looked up by entry through the primary key, by publisher through the index below.
    entry = models.ForeignKey(
        Entry,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="publisher_rows",
    )
    publisher = models.ForeignKey(
        Publisher,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    event_date = models.DateField()

    class Meta:
        verbose_name = "publisher's entry"
        verbose_name_plural = "publishers' entries"
        indexes = [
            models.Index(
                fields=["publisher", "-event_date", "-entry"], name="publisherentry_newest_idx"
            )
        ]

    def __str__(self):
        return f"publisher {self.publisher_id} cited by entry {self.entry_id}"
