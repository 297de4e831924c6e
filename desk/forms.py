"""The entry form of the desk: roles, review rules and the check that no edit is ever lost.

The form sees the citation formset of the same page (the admin hands it over), so one `clean()`
can decide over the whole entry: a reporter's edit to a live entry is held, a save made from an
older version is merged field by field with the saves in between or refused with both sides
shown, and publishing without a source asks for confirmation.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from taggit.forms import TagWidget
from taggit.models import Tag

from events.limits import STORY_MAX_LENGTH, TAG_MAX_LENGTH
from events.models import Entry
from events.tagging import canonical_names, edit_string_for_tags, tags_for
from sources.models import Citation
from sources.selectors import citation_warnings, unnamed_publishers
from stories.models import Story
from stories.selectors import suggest_stories
from stories.services import clean_name

from . import workflow
from .models import PendingChange
from .snapshots import (
    FIELD_LABELS,
    FIELDS,
    EntrySnapshot,
    SourceSnapshot,
    merge,
    normalise_tags,
    snapshot_of,
)
from .widgets import LabelledSplitDateTime

# An editor is asked to look twice at a publish time this far in the past.
PAST_PUBLISH_FLAG = datetime.timedelta(days=2)


class TagAutocompleteWidget(TagWidget):
    """taggit's text field, with suggestions of existing tags as the editor types."""

    def __init__(self, attrs=None):
        from django.urls import reverse_lazy

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


def story_of(entry: Entry) -> str:
    """The name of the story `entry` belongs to, or ""."""
    return workflow.story_name(entry)


class StoryNameWidget(forms.TextInput):
    """A text field suggesting the stories still running (the 200 most recently updated)."""

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", "size": 60, **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        attrs = {**(attrs or {}), "list": f"{attrs.get('id', name)}-stories"}
        names = (
            Story.objects.exclude(status=Story.Status.CONCLUDED)
            .order_by("-updated")
            .values_list("name", flat=True)[:200]
        )
        options = format_html_join("", '<option value="{}">', ((n,) for n in names))
        html = super().render(name, value, attrs, renderer)
        return html + format_html('<datalist id="{}">{}</datalist>', attrs["list"], options)


@dataclass
class SaveOutcome:
    """What the save will do beyond writing the form, for the admin's messages and audit."""

    hold: bool = False
    keep_their_sources: bool = False
    merged: list[str] = field(default_factory=list)
    merged_from: str = ""
    flags: list[str] = field(default_factory=list)


# The form's fields that snapshots do not hold: a stale save merges them through the entry's
# row as the base version's revision kept it (the snapshot's FIELDS merge through snapshots);
# the story, kept in stories.StoryEntry, through the story name the revision kept.
ROW_FIELDS = ("story", "comments_open", "review_note")


def _blank(value):
    """An empty text and NULL are the same value to an editor."""
    return None if value == "" else value


# What a conflict calls the form's fields that snapshots do not hold.
ROW_LABELS = {"story": "story", "comments_open": "comments open", "review_note": "editor's note"}


def _stored(original: Entry, name: str):
    """The stored value of one of the form's fields (the story: its name, from its own table)."""
    if name == "story":
        return story_of(original)
    return getattr(original, name)


def _label(name: str) -> str:
    return FIELD_LABELS.get(name) or ROW_LABELS[name]


def _describe(name: str, value) -> str:
    if name == "tags":
        return ", ".join(value) or "(none)"
    if name == "sources":
        return "; ".join(s.label for s in value) or "(none)"
    text = str(value or "(empty)")
    return Truncator(text).chars(300)


def _ask_to_name(unnamed) -> str:
    """The question an editor publishing an entry with unnamed publishers reads."""
    names = []
    for item in unnamed:
        if isinstance(item, str):
            names.append(format_html("{} (a new publisher)", item))
        else:
            url = reverse("admin:sources_publisher_change", args=[item.pk])
            names.append(format_html('<a href="{}" target="_blank">{}</a>', url, item.name))
    return format_html(
        "Readers would see this entry credited to {}, with no publisher's name. Name {} "
        "(the link opens the publisher in a new tab), or tick “Publish with unnamed "
        "publishers” to publish as it is.",
        format_html_join(", ", "{}", ((n,) for n in names)),
        "it" if len(names) == 1 else "them",
    )


