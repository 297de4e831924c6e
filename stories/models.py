"""Stories: an ongoing event that readers follow across days, and the entries that belong to it.

An entry belongs to at most one story. The membership row lives here, a one-to-one to the entry,
so `events` keeps knowing nothing of stories (the arrows of the map point toward `events`).
"""

from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from events.limits import STORY_MAX_LENGTH
from events.markdown import render_markdown
from events.models import Entry


class StoryQuerySet(models.QuerySet["Story"]):
    def public(self):
        """Stories readers may see: those with at least one live entry (`published()`)."""
        live = StoryEntry.objects.filter(
            story=models.OuterRef("pk"), entry__in=Entry.objects.published().values("pk")
        )
        return self.filter(models.Exists(live))


class Story(models.Model):
    """An ongoing story ("War in Donbass"): a summary the desk writes, a status and a category."""

    class Status(models.TextChoices):
        DEVELOPING = "developing", "Developing"
        ONGOING = "ongoing", "Ongoing"
        CONCLUDED = "concluded", "Concluded"

    # The categories of Wikipedia's Current Events Portal.
    class Category(models.TextChoices):
        ARMED_CONFLICTS = "armed-conflicts", "Armed conflicts and attacks"
        ARTS = "arts", "Arts and culture"
        BUSINESS = "business", "Business and economy"
        DISASTERS = "disasters", "Disasters and accidents"
        HEALTH = "health", "Health and environment"
        INTERNATIONAL = "international", "International relations"
        LAW = "law", "Law and crime"
        POLITICS = "politics", "Politics and elections"
        SCIENCE = "science", "Science and technology"
        SPORTS = "sports", "Sports"

    name = models.CharField(
        max_length=STORY_MAX_LENGTH,
        help_text="How readers know the story, e.g. “2014 Ukrainian revolution”; unique in any "
        "case.",
    )
    slug = models.SlugField(
        max_length=STORY_MAX_LENGTH,
        unique=True,
        allow_unicode=True,
        help_text="The last part of the story page's URL, /stories/<slug>/.",
    )
    summary = models.TextField(
        blank=True,
        help_text="What the story is about and where it stands, for a reader arriving now. "
        "Markdown; links to sources allowed; scripts and inline event handlers are removed.",
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.ONGOING,
        help_text="Developing: news is coming in now (shown first, as a live page). Ongoing: "
        "followed over weeks. Concluded: closed, kept as a timeline.",
    )
    category = models.CharField(max_length=20, choices=Category.choices, blank=True)
    started = models.DateField(
        null=True,
        blank=True,
        help_text="The day the story began; filled from its earliest entry when left empty.",
    )
    updated = models.DateTimeField(
        default=timezone.now,
        help_text="When the story or its list of entries last changed.",
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = StoryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "stories"
        ordering = ["-updated", "-id"]
        get_latest_by = "updated"
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="story_name_unique",
                violation_error_message="A story with that name already exists.",
            ),
            models.CheckConstraint(condition=~models.Q(name=""), name="story_name_not_empty"),
        ]
        indexes = [models.Index(fields=["status", "-updated"], name="story_status_updated_idx")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("events:story", kwargs={"slug": self.slug})

    def summary_html(self):
        """The summary as safe HTML, through the one Markdown and sanitising path."""
        return render_markdown(self.summary)

    @property
    def is_developing(self) -> bool:
        return self.status == self.Status.DEVELOPING


class StoryEntry(models.Model):
    """An entry's membership of a story; the entry's primary key makes it one story at most."""

    entry = models.OneToOneField(
        Entry, primary_key=True, on_delete=models.CASCADE, related_name="story_membership"
    )
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="memberships")
    key = models.BooleanField(
        "key event",
        default=False,
        help_text="Key events are listed first on the story page, above the timeline.",
    )
    added = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "story entry"
        verbose_name_plural = "story entries"
        indexes = [models.Index(fields=["story", "key"], name="storyentry_story_key_idx")]

    def __str__(self):
        return f"{self.entry_id} in {self.story_id}"
