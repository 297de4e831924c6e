"""The editors' desk: write, tag, source, schedule and publish entries."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.http import JsonResponse
from django.urls import path, reverse_lazy
from django.utils.html import format_html
from taggit.forms import TagWidget
from taggit.models import Tag

from events import services
from events.limits import TAG_MAX_LENGTH
from events.models import Entry
from sources.admin import CitationInline

from .widgets import LabelledSplitDateTime


class TagAutocompleteWidget(TagWidget):
    """taggit's text field, with suggestions of existing tags as the editor types."""

    def __init__(self, attrs=None):
        super().__init__(
            {
                "data-tag-autocomplete": reverse_lazy("admin:events_entry_tag_autocomplete"),
                "autocomplete": "off",
                "size": 80,
                **(attrs or {}),
            }
        )

    class Media:
        js = ("js/tag_autocomplete.js",)

    def render(self, name, value, attrs=None, renderer=None):
        attrs = {**(attrs or {}), "list": f"{attrs.get('id', name)}-suggestions"}
        html = super().render(name, value, attrs, renderer)
        return html + format_html('<datalist id="{}"></datalist>', attrs["list"])


class EntryAdminForm(forms.ModelForm):
    class Meta:
        model = Entry
        fields = ["event_date", "story", "headline", "slug", "tags", "body"]
        fields += ["status", "publish_at", "comments_open"]
        widgets = {
            "tags": TagAutocompleteWidget,
            "headline": forms.Textarea(attrs={"rows": 2, "cols": 80}),
            "publish_at": LabelledSplitDateTime,
        }

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        too_long = [t for t in tags if len(t) > TAG_MAX_LENGTH]
        if too_long:
            raise forms.ValidationError(
                f"A tag may be at most {TAG_MAX_LENGTH} characters long: {too_long[0][:40]}…"
            )
        return tags


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    form = EntryAdminForm
    inlines = [CitationInline]
    list_display = ("headline", "event_date", "status", "publish_at", "is_live", "author")
    list_filter = ("status", "event_date")
    list_select_related = ("author",)
    search_fields = ("headline", "slug")
    date_hierarchy = "event_date"
    prepopulated_fields = {"slug": ("headline",)}
    readonly_fields = ("author", "created", "updated")
    actions = ("publish_now", "move_to_draft")
    fieldsets = (
        (None, {"fields": ("event_date", "story", "headline", "slug", "tags", "body")}),
        ("Publishing", {"fields": ("status", "publish_at", "comments_open")}),
        ("Record", {"fields": ("author", "created", "updated"), "classes": ("collapse",)}),
    )

    @admin.display(boolean=True, description="live")
    def is_live(self, entry):
        return entry.is_live

    def save_model(self, request, obj, form, change):
        if obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Publish selected entries now", permissions=["change"])
    def publish_now(self, request, queryset):
        count = services.publish(queryset)
        self.message_user(request, f"Published {count} entries.", messages.SUCCESS)

    @admin.action(description="Move selected entries back to draft", permissions=["change"])
    def move_to_draft(self, request, queryset):
        count = services.unpublish(queryset)
        self.message_user(request, f"Moved {count} entries to draft.", messages.SUCCESS)

    def get_urls(self):
        extra = [
            path(
                "tag-autocomplete/",
                self.admin_site.admin_view(self.tag_autocomplete),
                name="events_entry_tag_autocomplete",
            )
        ]
        return extra + super().get_urls()

    def tag_autocomplete(self, request):
        """Up to 10 existing tag names starting with ?term=, most used first."""
        if not self.has_view_or_change_permission(request):
            return JsonResponse([], safe=False, status=403)
        term = request.GET.get("term", "").strip()[:TAG_MAX_LENGTH]
        if not term:
            return JsonResponse([], safe=False)
        names = (
            Tag.objects.filter(name__istartswith=term)
            .annotate(uses=Count("events_taggedentry_items"))
            .order_by("-uses", "name")
            .values_list("name", flat=True)[:10]
        )
        return JsonResponse(list(names), safe=False)
