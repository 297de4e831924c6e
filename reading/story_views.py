"""The story pages: /stories/ (by status and category) and /stories/<slug>/ (the timeline).

Thin views: they read the request, call `reading.story_selectors` and render.
"""

from django import forms
from django.views.generic import ListView

from stories.models import Story
from stories.selectors import public_story

from . import cards, story_selectors


class StoryIndexFilter(forms.Form):
    """/stories/'s narrowing: a status and a category, each one of the model's choices."""

    status = forms.ChoiceField(choices=[("", "Any status"), *Story.Status.choices], required=False)
    category = forms.ChoiceField(
        choices=[("", "Any category"), *Story.Category.choices], required=False
    )


class StoryIndexView(ListView):
    """/stories/: the stories readers may see, developing first, grouped by category."""

    template_name = "stories/story_index.html"
    context_object_name = "stories"
    paginate_by = 100

    def get_queryset(self):
        self.filter_form = StoryIndexFilter(self.request.GET or None)
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return story_selectors.story_index(
            status=data.get("status", ""), category=data.get("category", "")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(filter_form=self.filter_form, **kwargs)


class StoryDetailView(ListView):
    """/stories/<slug>/: summary, key events, then the timeline by day, newest first.

    A story with no live entry is a 404 (`stories.selectors.public_story`); its feeds apply
    the same rule.
    """

    template_name = "stories/story_detail.html"
    context_object_name = "entries"
    paginate_by = 50

    def get_queryset(self):
        self.story = public_story(self.kwargs["slug"])
        return story_selectors.timeline(self.story)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        story = self.story
        links = cards.Links()
        page = list(context["entries"])
        first_page = context["page_obj"].number == 1
        key = story_selectors.key_events(story) if first_page else []
        context.update(
            story=story,
            key_events=[cards.card(entry, links) for entry in key],
            days=cards.day_groups(page),
            story_tags=story_selectors.story_tags(story),
            story_publishers=story_selectors.story_publishers(story),
        )
        return context
