"""The entry admin's "Add a correction" page, for editors, on live entries.

`CorrectionAdminMixin` goes before `admin.ModelAdmin` in the entry admin's bases and adds
`<id>/correct/` under each entry's admin URL: the form (kind, note, and the headline and body
to correct, filled in as they are live) on GET, `desk.corrections.add_correction` on POST.
The page only reads the request, calls the service and renders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from events.limits import HEADLINE_MAX_LENGTH
from events.models import Correction

from . import corrections

if TYPE_CHECKING:  # what the mixin below is always combined with
    from django.contrib.admin import ModelAdmin as _ModelAdmin
else:
    _ModelAdmin = object


class CorrectionForm(forms.Form):
    """What an editor writes: the kind, the note readers see, and the corrected text."""

    kind = forms.ChoiceField(choices=Correction.Kind.choices, initial=Correction.Kind.CORRECTION)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        required=False,  # the service refuses an empty note, with the message readers of it get
        help_text=Correction._meta.get_field("note").help_text,
    )
    headline = forms.CharField(
        max_length=HEADLINE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2, "cols": 80})
    )
    body = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 80}),
        help_text="The text as it should read now; the public “what changed” page compares it "
        "with the text readers saw until now.",
    )


class CorrectionAdminMixin(_ModelAdmin):
    correction_template = "admin/desk/entry/correct.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        extra = [
            path(
                "<path:object_id>/correct/",
                self.admin_site.admin_view(self.correction_view),
                name="{}_{}_correct".format(*info),
            )
        ]
        return extra + super().get_urls()

    def correction_view(self, request, object_id):
        """GET: the form with the live text; POST: add the correction, or say why not."""
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        entry = self.get_object(request, unquote(object_id))
        if entry is None:
            raise Http404("No such entry.")
        if not corrections.can_correct(request.user):
            raise PermissionDenied("Only editors add corrections, clarifications and updates.")
        change_url = reverse(
            f"{self.admin_site.name}:events_entry_change", kwargs={"object_id": entry.pk}
        )
        if request.method == "POST":
            form = CorrectionForm(request.POST)
            if form.is_valid():
                try:
                    correction = corrections.add_correction(
                        entry, user=request.user, **form.cleaned_data
                    )
                except corrections.CorrectionError as refusal:
                    form.add_error(None, str(refusal))
                else:
                    messages.success(
                        request,
                        f"{correction.get_kind_display()} added; readers see it under the entry.",
                    )
                    return HttpResponseRedirect(change_url)
        else:
            form = CorrectionForm(initial={"headline": entry.headline, "body": entry.body})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": entry,
            "title": "Add a correction or update",
            "subtitle": str(entry),
            "form": form,
            "change_url": change_url,
            "is_live": entry.is_live,
            "corrections": Correction.objects.filter(entry=entry).order_by("-created", "-id"),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.correction_template, context)
