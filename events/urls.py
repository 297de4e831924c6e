from django.urls import path, re_path

from . import views

app_name = "events"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    re_path(
        r"^(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/(?P<day>[0-9]{2})/(?P<slug>[-\w]+)/$",
        views.EntryDetailView.as_view(),
        name="detail",
    ),
    path("events/<int:pk>/related.json", views.related_json, name="related-json"),
]
