"""The editors' desk: write, tag, source, review, schedule and publish entries.

The entry admin composes the entry (events) with its citation inline (sources) and the desk's
workflow: roles, review, pending changes, revisions and the check that no edit is ever lost.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from taggit.models import Tag

from comments.selectors import approved_comment_count
from events.limits import TAG_MAX_LENGTH
from events.models import Entry, TagAlias
from events.tagging import tag_key
from sources.admin import CitationInline
from sources.models import Citation, Publisher
from stories.services import set_story_named

from . import corrections, workflow
from .corrections_admin import CorrectionAdminMixin
from .forms import EntryAdminForm
from .history_admin import RevisionHistoryMixin
from .models import AuditEvent, PendingChange

Action = AuditEvent.Action

admin.site.site_header = "Newsroom desk"
admin.site.site_title = "Newsroom desk"
admin.site.index_title = "The desk"
# The lists are the desk's working surface: at 1280 px they get the full width.
admin.site.enable_nav_sidebar = False

# How long an open change page counts as "being edited" without a heartbeat.
PRESENCE_SECONDS = 90
# How often a change form is validated again when other saves get in before its own.
SAVE_ATTEMPTS = 5


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return list(workflow.State.LABELS.items())

    def queryset(self, request, queryset):
        value = self.value()
        if value in workflow.State.LABELS:
            return workflow.filter_state(queryset, value)
        return queryset


class TagFilter(admin.SimpleListFilter):
    """The 30 most used tags; any other tag through the search box or ?tag=<slug>."""

    title = "tag"
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        tags = (
            Tag.objects.annotate(uses=Count("events_taggedentry_items"))
            .order_by("-uses", "name")
            .values_list("slug", "name")[:30]
        )
        return list(tags)

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(tags__slug=self.value())
        return queryset


class PublisherFilter(admin.SimpleListFilter):
    title = "publisher"
    parameter_name = "publisher"

    def lookups(self, request, model_admin):
        return list(Publisher.objects.order_by("name").values_list("slug", "name")[:50])

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                pk__in=Citation.objects.filter(source__publisher__slug=self.value()).values("entry")
            )
        return queryset


class SourcesFilter(admin.SimpleListFilter):
    """Live entries that cite no source: the ones readers see unbacked."""

    title = "sources"
    parameter_name = "sources"

    def lookups(self, request, model_admin):
        return [("none-live", "Live, without sources")]

    def queryset(self, request, queryset):
        if self.value() == "none-live":
            return queryset.filter(sources_cited=0, pk__in=Entry.objects.published().values("pk"))
        return queryset


@admin.register(Entry)
class EntryAdmin(CorrectionAdminMixin, RevisionHistoryMixin, admin.ModelAdmin):
    form = EntryAdminForm
    inlines = [CitationInline]
    # The headline gets the room (at least 300 px at 1280); the event's date sits above it and
    # the other columns stay compact, so no state (not even "Live, changes pending") pushes the
    # table wider than the screen.
    list_display = (
        "headline_cell",
        "state_label",
        "tag_list",
        "source_count",
        "comment_count",
        "author_name",
        "last_edit",
    )
    list_display_links = ("headline_cell",)
    list_filter = (
        StateFilter,
        TagFilter,
        PublisherFilter,
        SourcesFilter,
        ("author", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("author", "last_edited_by")
    list_per_page = 100
    search_fields = ("headline", "body", "search_tags")
    date_hierarchy = "event_date"
    prepopulated_fields = {"slug": ("headline",)}
    readonly_fields = ("state", "author", "last_edited_by", "created", "updated", "version")
    actions = ("publish_now", "move_to_draft")
    change_form_template = "admin/desk/entry/change_form.html"
    fieldsets = (
        (None, {"fields": ("state", "event_date", "story", "headline", "slug", "tags", "body")}),
        (
            "Publishing",
            {
                "fields": (
                    "status",
                    "publish_at",
                    "publish_without_sources",
                    "publish_with_unnamed_publishers",
                    "review_note",
                    "comments_open",
                )
            },
        ),
        (
            "Record",
            {
                "fields": ("author", "last_edited_by", "created", "updated", "version"),
                "classes": ("collapse",),
            },
        ),
        (None, {"fields": ("base_version",)}),
    )

    class Media:
        js = ("js/desk_presence.js",)

    # --- the list ---------------------------------------------------------------------------

    def get_queryset(self, request):
        sources = (
            Citation.objects.filter(entry=OuterRef("pk"))
            .order_by()
            .values("entry")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            workflow.with_state(super().get_queryset(request))
            .annotate(
                approved_comments=approved_comment_count(),
                sources_cited=Coalesce(Subquery(sources, output_field=IntegerField()), 0),
            )
            # taggit's manager prefetches, but its stubs are missing: mypy cannot tell.
            .prefetch_related("tags")  # type: ignore[misc]
        )

    @admin.display(description="date · headline", ordering="event_date")
    def headline_cell(self, entry):
        # The version the editor saw travels with the row, so a bulk action can tell what
        # changed since the list was shown.
        return format_html(
            '<span class="desk-date">{}</span>'
            '<span class="desk-headline" title="{}">{}</span>'
            '<input type="hidden" name="_version_{}" value="{}" form="changelist-form">',
            date_format(entry.event_date, "DATE_FORMAT"),
            entry.headline,
            entry.headline,
            entry.pk,
            entry.version,
        )

    @admin.display(description="state")
    def state_label(self, entry):
        key = workflow.state_of(
            entry, has_pending_change=getattr(entry, "has_pending_change", None)
        )
        return format_html(
            '<span class="desk-state desk-state--{}">{}</span>', key, workflow.State.LABELS[key]
        )

    @admin.display(description="state")
    def state(self, entry):
        if entry is None or entry.pk is None:
            return "New entry (draft until saved otherwise)"
        return self.state_label(entry)

    @admin.display(description="tags")
    def tag_list(self, entry):
        """The first two tags by name, and how many more (all of them in the tooltip)."""
        names = sorted((t.name for t in entry.tags.all()), key=str.casefold)
        shown = ", ".join(names[:2])
        more = f" +{len(names) - 2}" if len(names) > 2 else ""
        return format_html(
            '<span class="desk-tags" title="{}">{}{}</span>', ", ".join(names), shown, more
        )

    @admin.display(description="sources", ordering="sources_cited")
    def source_count(self, entry):
        if entry.sources_cited == 0 and entry.is_live:
            return format_html(
                '<span class="desk-flag" title="{}">0 · none</span>',
                "Live without a source: readers see nothing backing it.",
            )
        return entry.sources_cited

    @admin.display(description="comments", ordering="approved_comments")
    def comment_count(self, entry):
        return entry.approved_comments

    @admin.display(description="author", ordering="author__username")
    def author_name(self, entry):
        name = entry.author.get_username() if entry.author else "—"
        return format_html('<span class="desk-who" title="{}">{}</span>', name, name)

    @admin.display(description="last edited", ordering="updated")
    def last_edit(self, entry):
        who = entry.last_edited_by.get_username() if entry.last_edited_by else "—"
        return format_html(
            '<span class="desk-who" title="{}">{}</span><small>{}</small>',
            who,
            who,
            date_format(timezone.localtime(entry.updated), "SHORT_DATETIME_FORMAT"),
        )

    # --- permissions ------------------------------------------------------------------------

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        if obj is not None and obj.status == Entry.Status.PUBLISHED:
            return workflow.can_publish(request.user)
        return True

    def delete_view(self, request, object_id, extra_context=None):
        entry = self.get_object(request, unquote(object_id))
        if (
            entry is not None
            and entry.status == Entry.Status.PUBLISHED
            and not workflow.can_publish(request.user)
        ):
            what = "scheduled" if entry.is_scheduled else "live"
            raise PermissionDenied(
                f"Only editors can delete a {what} entry. Ask an editor to delete it, or to "
                "move it back to draft."
            )
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not workflow.can_publish(request.user):
            for name in ("publish_now", "move_to_draft", "delete_selected"):
                actions.pop(name, None)
        return actions

    # --- the form ---------------------------------------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        # The entry form decides over the whole page, so it sees the citation formsets that
        # _create_formsets builds for the same request (filled in before validation).
        request._desk_formsets = []
        return type(
            form.__name__, (form,), {"user": request.user, "formsets": request._desk_formsets}
        )

    def _create_formsets(self, request, obj, change):
        # A private hook of ModelAdmin (stable since Django 1.x), the one place formsets are built.
        formsets, inline_instances = super()._create_formsets(request, obj, change)  # type: ignore[misc]
        if hasattr(request, "_desk_formsets"):
            request._desk_formsets[:] = formsets
        return formsets, inline_instances

    def save_form(self, request, form, change):
        request._desk_form = form
        return super().save_form(request, form, change)

    def save_model(self, request, obj, form, change):
        """Nothing yet: save_related writes the entry with its tags and citations in one step."""

    def save_related(self, request, form, formsets, change):
        """Save the entry, its tags and citations through `workflow.save_entry`, as one step.

        The service checks that the entry is still at the version the form merged against; if
        another save got in first it raises StaleSave, and changeform_view validates again.
        """
        outcome = form.outcome
        if outcome.hold:
            entry = Entry.objects.get(pk=form.instance.pk)
            workflow.hold_change(entry, form.snapshot(), user=request.user)
            return
        entry = form.instance
        action = self._action(form, change)
        detail = ""
        if outcome.merged:
            detail = f"Merged with {outcome.merged_from}: kept their {', '.join(outcome.merged)}."
        if action == Action.RETURN:
            detail = entry.review_note

        def related():
            form.save_m2m()
            set_story_named(entry, form.cleaned_data.get("story"))
            for formset in formsets:
                if outcome.keep_their_sources and formset.model is Citation:
                    continue
                self.save_formset(request, form, formset, change=change)

        workflow.save_entry(entry, user=request.user, action=action, detail=detail, related=related)

    def _action(self, form, change) -> str:
        if not change:
            return Action.CREATE
        before = form.initial.get("status")
        after = form.instance.status
        if before != after:
            if after == Entry.Status.REVIEW:
                return Action.SUBMIT
            if after == Entry.Status.PUBLISHED:
                return Action.SCHEDULE if form.instance.is_scheduled else Action.PUBLISH
            if before == Entry.Status.REVIEW:
                return Action.RETURN
            if before == Entry.Status.PUBLISHED:
                return Action.UNPUBLISH
        return Action.MERGE if form.outcome.merged else Action.EDIT

    def construct_change_message(self, request, form, formsets, add=False):
        if form.outcome.hold:
            return []  # the formsets were not saved: the change is held, not made
        # A merge that kept their sources did not save the citation formset: nothing to say.
        saved = [formset for formset in formsets if hasattr(formset, "new_objects")]
        return super().construct_change_message(request, form, saved, add)

    def log_change(self, request, obj, message):
        form = getattr(request, "_desk_form", None)
        if form is not None and form.outcome.hold:
            return None  # nothing changed on the entry; the audit trail says what was held
        return super().log_change(request, obj, message)

    def _say_outcome(self, request, entry):
        form = getattr(request, "_desk_form", None)
        if form is None:
            return
        for flag in form.outcome.flags:
            self.message_user(request, flag, messages.WARNING)
        if form.outcome.merged:
            self.message_user(
                request,
                f"Saved, merged with {form.outcome.merged_from}: their "
                f"{', '.join(form.outcome.merged)} kept, your other changes applied.",
                messages.SUCCESS,
            )

    def response_add(self, request, obj, post_url_continue=None):
        self._say_outcome(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        form = getattr(request, "_desk_form", None)
        if form is not None and form.outcome.hold:
            self.message_user(
                request,
                "Your changes are held for an editor's approval; readers keep seeing the "
                "approved version until then.",
                messages.SUCCESS,
            )
            for flag in form.outcome.flags:
                self.message_user(request, flag, messages.WARNING)
            return HttpResponseRedirect(reverse("admin:events_entry_change", args=[obj.pk]))
        self._say_outcome(request, obj)
        return super().response_change(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = extra_context or {}
        entry = self.get_object(request, unquote(object_id)) if object_id else None
        if entry is not None:
            extra_context.update(self._change_context(request, entry))
        if request.method != "POST" or entry is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        # Another save that got in between this form's check and its write (StaleSave: nothing
        # was written) means validating the form again against the newer version: merged field
        # by field, or the conflict page with the text kept. The last try holds the entry's
        # row from the check to the write, so a save always ends in one or the other.
        for _ in range(SAVE_ATTEMPTS - 1):
            try:
                return super().changeform_view(request, object_id, form_url, extra_context)
            except workflow.StaleSave:
                continue
        with transaction.atomic():
            workflow.lock(entry)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def _change_context(self, request, entry):
        if request.method == "GET":
            workflow.ensure_revision(entry, user=request.user)
        pending = PendingChange.objects.filter(entry=entry).select_related("proposed_by").first()
        context = {
            "desk_state": workflow.State.LABELS[
                workflow.state_of(entry, has_pending_change=pending is not None)
            ],
            "desk_pending": pending,
            "desk_can_publish": workflow.can_publish(request.user),
            "desk_can_correct": corrections.can_correct(request.user),
            "desk_others": self._present(request, entry),
            "desk_heartbeat_url": reverse("admin:events_entry_heartbeat", args=[entry.pk]),
        }
        if pending is not None:
            context["desk_pending_fields"] = ", ".join(workflow.held_fields(entry, pending))
        return context

    # --- who else is editing ----------------------------------------------------------------

    @staticmethod
    def _presence_key(entry_pk) -> str:
        return f"desk:editing:{entry_pk}"

    def _present(self, request, entry) -> list[dict]:
        """Note that this user has the entry open; return the others who have it open."""
        key = self._presence_key(entry.pk)
        now = timezone.now()
        here = cache.get(key) or {}
        here = {
            uid: info
            for uid, info in here.items()
            if (now - info["seen"]).total_seconds() < PRESENCE_SECONDS
        }
        mine = here.get(request.user.pk)
        here[request.user.pk] = {
            "name": request.user.get_full_name() or request.user.get_username(),
            "since": mine["since"] if mine else now,
            "seen": now,
        }
        cache.set(key, here, PRESENCE_SECONDS)
        return [
            {"name": info["name"], "since": timezone.localtime(info["since"])}
            for uid, info in sorted(here.items(), key=lambda item: item[1]["since"])
            if uid != request.user.pk
        ]

    def heartbeat(self, request, object_id):
        """POST every 30 s from an open change page: who else has the entry open now."""
        entry = get_object_or_404(Entry, pk=object_id)
        if not self.has_change_permission(request, entry):
            return JsonResponse({"error": "forbidden"}, status=403)
        others = self._present(request, entry)
        return JsonResponse(
            {
                "version": entry.version,
                "others": [
                    {"name": o["name"], "since": o["since"].strftime("%H:%M")} for o in others
                ],
            }
        )

    # --- review decisions on held changes ---------------------------------------------------

    def decide_pending(self, request, object_id):
        """Approve or return the change a reporter made to a live entry (editors only)."""
        entry = get_object_or_404(Entry, pk=object_id)
        url = reverse("admin:events_entry_change", args=[entry.pk])
        if not workflow.can_publish(request.user):
            self.message_user(request, "Only editors decide on held changes.", messages.ERROR)
            return HttpResponseRedirect(url)
        try:
            if "approve" in request.POST:
                workflow.approve(entry, user=request.user)
                self.message_user(request, "The held change is live.", messages.SUCCESS)
            else:
                workflow.return_to_reporter(
                    entry, user=request.user, note=request.POST.get("note", "")
                )
                self.message_user(
                    request,
                    "The change was returned to the reporter with your note.",
                    messages.SUCCESS,
                )
        except workflow.WorkflowError as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
        return HttpResponseRedirect(url)

    # --- bulk actions -----------------------------------------------------------------------

    @staticmethod
    def _seen_versions(request) -> dict[int, int]:
        versions = {}
        for key, value in request.POST.items():
            if key.startswith("_version_"):
                try:
                    versions[int(key.removeprefix("_version_"))] = int(value)
                except ValueError:
                    continue
        return versions

    def _report(self, request, report: workflow.BulkReport):
        level = messages.SUCCESS if report.done else messages.WARNING
        self.message_user(request, report.message, level)
        workflow.record(Action.BULK, user=request.user, entry=None, detail=report.message)

    @admin.action(description="Publish selected entries now", permissions=["change"])
    def publish_now(self, request, queryset):
        report = workflow.publish_now(
            queryset.order_by("pk"), user=request.user, versions=self._seen_versions(request)
        )
        self._report(request, report)

    @admin.action(description="Move selected entries back to draft", permissions=["change"])
    def move_to_draft(self, request, queryset):
        report = workflow.unpublish(
            queryset.order_by("pk"), user=request.user, versions=self._seen_versions(request)
        )
        self._report(request, report)

    def delete_model(self, request, obj):
        workflow.record(Action.DELETE, user=request.user, entry=obj, detail=str(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for entry in queryset:
            workflow.record(Action.DELETE, user=request.user, entry=entry, detail=str(entry))
        super().delete_queryset(request, queryset)

    # --- urls -------------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        extra = [
            path(
                "tag-autocomplete/",
                view(self.tag_autocomplete),
                name="events_entry_tag_autocomplete",
            ),
            path(
                "<path:object_id>/heartbeat/",
                view(require_POST(self.heartbeat)),
                name="events_entry_heartbeat",
            ),
            path(
                "<path:object_id>/pending/",
                view(require_POST(self.decide_pending)),
                name="events_entry_pending",
            ),
        ]
        return extra + super().get_urls()

    def tag_autocomplete(self, request):
        """Up to 10 tags whose name or alias starts with ?term=, tags most used first.

        Matched on the stored identity keys (events.tagging.tag_key), so "КИ" finds "Київ" and
        "stras" finds "Straße" on every database.

        Each suggestion is {"value": what goes in the field, "label": what the editor reads}:
        an alias reads "Kiev → Kyiv" and puts the tag itself, "Kyiv", in the field.
        """
        if not self.has_view_or_change_permission(request):
            return JsonResponse([], safe=False, status=403)
        term = request.GET.get("term", "").strip()[:TAG_MAX_LENGTH]
        if not term:
            return JsonResponse([], safe=False)
        names = (
            Tag.objects.filter(identity__key__startswith=tag_key(term))
            .annotate(uses=Count("events_taggedentry_items"))
            .order_by("-uses", "name")
            .values_list("name", flat=True)[:10]
        )
        suggestions = [{"value": name, "label": name} for name in names]
        aliases = (
            TagAlias.objects.filter(key__startswith=tag_key(term))
            .order_by("name")
            .values_list("name", "tag__name")[: 10 - len(suggestions)]
        )
        suggestions += [{"value": tag, "label": f"{alias} → {tag}"} for alias, tag in aliases]
        return JsonResponse(suggestions, safe=False)


from . import audit_admin, story_admin, tag_admin  # noqa: E402, F401  (register their admins)