class EntryAdminForm(forms.ModelForm):
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    publish_without_sources = forms.BooleanField(
        required=False,
        label="Publish without sources",
        help_text="This entry cites no source. Tick to publish it anyway.",
    )
    publish_with_unnamed_publishers = forms.BooleanField(
        required=False,
        label="Publish with unnamed publishers",
        help_text="A cited publisher has no name yet (readers see its web domain). Tick to "
        "publish anyway, or name it first.",
    )

    story = forms.CharField(
        required=False,
        max_length=STORY_MAX_LENGTH,
        widget=StoryNameWidget,
        help_text="Optional. The ongoing story this entry belongs to (one at most), e.g. “War in "
        "Donbass”: pick one or type a new name, which starts a story.",
    )

    # Set by the admin before validation: the request's user and the page's inline formsets.
    user = None
    formsets: list = []

    class Meta:
        model = Entry
        fields = ["event_date", "headline", "slug", "tags", "body"]
        fields += ["status", "publish_at", "comments_open", "review_note"]
        widgets = {
            "tags": TagAutocompleteWidget,
            "headline": forms.Textarea(attrs={"rows": 2, "cols": 80}),
            "review_note": forms.Textarea(attrs={"rows": 2, "cols": 80}),
            "publish_at": LabelledSplitDateTime,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome = SaveOutcome()
        self.editor = workflow.can_publish(self.user)
        if self.instance.pk and not self.is_bound:
            self.initial["base_version"] = self.instance.version
            self.initial["story"] = story_of(self.instance)
            self._suggest_stories()
            self._start_from_held_change()
        if not self.editor:
            self._limit_for_reporters()

    def _suggest_stories(self):
        """For an entry in no story: the open stories it shares tags or sources with."""
        if self.initial["story"] or "story" not in self.fields:
            return
        suggestions = suggest_stories(self.instance)
        if suggestions:
            self.fields["story"].help_text = format_html(
                '{} <span class="desk-story-suggestions">Suggested: {}</span>',
                self.fields["story"].help_text,
                format_html_join("; ", "“{}” ({})", ((s.name, s.reason) for s in suggestions)),
            )

    def _start_from_held_change(self):
        """A reporter reopening a live entry continues from the change they have held."""
        held = PendingChange.objects.filter(entry=self.instance).first()
        if held is None or self.editor:
            return
        snapshot = EntrySnapshot.from_json(held.snapshot)
        for name in ("headline", "slug", "body", "event_date"):
            self.initial[name] = getattr(snapshot, name)
        self.initial["tags"] = edit_string_for_tags([Tag(name=n) for n in snapshot.tags])

    def _limit_for_reporters(self):
        """Reporters write and submit; publishing, scheduling and notes are the editors'.

        The editors' controls are hidden, not just greyed out (a reporter sees no control
        they cannot use), and disabled, so they keep the entry's own values whatever is
        posted. The editor's note is shown to the reporter above the form instead.
        """
        live = self.instance.pk and self.instance.status == Entry.Status.PUBLISHED
        status = self.fields.get("status")
        editors_only = [
            "publish_at",
            "review_note",
            "publish_without_sources",
            "publish_with_unnamed_publishers",
        ]
        if isinstance(status, forms.ChoiceField):
            if live:
                editors_only.append("status")  # the state is shown above; only editors move it
            else:
                status.choices = [
                    (Entry.Status.DRAFT, "Draft"),
                    (Entry.Status.REVIEW, "In review (submit to the editors)"),
                ]
        for name in editors_only:
            if name in self.fields:
                field = self.fields[name]
                field.disabled = True
                field.widget = (
                    forms.SplitHiddenDateTimeWidget()
                    if isinstance(field, forms.SplitDateTimeField)
                    else forms.HiddenInput()
                )

    def clean_story(self):
        return clean_name(self.cleaned_data.get("story"))

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        too_long = [t for t in tags if len(t) > TAG_MAX_LENGTH]
        if too_long:
            raise forms.ValidationError(
                f"A tag may be at most {TAG_MAX_LENGTH} characters long: {too_long[0][:40]}…"
            )
        # An alias typed here ("Kiev") stores its tag ("Kyiv"), "STRASSE" the tag "Straße", a
        # merged-away name the merge's target: names go through the one lookup.
        return canonical_names(tags)

    # ModelForm's hook behind save_m2m() (django-stubs do not declare it).
    def _save_m2m(self):
        # taggit would create new tags by its own slug rule: hand it the tags themselves.
        names = self.cleaned_data.get("tags")
        if names is None:
            return super()._save_m2m()  # type: ignore[misc]
        self.cleaned_data["tags"] = tags_for(names)
        try:
            super()._save_m2m()  # type: ignore[misc]
        finally:
            self.cleaned_data["tags"] = names

    # --- the whole entry ------------------------------------------------------------------

    def clean(self):
        cleaned = super().clean()
        if self.errors or not all(formset.is_valid() for formset in self.formsets):
            return cleaned
        original = self._original()
        self._check_review_note(original)
        mine = self.snapshot()
        if original is not None:
            self._check_version(original, mine)
            self.outcome.hold = not self.editor and original.status == Entry.Status.PUBLISHED
        self._check_sources(original, mine)
        self._flag(cleaned)
        self._flag_citations(cleaned, mine)
        return cleaned

    def _original(self) -> Entry | None:
        if not self.instance.pk:
            return None
        return Entry.objects.get(pk=self.instance.pk)

    def _check_review_note(self, original: Entry | None):
        returning = (
            original is not None
            and original.status == Entry.Status.REVIEW
            and self.cleaned_data.get("status") == Entry.Status.DRAFT
        )
        if returning and not (self.cleaned_data.get("review_note") or "").strip():
            self.add_error(
                "review_note",
                "Say why you are returning the entry: the note is what the reporter reads.",
            )

    def _check_sources(self, original: Entry | None, mine: EntrySnapshot):
        going_live = self.cleaned_data.get("status") == Entry.Status.PUBLISHED and (
            original is None or original.status != Entry.Status.PUBLISHED
        )
        if going_live and not mine.sources and not self.cleaned_data["publish_without_sources"]:
            self.add_error(
                "publish_without_sources",
                "This entry cites no source. Add one, or tick “Publish without sources”.",
            )
        if going_live and not self.cleaned_data.get("publish_with_unnamed_publishers"):
            unnamed = unnamed_publishers([(s.url, s.publisher) for s in mine.sources])
            if unnamed:
                self.add_error("publish_with_unnamed_publishers", _ask_to_name(unnamed))

    def _flag(self, cleaned):
        """Accepted, but worth a second look: said after the save as warnings."""
        now = timezone.now()
        publish_at = cleaned.get("publish_at")
        if (
            publish_at
            and cleaned.get("status") == Entry.Status.PUBLISHED
            and "publish_at" in self.changed_data
            and publish_at < now - PAST_PUBLISH_FLAG
        ):
            self.outcome.flags.append(
                f"The publish time {publish_at:%d %B %Y %H:%M} is far in the past: feeds will "
                "list the entry among old ones."
            )
        event_date = cleaned.get("event_date")
        if event_date and event_date > timezone.localdate():
            self.outcome.flags.append(
                f"The event date {event_date:%d %B %Y} is in the future: is that right?"
            )

    def _flag_citations(self, cleaned, mine: EntrySnapshot):
        """Warnings about the sources this save adds (sources.selectors.citation_warnings)."""
        event_date = cleaned.get("event_date")
        if not event_date:
            return
        cited = set()
        if self.instance.pk:
            cited = set(
                Citation.objects.filter(entry_id=self.instance.pk).values_list(
                    "source__url", flat=True
                )
            )
        added = [
            (s.url, datetime.date.fromisoformat(s.published_on) if s.published_on else None)
            for s in mine.sources
            if s.url not in cited
        ]
        if not added:
            return
        for warning in citation_warnings(
            event_date=event_date, sources=added, entry_id=self.instance.pk
        ):
            if warning.other is None:
                self.outcome.flags.append(warning.message)
            else:
                self.outcome.flags.append(
                    format_html(
                        '{} <a href="{}">{}</a>',
                        warning.message,
                        reverse("admin:events_entry_change", args=[warning.other.pk]),
                        warning.other.headline,
                    )
                )

    def snapshot(self) -> EntrySnapshot:
        """The entry as this form (and its citation formset) would save it."""
        data = self.cleaned_data
        publish_at = data.get("publish_at")
        return EntrySnapshot(
            event_date=data["event_date"].isoformat(),
            headline=(data.get("headline") or "").strip(),
            slug=data.get("slug") or self.instance.slug or "",
            body=data.get("body") or "",
            tags=normalise_tags(data.get("tags") or []),
            sources=tuple(self._formset_sources()),
            status=data.get("status") or self.instance.status,
            publish_at=publish_at.isoformat() if publish_at else None,
        )

    def _formset_sources(self):
        rows = []
        for formset in self.formsets:
            for form in formset.forms:
                data = getattr(form, "cleaned_data", None)
                if not data or not data.get("url") or formset._should_delete_form(form):
                    continue
                publisher = data.get("publisher")
                published_on = data.get("published_on")
                rows.append(
                    (
                        data.get("position") or 0,
                        SourceSnapshot(
                            url=data["url"],
                            title=data.get("title") or "",
                            publisher=publisher.name if publisher else "",
                            byline=data.get("byline") or "",
                            published_on=published_on.isoformat() if published_on else None,
                            excerpt=data.get("excerpt") or "",
                        ),
                    )
                )
        return [source for _, source in sorted(rows, key=lambda row: row[0])]

    # --- no lost edits --------------------------------------------------------------------

    def _check_version(self, original: Entry, mine: EntrySnapshot):
        """A save made from an older version is merged with the saves since, or refused.

        This prepares the save; `desk.workflow.save_entry` checks, in the same transaction as
        the write, that the entry is still at the version merged against (`instance.version`),
        and the admin validates the form again when another save got in first.
        """
        base_version = self.cleaned_data.get("base_version")
        self.instance.version = original.version
        if base_version is None or base_version == original.version:
            return
        theirs = snapshot_of(original)
        base = workflow.base_snapshot(original, base_version)
        base_row = workflow.base_row(original, base_version)
        who = original.last_edited_by.get_username() if original.last_edited_by else "someone"
        when = timezone.localtime(original.updated)
        merged = merge(base, theirs, mine, FIELDS)
        conflicts, kept = list(merged.conflicts), list(merged.kept_theirs)
        for name in ROW_FIELDS:
            if name not in self.cleaned_data or self.fields[name].disabled:
                continue
            ours, their = _blank(self.cleaned_data[name]), _blank(_stored(original, name))
            if ours == their:
                continue
            if base_row is not None and name in base_row:
                old = _blank(base_row[name])
                if ours == old:
                    kept.append(name)  # only they changed it: keep theirs
                    continue
                if their == old:
                    continue  # only I changed it: mine goes in
            conflicts.append((name, their, ours))
        if conflicts:
            # The form keeps everything typed; resubmitting it now overwrites their version.
            data = self.data.copy()  # type: ignore[attr-defined]  # a QueryDict when bound
            data[self.add_prefix("base_version")] = str(original.version)
            self.data = data
            rows = format_html_join(
                "",
                "<li><strong>{}</strong>: theirs “{}”, yours “{}”</li>",
                ((_label(n), _describe(n, t), _describe(n, o)) for n, t, o in conflicts),
            )
            raise forms.ValidationError(
                format_html(
                    "{} saved this entry at {} while you were editing it, and changed the same "
                    "fields. Nothing was saved. <ul>{}</ul>Your text is kept below: keep what "
                    "should stay and save again to replace their version.",
                    who,
                    f"{when:%H:%M:%S on %d %B %Y}",
                    rows,
                ),
                code="conflict",
            )
        self._merge(original, merged.result, kept, who, when)

    def _merge(self, original, result: EntrySnapshot, kept, who, when):
        """Take their value for each field only they changed; tags merge as a set."""
        for name in kept:
            if name == "sources":
                self.outcome.keep_their_sources = True
            elif name != "tags":
                self.cleaned_data[name] = _stored(original, name)
        self.cleaned_data["tags"] = list(result.tags)
        self.outcome.merged = [_label(n) for n in kept]
        self.outcome.merged_from = f"{who} (saved at {when:%H:%M:%S})"
