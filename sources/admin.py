"""Admin for publishers and sources, and the citation inline on the entry page."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse

from .forms import NormalizedURLField
from .links import domain_of
from .models import Citation, Publisher, PublisherDomain, Source
from .services import MergeError, get_or_create_source, merge_publishers


class CitationForm(forms.ModelForm):
    """One source row on the entry page: the article's details, stored once per normalised URL."""

    url = NormalizedURLField(label="URL")
    title = forms.CharField(max_length=500, required=False)
    publisher = forms.ModelChoiceField(
        Publisher.objects.all(),
        required=False,
        help_text="Leave empty to credit the publisher of the URL's domain.",
    )
    byline = forms.CharField(max_length=300, required=False)
    published_on = forms.DateField(label="Publication date", required=False)
    excerpt = forms.CharField(
        label="Quote or excerpt",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
    )

    class Meta:
        model = Citation
        fields = ["position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            source = self.instance.source
            for name in ("url", "title", "publisher", "byline", "published_on", "excerpt"):
                self.initial.setdefault(name, getattr(source, name))

    def save(self, commit=True):
        data = self.cleaned_data
        self.instance.source = get_or_create_source(
            data["url"],
            title=data["title"],
            publisher=data["publisher"],
            byline=data["byline"],
            published_on=data["published_on"],
            excerpt=data["excerpt"],
        )
        return super().save(commit)


class CitationFormSet(BaseInlineFormSet):
    """Refuses the same article twice on one entry (compared by normalised URL)."""

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None and index >= self.initial_form_count():
            kwargs["initial"] = {"position": index}
        return kwargs

    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            # _should_delete_form: BaseFormSet's private helper, missing from django-stubs.
            if self._should_delete_form(form) or not getattr(form, "cleaned_data", None):  # type: ignore[attr-defined]
                continue
            url = form.cleaned_data.get("url")
            if url is None:
                continue
            if url in seen:  # said once, on the row that repeats it
                form.add_error("url", "This source is already cited by this entry.")
            seen.add(url)


class CitationInline(admin.StackedInline):
    model = Citation
    form = CitationForm
    formset = CitationFormSet
    extra = 2
    fields = ("url", "title", "publisher", "byline", "published_on", "excerpt", "position")
    verbose_name = "source"
    verbose_name_plural = "sources (in the order readers see them)"


class SourceAdminForm(forms.ModelForm):
    url = NormalizedURLField(label="URL")

    class Meta:
        model = Source
        fields = ["url", "title", "publisher", "byline", "published_on", "excerpt"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        if Source.objects.filter(url=url).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"This article is already stored as a source: {url}")
        return url


class PublisherDomainForm(forms.ModelForm):
    class Meta:
        model = PublisherDomain
        fields = ["domain"]

    def clean_domain(self):
        domain = domain_of(f"https://{self.cleaned_data['domain'].strip()}/")
        if not domain:
            raise forms.ValidationError("Enter a web domain such as bbc.com.")
        if Publisher.objects.filter(domain=domain).exists():
            raise forms.ValidationError(f"{domain} is already a publisher's main domain.")
        return domain


class PublisherDomainInline(admin.TabularInline):
    model = PublisherDomain
    form = PublisherDomainForm
    extra = 1
    verbose_name_plural = "other domains (sources on them are credited to this publisher)"


class MergePublishersForm(forms.Form):
    into = forms.ModelChoiceField(
        Publisher.objects.all(), label="Merge into", help_text="The publisher that stays."
    )


@admin.register(Publisher)
class PublisherAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("name", "domain", "needs_name", "homepage")
    list_filter = ("needs_name",)
    search_fields = ("name", "domain", "other_domains__domain")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [PublisherDomainInline]
    actions = ["merge_selected"]

    def save_model(self, request, obj, form, change):
        if change and "name" in form.changed_data:
            obj.needs_name = False  # an editor named it
        super().save_model(request, obj, form, change)

    @admin.action(description="Merge selected publishers into another…", permissions=["change"])
    def merge_selected(self, request, queryset):
        """A page to pick the publisher that stays; on confirmation, merge_publishers."""
        form = MergePublishersForm(request.POST if "into" in request.POST else None)
        if form.is_bound and form.is_valid():
            into = form.cleaned_data["into"]
            names = ", ".join(p.name for p in queryset if p.pk != into.pk)
            try:
                moved = merge_publishers(queryset, into=into)
            except MergeError as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
                return None
            self.message_user(
                request,
                f"Merged {names} into {into}: {moved} source{'s' if moved != 1 else ''} "
                "re-pointed; their old pages redirect to its page.",
                messages.SUCCESS,
            )
            return None
        return TemplateResponse(
            request,
            "admin/sources/publisher/merge.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Merge publishers",
                "publishers": queryset,
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    form = SourceAdminForm
    list_display = ("title", "publisher", "byline", "published_on", "url")
    list_select_related = ("publisher",)
    list_filter = ("publisher",)
    search_fields = ("title", "url", "byline")
    autocomplete_fields = ("publisher",)
    date_hierarchy = "published_on"
