"""Stories on the desk: create, summarise, set status and key events, close.

Imported at the end of desk/admin.py (admin autodiscovery imports only that module). Entries
join a story from their own form (the story field) or from the inline here; key events are the
inline's checkbox. Every write ends in `stories.services`, which keeps the story's dates.
"""

from django.contrib import admin, messages
from django.db.models import Count, Q

from stories import services
from stories.models import Story, StoryEntry


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
    list_display = ("name", "status", "category", "entry_count", "key_count", "started", "updated")
    list_filter = ("status", "category")
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
            )
        )

    @admin.display(description="entries", ordering="entries")
    def entry_count(self, story):
        return story.entries

    @admin.display(description="key events", ordering="keys")
    def key_count(self, story):
        return story.keys

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
