"""Public publisher pages: which entries cite a publisher, and how often."""

from django.shortcuts import get_object_or_404
from django.views.generic import ListView

from . import selectors
from .models import Publisher


class PublisherIndexView(ListView):
    """/sources/: publishers cited by published entries, most cited first."""

    template_name = "sources/publisher_index.html"
    context_object_name = "publishers"
    paginate_by = 100

    def get_queryset(self):
        return selectors.publishers_by_use()


class PublisherDetailView(ListView):
    """/sources/<slug>/: the published entries citing this publisher, newest first."""

    template_name = "sources/publisher_detail.html"
    context_object_name = "entries"
    paginate_by = 50

    def get_queryset(self):
        self.publisher = get_object_or_404(Publisher, slug=self.kwargs["slug"])
        return selectors.entries_citing(self.publisher)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["publisher"] = self.publisher
        context["citation_count"] = selectors.citation_count(self.publisher)
        return context
