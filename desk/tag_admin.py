"""Tags in the admin: rename, merge with a preview (and undo), aliases, use counts, housekeeping.

Replaces taggit's own TagAdmin, whose "Merge selected tags" works on taggit's generic TaggedItem
and not on our through model (`events.TaggedEntry`). Every change goes through `desk.tags`.
Imported at the end of desk/admin.py (admin autodiscovery imports only that module).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from taggit.models import Tag

from events.models import TagAlias

from . import tags
from .models import TagMerge

# A merge preview lists every selected tag as a possible target: keep the choice readable.
MAX_MERGE = 20


class TagForm(forms.ModelForm):
    """The tag's name; a rename onto another tag's name or an alias is refused (merge instead)."""

    class Meta:
        model = Tag
        fields = ["name"]

    def clean_name(self):
        try:
            return tags.check_rename(self.instance, self.cleaned_data["name"])
        except tags.TagRefusal as refusal:
            message = str(refusal)
            if refusal.merge_into is not None and self.instance.pk:
                url = reverse("admin:taggit_tag_merge_preview")
                message = format_html(
                    '{} <a href="{}?tags={}&amp;tags={}&amp;target={}">Merge them…</a>',
                    message,
                    url,
                    self.instance.pk,
                    refusal.merge_into.pk,
                    refusal.merge_into.pk,
                )
            raise forms.ValidationError(message) from None


class AliasForm(forms.ModelForm):
    class Meta:
        model = TagAlias
        fields = ["name"]

    def clean_name(self):
        try:
            return tags.check_alias(
                self.instance.tag, self.cleaned_data["name"], exclude=self.instance
            )
        except tags.TagRefusal as refusal:
            raise forms.ValidationError(str(refusal)) from None


class TagAliasInline(admin.StackedInline):
    """Stacked, not tabular: each alias field and its delete box gets its own label."""

    model = TagAlias
    form = AliasForm
    extra = 1
    verbose_name = "alias"
    verbose_name_plural = "aliases (other names that store this tag and redirect to its page)"

    # An alias is part of its tag: whoever may change the tag may edit its aliases.
    def has_add_permission(self, request, obj=None):
        return request.user.has_perm("taggit.change_tag")

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("taggit.change_tag")

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("taggit.change_tag")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("taggit.view_tag")


if admin.site.is_registered(Tag):
    admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    form = TagForm
    list_display = ("name", "slug", "uses", "alias_names")
    search_fields = ("name", "aliases__name")
    # By name as people read it: "human rights" before "United States", whatever the case.
    # (Admin ordering accepts expressions; django-stubs types it as field names only.)
    ordering = (Lower("name"), "pk")  # type: ignore[assignment]
    readonly_fields = ("slug",)
    fields = ("name", "slug")
    list_per_page = 100
    actions = ("merge_selected", "delete_selected")
    change_list_template = "admin/desk/tags/change_list.html"

    def get_queryset(self, request):
        return tags.with_uses(super().get_queryset(request)).prefetch_related("aliases")

    def get_inlines(self, request, obj):
        return [TagAliasInline] if obj is not None else []

    @admin.display(description="entries", ordering="uses")
    def uses(self, tag):
        return tag.uses

    @admin.display(description="aliases")
    def alias_names(self, tag):
        return ", ".join(alias.name for alias in tag.aliases.all())

    def can_merge(self, request: HttpRequest) -> bool:
        return self.has_change_permission(request) and self.has_delete_permission(request)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.can_merge(request):
            actions.pop("merge_selected", None)
        return actions

    # --- rename and aliases go through the services -------------------------------------------

    def save_model(self, request, obj, form, change):
        if change:
            tags.rename_tag(Tag.objects.get(pk=obj.pk), obj.name, user=request.user)
        else:
            tags.add_tag(obj.name, tag=obj)  # the one slug rule, not taggit's

    def save_formset(self, request, form, formset, change):
        if formset.model is not TagAlias:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for alias in formset.deleted_objects:
            tags.remove_alias(alias, user=request.user)
        for alias, _changed in formset.changed_objects:
            tags.remove_alias(TagAlias.objects.get(pk=alias.pk), user=request.user)
            tags.add_alias(form.instance, alias.name, user=request.user)
        for alias in formset.new_objects:
            tags.add_alias(form.instance, alias.name, user=request.user)

    # --- merge: preview, then apply -------------------------------------------------------------

    @admin.action(description="Merge selected tags…")
    def merge_selected(self, request, queryset):
        chosen = list(tags.with_uses(queryset.order_by("name")))
        return self._merge(
            request, chosen, request.POST.get("target"), apply="apply" in request.POST
        )

    def merge_preview(self, request):
        """The same preview, reached from a refused rename (GET ?tags=…&target=…)."""
        if not self.can_merge(request):
            self.message_user(request, "Only editors merge tags.", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:taggit_tag_changelist"))
        ids = [i for i in request.GET.getlist("tags") if i.isdigit()]
        chosen = list(tags.with_uses(Tag.objects.filter(pk__in=ids).order_by("name")))
        response = self._merge(request, chosen, request.GET.get("target"), apply=False)
        return response or HttpResponseRedirect(reverse("admin:taggit_tag_changelist"))

    def _merge(self, request, chosen: list[Tag], target_id, *, apply: bool):
        if len(chosen) < 2:
            self.message_user(request, "Select two tags or more to merge.", messages.WARNING)
            return None
        if len(chosen) > MAX_MERGE:
            self.message_user(
                request, f"Merge at most {MAX_MERGE} tags at a time.", messages.WARNING
            )
            return None
        by_id = {str(tag.pk): tag for tag in chosen}
        target = by_id.get(str(target_id)) or max(chosen, key=lambda t: (t.uses, -t.pk))
        sources = [tag for tag in chosen if tag.pk != target.pk]
        if apply:
            try:
                merge = tags.merge_tags(sources, target, user=request.user)
            except tags.TagRefusal as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
                return None
            self._say_merged(request, merge)
            return None
        previews = [
            tags.preview_merge([t for t in chosen if t.pk != candidate.pk], candidate)
            for candidate in chosen
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge tags",
            "opts": self.model._meta,
            "previews": previews,
            "target": target,
            "chosen": chosen,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/desk/tags/merge_preview.html", context)

    def _say_merged(self, request, merge: TagMerge) -> None:
        changed = len({e for item in merge.former for e in item["entries"]})
        names = ", ".join(f"“{n}”" for n in merge.former_names)
        self.message_user(
            request,
            format_html(
                '{}: {} changed. <a href="{}">Undo this merge</a>',
                f"Merged {names} into “{merge.target_name}”",
                f"{changed} {'entry' if changed == 1 else 'entries'}",
                reverse("admin:taggit_tag_undo_merge", args=[merge.pk]),
            ),
            messages.SUCCESS,
        )

    def undo_merge_view(self, request, merge_id):
        """GET: what the undo will do; POST: undo it."""
        merge = get_object_or_404(TagMerge, pk=merge_id)
        back = reverse("admin:taggit_tag_housekeeping")
        if not self.can_merge(request):
            self.message_user(request, "Only editors undo merges.", messages.ERROR)
            return HttpResponseRedirect(back)
        if request.method == "POST":
            try:
                restored = tags.undo_merge(merge, user=request.user)
            except tags.TagRefusal as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"Undone: {', '.join(f'“{t.name}”' for t in restored)} are back on the "
                    f"entries that had them.",
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "title": "Undo a tag merge",
            "opts": self.model._meta,
            "merge": merge,
            "gained": len(
                {e for item in merge.former for e in item["entries"]} - set(merge.target_had)
            ),
        }
        return TemplateResponse(request, "admin/desk/tags/undo_merge.html", context)

    # --- housekeeping ---------------------------------------------------------------------------

    def housekeeping_view(self, request):
        """Probable duplicates and near spellings (one-click merge), unused tags, recent merges."""
        if not self.has_view_or_change_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Tag housekeeping",
            "opts": self.model._meta,
            "report": tags.housekeeping(),
            "merges": TagMerge.objects.select_related("merged_by")[:10],
            "can_merge": self.can_merge(request),
            "can_delete": self.has_delete_permission(request),
            "trigram": tags.connection.vendor == "postgresql",
        }
        return TemplateResponse(request, "admin/desk/tags/housekeeping.html", context)

    def merge_group(self, request):
        """The housekeeping page's one-click merge: POST tags=… target=…."""
        back = reverse("admin:taggit_tag_housekeeping")
        if not self.can_merge(request):
            self.message_user(request, "Only editors merge tags.", messages.ERROR)
            return HttpResponseRedirect(back)
        ids = [i for i in request.POST.getlist("tags") if i.isdigit()]
        target = (
            Tag.objects.filter(pk=request.POST.get("target", "")).first()
            if (request.POST.get("target", "").isdigit())
            else None
        )
        sources = list(Tag.objects.filter(pk__in=ids).exclude(pk=getattr(target, "pk", None)))
        if target is None or not sources:
            self.message_user(
                request, "Nothing merged: those tags no longer exist.", messages.WARNING
            )
            return HttpResponseRedirect(back)
        merge = tags.merge_tags(sources, target, user=request.user)
        self._say_merged(request, merge)
        return HttpResponseRedirect(back)

    def delete_unused(self, request):
        back = reverse("admin:taggit_tag_housekeeping")
        if not self.has_delete_permission(request):
            self.message_user(request, "Only editors delete tags.", messages.ERROR)
            return HttpResponseRedirect(back)
        if "all" in request.POST:
            ids = list(tags.unused(Tag.objects.all()).values_list("pk", flat=True))
        else:
            ids = [int(i) for i in request.POST.getlist("tags") if i.isdigit()]
        deleted = tags.delete_unused_tags(ids, user=request.user)
        if deleted:
            self.message_user(
                request,
                f"Deleted {deleted} unused tag{'s' if deleted != 1 else ''}.",
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                "Nothing deleted: no unused tag was selected (a tag in use is never deleted here).",
                messages.WARNING,
            )
        return HttpResponseRedirect(back)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("housekeeping/", view(self.housekeeping_view), name="taggit_tag_housekeeping"),
            path(
                "housekeeping/merge/",
                view(require_POST(self.merge_group)),
                name="taggit_tag_merge_group",
            ),
            path(
                "housekeeping/delete-unused/",
                view(require_POST(self.delete_unused)),
                name="taggit_tag_delete_unused",
            ),
            path("merge/", view(self.merge_preview), name="taggit_tag_merge_preview"),
            path(
                "merges/<int:merge_id>/undo/",
                view(self.undo_merge_view),
                name="taggit_tag_undo_merge",
            ),
            *super().get_urls(),
        ]
