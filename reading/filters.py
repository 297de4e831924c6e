"""The public entry list's filters: the only way query parameters reach the ORM.

Every field validates its raw value first (length, NUL bytes, known tag or publisher), so garbage
becomes a form error shown on the page, never a database error.
"""

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django_filters import (
    CharFilter,
    ChoiceFilter,
    DateFilter,
    Filter,
    FilterSet,
)
from taggit.models import Tag

from events import search
from events.limits import TAG_MAX_LENGTH
from events.tagging import find_tags, moved_tags, tag_key
from sources.selectors import cites_publisher

from . import selectors

MAX_TAGS = 10
QUERY_MAX_LENGTH = 200
no_nul = ProhibitNullCharactersValidator()


class TagInput(forms.MultipleHiddenInput):
    """The chosen tags as hidden inputs, plus one text box to add a tag by name."""

    rejected = ""  # the name TagField could not find, set on this form's own copy of the widget

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        input_id = attrs.pop("id", f"id_{name}")
        kept = [v for v in self.format_value(value) if v != self.rejected]
        hidden = super().render(name, kept, {}, renderer) if kept else ""
        extra = {k: v for k, v in self.attrs.items() if k.startswith("aria-")}
        box = format_html(
            '<input type="text" name="{}" id="{}" value="{}" autocomplete="off" maxlength="{}"{}>',
            name,
            input_id,
            self.rejected[:TAG_MAX_LENGTH],
            TAG_MAX_LENGTH,
            format_html_join("", ' {}="{}"', extra.items()),
        )
        return mark_safe(hidden + box)  # both parts are built by Django's escaping helpers

    def format_value(self, value):
        if not value:
            return []
        return [tag.slug if isinstance(tag, Tag) else str(tag) for tag in value]


class TagField(forms.Field):
    """Tags given by slug or by name (case-insensitive); unknown ones are a form error."""

    widget = TagInput
    default_error_messages = {
        "unknown": "No tag is called “%(names)s”. Check the spelling, or pick one of the top tags.",
        "too_many": f"Choose at most {MAX_TAGS} tags.",
        "too_long": f"A tag name has at most {TAG_MAX_LENGTH} characters.",
    }

    def to_python(self, value) -> list[Tag]:
        if value in (None, ""):
            return []
        values = value if isinstance(value, list | tuple) else [value]
        wanted = list(dict.fromkeys(" ".join(str(v).split()) for v in values if str(v).strip()))
        if not wanted:
            return []
        if len(wanted) > MAX_TAGS:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many")
        for item in wanted:
            no_nul(item)
            if len(item) > TAG_MAX_LENGTH:
                raise forms.ValidationError(self.error_messages["too_long"], code="too_long")
        by_slug = {t.slug: t for t in Tag.objects.filter(slug__in=wanted)}
        # A name goes through the one lookup (events.tagging.find_tags): any case or spelling
        # of the name, an alias ("Kiev"), a renamed or merged tag's name or old slug.
        rest = [item for item in wanted if item not in by_slug]
        by_name = find_tags(rest) if rest else {}
        unresolved = [item for item in rest if tag_key(item) not in by_name]
        moved = moved_tags(unresolved) if unresolved else {}  # an alias's own slug
        tags = []
        for item in wanted:
            tag = by_slug.get(item) or by_name.get(tag_key(item)) or moved.get(item)
            if tag is None:
                self.widget.rejected = item  # shown again in the text box, to be corrected
                raise forms.ValidationError(
                    self.error_messages["unknown"], code="unknown", params={"names": item}
                )
            if tag not in tags:
                tags.append(tag)
        return tags


class TagFilter(Filter):
    field_class = TagField


class PublisherInput(forms.TextInput):
    """A text box for a publisher, suggesting the most cited ones in a <datalist>.

    A bounded list: a select of every cited publisher would grow with the archive, and so would
    the work of rendering it on every list page.
    """

    SUGGESTED = 50

    def render(self, name, value, attrs=None, renderer=None):
        attrs = {**(attrs or {}), "list": f"{name}-suggestions", "autocomplete": "off"}
        box = super().render(name, value, attrs, renderer)
        names = [row["name"] for row in selectors.live_publisher_facets(limit=self.SUGGESTED)]
        options = format_html_join("", '<option value="{}"></option>', ((n,) for n in names))
        return box + format_html('<datalist id="{}-suggestions">{}</datalist>', name, options)


