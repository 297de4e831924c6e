"""Public entry pages: thin views that read the request, call a selector and render."""

from django.views.generic import ListView
from django.views.generic.dates import DateDetailView

from . import selectors


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
