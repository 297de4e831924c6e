"""Stories on the desk: create, summarise, set status and key events, close.

Imported at the end of desk/admin.py (admin autodiscovery imports only that module). Entries
join a story from their own form (the story field) or from the inline here; key events are the
inline's checkbox. Every write ends in `stories.services`, which keeps the story's dates.
"""

import datetime

from django.contrib import admin, messages
from django.db.models import Count, Max, Q
from django.utils import timezone

from stories import services
from stories.models import Story, StoryEntry

# A story still open with no new entry for this long is offered for closing.
QUIET_DAYS = 14


class QuietFilter(admin.SimpleListFilter):
    """Stories still open (developing or ongoing) with no entry added for QUIET_DAYS days."""

    title = "activity"
    parameter_name = "quiet"

    def lookups(self, request, model_admin):
        return [("yes", f"Open, no new entry for {QUIET_DAYS} days: close?")]

    def queryset(self, request, queryset):
        if self.value() != "yes":
            return queryset
        since = timezone.now() - datetime.timedelta(days=QUIET_DAYS)
        return queryset.exclude(status=Story.Status.CONCLUDED).filter(
            Q(last_added__lt=since) | Q(last_added__isnull=True)
        )


class StoryEntryInline(admin.TabularInline):
    """The story's entries, newest first; tick "key event" to list one above the timeline."""

    model = StoryEntry
    fields = ("entry", "key")
    autocomplete_fields = ("entry",)
    extra = 0
    ordering = ("-entry__event_date", "-entry_id")
    verbose_name = "entry"
    verbose_name_plural = "entries (tick the key events)"


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "status",
        "category",
        "entry_count",
        "key_count",
        "started",
        "last_added",
        "updated",
    )
    list_filter = (QuietFilter, "status", "category")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug", "status", "category", "summary", "started")
    inlines = [StoryEntryInline]
    actions = ("close_stories", "mark_developing", "mark_ongoing")
    list_per_page = 100

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                entries=Count("memberships"),
                keys=Count("memberships", filter=Q(memberships__key=True)),
                last_added=Max("memberships__added"),
            )
        )

    @admin.display(description="entries", ordering="entries")
    def entry_count(self, story):
        return story.entries

    @admin.display(description="key events", ordering="keys")
    def key_count(self, story):
        return story.keys

    @admin.display(description="last entry added", ordering="last_added")
    def last_added(self, story):
        return story.last_added

    def changelist_view(self, request, extra_context=None):
        """Say how many open stories have gone quiet, with the filter that lists them."""
        if request.method == "GET" and "quiet" not in request.GET:
            since = timezone.now() - datetime.timedelta(days=QUIET_DAYS)
            quiet = (
                Story.objects.exclude(status=Story.Status.CONCLUDED)
                .annotate(last=Max("memberships__added"))
                .filter(Q(last__lt=since) | Q(last__isnull=True))
                .count()
            )
            if quiet:
                self.message_user(
                    request,
                    f"{quiet} open stor{'y has' if quiet == 1 else 'ies have'} had no new entry "
                    f"for {QUIET_DAYS} days: filter by activity to review and close them.",
                    messages.INFO,
                )
        return super().changelist_view(request, extra_context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.touch(form.instance)

    def _set_status(self, request, queryset, status: str, verb: str):
        changed = 0
        for story in queryset.exclude(status=status):
            if status == Story.Status.CONCLUDED:
                changed += services.close(story)
            else:
                story.status = status
                services.touch(story)
                story.save(update_fields=["status"])
                changed += 1
        if changed:
            self.message_user(request, f"{changed} {verb}.", messages.SUCCESS)
        else:
            self.message_user(
                request,
                f"Nothing changed: the selected stories were already {status}.",
                messages.WARNING,
            )

    @admin.action(description="Close selected stories (concluded)", permissions=["change"])
    def close_stories(self, request, queryset):
        self._set_status(request, queryset, Story.Status.CONCLUDED, "closed (concluded)")

    @admin.action(description="Mark selected stories developing", permissions=["change"])
    def mark_developing(self, request, queryset):
        self._set_status(request, queryset, Story.Status.DEVELOPING, "marked developing")

    @admin.action(description="Mark selected stories ongoing", permissions=["change"])
    def mark_ongoing(self, request, queryset):
        self._set_status(request, queryset, Story.Status.ONGOING, "marked ongoing")