class PublisherField(forms.Field):
    """A publisher cited by a published entry, given by name (any case) or slug."""

    widget = PublisherInput
    default_error_messages = {
        "invalid_choice": "No publisher by that name is cited here; pick one from the list.",
    }

    def to_python(self, value):
        value = " ".join(str(value or "").split())
        if not value:
            return None
        no_nul(value)
        publisher = selectors.public_publisher_named(value) if len(value) <= 200 else None
        if publisher is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid")
        return publisher


class PublisherFilter(Filter):
    field_class = PublisherField


DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": "Enter a date as year-month-day, like 2014-02-19."}
CHOICE_ERRORS = {"invalid_choice": "“%(value)s” is not one of the choices; pick one from the list."}


class EntryFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean() returns cleaned_data
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and start > end:
            for name in ("from", "to"):
                self.fields[name].widget.attrs["aria-invalid"] = "true"
            raise forms.ValidationError("The “From” date must not be after the “To” date.")
        return cleaned

    def full_clean(self):
        super().full_clean()
        self.show_errors_in_fields()

    def show_errors_in_fields(self):
        """Presentation only: a field in error says so to assistive technology and points to
        its message; a date the browser cannot read is shown as typed (a date input would
        blank it), so the reader can correct it.
        """
        for name in self.errors:
            if name not in self.fields:
                continue
            field = self.fields[name]
            if isinstance(field.widget, forms.DateInput):
                field.widget = forms.TextInput(attrs={"placeholder": "YYYY-MM-DD"})
            field.widget.attrs.update({"aria-invalid": "true", "aria-describedby": f"{name}-error"})


class EntryFilter(FilterSet):
    """?q=&from=&to=&tag=&tag=&mode=all|any&publisher=&sort=newest|oldest|relevance"""

    # "Best match" comes first, so a search typed into the form is ranked by relevance unless
    # the reader picks a date order; without words it falls back to newest first.
    SORTS = [("relevance", "Best match"), ("newest", "Newest first"), ("oldest", "Oldest first")]
    MODES = [("all", "All of the tags"), ("any", "Any of the tags")]

    q = CharFilter(
        label="Words",
        method="filter_words",
        max_length=QUERY_MAX_LENGTH,
        error_messages={
            "max_length": "Use at most %(limit_value)d characters (this has %(show_value)d)."
        },
    )
    # "from" is a Python keyword, so these two are declared through the class namespace.
    locals()["from"] = DateFilter(
        field_name="event_date",
        lookup_expr="gte",
        label="From",
        widget=DATE_INPUT,
        error_messages=DATE_ERRORS,
    )
    locals()["to"] = DateFilter(
        field_name="event_date",
        lookup_expr="lte",
        label="To",
        widget=DATE_INPUT,
        error_messages=DATE_ERRORS,
    )
    tag = TagFilter(label="Add a tag", method="filter_tags")
    mode = ChoiceFilter(
        label="Match", choices=MODES, method="keep", empty_label=None, error_messages=CHOICE_ERRORS
    )
    publisher = PublisherFilter(label="Publisher", method="filter_publisher")
    sort = ChoiceFilter(
        label="Sort", choices=SORTS, method="keep", empty_label=None, error_messages=CHOICE_ERRORS
    )

    class Meta:
        form = EntryFilterForm

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        if not (self.data.get("q") or "").strip():
            # Without words "Best match" stays the submitted default (a search typed into the
            # form is ranked), but the menu says what the list shows now: newest first.
            sort = self.form.fields["sort"]
            sort.choices = [
                ("relevance", "Best match (newest first without words)"),
                *self.SORTS[1:],
            ]

    def keep(self, queryset, name, value):
        """Mode and sort only steer the other filters and the final ordering."""
        return queryset

    def filter_words(self, queryset, name, value):
        return search.search(queryset, value)

    def filter_tags(self, queryset, name, tags):
        if not tags:
            return queryset
        if self.form.cleaned_data.get("mode") == "any":
            return queryset.carrying_any(tags)
        for tag in tags:
            queryset = queryset.carrying(tag)
        return queryset

    def filter_publisher(self, queryset, name, publisher):
        return queryset.filter(cites_publisher(publisher))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        sort = self.form.cleaned_data.get("sort") or ""
        searching = bool(self.form.cleaned_data.get("q", "").strip())
        if sort == "oldest":
            return queryset.order_by("event_date", "id")
        if searching and sort in ("", "relevance"):
            # Ranking every match of a common word means reading every match's vector; rank
            # the newest COUNT_CAP + 1 matches instead (the list shows "1,000+" past that).
            newest = queryset.order_by("-event_date", "-id").values("pk")
            return queryset.filter(pk__in=newest[: selectors.COUNT_CAP + 1]).order_by(
                "-rank", "-event_date", "-id"
            )
        return queryset.order_by("-event_date", "-id")
