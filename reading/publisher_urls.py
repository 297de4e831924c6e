"""Publisher pages under /sources/ (URL namespace `sources`, kept from before the move)."""

from django.urls import path

from . import views

app_name = "sources"

urlpatterns = [
    path("", views.PublisherIndexView.as_view(), name="publishers"),
    path("<slug:slug>/", views.PublisherDetailView.as_view(), name="publisher"),
]
