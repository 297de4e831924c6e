"""Public entry pages: thin views that read the request, call a selector and render."""

from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.generic import ListView
from django.views.generic.dates import DateDetailView

from . import selectors
from .models import Entry
from .related import related_entries


class HomeView(ListView):
    """The latest published entries, grouped by day in the template, newest first."""

    template_name = "events/home.html"
    context_object_name = "entries"
    paginate_by = 30

    def get_queryset(self):
        return selectors.latest_entries()


class EntryDetailView(DateDetailView):
    """One entry at /YYYY/MM/DD/slug/; a draft is a 404 for readers, visible to staff."""

    template_name = "events/entry_detail.html"
    context_object_name = "entry"
    date_field = "event_date"
    month_format = "%m"
    day_format = "%d"
    allow_future = True

    def get_queryset(self):
        return selectors.entry_for_page(self.request.user)


def related_json(request: HttpRequest, pk: int) -> JsonResponse:
    """The "Related" widget of a live entry as JSON, for other pages; 404 unless live."""
    entry = get_object_or_404(Entry.objects.published(), pk=pk)
    return JsonResponse(
        {
            "entry": entry.pk,
            "related": [
                {
                    "id": item.pk,
                    "date": item.event_date.isoformat(),
                    "headline": item.headline,
                    "url": item.get_absolute_url(),
                    "score": item.score,
                    "context": item.shared_tags,
                }
                for item in related_entries(entry)
            ],
        }
    )
