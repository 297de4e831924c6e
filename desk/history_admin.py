"""The entry admin's revision pages: list and timeline, compare two revisions, restore one.

`RevisionHistoryMixin` goes before `admin.ModelAdmin` in the entry admin's bases. It adds, under
each entry's admin URL:

- `revisions/`                    revisions (who, when, what) and the timeline; pick two to compare
- `revisions/compare/?old=N&new=M` the comparison of two versions
- `revisions/<N>/restore/`        a confirmation on GET; the restore on POST

Reading needs the view or change permission on the entry; restoring needs the change permission
and `events.restore_entry` (Editors). The pages only read the request, call `desk.history` and
render.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from events.models import Correction, Entry

from . import history
from .snapshots import snapshot_of


class CompareForm(forms.Form):
    """Two versions of one entry to compare; the older is always shown as "before"."""

    old: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None,
        to_field_name="entry_version",
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Pick a version this entry has."},
    )
    new: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None,
        to_field_name="entry_version",
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Pick a version this entry has."},
    )

    def __init__(self, entry: Entry, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("old", "new"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = history.revisions_of(entry)

    def clean(self):
        data = super().clean() or {}
        old, new = data.get("old"), data.get("new")
        if old and new:
            if old.pk == new.pk:
                raise forms.ValidationError("Pick two different versions to compare.")
            if old.entry_version > new.entry_version:
                data["old"], data["new"] = new, old
        return data


class RestoreNoteForm(forms.Form):
    """The public note a restore of a live entry's text is published with."""

    kind = forms.ChoiceField(choices=Correction.Kind.choices, initial=Correction.Kind.UPDATE)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        required=False,  # the service refuses an empty note where one is needed, and says why
        label="Note to readers",
        help_text="Readers see it under the entry, dated, with a link comparing the text they "
        "saw with the text restored.",
    )


if TYPE_CHECKING:  # what the mixin below is always combined with
    from django.contrib.admin import ModelAdmin as _ModelAdmin
else:
    _ModelAdmin = object


class RevisionHistoryMixin(_ModelAdmin):
    """Revisions, comparison and restore for an entry's ModelAdmin (see the module docstring)."""

    revisions_template = "admin/desk/revisions/list.html"
    revisions_compare_template = "admin/desk/revisions/compare.html"
    revisions_restore_template = "admin/desk/revisions/restore.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/revisions/",
                wrap(self.revisions_view),
                name="{}_{}_revisions".format(*info),
            ),
            path(
                "<path:object_id>/revisions/compare/",
                wrap(self.revisions_compare_view),
                name="{}_{}_revisions_compare".format(*info),
            ),
            path(
                "<path:object_id>/revisions/<int:version>/restore/",
                wrap(self.revision_restore_view),
                name="{}_{}_revisions_restore".format(*info),
            ),
            *super().get_urls(),
        ]

    # --- permissions and helpers --------------------------------------------------------------

    def has_restore_permission(self, request, obj=None) -> bool:
        """Editors: the change permission on the entry and `events.restore_entry`."""
        return self.has_change_permission(request, obj) and history.can_restore(request.user)

    def _readable_entry(self, request, object_id):
        entry = self.get_object(request, unquote(object_id))
        if entry is None:
            raise Http404(f"No entry with id {object_id!r}.")
        if not self.has_view_or_change_permission(request, entry):
            raise PermissionDenied("Your role on the desk cannot open this entry's revisions.")
        return entry

    def _url(self, name: str, entry: Entry, **kwargs) -> str:
        info = self.opts.app_label, self.opts.model_name, name
        return reverse(
            "{}:{}_{}_{}".format(self.admin_site.name, *info),
            kwargs={"object_id": entry.pk, **kwargs},
        )

    def _context(self, request, entry: Entry, title: str, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": entry,
            "title": title,
            "subtitle": str(entry),
            "has_view_permission": True,
            "has_restore_permission": self.has_restore_permission(request, entry),
            "revisions_url": self._url("revisions", entry),
            "compare_url": self._url("revisions_compare", entry),
            **extra,
        }

    # --- views --------------------------------------------------------------------------------

    def revisions_view(self, request, object_id):
        """The entry's revisions, newest first, with the two to compare, and its timeline."""
        entry = self._readable_entry(request, object_id)
        return self._render_revisions(request, entry, CompareForm(entry))

    def _render_revisions(self, request, entry: Entry, form: CompareForm):
        revisions = list(history.revisions_of(entry))
        if form.is_bound:
            checked = {"old": form.data.get("old"), "new": form.data.get("new")}
        else:
            versions = [str(r.entry_version) for r in revisions]
            checked = {"new": versions[0] if versions else None}
            checked["old"] = versions[1] if len(versions) > 1 else None
        context = self._context(
            request,
            entry,
            "Revisions",
            revisions=revisions,
            form=form,
            checked=checked,
            timeline=history.timeline(entry, revisions=revisions),
            current_version=entry.version,
            can_view_audit=request.user.has_perm("desk.view_auditevent"),
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.revisions_template, context)

    def revisions_compare_view(self, request, object_id):
        """What changed between the two versions picked (?old=N&new=M)."""
        entry = self._readable_entry(request, object_id)
        form = CompareForm(entry, request.GET)
        if not form.is_valid():
            return self._render_revisions(request, entry, form)
        old, new = form.cleaned_data["old"], form.cleaned_data["new"]
        context = self._context(
            request,
            entry,
            f"Version {old.entry_version} compared with version {new.entry_version}",
            old=old,
            new=new,
            comparison=history.compare(history.snapshot_at(old), history.snapshot_at(new)),
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.revisions_compare_template, context)

    def revision_restore_view(self, request, object_id, version):
        """GET: what restoring `version` would change, and a button; POST: restore it.

        On a live entry whose text the restore changes, the page asks for the public note
        readers will see (as a correction or update); without one nothing is restored.
        """
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        entry = self._readable_entry(request, object_id)
        if not self.has_restore_permission(request, entry):
            raise PermissionDenied("Only editors can restore an earlier revision.")
        revision = history.revision_of(entry, version)
        if revision is None:
            raise Http404(f"This entry has no version {version}.")
        now = snapshot_of(entry)
        target = history.restore_target(entry, revision, now=now)
        form = None
        if history.needs_note(entry, target, now=now):
            form = RestoreNoteForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and (form is None or form.is_valid()):
            note = form.cleaned_data if form is not None else {}
            try:
                entry = history.restore(entry, revision, user=request.user, **note)
            except history.RestoreError as error:
                if form is None:
                    messages.error(request, str(error))
                    return redirect(self._url("revisions", entry))
                form.add_error(None, str(error))  # shown above the note, which is kept
            else:
                message = f"Restored version {version} as version {entry.version}."
                self.log_change(request, entry, message)
                messages.success(request, message)
                return HttpResponseRedirect(self._url("revisions", entry))
        context = self._context(
            request,
            entry,
            f"Restore version {version}?",
            revision=revision,
            comparison=history.compare(now, target),
            restore_url=self._url("revisions_restore", entry, version=version),
            note_form=form,
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.revisions_restore_template, context)
