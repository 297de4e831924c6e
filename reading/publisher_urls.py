"""Publisher pages under /sources/ (URL namespace `sources`, kept from before the move)."""

from django.urls import path

from . import views

app_name = "sources"

urlpatterns = [
    path("", views.PublisherIndexView.as_view(), name="publishers"),
    # A merged publisher's old slug answers 301 (selectors.public_publisher).
    path("<slug:slug>/", views.follow_moved(views.PublisherDetailView.as_view()), name="publisher"),
]
